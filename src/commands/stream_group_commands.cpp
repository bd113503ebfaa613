// Consumer group commands: XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM.
#include <fmt/format.h>

#include <climits>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/queue_policy.h"
#include "commands/stream_args.h"

namespace postbox {
namespace {

void reply_subcommand_syntax(CommandContext& ctx) {
  ctx.reply.error(
      fmt::format("ERR unknown subcommand or wrong number of arguments for '{}'. Try XGROUP HELP.",
                  ctx.arg(1).substr(0, 128)));
}

std::string no_group(std::string_view key, std::string_view group) {
  return fmt::format("NOGROUP No such key '{}' or consumer group '{}'", key, group);
}

// XGROUP's shared prologue: options, the key, and the group when the subcommand needs it.
// Returns false after replying an error.
struct XGroupCall {
  bool exists = false;
  bool mkstream = false;
  int64_t entries_read = kEntriesReadInvalid;
  PolicyArgs policy;  // Postbox's VISIBILITY / MAXDELIVERIES / DEADLETTER (CREATE only)
  size_t policy_args = 0;
  GroupRecord group;
  bool group_found = false;
};

bool xgroup_prologue(CommandContext& ctx, StreamStore& s, XGroupCall& x) {
  bool create = iequals(ctx.arg(1), "create"), setid = iequals(ctx.arg(1), "setid");
  for (size_t i = 5; i < ctx.argc();) {
    if (create && iequals(ctx.arg(i), "mkstream")) {
      x.mkstream = true;
      ++i;
    } else if ((create || setid) && iequals(ctx.arg(i), "entriesread") && i + 1 < ctx.argc()) {
      auto n = arg_int64(ctx, i + 1);
      if (!n) return false;
      if (*n < 0 && *n != kEntriesReadInvalid) {
        ctx.reply.error("ERR value for ENTRIESREAD must be positive or -1");
        return false;
      }
      x.entries_read = *n;
      i += 2;
    } else if (create) {
      size_t at = i;
      PolicyParse r = parse_policy_option(ctx, i, x.policy);
      if (r == PolicyParse::Error) return false;
      if (r == PolicyParse::NotPolicy) {
        reply_subcommand_syntax(ctx);
        return false;
      }
      x.policy_args += i - at;
    } else {
      reply_subcommand_syntax(ctx);
      return false;
    }
  }
  auto open = s.open(ctx.db(), ctx.arg(2), ctx.now_ms);
  if (!open) {
    ctx.reply.error(open.status().message());
    return false;
  }
  x.exists = *open;
  if (x.exists) {
    auto found = s.group(ctx.arg(3), x.group);
    if (!found) {
      ctx.reply.error(found.status().message());
      return false;
    }
    x.group_found = *found;
  }
  if (x.mkstream) return true;
  if (!x.exists) {
    ctx.reply.error(stream_err::kNoKeyGroupCreate);
    return false;
  }
  if (!x.group_found && !create && !iequals(ctx.arg(1), "destroy")) {
    ctx.reply.error(fmt::format("NOGROUP No such consumer group '{}' for key name '{}'", ctx.arg(3),
                                ctx.arg(2)));
    return false;
  }
  return true;
}

// "$" (the stream's last id, 0-0 for a stream about to be made) or a strict id.
bool group_start_id(CommandContext& ctx, StreamStore& s, bool exists, StreamId& id) {
  if (ctx.arg(4) == "$") {
    id = exists ? s.header().last_id : StreamId{};
    return true;
  }
  return arg_stream_id(ctx, 4, 0, true, id);
}

void xgroup_create(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  XGroupCall x;
  if (!xgroup_prologue(ctx, s, x)) return;
  // Redis's own arguments stop at 8; Postbox's policy options come on top.
  if (ctx.argc() - x.policy_args > 8) return reply_subcommand_syntax(ctx);
  StreamId id;
  if (!group_start_id(ctx, s, x.exists, id)) return;
  GroupRecord policy;
  if (x.policy.any() && !apply_policy(ctx, s, ctx.arg(2), x.policy, policy)) return;
  if (!x.exists && ctx.failed(s.create(ctx.db(), ctx.arg(2)))) return;
  auto made = s.create_group(ctx.arg(3), id, x.entries_read);
  if (!made) return ctx.reply.error(made.status().message());
  if (!*made) return ctx.reply.error("BUSYGROUP Consumer Group name already exists");
  if (x.policy.any()) {
    GroupRecord g;
    auto found = s.group(ctx.arg(3), g);
    if (!found || !*found) return ctx.reply.error("ERR consumer group vanished");
    g.visibility_ms = policy.visibility_ms;
    g.max_deliveries = policy.max_deliveries;
    g.deadletter = policy.deadletter;
    if (ctx.failed(s.save_group(ctx.arg(3), g))) return;
  }
  ctx.reply.ok();
}

void xgroup_setid(CommandContext& ctx) {
  if (ctx.argc() != 5 && ctx.argc() != 7) return reply_subcommand_syntax(ctx);
  StreamStore& s = stream_store(ctx);
  XGroupCall x;
  if (!xgroup_prologue(ctx, s, x)) return;
  StreamId id;
  if (!group_start_id(ctx, s, x.exists, id)) return;
  if (ctx.failed(s.set_group_id(ctx.arg(3), x.group, id, x.entries_read))) return;
  ctx.reply.ok();
}

void xgroup_destroy(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  XGroupCall x;
  if (!xgroup_prologue(ctx, s, x)) return;
  auto gone = s.destroy_group(ctx.arg(3));
  if (!gone) return ctx.reply.error(gone.status().message());
  // Clients blocked in XREADGROUP on this group learn it is gone.
  if (*gone) ctx.server.blocking.signal(ctx.db(), ctx.arg(2), false);
  ctx.reply.integer(*gone ? 1 : 0);
}

void xgroup_createconsumer(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  XGroupCall x;
  if (!xgroup_prologue(ctx, s, x)) return;
  ConsumerRecord c;
  auto made = s.touch_consumer(ctx.arg(3), x.group, ctx.arg(4), ctx.now_ms, c, false);
  if (!made) return ctx.reply.error(made.status().message());
  ctx.reply.integer(*made ? 1 : 0);
}

void xgroup_delconsumer(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  XGroupCall x;
  if (!xgroup_prologue(ctx, s, x)) return;
  auto pending = s.delete_consumer(ctx.arg(3), x.group, ctx.arg(4));
  if (!pending) return ctx.reply.error(pending.status().message());
  ctx.reply.integer(*pending < 0 ? 0 : *pending);
}

void xgroup_help(CommandContext& ctx) {
  static const char* const lines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  reply_help(ctx.reply, lines);
}

void xgroup_container(CommandContext& ctx) {
  ctx.reply.error("ERR wrong number of arguments for 'xgroup' command");
}

// Opens key and group for XACK/XPENDING/XCLAIM/XAUTOCLAIM. Replies WRONGTYPE; `found` false
// when the key or the group is missing (each command answers that its own way).
bool open_group(CommandContext& ctx, StreamStore& s, GroupRecord& g, bool& found) {
  auto open = s.open(ctx.db(), ctx.arg(1), ctx.now_ms);
  if (!open) {
    ctx.reply.error(open.status().message());
    return false;
  }
  found = false;
  if (!*open) return true;
  auto got = s.group(ctx.arg(2), g);
  if (!got) {
    ctx.reply.error(got.status().message());
    return false;
  }
  found = *got;
  return true;
}

void xack(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  GroupRecord g;
  bool found;
  if (!open_group(ctx, s, g, found)) return;
  std::vector<StreamId> ids(ctx.argc() - 3);
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (!arg_stream_id(ctx, j, 0, true, ids[j - 3])) return;
  }
  if (!found) return ctx.reply.integer(0);
  auto n = s.ack(ctx.arg(2), g, ids);
  if (!n) return ctx.reply.error(n.status().message());
  ctx.reply.integer(*n);
}

// XPENDING's extended form: [IDLE min-idle] start end count [consumer].
struct PendingQuery {
  int64_t min_idle = 0, count = 0;
  StreamId start, end;
  std::string_view consumer;
  bool by_consumer = false;
};

bool parse_pending_query(CommandContext& ctx, PendingQuery& q) {
  if (ctx.argc() < 6 || ctx.argc() > 9) {
    ctx.reply.error(err::kSyntax);
    return false;
  }
  size_t at = 3;
  if (iequals(ctx.arg(3), "idle")) {
    auto idle = arg_int64(ctx, 4);
    if (!idle) return false;
    q.min_idle = *idle;
    if (ctx.argc() < 8) {
      ctx.reply.error(err::kSyntax);
      return false;
    }
    at += 2;
  }
  auto n = arg_int64(ctx, at + 2);
  if (!n) return false;
  q.count = *n < 0 ? 0 : *n;
  if (!arg_range_start(ctx, at, q.start) || !arg_range_end(ctx, at + 1, q.end)) return false;
  if (at + 3 < ctx.argc()) {
    q.consumer = ctx.arg(at + 3);
    q.by_consumer = true;
  }
  return true;
}

// [count, first id, last id, [[consumer, count], ...]]; nils when nothing is pending.
void reply_pending_summary(CommandContext& ctx, StreamStore& s, const GroupRecord& g) {
  ctx.reply.array(4);
  ctx.reply.integer(static_cast<int64_t>(g.pel_count));
  StreamId first, last;
  auto any = s.pending_bounds(g, first, last);
  if (!any || !*any) {
    ctx.reply.null();
    ctx.reply.null();
    ctx.reply.null_array();
    return;
  }
  reply_stream_id(ctx.reply, first);
  reply_stream_id(ctx.reply, last);
  size_t mark = ctx.reply.mark();
  size_t n = 0;
  s.each_consumer(g, [&](std::string_view name, const ConsumerRecord& c) {
    if (c.pel_count == 0) return;
    ctx.reply.array(2);
    ctx.reply.bulk(name);
    ctx.reply.bulk_int(static_cast<int64_t>(c.pel_count));
    ++n;
  });
  ctx.reply.array_at(mark, n);
}

// [[id, consumer, idle, deliveries], ...] in id order.
void reply_pending_range(CommandContext& ctx, StreamStore& s, const GroupRecord& g,
                         const PendingQuery& q) {
  uint64_t cid = 0;
  if (q.by_consumer) {
    ConsumerRecord c;
    auto got = s.consumer(g, q.consumer, c);
    if (!got) return ctx.reply.error(got.status().message());
    if (!*got) return ctx.reply.array(0);
    cid = c.cid;
  }
  size_t mark = ctx.reply.mark();
  size_t n = 0;
  if (q.count > 0) {
    Status st = s.pending(g, cid, q.start, q.end, 0, [&](const PendingView& p) {
      int64_t idle = ctx.now_ms - p.rec.delivery_ms;
      // Entries XNACK released have no owner: Redis 8.8 shows them with idle -1, never
      // filtered out by IDLE.
      bool owned = !p.rec.consumer.empty();
      if (q.min_idle && owned && idle < q.min_idle) return true;
      ctx.reply.array(4);
      reply_stream_id(ctx.reply, p.id);
      ctx.reply.bulk(p.rec.consumer);
      ctx.reply.integer(!owned ? -1 : idle < 0 ? 0 : idle);
      ctx.reply.integer(static_cast<int64_t>(p.rec.delivery_count));
      return static_cast<int64_t>(++n) < q.count;
    });
    if (!st) {
      ctx.reply.buffer().truncate(mark);
      return ctx.reply.error(st.message());
    }
  }
  ctx.reply.array_at(mark, n);
}

void xpending(CommandContext& ctx) {
  bool summary = ctx.argc() == 3;
  PendingQuery q;
  if (!summary && !parse_pending_query(ctx, q)) return;
  StreamStore& s = stream_store(ctx);
  GroupRecord g;
  bool found;
  if (!open_group(ctx, s, g, found)) return;
  if (!found) return ctx.reply.error(no_group(ctx.arg(1), ctx.arg(2)));
  if (summary) return reply_pending_summary(ctx, s, g);
  reply_pending_range(ctx, s, g, q);
}

void reply_claimed(CommandContext& ctx, StreamStore& s, const StreamId& id, bool justid) {
  if (justid) return reply_stream_id(ctx.reply, id);
  auto found =
      s.entry(id, [&](const StreamId& e, EntryReader& r) { reply_entry(ctx.reply, e, r); });
  if (!found || !*found) ctx.reply.null();
}

// XCLAIM's options after the ids, from args[j]: FORCE, JUSTID, IDLE, TIME, RETRYCOUNT, LASTID.
bool parse_claim_options(CommandContext& ctx, size_t j, StreamStore::ClaimOptions& o,
                         StreamId& last_id) {
  auto option_int = [&](size_t i, const char* what, int64_t& v) {
    if (parse_int64(ctx.arg(i), v)) return true;
    ctx.reply.error(fmt::format("ERR Invalid {} option argument for XCLAIM", what));
    return false;
  };
  for (; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.arg(j);
    int64_t v;
    if (iequals(opt, "force")) {
      o.force = true;
    } else if (iequals(opt, "justid")) {
      o.justid = true;
    } else if (iequals(opt, "idle") && more) {
      if (!option_int(++j, "IDLE", v)) return false;
      o.delivery_ms = ctx.now_ms - v;
    } else if (iequals(opt, "time") && more) {
      if (!option_int(++j, "TIME", v)) return false;
      o.delivery_ms = v;
    } else if (iequals(opt, "retrycount") && more) {
      if (!option_int(++j, "RETRYCOUNT", v)) return false;
      o.retry_count = v;
    } else if (iequals(opt, "lastid") && more) {
      if (!arg_stream_id(ctx, ++j, 0, true, last_id)) return false;
    } else {
      ctx.reply.error(fmt::format("ERR Unrecognized XCLAIM option '{}'", opt));
      return false;
    }
  }
  // A bogus delivery time (negative, in the future) becomes now, as in Redis.
  if (o.delivery_ms < 0 || o.delivery_ms > ctx.now_ms) o.delivery_ms = ctx.now_ms;
  return true;
}

void xclaim(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  GroupRecord g;
  bool found;
  if (!open_group(ctx, s, g, found)) return;
  if (!found) return ctx.reply.error(no_group(ctx.arg(1), ctx.arg(2)));
  int64_t min_idle;
  if (!parse_int64(ctx.arg(4), min_idle)) {
    return ctx.reply.error("ERR Invalid min-idle-time argument for XCLAIM");
  }
  StreamStore::ClaimOptions o;
  o.min_idle_ms = min_idle < 0 ? 0 : min_idle;
  std::vector<StreamId> ids;
  size_t j = 5;
  for (StreamId id; j < ctx.argc() && parse_stream_id(ctx.arg(j), 0, true, id); ++j) {
    ids.push_back(id);
  }
  StreamId last_id;
  if (!parse_claim_options(ctx, j, o, last_id)) return;
  if (last_id > g.last_id) g.last_id = last_id;
  ConsumerRecord owner;
  size_t mark = ctx.reply.mark();
  size_t n = 0;
  for (const StreamId& id : ids) {
    auto outcome = s.claim(ctx.arg(2), g, ctx.arg(3), id, o, ctx.now_ms, owner);
    if (!outcome) {
      ctx.reply.buffer().truncate(mark);
      return ctx.reply.error(outcome.status().message());
    }
    if (*outcome != StreamStore::ClaimOutcome::Claimed) continue;
    reply_claimed(ctx, s, id, o.justid);
    ++n;
  }
  if (ctx.failed(s.save_group(ctx.arg(2), g))) return;
  ctx.reply.array_at(mark, n);
}

void xautoclaim(CommandContext& ctx) {
  int64_t min_idle;
  if (!parse_int64(ctx.arg(4), min_idle)) {
    return ctx.reply.error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
  }
  StreamId start;
  if (!arg_range_start(ctx, 5, start)) return;
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    if (iequals(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      constexpr int64_t kMaxCount = LONG_MAX / 16;
      if (!parse_int64(ctx.arg(++j), count) || count < 1 || count > kMaxCount) {
        return ctx.reply.error("ERR COUNT must be > 0");
      }
    } else if (iequals(ctx.arg(j), "justid")) {
      justid = true;
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  StreamStore& s = stream_store(ctx);
  GroupRecord g;
  bool found;
  if (!open_group(ctx, s, g, found)) return;
  if (!found) return ctx.reply.error(no_group(ctx.arg(1), ctx.arg(2)));
  StreamStore::ClaimOptions o;
  o.min_idle_ms = min_idle < 0 ? 0 : min_idle;
  o.justid = justid;
  std::vector<StreamId> claimed, deleted;
  auto cursor = s.autoclaim(
      ctx.arg(2), g, ctx.arg(3), start, static_cast<uint64_t>(count),
      static_cast<uint64_t>(count) * 10, o, ctx.now_ms,
      [&](const StreamId& id) { claimed.push_back(id); },
      [&](const StreamId& id) { deleted.push_back(id); });
  if (!cursor) return ctx.reply.error(cursor.status().message());
  if (ctx.failed(s.save_group(ctx.arg(2), g))) return;
  ctx.reply.array(3);
  reply_stream_id(ctx.reply, *cursor);
  ctx.reply.array(claimed.size());
  for (const StreamId& id : claimed) reply_claimed(ctx, s, id, justid);
  ctx.reply.array(deleted.size());
  for (const StreamId& id : deleted) reply_stream_id(ctx.reply, id);
}

constexpr uint32_t kGroupW = kCmdWrite | kCmdFast;

const CommandSpec kXGroupSubcommands[] = {
    {"xgroup|create", -5, kCmdWrite | kCmdDenyOom, 2, 2, 1, xgroup_create, "stream", "5.0.0",
     "O(1)", "Creates a consumer group."},
    {"xgroup|setid", -5, kCmdWrite, 2, 2, 1, xgroup_setid, "stream", "5.0.0", "O(1)",
     "Sets the last-delivered ID of a consumer group."},
    {"xgroup|destroy", 4, kCmdWrite, 2, 2, 1, xgroup_destroy, "stream", "5.0.0",
     "O(N) where N is the number of entries in the group's pending entries list (PEL).",
     "Destroys a consumer group."},
    {"xgroup|createconsumer", 5, kCmdWrite | kCmdDenyOom, 2, 2, 1, xgroup_createconsumer, "stream",
     "6.2.0", "O(1)", "Creates a consumer in a consumer group."},
    {"xgroup|delconsumer", 5, kCmdWrite, 2, 2, 1, xgroup_delconsumer, "stream", "5.0.0", "O(1)",
     "Deletes a consumer from a consumer group."},
    {"xgroup|policy", -4, kCmdWrite, 2, 2, 1, xgroup_policy, "stream", "0.1.0 (Postbox)", "O(1)",
     "Sets or shows a consumer group's queue policy: VISIBILITY, MAXDELIVERIES, DEADLETTER "
     "(Postbox)."},
    {"xgroup|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, xgroup_help, "stream", "5.0.0", "O(1)",
     "Returns helpful text about the different subcommands."},
};

const CommandSpec kStreamGroupCommands[] = {
    {"xgroup", -2, 0, 0, 0, 0, xgroup_container, "stream", "5.0.0", "Depends on subcommand.",
     "A container for consumer groups commands.", kXGroupSubcommands},
    {"xack", -4, kGroupW, 1, 1, 1, xack, "stream", "5.0.0", "O(1) for each message ID processed.",
     "Returns the number of messages that were successfully acknowledged by the consumer group "
     "member of a stream."},
    {"xpending", -3, kCmdReadonly, 1, 1, 1, xpending, "stream", "5.0.0",
     "O(N) with N being the number of elements returned, so asking for a small fixed number of "
     "entries per call is O(1). O(M), where M is the total number of entries scanned when used "
     "with the IDLE filter. When the command returns just the summary and the list of consumers "
     "is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every "
     "consumer.",
     "Returns the information and entries from a stream consumer group's pending entries list."},
    {"xclaim", -6, kGroupW, 1, 1, 1, xclaim, "stream", "5.0.0",
     "O(log N) with N being the number of "
     "messages in the PEL of the consumer group.",
     "Changes, or acquires, ownership of a message in a consumer group, as if the message was "
     "delivered a consumer group member."},
    {"xautoclaim", -6, kGroupW, 1, 1, 1, xautoclaim, "stream", "6.2.0", "O(1) if COUNT is small.",
     "Changes, or acquires, ownership of messages in a consumer group, as if the messages were "
     "delivered to as consumer group member."},
};

}  // namespace

void register_stream_group_commands(CommandTable& t) {
  t.add(kStreamGroupCommands);
}

}  // namespace postbox
