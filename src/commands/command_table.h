// Every command is declared once, as a CommandSpec row in its family file: name, arity, flags,
// key positions and documentation. Dispatch, arity errors, AUTH gating, COMMAND INFO/DOCS/LIST
// and (later) MULTI queuing all read the same row.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/server_state.h"

namespace postbox {

struct CommandContext;
using CommandHandler = void (*)(CommandContext&);

enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadonly = 1u << 1,
  kCmdFast = 1u << 2,
  kCmdBlocking = 1u << 3,
  kCmdNoAuth = 1u << 4,  // allowed before AUTH (AUTH, HELLO, QUIT...)
  kCmdAdmin = 1u << 5,
  kCmdPubsub = 1u << 6,
  kCmdDenyOom = 1u << 7,
  kCmdLoading = 1u << 8,
  kCmdStale = 1u << 9,
  kCmdNoScript = 1u << 10,
  kCmdNoMulti = 1u << 11,
  kCmdAllowBusy = 1u << 12,
  kCmdSkipMonitor = 1u << 13,
  kCmdSkipSlowlog = 1u << 14,
  // ACL categories that neither the group nor the flags above imply.
  kCmdDangerous = 1u << 15,
  kCmdCatKeyspace = 1u << 16,
  kCmdCatConnection = 1u << 17,
  kCmdSubscribedOk = 1u << 18,  // allowed in RESP2 subscribed mode
  kCmdTxControl = 1u << 19,     // runs at once inside MULTI (EXEC, DISCARD, WATCH...)
  kCmdPushReplies = 1u << 20,   // replies are pushes, sent even under CLIENT REPLY OFF/SKIP
};

struct CommandSpec {
  const char* name;  // lowercase
  int arity;         // Redis convention: negative means "at least -arity"
  uint32_t flags;
  int first_key, last_key, key_step;
  CommandHandler handler;
  const char* group;  // "list", "keyspace", "connection", "server", ...
  const char* since;
  const char* complexity;
  const char* summary;
  std::span<const CommandSpec> subcommands = {};
};

class CommandTable {
 public:
  static CommandTable& instance();

  void add(std::span<const CommandSpec> specs);
  // Case-insensitive lookup; nullptr when unknown.
  const CommandSpec* find(std::string_view name) const;
  static const CommandSpec* find_sub(const CommandSpec& parent, std::string_view sub);
  const std::vector<const CommandSpec*>& all() const { return ordered_; }

 private:
  CommandTable();
  std::unordered_map<std::string, const CommandSpec*> by_name_;
  std::vector<const CommandSpec*> ordered_;
  mutable std::string scratch_;
};

// Family registration, one per commands/ file.
void register_connection_commands(CommandTable& t);
void register_client_commands(CommandTable& t);
void register_server_commands(CommandTable& t);
void register_introspection_commands(CommandTable& t);
void register_keyspace_commands(CommandTable& t);
void register_list_commands(CommandTable& t);
void register_list_edit_commands(CommandTable& t);
void register_list_move_commands(CommandTable& t);
void register_pubsub_commands(CommandTable& t);
void register_tx_commands(CommandTable& t);
void register_stream_commands(CommandTable& t);
void register_stream_read_commands(CommandTable& t);
void register_stream_group_commands(CommandTable& t);
void register_stream_info_commands(CommandTable& t);
void register_queue_commands(CommandTable& t);
void register_stream_ackdel_commands(CommandTable& t);
void register_ops_commands(CommandTable& t);
void register_persistence_commands(CommandTable& t);

// ACL categories Redis would show for a command, derived from its group and flags.
std::vector<std::string> acl_categories(const CommandSpec& spec);
std::vector<std::string> flag_names(uint32_t flags);

}  // namespace postbox
