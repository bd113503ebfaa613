// The server family: INFO, CONFIG, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, SHUTDOWN.
#include <sys/time.h>

#include <string>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"
#include "commands/server_info.h"
#include "util/log.h"

namespace postbox {
namespace {

void info(CommandContext& ctx) {
  ctx.reply.verbatim(build_info(ctx.server, ctx.args.subspan(1), ctx.now_ms));
}

void config_get(CommandContext& ctx) {
  std::vector<std::string_view> patterns(ctx.args.begin() + 2, ctx.args.end());
  auto pairs = ctx.server.config_table.get(patterns);
  ctx.reply.map(pairs.size());
  for (auto& [name, value] : pairs) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

void config_set(CommandContext& ctx) {
  std::vector<std::string_view> pairs(ctx.args.begin() + 2, ctx.args.end());
  Status s = ctx.server.config_table.set(pairs);
  if (ctx.failed(s)) return;
  ctx.reply.ok();
}

void config_rewrite(CommandContext& ctx) {
  Status s = ctx.server.config_table.rewrite();
  if (s) {
    log_at(LogSeverity::Notice, "CONFIG REWRITE executed with success.");
    ctx.reply.ok();
    return;
  }
  if (!ctx.server.config.config_file.empty()) {
    const std::string& m = s.message();  // "ERR Rewriting config file: <strerror>"
    log_at(LogSeverity::Warning, "CONFIG REWRITE failed: {}", m.substr(m.rfind(": ") + 2));
  }
  ctx.reply.error(s.message());
}

void config_resetstat(CommandContext& ctx) {
  ServerStats fresh;
  ctx.server.stats = fresh;
  ctx.server.store.keys().stats() = KeyspaceStats{};
  ctx.server.command_stats.reset();                // commandstats and latencystats, as Redis
  ctx.server.store.streams().clear_queue_stats();  // INFO queues totals start over too
  ctx.reply.ok();
}

void config_help(CommandContext& ctx) {
  static const char* const lines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Prints this help.",
  };
  reply_help(ctx.reply, lines);
}

void container(CommandContext& ctx) {
  ctx.reply.error(std::string("ERR wrong number of arguments for '") + ctx.spec.name + "' command");
}

void dbsize(CommandContext& ctx) {
  ctx.reply.integer(static_cast<int64_t>(ctx.store().keys().dbsize(ctx.db())));
}

// FLUSHDB and FLUSHALL take an optional ASYNC or SYNC; both run the same way here.
bool flush_mode_ok(CommandContext& ctx) {
  if (ctx.argc() > 2 ||
      (ctx.argc() == 2 && !iequals(ctx.arg(1), "async") && !iequals(ctx.arg(1), "sync"))) {
    ctx.reply.error(err::kSyntax);
    return false;
  }
  return true;
}

void flushdb(CommandContext& ctx) {
  if (!flush_mode_ok(ctx)) return;
  if (ctx.failed(ctx.store().keys().flushdb(ctx.db()))) return;
  ctx.server.blocking.signal_all(ctx.db());  // XREADGROUP waiters learn their key is gone
  ctx.reply.ok();
}

void flushall(CommandContext& ctx) {
  if (!flush_mode_ok(ctx)) return;
  if (ctx.failed(ctx.store().keys().flushall())) return;
  for (int db = 0; db < ctx.server.config.databases; ++db) ctx.server.blocking.signal_all(db);
  ctx.reply.ok();
}

void swapdb(CommandContext& ctx) {
  int64_t a, b;
  if (!parse_int64(ctx.arg(1), a) || a < INT32_MIN || a > INT32_MAX) {
    return ctx.reply.error(err::kInvalidDbIndex);
  }
  if (!parse_int64(ctx.arg(2), b) || b < INT32_MIN || b > INT32_MAX) {
    return ctx.reply.error(err::kInvalidSecondDbIndex);
  }
  int n = ctx.server.config.databases;
  if (a < 0 || a >= n || b < 0 || b >= n) return ctx.reply.error(err::kDbIndexRange);
  if (a != b) {
    if (ctx.failed(ctx.store().keys().swapdb(static_cast<int>(a), static_cast<int>(b)))) return;
    // Clients blocked in either db now look at the other db's data.
    ctx.server.blocking.signal_all(static_cast<int>(a));
    ctx.server.blocking.signal_all(static_cast<int>(b));
  }
  ctx.reply.ok();
}

void time_cmd(CommandContext& ctx) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  ctx.reply.array(2);
  ctx.reply.bulk_int(tv.tv_sec);
  ctx.reply.bulk_int(tv.tv_usec);
}

void shutdown(CommandContext& ctx) {
  ShutdownMode mode = ShutdownMode::Default;
  bool abort = false, other = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view o = ctx.arg(i);
    if (iequals(o, "nosave")) {
      mode = ShutdownMode::NoSave, other = true;
    } else if (iequals(o, "save")) {
      mode = ShutdownMode::Save, other = true;
    } else if (iequals(o, "now") || iequals(o, "force")) {
      other = true;  // nothing to wait for or to force: LMDB is always consistent
    } else if (iequals(o, "abort")) {
      abort = true;
    } else {
      return ctx.reply.error(err::kSyntax);
    }
  }
  if (abort && other) return ctx.reply.error(err::kSyntax);
  if (abort) return ctx.reply.error("ERR No shutdown in progress.");
  ctx.server.shutdown(mode);
}

