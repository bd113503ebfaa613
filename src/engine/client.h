// A client session as the command layer sees it: selected db, protocol, name, auth, reply
// buffer and what it is blocked on. Transport details (sockets, libuv) stay in net/.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "resp/reply_builder.h"
#include "store/list_store.h"
#include "store/stream_id.h"
#include "util/byte_buffer.h"

namespace postbox {

enum class ReplyMode { On, Off, Skip };

// What a blocked client waits for and what to do when a key it watches gets data.
struct BlockState {
  // ListPop: BLPOP/BRPOP; ListMove: BLMOVE/BRPOPLPUSH into `target`; ListMPop: BLMPOP;
  // StreamRead: XREAD BLOCK; StreamReadGroup: XREADGROUP BLOCK.
  enum class Kind { None, ListPop, ListMove, ListMPop, StreamRead, StreamReadGroup };
  Kind kind = Kind::None;
  int db = 0;
  std::vector<std::string> keys;
  ListEnd end = ListEnd::Head;
  std::string target;
  ListEnd target_end = ListEnd::Head;
  int64_t count = 1;
  int64_t deadline_ms = 0;  // 0: wait forever
  // Streams: XREAD's last seen id per key (same order as `keys`), XREADGROUP's group and
  // consumer; `count` is COUNT (0: no limit).
  std::vector<StreamId> after;
  std::string group, consumer;
  bool noack = false;
  int64_t claim_idle = -1;  // XREADGROUP ... CLAIM min-idle-time; -1: not given

  bool on_stream() const { return kind == Kind::StreamRead || kind == Kind::StreamReadGroup; }
};

struct Client {
  uint64_t id = 0;
  void* owner = nullptr;  // the network layer's connection object
  int db = 0;
  int resp = 2;
  bool authenticated = false;
  std::string name, lib_name, lib_ver;
  std::string addr, laddr;
  int fd = -1;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command = "NULL";
  size_t query_bytes = 0, query_capacity = 0;  // kept up to date by the network layer
  ReplyMode reply_mode = ReplyMode::On;
  bool skip_this_reply = false;  // CLIENT REPLY SKIP applies to the next command only
  bool close_after_reply = false;
  bool closing = false;

  ByteBuffer out;
  ReplyBuilder reply{out};

  // Group commit bookkeeping: replies since the batch began, so a failed commit can replace
  // them with errors instead of acknowledging writes that never reached the disk.
  bool in_batch = false;
  size_t batch_mark = 0;
  uint32_t batch_replies = 0;

  BlockState block;
  bool blocked() const { return block.kind != BlockState::Kind::None; }

  // MULTI/EXEC state.
  bool in_multi = false;
  bool multi_aborted = false;  // a command failed to queue: EXEC answers EXECABORT
  bool watch_dirty = false;    // a WATCHed key changed: EXEC answers a null array
  bool in_exec = false;        // running queued commands: blocking commands must not block
  std::vector<std::vector<std::string>> queued;
  std::vector<std::pair<int, std::string>> watched;  // (db, key)

  // Channels, patterns and shard channels this client is subscribed to (maintained by the pub/sub
  // registry). Non-zero puts a RESP2 client in subscribed mode.
  size_t subscriptions = 0;
  bool monitor = false;  // MONITOR: sees every command the others run

  Client() = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
};

}  // namespace postbox
