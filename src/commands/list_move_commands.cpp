// Moving and multi-popping lists: LMOVE, RPOPLPUSH, LMPOP and their blocking forms BLMOVE,
// BRPOPLPUSH, BLMPOP. A move pops and pushes in the same batch transaction, so a crash never
// loses or duplicates an element between the two lists.
#include <limits>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/list_blocking.h"

namespace postbox {
namespace {

void move_now(CommandContext& ctx, ListEnd from, ListEnd to) {
  auto moved = move_to_client(ctx.server, ctx.client, ctx.db(), ctx.arg(1), from, ctx.arg(2), to,
                              ctx.now_ms);
  if (!moved) return ctx.reply.error(moved.status().message());
  if (!*moved) ctx.reply.null();
}

// Parses LEFT|RIGHT LEFT|RIGHT at args[i], args[i+1]; replies a syntax error on failure.
bool parse_ends(CommandContext& ctx, size_t i, ListEnd& from, ListEnd& to) {
  if (!parse_list_end(ctx.arg(i), from) || !parse_list_end(ctx.arg(i + 1), to)) {
    ctx.reply.error(err::kSyntax);
    return false;
  }
  return true;
}

void lmove(CommandContext& ctx) {
  ListEnd from, to;
  if (parse_ends(ctx, 3, from, to)) move_now(ctx, from, to);
}

void rpoplpush(CommandContext& ctx) {
  move_now(ctx, ListEnd::Tail, ListEnd::Head);
}

// BLMOVE and BRPOPLPUSH: move now if the source has data, otherwise wait for it.
void blocking_move(CommandContext& ctx, ListEnd from, ListEnd to, size_t timeout_idx) {
  auto deadline = arg_timeout_deadline(ctx, timeout_idx);
  if (!deadline) return;
  auto moved = move_to_client(ctx.server, ctx.client, ctx.db(), ctx.arg(1), from, ctx.arg(2), to,
                              ctx.now_ms);
  if (!moved) return ctx.reply.error(moved.status().message());
  if (*moved) return;
  ctx.client.block.target.assign(ctx.arg(2));
  ctx.client.block.target_end = to;
  block_on_keys(ctx, BlockState::Kind::ListMove, ctx.args.subspan(1, 1), from, *deadline);
}

void blmove(CommandContext& ctx) {
  ListEnd from, to;
  if (parse_ends(ctx, 3, from, to)) blocking_move(ctx, from, to, 5);
}

void brpoplpush(CommandContext& ctx) {
  blocking_move(ctx, ListEnd::Tail, ListEnd::Head, 3);
}

struct MPopArgs {
  std::span<const std::string_view> keys;
  ListEnd end = ListEnd::Head;
  int64_t count = 1;
};

// numkeys key [key ...] LEFT|RIGHT [COUNT count], starting at args[i], in Redis's order of
// checks and with its error texts.
bool parse_mpop(CommandContext& ctx, size_t i, MPopArgs& out) {
  int64_t numkeys;
  if (!parse_int64(ctx.arg(i), numkeys) || numkeys < 1) {
    ctx.reply.error("ERR numkeys should be greater than 0");
    return false;
  }
  if (numkeys >= static_cast<int64_t>(ctx.argc() - i - 1)) {
    ctx.reply.error(err::kSyntax);
    return false;
  }
  size_t where = i + 1 + static_cast<size_t>(numkeys);
  out.keys = ctx.args.subspan(i + 1, static_cast<size_t>(numkeys));
  if (!parse_list_end(ctx.arg(where), out.end)) {
    ctx.reply.error(err::kSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t j = where + 1; j < ctx.argc(); ++j) {
    if (!has_count && iequals(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      has_count = true;
      if (!parse_int64(ctx.arg(++j), out.count) || out.count < 1) {
        ctx.reply.error("ERR count should be greater than 0");
        return false;
      }
    } else {
      ctx.reply.error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// Pops from the first non-empty key; true when it replied (data or error).
bool mpop_first(CommandContext& ctx, const MPopArgs& a) {
  for (std::string_view key : a.keys) {
    auto served = mpop_to_client(ctx.server, ctx.client, ctx.db(), key, a.end, a.count, ctx.now_ms);
    if (!served) {
      ctx.reply.error(served.status().message());
      return true;
    }
    if (*served) return true;
  }
  return false;
}

void lmpop(CommandContext& ctx) {
  MPopArgs a;
  if (!parse_mpop(ctx, 1, a)) return;
  if (!mpop_first(ctx, a)) ctx.reply.null_array();
}

void blmpop(CommandContext& ctx) {
  MPopArgs a;
  if (!parse_mpop(ctx, 2, a)) return;
  auto deadline = arg_timeout_deadline(ctx, 1);
  if (!deadline) return;
  if (mpop_first(ctx, a)) return;
  ctx.client.block.count = a.count;
  block_on_keys(ctx, BlockState::Kind::ListMPop, a.keys, a.end, *deadline);
}

constexpr uint32_t kMoveW = kCmdWrite | kCmdDenyOom;
constexpr uint32_t kMoveB = kCmdWrite | kCmdNoScript | kCmdBlocking;

const CommandSpec kListMoveCommands[] = {
    {"lmove", 5, kMoveW, 1, 2, 1, lmove, "list", "6.2.0", "O(1)",
     "Returns an element after popping it from one list and pushing it to another. Deletes the "
     "list if the last element was moved."},
    {"rpoplpush", 3, kMoveW, 1, 2, 1, rpoplpush, "list", "1.2.0", "O(1)",
     "Returns the last element of a list after removing and pushing it to another list. Deletes "
     "the list if the last element was popped."},
    {"lmpop", -4, kCmdWrite, 0, 0, 0, lmpop, "list", "7.0.0",
     "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     "Returns multiple elements from a list after removing them. Deletes the list if the last "
     "element was popped."},
    {"blmove", 6, kMoveB | kCmdDenyOom, 1, 2, 1, blmove, "list", "6.2.0", "O(1)",
     "Pops an element from a list, pushes it to another list and returns it. Blocks until an "
     "element is available otherwise. Deletes the list if the last element was moved."},
    {"brpoplpush", 4, kMoveB | kCmdDenyOom, 1, 2, 1, brpoplpush, "list", "2.2.0", "O(1)",
     "Pops an element from a list, pushes it to another list and returns it. Block until an "
     "element is available otherwise. Deletes the list if the last element was popped."},
    {"blmpop", -5, kMoveB, 0, 0, 0, blmpop, "list", "7.0.0",
     "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     "Pops the first element from one of multiple lists. Blocks until an element is available "
     "otherwise. Deletes the list if the last element was popped."},
};

}  // namespace

void register_list_move_commands(CommandTable& t) {
  t.add(kListMoveCommands);
}

}  // namespace postbox
