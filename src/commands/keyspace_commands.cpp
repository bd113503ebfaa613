// The generic keyspace family: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RENAME, RENAMENX,
// RANDOMKEY, the EXPIRE family, TTL/PTTL, EXPIRETIME/PEXPIRETIME and PERSIST.
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "util/glob.h"

namespace postbox {
namespace {

// Finds a live key into the context's scratch entry; replies the store error on failure.
struct Lookup {
  KeyEntry entry;
  bool ok = true;
};

Lookup find(CommandContext& ctx, std::string_view key) {
  Lookup l;
  Status s = ctx.store().keys().find(ctx.db(), key, ctx.now_ms, l.entry);
  if (ctx.failed(s)) l.ok = false;
  return l;
}

void del(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Lookup l = find(ctx, ctx.arg(i));
    if (!l.ok) return;
    if (!l.entry.found) continue;
    if (ctx.failed(ctx.store().keys().remove(ctx.db(), l.entry))) return;
    ++n;
  }
  ctx.reply.integer(n);
}

void exists(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Lookup l = find(ctx, ctx.arg(i));
    if (!l.ok) return;
    n += l.entry.found ? 1 : 0;
  }
  ctx.reply.integer(n);
}

void type(CommandContext& ctx) {
  Lookup l = find(ctx, ctx.arg(1));
  if (!l.ok) return;
  ctx.reply.simple(type_name(l.entry.found ? l.entry.meta.type : KeyType::None));
}

void keys(CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  std::vector<std::string> out;
  bool all = pattern == "*";
  ctx.store().keys().each_key(ctx.db(), ctx.now_ms, [&](std::string_view k, const KeyMeta&) {
    if (all || glob_match(pattern, k)) out.emplace_back(k);
  });
  ctx.reply.array(out.size());
  for (auto& k : out) ctx.reply.bulk(k);
}

// Redis reads the cursor with strtoul: leading spaces are refused, "-1" wraps around.
bool parse_cursor(std::string_view s, uint64_t& out) {
  std::string text(s);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtoull(text.c_str(), &end, 10);
  return *end == '\0' && errno != ERANGE;
}

void scan(CommandContext& ctx) {
  uint64_t cursor;
  if (!parse_cursor(ctx.arg(1), cursor)) return ctx.reply.error(err::kInvalidCursor);
  std::string_view pattern;
  std::string_view type_filter;
  bool has_pattern = false, has_type = false;
  int64_t count = 10;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) return ctx.reply.error(err::kSyntax);
    if (iequals(ctx.arg(i), "count")) {
      auto v = arg_int64(ctx, i + 1);
      if (!v) return;
      if (*v < 1) return ctx.reply.error(err::kSyntax);
      count = *v;
    } else if (iequals(ctx.arg(i), "match")) {
      pattern = ctx.arg(i + 1);
      has_pattern = !(pattern == "*");
    } else if (iequals(ctx.arg(i), "type")) {
      type_filter = ctx.arg(i + 1);
      has_type = true;
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  std::vector<std::string> out;
  uint64_t next =
      ctx.store().keys().scan(ctx.db(), cursor, static_cast<size_t>(count), ctx.now_ms,
                              [&](std::string_view k, const KeyMeta& m) {
                                if (has_type && !iequals(type_name(m.type), type_filter)) return;
                                if (has_pattern && !glob_match(pattern, k)) return;
                                out.emplace_back(k);
                              });
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(next));
  ctx.reply.array(out.size());
  for (auto& k : out) ctx.reply.bulk(k);
}

void rename_generic(CommandContext& ctx, bool nx) {
  Lookup src = find(ctx, ctx.arg(1));
  if (!src.ok) return;
  if (!src.entry.found) return ctx.reply.error(err::kNoSuchKey);
  if (ctx.arg(1) == ctx.arg(2)) return nx ? ctx.reply.integer(0) : ctx.reply.ok();
  Lookup dst = find(ctx, ctx.arg(2));
  if (!dst.ok) return;
  if (dst.entry.found) {
    if (nx) return ctx.reply.integer(0);
    if (ctx.failed(ctx.store().keys().remove(ctx.db(), dst.entry))) return;
  }
  if (ctx.failed(ctx.store().keys().rename(ctx.db(), src.entry, ctx.db(), ctx.arg(2), dst.entry)))
    return;
  ctx.server.blocking.signal(ctx.db(), ctx.arg(2));
  nx ? ctx.reply.integer(1) : ctx.reply.ok();
}

