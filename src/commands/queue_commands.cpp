// Postbox's own queue verbs on consumer groups: XGROUP POLICY (and the policy options of
// XGROUP CREATE), XREDRIVE. The rules are in ../shared/DESIGN.md, "Queue verbs".
#include <fmt/format.h>

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
    ctx.reply.bulk("visibility");
    ctx.reply.integer(g.visibility_ms);
    ctx.reply.bulk("max-deliveries");
    ctx.reply.integer(g.max_deliveries);
    ctx.reply.bulk("deadletter");
    ctx.reply.bulk(s.deadletter_key(g));
    ctx.reply.bulk("dead-lettered");
    ctx.reply.integer(static_cast<int64_t>(g.dead_lettered));
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

const CommandSpec kQueueCommands[] = {
    {"xredrive", -2, kCmdWrite | kCmdDenyOom, 1, 1, 1, xredrive, "stream", "0.1.0 (Postbox)",
     "O(N) with N the number of entries moved.",
     "Moves dead-lettered entries back to the streams they came from (Postbox)."},
};

}  // namespace

void register_queue_commands(CommandTable& t) {
  t.add(kQueueCommands);
}

}  // namespace postbox
