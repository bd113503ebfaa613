// XREAD / XREADGROUP reading on behalf of a client: the command's own call, or a blocked client
// being served because its stream got entries (or lost its key or group).
#pragma once

#include <string_view>

#include "engine/server_state.h"

namespace postbox {

// Serves the stream waiters of (db, key) in the order they blocked: XREAD waiters whose id is
// below the stream's last id, XREADGROUP waiters while their group has new entries, and errors
// for XREADGROUP waiters whose key or group is gone. Others stay blocked.
// With `data` false the key only changed otherwise (see ReadyKey): waiters that must give up
// are answered, nobody is served entries.
void serve_stream_waiters(ServerState& server, int db, std::string_view key, bool data,
                          int64_t now_ms);

}  // namespace postbox
