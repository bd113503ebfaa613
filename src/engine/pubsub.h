// Pub/sub: which clients listen to which channels and patterns, and delivery of PUBLISH.
// Messages are not persisted, as in Redis.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/client.h"

namespace postbox {

class PubSubRegistry {
 public:
  // Drops every subscription of `c` without replying (disconnect, RESET).
  void remove_client(Client& c);
  size_t channel_count() const;
  size_t pattern_count() const;
};

}  // namespace postbox
