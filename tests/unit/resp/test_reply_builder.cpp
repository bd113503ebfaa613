#include <doctest/doctest.h>

#include <string>

#include "resp/reply_builder.h"

using postbox::ByteBuffer;
using postbox::ReplyBuilder;

namespace {
std::string text(const ByteBuffer& b) {
  return std::string(b.view());
}
}  // namespace

TEST_CASE("RESP2 replies use Redis's wire forms") {
  ByteBuffer out;
  ReplyBuilder r(out);
  r.ok();
  r.integer(-42);
  r.bulk("hi");
  r.null();
  r.null_array();
  r.map(1);
  r.boolean(true);
  r.error("ERR bad\r\nthing");
  CHECK(text(out) == "+OK\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n-ERR bad  thing\r\n");
}

TEST_CASE("RESP3 replies use the typed forms") {
  ByteBuffer out;
  ReplyBuilder r(out);
  r.set_protocol(3);
  r.null();
  r.null_array();
  r.map(2);
  r.set(1);
  r.boolean(false);
  r.dbl(1.5);
  r.verbatim("abc");
  r.push(3);
  CHECK(text(out) == "_\r\n_\r\n%2\r\n~1\r\n#f\r\n,1.5\r\n=7\r\ntxt:abc\r\n>3\r\n");
}

TEST_CASE("byte buffers keep content across growth and consumption") {
  ByteBuffer b;
  std::string big(100000, 'x');
  b.append("head");
  b.append(big);
  b.consume(4);
  CHECK(b.size() == big.size());
  b.append("tail");
  CHECK(b.view().substr(b.size() - 4) == "tail");
}
