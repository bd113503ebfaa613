// Trimming long streams: XTRIM takes the entries out of the stream at once and their records are
// deleted afterwards, a bounded amount per loop iteration. Whatever is still on disk, every read
// (XRANGE, XREVRANGE, XREAD, XREADGROUP history, XCLAIM, XAUTOCLAIM, XDEL, XINFO STREAM [FULL])
// answers as Redis does, and a kill -9 while the records are being deleted loses nothing: the
// stream reads as trimmed after the restart and the deletion finishes.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "harness.h"
#include "stream_norm.h"

using namespace postbox::it;

namespace {

// Adds entries <from>-1 .. <to>-1 (field f, value v<i>) to `key`, pipelined in chunks.
void fill(Client& c, const std::string& key, long long from, long long to) {
  const long long chunk = 10000;
  for (long long start = from; start <= to; start += chunk) {
    long long end = std::min(to, start + chunk - 1);
    for (long long i = start; i <= end; ++i) {
      c.send({"XADD", key, std::to_string(i) + "-1", "f", "v" + std::to_string(i)});
    }
    c.flush();
    long long errors = 0;
    for (long long i = start; i <= end; ++i) errors += c.read().is_error();
    REQUIRE(errors == 0);
  }
}

Reply entry(long long ms, const std::string& value = "") {
  std::string id = std::to_string(ms) + "-1";
  return array({bulk(id), bulks({"f", value.empty() ? "v" + std::to_string(ms) : value})});
}

long long used_bytes(Client& c) {
  return std::stoll(info_map(c, "memory").at("lmdb_used_bytes"));
}

// Every loop iteration takes a reclaim step, and each round trip needs at least one iteration:
// after `n` of them at least n steps (2,000 records each) have run.
void round_trips(Client& c, int n) {
  for (int i = 0; i < n; ++i) REQUIRE(c.cmd({"PING"}) == status("PONG"));
}

// What a stream emptied of entries 1-1 .. 300000-1 answers, `last` its last id and `added` the
// entries it ever took.
void check_emptied(Client& c, const std::string& last, long long added) {
  CHECK(c.cmd({"XLEN", "s"}) == integer(0));
  CHECK(c.cmd({"XRANGE", "s", "-", "+"}) == array({}));
  CHECK(c.cmd({"XREVRANGE", "s", "+", "-", "COUNT", "5"}) == array({}));
  CHECK(c.cmd({"XRANGE", "s", "1000", "2000", "COUNT", "3"}) == array({}));
  CHECK(c.cmd({"XREAD", "COUNT", "2", "STREAMS", "s", "0-0"}).is_nil());
  CHECK(c.cmd({"XDEL", "s", "1-1", "150000-1", "300000-1"}) == integer(0));
  Reply info = c.cmd({"XINFO", "STREAM", "s"});
  CHECK(info.at("length") == integer(0));
  CHECK(info.at("last-generated-id") == bulk(last));
  CHECK(info.at("entries-added") == integer(added));
  CHECK(info.at("recorded-first-entry-id") == bulk("0-0"));
  CHECK(info.at("first-entry").is_nil());
  CHECK(info.at("last-entry").is_nil());
  Reply full = c.cmd({"XINFO", "STREAM", "s", "FULL"});
  CHECK(full.at("entries") == array({}));
}

}  // namespace

