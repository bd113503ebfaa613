// XINFO STREAM [FULL [COUNT n]] | GROUPS | CONSUMERS | HELP.
#include <fmt/format.h>

#include <algorithm>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/stream_args.h"

namespace postbox {
namespace {

// Opens the key (argv[2]); replies "no such key" / WRONGTYPE and returns false otherwise.
bool open_for_info(CommandContext& ctx, StreamStore& s) {
  auto open = s.open(ctx.db(), ctx.arg(2), ctx.now_ms);
  if (!open) {
    ctx.reply.error(open.status().message());
    return false;
  }
  if (!*open) {
    ctx.reply.error(err::kNoSuchKey);
    return false;
  }
  return true;
}

void reply_lag(CommandContext& ctx, StreamStore& s, const GroupRecord& g) {
  int64_t lag;
  if (s.group_lag(g, lag)) {
    ctx.reply.integer(lag);
  } else {
    ctx.reply.null();
  }
}

void reply_entries_read(CommandContext& ctx, const GroupRecord& g) {
  if (g.entries_read != kEntriesReadInvalid) {
    ctx.reply.integer(g.entries_read);
  } else {
    ctx.reply.null();
  }
}

// The fields XINFO GROUPS and XINFO STREAM FULL share: where the group is and how far behind.
void reply_group_progress(CommandContext& ctx, StreamStore& s, const GroupRecord& g) {
  ctx.reply.bulk("last-delivered-id");
  reply_stream_id(ctx.reply, g.last_id);
  ctx.reply.bulk("entries-read");
  reply_entries_read(ctx, g);
  ctx.reply.bulk("lag");
  reply_lag(ctx, s, g);
}

void reply_edge_entry(CommandContext& ctx, StreamStore& s, bool last) {
  size_t n = 0;
  s.scan(StreamId{}, StreamId::max(), 1, last, [&](const StreamId& id, EntryReader& r) {
    reply_entry(ctx.reply, id, r);
    ++n;
  });
  if (!n) ctx.reply.null();
}

// Released entries wait in release order; Redis shows their delivery time as 0.
int64_t shown_delivery_time(const PelRecord& r) {
  return r.consumer.empty() && r.delivery_ms < kReleaseOrderLimit ? 0 : r.delivery_ms;
}

// A FULL group: its PEL and consumers with theirs, `count` records each (0: all).
void reply_full_group(CommandContext& ctx, StreamStore& s, std::string_view name,
                      const GroupRecord& g, uint64_t count) {
  // Redis 8.8 adds nacked-count; shown while the group has released entries, so groups that
  // never used XNACK keep Redis 7.0's seven fields.
  ctx.reply.map(g.released ? 8 : 7);
  ctx.reply.bulk("name");
  ctx.reply.bulk(name);
  reply_group_progress(ctx, s, g);
  ctx.reply.bulk("pel-count");
  ctx.reply.integer(static_cast<int64_t>(g.pel_count));
  if (g.released) {
    ctx.reply.bulk("nacked-count");
    ctx.reply.integer(static_cast<int64_t>(g.released));
  }
  ctx.reply.bulk("pending");
  size_t mark = ctx.reply.mark(), n = 0;
  s.pending(g, 0, StreamId{}, StreamId::max(), count, [&](const PendingView& p) {
    ctx.reply.array(4);
    reply_stream_id(ctx.reply, p.id);
    ctx.reply.bulk(p.rec.consumer);
    ctx.reply.integer(shown_delivery_time(p.rec));
    ctx.reply.integer(static_cast<int64_t>(p.rec.delivery_count));
    ++n;
    return true;
  });
  ctx.reply.array_at(mark, n);
  ctx.reply.bulk("consumers");
  ctx.reply.array(g.consumers);
  s.each_consumer(g, [&](std::string_view cname, const ConsumerRecord& c) {
    ctx.reply.map(5);
    ctx.reply.bulk("name");
    ctx.reply.bulk(cname);
    ctx.reply.bulk("seen-time");
    ctx.reply.integer(c.seen_ms);
    ctx.reply.bulk("active-time");
    ctx.reply.integer(c.active_ms);
    ctx.reply.bulk("pel-count");
    ctx.reply.integer(static_cast<int64_t>(c.pel_count));
    ctx.reply.bulk("pending");
    size_t cmark = ctx.reply.mark(), cn = 0;
    s.pending(g, c.cid, StreamId{}, StreamId::max(), count, [&](const PendingView& p) {
      ctx.reply.array(3);
      reply_stream_id(ctx.reply, p.id);
      ctx.reply.integer(shown_delivery_time(p.rec));
      ctx.reply.integer(static_cast<int64_t>(p.rec.delivery_count));
      ++cn;
      return true;
    });
    ctx.reply.array_at(cmark, cn);
  });
}

// The fields XINFO STREAM shows with and without FULL, from length to the IDMP counters: seven,
// and six more once the stream used IDMP.
size_t header_field_count(const StreamHeader& h) {
  return h.idmp_used != 0 ? 13 : 7;
}

void reply_header_fields(ReplyBuilder& reply, const StreamHeader& h) {
  reply.bulk("length");
  reply.integer(static_cast<int64_t>(h.length));
  // Redis reports its radix tree here; Postbox reports the nodes it emulates (see
  // stream_codec.h) and a tree of that many leaves.
  reply.bulk("radix-tree-keys");
  reply.integer(static_cast<int64_t>(h.nodes));
  reply.bulk("radix-tree-nodes");
  reply.integer(static_cast<int64_t>(h.nodes ? 2 * h.nodes : 1));
  reply.bulk("last-generated-id");
  reply_stream_id(reply, h.last_id);
  reply.bulk("max-deleted-entry-id");
  reply_stream_id(reply, h.max_deleted);
  reply.bulk("entries-added");
  reply.integer(static_cast<int64_t>(h.entries_added));
  reply.bulk("recorded-first-entry-id");
  reply_stream_id(reply, h.first_id);
  // Redis 8.6 adds six IDMP fields; shown once the stream used IDMP, so that streams that never
  // did keep Redis 7.0's exact reply.
  if (h.idmp_used != 0) {
    const std::pair<const char*, uint64_t> fields[] = {
        {"idmp-duration", h.idmp_duration_s}, {"idmp-maxsize", h.idmp_maxsize},
        {"pids-tracked", h.pids_tracked},     {"iids-tracked", h.iids_tracked},
        {"iids-added", h.iids_added},         {"iids-duplicates", h.iids_duplicates}};
    for (auto& [name, v] : fields) {
      reply.bulk(name);
      reply.integer(static_cast<int64_t>(v));
    }
  }
}

void xinfo_stream(CommandContext& ctx) {
  bool full = ctx.argc() > 3;
  int64_t count = 10;
  if (full) {
    bool count_form = ctx.argc() == 6 && iequals(ctx.arg(4), "count");
    if (!iequals(ctx.arg(3), "full") || (ctx.argc() != 4 && !count_form)) {
      return ctx.reply.error(fmt::format(
          "ERR unknown subcommand or wrong number of arguments for '{}'. Try XINFO HELP.",
          ctx.arg(1).substr(0, 128)));
    }
    if (count_form) {
      auto n = arg_int64(ctx, 5);
      if (!n) return;
      count = *n < 0 ? 10 : *n;
    }
  }
  StreamStore& s = stream_store(ctx);
  if (!open_for_info(ctx, s)) return;
  const StreamHeader& h = s.header();
  // FULL adds entries and groups; the plain form groups, first-entry and last-entry.
  ctx.reply.map(header_field_count(h) + (full ? 2 : 3));
  reply_header_fields(ctx.reply, h);
  if (!full) {
    ctx.reply.bulk("groups");
    ctx.reply.integer(static_cast<int64_t>(h.groups));
    ctx.reply.bulk("first-entry");
    reply_edge_entry(ctx, s, false);
    ctx.reply.bulk("last-entry");
    reply_edge_entry(ctx, s, true);
    return;
  }
  auto limit = static_cast<uint64_t>(count);
  ctx.reply.bulk("entries");
  size_t mark = ctx.reply.mark();
  auto n = s.scan(StreamId{}, StreamId::max(), limit, false,
                  [&](const StreamId& id, EntryReader& r) { reply_entry(ctx.reply, id, r); });
  ctx.reply.array_at(mark, n ? *n : 0);
  ctx.reply.bulk("groups");
  ctx.reply.array(h.groups);
  s.each_group([&](std::string_view name, const GroupRecord& g) {
    reply_full_group(ctx, s, name, g, limit);
  });
}

void xinfo_groups(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  if (!open_for_info(ctx, s)) return;
  ctx.reply.array(s.header().groups);
  s.each_group([&](std::string_view name, const GroupRecord& g) {
    // A group with a queue policy shows it too (Postbox); others keep Redis's exact shape.
    bool policy = g.has_policy();
    ctx.reply.map(policy ? 10 : 6);
    ctx.reply.bulk("name");
    ctx.reply.bulk(name);
    ctx.reply.bulk("consumers");
    ctx.reply.integer(static_cast<int64_t>(g.consumers));
    ctx.reply.bulk("pending");
    ctx.reply.integer(static_cast<int64_t>(g.pel_count));
    reply_group_progress(ctx, s, g);
    if (!policy) return;
    reply_policy_fields(ctx.reply, s, g);
  });
}

void xinfo_consumers(CommandContext& ctx) {
  StreamStore& s = stream_store(ctx);
  if (!open_for_info(ctx, s)) return;
  GroupRecord g;
  auto found = s.group(ctx.arg(3), g);
  if (!found) return ctx.reply.error(found.status().message());
  if (!*found) {
    return ctx.reply.error(fmt::format("NOGROUP No such consumer group '{}' for key name '{}'",
                                       ctx.arg(3), ctx.arg(2)));
  }
  ctx.reply.array(g.consumers);
  s.each_consumer(g, [&](std::string_view name, const ConsumerRecord& c) {
    ctx.reply.map(4);
    ctx.reply.bulk("name");
    ctx.reply.bulk(name);
    ctx.reply.bulk("pending");
    ctx.reply.integer(static_cast<int64_t>(c.pel_count));
    ctx.reply.bulk("idle");
    ctx.reply.integer(std::max<int64_t>(0, ctx.now_ms - c.seen_ms));
    // Redis 7.2's field: time since the consumer last took entries, -1 if it never did.
    ctx.reply.bulk("inactive");
    ctx.reply.integer(c.active_ms < 0 ? -1 : std::max<int64_t>(0, ctx.now_ms - c.active_ms));
  });
}

void xinfo_help(CommandContext& ctx) {
  static const char* const lines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  reply_help(ctx.reply, lines);
}

void xinfo_container(CommandContext& ctx) {
  ctx.reply.error("ERR wrong number of arguments for 'xinfo' command");
}

const CommandSpec kXInfoSubcommands[] = {
    {"xinfo|consumers", 4, kCmdReadonly, 2, 2, 1, xinfo_consumers, "stream", "5.0.0", "O(1)",
     "Returns a list of the consumers in a consumer group."},
    {"xinfo|groups", 3, kCmdReadonly, 2, 2, 1, xinfo_groups, "stream", "5.0.0", "O(1)",
     "Returns a list of the consumer groups of a stream."},
    {"xinfo|stream", -3, kCmdReadonly, 2, 2, 1, xinfo_stream, "stream", "5.0.0", "O(1)",
     "Returns information about a stream."},
    {"xinfo|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, xinfo_help, "stream", "5.0.0", "O(1)",
     "Returns helpful text about the different subcommands."},
};

const CommandSpec kXInfoCommand[] = {
    {"xinfo", -2, 0, 0, 0, 0, xinfo_container, "stream", "5.0.0", "Depends on subcommand.",
     "A container for stream introspection commands.", kXInfoSubcommands},
};

}  // namespace

void register_stream_info_commands(CommandTable& t) {
  t.add(kXInfoCommand);
}

}  // namespace postbox