void rename(CommandContext& ctx) {
  rename_generic(ctx, false);
}
void renamenx(CommandContext& ctx) {
  rename_generic(ctx, true);
}

void randomkey(CommandContext& ctx) {
  std::string key;
  if (ctx.store().keys().random_key(ctx.db(), ctx.now_ms, key)) {
    ctx.reply.bulk(key);
  } else {
    ctx.reply.null();
  }
}

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT share this; `unit_ms` is 1000 for seconds.
void expire_generic(CommandContext& ctx, int64_t unit_ms, bool relative) {
  auto when = arg_int64(ctx, 2);
  if (!when) return;
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view o = ctx.arg(i);
    if (iequals(o, "nx"))
      nx = true;
    else if (iequals(o, "xx"))
      xx = true;
    else if (iequals(o, "gt"))
      gt = true;
    else if (iequals(o, "lt"))
      lt = true;
    else
      return ctx.reply.error("ERR Unsupported option " + std::string(o));
  }
  if (nx && (xx || gt || lt)) return ctx.reply.error(err::kNxXxGtLt);
  if (gt && lt) return ctx.reply.error(err::kGtLt);
  std::string invalid = "ERR invalid expire time in '" + std::string(ctx.spec.name) + "' command";
  int64_t t = *when;
  if (unit_ms == 1000) {
    if (t > INT64_MAX / 1000 || t < INT64_MIN / 1000) return ctx.reply.error(invalid);
    t *= 1000;
  }
  if (relative) {
    if (t > INT64_MAX - ctx.now_ms) return ctx.reply.error(invalid);
    t += ctx.now_ms;
  }
  Lookup l = find(ctx, ctx.arg(1));
  if (!l.ok) return;
  if (!l.entry.found) return ctx.reply.integer(0);
  int64_t current = l.entry.meta.expire_at_ms;  // 0: none, which counts as infinite
  if ((nx && current) || (xx && !current) || (gt && (!current || t <= current)) ||
      (lt && current && t >= current)) {
    return ctx.reply.integer(0);
  }
  Status s = t <= ctx.now_ms ? ctx.store().keys().remove(ctx.db(), l.entry)
                             : ctx.store().keys().set_expire(ctx.db(), l.entry, t);
  if (ctx.failed(s)) return;
  ctx.reply.integer(1);
}

void expire(CommandContext& ctx) {
  expire_generic(ctx, 1000, true);
}
void pexpire(CommandContext& ctx) {
  expire_generic(ctx, 1, true);
}
void expireat(CommandContext& ctx) {
  expire_generic(ctx, 1000, false);
}
void pexpireat(CommandContext& ctx) {
  expire_generic(ctx, 1, false);
}

// TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 for no key, -1 for no expiry.
void ttl_generic(CommandContext& ctx, bool ms, bool absolute) {
  Lookup l = find(ctx, ctx.arg(1));
  if (!l.ok) return;
  if (!l.entry.found) return ctx.reply.integer(-2);
  int64_t at = l.entry.meta.expire_at_ms;
  if (!at) return ctx.reply.integer(-1);
  if (absolute) return ctx.reply.integer(ms ? at : at / 1000);
  int64_t left = std::max<int64_t>(at - ctx.now_ms, 0);
  ctx.reply.integer(ms ? left : (left + 500) / 1000);
}

void ttl(CommandContext& ctx) {
  ttl_generic(ctx, false, false);
}
void pttl(CommandContext& ctx) {
  ttl_generic(ctx, true, false);
}
void expiretime(CommandContext& ctx) {
  ttl_generic(ctx, false, true);
}
void pexpiretime(CommandContext& ctx) {
  ttl_generic(ctx, true, true);
}

