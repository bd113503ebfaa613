// Stream consumer groups: the pending entries list. XPENDING (summary and extended form),
// XCLAIM (IDLE, TIME, RETRYCOUNT, FORCE, LASTID, deleted entries) and XAUTOCLAIM (cursor,
// deleted ids, JUSTID), with their errors. Diffed against redis-server 7.0 with idle and delivery
// times masked (stream_norm).
#include <doctest/doctest.h>

#include <string>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"
#include "test_stream_groups.h"

using namespace postbox::it;
using namespace postbox::it::stream_groups;

namespace {

// The idle time XPENDING's extended form reports for `id` (which must be pending), or -1.
long long idle_of(const Reply& pending, const std::string& id) {
  for (const Reply& p : pending.elements)
    if (p.elements.size() == 4 && p.elements[0].str == id) return p.elements[2].integer;
  return -1;
}

}  // namespace

TEST_SUITE("stream-groups") {
  TEST_CASE("XPENDING summary gives count, smallest and largest ids and per-consumer counts") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(6),
                         {
                             {"XPENDING", "s", "g"},  // empty: 0 and nils
                             {"XREADGROUP", "GROUP", "g", "zed", "COUNT", "2", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "amy", "COUNT", "3", "STREAMS", "s", ">"},
                             {"XGROUP", "CREATECONSUMER", "s", "g", "idle"},
                             {"XREADGROUP", "GROUP", "g", "mo", "STREAMS", "s", ">"},
                             {"XPENDING", "s", "g"},  // consumers by name, counts as strings
                             {"XACK", "s", "g", "6-1"},
                             {"XPENDING", "s", "g"},
                             {"XACK", "s", "g", "1-1", "2-1", "3-1", "4-1", "5-1"},
                             {"XPENDING", "s", "g"},
                             {"HELLO", "3"},
                             {"XPENDING", "s", "g"},
                             {"XREADGROUP", "GROUP", "g", "zed", "STREAMS", "s", "0"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XADD", "s", "2-1", "b", "2"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    CHECK(c.cmd({"XPENDING", "s", "g"}) == array({integer(0), nil(), nil(), nil_array()}));
    c.cmd({"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"});
    c.cmd({"XREADGROUP", "GROUP", "g", "al", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XPENDING", "s", "g"}) ==
          array({integer(2), bulk("1-1"), bulk("2-1"),
                 array({bulks({"al", "1"}), bulks({"bob", "1"})})}));
  }

  TEST_CASE("XPENDING extended form filters by range, COUNT, consumer and IDLE") {
    Differential d;
    REQUIRE_ORACLE(d);
    Reply all = d.same({"XPENDING", "s", "g", "-", "+", "10"}, stream_norm);  // no key yet: NOGROUP
    d.expect_same(concat(setup(6),
                         {
                             {"XPENDING", "s", "g", "-", "+", "10"},
                             {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "2", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "al", "COUNT", "3", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0"},
                             {"XPENDING", "s", "g", "-", "+", "10"},
                             {"XPENDING", "s", "g", "-", "+", "2"},
                             {"XPENDING", "s", "g", "-", "+", "0"},
                             {"XPENDING", "s", "g", "-", "+", "-1"},
                             {"XPENDING", "s", "g", "2-1", "4-1", "10"},
                             {"XPENDING", "s", "g", "2", "4", "10"},
                             {"XPENDING", "s", "g", "(2-1", "(5-1", "10"},
                             {"XPENDING", "s", "g", "5-1", "2-1", "10"},
                             {"XPENDING", "s", "g", "-", "+", "10", "bob"},
                             {"XPENDING", "s", "g", "-", "+", "1", "al"},
                             {"XPENDING", "s", "g", "-", "+", "10", "nobody"},
                             {"XPENDING", "s", "g", "IDLE", "0", "-", "+", "10"},
                             {"XPENDING", "s", "g", "idle", "0", "-", "+", "10", "al"},
                             {"XPENDING", "s", "g", "IDLE", "100000000", "-", "+", "10"},
                             {"XPENDING", "s", "g", "IDLE", "-1", "-", "+", "10"},
                         }),
                  stream_norm);
    CHECK(all.is_error());
    Reply pending = d.same({"XPENDING", "s", "g", "-", "+", "10", "bob"}, stream_norm);
    REQUIRE(pending.elements.size() == 3);
    CHECK(pending.elements[0].elements[0] == bulk("1-1"));
    CHECK(pending.elements[0].elements[1] == bulk("bob"));
    CHECK(pending.elements[0].elements[3] == integer(2));  // delivered, then replayed
    CHECK(pending.elements[2].elements[0] == bulk("6-1"));
    for (const Reply& p : pending.elements) {
      CHECK(p.elements[2].type == ReplyType::Integer);
      CHECK(p.elements[2].integer >= 0);
      CHECK(p.elements[2].integer < 10000);
    }
  }

  TEST_CASE("XPENDING errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(2),
                         {
                             {"RPUSH", "list", "x"},
                             {"XPENDING", "s", "nog"},
                             {"XPENDING", "nokey", "g"},
                             {"XPENDING", "list", "g"},
                             {"XPENDING", "s", "nog", "-", "+", "10"},
                             {"XPENDING", "s", "g", "-", "+", "x"},
                             {"XPENDING", "s", "g", "-", "+"},
                             {"XPENDING", "s", "g", "-"},
                             {"XPENDING", "s", "g", "x", "+", "10"},
                             {"XPENDING", "s", "g", "-", "y", "10"},
                             {"XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"},
                             {"XPENDING", "s", "g", "IDLE", "0"},
                             {"XPENDING", "s", "g", "IDLE", "0", "-", "+"},
                             {"XPENDING", "s", "g", "-", "+", "10", "c", "extra"},
                             {"XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "c", "extra"},
                             {"XPENDING", "s"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"});
    CHECK(c.cmd({"XPENDING", "s", "nog"}) ==
          error("NOGROUP No such key 's' or consumer group 'nog'"));
    CHECK(c.cmd({"XPENDING", "nokey", "g"}) ==
          error("NOGROUP No such key 'nokey' or consumer group 'g'"));
    CHECK(c.cmd({"XPENDING", "s", "g", "-", "+"}) == error("ERR syntax error"));
  }

  TEST_CASE("XCLAIM takes entries idle for at least min-idle-time and bumps delivery counts") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(4),
                         {
                             {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
                             {"XCLAIM", "s", "g", "bob", "0", "1-1"},
                             {"XCLAIM", "s", "g", "bob", "100000000", "2-1"},  // not idle enough
                             {"XCLAIM", "s", "g", "bob", "-1", "2-1", "3-1"},
                             {"XCLAIM", "s", "g", "bob", "0", "3-1", "3-1", "1-1"},  // repeats
                             {"XCLAIM", "s", "g", "bob", "0", "9-9"},  // not pending: skipped
                             {"XCLAIM", "s", "g", "carol", "0", "4-1", "JUSTID"},
                             {"XPENDING", "s", "g", "-", "+", "10"},
                             {"XPENDING", "s", "g"},
                             {"XINFO", "CONSUMERS", "s", "g"},  // claimers are created
                             {"XCLAIM", "s", "g", "dave", "100000000", "4-1"},
                             {"XINFO", "CONSUMERS", "s", "g"},  // dave claimed nothing: not created
                         }),
                  stream_norm);
  }

  TEST_CASE("XCLAIM IDLE, TIME and RETRYCOUNT set the idle time and the delivery count") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(setup(4),
               {
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
                   {"XCLAIM", "s", "g", "bob", "0", "1-1", "IDLE", "5000", "RETRYCOUNT", "7"},
                   {"XCLAIM", "s", "g", "bob", "0", "2-1", "TIME", std::to_string(now_ms() - 7000),
                    "JUSTID"},
                   {"XCLAIM", "s", "g", "bob", "0", "3-1", "TIME",
                    std::to_string(now_ms() + 1000000)},  // in the future: now
                   {"XCLAIM", "s", "g", "bob", "0", "4-1", "RETRYCOUNT", "0", "JUSTID"},
                   {"XCLAIM", "s", "g", "carol", "4000", "1-1", "2-1", "3-1", "JUSTID"},
                   {"XPENDING", "s", "g", "-", "+", "10"},
                   {"XPENDING", "s", "g", "IDLE", "4000", "-", "+", "10"},
               }),
        stream_norm);
    Reply pending = d.same({"XPENDING", "s", "g", "-", "+", "10"}, stream_norm);
    CHECK(idle_of(pending, "1-1") >= 0);  // claimed again by carol: idle reset
    CHECK(idle_of(pending, "1-1") < 3000);
    CHECK(idle_of(pending, "3-1") >= 0);
    CHECK(idle_of(pending, "3-1") < 3000);
    d.same({"XCLAIM", "s", "g", "bob", "0", "1-1", "IDLE", "5000", "JUSTID"}, stream_norm);
    d.same({"XCLAIM", "s", "g", "bob", "0", "2-1", "TIME", std::to_string(now_ms() - 7000)},
           stream_norm);
    pending = d.same({"XPENDING", "s", "g", "-", "+", "10"}, stream_norm);
    CHECK(idle_of(pending, "1-1") >= 5000);
    CHECK(idle_of(pending, "1-1") < 8000);
    CHECK(idle_of(pending, "2-1") >= 7000);
    CHECK(idle_of(pending, "2-1") < 10000);
  }

  TEST_CASE("XCLAIM FORCE adds pending entries only for ids still in the stream") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(setup(3),
               {
                   {"XCLAIM", "s", "g", "bob", "0", "2-1"},  // not pending
                   {"XCLAIM", "s", "g", "bob", "0", "2-1", "FORCE"},
                   {"XCLAIM", "s", "g", "bob", "0", "9-9", "FORCE"},
                   {"XCLAIM", "s", "g", "bob", "0", "1-1", "FORCE", "JUSTID"},
                   {"XPENDING", "s", "g", "-", "+", "10"},
                   {"XINFO", "GROUPS", "s"},  // last-delivered-id unchanged
                   {"XADD", "s", "9-9", "z", "z"},
                   {"XCLAIM", "s", "g", "carol", "0", "9-9", "FORCE", "RETRYCOUNT", "3", "JUSTID"},
                   {"XPENDING", "s", "g", "-", "+", "10"},
                   {"XREADGROUP", "GROUP", "g", "x", "STREAMS", "s", ">"},
               }),
        stream_norm);
  }

  TEST_CASE("XCLAIM LASTID advances the group's last-delivered-id but never moves it back") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(4),
                         {
                             {"XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "LASTID", "3-1"},
                             {"XINFO", "GROUPS", "s"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "LASTID", "2-0"},
                             {"XINFO", "GROUPS", "s"},
                             {"XCLAIM", "s", "g", "b", "0", "9-9", "LASTID", "100-0"},
                             {"XINFO", "GROUPS", "s"},  // moves even with nothing claimed
                             {"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"},
                         }),
                  stream_norm);
  }

  TEST_CASE("XCLAIM drops deleted entries from the pending list without returning them") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(4),
                         {
                             {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
                             {"XDEL", "s", "2-1", "3-1"},
                             {"XCLAIM", "s", "g", "bob", "0", "1-1", "2-1"},
                             {"XCLAIM", "s", "g", "bob", "0", "3-1", "4-1", "JUSTID"},
                             {"XPENDING", "s", "g", "-", "+", "10"},
                             {"XPENDING", "s", "g"},
                             {"XINFO", "CONSUMERS", "s", "g"},
                         }),
                  stream_norm);
  }

  TEST_CASE("XCLAIM argument errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(2),
                         {
                             {"RPUSH", "list", "x"},
                             {"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"},
                             {"XCLAIM", "s", "g", "b", "x", "1-1"},
                             {"XCLAIM", "s", "g", "b", "0", "x"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "x"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "IDLE", "x"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "TIME", "x"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "RETRYCOUNT", "x"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "LASTID", "x"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "IDLE"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "FOO"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1", "JUSTID", "2-1"},
                             {"XCLAIM", "s", "nog", "b", "0", "1-1"},
                             {"XCLAIM", "nokey", "g", "b", "0", "1-1"},
                             {"XCLAIM", "list", "g", "b", "0", "1-1"},
                             {"XCLAIM", "s", "g", "b", "0"},
                             {"XCLAIM", "s", "g", "b"},
                             {"XPENDING", "s", "g", "-", "+", "10"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "f", "v"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    CHECK(c.cmd({"XCLAIM", "s", "g", "b", "x", "1-1"}) ==
          error("ERR Invalid min-idle-time argument for XCLAIM"));
    CHECK(c.cmd({"XCLAIM", "s", "g", "b", "0", "1-1", "FOO"}) ==
          error("ERR Unrecognized XCLAIM option 'FOO'"));
    CHECK(c.cmd({"XCLAIM", "s", "g", "b", "0", "1-1", "IDLE", "x"}) ==
          error("ERR Invalid IDLE option argument for XCLAIM"));
    CHECK(c.cmd({"XCLAIM", "s", "g", "b", "0", "1-1", "TIME", "x"}) ==
          error("ERR Invalid TIME option argument for XCLAIM"));
    CHECK(c.cmd({"XCLAIM", "s", "g", "b", "0", "1-1", "RETRYCOUNT", "x"}) ==
          error("ERR Invalid RETRYCOUNT option argument for XCLAIM"));
    CHECK(c.cmd({"XCLAIM", "s", "nog", "b", "0", "1-1"}) ==
          error("NOGROUP No such key 's' or consumer group 'nog'"));
  }

  TEST_CASE("XAUTOCLAIM scans the pending list from start, COUNT at a time, with a cursor") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(setup(5),
               {
                   {"XAUTOCLAIM", "s", "g", "bob", "0", "0"},  // nothing pending
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
                   {"XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2"},
                   {"XAUTOCLAIM", "s", "g", "bob", "0", "3-1", "COUNT", "2"},
                   {"XAUTOCLAIM", "s", "g", "bob", "0", "5-1", "COUNT", "2"},  // done
                   {"XAUTOCLAIM", "s", "g", "carol", "0", "(1-1", "COUNT", "1"},
                   {"XAUTOCLAIM", "s", "g", "carol", "0", "-", "COUNT", "1"},
                   {"XAUTOCLAIM", "s", "g", "carol", "0", "+"},
                   {"XAUTOCLAIM", "s", "g", "carol", "100000000", "0"},
                   {"XAUTOCLAIM", "s", "g", "carol", "-1", "4"},
                   {"XAUTOCLAIM", "s", "g", "carol", "0", "0", "COUNT", "1", "COUNT", "3"},
                   {"XPENDING", "s", "g", "-", "+", "10"},
                   {"XINFO", "CONSUMERS", "s", "g"},
               }),
        stream_norm);
  }

  TEST_CASE("XAUTOCLAIM lists deleted ids third and removes them from the pending list") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(6),
                         {
                             {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
                             {"XDEL", "s", "2-1", "4-1", "5-1"},
                             {"XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2"},  // 1-1, 2-1
                             {"XAUTOCLAIM", "s", "g", "bob", "0", "3-1", "COUNT", "2"},
                             {"XAUTOCLAIM", "s", "g", "bob", "0", "5-1"},
                             {"XPENDING", "s", "g", "-", "+", "10"},
                             {"XPENDING", "s", "g"},
                             {"XAUTOCLAIM", "s", "g", "bob", "0", "0", "JUSTID"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XADD", "s", "2-1", "b", "2"});
    c.cmd({"XADD", "s", "3-1", "c", "3"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    c.cmd({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
    c.cmd({"XDEL", "s", "2-1"});
    CHECK(c.cmd({"XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "2"}) ==
          array({bulk("3-1"), array({entry("1-1", {"a", "1"})}), bulks({"2-1"})}));
    CHECK(c.cmd({"XAUTOCLAIM", "s", "g", "bob", "0", "0", "JUSTID"}) ==
          array({bulk("0-0"), bulks({"1-1", "3-1"}), array({})}));
  }

  TEST_CASE("XAUTOCLAIM JUSTID and argument errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(3),
                         {
                             {"RPUSH", "list", "x"},
                             {"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"},
                             {"XAUTOCLAIM", "s", "g", "b", "0", "0", "JUSTID"},
                             {"XAUTOCLAIM", "s", "g", "c", "0", "0", "JUSTID", "JUSTID"},
                             {"XPENDING", "s", "g", "-", "+", "10"},  // counts unchanged
                             {"XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "0"},
                             {"XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "-1"},
                             {"XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "x"},
                             {"XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "922337203685477580"},
                             {"XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT"},
                             {"XAUTOCLAIM", "s", "g", "b", "0", "0", "FOO"},
                             {"XAUTOCLAIM", "s", "g", "b", "0", "x"},
                             {"XAUTOCLAIM", "s", "g", "b", "x", "0"},
                             {"XAUTOCLAIM", "s", "nog", "b", "0", "0"},
                             {"XAUTOCLAIM", "nokey", "g", "b", "0", "0"},
                             {"XAUTOCLAIM", "list", "g", "b", "0", "0"},
                             {"XAUTOCLAIM", "s", "g", "b", "0"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"});
    CHECK(c.cmd({"XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "0"}) ==
          error("ERR COUNT must be > 0"));
    CHECK(c.cmd({"XAUTOCLAIM", "s", "g", "b", "x", "0"}) ==
          error("ERR Invalid min-idle-time argument for XAUTOCLAIM"));
    CHECK(c.cmd({"XAUTOCLAIM", "s", "g", "b", "0", "0"}) ==
          array({bulk("0-0"), array({}), array({})}));
  }
}
