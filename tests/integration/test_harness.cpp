// Self-checks of the harness: the reply reader, and the reader against Redis's own RESP3 output.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <stdexcept>

#include "harness.h"

using namespace postbox::it;
using namespace std::literals;

namespace {

std::string fmt_index(int i) {
  return fmt::format("{:06d}", i);
}

// Feeds `bytes` one byte at a time and collects every complete reply.
std::vector<Reply> read_all(std::string_view bytes) {
  ReplyReader reader;
  std::vector<Reply> out;
  for (char ch : bytes) {
    reader.feed(std::string_view(&ch, 1));
    while (auto r = reader.next()) out.push_back(*r);
  }
  CHECK_FALSE(reader.has_buffered_bytes());
  return out;
}

std::string reprs(const std::vector<Reply>& replies) {
  std::string out;
  for (const auto& r : replies) out += r.repr() + "\n";
  return out;
}

}  // namespace

TEST_SUITE("harness") {
  TEST_CASE("The reply reader decodes every RESP2 type, fed one byte at a time") {
    auto got = read_all(
        "+OK\r\n-ERR bad\r\n:-42\r\n$3\r\na\0b\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
        "*2\r\n*1\r\n:1\r\n$1\r\nx\r\n"sv);
    CHECK(reprs(got) ==
          "+OK\n-ERR bad\n:-42\n\"a\\x00b\"\n\"\"\nnil\nnil-array\n[]\n[[:1], \"x\"]\n");
  }

  TEST_CASE("The reply reader decodes every RESP3 type") {
    auto got = read_all(
        "_\r\n,3.14\r\n#t\r\n#f\r\n(12345678901234567890\r\n=8\r\ntxt:hi\nx\r\n"
        "%2\r\n$1\r\nk\r\n:1\r\n$2\r\nk2\r\n~1\r\n:2\r\n~2\r\n:1\r\n:2\r\n>2\r\n$3\r\nmsg\r\n:7\r\n"
        "!9\r\nERR bulky\r\n|1\r\n$1\r\na\r\n:1\r\n"sv);
    CHECK(
        reprs(got) ==
        "null\n,3.14\n#t\n#f\n(12345678901234567890\n=txt:\"hi\\nx\"\n"
        "{\"k\" => :1, \"k2\" => ~{:2}}\n~{:1, :2}\n>[\"msg\", :7]\n-ERR bulky\n|{\"a\" => :1}\n");
    REQUIRE(got.size() == 11);
    CHECK(got[6].field("k2")->type == ReplyType::Set);
    CHECK(got[5].format == "txt");
  }

  TEST_CASE("The reply reader rejects malformed replies") {
    for (std::string_view bad :
         {"?x\r\n"sv, ":12a\r\n"sv, "$2\r\nabc\r\n"sv, "*-2\r\n"sv, "#x\r\n"sv, "\r\n"sv}) {
      ReplyReader reader;
      reader.feed(bad);
      CHECK_THROWS_AS(reader.next(), std::runtime_error);
    }
  }

  TEST_CASE("The reply reader keeps up with a large reply arriving in pieces") {
    std::string bytes = "*200000\r\n";
    for (int i = 0; i < 200000; ++i) bytes += "$6\r\n" + fmt_index(i) + "\r\n";
    ReplyReader reader;
    std::optional<Reply> done;
    for (size_t at = 0; at < bytes.size(); at += 1000) {
      reader.feed(std::string_view(bytes).substr(at, 1000));
      if (auto r = reader.next()) done = r;
    }
    REQUIRE(done.has_value());
    REQUIRE(done->elements.size() == 200000);
    CHECK(done->elements[123456] == bulk(fmt_index(123456)));
  }

  TEST_CASE("The reply reader agrees with Redis's DEBUG PROTOCOL output") {
    std::string redis = oracle_binary();
    if (redis.empty()) {
      MESSAGE("redis-server not installed: skipped");
      return;
    }
    Server oracle({"--enable-debug-command", "yes"}, redis);
    Client c = oracle.client();
    c.cmd({"HELLO", "3"});
    auto debug = [&](const char* type) { return c.cmd({"DEBUG", "PROTOCOL", type}).repr(); };
    CHECK(debug("string") == "\"Hello World\"");
    CHECK(debug("integer") == ":12345");
    CHECK(debug("double") == ",3.141");
    CHECK(debug("bignum") == "(1234567999999999999999999999999999999");
    CHECK(debug("null") == "null");
    CHECK(debug("array") == "[:0, :1, :2]");
    CHECK(debug("set") == "~{:0, :1, :2}");
    CHECK(debug("map") == "{:0 => #f, :1 => #t, :2 => #f}");
    CHECK(debug("true") == "#t");
    CHECK(debug("verbatim") == "=txt:\"This is a verbatim\\nstring\"");
    // Out-of-band values come back as values of their own, before the reply they precede.
    CHECK(debug("push") == ">[\"server-cpu-usage\", :42]");
    CHECK(c.read() == bulk("Some real reply following the push reply"));
    CHECK(debug("attrib") == "|{\"key-popularity\" => [\"key:123\", :90]}");
    CHECK(c.read() == bulk("Some real reply following the attribute"));
  }
}
