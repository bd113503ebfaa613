// XREAD and XREADGROUP, with BLOCK.
#include <fmt/format.h>

#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/list_blocking.h"
#include "commands/stream_args.h"
#include "commands/stream_blocking.h"

namespace postbox {
namespace {

constexpr StreamId kNewOnly = StreamId::max();  // XREADGROUP's ">"

struct ReadArgs {
  int64_t block_ms = -1;  // -1: no BLOCK
  uint64_t count = 0;
  bool noack = false;
  int64_t claim_idle = -1;  // CLAIM min-idle-time (Redis 8.4)
  std::string_view group, consumer;
  size_t streams_at = 0, n_streams = 0;
};

// BLOCK takes integer milliseconds; Redis's errors for anything else.
bool parse_block(CommandContext& ctx, size_t i, int64_t& ms) {
  int64_t v;
  if (!parse_int64(ctx.arg(i), v)) {
    ctx.reply.error("ERR timeout is not an integer or out of range");
    return false;
  }
  if (v < 0) {
    ctx.reply.error(err::kTimeoutNegative);
    return false;
  }
  ms = v;
  return true;
}

bool parse_read_args(CommandContext& ctx, bool group_cmd, ReadArgs& a) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - i - 1;
    std::string_view o = ctx.arg(i);
    if (iequals(o, "block") && more) {
      if (!parse_block(ctx, ++i, a.block_ms)) return false;
    } else if (iequals(o, "count") && more) {
      auto n = arg_int64(ctx, ++i);
      if (!n) return false;
      a.count = *n < 0 ? 0 : static_cast<uint64_t>(*n);
    } else if (iequals(o, "streams") && more) {
      a.streams_at = i + 1;
      size_t rest = ctx.argc() - a.streams_at;
      if (rest % 2) {
        // Redis 7.0 names XREAD and '$' here for XREADGROUP too.
        ctx.reply.error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return false;
      }
      a.n_streams = rest / 2;
      break;
    } else if (iequals(o, "group") && more >= 2) {
      if (!group_cmd) {
        ctx.reply.error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a.group = ctx.arg(i + 1);
      a.consumer = ctx.arg(i + 2);
      i += 2;
    } else if (iequals(o, "claim") && more) {
      if (!group_cmd) {
        ctx.reply.error(
            "ERR The CLAIM option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      if (!parse_int64(ctx.arg(++i), a.claim_idle)) {
        ctx.reply.error("ERR min-idle-time is not an integer or out of range");
        return false;
      }
      if (a.claim_idle < 0) {
        ctx.reply.error("ERR min-idle-time must be a positive integer");
        return false;
      }
    } else if (iequals(o, "noack")) {
      if (!group_cmd) {
        ctx.reply.error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a.noack = true;
    } else {
      ctx.reply.error(err::kSyntax);
      return false;
    }
  }
  if (a.streams_at == 0) {
    ctx.reply.error(err::kSyntax);
    return false;
  }
  if (group_cmd && a.group.empty() && a.consumer.empty()) {
    ctx.reply.error("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

// Writes [key, entries] (RESP2) or key => entries (RESP3) for one stream of the reply.
void key_header(ReplyBuilder& reply, std::string_view key) {
  if (!reply.resp3()) reply.array(2);
  reply.bulk(key);
}

// How long a pending entry must have been idle for a `>` read to hand it out again: the
// reader's CLAIM, else the group's VISIBILITY; -1 when neither applies.
int64_t redelivery_idle(const GroupRecord& g, int64_t claim_idle) {
  if (claim_idle >= 0) return claim_idle;
  return g.visibility_ms > 0 ? g.visibility_ms : -1;
}

// A `>` read: entries due for redelivery first, then new ones, `count` in all (0: no limit).
Result<uint64_t> read_group_new(Client& c, StreamStore& s, std::string_view group,
                                std::string_view consumer, GroupRecord& g, uint64_t count,
                                bool noack, int64_t claim_idle, int64_t now_ms) {
  bool claim_shape = claim_idle >= 0;
  auto visit = [&](const StreamId& id, EntryReader& r) {
    claim_shape ? reply_entry_with(c.reply, id, r, 0, 0) : reply_entry(c.reply, id, r);
  };
  uint64_t redelivered = 0;
  int64_t min_idle = redelivery_idle(g, claim_idle);
  if (min_idle >= 0) {
    auto n = s.redeliver(group, g, consumer, count, min_idle, claim_idle < 0, now_ms,
                         [&](const StreamId& id, EntryReader& r, int64_t idle, uint64_t before) {
                           claim_shape ? reply_entry_with(c.reply, id, r, idle, before)
                                       : reply_entry(c.reply, id, r);
                         });
    if (!n) return n;
    redelivered = *n;
    if (count && redelivered == count) return redelivered;
  }
  auto fresh =
      s.deliver_new(group, g, consumer, count ? count - redelivered : 0, noack, now_ms, visit);
  if (!fresh) return fresh;
  return redelivered + *fresh;
}

// Reads what the client asked for from one stream into its reply: the group's new entries,
// the consumer's history, or (XREAD) the entries after `after`.
Result<uint64_t> read_into(ServerState& server, Client& c, StreamStore& s, std::string_view group,
                           std::string_view consumer, GroupRecord* g, const StreamId& after,
                           uint64_t count, bool noack, int64_t now_ms, int64_t claim_idle = -1) {
  auto visit = [&](const StreamId& id, EntryReader& r) { reply_entry(c.reply, id, r); };
  size_t mark = c.reply.mark();
  Result<uint64_t> n = uint64_t{0};
  if (!g) {
    StreamId from = after;
    if (stream_id_next(from)) n = s.scan(from, StreamId::max(), count, false, visit);
  } else if (after == kNewOnly) {
    n = read_group_new(c, s, group, consumer, *g, count, noack, claim_idle, now_ms);
  } else {
    n = s.deliver_history(group, *g, consumer, after, count, now_ms, visit);
  }
  if (!n) {
    c.reply.buffer().truncate(mark);
    return n;
  }
  c.reply.array_at(mark, *n);
  (void)server;
  return n;
}

// The starting id of each stream ("$" and ">" resolved), every id checked and every group found
// before anything is read. False after replying the error.
bool resolve_read_ids(CommandContext& ctx, const ReadArgs& a, bool group_cmd, StreamStore& s,
                      std::vector<StreamId>& ids) {
  size_t ids_at = a.streams_at + a.n_streams;
  for (size_t i = 0; i < a.n_streams; ++i) {
    std::string_view key = ctx.arg(a.streams_at + i), id = ctx.arg(ids_at + i);
    auto open = s.open(ctx.db(), key, ctx.now_ms);
    if (!open) {
      ctx.reply.error(open.status().message());
      return false;
    }
    if (group_cmd) {
      GroupRecord g;
      auto found = *open ? s.group(a.group, g) : Result<bool>(false);
      if (!found) {
        ctx.reply.error(found.status().message());
        return false;
      }
      if (!*found) {
        ctx.reply.error(fmt::format(
            "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option", key,
            a.group));
        return false;
      }
    }
    if (id == "$") {
      if (group_cmd) {
        ctx.reply.error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return false;
      }
      ids[i] = *open ? s.header().last_id : StreamId{};
    } else if (id == ">") {
      if (!group_cmd) {
        ctx.reply.error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
        return false;
      }
      ids[i] = kNewOnly;
    } else if (!arg_stream_id(ctx, ids_at + i, 0, true, ids[i])) {
      return false;
    }
  }
  return true;
}

// Whether the open stream has something for this read now: new entries (or, for a group,
// history or entries due for redelivery). A group consumer that only waits is marked seen.
Result<bool> has_something(CommandContext& ctx, const ReadArgs& a, bool group_cmd, StreamStore& s,
                           GroupRecord& g, const StreamId& after, int64_t& claim) {
  if (!group_cmd) return s.header().length && s.last_entry_id() > after;
  auto found = s.group(a.group, g);
  if (!found || !*found) return false;
  bool history = after != kNewOnly;
  // Redis ignores CLAIM for a history read, and (as it happens) for the streams after it.
  if (history) claim = -1;
  bool serve = history || (s.header().length && s.last_entry_id() > g.last_id);
  int64_t min_idle = redelivery_idle(g, claim);
  if (!serve && min_idle >= 0) {
    auto due = s.has_redeliverable(g, min_idle, ctx.now_ms);
    if (!due) return due.status();
    serve = *due;
  }
  if (!serve) {
    ConsumerRecord cr;
    auto t = s.touch_consumer(a.group, g, a.consumer, ctx.now_ms, cr, true, false);
    if (!t) return t.status();
  }
  return serve;
}

// Replies [key, entries] for every stream with something to read; the number of streams served,
// or an error (the partial reply is then dropped by the caller).
Result<size_t> serve_streams(CommandContext& ctx, const ReadArgs& a, bool group_cmd, StreamStore& s,
                             const std::vector<StreamId>& ids, int64_t& claim) {
  size_t served = 0;
  for (size_t i = 0; i < a.n_streams; ++i) {
    std::string_view key = ctx.arg(a.streams_at + i);
    auto open = s.open(ctx.db(), key, ctx.now_ms);
    if (!open) return open.status();
    if (!*open) continue;
    GroupRecord g;
    const StreamId& after = ids[i];
    auto serve = has_something(ctx, a, group_cmd, s, g, after, claim);
    if (!serve) return serve.status();
    if (!*serve) continue;
    bool only_due = group_cmd && after == kNewOnly && !(s.last_entry_id() > g.last_id);
    size_t stream_mark = ctx.reply.mark();
    key_header(ctx.reply, key);
    auto n = read_into(ctx.server, ctx.client, s, a.group, a.consumer, group_cmd ? &g : nullptr,
                       after, a.count, a.noack, ctx.now_ms, claim);
    if (!n) return n.status();
    if (*n == 0 && only_due) {
      ctx.reply.buffer().truncate(stream_mark);  // all that was due went to the dead letters
      continue;
    }
    ++served;
  }
  return served;
}

void read_generic(CommandContext& ctx, bool group_cmd) {
  ReadArgs a;
  if (!parse_read_args(ctx, group_cmd, a)) return;
  StreamStore& s = stream_store(ctx);
  std::vector<StreamId> ids(a.n_streams);
  if (!resolve_read_ids(ctx, a, group_cmd, s, ids)) return;
  size_t mark = ctx.reply.mark();
  int64_t claim = a.claim_idle;
  auto served = serve_streams(ctx, a, group_cmd, s, ids, claim);
  if (!served) {
    ctx.reply.buffer().truncate(mark);
    return ctx.reply.error(served.status().message());
  }
  if (*served) {
    // RESP2: an array of [key, entries]; RESP3: a map of key => entries.
    return ctx.reply.resp3() ? ctx.reply.map_at(mark, *served) : ctx.reply.array_at(mark, *served);
  }
  if (a.block_ms < 0) return ctx.reply.null_array();
  BlockState& b = ctx.client.block;
  b.after = ids;
  b.group.assign(a.group);
  b.consumer.assign(a.consumer);
  b.noack = a.noack;
  b.claim_idle = claim;
  b.count = static_cast<int64_t>(a.count);
  int64_t deadline = a.block_ms == 0 ? 0 : ctx.now_ms + a.block_ms;
  block_on_keys(ctx, group_cmd ? BlockState::Kind::StreamReadGroup : BlockState::Kind::StreamRead,
                ctx.args.subspan(a.streams_at, a.n_streams), ListEnd::Head, deadline);
}

void xread(CommandContext& ctx) {
  read_generic(ctx, false);
}
void xreadgroup(CommandContext& ctx) {
  read_generic(ctx, true);
}

// Serves one stream waiter; false when it must keep waiting.
bool serve_one(ServerState& server, Client& w, int db, std::string_view key, bool data,
               int64_t now_ms) {
  StreamStore& s = server.store.streams();
  bool group_wait = w.block.kind == BlockState::Kind::StreamReadGroup;
  auto open = s.open(db, key, now_ms);
  if (!open || !*open) {
    if (!group_wait) return false;  // XREAD waits on, whatever the key became
    server.output_ready(w);
    w.reply.error("UNBLOCKED the stream key no longer exists");
    return true;
  }
  size_t idx = 0;
  while (idx < w.block.keys.size() && w.block.keys[idx] != key) ++idx;
  if (idx == w.block.keys.size()) return false;
  GroupRecord g;
  StreamId after = w.block.after[idx];
  if (group_wait) {
    auto found = s.group(w.block.group, g);
    if (!found) return false;
    if (!*found) {
      server.output_ready(w);
      w.reply.error("NOGROUP the consumer group this client was blocked on no longer exists");
      return true;
    }
    after = g.last_id;
  }
  if (!data) return false;
  // Entries beyond what the waiter has seen (XSETID alone raises last_id, not the entries).
  bool fresh = s.last_entry_id() > after;
  if (!fresh) {
    int64_t min_idle = group_wait ? redelivery_idle(g, w.block.claim_idle) : -1;
    if (min_idle < 0) return false;
    auto due = s.has_redeliverable(g, min_idle, now_ms);
    if (!due || !*due) return false;
  }
  server.output_ready(w);
  size_t mark = w.reply.mark();
  w.reply.resp3() ? w.reply.map(1) : w.reply.array(1);
  key_header(w.reply, key);
  auto n = read_into(server, w, s, w.block.group, w.block.consumer, group_wait ? &g : nullptr,
                     group_wait ? kNewOnly : after, static_cast<uint64_t>(w.block.count),
                     w.block.noack, now_ms, w.block.claim_idle);
  if (!n) {
    w.reply.buffer().truncate(mark);
    w.reply.error(n.status().message());
  } else if (*n == 0 && !fresh) {
    w.reply.buffer().truncate(mark);  // everything due was dead-lettered: wait on
    return false;
  }
  return true;
}

constexpr uint32_t kBlockingRead = kCmdReadonly | kCmdBlocking;

const CommandSpec kStreamReadCommands[] = {
    {"xread", -4, kBlockingRead, 0, 0, 1, xread, "stream", "5.0.0",
     "For each stream mentioned: O(N) with N being the number of elements being returned, it "
     "means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, "
     "XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new "
     "data.",
     "Returns messages from multiple streams with IDs greater than the ones requested. Blocks "
     "until a message is available otherwise."},
    {"xreadgroup", -7, kCmdWrite | kCmdBlocking, 0, 0, 1, xreadgroup, "stream", "5.0.0",
     "For each stream mentioned: O(M) with M being the number of elements returned. If M is "
     "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it "
     "O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to "
     "serve the N clients blocked on the stream getting new data.",
     "Returns new or historical messages from a stream for a consumer in a group. Blocks until "
     "a message is available otherwise."},
};

}  // namespace

void serve_stream_waiters(ServerState& server, int db, std::string_view key, bool data,
                          int64_t now_ms) {
  const auto* queue = server.blocking.waiters(db, key);
  if (!queue) return;
  std::vector<Client*> waiting;
  for (Client* c : *queue) {
    if (c->block.on_stream()) waiting.push_back(c);
  }
  for (Client* w : waiting) {
    // Serving one waiter never unblocks another, so every pointer here is still blocked.
    if (!serve_one(server, *w, db, key, data, now_ms)) continue;
    ++w->batch_replies;
    server.blocking.unblock(*w);
  }
}

void register_stream_read_commands(CommandTable& t) {
  t.add(kStreamReadCommands);
}

}  // namespace postbox
