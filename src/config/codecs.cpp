// The plain directive types: yes/no, numbers (with Redis's memory, percent and octal forms),
// strings and enumerations, plus the number parsers they share with the special codecs.
#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "config/directive.h"
#include "util/text.h"

namespace postbox::config_detail {
namespace {

class YesNoCodec : public Codec {
 public:
  explicit YesNoCodec(bool Config::*field) : field_(field) {}
  Status set(Slot slot, const Args& args) const override {
    bool v;
    if (iequals(args[0], "yes")) {
      v = true;
    } else if (iequals(args[0], "no")) {
      v = false;
    } else {
      return Status::error("argument must be 'yes' or 'no'");
    }
    if (field_) {
      slot.cfg.*field_ = v;
    } else {
      slot.kept = v ? "yes" : "no";
    }
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override {
    if (!field_) return slot.kept;
    return slot.cfg.*field_ ? "yes" : "no";
  }

 private:
  bool Config::*field_;
};

class NumberCodec : public Codec {
 public:
  NumberCodec(NumSpec spec, int Config::*i32, int64_t Config::*i64)
      : spec_(spec), i32_(i32), i64_(i64) {}

  Status set(Slot slot, const Args& args) const override {
    long long v;
    if (Status s = parse(args[0], v); !s) return s;
    if (Status s = check_bounds(v); !s) return s;
    if (v < spec_.clamp_lo) v = spec_.clamp_lo;
    if (v > spec_.clamp_hi) v = spec_.clamp_hi;
    if (i32_) {
      // maxclients allows up to UINT_MAX as Redis does, more than an int holds: saturate.
      slot.cfg.*i32_ = v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : static_cast<int>(v);
    } else if (i64_) {
      slot.cfg.*i64_ = v;
    } else {
      slot.kept = format(v);
    }
    return Status::ok();
  }

  std::string get(ConstSlot slot) const override {
    if (i32_) return format(slot.cfg.*i32_);
    if (i64_) return format(slot.cfg.*i64_);
    return slot.kept;
  }

  // Redis writes sizes with the largest exact unit (64mb) and percentages with their sign.
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    std::string shown = get(in.slot);
    long long v = value(in.slot);
    std::string text;
    if (spec_.percent && v < 0) {
      text = fmt::format("{}%", -v);
    } else if (spec_.memory) {
      text = format_memory(static_cast<unsigned long long>(v));
    } else {
      text = shown;
    }
    return {{fmt::format("{} {}", in.name, text), shown != in.default_text}};
  }

 private:
  // The stored number: the Config field, or the kept text that format() wrote.
  long long value(ConstSlot slot) const {
    if (i32_) return slot.cfg.*i32_;
    if (i64_) return slot.cfg.*i64_;
    const std::string& k = slot.kept;
    if (spec_.percent && !k.empty() && k.back() == '%') {
      return -std::strtoll(k.c_str(), nullptr, 10);
    }
    if (spec_.octal) return std::strtoll(k.c_str(), nullptr, 8);
    if (spec_.is_unsigned) return static_cast<long long>(std::strtoull(k.c_str(), nullptr, 10));
    return std::strtoll(k.c_str(), nullptr, 10);
  }

  // The order of attempts and the error wording follow Redis's numeric config parser.
  Status parse(const std::string& s, long long& v) const {
    if (spec_.octal) {
      if (parse_loose_ll(s, v, 8)) return Status::ok();
      return Status::error("argument couldn't be parsed as an octal number");
    }
    unsigned long long u;
    if (spec_.memory && parse_memory(s, u)) {
      v = static_cast<long long>(u);
      return Status::ok();
    }
    if (spec_.percent && s.size() > 1 && s.back() == '%' &&
        parse_strict_ll(std::string_view(s).substr(0, s.size() - 1), v) && v >= 0) {
      v = -v;
      return Status::ok();
    }
    if (!spec_.memory && !spec_.percent && parse_strict_ll(s, v)) return Status::ok();
    if (spec_.memory && spec_.percent) {
      return Status::error("argument must be a memory or percent value");
    }
    if (spec_.memory) return Status::error("argument must be a memory value");
    return Status::error("argument couldn't be parsed into an integer");
  }

