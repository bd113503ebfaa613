// Directives whose values are more than one scalar: address lists, save points, buffer limits,
// flag sets. Each validates everything before storing anything, so a bad value changes nothing.
#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "config/directive.h"
#include "util/split_args.h"
#include "util/text.h"

namespace postbox::config_detail {
namespace {

// A config file line like `bind ""` means "no values"; Redis treats it so for list directives.
bool is_empty_list(const Args& args) {
  return args.empty() || (args.size() == 1 && args[0].empty());
}

class BindCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    if (is_empty_list(args)) {
      slot.cfg.bind.clear();
      return Status::ok();
    }
    if (args.size() > 16) return Status::error("Too many bind addresses specified.");
    slot.cfg.bind = args;
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return join(slot.cfg.bind); }
  // The default is left out of the file (lines saying it are removed); no addresses is `bind ""`.
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    std::string v = get(in.slot);
    if (v == in.default_text) return {};
    return {{fmt::format("{} {}", in.name, v.empty() ? "\"\"" : v), true}};
  }
};

class SaveCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    Args points = is_empty_list(args) ? Args{} : args;
    if (points.size() % 2 != 0) return Status::error("Invalid save parameters");
    Args canonical;
    for (size_t i = 0; i < points.size(); ++i) {
      long long v;
      bool seconds = i % 2 == 0;
      if (!parse_loose_ll(points[i], v) || v < (seconds ? 1 : 0)) {
        return Status::error("Invalid save parameters");
      }
      canonical.push_back(fmt::format("{}", v));
    }
    slot.kept = join(canonical);
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return slot.kept; }
  // Always written, one `save seconds changes` line per point, or `save ""` so that the defaults
  // do not come back at the next start.
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    Args points;
    split_args(get(in.slot), points);
    if (points.empty()) return {{fmt::format("{} \"\"", in.name), true}};
    std::vector<RewriteLine> lines;
    for (size_t i = 0; i + 1 < points.size(); i += 2) {
      lines.push_back({fmt::format("{} {} {}", in.name, points[i], points[i + 1]), true});
    }
    return lines;
  }
};

class OutputBufferCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    if (args.size() % 4 != 0) {
      return Status::error("Wrong number of arguments in buffer limit configuration.");
    }
    OutputBufferLimit* targets[] = {&slot.cfg.obl_normal, &slot.cfg.obl_replica,
                                    &slot.cfg.obl_pubsub};
    OutputBufferLimit staged[] = {*targets[0], *targets[1], *targets[2]};
    for (size_t j = 0; j < args.size(); j += 4) {
      int cls = class_index(args[j]);
      if (cls < 0) {
        return Status::error("Invalid client class specified in buffer limit configuration.");
      }
      unsigned long long hard, soft;
      long long seconds;
      if (!parse_memory(args[j + 1], hard) || !parse_memory(args[j + 2], soft) ||
          !parse_loose_ll(args[j + 3], seconds) || seconds < 0) {
        return Status::error(
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      }
      staged[cls] = OutputBufferLimit{hard, soft, seconds};
    }
    for (int i = 0; i < 3; ++i) *targets[i] = staged[i];
    return Status::ok();
  }

  std::string get(ConstSlot slot) const override {
    const Config& c = slot.cfg;
    return fmt::format("normal {} {} {} slave {} {} {} pubsub {} {} {}", c.obl_normal.hard_bytes,
                       c.obl_normal.soft_bytes, c.obl_normal.soft_seconds, c.obl_replica.hard_bytes,
                       c.obl_replica.soft_bytes, c.obl_replica.soft_seconds,
                       c.obl_pubsub.hard_bytes, c.obl_pubsub.soft_bytes, c.obl_pubsub.soft_seconds);
  }

  // One line per class, each forced only when that class is not at its default.
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    const Config defaults;
    const OutputBufferLimit* now[] = {&in.slot.cfg.obl_normal, &in.slot.cfg.obl_replica,
                                      &in.slot.cfg.obl_pubsub};
    const OutputBufferLimit* def[] = {&defaults.obl_normal, &defaults.obl_replica,
                                      &defaults.obl_pubsub};
    static constexpr std::string_view kNames[] = {"normal", "replica", "pubsub"};
    std::vector<RewriteLine> lines;
    for (size_t i = 0; i < 3; ++i) {
      const OutputBufferLimit& l = *now[i];
      bool force = l.hard_bytes != def[i]->hard_bytes || l.soft_bytes != def[i]->soft_bytes ||
                   l.soft_seconds != def[i]->soft_seconds;
      lines.push_back(
          {fmt::format("{} {} {} {} {}", in.name, kNames[i], format_memory(l.hard_bytes),
                       format_memory(l.soft_bytes), l.soft_seconds),
           force});
    }
    return lines;
  }

 private:
  // "master" is a client class Redis knows but refuses here, with the same message.
  static int class_index(std::string_view name) {
    if (iequals(name, "normal")) return 0;
    if (iequals(name, "slave") || iequals(name, "replica")) return 1;
    if (iequals(name, "pubsub")) return 2;
    return -1;
  }
};

