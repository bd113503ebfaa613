// Streams without consumer groups: XADD (ids, NOMKSTREAM, MAXLEN/MINID trimming, exact and
// approximate), XLEN, XRANGE/XREVRANGE, XDEL, XTRIM, XREAD (non-blocking), XSETID, XINFO STREAM,
// TYPE/WRONGTYPE and RESP3 reply shapes. Nearly everything is diffed against redis-server 7.0;
// error texts are also pinned by hand. Groups and blocking reads are in test_stream_groups.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"

using namespace postbox::it;

namespace {

const char* kInvalidId = "ERR Invalid stream ID specified as stream command argument";
const char* kNotGreater =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
const char* kZeroId = "ERR The ID specified in XADD must be greater than 0-0";
const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
const char* kNotInt = "ERR value is not an integer or out of range";
const char* kSyntax = "ERR syntax error";

Cmd xadd(const std::string& key, const std::string& id, const std::string& field = "f",
         const std::string& value = "v") {
  return {"XADD", key, id, field, value};
}

// XADD key <ms>-1 f v for ms in [from, to].
std::vector<Cmd> fill(const std::string& key, int from, int to) {
  std::vector<Cmd> out;
  for (int i = from; i <= to; ++i) out.push_back(xadd(key, std::to_string(i) + "-1"));
  return out;
}

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

