// Writes replies straight into a connection's output buffer, in RESP2 or RESP3. Commands say
// what they reply (an array, a map, a null) and the builder picks the wire form, so no command
// carries protocol branches of its own.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/byte_buffer.h"

namespace postbox {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(ByteBuffer& out) : out_(&out) {}

  void set_protocol(int version) { resp3_ = version == 3; }
  bool resp3() const { return resp3_; }
  ByteBuffer& buffer() { return *out_; }

  void ok() { raw("+OK\r\n"); }
  void simple(std::string_view s);
  // `message` is the whole error line without '-', e.g. "ERR syntax error".
  void error(std::string_view message);
  void integer(int64_t v) { prefixed(':', v); }
  void bulk(std::string_view s);
  void bulk_int(int64_t v);  // an integer sent as a bulk string, as Redis does for some replies
  void null();               // a missing value: $-1 in RESP2
  void null_array();         // a missing aggregate (BLPOP timeout): *-1 in RESP2
  void array(size_t n) { prefixed('*', static_cast<int64_t>(n)); }
  void map(size_t pairs);
  void set(size_t n) { prefixed(resp3_ ? '~' : '*', static_cast<int64_t>(n)); }
  void push(size_t n) { prefixed(resp3_ ? '>' : '*', static_cast<int64_t>(n)); }
  void boolean(bool b);
  void dbl(double d);
  void verbatim(std::string_view text);  // "=" txt in RESP3, a bulk string in RESP2
  void raw(std::string_view bytes) { out_->append(bytes); }

  // Deferred aggregates, for replies whose length is known only after the elements: take a
  // mark, write the elements, then put the header at the mark.
  size_t mark() const { return out_->size(); }
  void array_at(size_t mark, size_t n) { header_at(mark, '*', n); }
  void map_at(size_t mark, size_t pairs) {
    resp3_ ? header_at(mark, '%', pairs) : header_at(mark, '*', pairs * 2);
  }

 private:
  void prefixed(char type, int64_t v);
  void header_at(size_t mark, char type, size_t n);

  ByteBuffer* out_;
  bool resp3_ = false;
};

}  // namespace postbox
