#include "commands/dispatch.h"

#include <fmt/format.h>

#include <cctype>
#include <chrono>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/list_blocking.h"
#include "commands/stream_blocking.h"

namespace postbox {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

void reject_unknown(ReplyBuilder& reply, std::span<const std::string_view> args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; ++i) {
    size_t room = 128 - list.size();
    list += fmt::format("'{}' ", args[i].substr(0, room));
  }
  reply.error(fmt::format("ERR unknown command '{}', with args beginning with: {}",
                          args[0].substr(0, 128), list));
}

bool arity_ok(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// Refuses a command that was resolved but may not run. Inside MULTI the refusal also dooms
// the transaction; a refused EXEC discards it at once, as Redis does.
bool refuse(ServerState& server, Client& c, const CommandSpec* spec, std::string_view message) {
  if (spec) ++server.command_stats.of(spec, spec->name).rejected;
  if (spec && std::string_view(spec->name) == "exec") {  // even outside MULTI, as Redis
    std::string_view reason = message.substr(message.rfind("ERR ", 0) == 0 ? 4 : 0);
    c.reply.error(fmt::format("EXECABORT Transaction discarded because of: {}", reason));
    c.in_multi = c.multi_aborted = false;
    c.queued.clear();
    return false;
  }
  c.reply.error(message);
  c.multi_aborted |= c.in_multi;
  return false;
}

// Resolves "CLIENT SETNAME" to its subcommand row, replying with Redis's errors when it can't.
const CommandSpec* resolve(ServerState& server, Client& c, std::span<const std::string_view> args) {
  const CommandSpec* spec = CommandTable::instance().find(args[0]);
  if (!spec) {
    reject_unknown(c.reply, args);
    c.multi_aborted |= c.in_multi;  // a bad command while queuing dooms the EXEC
    return nullptr;
  }
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = CommandTable::find_sub(*spec, args[1]);
    if (!sub) {
      c.reply.error(fmt::format("ERR unknown subcommand '{}'. Try {} HELP.", args[1].substr(0, 128),
                                upper(spec->name)));
      c.multi_aborted |= c.in_multi;
      return nullptr;
    }
    spec = sub;
  }
  if (!arity_ok(spec->arity, args.size())) {
    refuse(server, c, spec,
           fmt::format("ERR wrong number of arguments for '{}' command", spec->name));
    return nullptr;
  }
  return spec;
}

bool may_run(ServerState& server, Client& c, const CommandSpec& spec, int64_t now_ms) {
  if (!c.authenticated && !(spec.flags & kCmdNoAuth)) return refuse(server, c, &spec, err::kNoAuth);
  if (c.subscriptions > 0 && c.resp == 2 && !(spec.flags & kCmdSubscribedOk)) {
    return refuse(server, c, &spec,
                  fmt::format("ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                              "PING / QUIT / RESET are allowed in this context",
                              spec.name));
  }
  if ((spec.flags & kCmdWrite) && now_ms < server.writes_blocked_until_ms) {
    return refuse(server, c, &spec,
                  "ERR the disk refused the last write (" + server.last_write_error +
                      "); writes are refused until it succeeds again, reads keep working");
  }
  return true;
}

bool open_batch(ServerState& server, Client& c, const CommandSpec& spec,
                std::span<const std::string_view> args) {
  Store& store = server.store;
  Status s = store.begin();
  // Inside EXEC the room was made for the whole transaction up front: committing halfway
  // would break its atomicity.
  if (s && !c.in_exec && (spec.flags & kCmdWrite)) {
    bool grow = store.needs_room(write_estimate(args));
    if (grow || store.batch_is_large()) {
      s = server.commit_batch();
      if (s && grow) s = store.grow();
      if (s) s = store.begin();
    }
  }
  if (!s) c.reply.error(s.message());
  return s.is_ok();
}

// MULTI is open and this is not one of the commands that act on the transaction itself.
bool queue_if_in_multi(Client& c, const CommandSpec& spec, std::span<const std::string_view> args) {
  if (!c.in_multi || (spec.flags & kCmdTxControl)) return false;
  if (spec.flags & kCmdNoMulti) {
    c.reply.error("ERR Command not allowed inside a transaction");
    c.multi_aborted = true;
    return true;
  }
  c.queued.emplace_back(args.begin(), args.end());
  c.reply.simple("QUEUED");
  return true;
}

