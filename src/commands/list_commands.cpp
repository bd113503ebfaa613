// The list family: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE, LINDEX, BLPOP, BRPOP.
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/list_blocking.h"

namespace postbox {
namespace {

void push_generic(CommandContext& ctx, ListEnd end, bool only_if_exists) {
  auto values = ctx.args.subspan(2);
  auto len =
      ctx.store().lists().push(ctx.db(), ctx.arg(1), end, values, only_if_exists, ctx.now_ms);
  if (!len) return ctx.reply.error(len.status().message());
  if (*len > 0) ctx.server.blocking.signal(ctx.db(), ctx.arg(1));
  ctx.reply.integer(*len);
}

void lpush(CommandContext& ctx) {
  push_generic(ctx, ListEnd::Head, false);
}
void rpush(CommandContext& ctx) {
  push_generic(ctx, ListEnd::Tail, false);
}
void lpushx(CommandContext& ctx) {
  push_generic(ctx, ListEnd::Head, true);
}
void rpushx(CommandContext& ctx) {
  push_generic(ctx, ListEnd::Tail, true);
}

void pop_generic(CommandContext& ctx, ListEnd end) {
  if (ctx.argc() > 3) {
    return ctx.reply.error(std::string("ERR wrong number of arguments for '") + ctx.spec.name +
                           "' command");
  }
  bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count) {
    if (!parse_int64(ctx.arg(2), count) || count < 0) {
      return ctx.reply.error(err::kMustBePositive);
    }
  }
  Status s = ctx.store().lists().pop(
      ctx.db(), ctx.arg(1), end, has_count ? count : 1, ctx.now_ms,
      [&](int64_t n) {
        if (!has_count) {
          if (n < 0) ctx.reply.null();
        } else if (n < 0) {
          ctx.reply.null_array();  // an absent key, whatever the count
        } else {
          ctx.reply.array(static_cast<size_t>(n));
        }
      },
      [&](std::string_view v) { ctx.reply.bulk(v); });
  ctx.failed(s);
}

void lpop(CommandContext& ctx) {
  pop_generic(ctx, ListEnd::Head);
}
void rpop(CommandContext& ctx) {
  pop_generic(ctx, ListEnd::Tail);
}

void llen(CommandContext& ctx) {
  auto len = ctx.store().lists().length(ctx.db(), ctx.arg(1), ctx.now_ms);
  if (!len) return ctx.reply.error(len.status().message());
  ctx.reply.integer(*len);
}

void lrange(CommandContext& ctx) {
  auto start = arg_int64(ctx, 2);
  if (!start) return;
  auto stop = arg_int64(ctx, 3);
  if (!stop) return;
  Status s = ctx.store().lists().range(
      ctx.db(), ctx.arg(1), *start, *stop, ctx.now_ms,
      [&](int64_t n) { ctx.reply.array(static_cast<size_t>(n)); },
      [&](std::string_view v) { ctx.reply.bulk(v); });
  ctx.failed(s);
}

void lindex(CommandContext& ctx) {
  // Redis looks the key up before parsing the index: a missing key answers nil either way.
  auto len = ctx.store().lists().length(ctx.db(), ctx.arg(1), ctx.now_ms);
  if (!len) return ctx.reply.error(len.status().message());
  if (*len == 0) return ctx.reply.null();
  auto index = arg_int64(ctx, 2);
  if (!index) return;
  auto found = ctx.store().lists().index(ctx.db(), ctx.arg(1), *index, ctx.now_ms,
                                         [&](std::string_view v) { ctx.reply.bulk(v); });
  if (!found) return ctx.reply.error(found.status().message());
  if (!*found) ctx.reply.null();
}

void blocking_pop(CommandContext& ctx, ListEnd end) {
  auto deadline = arg_timeout_deadline(ctx, ctx.argc() - 1);
  if (!deadline) return;
  auto keys = ctx.args.subspan(1, ctx.argc() - 2);
  for (std::string_view key : keys) {
    auto served = pop_to_client(ctx.server, ctx.client, ctx.db(), key, end, ctx.now_ms);
    if (!served) return ctx.reply.error(served.status().message());
    if (*served) return;
  }
  block_on_keys(ctx, BlockState::Kind::ListPop, keys, end, *deadline);
}

void blpop(CommandContext& ctx) {
  blocking_pop(ctx, ListEnd::Head);
}
void brpop(CommandContext& ctx) {
  blocking_pop(ctx, ListEnd::Tail);
}

constexpr uint32_t kListW = kCmdWrite | kCmdDenyOom | kCmdFast;
constexpr uint32_t kListWF = kCmdWrite | kCmdFast;
constexpr uint32_t kListR = kCmdReadonly;

const CommandSpec kListCommands[] = {
    {"lpush", -3, kListW, 1, 1, 1, lpush, "list", "1.0.0", "O(1) for each element added",
     "Prepends one or more elements to a list. Creates the key if it doesn't exist."},
    {"rpush", -3, kListW, 1, 1, 1, rpush, "list", "1.0.0", "O(1) for each element added",
     "Appends one or more elements to a list. Creates the key if it doesn't exist."},
    {"lpushx", -3, kListW, 1, 1, 1, lpushx, "list", "2.2.0", "O(1) for each element added",
     "Prepends one or more elements to a list only when the list exists."},
    {"rpushx", -3, kListW, 1, 1, 1, rpushx, "list", "2.2.0", "O(1) for each element added",
     "Appends an element to a list only when the list exists."},
    {"lpop", -2, kListWF, 1, 1, 1, lpop, "list", "1.0.0",
     "O(N) where N is the number of elements returned",
     "Returns the first elements in a list after removing it. Deletes the list if the last "
     "element was popped."},
    {"rpop", -2, kListWF, 1, 1, 1, rpop, "list", "1.0.0",
     "O(N) where N is the number of elements returned",
     "Returns and removes the last elements of a list. Deletes the list if the last element "
     "was popped."},
    {"llen", 2, kListR | kCmdFast, 1, 1, 1, llen, "list", "1.0.0", "O(1)",
     "Returns the length of a list."},
    {"lrange", 4, kListR, 1, 1, 1, lrange, "list", "1.0.0",
     "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
     "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
     "range.",
     "Returns a range of elements from a list."},
    {"lindex", 3, kListR, 1, 1, 1, lindex, "list", "1.0.0", "O(1)",
     "Returns an element from a list by its index."},
    {"blpop", -3, kCmdWrite | kCmdNoScript | kCmdBlocking, 1, -2, 1, blpop, "list", "2.0.0",
     "O(N) where N is the number of provided keys.",
     "Removes and returns the first element in a list. Blocks until an element is available "
     "otherwise. Deletes the list if the last element was popped."},
    {"brpop", -3, kCmdWrite | kCmdNoScript | kCmdBlocking, 1, -2, 1, brpop, "list", "2.0.0",
     "O(N) where N is the number of provided keys.",
     "Removes and returns the last element in a list. Blocks until an element is available "
     "otherwise. Deletes the list if the last element was popped."},
};

}  // namespace

void register_list_commands(CommandTable& t) {
  t.add(kListCommands);
}

}  // namespace postbox
