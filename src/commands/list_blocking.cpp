#include "commands/list_blocking.h"

#include <string>

namespace postbox {

namespace {

// Pops up to `count` from (db, key) and replies [key, element] — or, for BLMPOP/LMPOP,
// [key, [elements]]. False when the list is empty or absent.
Result<bool> pop_with_key(ServerState& server, Client& c, int db, std::string_view key, ListEnd end,
                          int64_t count, bool nested, int64_t now_ms) {
  bool served = false;
  Status s = server.store.lists().pop(
      db, key, end, count, now_ms,
      [&](int64_t n) {
        if (n <= 0) return;
        served = true;
        server.output_ready(c);
        c.reply.array(2);
        c.reply.bulk(key);
        if (nested) c.reply.array(static_cast<size_t>(n));
      },
      [&](std::string_view v) { c.reply.bulk(v); });
  if (!s) return s;
  return served;
}

}  // namespace

Result<bool> pop_to_client(ServerState& server, Client& c, int db, std::string_view key,
                           ListEnd end, int64_t now_ms) {
  return pop_with_key(server, c, db, key, end, 1, false, now_ms);
}

Result<bool> move_to_client(ServerState& server, Client& c, int db, std::string_view src,
                            ListEnd from, std::string_view dst, ListEnd to, int64_t now_ms) {
  ListStore& lists = server.store.lists();
  auto src_len = lists.length(db, src, now_ms);
  if (!src_len) return src_len.status();
  if (*src_len == 0) return false;
  auto dst_len = lists.length(db, dst, now_ms);
  if (!dst_len) return dst_len.status();
  std::string element;
  Status s = lists.pop(
      db, src, from, 1, now_ms, [](int64_t) {}, [&](std::string_view v) { element.assign(v); });
  if (!s) return s;
  std::string_view one[] = {element};
  auto pushed = lists.push(db, dst, to, one, false, now_ms);
  if (!pushed) return pushed.status();
  server.blocking.signal(db, dst);
  server.output_ready(c);
  c.reply.bulk(element);
  return true;
}

Result<bool> mpop_to_client(ServerState& server, Client& c, int db, std::string_view key,
                            ListEnd end, int64_t count, int64_t now_ms) {
  return pop_with_key(server, c, db, key, end, count, true, now_ms);
}

// Redis answers every timed-out list wait with a null array — BLMOVE and BRPOPLPUSH included,
// although their normal reply is a bulk string.
void reply_block_timeout(Client& c) {
  c.reply.null_array();
}

void block_on_keys(CommandContext& ctx, BlockState::Kind kind,
                   std::span<const std::string_view> keys, ListEnd end, int64_t deadline_ms) {
  BlockState& b = ctx.client.block;
  b.kind = kind;
  if (ctx.client.in_exec) {  // a transaction never waits: answer "nothing" at once
    kind == BlockState::Kind::ListMove ? ctx.reply.null() : ctx.reply.null_array();
    b.kind = BlockState::Kind::None;
    return;
  }
  b.db = ctx.db();
  b.keys.assign(keys.begin(), keys.end());
  b.end = end;
  b.deadline_ms = deadline_ms;
  ctx.server.blocking.block(ctx.client);
}

// Serves one waiter from (db, key) according to what it blocked in; false when it could not be
// served (empty list, or a destination of the wrong type), which leaves it blocked.
static bool serve_one(ServerState& server, Client& w, int db, std::string_view key,
                      int64_t now_ms) {
  Result<bool> served = false;
  switch (w.block.kind) {
    case BlockState::Kind::ListPop:
      served = pop_to_client(server, w, db, key, w.block.end, now_ms);
      break;
    case BlockState::Kind::ListMove:
      served = move_to_client(server, w, db, key, w.block.end, w.block.target, w.block.target_end,
                              now_ms);
      break;
    case BlockState::Kind::ListMPop:
      served = mpop_to_client(server, w, db, key, w.block.end, w.block.count, now_ms);
      break;
    default:
      return false;
  }
  return served.is_ok() && *served;
}

void serve_list_waiters(ServerState& server, int db, std::string_view key, int64_t now_ms) {
  while (const auto* queue = server.blocking.waiters(db, key)) {
    Client* w = nullptr;
    for (Client* q : *queue) {
      if (!q->block.on_stream()) {
        w = q;
        break;
      }
    }
    if (!w || !serve_one(server, *w, db, key, now_ms)) break;
    ++w->batch_replies;
    server.blocking.unblock(*w);
  }
}

bool parse_list_end(std::string_view s, ListEnd& end) {
  if (iequals(s, "left")) {
    end = ListEnd::Head;
  } else if (iequals(s, "right")) {
    end = ListEnd::Tail;
  } else {
    return false;
  }
  return true;
}

}  // namespace postbox
