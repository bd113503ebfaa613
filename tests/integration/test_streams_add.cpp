// Streams: XADD itself. Explicit, ms-* and * ids against the top id, malformed ids and field
// lists, fields and values kept as given, NOMKSTREAM. Diffed against redis-server 7.0, with the
// error texts also pinned by hand. Trimming on XADD is in test_streams_xtrim.cpp.
#include <doctest/doctest.h>

#include <string>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"
#include "test_streams.h"

using namespace postbox::it;
using namespace postbox::it::streams;

namespace {

const char* kZeroId = "ERR The ID specified in XADD must be greater than 0-0";

}  // namespace

TEST_SUITE("streams") {
  TEST_CASE("XADD with explicit ids appends in order and refuses ids not above the top id") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-1", "a", "1"},
        {"XADD", "s", "1-1", "a", "1"},  // equal to the top id
        {"XADD", "s", "1-0", "a", "1"},  // smaller
        {"XADD", "s", "0-0", "a", "1"},  // 0-0 has its own error, even on a non-empty stream
        {"XADD", "t", "0-0", "a", "1"},
        {"XADD", "t", "0", "a", "1"},
        {"EXISTS", "t"},
        {"XADD", "t", "0-1", "a", "1"},
        {"XADD", "s", "1-2", "b", "2"},
        {"XADD", "s", "2", "c", "3"},  // incomplete: seq 0
        {"XADD", "s", "2", "c", "3"},
        {"XADD", "s", "3-0", "d", "4"},
        {"XADD", "s", "18446744073709551615-18446744073709551614", "e", "5"},
        {"XADD", "s", "18446744073709551615-18446744073709551615", "e", "6"},
        {"XADD", "s", "18446744073709551615-18446744073709551615", "e", "7"},
        {"XADD", "s", "18446744073709551615-*", "e", "8"},
        {"XADD", "s", "*", "e", "9"},  // the last possible id was used
        {"XLEN", "s"},
        {"XRANGE", "s", "-", "+"},
    });
  }

  TEST_CASE("XADD ms-* picks the next sequence number for that millisecond") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "0-*", "a", "1"},  // 0-0 is not allowed: 0-1
        {"XADD", "s", "0-*", "a", "2"},
        {"XADD", "s", "5-*", "a", "3"},  // a later millisecond starts at 0
        {"XADD", "s", "5-*", "a", "4"},
        {"XADD", "s", "4-*", "a", "5"},  // an earlier millisecond
        {"XADD", "s", "5-18446744073709551615", "a", "6"},
        {"XADD", "s", "5-*", "a", "7"},  // no sequence left in that millisecond
        {"XADD", "s", "6-*", "a", "8"},
        {"XADD", "s", "6-x", "a", "9"},
        {"XADD", "s", "*-1", "a", "9"},
        {"XADD", "s", "*-*", "a", "9"},
        {"XADD", "s", "-*", "a", "9"},
        {"XRANGE", "s", "-", "+"},
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    CHECK(c.cmd({"XADD", "s", "5-18446744073709551615", "a", "1"}) ==
          bulk("5-18446744073709551615"));
    CHECK(c.cmd({"XADD", "s", "5-*", "a", "2"}) ==
          error("ERR Elements are too large to be stored"));
    CHECK(c.cmd({"XADD", "s", "4-*", "a", "2"}) == error(kNotGreater));
  }

  TEST_CASE("XADD * takes the current time, or the top id's time plus one sequence") {
    Server s;
    Client c = s.client();
    long long before = now_ms();
    Reply id = c.cmd({"XADD", "s", "*", "f", "v"});
    long long after = now_ms();
    REQUIRE(id.type == ReplyType::String);
    size_t dash = id.str.find('-');
    REQUIRE(dash != std::string::npos);
    long long ms = std::stoll(id.str.substr(0, dash));
    CHECK(ms >= before - 5);
    CHECK(ms <= after + 5);
    CHECK(id.str.substr(dash + 1) == "0");
    // With the top id in the future, * keeps its millisecond and increments the sequence.
    CHECK(c.cmd({"XADD", "s", "99999999999999-5", "f", "v"}) == bulk("99999999999999-5"));
    CHECK(c.cmd({"XADD", "s", "*", "f", "v"}) == bulk("99999999999999-6"));
    CHECK(c.cmd({"XADD", "s", "*", "f", "v"}) == bulk("99999999999999-7"));
    CHECK(c.cmd({"XLEN", "s"}) == integer(4));
    CHECK(c.cmd({"XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"}) ==
          bulk("18446744073709551615-18446744073709551615"));
    CHECK(c.cmd({"XADD", "s", "*", "f", "v"}) ==
          error("ERR The stream has exhausted the last possible ID, unable to add more items"));
  }

  TEST_CASE("XADD refuses malformed ids and field lists with Redis's errors") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-1", "f", "v"},
        {"XADD", "s", "abc", "f", "v"},
        {"XADD", "s", "", "f", "v"},
        {"XADD", "s", "2-", "f", "v"},
        {"XADD", "s", "-2", "f", "v"},
        {"XADD", "s", "2-x", "f", "v"},
        {"XADD", "s", "2-1-1", "f", "v"},
        {"XADD", "s", "0x1A", "f", "v"},
        {"XADD", "s", "2.5", "f", "v"},
        {"XADD", "s", "18446744073709551616-0", "f", "v"},  // ms overflows 64 bits
        {"XADD", "s", "2-18446744073709551616", "f", "v"},
        {"XADD", "s", "-", "f", "v"},
        {"XADD", "s", "+", "f", "v"},
        {"XADD", "s", "$", "f", "v"},
        {"XADD", "s", "*", "f"},
        {"XADD", "s", "*", "f", "v", "g"},
        {"XADD", "s", "*"},
        {"XADD", "s"},
        {"XADD"},
        {"XADD", "s", "MAXLEN"},
        {"XADD", "s", "MAXLEN", "~"},
        {"XLEN", "s"},
        {"XRANGE", "s", "-", "+"},
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    CHECK(c.cmd({"XADD", "s", "1-1", "f", "v"}) == bulk("1-1"));
    CHECK(c.cmd({"XADD", "s", "abc", "f", "v"}) == error(kInvalidId));
    CHECK(c.cmd({"XADD", "s", "1-1", "f", "v"}) == error(kNotGreater));
    CHECK(c.cmd({"XADD", "s", "0-0", "f", "v"}) == error(kZeroId));
    CHECK(c.cmd({"XADD", "s", "*", "f"}) ==
          error("ERR wrong number of arguments for 'xadd' command"));
  }

  TEST_CASE("XADD keeps duplicate, empty and binary fields and values in order") {
    Differential d;
    REQUIRE_ORACLE(d);
    const std::string binary("a\0b\r\nc", 6);
    d.expect_same({
        {"XADD", "s", "1-1", "a", "b", "c", "d", "a", "e"},
        {"XADD", "s", "2-1", "", ""},
        {"XADD", "s", "3-1", binary, binary},
        {"XADD", "s", "4-1", "a", "b", "c", "d", "a", "e"},
        {"XRANGE", "s", "-", "+"},
        {"XREVRANGE", "s", "+", "-"},
        {"XLEN", "s"},
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "b", "c", "d", "a", "e"});
    c.cmd({"XADD", "s", "2-1", binary, ""});
    CHECK(c.cmd({"XRANGE", "s", "-", "+"}) ==
          array({entry("1-1", {"a", "b", "c", "d", "a", "e"}), entry("2-1", {binary, ""})}));
  }

  TEST_CASE("XADD NOMKSTREAM answers nil for a missing key and creates nothing") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XADD", "s", "NOMKSTREAM", "1-1", "f", "v"},
            {"XADD", "s", "NOMKSTREAM", "*", "f", "v"},
            {"XADD", "s", "nomkstream", "MAXLEN", "5", "1-1", "f", "v"},
            {"EXISTS", "s"},
            {"TYPE", "s"},
            {"XADD", "s", "1-1", "f", "v"},
            {"XADD", "s", "NOMKSTREAM", "2-1", "f", "v"},
            {"XADD", "s", "NOMKSTREAM", "NOMKSTREAM", "3-1", "f", "v"},
            {"XADD", "s", "MAXLEN", "1", "NOMKSTREAM", "4-1", "f", "v"},
            {"XRANGE", "s", "-", "+"},
            {"HELLO", "3"},
            {"XADD", "other", "NOMKSTREAM", "1-1", "f", "v"},
            {"EXISTS", "other"},
        },
        stream_norm);
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    CHECK(c.cmd({"XADD", "s", "NOMKSTREAM", "1-1", "f", "v"}) == nil());
    CHECK(c.cmd({"EXISTS", "s"}) == integer(0));
  }
}
