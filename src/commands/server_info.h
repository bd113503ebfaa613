// INFO: Redis's sections and field names, filled with what Postbox actually measures.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "engine/server_state.h"

namespace postbox {

// Clients feature-detect by redis_version (Sidekiq needs >= 6.2); we speak 7.0's protocol.
inline constexpr const char* kRedisCompatVersion = "7.0.15";
inline constexpr const char* kPostboxVersion = "0.1.0";

// `sections` are INFO's arguments (empty: the default set).
std::string build_info(ServerState& server, std::span<const std::string_view> sections,
                       int64_t now_ms);

}  // namespace postbox