// MONITOR's line: "+<unix time.usec> [<db> <addr>] "arg" ...", arguments quoted as Redis's
// sdscatrepr quotes them.
void feed_monitors(ServerState& server, const Client& c, std::span<const std::string_view> args) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  std::string line = fmt::format("+{}.{:06} [{} {}]", us / 1000000, us % 1000000, c.db, c.addr);
  for (std::string_view a : args) {
    line += " \"";
    for (unsigned char ch : a) {
      switch (ch) {
        case '\\':
          line += "\\\\";
          break;
        case '"':
          line += "\\\"";
          break;
        case '\n':
          line += "\\n";
          break;
        case '\r':
          line += "\\r";
          break;
        case '\t':
          line += "\\t";
          break;
        case '\a':
          line += "\\a";
          break;
        case '\b':
          line += "\\b";
          break;
        default:
          if (std::isprint(ch)) {
            line += static_cast<char>(ch);
          } else {
            line += fmt::format("\\x{:02x}", ch);
          }
      }
    }
    line += '"';
  }
  line += "\r\n";
  for (Client* m : server.monitors) {
    if (m == &c) continue;
    server.output_ready(*m);
    m->reply.raw(line);
  }
}

void run_command(ServerState& server, Client& c, const CommandSpec& spec,
                 std::span<const std::string_view> args, int64_t now_ms) {
  CommandContext ctx{server, c, c.reply, args, spec, now_ms};
  c.last_command = spec.name;
  server.store.keys().count_lookups(spec.flags & kCmdReadonly);
  if (!server.monitors.empty() && !(spec.flags & kCmdSkipMonitor)) {
    feed_monitors(server, c, args);
  }
  size_t mark = c.out.size();
  auto t0 = std::chrono::steady_clock::now();
  spec.handler(ctx);
  auto usec =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  CommandStat& st = server.command_stats.of(&spec, spec.name);
  ++st.calls;
  st.usec += static_cast<uint64_t>(usec);
  if (c.out.size() > mark && c.out.data()[mark] == '-') ++st.failed;
  if (server.config.latency_tracking) st.latency.record(static_cast<uint64_t>(usec));
  int64_t slower_than = server.config.slowlog_log_slower_than;
  if (slower_than >= 0 && usec >= slower_than && !(spec.flags & kCmdSkipSlowlog)) {
    server.slowlog.add(args, now_ms / 1000, usec, c.addr, c.name,
                       static_cast<size_t>(server.config.slowlog_max_len));
  }
  ++server.stats.total_commands;
  // Inside EXEC, waiters are served once the whole transaction has run, as in Redis.
  if (!c.in_exec && server.blocking.has_ready()) serve_ready_keys(server, now_ms);
}

}  // namespace

size_t write_estimate(std::span<const std::string_view> args) {
  size_t bytes = 0;
  for (auto a : args) bytes += a.size() * 2 + 8192;
  return bytes;
}

void execute_queued(ServerState& server, Client& c, std::span<const std::string_view> args,
                    int64_t now_ms) {
  const CommandSpec* spec = resolve(server, c, args);
  if (spec && may_run(server, c, *spec, now_ms) && open_batch(server, c, *spec, args)) {
    run_command(server, c, *spec, args, now_ms);
  }
}

void dispatch(ServerState& server, Client& c, std::span<const std::string_view> args,
              int64_t now_ms) {
  server.output_ready(c);
  size_t mark = c.out.size();
  bool was_off = c.reply_mode == ReplyMode::Off;
  bool skip = c.skip_this_reply;
  c.skip_this_reply = false;

  const CommandSpec* spec = resolve(server, c, args);
  if (spec && may_run(server, c, *spec, now_ms) && !queue_if_in_multi(c, *spec, args) &&
      open_batch(server, c, *spec, args)) {
    run_command(server, c, *spec, args, now_ms);
  }
  // Replies are dropped while CLIENT REPLY is OFF, unless the command turned them back on
  // (CLIENT REPLY ON, RESET), and for the one command after CLIENT REPLY SKIP.
  // (Subscription confirmations are pushes, which Redis sends regardless.)
  bool pushes = spec && (spec->flags & kCmdPushReplies);
  if (!pushes && (skip || (was_off && c.reply_mode == ReplyMode::Off))) c.out.truncate(mark);
  if (c.out.size() > mark) ++c.batch_replies;
  if (c.out.size() > mark && c.out.data()[mark] == '-') ++server.stats.total_errors;
}

void serve_ready_keys(ServerState& server, int64_t now_ms) {
  std::vector<ReadyKey> ready;
  // Serving may signal more keys (a pop that feeds another list): loop until quiet.
  while (server.blocking.has_ready()) {
    server.blocking.take_ready(ready);
    for (const ReadyKey& r : ready) {
      serve_list_waiters(server, r.db, r.key, now_ms);
      serve_stream_waiters(server, r.db, r.key, r.data, now_ms);
    }
  }
}

void end_block(ServerState& server, Client& c, FunctionRef<void(Client&)> final_reply) {
  if (!c.blocked()) return;
  server.output_ready(c);
  final_reply(c);  // before unblocking: the reply may depend on what the client waited in
  server.blocking.unblock(c);
  ++c.batch_replies;
}

void expire_blocked_client(ServerState& server, Client& c) {
  end_block(server, c, [](Client& w) { reply_block_timeout(w); });
}

}  // namespace postbox
