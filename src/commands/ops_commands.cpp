// Day-2 operations: SLOWLOG, LATENCY (the lmdb-commit event: a batch's commit and fsync) and
// MONITOR.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"

namespace postbox {
namespace {

void slowlog_get(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.argc() == 3) {
    if (!parse_int64(ctx.arg(2), count) || count < -1) {
      return ctx.reply.error("ERR count should be greater than or equal to -1");
    }
  } else if (ctx.argc() > 3) {
    return ctx.reply.error(
        "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP.");
  }
  const auto& entries = ctx.server.slowlog.entries();
  size_t n = count < 0 ? entries.size() : std::min(entries.size(), static_cast<size_t>(count));
  ctx.reply.array(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowlogEntry& e = entries[i];
    ctx.reply.array(6);
    ctx.reply.integer(static_cast<int64_t>(e.id));
    ctx.reply.integer(e.unix_time);
    ctx.reply.integer(e.duration_usec);
    ctx.reply.array(e.args.size());
    for (const std::string& a : e.args) ctx.reply.bulk(a);
    ctx.reply.bulk(e.client_addr);
    ctx.reply.bulk(e.client_name);
  }
}

void slowlog_len(CommandContext& ctx) {
  ctx.reply.integer(static_cast<int64_t>(ctx.server.slowlog.entries().size()));
}

void slowlog_reset(CommandContext& ctx) {
  ctx.server.slowlog.reset();
  ctx.reply.ok();
}

void slowlog_help(CommandContext& ctx) {
  static const char* const lines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  reply_help(ctx.reply, lines);
}

void latency_latest(CommandContext& ctx) {
  const auto& events = ctx.server.latency.events();
  ctx.reply.array(events.size());
  for (const auto& [name, e] : events) {
    ctx.reply.array(4);
    ctx.reply.bulk(name);
    ctx.reply.integer(e.history.empty() ? 0 : e.history.back().unix_time);
    ctx.reply.integer(e.history.empty() ? 0 : e.history.back().ms);
    ctx.reply.integer(e.max_ms);
  }
}

void latency_history(CommandContext& ctx) {
  const auto& events = ctx.server.latency.events();
  auto it = events.find(std::string(ctx.arg(2)));
  if (it == events.end()) return ctx.reply.array(0);
  ctx.reply.array(it->second.history.size());
  for (const LatencySample& s : it->second.history) {
    ctx.reply.array(2);
    ctx.reply.integer(s.unix_time);
    ctx.reply.integer(s.ms);
  }
}

void latency_reset(CommandContext& ctx) {
  std::vector<std::string> names;
  for (size_t i = 2; i < ctx.argc(); ++i) names.emplace_back(ctx.arg(i));
  ctx.reply.integer(static_cast<int64_t>(ctx.server.latency.reset(names.data(), names.size())));
}

void latency_help(CommandContext& ctx) {
  static const char* const lines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HELP",
      "    Prints this help.",
  };
  reply_help(ctx.reply, lines);
}

void monitor(CommandContext& ctx) {
  if (ctx.client.monitor) return ctx.reply.ok();
  ctx.client.monitor = true;
  ctx.server.monitors.push_back(&ctx.client);
  ctx.reply.ok();
}

void container(CommandContext& ctx) {
  ctx.reply.error(fmt::format("ERR wrong number of arguments for '{}' command", ctx.spec.name));
}

constexpr uint32_t kOpsA = kCmdAdmin | kCmdLoading | kCmdStale;

const CommandSpec kSlowlogSub[] = {
    {"slowlog|get", -2, kOpsA, 0, 0, 0, slowlog_get, "server", "2.2.12",
     "O(N) where N is the number of entries returned", "Returns the slow log's entries."},
    {"slowlog|len", 2, kOpsA, 0, 0, 0, slowlog_len, "server", "2.2.12", "O(1)",
     "Returns the number of entries in the slow log."},
    {"slowlog|reset", 2, kOpsA, 0, 0, 0, slowlog_reset, "server", "2.2.12",
     "O(N) where N is the number of entries in the slowlog",
     "Clears all entries from the slow log."},
    {"slowlog|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, slowlog_help, "server", "6.2.0", "O(1)",
     "Show helpful text about the different subcommands"},
};

const CommandSpec kLatencySub[] = {
    {"latency|latest", 2, kOpsA, 0, 0, 0, latency_latest, "server", "2.8.13", "O(1)",
     "Returns the latest latency samples for all events."},
    {"latency|history", 3, kOpsA, 0, 0, 0, latency_history, "server", "2.8.13", "O(1)",
     "Returns timestamp-latency samples for an event."},
    {"latency|reset", -2, kOpsA, 0, 0, 0, latency_reset, "server", "2.8.13", "O(1)",
     "Resets the latency data for one or more events."},
    {"latency|help", 2, kCmdLoading | kCmdStale, 0, 0, 0, latency_help, "server", "2.8.13", "O(1)",
     "Returns helpful text about the different subcommands."},
};

const CommandSpec kOpsCommands[] = {
    {"slowlog", -2, 0, 0, 0, 0, container, "server", "2.2.12", "Depends on subcommand.",
     "A container for slow log commands.", kSlowlogSub},
    {"latency", -2, 0, 0, 0, 0, container, "server", "2.8.13", "Depends on subcommand.",
     "A container for latency diagnostics commands.", kLatencySub},
    {"monitor", 1, kOpsA | kCmdNoScript, 0, 0, 0, monitor, "server", "1.0.0", "",
     "Listens for all requests received by the server in real-time."},
};

}  // namespace

void register_ops_commands(CommandTable& t) {
  t.add(kOpsCommands);
}

}  // namespace postbox
