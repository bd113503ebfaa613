// Runs one client request: command lookup, arity and AUTH checks with Redis's error texts, the
// handler, then the clients blocked on keys the command made ready.
#pragma once

#include <span>
#include <string_view>

#include "engine/server_state.h"
#include "util/function_ref.h"

namespace postbox {

void dispatch(ServerState& server, Client& c, std::span<const std::string_view> args,
              int64_t now_ms);

// Runs one command queued by MULTI, inside EXEC (no queuing, no mid-transaction commit).
void execute_queued(ServerState& server, Client& c, std::span<const std::string_view> args,
                    int64_t now_ms);

// Estimated bytes a write may dirty, so the LMDB map can grow before it runs out of room.
size_t write_estimate(std::span<const std::string_view> args);

// Serves clients blocked on keys that writes made ready, oldest waiter first, in the open
// batch. Also used after timers and expiry, which can make keys ready without a command.
void serve_ready_keys(ServerState& server, int64_t now_ms);

// Ends a client's wait with `final_reply` (written into its reply buffer) and unblocks it.
void end_block(ServerState& server, Client& c, FunctionRef<void(Client&)> final_reply);

// Replies to a blocked client whose timeout passed (or CLIENT UNBLOCK ... TIMEOUT), and
// unblocks it.
void expire_blocked_client(ServerState& server, Client& c);

}  // namespace postbox
