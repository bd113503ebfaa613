// Postbox's consumer group policy as the commands see it: the VISIBILITY / MAXDELIVERIES /
// DEADLETTER options XGROUP CREATE and XGROUP POLICY share, and XGROUP POLICY itself.
#pragma once

#include <optional>
#include <string>

#include "commands/context.h"
#include "store/stream_store.h"

namespace postbox {

struct PolicyArgs {
  std::optional<int64_t> visibility_ms;
  std::optional<int64_t> max_deliveries;
  std::optional<std::string> deadletter;
  bool any() const { return visibility_ms || max_deliveries || deadletter; }
};

enum class PolicyParse { NotPolicy, Parsed, Error };
// Reads one policy option at args[i] (and its value), advancing i past it.
PolicyParse parse_policy_option(CommandContext& ctx, size_t& i, PolicyArgs& out);
// Checks the options against the stream (DEADLETTER must be another key, a stream or absent)
// and applies them to `g` (not saved). Replies the error and returns false when they don't fit.
bool apply_policy(CommandContext& ctx, StreamStore& s, std::string_view stream_key,
                  const PolicyArgs& p, GroupRecord& g);

void xgroup_policy(CommandContext& ctx);

}  // namespace postbox
