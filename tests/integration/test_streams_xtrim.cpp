// Streams: trimming by XADD and XTRIM, MAXLEN and MINID, exact (the default, or =) and
// approximate (~, whole nodes of 100 entries, LIMIT), with the option errors. Diffed against
// redis-server 7.0. The deferred deletion of long trimmed streams is in test_stream_trim.cpp.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "harness.h"
#include "stream_norm.h"
#include "test_streams.h"

using namespace postbox::it;
using namespace postbox::it::streams;

TEST_SUITE("streams") {
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
}