  TEST_CASE("XADD with MAXLEN or MINID trims exactly by default or with =") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::vector<Cmd> seq = fill("s", 1, 5);
    std::vector<Cmd> more = {
        {"XADD", "s", "MAXLEN", "3", "6-1", "f", "v"},
        {"XLEN", "s"},
        {"XRANGE", "s", "-", "+"},
        {"XADD", "s", "maxlen", "=", "2", "7-1", "f", "v"},
        {"XRANGE", "s", "-", "+"},
        {"XADD", "s", "MINID", "7", "8-1", "f", "v"},  // 6-1 goes, 7-1 stays
        {"XRANGE", "s", "-", "+"},
        {"XADD", "s", "MINID", "=", "8-1", "9-1", "f", "v"},
        {"XRANGE", "s", "-", "+"},
        {"XADD", "s", "MINID", "100", "10-1", "f", "v"},  // trims the new entry too
        {"XLEN", "s"},
        {"EXISTS", "s"},
        {"XADD", "s", "MAXLEN", "0", "11-1", "f", "v"},
        {"XLEN", "s"},
        {"XADD", "new", "MAXLEN", "0", "1-1", "f", "v"},  // creates an empty stream
        {"EXISTS", "new"},
        {"XLEN", "new"},
        {"XADD", "new2", "MINID", "5", "1-1", "f", "v"},
        {"XLEN", "new2"},
        {"XADD", "s", "MAXLEN", "9223372036854775807", "12-1", "f", "v"},
        {"XLEN", "s"},
        {"XINFO", "STREAM", "s"},
        {"XINFO", "STREAM", "new"},
    };
    seq.insert(seq.end(), more.begin(), more.end());
    d.expect_same(seq, stream_norm);
  }

  TEST_CASE("XADD and XTRIM option errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"XADD", "s", "1-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "-1", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "x", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "18446744073709551616", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "~", "x", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "=", "x", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "1", "LIMIT", "5", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "=", "1", "LIMIT", "5", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "~", "1", "LIMIT", "x", "2-1", "f", "v"},
        {"XADD", "s", "LIMIT", "5", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "2", "MINID", "3", "2-1", "f", "v"},
        {"XADD", "s", "MAXLEN", "5", "MAXLEN", "1", "2-1", "f", "v"},
        {"XADD", "s", "MINID", "x", "2-1", "f", "v"},
        {"XADD", "s", "MINID", "-1", "2-1", "f", "v"},
        {"XADD", "s", "MINID", "5-*", "2-1", "f", "v"},
        {"XADD", "s", "MINID", "~", "1", "LIMIT", "0", "2-1", "f", "v"},
        {"XADD", "s", "LIMIT", "5", "MAXLEN", "~", "1", "3-1", "f", "v"},
        {"XLEN", "s"},
        {"XTRIM", "s", "MAXLEN", "-1"},
        {"XTRIM", "s", "MAXLEN", "x"},
        {"XTRIM", "s", "MAXLEN", "~"},
        {"XTRIM", "s", "MAXLEN", "=", "x"},
        {"XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"},
        {"XTRIM", "s", "MINID", "1", "LIMIT", "1"},
        {"XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "x"},
        {"XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "-1"},
        {"XTRIM", "s", "MAXLEN", "~", "1", "LIMIT"},
        {"XTRIM", "s", "MAXLEN", "1", "MINID", "1"},
        {"XTRIM", "s", "MINID", "x"},
        {"XTRIM", "s", "FOO", "1"},
        {"XTRIM", "s", "MAXLEN", "1", "FOO"},
        {"XTRIM", "s", "MAXLEN", "1", "1"},
        {"XTRIM", "s", "MAXLEN"},
        {"XTRIM", "s"},
        {"XTRIM", "s", "MAXLEN", "~", "1", "LIMIT", "1", "LIMIT", "2"},
        {"XLEN", "s"},
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "f", "v"});
    CHECK(c.cmd({"XADD", "s", "MAXLEN", "-1", "2-1", "f", "v"}) ==
          error("ERR The MAXLEN argument must be >= 0."));
    CHECK(c.cmd({"XADD", "s", "MAXLEN", "x", "2-1", "f", "v"}) == error(kNotInt));
    CHECK(c.cmd({"XADD", "s", "MAXLEN", "1", "LIMIT", "5", "2-1", "f", "v"}) ==
          error("ERR syntax error, LIMIT cannot be used without the special ~ option"));
    CHECK(c.cmd({"XADD", "s", "LIMIT", "5", "2-1", "f", "v"}) ==
          error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    CHECK(c.cmd({"XADD", "s", "MINID", "~", "1", "LIMIT", "-1", "2-1", "f", "v"}) ==
          error("ERR The LIMIT argument must be >= 0."));
    CHECK(c.cmd({"XADD", "s", "MAXLEN", "2", "MINID", "3", "2-1", "f", "v"}) ==
          error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"));
    CHECK(c.cmd({"XADD", "s", "MINID", "x", "2-1", "f", "v"}) == error(kInvalidId));
    CHECK(c.cmd({"XTRIM", "s", "FOO", "1"}) == error(kSyntax));
    CHECK(c.cmd({"XTRIM", "s", "MAXLEN"}) ==
          error("ERR wrong number of arguments for 'xtrim' command"));
    CHECK(c.cmd({"XLEN", "s"}) == integer(1));
  }

  TEST_CASE("XTRIM MAXLEN and MINID trim exactly and return how many entries went") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::vector<Cmd> seq = fill("s", 1, 8);
    std::vector<Cmd> more = {
        {"XTRIM", "s", "MAXLEN", "6"},
        {"XTRIM", "s", "MAXLEN", "=", "5"},
        {"XTRIM", "s", "MAXLEN", "10"},
        {"XRANGE", "s", "-", "+"},
        {"XTRIM", "s", "MINID", "5"},  // 5 means 5-0: 4-1 goes, 5-1 stays
        {"XTRIM", "s", "MINID", "=", "5-2"},
        {"XTRIM", "s", "minid", "6-1"},  // an exact id is kept
        {"XRANGE", "s", "-", "+"},
        {"XTRIM", "s", "MINID", "0"},
        {"XTRIM", "nokey", "MAXLEN", "0"},
        {"EXISTS", "nokey"},
        {"XTRIM", "s", "MAXLEN", "0"},
        {"XLEN", "s"},
        {"EXISTS", "s"},  // an empty stream stays
        {"TYPE", "s"},
        {"XTRIM", "s", "MAXLEN", "0"},
        {"XINFO", "STREAM", "s"},  // trimming leaves max-deleted-entry-id at 0-0
        {"XADD", "s", "8-1", "f", "v"},
        {"XADD", "s", "9-1", "f", "v"},
        {"XRANGE", "s", "-", "+"},
    };
    seq.insert(seq.end(), more.begin(), more.end());
    d.expect_same(seq, stream_norm);
  }

  TEST_CASE("Approximate trimming with ~ only removes whole nodes of 100 entries") {
    Differential d;
    REQUIRE_ORACLE(d);
    // Redis keeps a stream in listpack nodes of at most stream-node-max-entries (100) entries
    // and `~` only drops nodes that can go entirely.
    std::vector<Cmd> seq = fill("s", 1, 250);
    std::vector<Cmd> more = {
        {"XTRIM", "s", "MAXLEN", "~", "200"},  // removing the first node would leave 150
        {"XTRIM", "s", "MAXLEN", "~", "240"},  // would leave 150 < 240: nothing
        {"XLEN", "s"},
        {"XTRIM", "s", "MAXLEN", "~", "10"},
        {"XLEN", "s"},
        {"XRANGE", "s", "-", "+", "COUNT", "1"},
        {"XTRIM", "s", "MAXLEN", "~", "10"},  // the last node is partial: nothing
        {"XTRIM", "s", "MINID", "~", "240"},
        {"XLEN", "s"},
        {"XTRIM", "s", "MINID", "~", "251"},  // every id of the last node is older: it goes
        {"XLEN", "s"},
        {"EXISTS", "s"},
        {"XINFO", "STREAM", "s"},
    };
    seq.insert(seq.end(), more.begin(), more.end());
    d.expect_same(seq, stream_norm);

    std::vector<Cmd> small = fill("t", 1, 50);
    std::vector<Cmd> small_more = {
        {"XTRIM", "t", "MAXLEN", "~", "1"},
        {"XTRIM", "t", "MINID", "~", "30"},
        {"XADD", "t", "MAXLEN", "~", "1", "51-1", "f", "v"},
        {"XLEN", "t"},
        {"XTRIM", "t", "MAXLEN", "~", "0"},
        {"XLEN", "t"},
        {"XADD", "t", "52-1", "f", "v"},
        {"XRANGE", "t", "-", "+"},
    };
    small.insert(small.end(), small_more.begin(), small_more.end());
    d.expect_same(small, stream_norm);
  }

  TEST_CASE("XADD with MAXLEN ~ drops whole nodes as the stream grows") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::vector<Cmd> seq;
    for (int i = 1; i <= 230; ++i)
      seq.push_back({"XADD", "s", "MAXLEN", "~", "50", std::to_string(i) + "-1", "f", "v"});
    seq.push_back({"XLEN", "s"});
    seq.push_back({"XRANGE", "s", "-", "+", "COUNT", "2"});
    for (int i = 231; i <= 260; ++i)
      seq.push_back({"XADD", "s", "MINID", "~", "150", std::to_string(i) + "-1", "f", "v"});
    seq.push_back({"XLEN", "s"});
    seq.push_back({"XRANGE", "s", "-", "+", "COUNT", "2"});
    seq.push_back({"XINFO", "STREAM", "s"});
    d.expect_same(seq, stream_norm);
  }

  TEST_CASE("LIMIT caps approximate trimming at whole nodes and LIMIT 0 means no limit") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::vector<Cmd> seq = fill("s", 1, 450);
    std::vector<Cmd> more = {
        {"XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "150"},  // one node of 100 fits, two do not
        {"XLEN", "s"},
        {"XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "99"},  // not even one node
        {"XTRIM", "s", "MINID", "~", "400", "LIMIT", "100"},
        {"XLEN", "s"},
        {"XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "0"},
        {"XLEN", "s"},
        {"XRANGE", "s", "-", "+", "COUNT", "1"},
        {"XADD", "s", "MAXLEN", "~", "0", "LIMIT", "10", "451-1", "f", "v"},
        {"XLEN", "s"},
        {"XADD", "s", "MAXLEN", "~", "0", "LIMIT", "100", "452-1", "f", "v"},
        {"XLEN", "s"},
    };
    seq.insert(seq.end(), more.begin(), more.end());
    d.expect_same(seq, stream_norm);
  }

  TEST_CASE("Deleted entries still count towards a node's 100 entries for ~ trimming") {
    Differential d;
    REQUIRE_ORACLE(d);
    // 1..60 go to the first node; 1..50 are deleted, and the node fills up at 100 with 51..100
    // (10 live + 50 deleted + 40 new), so 101..140 start a second node.
    std::vector<Cmd> seq = fill("s", 1, 60);
    for (int i = 1; i <= 50; ++i) seq.push_back({"XDEL", "s", std::to_string(i) + "-1"});
    std::vector<Cmd> tail = fill("s", 61, 140);
    seq.insert(seq.end(), tail.begin(), tail.end());
    std::vector<Cmd> more = {
        {"XLEN", "s"},
        {"XTRIM", "s", "MAXLEN", "~", "40"},
        {"XLEN", "s"},
        {"XRANGE", "s", "-", "+", "COUNT", "1"},
        {"XINFO", "STREAM", "s"},
    };
    seq.insert(seq.end(), more.begin(), more.end());
    d.expect_same(seq, stream_norm);
    // Deleting every entry of a node frees it; exact trimming only marks entries deleted.
    std::vector<Cmd> seq2 = fill("t", 1, 30);
    for (int i = 1; i <= 30; ++i) seq2.push_back({"XDEL", "t", std::to_string(i) + "-1"});
    std::vector<Cmd> tail2 = fill("t", 31, 150);
    seq2.insert(seq2.end(), tail2.begin(), tail2.end());
    seq2.push_back({"XTRIM", "t", "MAXLEN", "=", "110"});
    std::vector<Cmd> tail3 = fill("t", 151, 200);
    seq2.insert(seq2.end(), tail3.begin(), tail3.end());
    std::vector<Cmd> more2 = {
        {"XLEN", "t"},
        {"XTRIM", "t", "MAXLEN", "~", "60"},
        {"XLEN", "t"},
        {"XRANGE", "t", "-", "+", "COUNT", "1"},
        {"XTRIM", "t", "MAXLEN", "~", "1"},
        {"XLEN", "t"},
    };
    seq2.insert(seq2.end(), more2.begin(), more2.end());
    d.expect_same(seq2, stream_norm);
  }

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

  TEST_CASE("XINFO STREAM reports counters and first and last entries in Redis's field order") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XADD", "s", "1-1", "a", "1"},
            {"XINFO", "STREAM", "s"},
            {"XADD", "s", "1-2", "b", "2"},
            {"XADD", "s", "2-0", "c", "3"},
            {"XADD", "s", "3-5", "d", "4"},
            {"XINFO", "STREAM", "s"},
            {"XDEL", "s", "1-2"},
            {"XINFO", "STREAM", "s"},
            {"XDEL", "s", "1-1"},  // the first entry: recorded-first-entry-id moves
            {"XINFO", "STREAM", "s"},
            {"XDEL", "s", "3-5"},
            {"XINFO", "STREAM", "s"},
            {"XDEL", "s", "2-0"},
            {"XINFO", "STREAM", "s"},  // empty: nil first and last entries
            {"XGROUP", "CREATE", "s", "g1", "$"},
            {"XGROUP", "CREATE", "s", "g2", "0"},
            {"xinfo", "stream", "s"},
            {"XINFO", "STREAM", "nokey"},
            {"XINFO", "STREAM"},
            {"XINFO", "STREAM", "s", "COUNT", "1"},
            {"XINFO", "STREAM", "s", "FULL", "x"},
            {"XINFO", "STREAM", "s", "FULL", "COUNT"},
            {"XINFO", "STREAM", "s", "FULL", "COUNT", "x"},
            {"XINFO"},
            {"XINFO", "FOO"},
            {"XINFO", "HELP", "extra"},
        },
        stream_norm);
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XADD", "s", "2-1", "b", "2"});
    c.cmd({"XDEL", "s", "1-1"});
    Reply info = c.cmd({"XINFO", "STREAM", "s"});
    CHECK(keys_of(info) == std::vector<std::string>{"length", "radix-tree-keys", "radix-tree-nodes",
                                                    "last-generated-id", "max-deleted-entry-id",
                                                    "entries-added", "recorded-first-entry-id",
                                                    "groups", "first-entry", "last-entry"});
    REQUIRE(info.elements.size() == 20);
    CHECK(info.elements[1] == integer(1));
    CHECK(info.elements[3].type == ReplyType::Integer);
    CHECK(info.elements[5].type == ReplyType::Integer);
    CHECK(info.elements[7] == bulk("2-1"));
    CHECK(info.elements[9] == bulk("1-1"));
    CHECK(info.elements[11] == integer(2));
    CHECK(info.elements[13] == bulk("2-1"));
    CHECK(info.elements[15] == integer(0));
    CHECK(info.elements[17] == entry("2-1", {"b", "2"}));
    CHECK(info.elements[19] == entry("2-1", {"b", "2"}));
    CHECK(c.cmd({"XINFO", "STREAM", "nokey"}) == error("ERR no such key"));
    CHECK(c.cmd({"XINFO", "STREAM", "s", "COUNT", "1"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO "
                "HELP."));
    CHECK(c.cmd({"XINFO", "FOO"}) == error("ERR unknown subcommand 'FOO'. Try XINFO HELP."));
    c.cmd({"XDEL", "s", "2-1"});
    Reply empty = c.cmd({"XINFO", "STREAM", "s"});
    REQUIRE(empty.elements.size() == 20);
    CHECK(empty.elements[13] == bulk("0-0"));  // recorded-first-entry-id of an empty stream
    CHECK(empty.elements[17] == nil());
    CHECK(empty.elements[19] == nil());
  }

  TEST_CASE("XINFO STREAM FULL lists entries, 10 by default, COUNT n of them, COUNT 0 all") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::vector<Cmd> seq = fill("s", 1, 15);
    std::vector<Cmd> more = {
        {"XINFO", "STREAM", "s", "FULL"},
        {"XINFO", "STREAM", "s", "FULL", "COUNT", "3"},
        {"XINFO", "STREAM", "s", "FULL", "COUNT", "0"},
        {"XINFO", "STREAM", "s", "full", "count", "-1"},
        {"XINFO", "STREAM", "s", "FULL", "COUNT", "100"},
        {"XDEL", "s", "2-1", "4-1"},
        {"XINFO", "STREAM", "s", "FULL", "COUNT", "4"},
        {"XADD", "e", "MAXLEN", "0", "1-1", "f", "v"},
        {"XINFO", "STREAM", "e", "FULL"},
    };
    seq.insert(seq.end(), more.begin(), more.end());
    d.expect_same(seq, stream_norm);
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    Reply full = c.cmd({"XINFO", "STREAM", "s", "FULL"});
    CHECK(keys_of(full) == std::vector<std::string>{"length", "radix-tree-keys", "radix-tree-nodes",
                                                    "last-generated-id", "max-deleted-entry-id",
                                                    "entries-added", "recorded-first-entry-id",
                                                    "entries", "groups"});
    REQUIRE(full.elements.size() == 18);
    CHECK(full.elements[15] == array({entry("1-1", {"a", "1"})}));
    CHECK(full.elements[17] == array({}));
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

  TEST_CASE("XSETID moves last-generated-id and sets ENTRIESADDED and MAXDELETEDID") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XADD", "s", "5-1", "a", "1"},
            {"XADD", "s", "6-1", "b", "2"},
            {"XSETID", "s", "10-0"},
            {"XINFO", "STREAM", "s"},
            {"XADD", "s", "9-0", "c", "3"},
            {"XADD", "s", "10-*", "c", "3"},
            {"XSETID", "s", "9-0"},   // back down, but not below the top entry
            {"XSETID", "s", "10-1"},  // the top entry itself
            {"XSETID", "s", "10-0"},
            {"XSETID", "s", "11"},
            {"XINFO", "STREAM", "s"},
            {"XSETID", "s", "12-0", "ENTRIESADDED", "2"},
            {"XSETID", "s", "12-0", "ENTRIESADDED", "3"},
            {"XSETID", "s", "12-0", "ENTRIESADDED", "7", "MAXDELETEDID", "3-0"},
            {"XINFO", "STREAM", "s"},
            {"XSETID", "s", "12-0", "ENTRIESADDED", "7", "MAXDELETEDID", "13-0"},
            {"XSETID", "s", "12-0", "MAXDELETEDID", "4-0"},
            {"XSETID", "s", "12-0", "ENTRIESADDED", "8", "ENTRIESADDED", "9"},
            {"XSETID", "s", "12-0", "maxdeletedid", "12-0", "entriesadded", "20"},
            {"XINFO", "STREAM", "s"},
            {"XDEL", "s", "5-1", "6-1", "10-1"},
            {"XSETID", "s", "0-0"},  // an empty stream may go back to anything
            {"XINFO", "STREAM", "s"},
            {"XADD", "s", "0-1", "z", "z"},
            {"XINFO", "STREAM", "s"},
        },
        stream_norm);
  }

  TEST_CASE("XSETID errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XADD", "s", "5-1", "a", "1"},
            {"XADD", "s", "6-1", "b", "2"},
            {"XSETID", "s", "6-0"},
            {"XSETID", "s", "10-0", "ENTRIESADDED", "1"},
            {"XSETID", "s", "10-0", "ENTRIESADDED", "-1"},
            {"XSETID", "s", "10-0", "ENTRIESADDED", "x"},
            {"XSETID", "s", "10-0", "MAXDELETEDID", "x"},
            {"XSETID", "s", "10-0", "ENTRIESADDED", "5", "MAXDELETEDID", "11-0"},
            {"XSETID", "s", "10-0", "FOO", "1"},
            {"XSETID", "s", "10-0", "ENTRIESADDED"},
            {"XSETID", "s", "10-0", "MAXDELETEDID"},
            {"XSETID", "s", "x"},
            {"XSETID", "s", "10-*"},
            {"XSETID", "s", "*"},
            {"XSETID", "s", "$"},
            {"XSETID", "nokey", "1-1"},
            {"XSETID", "s"},
            {"XSETID"},
            {"XINFO", "STREAM", "s"},
        },
        stream_norm);
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "5-1", "a", "1"});
    c.cmd({"XADD", "s", "6-1", "b", "2"});
    CHECK(c.cmd({"XSETID", "s", "6-0"}) ==
          error("ERR The ID specified in XSETID is smaller than the target stream top item"));
    CHECK(c.cmd({"XSETID", "s", "10-0", "ENTRIESADDED", "1"}) ==
          error("ERR The entries_added specified in XSETID is smaller than the target stream "
                "length"));
    CHECK(c.cmd({"XSETID", "s", "10-0", "ENTRIESADDED", "-1"}) ==
          error("ERR entries_added must be positive"));
    CHECK(c.cmd({"XSETID", "s", "10-0", "ENTRIESADDED", "5", "MAXDELETEDID", "11-0"}) ==
          error("ERR The ID specified in XSETID is smaller than the provided "
                "max_deleted_entry_id"));
    CHECK(c.cmd({"XSETID", "s", "10-0", "FOO", "1"}) == error(kSyntax));
    CHECK(c.cmd({"XSETID", "nokey", "1-1"}) == error("ERR no such key"));
    CHECK(c.cmd({"XSETID", "s", "10-0"}) == status("OK"));
  }

  TEST_CASE("Stream commands on a list answer WRONGTYPE, and list commands on a stream too") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({
        {"RPUSH", "list", "a"},
        {"XADD", "s", "1-1", "f", "v"},
        {"XADD", "list", "1-1", "f", "v"},
        {"XADD", "list", "NOMKSTREAM", "1-1", "f", "v"},
        {"XADD", "list", "MAXLEN", "0", "1-1", "f", "v"},
        {"XLEN", "list"},
        {"XRANGE", "list", "-", "+"},
        {"XREVRANGE", "list", "+", "-"},
        {"XDEL", "list", "1-1"},
        {"XTRIM", "list", "MAXLEN", "0"},
        {"XREAD", "STREAMS", "list", "0"},
        {"XREAD", "STREAMS", "s", "list", "0", "0"},
        {"XREAD", "STREAMS", "s", "list", "5", "0"},
        {"XSETID", "list", "1-1"},
        {"XINFO", "STREAM", "list"},
        {"XINFO", "STREAM", "list", "FULL"},
        {"LPUSH", "s", "x"},
        {"RPUSHX", "s", "x"},
        {"LRANGE", "s", "0", "-1"},
        {"LLEN", "s"},
        {"LPOP", "s"},
        {"TYPE", "s"},
        {"TYPE", "list"},
        {"XLEN", "s"},
        {"LLEN", "list"},
    });
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"RPUSH", "list", "v"});
    c.cmd({"XADD", "s", "1-1", "f", "v"});
    CHECK(c.cmd({"XADD", "list", "*", "f", "v"}) == error(kWrongType));
    CHECK(c.cmd({"XRANGE", "list", "-", "+"}) == error(kWrongType));
    CHECK(c.cmd({"XREAD", "STREAMS", "list", "0"}) == error(kWrongType));
    CHECK(c.cmd({"XLEN", "list"}) == error(kWrongType));
    CHECK(c.cmd({"LPUSH", "s", "x"}) == error(kWrongType));
    CHECK(c.cmd({"LLEN", "s"}) == error(kWrongType));
  }

  TEST_CASE("TYPE and SCAN TYPE report stream, an emptied stream stays, DEL and RENAME work") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XADD", "s", "1-1", "f", "v"},
            {"RPUSH", "list", "v"},
            {"TYPE", "s"},
            {"SCAN", "0", "TYPE", "stream"},
            {"SCAN", "0", "TYPE", "list"},
            {"XDEL", "s", "1-1"},
            {"TYPE", "s"},
            {"EXISTS", "s"},
            {"DBSIZE"},
            {"XADD", "s", "1-1", "f", "v"},  // the emptied stream still remembers its top id
            {"DEL", "s"},
            {"EXISTS", "s"},
            {"TYPE", "s"},
            {"XADD", "s", "1-1", "f", "v"},  // a new stream: ids start over
            {"XRANGE", "s", "-", "+"},
            {"RENAME", "s", "s2"},
            {"TYPE", "s2"},
            {"XRANGE", "s2", "-", "+"},
            {"XINFO", "STREAM", "s2"},
            {"EXISTS", "s"},
            {"RENAME", "list", "s2"},  // a list replaces the stream
            {"TYPE", "s2"},
            {"XLEN", "s2"},
        },
        stream_norm);
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "f", "v"});
    CHECK(c.cmd({"TYPE", "s"}) == status("stream"));
    c.cmd({"XTRIM", "s", "MAXLEN", "0"});
    CHECK(c.cmd({"TYPE", "s"}) == status("stream"));
    CHECK(c.cmd({"EXISTS", "s"}) == integer(1));
    CHECK(c.cmd({"XADD", "s", "1-1", "f", "v"}) == error(kNotGreater));
  }

  TEST_CASE("Under RESP3 XRANGE stays an array of pairs and XREAD becomes a map by stream") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"HELLO", "3"},
            {"XADD", "s", "1-1", "a", "1"},
            {"XADD", "s", "2-1", "b", "2"},
            {"XADD", "t", "1-1", "x", "y"},
            {"XRANGE", "s", "-", "+"},
            {"XREVRANGE", "s", "+", "-", "COUNT", "1"},
            {"XRANGE", "nokey", "-", "+"},
            {"XREAD", "STREAMS", "s", "t", "0", "0"},
            {"XREAD", "COUNT", "1", "STREAMS", "s", "t", "1-1", "0"},
            {"XREAD", "STREAMS", "s", "$"},
            {"XREAD", "STREAMS", "nokey", "0"},
            {"XADD", "nokey", "NOMKSTREAM", "1-1", "f", "v"},
            {"XDEL", "s", "1-1"},
            {"XLEN", "s"},
        },
        stream_norm);
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"HELLO", "3"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    CHECK(c.cmd({"XRANGE", "s", "-", "+"}) == array({entry("1-1", {"a", "1"})}));
    Reply read = c.cmd({"XREAD", "STREAMS", "s", "0"});
    CHECK(read.type == ReplyType::Map);
    REQUIRE(read.elements.size() == 2);
    CHECK(read.elements[0] == bulk("s"));
    CHECK(read.elements[1] == array({entry("1-1", {"a", "1"})}));
    CHECK(c.cmd({"XREAD", "STREAMS", "s", "$"}).type == ReplyType::Null);
    CHECK(c.cmd({"XADD", "x", "NOMKSTREAM", "1-1", "f", "v"}).type == ReplyType::Null);
  }

  TEST_CASE("Under RESP3 XINFO STREAM and XINFO STREAM FULL are maps") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"HELLO", "3"},
            {"XADD", "s", "1-1", "a", "1"},
            {"XADD", "s", "2-1", "b", "2"},
            {"XINFO", "STREAM", "s"},
            {"XINFO", "STREAM", "s", "FULL"},
            {"XGROUP", "CREATE", "s", "g", "0"},
            {"XINFO", "STREAM", "s", "FULL"},
            {"XDEL", "s", "1-1", "2-1"},
            {"XINFO", "STREAM", "s"},
            {"XINFO", "STREAM", "s", "FULL"},
        },
        stream_norm);
    Client c = d.ours().client();  // fresh RESP2 connection, empty database
    c.cmd({"FLUSHALL"});
    c.cmd({"HELLO", "3"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    Reply info = c.cmd({"XINFO", "STREAM", "s"});
    CHECK(info.type == ReplyType::Map);
    REQUIRE(info.field("length") != nullptr);
    CHECK(*info.field("length") == integer(1));
    REQUIRE(info.field("first-entry") != nullptr);
    CHECK(*info.field("first-entry") == entry("1-1", {"a", "1"}));
    c.cmd({"XDEL", "s", "1-1"});
    info = c.cmd({"XINFO", "STREAM", "s"});
    REQUIRE(info.field("last-entry") != nullptr);
    CHECK(info.field("last-entry")->type == ReplyType::Null);
  }
}
