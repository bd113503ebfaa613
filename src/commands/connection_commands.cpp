// The connection family: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT.
#include <string>

#include "commands/client_info.h"
#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/server_info.h"

namespace postbox {
namespace {

void ping(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    return ctx.reply.error("ERR wrong number of arguments for 'ping' command");
  }
  if (ctx.client.subscriptions > 0 && ctx.client.resp == 2) {
    // Subscribed RESP2 clients can only read arrays, so PING answers in that shape.
    ctx.reply.array(2);
    ctx.reply.bulk("pong");
    ctx.reply.bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return;
  }
  if (ctx.argc() == 2) return ctx.reply.bulk(ctx.arg(1));
  ctx.reply.simple("PONG");
}

void echo(CommandContext& ctx) {
  ctx.reply.bulk(ctx.arg(1));
}

void quit(CommandContext& ctx) {
  ctx.reply.ok();
  ctx.client.close_after_reply = true;
}

// What RESET and a fresh connection have in common.
void reset_client_state(CommandContext& ctx) {
  Client& c = ctx.client;
  if (c.blocked()) ctx.server.blocking.unblock(c);
  ctx.server.pubsub.remove_client(c);
  ctx.server.watches.unwatch_all(c);
  c.in_multi = c.multi_aborted = c.watch_dirty = false;
  c.queued.clear();
  c.db = 0;
  c.name.clear();
  c.resp = 2;
  c.reply.set_protocol(2);
  c.reply_mode = ReplyMode::On;
  c.skip_this_reply = false;
  c.authenticated = ctx.server.config.requirepass.empty();
}

void reset(CommandContext& ctx) {
  reset_client_state(ctx);
  ctx.reply.simple("RESET");
}

// True when (user, password) opens the default user, the only user Postbox has.
bool credentials_ok(const Config& cfg, std::string_view user, std::string_view pass) {
  if (user != "default") return false;
  return cfg.requirepass.empty() || pass == cfg.requirepass;
}

void auth(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply.error(err::kSyntax);
  const Config& cfg = ctx.server.config;
  if (ctx.argc() == 2 && cfg.requirepass.empty()) {
    return ctx.reply.error(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  }
  std::string_view user = ctx.argc() == 3 ? ctx.arg(1) : "default";
  if (!credentials_ok(cfg, user, ctx.arg(ctx.argc() - 1))) {
    return ctx.reply.error(err::kWrongPass);
  }
  ctx.client.authenticated = true;
  ctx.reply.ok();
}

void hello(CommandContext& ctx) {
  int64_t version = ctx.client.resp;
  if (ctx.argc() >= 2) {
    if (!parse_int64(ctx.arg(1), version)) {
      return ctx.reply.error("ERR Protocol version is not an integer or out of range");
    }
    if (version < 2 || version > 3) return ctx.reply.error(err::kNoProto);
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    size_t left = ctx.argc() - i - 1;
    if (iequals(ctx.arg(i), "auth") && left >= 2) {
      user = ctx.arg(i + 1);
      pass = ctx.arg(i + 2);
      has_auth = true;
      i += 2;
    } else if (iequals(ctx.arg(i), "setname") && left >= 1) {
      name = ctx.arg(i + 1);
      has_name = true;
      i += 1;
    } else {
      return ctx.reply.error("ERR Syntax error in HELLO option '" + std::string(ctx.arg(i)) + "'");
    }
  }
  if (has_auth) {
    if (!credentials_ok(ctx.server.config, user, pass)) return ctx.reply.error(err::kWrongPass);
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated) {
    return ctx.reply.error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
  }
  if (has_name) {
    if (!valid_client_name(name)) {
      return ctx.reply.error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
    }
    ctx.client.name.assign(name);
  }
  ctx.client.resp = static_cast<int>(version);
  ctx.reply.set_protocol(ctx.client.resp);
  ctx.reply.map(7);
  ctx.reply.bulk("server");
  ctx.reply.bulk("redis");
  ctx.reply.bulk("version");
  ctx.reply.bulk(kRedisCompatVersion);
  ctx.reply.bulk("proto");
  ctx.reply.integer(version);
  ctx.reply.bulk("id");
  ctx.reply.integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.bulk("mode");
  ctx.reply.bulk("standalone");
  ctx.reply.bulk("role");
  ctx.reply.bulk("master");
  ctx.reply.bulk("modules");
  ctx.reply.array(0);
}

void select(CommandContext& ctx) {
  int64_t db;
  if (!parse_int64(ctx.arg(1), db) || db < INT32_MIN || db > INT32_MAX) {
    return ctx.reply.error(err::kNotInteger);
  }
  if (db < 0 || db >= ctx.server.config.databases) return ctx.reply.error(err::kDbIndexRange);
  ctx.client.db = static_cast<int>(db);
  ctx.reply.ok();
}

constexpr uint32_t kConn = kCmdFast | kCmdNoScript | kCmdLoading | kCmdStale;

const CommandSpec kConnectionCommands[] = {
    {"ping", -1, kCmdFast | kCmdSubscribedOk, 0, 0, 0, ping, "connection", "1.0.0", "O(1)",
     "Returns the server's liveliness response."},
    {"echo", 2, kCmdFast | kCmdLoading | kCmdStale, 0, 0, 0, echo, "connection", "1.0.0", "O(1)",
     "Returns the given string."},
    {"quit", -1, kConn | kCmdNoAuth | kCmdAllowBusy | kCmdSubscribedOk | kCmdTxControl, 0, 0, 0,
     quit, "connection", "1.0.0", "O(1)", "Closes the connection."},
    {"reset", 1, kConn | kCmdNoAuth | kCmdAllowBusy | kCmdSubscribedOk | kCmdTxControl, 0, 0, 0,
     reset, "connection", "6.2.0", "O(1)", "Resets the connection."},
    {"auth", -2, kConn | kCmdNoAuth | kCmdAllowBusy, 0, 0, 0, auth, "connection", "1.0.0",
     "O(N) where N is the number of passwords defined for the user",
     "Authenticates the connection."},
    {"hello", -1, kConn | kCmdNoAuth | kCmdAllowBusy, 0, 0, 0, hello, "connection", "6.0.0", "O(1)",
     "Handshakes with the Redis server."},
    {"select", 2, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, select, "connection", "1.0.0",
     "O(1)", "Changes the selected database."},
};

}  // namespace

void register_connection_commands(CommandTable& t) {
  t.add(kConnectionCommands);
}

}  // namespace postbox
