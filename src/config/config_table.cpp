// CONFIG GET and CONFIG SET over the directive table, with Redis 7.0's all-or-nothing SET.
#include <fmt/format.h>

#include <algorithm>

#include "config/config.h"
#include "config/directive.h"
#include "util/glob.h"
#include "util/split_args.h"

namespace postbox {

using config_detail::Args;
using config_detail::ConstSlot;
using config_detail::Directive;
using config_detail::directives;
using config_detail::find_directive;
using config_detail::Slot;

namespace {

Status set_failed(std::string_view name, std::string_view reason) {
  return Status::error(
      fmt::format("ERR CONFIG SET failed (possibly related to argument '{}') - {}", name, reason));
}

// CONFIG SET splits list values on single spaces, keeping empty pieces, as Redis does: "" is
// no values and "a  b" is three.
Args split_on_spaces(std::string_view v) {
  Args out;
  if (v.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t sp = v.find(' ', start);
    out.emplace_back(v.substr(start, sp == std::string_view::npos ? sp : sp - start));
    if (sp == std::string_view::npos) return out;
    start = sp + 1;
  }
}

bool has_glob_chars(std::string_view p) {
  return p.find_first_of("*?[") != p.npos;
}

}  // namespace

namespace config_detail {

Args default_args(const Directive& d) {
  Args args;
  if ((d.flags & kMultiArg) && !d.default_value.empty()) {
    split_args(d.default_value, args);
  } else {
    args.emplace_back(d.default_value);
  }
  return args;
}

std::string canonical_default(const Directive& d) {
  Config scratch;
  std::string kept;
  (void)d.codec->set(Slot{scratch, kept}, default_args(d));
  return d.codec->get(ConstSlot{scratch, kept});
}

}  // namespace config_detail

using config_detail::canonical_default;
using config_detail::default_args;

ConfigTable::ConfigTable(Config& cfg)
    : cfg_(cfg), kept_(directives().size()), origin_(directives().size()) {
  const auto& table = directives();
  for (size_t i = 0; i < table.size(); ++i) {
    if (!(table[i].flags & config_detail::kNoop)) continue;
    Config scratch;
    (void)table[i].codec->set(Slot{scratch, kept_[i]}, default_args(table[i]));
  }
}

void ConfigTable::set_apply_hook(std::function<Status(std::string_view)> hook) {
  hook_ = std::move(hook);
}

std::string ConfigTable::value_of(size_t index) const {
  return directives()[index].codec->get(ConstSlot{cfg_, kept_[index]});
}

Status ConfigTable::set_directive(size_t index, const Args& args) {
  const Directive& d = directives()[index];
  std::string before = kept_[index];
  if (Status s = d.codec->set(Slot{cfg_, kept_[index]}, args); !s) return s;
  if (Status s = check_restricted(index); !s) {
    kept_[index] = before;
    return s;
  }
  return Status::ok();
}

Status ConfigTable::check_restricted(size_t index) const {
  const Directive& d = directives()[index];
  // Restricted rows are all no-op rows, so the kept text is the whole value to compare.
  if (!(d.flags & config_detail::kRestricted) || kept_[index] == canonical_default(d)) {
    return Status::ok();
  }
  std::string allowed = d.default_value.empty()
                            ? std::string("only an empty value is accepted")
                            : fmt::format("only '{}' is accepted", d.default_value);
  return Status::error(fmt::format("{} ({})", d.why, allowed));
}

namespace {

struct SetItem {
  size_t index;
  std::string_view shown;  // the spelling used, as Redis names it in errors
  std::string_view value;
};

// Every name is checked before any value is touched; the first problem found is reported.
Status check_names(const std::vector<std::string_view>& pairs, std::vector<SetItem>& items) {
  for (size_t k = 0; k < pairs.size(); k += 2) {
    bool alias = false;
    int i = find_directive(pairs[k], &alias);
    if (i < 0) {
      return Status::error(
          fmt::format("ERR Unknown option or number of arguments for CONFIG SET - '{}'", pairs[k]));
    }
    const Directive& d = directives()[i];
    std::string_view shown = alias ? d.alias : d.name;
    if (d.flags & config_detail::kImmutable) return set_failed(shown, "can't set immutable config");
    if (d.flags & config_detail::kProtected) return set_failed(shown, "can't set protected config");
    for (const SetItem& it : items) {
      // Redis keys duplicates by spelling: a name and its alias in one call both apply.
      if (it.index == static_cast<size_t>(i) && it.shown == shown) {
        return set_failed(shown, "duplicate parameter");
      }
    }
    items.push_back({static_cast<size_t>(i), shown, pairs[k + 1]});
  }
  return Status::ok();
}

}  // namespace

Status ConfigTable::set(const std::vector<std::string_view>& pairs) {
  if (pairs.empty() || pairs.size() % 2 != 0) return Status::error("ERR syntax error");
  std::vector<SetItem> items;
  if (Status s = check_names(pairs, items); !s) return s;

  const Config saved_cfg = cfg_;
  const std::vector<std::string> saved_kept = kept_;
  auto rollback = [&] {
    cfg_ = saved_cfg;
    kept_ = saved_kept;
  };
  std::vector<size_t> changed;
  for (const SetItem& it : items) {
    const Directive& d = directives()[it.index];
    Args args = (d.flags & config_detail::kMultiArg) ? split_on_spaces(it.value)
                                                     : Args{std::string(it.value)};
    std::string before = value_of(it.index);
    if (Status s = set_directive(it.index, args); !s) {
      rollback();
      return set_failed(it.shown, s.message());
    }
    if (value_of(it.index) != before &&
        std::find(changed.begin(), changed.end(), it.index) == changed.end()) {
      changed.push_back(it.index);
    }
  }
  if (!hook_) return Status::ok();
  for (size_t index : changed) {
    Status s = hook_(directives()[index].name);
    if (s) continue;
    // Put the old values back and let the server re-apply them, as Redis does after a failed
    // apply function; failures while restoring have nowhere better to go.
    rollback();
    for (size_t j : changed) (void)hook_(directives()[j].name);
    std::string_view reason = s.message();
    if (reason.starts_with("ERR ")) reason.remove_prefix(4);
    return set_failed(directives()[index].name, reason);
  }
  return Status::ok();
}

std::vector<std::pair<std::string, std::string>> ConfigTable::get(
    const std::vector<std::string_view>& patterns) const {
  struct Hit {
    size_t index;
    bool alias;
    std::string shown;
  };
  const auto& table = directives();
  std::vector<Hit> hits;
  // Redis dedupes by name, case-insensitively; names are unique that way, so marking each
  // (directive, spelling) pair once it is reported is the same thing and stays linear.
  std::vector<bool> reported(table.size() * 2);
  auto report = [&](size_t i, bool alias, std::string_view shown) {
    if (reported[i * 2 + alias]) return;
    reported[i * 2 + alias] = true;
    hits.push_back({i, alias, std::string(shown)});
  };
  for (std::string_view pattern : patterns) {
    if (!has_glob_chars(pattern)) {
      bool alias = false;
      int i = find_directive(pattern, &alias);
      if (i >= 0) report(static_cast<size_t>(i), alias, pattern);
      continue;
    }
    for (size_t i = 0; i < table.size(); ++i) {
      if (glob_match(pattern, table[i].name, true)) report(i, false, table[i].name);
      if (!table[i].alias.empty() && glob_match(pattern, table[i].alias, true)) {
        report(i, true, table[i].alias);
      }
    }
  }
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.index != b.index ? a.index < b.index : a.alias < b.alias;
  });
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(hits.size());
  for (Hit& h : hits) out.emplace_back(std::move(h.shown), value_of(h.index));
  return out;
}

std::vector<DirectiveInfo> ConfigTable::describe() {
  std::vector<DirectiveInfo> out;
  for (const Directive& d : directives()) {
    out.push_back(DirectiveInfo{
        .name = d.name,
        .alias = d.alias,
        .default_value = d.default_value,
        .noop = (d.flags & config_detail::kNoop) != 0,
        .settable = (d.flags & (config_detail::kImmutable | config_detail::kProtected)) == 0,
        .restricted = (d.flags & config_detail::kRestricted) != 0,
    });
  }
  return out;
}

}  // namespace postbox
