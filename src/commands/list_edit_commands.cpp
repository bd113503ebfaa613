// Editing lists in place: LSET, LINSERT, LREM, LTRIM and LPOS. Each handler checks its
// arguments and looks the key up in the order Redis 7.0 does, since that order decides which
// error a client sees when several things are wrong at once.
#include <limits>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"

namespace postbox {
namespace {

void lset(CommandContext& ctx) {
  int64_t index;
  if (!parse_int64(ctx.arg(2), index)) {
    // Redis looks the key up first: a missing key is "no such key" even with a bad index.
    auto len = ctx.store().lists().length(ctx.db(), ctx.arg(1), ctx.now_ms);
    if (!len) return ctx.reply.error(len.status().message());
    return ctx.reply.error(*len == 0 ? err::kNoSuchKey : err::kNotInteger);
  }
  auto r = ctx.store().lists().set(ctx.db(), ctx.arg(1), index, ctx.arg(3), ctx.now_ms);
  if (!r) return ctx.reply.error(r.status().message());
  switch (*r) {
    case ListSetResult::Done:
      return ctx.reply.ok();
    case ListSetResult::NoSuchKey:
      return ctx.reply.error(err::kNoSuchKey);
    case ListSetResult::OutOfRange:
      return ctx.reply.error(err::kIndexRange);
  }
}

void linsert(CommandContext& ctx) {
  ListEnd side;
  if (iequals(ctx.arg(2), "before")) {
    side = ListEnd::Head;
  } else if (iequals(ctx.arg(2), "after")) {
    side = ListEnd::Tail;
  } else {
    return ctx.reply.error(err::kSyntax);
  }
  auto len =
      ctx.store().lists().insert(ctx.db(), ctx.arg(1), side, ctx.arg(3), ctx.arg(4), ctx.now_ms);
  if (!len) return ctx.reply.error(len.status().message());
  ctx.reply.integer(*len);
}

void lrem(CommandContext& ctx) {
  auto count = arg_int64(ctx, 2);
  if (!count) return;
  auto removed = ctx.store().lists().remove(ctx.db(), ctx.arg(1), *count, ctx.arg(3), ctx.now_ms);
  if (!removed) return ctx.reply.error(removed.status().message());
  ctx.reply.integer(*removed);
}

void ltrim(CommandContext& ctx) {
  auto start = arg_int64(ctx, 2);
  if (!start) return;
  auto stop = arg_int64(ctx, 3);
  if (!stop) return;
  Status s = ctx.store().lists().trim(ctx.db(), ctx.arg(1), *start, *stop, ctx.now_ms);
  if (!ctx.failed(s)) ctx.reply.ok();
}

struct LposArgs {
  ListPosQuery query;
  bool has_count = false;
};

// RANK, COUNT and MAXLEN in any order, the last of each winning; the first bad one decides the
// error, before the key is looked up.
bool parse_lpos(CommandContext& ctx, LposArgs& out) {
  for (size_t j = 3; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool more = j + 1 < ctx.argc();
    int64_t v;
    if (more && iequals(opt, "rank")) {
      auto rank = arg_int64(ctx, ++j);
      if (!rank) return false;
      if (*rank == 0) {
        ctx.reply.error(err::kLposRankZero);
        return false;
      }
      out.query.rank = *rank;
    } else if (more && iequals(opt, "count")) {
      if (!parse_int64(ctx.arg(++j), v) || v < 0) {
        ctx.reply.error(err::kLposCountNegative);
        return false;
      }
      out.query.count = v;
      out.has_count = true;
    } else if (more && iequals(opt, "maxlen")) {
      if (!parse_int64(ctx.arg(++j), v) || v < 0) {
        ctx.reply.error(err::kLposMaxlenNegative);
        return false;
      }
      out.query.maxlen = v;
    } else {
      ctx.reply.error(err::kSyntax);
      return false;
    }
  }
  // Redis 7.0 negates a negative rank in place: INT64_MIN stays negative, so every match
  // counts as reached and COUNT never ends the search. Matched on purpose.
  if (out.query.rank == std::numeric_limits<int64_t>::min()) {
    out.query.rank = -1;
    out.query.count = 0;
  }
  if (!out.has_count) out.query.count = 1;
  return true;
}

void lpos(CommandContext& ctx) {
  LposArgs a;
  if (!parse_lpos(ctx, a)) return;
  std::vector<int64_t> found;
  Status s = ctx.store().lists().positions(ctx.db(), ctx.arg(1), ctx.arg(2), a.query, ctx.now_ms,
                                           [&](int64_t i) { found.push_back(i); });
  if (ctx.failed(s)) return;
  if (!a.has_count) {
    if (found.empty()) return ctx.reply.null();
    return ctx.reply.integer(found.front());
  }
  ctx.reply.array(found.size());
  for (int64_t i : found) ctx.reply.integer(i);
}

const CommandSpec kListEditCommands[] = {
    {"lset", 4, kCmdWrite | kCmdDenyOom, 1, 1, 1, lset, "list", "1.0.0",
     "O(N) where N is the length of the list. Setting either the first or the last element of "
     "the list is O(1).",
     "Set the value of an element in a list by its index"},
    {"linsert", 5, kCmdWrite | kCmdDenyOom, 1, 1, 1, linsert, "list", "2.2.0",
     "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
     "means that inserting somewhere on the left end on the list (head) can be considered O(1) "
     "and inserting somewhere on the right end (tail) is O(N).",
     "Insert an element before or after another element in a list"},
    {"lrem", 4, kCmdWrite, 1, 1, 1, lrem, "list", "1.0.0",
     "O(N+M) where N is the length of the list and M is the number of elements removed.",
     "Remove elements from a list"},
    {"ltrim", 4, kCmdWrite, 1, 1, 1, ltrim, "list", "1.0.0",
     "O(N) where N is the number of elements to be removed by the operation.",
     "Trim a list to the specified range"},
    {"lpos", -3, kCmdReadonly, 1, 1, 1, lpos, "list", "6.0.6",
     "O(N) where N is the number of elements in the list, for the average case. When searching "
     "for elements near the head or the tail of the list, or when the MAXLEN option is "
     "provided, the command may run in constant time.",
     "Return the index of matching elements on a list"},
};

}  // namespace

void register_list_edit_commands(CommandTable& t) {
  t.add(kListEditCommands);
}

}  // namespace postbox
