// One TCP client: its socket, query buffer and parser, and the part of its reply buffer that
// may be sent. Replies are appended to client.out as commands run, but only the prefix up to
// `sendable` (set after the batch commit) goes out: a reply never leaves before its write is
// durable.
#pragma once

#include <uv.h>

#include "engine/client.h"
#include "resp/request_parser.h"
#include "util/byte_buffer.h"

namespace postbox {

class Server;

struct Connection {
  uv_tcp_t tcp;
  uv_timer_t block_timer;
  uv_write_t write_req;
  Server* server = nullptr;
  Client client;
  ByteBuffer query;
  RequestParser parser;
  ByteBuffer inflight;  // bytes handed to uv_write, kept alive until its callback
  size_t sendable = 0;  // bytes at the front of client.out that are committed
  bool writing = false;
  bool pending = false;  // in the server's list of connections with replies this batch
  bool reading = true;
  bool closed = false;
  int open_handles = 0;
  int64_t soft_limit_since_ms = 0;
};

}  // namespace postbox
