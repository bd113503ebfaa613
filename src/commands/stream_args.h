// What the stream commands share: id arguments with Redis's errors, XADD/XTRIM's trimming
// options, and the reply shape of an entry.
#pragma once

#include <cstddef>

#include "commands/context.h"
#include "store/stream_store.h"

namespace postbox {

namespace stream_err {
inline constexpr const char* kInvalidId =
    "ERR Invalid stream ID specified as stream command argument";
inline constexpr const char* kNoKeyGroupCreate =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
    "use the MKSTREAM option to create an empty stream automatically.";
}  // namespace stream_err

// Parses args[i] as an id; replies Redis's error and returns false when it is not one.
bool arg_stream_id(CommandContext& ctx, size_t i, uint64_t missing_seq, bool strict, StreamId& out);
// A range bound: "-", "+", an id, or "(" id for an exclusive bound (start moves up, end down).
bool arg_range_start(CommandContext& ctx, size_t i, StreamId& out);
bool arg_range_end(CommandContext& ctx, size_t i, StreamId& out);

struct StreamAddArgs {
  StreamId id;
  bool id_given = false;
  bool seq_given = true;
  bool no_mkstream = false;
  StreamTrim trim;
  // IDMP pid iid / IDMPAUTO pid (Redis 8.6).
  bool idmp = false, idmp_auto = false;
  std::string_view pid, iid;
};
// XADD's and XTRIM's options from args[2] on. For XADD returns the position of the id ("*" or
// explicit); for XTRIM the end of the arguments. -1 after replying an error.
long parse_add_or_trim(CommandContext& ctx, bool xadd, StreamAddArgs& out);

// Keeps the store's node emulation in step with CONFIG SET stream-node-max-*.
StreamStore& stream_store(CommandContext& ctx);

// [id, [field, value, ...]]; an entry deleted since it was delivered is [id, nil].
void reply_entry(ReplyBuilder& reply, const StreamId& id, EntryReader& r);
void reply_stream_id(ReplyBuilder& reply, const StreamId& id);
// XREADGROUP ... CLAIM's shape (Redis 8.4): [id, [field, value, ...], idle ms, deliveries before
// this one]; new entries carry 0 and 0.
void reply_entry_with(ReplyBuilder& reply, const StreamId& id, EntryReader& r, int64_t idle_ms,
                      uint64_t deliveries);
// A group's queue policy as four field/value pairs (visibility, max-deliveries, deadletter,
// dead-lettered), for XGROUP POLICY and XINFO GROUPS alike.
void reply_policy_fields(ReplyBuilder& reply, const StreamStore& s, const GroupRecord& g);

}  // namespace postbox
