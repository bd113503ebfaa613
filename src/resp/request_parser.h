// Incremental parser for client requests: RESP multibulk ("*2\r\n$4\r\nPING\r\n...") and inline
// commands ("PING\r\n"). Pure: it reads bytes, never does I/O. A request may arrive in any number
// of pieces; the parser keeps offsets (not pointers) so the caller may grow or move its buffer
// between calls as long as it leaves the unconsumed bytes in place.
//
// Limits and error texts follow Redis 7.0 (processMultibulkBuffer / processInlineBuffer); after
// an error the caller replies "-ERR <error()>" and closes the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postbox {

class RequestParser {
 public:
  enum class Outcome { NeedMore, Complete, Error };
  struct Limits {
    int64_t max_bulk_len = 512LL << 20;
    bool authenticated = true;  // unauthenticated clients get much smaller limits, as in Redis
  };
  static constexpr size_t kInlineMax = 64 * 1024;

  // Parses from the start of `buf`, resuming where the previous NeedMore stopped.
  // On Complete, args() are valid until buf changes, and consumed() bytes belong to this
  // request (an empty request, like a blank line, completes with no args).
  Outcome parse(std::string_view buf, const Limits& limits);
  const std::vector<std::string_view>& args() const { return args_; }
  size_t consumed() const { return consumed_; }
  const std::string& error() const { return error_; }
  // Bytes still needed to finish the bulk being read, to size the read buffer for huge values.
  size_t pending_bulk_bytes() const;
  void reset();

 private:
  Outcome parse_inline(std::string_view buf);
  Outcome parse_multibulk(std::string_view buf, const Limits& limits);
  Outcome fail(std::string message);

  enum class Mode { Unknown, Inline, Multibulk };
  Mode mode_ = Mode::Unknown;
  size_t pos_ = 0;          // offset of the next unparsed byte of this request
  int64_t multibulk_ = -1;  // argument count, -1 until its header is read
  int64_t bulk_len_ = -1;   // length of the bulk being read, -1 until its header is read
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) of each argument
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;  // inline arguments own their bytes (quotes, escapes)
  size_t consumed_ = 0;
  std::string error_;
};

}  // namespace postbox