  Status check_bounds(long long v) const {
    if (spec_.is_unsigned) {
      auto u = static_cast<unsigned long long>(v);
      auto lo = static_cast<unsigned long long>(spec_.lo);
      auto hi = static_cast<unsigned long long>(spec_.hi);
      if (u >= lo && u <= hi) return Status::ok();
      return Status::error(
          spec_.octal ? fmt::format("argument must be between {:o} and {:o} inclusive", lo, hi)
                      : fmt::format("argument must be between {} and {} inclusive", lo, hi));
    }
    if (spec_.percent && v < 0) {
      if (v >= spec_.lo) return Status::ok();
      return Status::error(
          fmt::format("percentage argument must be less or equal to {}", -spec_.lo));
    }
    if (v >= spec_.lo && v <= spec_.hi) return Status::ok();
    return Status::error(
        fmt::format("argument must be between {} and {} inclusive", spec_.lo, spec_.hi));
  }

  std::string format(long long v) const {
    if (spec_.octal) return fmt::format("{:o}", v);
    if (spec_.percent && v < 0) return fmt::format("{}%", -v);
    if (spec_.is_unsigned) return fmt::format("{}", static_cast<unsigned long long>(v));
    return fmt::format("{}", v);
  }

  NumSpec spec_;
  int Config::*i32_;
  int64_t Config::*i64_;
};

class TextCodec : public Codec {
 public:
  explicit TextCodec(std::string Config::*field) : field_(field) {}
  Status set(Slot slot, const Args& args) const override {
    (field_ ? slot.cfg.*field_ : slot.kept) = args[0];
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return field_ ? slot.cfg.*field_ : slot.kept; }
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    return rewrite_quoted(in, get(in.slot));
  }

 private:
  std::string Config::*field_;
};

// Enumerations stored in Config go through load/store functions so one codec serves every enum
// type; no-op ones keep the canonical (lower-case) name.
class OneOfCodec : public Codec {
 public:
  using Load = int (*)(const Config&);
  using Store = void (*)(Config&, int);
  OneOfCodec(std::vector<std::string_view> names, size_t listed, Load load, Store store,
             std::vector<std::pair<std::string_view, std::string_view>> synonyms = {})
      : names_(std::move(names)),
        listed_(std::min(listed, names_.size())),
        load_(load),
        store_(store),
        synonyms_(std::move(synonyms)) {}

  Status set(Slot slot, const Args& args) const override {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (!iequals(args[0], names_[i])) continue;
      if (store_) {
        store_(slot.cfg, static_cast<int>(i));
      } else {
        slot.kept = names_[i];
        for (auto [name, same_as] : synonyms_) {
          if (names_[i] == name) slot.kept = same_as;
        }
      }
      return Status::ok();
    }
    std::string msg = "argument(s) must be one of the following: ";
    for (size_t i = 0; i < listed_; ++i) {
      if (i) msg += ", ";
      msg += names_[i];
    }
    return Status::error(std::move(msg));
  }
  std::string get(ConstSlot slot) const override {
    if (!load_) return slot.kept;
    return std::string(names_.at(static_cast<size_t>(load_(slot.cfg))));
  }

 private:
  std::vector<std::string_view> names_;
  size_t listed_;
  Load load_;
  Store store_;
  std::vector<std::pair<std::string_view, std::string_view>> synonyms_;
};

// The name lists are in Redis's order (its error text lists them so), which differs from the
// enum declaration order; these tables translate.
constexpr FsyncPolicy kFsyncByIndex[] = {FsyncPolicy::Everysec, FsyncPolicy::Always,
                                         FsyncPolicy::No};
constexpr LogLevel kLevelByIndex[] = {LogLevel::Debug, LogLevel::Verbose, LogLevel::Notice,
                                      LogLevel::Warning, LogLevel::Nothing};

template <typename E, size_t N>
int index_of(const E (&table)[N], E value) {
  for (size_t i = 0; i < N; ++i) {
    if (table[i] == value) return static_cast<int>(i);
  }
  return 0;
}

}  // namespace

bool parse_strict_ll(std::string_view s, long long& out) {
  if (s.empty() || s.size() > 20) return false;
  if (s == "0") {
    out = 0;
    return true;
  }
  bool negative = s[0] == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s[0] < '1' || s[0] > '9') return false;
  unsigned long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    if (v > (ULLONG_MAX - (c - '0')) / 10) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  const unsigned long long limit = negative ? 1ULL + LLONG_MAX : LLONG_MAX;
  if (v > limit) return false;
  out = negative ? static_cast<long long>(0 - v) : static_cast<long long>(v);
  return true;
}

