// Stream consumer groups as XINFO shows them: GROUPS with entries-read and lag (after XDEL,
// XTRIM, XSETID and arbitrary start ids), CONSUMERS, STREAM FULL; the RESP3 shapes of the group
// replies; groups following RENAME and WRONGTYPE on a list. Diffed against redis-server 7.0 with
// times masked (stream_norm).
#include <doctest/doctest.h>

#include <vector>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"
#include "test_stream_groups.h"

using namespace postbox::it;
using namespace postbox::it::stream_groups;

namespace {

const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

}  // namespace

TEST_SUITE("stream-groups") {
  TEST_CASE("XINFO GROUPS reports entries-read and lag as the group consumes") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
            {"XINFO", "GROUPS", "s"},  // empty stream: entries-read nil, lag 0
            {"XADD", "s", "1-1", "f", "v"},
            {"XADD", "s", "2-1", "f", "v"},
            {"XADD", "s", "3-1", "f", "v"},
            {"XADD", "s", "4-1", "f", "v"},
            {"XINFO", "GROUPS", "s"},
            {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"},
            {"XINFO", "GROUPS", "s"},
            {"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"},
            {"XINFO", "GROUPS", "s"},
            {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
            {"XINFO", "GROUPS", "s"},
            {"XACK", "s", "g", "1-1", "2-1"},
            {"XINFO", "GROUPS", "s"},
            {"XADD", "s", "5-1", "f", "v"},
            {"XINFO", "GROUPS", "s"},
            {"XGROUP", "CREATE", "s", "late", "$"},
            {"XGROUP", "CREATE", "s", "all", "0"},
            {"XINFO", "GROUPS", "s"},
            {"XREADGROUP", "GROUP", "all", "c", "COUNT", "5", "STREAMS", "s", ">"},
            {"XINFO", "GROUPS", "s"},
            {"XINFO", "GROUPS", "nokey"},
            {"XINFO", "GROUPS"},
            {"XINFO", "GROUPS", "s", "extra"},
        },
        stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "f", "v"});
    c.cmd({"XADD", "s", "2-1", "f", "v"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    c.cmd({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XINFO", "GROUPS", "s"}) ==
          array({array({bulk("name"), bulk("g"), bulk("consumers"), integer(1), bulk("pending"),
                        integer(1), bulk("last-delivered-id"), bulk("1-1"), bulk("entries-read"),
                        integer(1), bulk("lag"), integer(1)})}));
    CHECK(c.cmd({"XINFO", "GROUPS", "nokey"}) == error("ERR no such key"));
  }

  TEST_CASE("XINFO GROUPS lag turns nil after an XDEL ahead of the group and comes back past it") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(5),
                         {
                             {"XGROUP", "CREATE", "s", "mid", "2-1"},
                             {"XGROUP", "CREATE", "s", "end", "$"},
                             {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                             {"XDEL", "s", "3-1"},  // a tombstone ahead of g and mid
                             {"XINFO", "GROUPS", "s"},
                             {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                             {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                             {"XREADGROUP", "GROUP", "mid", "c", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                             {"XADD", "s", "6-1", "f", "v"},
                             {"XINFO", "GROUPS", "s"},
                             {"XDEL", "s", "6-1"},  // the last entry
                             {"XINFO", "GROUPS", "s"},
                             {"XADD", "s", "7-1", "f", "v"},
                             {"XREADGROUP", "GROUP", "end", "c", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                             {"XDEL", "s", "1-1", "2-1"},  // tombstones behind everyone
                             {"XINFO", "GROUPS", "s"},
                             {"XINFO", "STREAM", "s", "FULL"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "f", "v"});
    c.cmd({"XADD", "s", "2-1", "f", "v"});
    c.cmd({"XADD", "s", "3-1", "f", "v"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    c.cmd({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"});
    c.cmd({"XDEL", "s", "2-1"});
    Reply groups = c.cmd({"XINFO", "GROUPS", "s"});
    REQUIRE(groups.elements.size() == 1);
    REQUIRE(groups.elements[0].elements.size() == 12);
    CHECK(groups.elements[0].elements[9] == integer(1));  // entries-read
    CHECK(groups.elements[0].elements[11] == nil());      // lag unknown
  }

  TEST_CASE("XINFO GROUPS lag after XTRIM, XSETID and for groups created at arbitrary ids") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(5),
                         {
                             {"XGROUP", "CREATE", "s", "mid", "2-1"},
                             {"XGROUP", "CREATE", "s", "end", "$"},
                             {"XGROUP", "CREATE", "s", "future", "9-9"},
                             {"XGROUP", "CREATE", "s", "er", "0", "ENTRIESREAD", "3"},
                             {"XINFO", "GROUPS", "s"},
                             {"XTRIM", "s", "MAXLEN", "3"},
                             {"XINFO", "GROUPS", "s"},
                             {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                             {"XADD", "s", "6-1", "f", "v"},
                             {"XINFO", "GROUPS", "s"},
                             {"XTRIM", "s", "MINID", "5-1"},
                             {"XINFO", "GROUPS", "s"},
                             {"XTRIM", "s", "MAXLEN", "0"},
                             {"XINFO", "GROUPS", "s"},
                             {"XSETID", "s", "10-0", "ENTRIESADDED", "20", "MAXDELETEDID", "8-0"},
                             {"XINFO", "GROUPS", "s"},
                             {"XADD", "s", "11-1", "f", "v"},
                             {"XINFO", "GROUPS", "s"},
                             {"XREADGROUP", "GROUP", "future", "c", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                         }),
                  stream_norm);
  }

  TEST_CASE("XINFO CONSUMERS lists consumers by name with pending counts and idle times") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(4),
                         {
                             {"XINFO", "CONSUMERS", "s", "g"},  // none yet
                             {"XREADGROUP", "GROUP", "g", "zed", "COUNT", "1", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "amy", "COUNT", "2", "STREAMS", "s", ">"},
                             {"XGROUP", "CREATECONSUMER", "s", "g", "Bob"},
                             {"XINFO", "CONSUMERS", "s", "g"},
                             {"XACK", "s", "g", "2-1"},
                             {"XINFO", "CONSUMERS", "s", "g"},
                             {"XINFO", "CONSUMERS", "s", "nog"},
                             {"XINFO", "CONSUMERS", "nokey", "g"},
                             {"XINFO", "CONSUMERS", "s"},
                             {"XINFO", "CONSUMERS", "s", "g", "extra"},
                         }),
                  stream_norm);
    Reply consumers = d.same({"XINFO", "CONSUMERS", "s", "g"}, stream_norm);
    REQUIRE(consumers.elements.size() == 3);
    for (const Reply& consumer : consumers.elements) {
      // Redis 7.0's three fields, then, on Postbox, 7.2's `inactive`.
      REQUIRE(consumer.elements.size() == (testing_real_redis() ? 6u : 8u));
      CHECK(consumer.elements[0] == bulk("name"));
      CHECK(consumer.elements[2] == bulk("pending"));
      CHECK(consumer.elements[4] == bulk("idle"));
      CHECK(consumer.elements[5].type == ReplyType::Integer);
      CHECK(consumer.elements[5].integer >= 0);
      CHECK(consumer.elements[5].integer < 10000);
      if (!testing_real_redis()) CHECK(consumer.elements[6] == bulk("inactive"));
    }
    if (!testing_real_redis())
      CHECK(consumers.elements[0].elements[7] == integer(-1));  // Bob was only created
    CHECK(consumers.elements[0].elements[1] == bulk("Bob"));    // byte order: upper case first
    CHECK(consumers.elements[1].elements[1] == bulk("amy"));
    CHECK(consumers.elements[1].elements[3] == integer(1));
    Client c = d.ours().client();
    CHECK(c.cmd({"XINFO", "CONSUMERS", "s", "nog"}) ==
          error("NOGROUP No such consumer group 'nog' for key name 's'"));
    CHECK(c.cmd({"XINFO", "CONSUMERS", "nokey", "g"}) == error("ERR no such key"));
  }

  TEST_CASE("XINFO STREAM FULL shows each group's pending list and consumers") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::vector<Cmd> seq = setup(14);
    std::vector<Cmd> more = {
        {"XGROUP", "CREATE", "s", "empty", "$"},
        {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "12", "STREAMS", "s", ">"},
        {"XREADGROUP", "GROUP", "g", "al", "STREAMS", "s", ">"},
        {"XGROUP", "CREATECONSUMER", "s", "g", "idle"},
        {"XINFO", "STREAM", "s", "FULL"},  // PELs limited to 10 as well
        {"XINFO", "STREAM", "s", "FULL", "COUNT", "2"},
        {"XINFO", "STREAM", "s", "FULL", "COUNT", "0"},
        {"XDEL", "s", "1-1"},
        {"XACK", "s", "g", "2-1"},
        {"XINFO", "STREAM", "s", "FULL", "COUNT", "3"},
    };
    d.expect_same(concat(seq, more), stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    c.cmd({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"});
    Reply full = c.cmd({"XINFO", "STREAM", "s", "FULL"});
    REQUIRE(full.elements.size() == 18);
    CHECK(full.elements[16] == bulk("groups"));
    REQUIRE(full.elements[17].elements.size() == 1);
    const Reply& group = full.elements[17].elements[0];
    REQUIRE(group.elements.size() == 14);
    CHECK(group.elements[0] == bulk("name"));
    CHECK(group.elements[2] == bulk("last-delivered-id"));
    CHECK(group.elements[4] == bulk("entries-read"));
    CHECK(group.elements[6] == bulk("lag"));
    CHECK(group.elements[8] == bulk("pel-count"));
    CHECK(group.elements[10] == bulk("pending"));
    CHECK(group.elements[12] == bulk("consumers"));
    REQUIRE(group.elements[11].elements.size() == 1);
    const Reply& p = group.elements[11].elements[0];  // [id, consumer, delivery time, count]
    REQUIRE(p.elements.size() == 4);
    CHECK(p.elements[2].type == ReplyType::Integer);
    CHECK(p.elements[2].integer > now_ms() - 60000);  // a Unix time in ms, not an idle time
    CHECK(p.elements[2].integer < now_ms() + 60000);
    REQUIRE(group.elements[13].elements.size() == 1);
    const Reply& consumer = group.elements[13].elements[0];
    // Postbox adds Redis 7.2's active-time after seen-time.
    const size_t active = testing_real_redis() ? 0 : 2;
    REQUIRE(consumer.elements.size() == 8 + active);
    CHECK(consumer.elements[2] == bulk("seen-time"));
    CHECK(consumer.elements[3].integer > now_ms() - 60000);
    if (active) {
      CHECK(consumer.elements[4] == bulk("active-time"));
      CHECK(consumer.elements[5].integer > now_ms() - 60000);
    }
    CHECK(consumer.elements[4 + active] == bulk("pel-count"));
    CHECK(consumer.elements[6 + active] == bulk("pending"));
  }

  TEST_CASE("Under RESP3 group replies take Redis's map and array shapes") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(3),
                         {
                             {"HELLO", "3"},
                             {"XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"},
                             {"XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "e", ">", ">"},
                             {"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "e", ">", ">"},
                             {"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "e", "0", "0"},
                             {"XPENDING", "s", "g"},
                             {"XPENDING", "e", "g"},
                             {"XPENDING", "s", "g", "-", "+", "10"},
                             {"XCLAIM", "s", "g", "b", "0", "1-1"},
                             {"XCLAIM", "s", "g", "b", "0", "2-1", "JUSTID"},
                             {"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "1"},
                             {"XINFO", "GROUPS", "s"},
                             {"XINFO", "GROUPS", "e"},
                             {"XINFO", "CONSUMERS", "s", "g"},
                             {"XINFO", "STREAM", "s", "FULL"},
                             {"XGROUP", "CREATECONSUMER", "s", "g", "d"},
                             {"XGROUP", "DELCONSUMER", "s", "g", "a"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"HELLO", "3"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    Reply read = c.cmd({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
    CHECK(read.type == ReplyType::Map);
    REQUIRE(read.elements.size() == 2);
    CHECK(read.elements[1] == array({entry("1-1", {"a", "1"})}));
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"}).type == ReplyType::Null);
    Reply groups = c.cmd({"XINFO", "GROUPS", "s"});
    REQUIRE(groups.elements.size() == 1);
    CHECK(groups.elements[0].type == ReplyType::Map);
    REQUIRE(groups.elements[0].field("lag") != nullptr);
    CHECK(*groups.elements[0].field("lag") == integer(0));
  }

  TEST_CASE("Groups move with RENAME and stream group commands on a list answer WRONGTYPE") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(2),
                         {
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
                             {"RENAME", "s", "t"},
                             {"XINFO", "GROUPS", "t"},
                             {"XPENDING", "t", "g"},
                             {"XGROUP", "CREATE", "s", "g", "0"},
                             {"RPUSH", "list", "x"},
                             {"XGROUP", "CREATE", "list", "g", "$"},
                             {"XGROUP", "CREATE", "list", "g", "$", "MKSTREAM"},
                             {"XGROUP", "CREATECONSUMER", "list", "g", "c"},
                             {"XGROUP", "DELCONSUMER", "list", "g", "c"},
                             {"XGROUP", "DESTROY", "list", "g"},
                             {"XGROUP", "SETID", "list", "g", "0"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "list", ">"},
                             {"XACK", "list", "g", "1-1"},
                             {"XPENDING", "list", "g"},
                             {"XCLAIM", "list", "g", "c", "0", "1-1"},
                             {"XAUTOCLAIM", "list", "g", "c", "0", "0"},
                             {"XINFO", "GROUPS", "list"},
                             {"XINFO", "CONSUMERS", "list", "g"},
                             {"DEL", "t"},
                             {"XGROUP", "CREATE", "t", "g", "0", "MKSTREAM"},
                             {"XINFO", "GROUPS", "t"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"RPUSH", "list", "x"});
    CHECK(c.cmd({"XGROUP", "CREATE", "list", "g", "$", "MKSTREAM"}) == error(kWrongType));
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "list", ">"}) == error(kWrongType));
    CHECK(c.cmd({"XINFO", "GROUPS", "list"}) == error(kWrongType));
  }
}
