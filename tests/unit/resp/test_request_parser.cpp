#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

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

namespace {

// What a connection would see from `input` arriving in pieces cut at `cuts` (ascending offsets):
// every completed request (its arguments joined by '|'), then the error, or "more" when the
// bytes end inside a request. The loop is the server's: parse what is buffered, drop what a
// complete request consumed, reset, go on; read more only on NeedMore.
std::vector<std::string> replay(const std::string& input, const std::vector<size_t>& cuts,
                                RequestParser::Limits limits) {
  std::vector<std::string> seen;
  RequestParser p;
  std::string buf;
  size_t fed = 0, next_cut = 0;
  for (;;) {
    Outcome o = p.parse(buf, limits);
    if (o == Outcome::Error) {
      seen.push_back("error: " + p.error());
      return seen;
    }
    if (o == Outcome::Complete) {
      std::string joined = "request:";
      for (std::string_view a : p.args()) joined.append(a).push_back('|');
      seen.push_back(joined);
      REQUIRE(p.consumed() <= buf.size());
      buf.erase(0, p.consumed());
      p.reset();
      continue;
    }
    if (fed == input.size()) {
      if (!buf.empty()) seen.push_back("more");
      return seen;
    }
    size_t until = next_cut < cuts.size() ? cuts[next_cut++] : input.size();
    buf.append(input, fed, until - fed);
    fed = until;
  }
}

// Requests of every shape, some broken: valid multibulks (binary values included), inline
// commands with quotes and escapes, blank lines, and a few corrupted bytes.
std::string random_stream(std::mt19937& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::string out;
  for (size_t r = 0, n = 1 + pick(6); r < n; ++r) {
    switch (pick(5)) {
      case 0:
      case 1: {
        size_t argc = 1 + pick(4);
        out += "*" + std::to_string(argc) + "\r\n";
        for (size_t a = 0; a < argc; ++a) {
          std::string v(pick(40), 'x');
          for (char& ch : v) ch = static_cast<char>(rng());
          out += "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
        }
        break;
      }
      case 2:
        out += pick(2) ? "SET k \"a b\\x41\" 'c d'\r\n" : "PING\n";
        break;
      case 3:
        out += pick(2) ? "\r\n" : "*0\r\n";
        break;
      default: {
        const std::string_view heads[] = {"*",
                                          "$",
                                          "*-1\r\n",
                                          "*1\r\n$",
                                          "*2\r\n$3\r\nabc",
                                          ":",
                                          "\"",
                                          std::string_view("\0", 1)};
        out.append(heads[pick(std::size(heads))]);
        for (size_t i = 0, k = pick(12); i < k; ++i)
          out.push_back("0123456789\r\n-x\"' "[pick(18)]);
        break;
      }
    }
  }
  // Now and then a byte anywhere is overwritten.
  if (!out.empty() && pick(3) == 0) out[pick(out.size())] = static_cast<char>(rng());
  return out;
}

}  // namespace

TEST_CASE("a request stream cut into random pieces parses as it does whole, errors included") {
  std::mt19937 rng(20261206);
  RequestParser::Limits limits;
  limits.max_bulk_len = 1 << 20;
  size_t errors = 0, completes = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string input = random_stream(rng);
    std::vector<std::string> whole = replay(input, {}, limits);
    std::vector<size_t> cuts;
    for (size_t i = 1; i < input.size(); ++i)
      if (rng() % 4 == 0) cuts.push_back(i);
    CAPTURE(round);
    CHECK(replay(input, cuts, limits) == whole);
    // Byte by byte too: the hardest split there is.
    std::vector<size_t> every(input.size() > 0 ? input.size() - 1 : 0);
    for (size_t i = 0; i < every.size(); ++i) every[i] = i + 1;
    CHECK(replay(input, every, limits) == whole);
    errors += !whole.empty() && whole.back().starts_with("error");
    completes += whole.size();
  }
  // The generator must exercise both paths for the test to mean anything.
  CHECK(errors > 100);
  CHECK(completes > 3000);
}
