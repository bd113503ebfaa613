// What a command handler gets, and the argument parsing every family shares (integers,
// timeouts, option words), so each Redis error text is written once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "commands/command_table.h"
#include "engine/server_state.h"
#include "resp/reply_builder.h"
#include "util/strconv.h"
#include "util/text.h"

namespace postbox {

struct CommandContext {
  ServerState& server;
  Client& client;
  ReplyBuilder& reply;
  std::span<const std::string_view> args;
  const CommandSpec& spec;
  int64_t now_ms;

  Store& store() { return server.store; }
  int db() const { return client.db; }
  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }
  // Replies with the store's error when `s` failed; returns whether it did.
  bool failed(const Status& s) {
    if (s) return false;
    reply.error(s.message());
    return true;
  }
};

// Replies "value is not an integer or out of range" on failure.
std::optional<int64_t> arg_int64(CommandContext& ctx, size_t i);
// Seconds with decimals ("0.1"), as BLPOP takes them: returns the deadline in ms (0: forever)
// or replies with Redis's timeout error.
std::optional<int64_t> arg_timeout_deadline(CommandContext& ctx, size_t i);
// Replies to a HELP subcommand: one status line per entry, as Redis does.
void reply_help(ReplyBuilder& reply, std::span<const char* const> lines);

}  // namespace postbox
