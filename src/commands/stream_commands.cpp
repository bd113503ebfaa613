// The stream family's entry commands: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID.
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/stream_args.h"

namespace postbox {
namespace {

// Opens the command's key as a stream; replies WRONGTYPE (and returns nullopt) for another type.
std::optional<bool> open_stream(CommandContext& ctx, StreamStore& s) {
  auto open = s.open(ctx.db(), ctx.arg(1), ctx.now_ms);
  if (!open) {
    ctx.reply.error(open.status().message());
    return std::nullopt;
  }
  return *open;
}

void xadd(CommandContext& ctx) {
  StreamAddArgs a;
  long idpos = parse_add_or_trim(ctx, true, a);
  if (idpos < 0) return;
  size_t field_pos = static_cast<size_t>(idpos) + 1;
  if (field_pos > ctx.argc() || ctx.argc() - field_pos < 2 || (ctx.argc() - field_pos) % 2) {
    return ctx.reply.error("ERR wrong number of arguments for 'xadd' command");
  }
  if (a.id_given && a.seq_given && a.id.is_zero()) {
    return ctx.reply.error("ERR The ID specified in XADD must be greater than 0-0");
  }
  StreamStore& s = stream_store(ctx);
  auto exists = open_stream(ctx, s);
  if (!exists) return;
  if (!*exists) {
    if (a.no_mkstream) return ctx.reply.null();
    if (ctx.failed(s.create(ctx.db(), ctx.arg(1)))) return;
  }
  auto pairs = ctx.args.subspan(field_pos);
  std::string iid;
  if (a.idmp) {
    // A publish retried inside the window gets its first id back; nothing is stored or trimmed.
    iid = a.idmp_auto ? StreamStore::idmp_auto_iid(pairs) : std::string(a.iid);
    StreamId first;
    auto dup = s.idmp_find(a.pid, iid, ctx.now_ms, first);
    if (!dup) return ctx.reply.error(dup.status().message());
    if (*dup) return reply_stream_id(ctx.reply, first);
  }
  StreamId added;
  auto outcome = s.append(a.id, a.id_given, a.seq_given, pairs, ctx.now_ms, added);
  if (!outcome) return ctx.reply.error(outcome.status().message());
  if (*outcome == AppendOutcome::Exhausted) {
    return ctx.reply.error(
        "ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  if (*outcome == AppendOutcome::SeqExhausted) {
    return ctx.reply.error("ERR Elements are too large to be stored");
  }
  if (*outcome == AppendOutcome::IdTooSmall) {
    return ctx.reply.error(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  if (a.idmp && ctx.failed(s.idmp_record(a.pid, iid, added, ctx.now_ms))) return;
  if (a.trim.strategy != StreamTrim::Strategy::None) {
    auto trimmed = s.trim(a.trim);
    if (!trimmed) return ctx.reply.error(trimmed.status().message());
  }
  reply_stream_id(ctx.reply, added);
  ctx.server.blocking.signal(ctx.db(), ctx.arg(1));
}

// XCFGSET key [IDMP-DURATION seconds] [IDMP-MAXSIZE n] (Redis 8.6)
void xcfgset(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  auto exists = open_stream(ctx, s);
  if (!exists) return;
  if (!*exists) return ctx.reply.error(err::kNoSuchKey);
  int64_t duration = -1, maxsize = -1;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    bool dur = iequals(ctx.arg(i), "idmp-duration"), max = iequals(ctx.arg(i), "idmp-maxsize");
    if (!(dur || max) || i + 1 >= ctx.argc()) return ctx.reply.error(err::kSyntax);
    int64_t& slot = dur ? duration : maxsize;
    if (slot != -1) {
      return ctx.reply.error(dur ? "ERR IDMP-DURATION specified multiple times"
                                 : "ERR IDMP-MAXSIZE specified multiple times");
    }
    auto n = arg_int64(ctx, i + 1);
    if (!n) return;
    if (dur && (*n < 1 || *n > 86400)) {
      return ctx.reply.error("ERR IDMP-DURATION must be between 1 and 86400 seconds");
    }
    if (max && (*n < 1 || *n > 10000)) {
      return ctx.reply.error("ERR IDMP-MAXSIZE must be between 1 and 10000 entries");
    }
    slot = *n;
  }
  if (duration == -1 && maxsize == -1) {
    return ctx.reply.error("ERR At least one parameter must be specified");
  }
  if (ctx.failed(s.idmp_configure(duration, maxsize))) return;
  ctx.reply.ok();
}

void xlen(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  auto exists = open_stream(ctx, s);
  if (!exists) return;
  ctx.reply.integer(*exists ? static_cast<int64_t>(s.header().length) : 0);
}

void range_generic(CommandContext& ctx, bool rev) {
  StreamId start, end;
  if (!arg_range_start(ctx, rev ? 3 : 2, start)) return;
  if (!arg_range_end(ctx, rev ? 2 : 3, end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    if (iequals(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      auto n = arg_int64(ctx, ++j);
      if (!n) return;
      count = *n < 0 ? 0 : *n;
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  StreamStore& s = stream_store(ctx);
  auto exists = open_stream(ctx, s);
  if (!exists) return;
  if (!*exists) return ctx.reply.array(0);
  if (count == 0) return ctx.reply.null_array();
  size_t mark = ctx.reply.mark();
  auto n = s.scan(start, end, count < 0 ? 0 : static_cast<uint64_t>(count), rev,
                  [&](const StreamId& id, EntryReader& r) { reply_entry(ctx.reply, id, r); });
  if (!n) {
    ctx.reply.buffer().truncate(mark);
    return ctx.reply.error(n.status().message());
  }
  ctx.reply.array_at(mark, *n);
}

void xrange(CommandContext& ctx) {
  range_generic(ctx, false);
}
void xrevrange(CommandContext& ctx) {
  range_generic(ctx, true);
}

void xdel(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  auto exists = open_stream(ctx, s);
  if (!exists) return;
  if (!*exists) return ctx.reply.integer(0);
  std::vector<StreamId> ids(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (!arg_stream_id(ctx, j, 0, true, ids[j - 2])) return;
  }
  auto n = s.remove(ids);
  if (!n) return ctx.reply.error(n.status().message());
  ctx.reply.integer(*n);
}

void xtrim(CommandContext& ctx) {
  StreamAddArgs a;
  if (parse_add_or_trim(ctx, false, a) < 0) return;
  StreamStore& s = stream_store(ctx);
  auto exists = open_stream(ctx, s);
  if (!exists) return;
  if (!*exists) return ctx.reply.integer(0);
  auto n = s.trim(a.trim);
  if (!n) return ctx.reply.error(n.status().message());
  ctx.reply.integer(*n);
}

void xsetid(CommandContext& ctx) {
  StreamId id, max_deleted;
  if (!arg_stream_id(ctx, 2, 0, true, id)) return;
  int64_t entries_added = -1;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    bool more = i + 1 < ctx.argc();
    if (iequals(ctx.arg(i), "entriesadded") && more) {
      auto n = arg_int64(ctx, i + 1);
      if (!n) return;
      if (*n < 0) return ctx.reply.error("ERR entries_added must be positive");
      entries_added = *n;
    } else if (iequals(ctx.arg(i), "maxdeletedid") && more) {
      if (!arg_stream_id(ctx, i + 1, 0, true, max_deleted)) return;
      if (id < max_deleted) {
        return ctx.reply.error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  StreamStore& s = stream_store(ctx);
  auto exists = open_stream(ctx, s);
  if (!exists) return;
  if (!*exists) return ctx.reply.error(err::kNoSuchKey);
  const StreamHeader& h = s.header();
  if (h.length > 0) {
    if (id < h.max_deleted) {
      return ctx.reply.error(
          "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
    }
    StreamId top;
    s.scan(StreamId{}, StreamId::max(), 1, true, [&](const StreamId& t, EntryReader&) { top = t; });
    if (id < top) {
      return ctx.reply.error(
          "ERR The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && static_cast<int64_t>(h.length) > entries_added) {
      return ctx.reply.error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  if (ctx.failed(s.set_last_id(id, entries_added, max_deleted))) return;
  ctx.reply.ok();
}

constexpr uint32_t kStreamW = kCmdWrite | kCmdDenyOom | kCmdFast;
constexpr uint32_t kStreamR = kCmdReadonly;

const CommandSpec kStreamCommands[] = {
    {"xadd", -5, kStreamW, 1, 1, 1, xadd, "stream", "5.0.0",
     "O(1) when adding a new entry, O(N) when trimming where N being the number of entries "
     "evicted.",
     "Appends a new message to a stream. Creates the key if it doesn't exist."},
    {"xcfgset", -2, kCmdWrite | kCmdFast, 1, 1, 1, xcfgset, "stream", "8.6.0", "O(1)",
     "Sets the idempotent-producer window of a stream."},
    {"xlen", 2, kStreamR | kCmdFast, 1, 1, 1, xlen, "stream", "5.0.0", "O(1)",
     "Return the number of messages in a stream."},
    {"xrange", -4, kStreamR, 1, 1, 1, xrange, "stream", "5.0.0",
     "O(N) with N being the number of elements being returned. If N is constant (e.g. always "
     "asking for the first 10 elements with COUNT), you can consider it O(1).",
     "Returns the messages from a stream within a range of IDs."},
    {"xrevrange", -4, kStreamR, 1, 1, 1, xrevrange, "stream", "5.0.0",
     "O(N) with N being the number of elements returned. If N is constant (e.g. always asking "
     "for the first 10 elements with COUNT), you can consider it O(1).",
     "Returns the messages from a stream within a range of IDs in reverse order."},
    {"xdel", -3, kCmdWrite | kCmdFast, 1, 1, 1, xdel, "stream", "5.0.0",
     "O(1) for each single item to delete in the stream, regardless of the stream size.",
     "Returns the number of messages after removing them from a stream."},
    {"xtrim", -4, kCmdWrite, 1, 1, 1, xtrim, "stream", "5.0.0",
     "O(N), with N being the number of evicted entries. Constant times are very small however, "
     "since entries are organized in macro nodes containing multiple entries that can be "
     "released with a single deallocation.",
     "Deletes messages from the beginning of a stream."},
    {"xsetid", -3, kCmdWrite | kCmdDenyOom | kCmdFast, 1, 1, 1, xsetid, "stream", "5.0.0", "O(1)",
     "An internal command for replicating stream values."},
};

}  // namespace

void register_stream_commands(CommandTable& t) {
  t.add(kStreamCommands);
}

}  // namespace postbox
