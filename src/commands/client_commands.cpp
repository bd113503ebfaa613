// CLIENT ID | SETNAME | GETNAME | LIST | INFO | KILL | SETINFO | REPLY | HELP.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "commands/client_info.h"
#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/dispatch.h"
#include "commands/errors.h"

namespace postbox {
namespace {

SubscriptionCounts counts_of(CommandContext& ctx, const Client& c) {
  const PubSubRegistry& ps = ctx.server.pubsub;
  return {ps.count(c, SubKind::Channel), ps.count(c, SubKind::Pattern),
          ps.count(c, SubKind::Shard)};
}

// CLIENT LIST/KILL TYPE: subscribers are "pubsub", everyone else "normal"; no replicas here.
bool type_matches(std::string_view type, const Client& c) {
  if (iequals(type, "pubsub")) return c.subscriptions > 0;
  if (iequals(type, "normal")) return c.subscriptions == 0;
  return false;
}

void client_id(CommandContext& ctx) {
  ctx.reply.integer(static_cast<int64_t>(ctx.client.id));
}

void client_setname(CommandContext& ctx) {
  if (!valid_client_name(ctx.arg(2))) {
    return ctx.reply.error(
        "ERR Client names cannot contain spaces, newlines or special characters.");
  }
  ctx.client.name.assign(ctx.arg(2));
  ctx.reply.ok();
}

void client_getname(CommandContext& ctx) {
  if (ctx.client.name.empty()) return ctx.reply.null();
  ctx.reply.bulk(ctx.client.name);
}

void client_list(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  bool by_id = false;
  std::string_view type;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (iequals(ctx.arg(i), "type") && i + 1 < ctx.argc()) {
      std::string_view t = ctx.arg(++i);
      if (!iequals(t, "normal") && !iequals(t, "master") && !iequals(t, "replica") &&
          !iequals(t, "slave") && !iequals(t, "pubsub")) {
        return ctx.reply.error("ERR Unknown client type '" + std::string(t) + "'");
      }
      type = t;
    } else if (iequals(ctx.arg(i), "id") && i + 1 < ctx.argc()) {
      by_id = true;
      for (++i; i < ctx.argc(); ++i) {
        int64_t id;
        if (!parse_int64(ctx.arg(i), id) || id <= 0) {
          return ctx.reply.error("ERR Invalid client ID");
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  std::string out;
  for (auto& [id, c] : ctx.server.clients) {
    if (by_id && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (!type.empty() && !type_matches(type, *c)) continue;
    out += describe_client(*c, ctx.now_ms, counts_of(ctx, *c));
  }
  ctx.reply.verbatim(out);
}

void client_info(CommandContext& ctx) {
  ctx.reply.verbatim(describe_client(ctx.client, ctx.now_ms, counts_of(ctx, ctx.client)));
}

struct KillFilter {
  int64_t id = 0;
  std::string_view addr, laddr, type, user;
  bool skipme = true;
};

bool matches(const KillFilter& f, const Client& c, const Client& self) {
  if (f.id && c.id != static_cast<uint64_t>(f.id)) return false;
  if (!f.addr.empty() && c.addr != f.addr) return false;
  if (!f.laddr.empty() && c.laddr != f.laddr) return false;
  if (!f.type.empty() && !type_matches(f.type, c)) return false;
  if (!f.user.empty() && f.user != "default") return false;
  if (f.skipme && &c == &self) return false;
  return true;
}

// Parses CLIENT KILL's filter form; replies and returns false on a bad filter.
bool parse_kill_filter(CommandContext& ctx, KillFilter& f) {
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (i + 1 >= ctx.argc()) {
      ctx.reply.error(err::kSyntax);
      return false;
    }
    std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
    if (iequals(opt, "id")) {
      if (!parse_int64(val, f.id) || f.id <= 0) {
        ctx.reply.error("ERR client-id should be greater than 0");
        return false;
      }
    } else if (iequals(opt, "type")) {
      if (!iequals(val, "normal") && !iequals(val, "master") && !iequals(val, "replica") &&
          !iequals(val, "slave") && !iequals(val, "pubsub")) {
        ctx.reply.error("ERR Unknown client type '" + std::string(val) + "'");
        return false;
      }
      f.type = val;
    } else if (iequals(opt, "addr")) {
      f.addr = val;
    } else if (iequals(opt, "laddr")) {
      f.laddr = val;
    } else if (iequals(opt, "user")) {
      f.user = val;
    } else if (iequals(opt, "skipme")) {
      if (iequals(val, "yes")) {
        f.skipme = true;
      } else if (iequals(val, "no")) {
        f.skipme = false;
      } else {
        ctx.reply.error(err::kSyntax);
        return false;
      }
    } else {
      ctx.reply.error(err::kSyntax);
      return false;
    }
  }
  return true;
}

void client_kill(CommandContext& ctx) {
  KillFilter f;
  bool old_form = ctx.argc() == 3;
  if (old_form) {
    f.addr = ctx.arg(2);
    f.skipme = false;
  } else if (!parse_kill_filter(ctx, f)) {
    return;
  }
  std::vector<Client*> victims;
  for (auto& [id, c] : ctx.server.clients) {
    if (matches(f, *c, ctx.client)) victims.push_back(c);
  }
  if (old_form && victims.empty()) return ctx.reply.error("ERR No such client");
  old_form ? ctx.reply.ok() : ctx.reply.integer(static_cast<int64_t>(victims.size()));
  for (Client* c : victims) ctx.server.close_client(*c);
}

void client_setinfo(CommandContext& ctx) {
  std::string_view attr = ctx.arg(2), val = ctx.arg(3);
  bool is_name = iequals(attr, "lib-name");
  if (!is_name && !iequals(attr, "lib-ver")) {
    return ctx.reply.error("ERR Unrecognized option '" + std::string(attr) + "'");
  }
  if (!valid_client_name(val)) {
    return ctx.reply.error(
        fmt::format("ERR {} cannot contain spaces, newlines or special characters.",
                    is_name ? "lib-name" : "lib-ver"));
  }
  (is_name ? ctx.client.lib_name : ctx.client.lib_ver).assign(val);
  ctx.reply.ok();
}

void client_reply(CommandContext& ctx) {
  std::string_view mode = ctx.arg(2);
  if (iequals(mode, "on")) {
    ctx.client.reply_mode = ReplyMode::On;
    ctx.reply.ok();
  } else if (iequals(mode, "off")) {
    ctx.client.reply_mode = ReplyMode::Off;
  } else if (iequals(mode, "skip")) {
    if (ctx.client.reply_mode != ReplyMode::Off) ctx.client.skip_this_reply = true;
  } else {
    ctx.reply.error(err::kSyntax);
  }
}

void client_unblock(CommandContext& ctx) {
  if (ctx.argc() > 4) {  // Redis checks this subcommand's arity by hand, with its own text
    return ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" +
                           std::string(ctx.arg(1)) + "'. Try CLIENT HELP.");
  }
  bool as_error = false;
  if (ctx.argc() == 4) {
    if (iequals(ctx.arg(3), "error")) {
      as_error = true;
    } else if (!iequals(ctx.arg(3), "timeout")) {
      return ctx.reply.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  auto id = arg_int64(ctx, 2);
  if (!id) return;
  auto it = ctx.server.clients.find(static_cast<uint64_t>(*id));
  if (it == ctx.server.clients.end() || !it->second->blocked()) return ctx.reply.integer(0);
  Client& target = *it->second;
  if (as_error) {
    end_block(ctx.server, target,
              [](Client& c) { c.reply.error("UNBLOCKED client unblocked via CLIENT UNBLOCK"); });
  } else {
    expire_blocked_client(ctx.server, target);
  }
  ctx.reply.integer(1);
}

void client_help(CommandContext& ctx) {
  static const char* const lines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are: ID <client-id>, TYPE (normal|master|replica|pubsub),",
      "    USER <username>, ADDR <ip:port>, LADDR <ip:port>, SKIPME (YES|NO).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "    * ID <client-id> [<client-id> ...]",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <LIB-NAME|LIB-VER> <value>",
      "    Record the client library's name or version, shown by CLIENT LIST.",
      "HELP",
      "    Print this help.",
  };
  reply_help(ctx.reply, lines);
}

constexpr uint32_t kClientC = kCmdNoScript | kCmdLoading | kCmdStale;
constexpr uint32_t kClientA = kCmdAdmin | kClientC;

const CommandSpec kClientSubcommands[] = {
    {"client|id", 2, kClientC, 0, 0, 0, client_id, "connection", "5.0.0", "O(1)",
     "Returns the unique client ID of the connection."},
    {"client|setname", 3, kClientC, 0, 0, 0, client_setname, "connection", "2.6.9", "O(1)",
     "Sets the connection name."},
    {"client|getname", 2, kClientC, 0, 0, 0, client_getname, "connection", "2.6.9", "O(1)",
     "Returns the name of the connection."},
    {"client|list", -2, kClientA, 0, 0, 0, client_list, "connection", "2.4.0",
     "O(N) where N is the number of client connections", "Lists open connections."},
    {"client|info", 2, kClientC, 0, 0, 0, client_info, "connection", "6.2.0", "O(1)",
     "Returns information about the connection."},
    {"client|kill", -3, kClientA, 0, 0, 0, client_kill, "connection", "2.4.0",
     "O(N) where N is the number of client connections", "Terminates open connections."},
    {"client|setinfo", 4, kClientC, 0, 0, 0, client_setinfo, "connection", "7.2.0", "O(1)",
     "Sets information specific to the client or connection."},
    {"client|reply", 3, kClientC, 0, 0, 0, client_reply, "connection", "3.2.0", "O(1)",
     "Instructs the server whether to reply to commands."},
    {"client|unblock", -3, kClientA, 0, 0, 0, client_unblock, "connection", "5.0.0",
     "O(log N) where N is the number of client connections",
     "Unblocks a client blocked by a blocking command from a different connection."},
    {"client|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, client_help, "connection", "5.0.0", "O(1)",
     "Returns helpful text about the different subcommands."},
};

void client_container(CommandContext& ctx) {
  ctx.reply.error("ERR wrong number of arguments for 'client' command");
}

const CommandSpec kClientCommand[] = {
    {"client", -2, 0, 0, 0, 0, client_container, "connection", "2.4.0", "Depends on subcommand.",
     "A container for client connection commands.", kClientSubcommands},
};

}  // namespace

void register_client_commands(CommandTable& t) {
  t.add(kClientCommand);
}

}  // namespace postbox