TEST_SUITE("stream trim") {
  TEST_CASE("XTRIM MAXLEN 0 of 300,000 entries answers at once and the stream reads empty") {
    Server server;
    Client a = server.client(30000ms), b = server.client();
    fill(a, "s", 1, 300000);
    a.send({"XTRIM", "s", "MAXLEN", "0"});
    a.flush();
    REQUIRE(a.read() == integer(300000));
    // Another client is served while the records are still being deleted, and sees none of them.
    CHECK(b.cmd({"PING"}) == status("PONG"));
    check_emptied(b, "300000-1", 300000);
    CHECK(b.cmd({"XADD", "s", "5-1", "f", "v"}).is_error());
    CHECK(b.cmd({"XADD", "s", "300000-*", "f", "again"}) == bulk("300000-2"));
    Reply one = array({array({bulk("300000-2"), bulks({"f", "again"})})});
    CHECK(b.cmd({"XRANGE", "s", "-", "+"}) == one);
    CHECK(b.cmd({"XREVRANGE", "s", "+", "-"}) == one);
    Reply info = b.cmd({"XINFO", "STREAM", "s"});
    CHECK(info.at("length") == integer(1));
    CHECK(info.at("first-entry") == one.elements[0]);
    CHECK(info.at("last-entry") == one.elements[0]);
    CHECK(info.at("recorded-first-entry-id") == bulk("300000-2"));

    // Once the deletion is surely over, the same.
    round_trips(b, 400);
    CHECK(b.cmd({"XRANGE", "s", "-", "+"}) == one);
    CHECK(b.cmd({"XDEL", "s", "300000-2"}) == integer(1));
    check_emptied(b, "300000-2", 300001);
  }

  TEST_CASE("Trims interleaved with XADD, XDEL, reads and claims answer as Redis does") {
    Differential d;
    REQUIRE_ORACLE(d);
    fill(d.a(), "s", 1, 1500);
    fill(d.b(), "s", 1, 1500);
    d.expect_same(
        {
            {"XGROUP", "CREATE", "s", "g", "0"},
            {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">"},
            {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "397", "STREAMS", "s", ">"},
            {"XTRIM", "s", "MAXLEN", "1200"},  // 300 entries: left to the reclaim step
            {"XLEN", "s"},
            {"XRANGE", "s", "-", "+", "COUNT", "3"},
            {"XREVRANGE", "s", "+", "-", "COUNT", "2"},
            {"XRANGE", "s", "250", "305", "COUNT", "4"},
            {"XREVRANGE", "s", "302", "-"},
            {"XREAD", "COUNT", "2", "STREAMS", "s", "100-1"},
            {"XDEL", "s", "100-1", "301-1", "302-1"},
            {"XLEN", "s"},
            {"XINFO", "STREAM", "s"},
            {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", "0"},
            {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "6", "STREAMS", "s", "298-1"},
            {"XCLAIM", "s", "g", "bob", "0", "1-1", "299-1", "303-1", "JUSTID"},
            {"XCLAIM", "s", "g", "bob", "0", "2-1", "304-1"},
            {"XPENDING", "s", "g"},
            {"XPENDING", "s", "g", "-", "+", "4"},
            {"XAUTOCLAIM", "s", "g", "carol", "0", "0-0", "COUNT", "25"},
            {"XAUTOCLAIM", "s", "g", "carol", "0", "0-0", "COUNT", "500", "JUSTID"},
            {"XPENDING", "s", "g"},
            {"XINFO", "GROUPS", "s"},
            {"XTRIM", "s", "MINID", "~", "1000"},
            {"XLEN", "s"},
            {"XTRIM", "s", "MINID", "1000-1"},
            {"XINFO", "STREAM", "s", "FULL", "COUNT", "3"},
            {"XADD", "s", "MAXLEN", "10", "2000-1", "f", "v"},
            {"XRANGE", "s", "-", "+"},
            {"XREAD", "COUNT", "3", "STREAMS", "s", "0-0"},
            {"XREADGROUP", "GROUP", "g", "dave", "COUNT", "2", "STREAMS", "s", ">"},
            {"XINFO", "GROUPS", "s"},
            {"XTRIM", "s", "MAXLEN", "0"},
            {"XINFO", "STREAM", "s"},
            // The last id moves back below what was trimmed: new entries there show, the old
            // records there (some still on disk) do not.
            {"XSETID", "s", "5-0"},
            {"XADD", "s", "6-1", "f", "new"},
            {"XADD", "s", "1500-1", "f", "new"},
            {"XADD", "s", "1700-1", "f", "new"},
            {"XRANGE", "s", "-", "+"},
            {"XREVRANGE", "s", "+", "-"},
            {"XRANGE", "s", "7", "1499"},
            {"XDEL", "s", "7-1", "1500-1"},
            {"XREADGROUP", "GROUP", "g", "dave", "STREAMS", "s", ">"},
            {"XTRIM", "s", "MAXLEN", "1"},
            {"XRANGE", "s", "-", "+"},
            {"XINFO", "STREAM", "s", "FULL"},
            {"XADD", "s", "1800-1", "f", "v"},
            {"XLEN", "s"},
        },
        stream_norm);
  }

  TEST_CASE("Trimming with XADD MAXLEN and approximate trims keeps answering as Redis does") {
    Differential d;
    REQUIRE_ORACLE(d);
    fill(d.a(), "s", 1, 30000);
    fill(d.b(), "s", 1, 30000);
    d.expect_same(
        {
            {"XTRIM", "s", "MAXLEN", "~", "5000"},  // LIMIT: 100 nodes
            {"XLEN", "s"},
            {"XTRIM", "s", "MAXLEN", "~", "5000", "LIMIT", "0"},
            {"XLEN", "s"},
            {"XRANGE", "s", "-", "+", "COUNT", "2"},
            {"XTRIM", "s", "MINID", "~", "28050-1", "LIMIT", "250"},
            {"XRANGE", "s", "-", "+", "COUNT", "1"},
            {"XTRIM", "s", "MINID", "29990-1"},
            {"XRANGE", "s", "-", "+"},
            {"XADD", "s", "MAXLEN", "~", "3", "30001-1", "f", "v"},
            {"XADD", "s", "MAXLEN", "3", "30002-1", "f", "v"},
            {"XRANGE", "s", "-", "+"},
            {"XINFO", "STREAM", "s"},
        },
        stream_norm);
  }

  TEST_CASE(
      "kill -9 while trimmed records are deleted: the stream reads as trimmed after restart "
      "and the deletion finishes") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    long long empty_db = 0, filled = 0;
    {
      Client c = server.client(30000ms);
      empty_db = used_bytes(c);
      fill(c, "s", 1, 300000);
      REQUIRE(c.cmd({"XGROUP", "CREATE", "s", "g", "0"}) == status("OK"));
      REQUIRE(c.cmd({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "10", "STREAMS", "s", ">"})
                  .is_aggregate());
      filled = used_bytes(c);
      c.send({"XTRIM", "s", "MAXLEN", "1000"});
      c.flush();
      REQUIRE(c.read() == integer(299000));
      // The deletion has begun (at least 20 of its some 150 steps) and goes on when killed.
      round_trips(c, 20);
      server.kill9();
    }
    server.start();
    Client c = server.client(30000ms);
    CHECK(c.cmd({"XLEN", "s"}) == integer(1000));
    CHECK(c.cmd({"XRANGE", "s", "-", "+", "COUNT", "1"}) == array({entry(299001)}));
    CHECK(c.cmd({"XREVRANGE", "s", "+", "-", "COUNT", "1"}) == array({entry(300000)}));
    CHECK(c.cmd({"XRANGE", "s", "-", "299000-1"}) == array({}));
    CHECK(c.cmd({"XDEL", "s", "5-1"}) == integer(0));
    Reply info = c.cmd({"XINFO", "STREAM", "s"});
    CHECK(info.at("first-entry") == entry(299001));
    CHECK(info.at("recorded-first-entry-id") == bulk("299001-1"));
    CHECK(info.at("entries-added") == integer(300000));
    // The ten pending entries are gone from the stream: XCLAIM and XAUTOCLAIM drop them.
    CHECK(c.cmd({"XCLAIM", "s", "g", "bob", "0", "1-1", "10-1", "JUSTID"}) == array({}));
    std::vector<std::string> dropped;
    for (int i = 2; i <= 9; ++i) dropped.push_back(std::to_string(i) + "-1");
    CHECK(c.cmd({"XAUTOCLAIM", "s", "g", "bob", "0", "0-0"}) ==
          array({bulk("0-0"), array({}), bulks(dropped)}));
    CHECK(c.cmd({"XPENDING", "s", "g", "-", "+", "20"}) == array({}));
    // (Without the group the entries below go to the right edge of the B-tree, where LMDB
    // fills pages up, as the first ones did: the sizes compare.)
    CHECK(c.cmd({"XGROUP", "DESTROY", "s", "g"}) == integer(1));
    CHECK(c.cmd({"XADD", "s", "300001-1", "f", "v300001"}) == bulk("300001-1"));

    // The deletion resumed and finished: adding as much again reuses the pages it freed, where
    // records left behind would make the file grow by about the stream's size.
    round_trips(c, 400);
    long long before = used_bytes(c);
    fill(c, "s", 300002, 599001);
    long long grown = used_bytes(c) - before;
    INFO("the stream took ", filled - empty_db, " bytes; adding it again grew the file by ", grown);
    CHECK(grown < (filled - empty_db) / 2);
    CHECK(c.cmd({"XLEN", "s"}) == integer(300001));
    CHECK(c.cmd({"XRANGE", "s", "-", "+", "COUNT", "1"}) == array({entry(299001)}));
  }
}