// Redis chdir()s into `dir` and reports getcwd(); Postbox keeps the path for the store and
// reports it absolute, so tools that read CONFIG GET dir see the same kind of answer.
class DataDirCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    if (args[0].empty()) return Status::error("No such file or directory");
    slot.cfg.dir = args[0];
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(slot.cfg.dir, ec);
    if (ec) return slot.cfg.dir;
    std::string s = p.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
  }
  // Always written, as an absolute path (Redis writes its working directory).
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    return {{fmt::format("{} {}", in.name, quote(get(in.slot))), true}};
  }
};

class KeyspaceEventsCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    unsigned flags = 0;
    for (char c : args[0]) {
      if (c == 'A') {
        flags |= kAll;
        continue;
      }
      size_t pos = kLetters.find(c);
      if (pos == std::string_view::npos) {
        return Status::error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      }
      flags |= 1u << pos;
    }
    slot.kept = render(flags);
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return slot.kept; }
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    std::string v = get(in.slot);
    return {{fmt::format("{} {}", in.name, quote(v)), !v.empty()}};
  }

 private:
  // Bit i stands for kLetters[i]. 'A' covers the type classes g$lshzxetd but not n, m, K, E;
  // when it is complete only "A" is printed, and Redis then leaves 'n' out of the text too.
  static constexpr std::string_view kLetters = "g$lshzxetdnKEm";
  static constexpr unsigned kAll = (1u << 10) - 1;

  static std::string render(unsigned flags) {
    std::string out;
    if ((flags & kAll) == kAll) {
      out += 'A';
    } else {
      for (size_t i = 0; i <= 10; ++i) {
        if (flags & (1u << i)) out += kLetters[i];
      }
    }
    for (size_t i = 11; i < kLetters.size(); ++i) {
      if (flags & (1u << i)) out += kLetters[i];
    }
    return out;
  }
};

class OomScoreValuesCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    if (args.size() != 3) return Status::error("wrong number of arguments");
    Args canonical;
    for (const auto& a : args) {
      long long v;
      if (!parse_loose_ll(a, v) || v < -2000 || v > 2000) {
        return Status::error(
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
      }
      canonical.push_back(fmt::format("{}", v));
    }
    slot.kept = join(canonical);
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return slot.kept; }
};

class PercentilesCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    Args canonical;
    for (const auto& a : is_empty_list(args) ? Args{} : args) {
      double v;
      if (!parse_double(a, v)) {
        return Status::error("Invalid latency-tracking-info-percentiles parameters");
      }
      if (v < 0.0 || v > 100.0) {
        return Status::error(
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
      }
      canonical.push_back(render(v));
    }
    slot.kept = join(canonical);
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return slot.kept; }
  // Always written; no percentiles is `""` so that the defaults do not come back.
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    std::string v = get(in.slot);
    return {{fmt::format("{} {}", in.name, v.empty() ? "\"\"" : v), true}};
  }

 private:
  // Redis's string2d: strtod over the whole text, no leading space, no NaN, no underflow.
  static bool parse_double(const std::string& s, double& v) {
    if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
    char* end = nullptr;
    errno = 0;
    v = std::strtod(s.c_str(), &end);
    if (*end != '\0' || std::isnan(v)) return false;
    return !(errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0.0));
  }
  // Six decimals, then trailing zeros and a bare point trimmed: 99.9, 50, 0.1, -0.
  static std::string render(double v) {
    std::string s = fmt::format("{:f}", v);
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  }
};

class ShutdownFlagsCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    unsigned flags = 0;
    if (args.empty()) return Status::error(kChoices);
    for (const auto& a : args) {
      size_t i = 0;
      while (i < std::size(kNames) && !iequals(a, kNames[i])) ++i;
      if (i == std::size(kNames)) return Status::error(kChoices);
      flags |= kValues[i];
    }
    if ((flags & 1u) && (flags & 2u)) {
      return Status::error("shutdown options SAVE and NOSAVE can't be used simultaneously");
    }
    std::string out;
    for (size_t i = 1; i < std::size(kNames); ++i) {
      if (!(flags & kValues[i])) continue;
      if (!out.empty()) out += ' ';
      out += kNames[i];
    }
    slot.kept = out.empty() ? "default" : out;
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return slot.kept; }

 private:
  static constexpr std::string_view kNames[] = {"default", "save", "nosave", "now", "force"};
  static constexpr unsigned kValues[] = {0, 1, 2, 4, 8};
  static constexpr const char* kChoices =
      "argument(s) must be one of the following: default, save, nosave, now, force";
};

class ReplicaOfCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    if (is_empty_list(args)) {
      slot.kept.clear();
      return Status::ok();
    }
    if (args.size() != 2) return Status::error("wrong number of arguments");
    if (iequals(args[0], "no") && iequals(args[1], "one")) {
      slot.kept.clear();
      return Status::ok();
    }
    long long port;
    if (!parse_loose_ll(args[1], port) || port < 0 || port > 65535) {
      return Status::error("Invalid master port");
    }
    slot.kept = args[0] + " " + std::to_string(port);
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return slot.kept; }
  // A master has no replicaof line: Redis removes every one from the file.
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    std::string v = get(in.slot);
    if (v.empty()) return {};
    return {{fmt::format("{} {}", in.name, v), true}};
  }
};

class BaseNameCodec : public Codec {
 public:
  explicit BaseNameCodec(std::string_view error) : error_(error) {}
  Status set(Slot slot, const Args& args) const override {
    if (args[0].find('/') != std::string::npos || args[0] == "..") {
      return Status::error(std::string(error_));
    }
    slot.kept = args[0];
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return slot.kept; }
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    return rewrite_quoted(in, get(in.slot));
  }

 private:
  std::string_view error_;
};

// Accepts what Redis's process-title expander accepts: known {variables}, closed braces, and a
// result that is not blank once variables that may be empty ({title} while validating,
// {server-mode}, {unixsocket}, {config-file}) are left out.
class ProcTitleCodec : public Codec {
 public:
  Status set(Slot slot, const Args& args) const override {
    if (!valid(args[0])) {
      return Status::error("template format is invalid or contains unknown variables");
    }
    slot.kept = args[0];
    return Status::ok();
  }
  std::string get(ConstSlot slot) const override { return slot.kept; }
  std::vector<RewriteLine> rewrite(const RewriteInput& in) const override {
    return rewrite_quoted(in, get(in.slot));
  }

 private:
  static bool valid(std::string_view t) {
    static constexpr std::string_view kMaybeEmpty[] = {"{title}", "{server-mode}", "{unixsocket}",
                                                       "{config-file}"};
    static constexpr std::string_view kNonEmpty[] = {"{listen-addr}", "{port}", "{tls-port}"};
    bool visible = false;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] != '{') {
        visible = visible || t[i] != ' ';
        continue;
      }
      size_t close = t.find('}', i);
      if (close == std::string_view::npos) return false;
      std::string_view var = t.substr(i, close - i + 1);
      bool shows =
          std::find(std::begin(kNonEmpty), std::end(kNonEmpty), var) != std::end(kNonEmpty);
      bool hides =
          std::find(std::begin(kMaybeEmpty), std::end(kMaybeEmpty), var) != std::end(kMaybeEmpty);
      if (!shows && !hides) return false;
      visible = visible || shows;
      i = close;
    }
    return visible;
  }
};

}  // namespace

std::shared_ptr<const Codec> bind_list() {
  return std::make_shared<BindCodec>();
}
std::shared_ptr<const Codec> save_points() {
  return std::make_shared<SaveCodec>();
}
std::shared_ptr<const Codec> output_buffer_limits() {
  return std::make_shared<OutputBufferCodec>();
}
std::shared_ptr<const Codec> data_dir() {
  return std::make_shared<DataDirCodec>();
}
std::shared_ptr<const Codec> keyspace_events() {
  return std::make_shared<KeyspaceEventsCodec>();
}
std::shared_ptr<const Codec> oom_score_values() {
  return std::make_shared<OomScoreValuesCodec>();
}
std::shared_ptr<const Codec> percentiles() {
  return std::make_shared<PercentilesCodec>();
}
std::shared_ptr<const Codec> shutdown_flags() {
  return std::make_shared<ShutdownFlagsCodec>();
}
std::shared_ptr<const Codec> replica_of() {
  return std::make_shared<ReplicaOfCodec>();
}
std::shared_ptr<const Codec> base_name(std::string_view error) {
  return std::make_shared<BaseNameCodec>(error);
}
std::shared_ptr<const Codec> proc_title() {
  return std::make_shared<ProcTitleCodec>();
}

}  // namespace postbox::config_detail
