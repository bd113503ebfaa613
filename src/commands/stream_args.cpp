#include "commands/stream_args.h"

#include "commands/errors.h"

namespace postbox {

bool arg_stream_id(CommandContext& ctx, size_t i, uint64_t missing_seq, bool strict,
                   StreamId& out) {
  if (parse_stream_id(ctx.arg(i), missing_seq, strict, out)) return true;
  ctx.reply.error(stream_err::kInvalidId);
  return false;
}

namespace {

bool range_bound(CommandContext& ctx, size_t i, uint64_t missing_seq, bool& exclusive,
                 StreamId& out) {
  std::string_view a = ctx.arg(i);
  exclusive = a.size() > 1 && a[0] == '(';
  if (exclusive ? parse_stream_id(a.substr(1), missing_seq, true, out)
                : parse_stream_id(a, missing_seq, false, out)) {
    return true;
  }
  ctx.reply.error(stream_err::kInvalidId);
  return false;
}

}  // namespace

bool arg_range_start(CommandContext& ctx, size_t i, StreamId& out) {
  bool exclusive;
  if (!range_bound(ctx, i, 0, exclusive, out)) return false;
  if (exclusive && !stream_id_next(out)) {
    ctx.reply.error("ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

bool arg_range_end(CommandContext& ctx, size_t i, StreamId& out) {
  bool exclusive;
  if (!range_bound(ctx, i, UINT64_MAX, exclusive, out)) return false;
  if (exclusive && !stream_id_prev(out)) {
    ctx.reply.error("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

namespace {

// MAXLEN|MINID [=|~] threshold at args[i]; i is left on the threshold. False after replying.
bool parse_trim_strategy(CommandContext& ctx, size_t& i, StreamTrim& t) {
  using Strategy = StreamTrim::Strategy;
  bool maxlen = iequals(ctx.arg(i), "maxlen");
  size_t more = ctx.argc() - 1 - i;
  if (t.strategy != Strategy::None) {
    ctx.reply.error(
        "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
    return false;
  }
  t.approx = false;
  std::string_view next = ctx.arg(i + 1);
  if (more >= 2 && (next == "~" || next == "=")) {
    t.approx = next == "~";
    ++i;
  }
  ++i;
  if (!maxlen) {
    if (!arg_stream_id(ctx, i, 0, true, t.minid)) return false;
    t.strategy = Strategy::MinId;
    return true;
  }
  auto n = arg_int64(ctx, i);
  if (!n) return false;
  if (*n < 0) {
    ctx.reply.error("ERR The MAXLEN argument must be >= 0.");
    return false;
  }
  t.maxlen = *n;
  t.strategy = Strategy::MaxLen;
  return true;
}

// IDMP producer iid | IDMPAUTO producer at args[i]; i is left on the last argument taken.
bool parse_idmp(CommandContext& ctx, size_t& i, StreamAddArgs& out) {
  bool automatic = ctx.arg(i).size() == 8;
  if (out.idmp) {
    ctx.reply.error("ERR syntax error, IDMP/IDMPAUTO specified multiple times");
    return false;
  }
  out.idmp = true;
  out.idmp_auto = automatic;
  out.pid = ctx.arg(i + 1);
  if (out.pid.empty()) {
    ctx.reply.error(automatic ? "ERR syntax error, IDMPAUTO requires a non-empty producer ID"
                              : "ERR syntax error, IDMP requires a non-empty producer ID");
    return false;
  }
  if (!automatic) {
    out.iid = ctx.arg(i + 2);
    if (out.iid.empty()) {
      ctx.reply.error("ERR syntax error, IDMP requires a non-empty idempotent ID");
      return false;
    }
  }
  i += automatic ? 1 : 2;
  return true;
}

// The checks Redis makes once all options are read, and the default LIMIT of `~` trimming.
bool finish_add_or_trim(CommandContext& ctx, bool xadd, bool limit_given, StreamAddArgs& out) {
  StreamTrim& t = out.trim;
  const char* error = nullptr;
  if (out.idmp && out.id_given) {
    error = "ERR syntax error, IDMP/IDMPAUTO can be used only with auto-generated IDs";
  } else if (limit_given && t.strategy == StreamTrim::Strategy::None) {
    error = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
  } else if (!xadd && t.strategy == StreamTrim::Strategy::None) {
    error = "ERR syntax error, XTRIM must be called with a trimming strategy";
  } else if (limit_given && !t.approx) {
    error = "ERR syntax error, LIMIT cannot be used without the special ~ option";
  }
  if (error) {
    ctx.reply.error(error);
    return false;
  }
  if (!limit_given) {
    // Redis bounds approximate trimming to 100 nodes' worth of entries per call.
    t.limit = t.approx ? 100 * ctx.server.config.stream_node_max_entries : 0;
    if (t.approx && t.limit <= 0) t.limit = 10000;
  }
  return true;
}

}  // namespace

long parse_add_or_trim(CommandContext& ctx, bool xadd, StreamAddArgs& out) {
  bool limit_given = false;
  size_t i = 2;
  for (; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - 1 - i;
    std::string_view opt = ctx.arg(i);
    if (xadd && opt == "*") break;
    if ((iequals(opt, "maxlen") || iequals(opt, "minid")) && more) {
      if (!parse_trim_strategy(ctx, i, out.trim)) return -1;
    } else if (iequals(opt, "limit") && more) {
      auto n = arg_int64(ctx, ++i);
      if (!n) return -1;
      if (*n < 0) {
        ctx.reply.error("ERR The LIMIT argument must be >= 0.");
        return -1;
      }
      out.trim.limit = *n;
      limit_given = true;
    } else if (xadd && iequals(opt, "nomkstream")) {
      out.no_mkstream = true;
    } else if (xadd &&
               ((iequals(opt, "idmpauto") && more >= 1) || (iequals(opt, "idmp") && more >= 2))) {
      if (!parse_idmp(ctx, i, out)) return -1;
    } else if (xadd) {
      if (!parse_stream_id(opt, 0, true, out.id, &out.seq_given)) {
        ctx.reply.error(stream_err::kInvalidId);
        return -1;
      }
      out.id_given = true;
      break;
    } else {
      ctx.reply.error(err::kSyntax);
      return -1;
    }
  }
  if (!finish_add_or_trim(ctx, xadd, limit_given, out)) return -1;
  return static_cast<long>(i);
}

StreamStore& stream_store(CommandContext& ctx) {
  StreamStore& s = ctx.store().streams();
  s.set_node_limits(static_cast<uint64_t>(ctx.server.config.stream_node_max_bytes),
                    static_cast<uint64_t>(ctx.server.config.stream_node_max_entries));
  s.set_idmp_defaults(static_cast<uint64_t>(ctx.server.config.stream_idmp_duration),
                      static_cast<uint64_t>(ctx.server.config.stream_idmp_maxsize));
  return s;
}

void reply_stream_id(ReplyBuilder& reply, const StreamId& id) {
  char buf[kStreamIdTextMax];
  reply.bulk(format_stream_id(id, buf));
}

void reply_policy_fields(ReplyBuilder& reply, const StreamStore& s, const GroupRecord& g) {
  reply.bulk("visibility");
  reply.integer(g.visibility_ms);
  reply.bulk("max-deliveries");
  reply.integer(g.max_deliveries);
  reply.bulk("deadletter");
  reply.bulk(s.deadletter_key(g));
  reply.bulk("dead-lettered");
  reply.integer(static_cast<int64_t>(g.dead_lettered));
}

namespace {

void reply_fields(ReplyBuilder& reply, EntryReader& r) {
  if (!r.ok()) {
    reply.null_array();
    return;
  }
  reply.array(static_cast<size_t>(r.pairs() * 2));
  std::string_view f, v;
  while (r.next(f, v)) {
    reply.bulk(f);
    reply.bulk(v);
  }
}

}  // namespace

void reply_entry(ReplyBuilder& reply, const StreamId& id, EntryReader& r) {
  reply.array(2);
  reply_stream_id(reply, id);
  reply_fields(reply, r);
}

void reply_entry_with(ReplyBuilder& reply, const StreamId& id, EntryReader& r, int64_t idle_ms,
                      uint64_t deliveries) {
  reply.array(4);
  reply_stream_id(reply, id);
  reply_fields(reply, r);
  reply.integer(idle_ms);
  reply.integer(static_cast<int64_t>(deliveries));
}

}  // namespace postbox
