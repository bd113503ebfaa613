// XACKDEL and XDELEX (Redis 8.2): acknowledge and/or delete entries with a say in what happens
// to the consumer groups' references to them.
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/stream_args.h"

namespace postbox {
namespace {

enum class RefPolicy { KeepRef, DelRef, Acked };

struct AckDelArgs {
  RefPolicy policy = RefPolicy::KeepRef;
  size_t ids_at = 0, n_ids = 0;
};

// Options from args[first] on, in any order: one of KEEPREF/DELREF/ACKED, and IDS n id...
bool parse_ackdel(CommandContext& ctx, size_t first, AckDelArgs& a) {
  bool policy_given = false;
  for (size_t i = first; i < ctx.argc(); ++i) {
    std::string_view o = ctx.arg(i);
    bool keep = iequals(o, "keepref"), del = iequals(o, "delref"), acked = iequals(o, "acked");
    if ((keep || del || acked) && !policy_given) {
      a.policy = keep ? RefPolicy::KeepRef : del ? RefPolicy::DelRef : RefPolicy::Acked;
      policy_given = true;
    } else if (iequals(o, "ids") && i + 1 < ctx.argc()) {
      int64_t n;
      if (!parse_int64(ctx.arg(i + 1), n) || n < 1) {
        ctx.reply.error("ERR Number of IDs must be a positive integer");
        return false;
      }
      if (static_cast<uint64_t>(n) > ctx.argc() - i - 2) {
        ctx.reply.error("ERR The `numids` parameter must match the number of arguments");
        return false;
      }
      a.ids_at = i + 2;
      a.n_ids = static_cast<size_t>(n);
      i += 1 + a.n_ids;
    } else {
      ctx.reply.error(err::kSyntax);
      return false;
    }
  }
  if (a.n_ids == 0) {
    ctx.reply.error("ERR IDS option is required");
    return false;
  }
  return true;
}

void reply_all_missing(CommandContext& ctx, size_t n) {
  ctx.reply.array(n);
  for (size_t i = 0; i < n; ++i) ctx.reply.integer(-1);
}

bool parse_ids(CommandContext& ctx, const AckDelArgs& a, std::vector<StreamId>& ids) {
  ids.resize(a.n_ids);
  for (size_t i = 0; i < a.n_ids; ++i) {
    if (!arg_stream_id(ctx, a.ids_at + i, 0, true, ids[i])) return false;
  }
  return true;
}

// Deletes `id` from the stream as the policy says: 1 deleted (or already gone), 2 kept because
// a group still needs it. -1 is the caller's (not there to begin with).
Result<int64_t> delete_by_policy(StreamStore& s, const StreamId& id, RefPolicy policy) {
  if (policy == RefPolicy::Acked) {
    auto ref = s.referenced(id);
    if (!ref) return ref.status();
    if (*ref) return int64_t{2};
  }
  if (policy == RefPolicy::DelRef) {
    Status st = s.drop_references(id);
    if (!st) return st;
  }
  auto removed = s.remove(std::span<const StreamId>(&id, 1));
  if (!removed) return removed.status();
  return *removed ? int64_t{1} : int64_t{-1};
}

void xackdel(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  auto open = s.open(ctx.db(), ctx.arg(1), ctx.now_ms);
  if (!open) return ctx.reply.error(open.status().message());
  AckDelArgs a;
  if (!parse_ackdel(ctx, 3, a)) return;
  GroupRecord g;
  auto found = *open ? s.group(ctx.arg(2), g) : Result<bool>(false);
  if (!found) return ctx.reply.error(found.status().message());
  if (!*found) return reply_all_missing(ctx, a.n_ids);
  std::vector<StreamId> ids;
  if (!parse_ids(ctx, a, ids)) return;
  std::vector<int64_t> codes;
  for (const StreamId& id : ids) {
    auto acked = s.ack(ctx.arg(2), g, std::span<const StreamId>(&id, 1));
    if (!acked) return ctx.reply.error(acked.status().message());
    if (*acked == 0) {
      codes.push_back(-1);
      continue;
    }
    auto code = delete_by_policy(s, id, a.policy);
    if (!code) return ctx.reply.error(code.status().message());
    // A pending entry already gone from the stream counts as deleted.
    codes.push_back(*code == -1 ? 1 : *code);
    if (a.policy == RefPolicy::DelRef) {
      auto again = s.group(ctx.arg(2), g);  // drop_references saved it
      if (!again) return ctx.reply.error(again.status().message());
    }
  }
  ctx.reply.array(codes.size());
  for (int64_t c : codes) ctx.reply.integer(c);
}

void xdelex(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  auto open = s.open(ctx.db(), ctx.arg(1), ctx.now_ms);
  if (!open) return ctx.reply.error(open.status().message());
  AckDelArgs a;
  if (!parse_ackdel(ctx, 2, a)) return;
  if (!*open) return reply_all_missing(ctx, a.n_ids);
  std::vector<StreamId> ids;
  if (!parse_ids(ctx, a, ids)) return;
  ctx.reply.array(ids.size());
  for (const StreamId& id : ids) {
    auto code = delete_by_policy(s, id, a.policy);
    if (!code) return ctx.reply.error(code.status().message());
    ctx.reply.integer(*code);
  }
}

constexpr uint32_t kAckDelW = kCmdWrite | kCmdFast;

const CommandSpec kAckDelCommands[] = {
    {"xackdel", -6, kAckDelW, 1, 1, 1, xackdel, "stream", "8.2.0",
     "O(1) for each entry ID processed.",
     "Acknowledges and conditionally deletes one or multiple entries for a stream consumer "
     "group."},
    {"xdelex", -5, kAckDelW, 1, 1, 1, xdelex, "stream", "8.2.0",
     "O(1) for each single item to delete in the stream, regardless of the stream size.",
     "Deletes one or multiple entries from the stream."},
};

}  // namespace

void register_stream_ackdel_commands(CommandTable& t) {
  t.add(kAckDelCommands);
}

}  // namespace postbox
