// Streams: reading and deleting entries without a group. XLEN, XRANGE and XREVRANGE (COUNT,
// incomplete and exclusive ids), XDEL and the non-blocking XREAD, with their argument errors.
// Diffed against redis-server 7.0. Blocking XREAD is in test_stream_groups_blocking.cpp.
#include <doctest/doctest.h>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"
#include "test_streams.h"

using namespace postbox::it;
using namespace postbox::it::streams;

TEST_SUITE("streams") {
  TEST_CASE("XLEN counts live entries and is 0 for a missing key") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XLEN", "s"},
        {"XADD", "s", "1-1", "f", "v"},
        {"XADD", "s", "1-2", "f", "v"},
        {"XLEN", "s"},
        {"XDEL", "s", "1-1"},
        {"XLEN", "s"},
        {"XLEN", "s", "extra"},
        {"XLEN"},
    });
  }

  TEST_CASE("XRANGE and XREVRANGE return entries in order with COUNT") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-1", "a", "1"},
        {"XADD", "s", "1-2", "b", "2"},
        {"XADD", "s", "2-0", "c", "3"},
        {"XADD", "s", "3-5", "d", "4"},
        {"XADD", "s", "5-0", "e", "5"},
        {"XADD", "s", "5-1", "f", "6"},
        {"XRANGE", "s", "-", "+"},
        {"XREVRANGE", "s", "+", "-"},
        {"XRANGE", "s", "-", "+", "COUNT", "2"},
        {"XREVRANGE", "s", "+", "-", "COUNT", "2"},
        {"XRANGE", "s", "-", "+", "count", "100"},
        {"XRANGE", "s", "-", "+", "COUNT", "0"},
        {"XRANGE", "s", "-", "+", "COUNT", "-1"},
        {"XREVRANGE", "s", "+", "-", "COUNT", "0"},
        {"XRANGE", "s", "-", "+", "COUNT", "1", "COUNT", "3"},  // the last COUNT wins
        {"XRANGE", "s", "1-2", "3-5"},
        {"XREVRANGE", "s", "3-5", "1-2"},
        {"XRANGE", "s", "2-0", "2-0"},
        {"XRANGE", "s", "2-1", "3-4"},  // nothing in between
        {"XRANGE", "s", "5-1", "1-1"},  // reversed bounds: empty
        {"XREVRANGE", "s", "1-1", "5-1"},
        {"XREVRANGE", "s", "-", "+"},
        {"XRANGE", "nokey", "-", "+"},
        {"XREVRANGE", "nokey", "+", "-"},
        {"XRANGE", "s", "0-0", "18446744073709551615-18446744073709551615"},
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XADD", "s", "2-1", "b", "2"});
    CHECK(c.cmd({"XRANGE", "s", "-", "+"}) ==
          array({entry("1-1", {"a", "1"}), entry("2-1", {"b", "2"})}));
    CHECK(c.cmd({"XREVRANGE", "s", "+", "-", "COUNT", "1"}) == array({entry("2-1", {"b", "2"})}));
    CHECK(c.cmd({"XRANGE", "nokey", "-", "+"}) == array({}));
    // COUNT 0 (or negative) on an existing stream is a null array, not an empty one.
    CHECK(c.cmd({"XRANGE", "s", "-", "+", "COUNT", "0"}) == nil_array());
    CHECK(c.cmd({"XREVRANGE", "s", "+", "-", "COUNT", "-1"}) == nil_array());
    CHECK(c.cmd({"XRANGE", "nokey", "-", "+", "COUNT", "0"}) == array({}));
  }

  TEST_CASE("Incomplete ids mean ms-0 as a start and ms-max as an end") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-0", "a", "1"},
        {"XADD", "s", "1-7", "b", "2"},
        {"XADD", "s", "5-0", "c", "3"},
        {"XADD", "s", "5-18446744073709551615", "d", "4"},
        {"XADD", "s", "6-0", "e", "5"},
        {"XRANGE", "s", "1", "1"},
        {"XRANGE", "s", "5", "5"},
        {"XRANGE", "s", "2", "5"},
        {"XRANGE", "s", "-", "1"},
        {"XRANGE", "s", "6", "+"},
        {"XREVRANGE", "s", "5", "5"},
        {"XREVRANGE", "s", "5", "1"},
        {"XREVRANGE", "s", "1", "-"},
        {"XRANGE", "s", "0", "0"},
        {"XRANGE", "s", "18446744073709551615", "+"},
    });
  }

  TEST_CASE("Exclusive ( bounds skip the bound itself and refuse impossible intervals") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-1", "a", "1"},
        {"XADD", "s", "1-2", "b", "2"},
        {"XADD", "s", "2-0", "c", "3"},
        {"XADD", "s", "5-0", "e", "5"},
        {"XADD", "s", "5-1", "f", "6"},
        {"XRANGE", "s", "(1-1", "+"},
        {"XRANGE", "s", "(1-1", "(5-1"},
        {"XRANGE", "s", "(1", "+"},  // after 1-0
        {"XRANGE", "s", "-", "(5"},  // before 5-max
        {"XRANGE", "s", "(2-0", "(2-0"},
        {"XRANGE", "s", "(1-2", "(5-0"},
        {"XREVRANGE", "s", "(5-1", "(1-1"},
        {"XREVRANGE", "s", "(5", "(1"},
        {"XREVRANGE", "s", "+", "(5-0", "COUNT", "1"},
        {"XRANGE", "s", "(0-0", "+"},
        {"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"},
        {"XRANGE", "s", "-", "(0-0"},
        {"XREVRANGE", "s", "(0-0", "-"},
        {"XREVRANGE", "s", "+", "(18446744073709551615-18446744073709551615"},
        {"XRANGE", "s", "(5-18446744073709551615", "+"},
        {"XRANGE", "s", "(-", "+"},
        {"XRANGE", "s", "-", "(+"},
        {"XREVRANGE", "s", "(+", "-"},
        {"XRANGE", "s", "((1-1", "+"},
        {"XRANGE", "s", "(", "+"},
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    CHECK(c.cmd({"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"}) ==
          error("ERR invalid start ID for the interval"));
    CHECK(c.cmd({"XRANGE", "s", "-", "(0-0"}) == error("ERR invalid end ID for the interval"));
    CHECK(c.cmd({"XRANGE", "s", "(-", "+"}) == error(kInvalidId));
    CHECK(c.cmd({"XRANGE", "s", "(1-1", "+"}) == array({}));
    CHECK(c.cmd({"XRANGE", "s", "(1-0", "(1-2"}) == array({entry("1-1", {"a", "1"})}));
  }

  TEST_CASE("XRANGE and XREVRANGE argument errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-1", "a", "1"},
        {"XRANGE", "s", "x", "+"},
        {"XRANGE", "s", "-", "1-x"},
        {"XRANGE", "s", "1-*", "+"},
        {"XRANGE", "s", "*", "+"},
        {"XRANGE", "s", "$", "+"},
        {"XRANGE", "s", "-", "+", "COUNT", "x"},
        {"XRANGE", "s", "-", "+", "COUNT", "1.5"},
        {"XRANGE", "s", "-", "+", "COUNT"},
        {"XRANGE", "s", "-", "+", "LIMIT", "1"},
        {"XRANGE", "s", "-", "+", "COUNT", "1", "extra"},
        {"XRANGE", "s", "-"},
        {"XRANGE", "s"},
        {"XREVRANGE", "s", "+", "x"},
        {"XREVRANGE", "s", "+", "-", "COUNT"},
        {"XREVRANGE", "s", "+", "-", "COUNT", "y"},
        {"XREVRANGE", "s", "+"},
        {"XRANGE", "nokey", "x", "+"},  // ids are checked before the key
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    CHECK(c.cmd({"XRANGE", "s", "x", "+"}) == error(kInvalidId));
    CHECK(c.cmd({"XRANGE", "s", "-", "+", "COUNT", "x"}) == error(kNotInt));
    CHECK(c.cmd({"XRANGE", "s", "-", "+", "COUNT"}) == error(kSyntax));
    CHECK(c.cmd({"XREVRANGE", "s", "+"}) ==
          error("ERR wrong number of arguments for 'xrevrange' command"));
  }

  TEST_CASE("XDEL removes existing ids, counts only those, and checks every id first") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XADD", "s", "1-1", "a", "1"},
            {"XADD", "s", "1-2", "b", "2"},
            {"XADD", "s", "2-0", "c", "3"},
            {"XADD", "s", "3-5", "d", "4"},
            {"XDEL", "s", "1-2", "9-9", "1-2"},  // duplicates count once
            {"XDEL", "s", "1-2"},
            {"XDEL", "s", "1"},         // 1 means 1-0
            {"XDEL", "s", "1-1", "x"},  // nothing deleted: the bad id is found first
            {"XLEN", "s"},
            {"XDEL", "s", "3-5"},  // the top entry: last-generated-id stays
            {"XINFO", "STREAM", "s"},
            {"XADD", "s", "3-5", "d", "4"},
            {"XADD", "s", "3-6", "d", "4"},
            {"XDEL", "s", "1-1", "2-0", "3-6"},
            {"XLEN", "s"},
            {"EXISTS", "s"},  // an emptied stream still exists
            {"XINFO", "STREAM", "s"},
            {"XRANGE", "s", "-", "+"},
            {"XDEL", "nokey", "1-1"},
            {"XDEL", "s", "-"},
            {"XDEL", "s", "+"},
            {"XDEL", "s", "*"},
            {"XDEL", "s"},
            {"XDEL"},
        },
        stream_norm);
  }

  TEST_CASE("XREAD returns entries after the given id from each stream with data") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-1", "a", "1"},
        {"XADD", "s", "2-1", "b", "2"},
        {"XADD", "t", "1-5", "x", "y"},
        {"XREAD", "STREAMS", "s", "0"},
        {"XREAD", "STREAMS", "s", "0-0"},
        {"XREAD", "STREAMS", "s", "1-1"},  // strictly after
        {"XREAD", "STREAMS", "s", "1"},    // 1 means 1-0
        {"XREAD", "COUNT", "1", "STREAMS", "s", "t", "0", "0"},
        {"XREAD", "STREAMS", "s", "t", "1-1", "1-5"},  // t has nothing new: left out
        {"XREAD", "STREAMS", "s", "t", "2-1", "1-5"},  // nothing at all: null array
        {"XREAD", "STREAMS", "nokey", "s", "0", "0"},
        {"XREAD", "STREAMS", "nokey", "0"},
        {"XREAD", "STREAMS", "s", "s", "0", "1-1"},  // a key may repeat
        {"XREAD", "COUNT", "0", "STREAMS", "s", "0"},
        {"XREAD", "COUNT", "-5", "STREAMS", "s", "0"},
        {"XREAD", "COUNT", "1", "COUNT", "2", "STREAMS", "s", "0"},
        {"xread", "count", "1", "streams", "s", "0"},
        {"XREAD", "STREAMS", "s", "18446744073709551615-18446744073709551615"},
        {"XREAD", "STREAMS", "s", "$"},  // $ without BLOCK: nothing newer than the top
        {"XREAD", "STREAMS", "s", "t", "$", "0"},
        {"XREAD", "STREAMS", "STREAMS", "0"},  // a key named STREAMS
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XADD", "t", "1-5", "x", "y"});
    CHECK(c.cmd({"XREAD", "STREAMS", "s", "t", "0", "0"}) ==
          array({array({bulk("s"), array({entry("1-1", {"a", "1"})})}),
                 array({bulk("t"), array({entry("1-5", {"x", "y"})})})}));
    CHECK(c.cmd({"XREAD", "STREAMS", "s", "1-1"}) == nil_array());
    CHECK(c.cmd({"XREAD", "STREAMS", "nokey", "0"}) == nil_array());
    CHECK(c.cmd({"XREAD", "STREAMS", "s", "$"}) == nil_array());
  }

  TEST_CASE("XREAD argument errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-1", "a", "1"},
        {"XREAD", "STREAMS", "s", "t", "0"},
        {"XREAD", "STREAMS", "s", "t", "u", "0", "0"},
        {"XREAD", "STREAMS", "s"},
        {"XREAD", "STREAMS"},
        {"XREAD"},
        {"XREAD", "s", "0"},
        {"XREAD", "COUNT", "1", "s", "0"},
        {"XREAD", "COUNT", "x", "STREAMS", "s", "0"},
        {"XREAD", "COUNT", "STREAMS", "s", "0"},
        {"XREAD", "COUNT", "1.5", "STREAMS", "s", "0"},
        {"XREAD", "BLOCK", "-1", "STREAMS", "s", "0"},
        {"XREAD", "BLOCK", "x", "STREAMS", "s", "0"},
        {"XREAD", "BLOCK", "1.5", "STREAMS", "s", "0"},
        {"XREAD", "NOACK", "STREAMS", "s", "0"},
        {"XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"},
        {"XREAD", "FOO", "STREAMS", "s", "0"},
        {"XREAD", "STREAMS", "s", ">"},
        {"XREAD", "STREAMS", "s", "(1-1"},
        {"XREAD", "STREAMS", "s", "1-*"},
        {"XREAD", "STREAMS", "s", "+"},
        {"XREAD", "STREAMS", "s", "-"},
        {"XREAD", "STREAMS", "s", "x"},
        {"XREAD", "STREAMS", "nokey", "x"},
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    CHECK(c.cmd({"XREAD", "STREAMS", "s", "t", "0"}) ==
          error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
                "specified."));
    CHECK(c.cmd({"XREAD", "STREAMS", "s", ">"}) ==
          error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
                "<group> <consumer> option."));
    CHECK(c.cmd({"XREAD", "NOACK", "STREAMS", "s", "0"}) ==
          error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
                "instead."));
    CHECK(c.cmd({"XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"}) ==
          error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
                "instead."));
    CHECK(c.cmd({"XREAD", "COUNT", "1", "s", "0"}) == error(kSyntax));
    CHECK(c.cmd({"XREAD", "BLOCK", "-1", "STREAMS", "s", "0"}) == error("ERR timeout is negative"));
    CHECK(c.cmd({"XREAD", "BLOCK", "x", "STREAMS", "s", "0"}) ==
          error("ERR timeout is not an integer or out of range"));
    CHECK(c.cmd({"XREAD", "STREAMS", "s"}) ==
          error("ERR wrong number of arguments for 'xread' command"));
  }
}