void persist(CommandContext& ctx) {
  Lookup l = find(ctx, ctx.arg(1));
  if (!l.ok) return;
  if (!l.entry.found || !l.entry.meta.expire_at_ms) return ctx.reply.integer(0);
  if (ctx.failed(ctx.store().keys().set_expire(ctx.db(), l.entry, 0))) return;
  ctx.reply.integer(1);
}

constexpr uint32_t kKeyW = kCmdWrite;
constexpr uint32_t kKeyWF = kCmdWrite | kCmdFast;
constexpr uint32_t kKeyRF = kCmdReadonly | kCmdFast;

const CommandSpec kKeyspaceCommands[] = {
    {"del", -2, kKeyW, 1, -1, 1, del, "generic", "1.0.0", "O(N) where N is the number of keys",
     "Deletes one or more keys."},
    {"unlink", -2, kKeyWF, 1, -1, 1, del, "generic", "4.0.0",
     "O(1) for each key removed regardless of its size.",
     "Asynchronously deletes one or more keys."},
    {"exists", -2, kKeyRF, 1, -1, 1, exists, "generic", "1.0.0",
     "O(N) where N is the number of keys to check.", "Determines whether one or more keys exist."},
    {"type", 2, kKeyRF, 1, 1, 1, type, "generic", "1.0.0", "O(1)",
     "Determines the type of value stored at a key."},
    {"keys", 2, kCmdReadonly | kCmdDangerous, 0, 0, 0, keys, "generic", "1.0.0",
     "O(N) with N being the number of keys in the database",
     "Returns all key names that match a pattern."},
    {"scan", -2, kCmdReadonly, 0, 0, 0, scan, "generic", "2.8.0",
     "O(1) for every call. O(N) for a complete iteration.",
     "Iterates over the key names in the database."},
    {"rename", 3, kKeyW, 1, 2, 1, rename, "generic", "1.0.0", "O(1)",
     "Renames a key and overwrites the destination."},
    {"renamenx", 3, kKeyWF, 1, 2, 1, renamenx, "generic", "1.0.0", "O(1)",
     "Renames a key only when the target key name doesn't exist."},
    {"randomkey", 1, kCmdReadonly, 0, 0, 0, randomkey, "generic", "1.0.0", "O(1)",
     "Returns a random key name from the database."},
    {"expire", -3, kKeyWF, 1, 1, 1, expire, "generic", "1.0.0", "O(1)",
     "Sets the expiration time of a key in seconds."},
    {"pexpire", -3, kKeyWF, 1, 1, 1, pexpire, "generic", "2.6.0", "O(1)",
     "Sets the expiration time of a key in milliseconds."},
    {"expireat", -3, kKeyWF, 1, 1, 1, expireat, "generic", "1.2.0", "O(1)",
     "Sets the expiration time of a key to a Unix timestamp."},
    {"pexpireat", -3, kKeyWF, 1, 1, 1, pexpireat, "generic", "2.6.0", "O(1)",
     "Sets the expiration time of a key to a Unix milliseconds timestamp."},
    {"ttl", 2, kKeyRF, 1, 1, 1, ttl, "generic", "1.0.0", "O(1)",
     "Returns the expiration time in seconds of a key."},
    {"pttl", 2, kKeyRF, 1, 1, 1, pttl, "generic", "2.6.0", "O(1)",
     "Returns the expiration time in milliseconds of a key."},
    {"expiretime", 2, kKeyRF, 1, 1, 1, expiretime, "generic", "7.0.0", "O(1)",
     "Returns the expiration time of a key as a Unix timestamp."},
    {"pexpiretime", 2, kKeyRF, 1, 1, 1, pexpiretime, "generic", "7.0.0", "O(1)",
     "Returns the expiration time of a key as a Unix milliseconds timestamp."},
    {"persist", 2, kKeyWF, 1, 1, 1, persist, "generic", "2.2.0", "O(1)",
     "Removes the expiration time of a key."},
};

}  // namespace

void register_keyspace_commands(CommandTable& t) {
  t.add(kKeyspaceCommands);
}

}  // namespace postbox