bool parse_memory(std::string_view s, unsigned long long& out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  std::string_view unit = s.substr(digits);
  unsigned long long mul;
  if (unit.empty() || iequals(unit, "b")) {
    mul = 1;
  } else if (iequals(unit, "k")) {
    mul = 1000;
  } else if (iequals(unit, "kb")) {
    mul = 1024;
  } else if (iequals(unit, "m")) {
    mul = 1000 * 1000;
  } else if (iequals(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (iequals(unit, "g")) {
    mul = 1000ULL * 1000 * 1000;
  } else if (iequals(unit, "gb")) {
    mul = 1024ULL * 1024 * 1024;
  } else {
    return false;
  }
  if (digits >= 128) return false;
  // Redis converts with strtoull and ignores ERANGE, so an overlong number saturates and an empty
  // one ("kb") is zero; the product then wraps. Matching that keeps CONFIG GET answers identical.
  unsigned long long v = 0;
  for (size_t i = 0; i < digits; ++i) {
    unsigned d = static_cast<unsigned>(s[i] - '0');
    v = v > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : v * 10 + d;
  }
  out = v * mul;
  return true;
}

bool parse_loose_ll(const std::string& s, long long& out, int base) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoll(s.c_str(), &end, base);
  if (base == 8 && errno != 0) return false;  // Redis checks errno only for the octal form
  return *end == '\0';
}

std::vector<RewriteLine> Codec::rewrite(const RewriteInput& in) const {
  std::string v = get(in.slot);
  bool force = v != in.default_text;
  return {{fmt::format("{} {}", in.name, v), force}};
}

std::vector<RewriteLine> rewrite_quoted(const RewriteInput& in, const std::string& value) {
  if (value.empty() && (in.flags & kEmptyIsNull)) return {};
  return {{fmt::format("{} {}", in.name, quote(value)), value != in.default_text}};
}

std::string quote(std::string_view v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (std::isprint(c)) {
          out += static_cast<char>(c);
        } else {
          out += fmt::format("\\x{:02x}", c);
        }
    }
  }
  out += '"';
  return out;
}

std::string format_memory(unsigned long long bytes) {
  constexpr unsigned long long kb = 1024, mb = kb * 1024, gb = mb * 1024;
  if (bytes && bytes % gb == 0) return fmt::format("{}gb", bytes / gb);
  if (bytes && bytes % mb == 0) return fmt::format("{}mb", bytes / mb);
  if (bytes && bytes % kb == 0) return fmt::format("{}kb", bytes / kb);
  return fmt::format("{}", bytes);
}

std::string join(const Args& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) out += ' ';
    out += args[i];
  }
  return out;
}

std::shared_ptr<const Codec> yes_no(bool Config::*field) {
  return std::make_shared<YesNoCodec>(field);
}
std::shared_ptr<const Codec> number(NumSpec spec) {
  return std::make_shared<NumberCodec>(spec, nullptr, nullptr);
}
std::shared_ptr<const Codec> number(NumSpec spec, int Config::*field) {
  return std::make_shared<NumberCodec>(spec, field, nullptr);
}
std::shared_ptr<const Codec> number(NumSpec spec, int64_t Config::*field) {
  return std::make_shared<NumberCodec>(spec, nullptr, field);
}
std::shared_ptr<const Codec> text(std::string Config::*field) {
  return std::make_shared<TextCodec>(field);
}
std::shared_ptr<const Codec> one_of(std::vector<std::string_view> names, size_t listed) {
  return std::make_shared<OneOfCodec>(std::move(names), listed, nullptr, nullptr);
}
std::shared_ptr<const Codec> one_of(
    std::vector<std::string_view> names,
    std::vector<std::pair<std::string_view, std::string_view>> synonyms) {
  return std::make_shared<OneOfCodec>(std::move(names), SIZE_MAX, nullptr, nullptr,
                                      std::move(synonyms));
}

std::shared_ptr<const Codec> fsync_policy() {
  return std::make_shared<OneOfCodec>(
      std::vector<std::string_view>{"everysec", "always", "no"}, SIZE_MAX,
      [](const Config& c) { return index_of(kFsyncByIndex, c.appendfsync); },
      [](Config& c, int i) { c.appendfsync = kFsyncByIndex[i]; });
}

// "nothing" arrived in Redis 7.2; it is accepted but kept out of 7.0's error text.
std::shared_ptr<const Codec> log_level() {
  return std::make_shared<OneOfCodec>(
      std::vector<std::string_view>{"debug", "verbose", "notice", "warning", "nothing"}, 4,
      [](const Config& c) { return index_of(kLevelByIndex, c.loglevel); },
      [](Config& c, int i) { c.loglevel = kLevelByIndex[i]; });
}

}  // namespace postbox::config_detail
