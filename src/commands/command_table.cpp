#include "commands/command_table.h"

#include <cctype>

namespace postbox {

CommandTable& CommandTable::instance() {
  static CommandTable table;
  return table;
}

CommandTable::CommandTable() {
  register_connection_commands(*this);
  register_client_commands(*this);
  register_server_commands(*this);
  register_introspection_commands(*this);
  register_keyspace_commands(*this);
  register_list_commands(*this);
  register_list_edit_commands(*this);
  register_list_move_commands(*this);
  register_pubsub_commands(*this);
  register_tx_commands(*this);
  register_stream_commands(*this);
  register_stream_read_commands(*this);
  register_stream_group_commands(*this);
  register_stream_info_commands(*this);
  register_queue_commands(*this);
  register_stream_ackdel_commands(*this);
  register_ops_commands(*this);
  register_persistence_commands(*this);
}

void CommandTable::add(std::span<const CommandSpec> specs) {
  for (const CommandSpec& s : specs) {
    by_name_[s.name] = &s;
    ordered_.push_back(&s);
  }
}

const CommandSpec* CommandTable::find(std::string_view name) const {
  if (name.size() > 64) return nullptr;
  scratch_.assign(name);
  for (char& c : scratch_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = by_name_.find(scratch_);
  return it == by_name_.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::find_sub(const CommandSpec& parent, std::string_view sub) {
  for (const CommandSpec& s : parent.subcommands) {
    std::string_view full(s.name);
    auto bar = full.find('|');
    std::string_view leaf = bar == std::string_view::npos ? full : full.substr(bar + 1);
    if (leaf.size() != sub.size()) continue;
    bool same = true;
    for (size_t i = 0; i < leaf.size() && same; ++i) {
      same = leaf[i] == std::tolower(static_cast<unsigned char>(sub[i]));
    }
    if (same) return &s;
  }
  return nullptr;
}

std::vector<std::string> flag_names(uint32_t flags) {
  static const std::pair<uint32_t, const char*> names[] = {{kCmdWrite, "write"},
                                                           {kCmdReadonly, "readonly"},
                                                           {kCmdDenyOom, "denyoom"},
                                                           {kCmdAdmin, "admin"},
                                                           {kCmdPubsub, "pubsub"},
                                                           {kCmdNoScript, "noscript"},
                                                           {kCmdBlocking, "blocking"},
                                                           {kCmdLoading, "loading"},
                                                           {kCmdStale, "stale"},
                                                           {kCmdSkipMonitor, "skip_monitor"},
                                                           {kCmdSkipSlowlog, "skip_slowlog"},
                                                           {kCmdFast, "fast"},
                                                           {kCmdNoAuth, "no_auth"},
                                                           {kCmdNoMulti, "no_multi"},
                                                           {kCmdAllowBusy, "allow_busy"}};
  std::vector<std::string> out;
  for (auto [bit, name] : names) {
    if (flags & bit) out.emplace_back(name);
  }
  return out;
}

std::vector<std::string> acl_categories(const CommandSpec& spec) {
  std::vector<std::string> out;
  if (!spec.subcommands.empty()) return {"@slow"};  // containers: categories live on subcommands
  std::string_view g(spec.group);
  if (g == "generic" || (spec.flags & kCmdCatKeyspace)) out.emplace_back("@keyspace");
  if (spec.flags & kCmdWrite) out.emplace_back("@write");
  if (spec.flags & kCmdReadonly) out.emplace_back("@read");
  if (g == "list") out.emplace_back("@list");
  if (g == "connection" || (spec.flags & kCmdCatConnection)) out.emplace_back("@connection");
  if (spec.flags & kCmdAdmin) out.emplace_back("@admin");
  if (spec.flags & (kCmdAdmin | kCmdDangerous)) out.emplace_back("@dangerous");
  if (spec.flags & kCmdPubsub) out.emplace_back("@pubsub");
  out.emplace_back((spec.flags & kCmdFast) ? "@fast" : "@slow");
  if (spec.flags & kCmdBlocking) out.emplace_back("@blocking");
  return out;
}

}  // namespace postbox
