#include <doctest/doctest.h>

#include <string>

#include "resp/request_parser.h"

using postbox::RequestParser;
using Outcome = RequestParser::Outcome;

namespace {

// Feeds `input` to a fresh parser in one piece.
Outcome parse_all(RequestParser& p, const std::string& input, RequestParser::Limits limits = {}) {
  p.reset();
  return p.parse(input, limits);
}

}  // namespace

TEST_CASE("a multibulk request yields its arguments and consumes exactly its bytes") {
  RequestParser p;
  std::string in = "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n";
  REQUIRE(parse_all(p, in) == Outcome::Complete);
  REQUIRE(p.args().size() == 2);
  CHECK(p.args()[0] == "ECHO");
  CHECK(p.args()[1] == "hello");
  CHECK(p.consumed() == 25);
}

TEST_CASE("a request split at every byte completes only at its last byte") {
  std::string in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n";
  RequestParser p;
  std::string buf;
  for (size_t i = 0; i < in.size(); ++i) {
    buf.push_back(in[i]);
    Outcome o = p.parse(buf, {});
    if (i + 1 < in.size()) {
      REQUIRE(o == Outcome::NeedMore);
    } else {
      REQUIRE(o == Outcome::Complete);
    }
  }
  CHECK(p.args()[2] == "0123456789");
}

TEST_CASE("bulk values may contain CR, LF and NUL bytes") {
  RequestParser p;
  std::string value("a\r\nb\0c", 6);
  std::string in = "*1\r\n$6\r\n" + value + "\r\n";
  REQUIRE(parse_all(p, in) == Outcome::Complete);
  CHECK(p.args()[0] == value);
}

TEST_CASE("inline requests split on spaces and honour quotes") {
  RequestParser p;
  REQUIRE(parse_all(p, "SET key \"a b\\n\" 'c d'\r\n") == Outcome::Complete);
  REQUIRE(p.args().size() == 4);
  CHECK(p.args()[2] == "a b\n");
  CHECK(p.args()[3] == "c d");
}

TEST_CASE("an inline request ending in a bare LF is accepted") {
  RequestParser p;
  REQUIRE(parse_all(p, "PING\n") == Outcome::Complete);
  CHECK(p.args()[0] == "PING");
  CHECK(p.consumed() == 5);
}

TEST_CASE("blank lines and empty multibulks are empty requests") {
  RequestParser p;
  REQUIRE(parse_all(p, "\r\n") == Outcome::Complete);
  CHECK(p.args().empty());
  REQUIRE(parse_all(p, "*0\r\n") == Outcome::Complete);
  CHECK(p.args().empty());
  REQUIRE(parse_all(p, "*-1\r\n") == Outcome::Complete);
  CHECK(p.args().empty());
}

TEST_CASE("protocol errors carry Redis's text") {
  RequestParser p;
  CHECK(parse_all(p, "*x\r\n") == Outcome::Error);
  CHECK(p.error() == "Protocol error: invalid multibulk length");
  CHECK(parse_all(p, "*1\r\n$x\r\n") == Outcome::Error);
  CHECK(p.error() == "Protocol error: invalid bulk length");
  CHECK(parse_all(p, "*1\r\n$-1\r\n") == Outcome::Error);
  CHECK(p.error() == "Protocol error: invalid bulk length");
  CHECK(parse_all(p, "*1\r\n:5\r\n") == Outcome::Error);
  CHECK(p.error() == "Protocol error: expected '$', got ':'");
  CHECK(parse_all(p, "SET \"a\r\n") == Outcome::Error);
  CHECK(p.error() == "Protocol error: unbalanced quotes in request");
  CHECK(parse_all(p, "*3000000000\r\n") == Outcome::Error);
  CHECK(p.error() == "Protocol error: invalid multibulk length");
}

TEST_CASE("a bulk longer than proto-max-bulk-len is refused before it is buffered") {
  RequestParser p;
  RequestParser::Limits limits;
  limits.max_bulk_len = 100;
  CHECK(parse_all(p, "*1\r\n$101\r\n", limits) == Outcome::Error);
  CHECK(p.error() == "Protocol error: invalid bulk length");
  CHECK(parse_all(p, "*1\r\n$100\r\n", limits) == Outcome::NeedMore);
  CHECK(p.pending_bulk_bytes() == 102);
}

TEST_CASE("unauthenticated clients get small request limits") {
  RequestParser p;
  RequestParser::Limits limits;
  limits.authenticated = false;
  CHECK(parse_all(p, "*11\r\n", limits) == Outcome::Error);
  CHECK(p.error() == "Protocol error: unauthenticated multibulk length");
  CHECK(parse_all(p, "*1\r\n$16385\r\n", limits) == Outcome::Error);
  CHECK(p.error() == "Protocol error: unauthenticated bulk length");
}

TEST_CASE("headers without a line end are bounded to 64 KB") {
  RequestParser p;
  std::string inline_req(70000, 'a');
  CHECK(parse_all(p, inline_req) == Outcome::Error);
  CHECK(p.error() == "Protocol error: too big inline request");
  std::string mbulk = "*" + std::string(70000, '1');
  CHECK(parse_all(p, mbulk) == Outcome::Error);
  CHECK(p.error() == "Protocol error: too big mbulk count string");
  std::string bulk = "*1\r\n$" + std::string(70000, '1');
  CHECK(parse_all(p, bulk) == Outcome::Error);
  CHECK(p.error() == "Protocol error: too big bulk count string");
}
