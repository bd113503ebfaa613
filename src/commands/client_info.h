// The one-line description of a client that CLIENT LIST and CLIENT INFO print, in Redis's
// field order, so tools that parse it keep working.
#pragma once

#include <string>

#include "engine/client.h"

namespace postbox {

struct SubscriptionCounts {
  size_t channels = 0, patterns = 0, shard_channels = 0;
};
std::string describe_client(const Client& c, int64_t now_ms, const SubscriptionCounts& subs);
bool valid_client_name(std::string_view name);

}  // namespace postbox
