// Postbox's own queue verbs on consumer groups: XGROUP POLICY (and the policy options of
// XGROUP CREATE), XREDRIVE. The rules are in ../shared/DESIGN.md, "Queue verbs".
#include <fmt/format.h>

#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/queue_policy.h"
#include "commands/stream_args.h"

namespace postbox {
namespace {

// Ten years: anything longer is a mistake, not a visibility timeout.
constexpr int64_t kMaxVisibilityMs = 10LL * 365 * 24 * 3600 * 1000;
constexpr int64_t kMaxDeliveries = 1LL << 31;

}  // namespace

PolicyParse parse_policy_option(CommandContext& ctx, size_t& i, PolicyArgs& out) {
  std::string_view opt = ctx.arg(i);
  bool visibility = iequals(opt, "visibility"), max = iequals(opt, "maxdeliveries");
  bool deadletter = iequals(opt, "deadletter");
  if (!(visibility || max || deadletter) || i + 1 >= ctx.argc()) return PolicyParse::NotPolicy;
  if (deadletter) {
    if (ctx.arg(i + 1).empty()) {
      ctx.reply.error("ERR DEADLETTER must name a key");
      return PolicyParse::Error;
    }
    out.deadletter = std::string(ctx.arg(i + 1));
    i += 2;
    return PolicyParse::Parsed;
  }
  int64_t v;
  int64_t limit = visibility ? kMaxVisibilityMs : kMaxDeliveries;
  if (!parse_int64(ctx.arg(i + 1), v) || v < 0 || v > limit) {
    ctx.reply.error(fmt::format("ERR {} must be an integer between 0 and {}",
                                visibility ? "VISIBILITY" : "MAXDELIVERIES", limit));
    return PolicyParse::Error;
  }
  (visibility ? out.visibility_ms : out.max_deliveries) = v;
  i += 2;
  return PolicyParse::Parsed;
}

bool apply_policy(CommandContext& ctx, StreamStore& s, std::string_view stream_key,
                  const PolicyArgs& p, GroupRecord& g) {
  if (p.deadletter) {
    if (*p.deadletter == stream_key) {
      ctx.reply.error("ERR DEADLETTER must name another key than the stream itself");
      return false;
    }
    // The store has the stream open; peek at the dead-letter key and come back.
    auto other = s.open(ctx.db(), *p.deadletter, ctx.now_ms);
    auto back = s.open(ctx.db(), stream_key, ctx.now_ms);
    if (!back) {
      ctx.reply.error(back.status().message());
      return false;
    }
    if (!other) {
      ctx.reply.error(
          fmt::format("ERR DEADLETTER key '{}' holds a value that is not a stream", *p.deadletter));
      return false;
    }
    g.deadletter = *p.deadletter;
  }
  if (p.visibility_ms) g.visibility_ms = *p.visibility_ms;
  if (p.max_deliveries) g.max_deliveries = *p.max_deliveries;
  return true;
}

// XGROUP POLICY key group [VISIBILITY ms] [MAXDELIVERIES n] [DEADLETTER key]
void xgroup_policy(CommandContext& ctx) {
  PolicyArgs p;
  for (size_t i = 4; i < ctx.argc();) {
    PolicyParse r = parse_policy_option(ctx, i, p);
    if (r == PolicyParse::Error) return;
    if (r == PolicyParse::NotPolicy) return ctx.reply.error(err::kSyntax);
  }
  StreamStore& s = stream_store(ctx);
  auto open = s.open(ctx.db(), ctx.arg(2), ctx.now_ms);
  if (!open) return ctx.reply.error(open.status().message());
  if (!*open) return ctx.reply.error(stream_err::kNoKeyGroupCreate);
  GroupRecord g;
  auto found = s.group(ctx.arg(3), g);
  if (!found) return ctx.reply.error(found.status().message());
  if (!*found) {
    return ctx.reply.error(fmt::format("NOGROUP No such consumer group '{}' for key name '{}'",
                                       ctx.arg(3), ctx.arg(2)));
  }
  if (!p.any()) {
    ctx.reply.map(4);
    reply_policy_fields(ctx.reply, s, g);
    return;
  }
  if (!apply_policy(ctx, s, ctx.arg(2), p, g)) return;
  if (ctx.failed(s.save_group(ctx.arg(3), g))) return;
  // Readers blocked on the group may have entries to take under the new visibility.
  ctx.server.blocking.signal(ctx.db(), ctx.arg(2));
  ctx.reply.ok();
}

namespace {

// XREDRIVE dlqkey [COUNT n]
void xredrive(CommandContext& ctx) {
  uint64_t count = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (iequals(ctx.arg(i), "count") && i + 1 < ctx.argc()) {
      int64_t n;
      if (!parse_int64(ctx.arg(++i), n) || n <= 0) {
        return ctx.reply.error("ERR COUNT must be > 0");
      }
      count = static_cast<uint64_t>(n);
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  StreamStore& s = stream_store(ctx);
  auto moved = s.redrive(ctx.db(), ctx.arg(1), count, ctx.now_ms,
                         [&](std::string_view key) { ctx.server.blocking.signal(ctx.db(), key); });
  if (!moved) return ctx.reply.error(moved.status().message());
  ctx.reply.integer(static_cast<int64_t>(*moved));
}

// XNACK key group SILENT|FAIL|FATAL IDS numids id... [RETRYCOUNT c] [FORCE] [DELAY ms]
// (Redis 8.8's arguments and errors; DELAY is Postbox's).
// XNACK's mode and options after the group: SILENT|FAIL|FATAL IDS n id... [RETRYCOUNT c]
// [FORCE] [DELAY ms], in any order after the mode.
struct NackArgs {
  StreamStore::NackMode mode = StreamStore::NackMode::Fail;
  size_t ids_at = 0, n_ids = 0;
  int64_t retry = -1, delay = 0;
  bool force = false;
};

bool parse_nack_args(CommandContext& ctx, NackArgs& a) {
  auto fail = [&](const std::string& error) {
    ctx.reply.error(error);
    return false;
  };
  std::string_view m = ctx.arg(3);
  if (iequals(m, "silent")) {
    a.mode = StreamStore::NackMode::Silent;
  } else if (iequals(m, "fail")) {
    a.mode = StreamStore::NackMode::Fail;
  } else if (iequals(m, "fatal")) {
    a.mode = StreamStore::NackMode::Fatal;
  } else {
    return fail("ERR mode must be SILENT, FAIL, or FATAL");
  }
  for (size_t i = 4; i < ctx.argc(); ++i) {
    std::string_view o = ctx.arg(i);
    bool more = i + 1 < ctx.argc();
    if (iequals(o, "ids") && more) {
      int64_t n;
      if (!parse_int64(ctx.arg(i + 1), n) || n < 1 || n > INT32_MAX) {
        return fail("ERR numids must be a positive integer");
      }
      if (static_cast<uint64_t>(n) > ctx.argc() - i - 2) {
        return fail("ERR number of IDs doesn't match numids");
      }
      a.ids_at = i + 2;
      a.n_ids = static_cast<size_t>(n);
      i += 1 + a.n_ids;
    } else if (iequals(o, "force")) {
      a.force = true;
    } else if (iequals(o, "retrycount") && more) {
      auto n = arg_int64(ctx, ++i);
      if (!n) return false;
      if (*n < 0) return fail("ERR Invalid RETRYCOUNT value, must be >= 0");
      a.retry = *n;
    } else if (iequals(o, "delay") && more) {
      if (!parse_int64(ctx.arg(++i), a.delay) || a.delay < 0 || a.delay > kMaxVisibilityMs) {
        return fail(fmt::format("ERR DELAY must be an integer between 0 and {}", kMaxVisibilityMs));
      }
    } else {
      return fail(fmt::format("ERR Unrecognized XNACK option '{}'", o));
    }
  }
  if (a.n_ids == 0) return fail("ERR syntax error, expected IDS keyword");
  return true;
}

void xnack(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  auto open = s.open(ctx.db(), ctx.arg(1), ctx.now_ms);
  if (!open) return ctx.reply.error(open.status().message());
  GroupRecord g;
  auto found = *open ? s.group(ctx.arg(2), g) : Result<bool>(false);
  if (!found) return ctx.reply.error(found.status().message());
  if (!*found) {
    return ctx.reply.error(
        fmt::format("NOGROUP No such key '{}' or consumer group '{}'", ctx.arg(1), ctx.arg(2)));
  }
  NackArgs a;
  if (!parse_nack_args(ctx, a)) return;
  std::vector<StreamId> ids(a.n_ids);
  for (size_t i = 0; i < a.n_ids; ++i) {
    if (!arg_stream_id(ctx, a.ids_at + i, 0, true, ids[i])) return;
  }
  auto n = s.nack(ctx.arg(2), g, a.mode, ids, a.retry, a.force, a.delay, ctx.now_ms);
  if (!n) return ctx.reply.error(n.status().message());
  // Readers blocked with CLAIM, or on a group with VISIBILITY, may take them now.
  if (*n) ctx.server.blocking.signal(ctx.db(), ctx.arg(1));
  ctx.reply.integer(*n);
}

const CommandSpec kQueueCommands[] = {
    {"xnack", -7, kCmdWrite | kCmdFast, 1, 1, 1, xnack, "stream", "8.8.0",
     "O(1) for each message ID processed.",
     "Releases pending entries of a consumer group so they can be delivered again (DELAY is "
     "Postbox's)."},
    {"xredrive", -2, kCmdWrite | kCmdDenyOom, 1, 1, 1, xredrive, "stream", "0.1.0 (Postbox)",
     "O(N) with N the number of entries moved.",
     "Moves dead-lettered entries back to the streams they came from (Postbox)."},
};

}  // namespace

void register_queue_commands(CommandTable& t) {
  t.add(kQueueCommands);
}

}  // namespace postbox
