// The blocking side of lists: serving clients blocked in BLPOP/BRPOP when a key gets data.
#pragma once

#include <string_view>

#include "engine/server_state.h"

namespace postbox {

// Pops for the waiters of (db, key), oldest first, while the list has elements.
void serve_list_waiters(ServerState& server, int db, std::string_view key, int64_t now_ms);

}  // namespace postbox