constexpr uint32_t kAdm = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;

const CommandSpec kConfigSubcommands[] = {
    {"config|get", -3, kAdm, 0, 0, 0, config_get, "server", "2.0.0",
     "O(N) when N is the number of configuration parameters provided",
     "Returns the effective values of configuration parameters."},
    {"config|set", -4, kAdm, 0, 0, 0, config_set, "server", "2.0.0",
     "O(N) when N is the number of configuration parameters provided",
     "Sets configuration parameters in-flight."},
    {"config|resetstat", 2, kAdm, 0, 0, 0, config_resetstat, "server", "2.0.0", "O(1)",
     "Resets the server's statistics."},
    {"config|rewrite", 2, kAdm, 0, 0, 0, config_rewrite, "server", "2.8.0", "O(1)",
     "Persists the effective configuration to file."},
    {"config|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, config_help, "server", "5.0.0", "O(1)",
     "Returns helpful text about the different subcommands."},
};

const CommandSpec kServerCommands[] = {
    {"info", -1, kCmdLoading | kCmdStale | kCmdDangerous, 0, 0, 0, info, "server", "1.0.0", "O(1)",
     "Returns information and statistics about the server."},
    {"config", -2, 0, 0, 0, 0, container, "server", "2.0.0", "Depends on subcommand.",
     "A container for server configuration commands.", kConfigSubcommands},
    {"dbsize", 1, kCmdReadonly | kCmdFast | kCmdCatKeyspace, 0, 0, 0, dbsize, "server", "1.0.0",
     "O(1)", "Returns the number of keys in the database."},
    {"flushdb", -1, kCmdWrite | kCmdDangerous | kCmdCatKeyspace, 0, 0, 0, flushdb, "server",
     "1.0.0", "O(N) where N is the number of keys in the selected database",
     "Removes all keys from the current database."},
    {"flushall", -1, kCmdWrite | kCmdDangerous | kCmdCatKeyspace, 0, 0, 0, flushall, "server",
     "1.0.0", "O(N) where N is the total number of keys in all databases",
     "Removes all keys from all databases."},
    {"swapdb", 3, kCmdWrite | kCmdFast | kCmdDangerous | kCmdCatKeyspace, 0, 0, 0, swapdb, "server",
     "4.0.0",
     "O(N) where N is the count of clients watching or blocking on keys from both databases.",
     "Swaps two Redis databases."},
    {"time", 1, kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0, time_cmd, "server", "2.6.0", "O(1)",
     "Returns the server time."},
    {"shutdown", -1, kAdm | kCmdNoMulti | kCmdAllowBusy, 0, 0, 0, shutdown, "server", "1.0.0",
     "O(N) when saving, where N is the total number of keys in all databases when saving data, "
     "otherwise O(1)",
     "Synchronously saves the database(s) to disk and shuts down the Redis server."},
};

}  // namespace

void register_server_commands(CommandTable& t) {
  t.add(kServerCommands);
}

}  // namespace postbox
