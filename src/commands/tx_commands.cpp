// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queued commands run back to back inside
// the loop's batch transaction, so an EXEC is one atomic LMDB commit: all or nothing on disk.
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/dispatch.h"

namespace postbox {
namespace {

void end_transaction(CommandContext& ctx) {
  Client& c = ctx.client;
  c.in_multi = false;
  c.multi_aborted = false;
  c.queued.clear();
  ctx.server.watches.unwatch_all(c);
}

void multi(CommandContext& ctx) {
  if (ctx.client.in_multi) return ctx.reply.error("ERR MULTI calls can not be nested");
  ctx.client.in_multi = true;
  ctx.reply.ok();
}

void discard(CommandContext& ctx) {
  if (!ctx.client.in_multi) return ctx.reply.error("ERR DISCARD without MULTI");
  end_transaction(ctx);
  ctx.reply.ok();
}

// A watched key that expired since WATCH has changed, although nobody deleted it yet:
// looking it up deletes it, which marks the watchers dirty.
void expire_watched_keys(CommandContext& ctx) {
  KeyEntry e;
  for (auto& [db, key] : ctx.client.watched) ctx.store().keys().find(db, key, ctx.now_ms, e);
}

// Makes room in the LMDB map for the whole transaction before it starts.
bool reserve_room(CommandContext& ctx) {
  size_t bytes = 0;
  std::vector<std::string_view> views;
  for (auto& cmd : ctx.client.queued) {
    views.assign(cmd.begin(), cmd.end());
    bytes += write_estimate(views);
  }
  Store& store = ctx.store();
  if (!store.needs_room(bytes)) return true;
  Status s = ctx.server.commit_batch();
  if (s) s = store.grow();
  if (s) s = store.begin();
  return !ctx.failed(s);
}

void exec(CommandContext& ctx) {
  Client& c = ctx.client;
  if (!c.in_multi) return ctx.reply.error("ERR EXEC without MULTI");
  if (c.multi_aborted) {
    end_transaction(ctx);
    return ctx.reply.error("EXECABORT Transaction discarded because of previous errors.");
  }
  expire_watched_keys(ctx);
  if (c.watch_dirty) {
    end_transaction(ctx);
    return ctx.reply.null_array();
  }
  ctx.server.watches.unwatch_all(c);
  if (!reserve_room(ctx)) return end_transaction(ctx);
  std::vector<std::vector<std::string>> queued;
  queued.swap(c.queued);
  c.in_multi = false;
  c.in_exec = true;
  ctx.reply.array(queued.size());
  std::vector<std::string_view> args;
  for (auto& cmd : queued) {
    args.assign(cmd.begin(), cmd.end());
    execute_queued(ctx.server, c, args, ctx.now_ms);
  }
  c.in_exec = false;
  end_transaction(ctx);
}

void watch(CommandContext& ctx) {
  if (ctx.client.in_multi) return ctx.reply.error("ERR WATCH inside MULTI is not allowed");
  KeyEntry e;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    // Looking the key up first deletes it if it already expired, before it is watched.
    ctx.store().keys().find(ctx.db(), ctx.arg(i), ctx.now_ms, e);
    ctx.server.watches.watch(ctx.client, ctx.db(), ctx.arg(i));
  }
  ctx.reply.ok();
}

void unwatch(CommandContext& ctx) {
  ctx.server.watches.unwatch_all(ctx.client);
  ctx.reply.ok();
}

constexpr uint32_t kTx = kCmdNoScript | kCmdLoading | kCmdStale | kCmdTxControl;

const CommandSpec kTxCommands[] = {
    {"multi", 1, kTx | kCmdFast | kCmdAllowBusy, 0, 0, 0, multi, "transactions", "1.2.0", "O(1)",
     "Starts a transaction."},
    {"exec", 1, kTx | kCmdSkipSlowlog, 0, 0, 0, exec, "transactions", "1.2.0",
     "Depends on commands in the transaction", "Executes all commands in a transaction."},
    {"discard", 1, kTx | kCmdFast | kCmdAllowBusy, 0, 0, 0, discard, "transactions", "2.0.0",
     "O(N), when N is the number of queued commands", "Discards a transaction."},
    {"watch", -2, kTx | kCmdFast | kCmdAllowBusy, 1, -1, 1, watch, "transactions", "2.2.0",
     "O(1) for every key.",
     "Monitors changes to keys to determine the execution of a transaction."},
    // Unlike WATCH, UNWATCH inside MULTI is queued, as in Redis.
    {"unwatch", 1, (kTx & ~kCmdTxControl) | kCmdFast | kCmdAllowBusy, 0, 0, 0, unwatch,
     "transactions", "2.2.0", "O(1)", "Forgets about watched keys of a transaction."},
};

}  // namespace

void register_tx_commands(CommandTable& t) {
  t.add(kTxCommands);
}

}  // namespace postbox
