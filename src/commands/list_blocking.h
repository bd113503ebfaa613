// The parts of the list family that blocked clients share with the commands: popping or moving
// an element on behalf of a client (the command's own or a waiter being served), blocking,
// serving waiters when a key gets data, and the reply when a wait times out.
#pragma once

#include <span>
#include <string_view>

#include "commands/context.h"
#include "engine/server_state.h"

namespace postbox {

// Pops one element from (db, key) and replies [key, element] to `c`. False when empty.
Result<bool> pop_to_client(ServerState& server, Client& c, int db, std::string_view key,
                           ListEnd end, int64_t now_ms);
// Moves one element from `src` to `dst` (same transaction) and replies it to `c`.
// False when src is empty. Checks dst's type before touching src, as Redis does.
Result<bool> move_to_client(ServerState& server, Client& c, int db, std::string_view src,
                            ListEnd from, std::string_view dst, ListEnd to, int64_t now_ms);
// Pops up to `count` elements and replies [key, [elements]]. False when empty.
Result<bool> mpop_to_client(ServerState& server, Client& c, int db, std::string_view key,
                            ListEnd end, int64_t count, int64_t now_ms);

// Blocks the command's client on `keys` with what ctx.client.block already says (kind,
// target, count) — or, inside EXEC where nothing may block, replies "nothing" at once.
void block_on_keys(CommandContext& ctx, BlockState::Kind kind,
                   std::span<const std::string_view> keys, ListEnd end, int64_t deadline_ms);

// Serves the waiters of (db, key), oldest first, while the list has elements.
void serve_list_waiters(ServerState& server, int db, std::string_view key, int64_t now_ms);

// What a blocked client receives when its timeout passes (or CLIENT UNBLOCK ... TIMEOUT).
void reply_block_timeout(Client& c);

// "LEFT"/"RIGHT" to a list end; false for anything else.
bool parse_list_end(std::string_view s, ListEnd& end);

}  // namespace postbox
