// Stream consumer groups: non-blocking XREADGROUP (new entries with >, NOACK, the consumer's
// history with an id, deleted entries, several streams) and XACK, with their errors. Diffed
// against redis-server 7.0; the blocking forms are in test_stream_groups_blocking.cpp.
#include <doctest/doctest.h>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"
#include "test_stream_groups.h"

using namespace postbox::it;
using namespace postbox::it::stream_groups;

TEST_SUITE("stream-groups") {
  TEST_CASE("XREADGROUP > delivers each new entry once per group and makes it pending") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(setup(5),
               {
                   {"XGROUP", "CREATE", "s", "h", "0"},
                   {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"},
                   {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"},
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},  // nothing
                   {"XREADGROUP", "GROUP", "h", "alice", "COUNT", "0", "STREAMS", "s",
                    ">"},  // COUNT 0: no limit; another group sees everything
                   {"XREADGROUP", "GROUP", "h", "carol", "COUNT", "-1", "STREAMS", "s", ">"},
                   {"XPENDING", "s", "g"},
                   {"XPENDING", "s", "h"},
                   {"XINFO", "CONSUMERS", "s", "g"},
                   {"XINFO", "CONSUMERS", "s", "h"},  // carol got nothing: not created
                   {"XADD", "s", "6-1", "f6", "v6"},
                   {"xreadgroup", "group", "g", "bob", "streams", "s", ">"},
                   {"XPENDING", "s", "g", "-", "+", "10"},
               }),
        stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XADD", "s", "2-1", "b", "2"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">"}) ==
          array({stream_reply("s", {entry("1-1", {"a", "1"})})}));
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}) ==
          array({stream_reply("s", {entry("2-1", {"b", "2"})})}));
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}) == nil_array());
  }

  TEST_CASE("XREADGROUP NOACK delivers without creating pending entries") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(setup(3),
               {
                   {"XREADGROUP", "GROUP", "g", "c", "NOACK", "COUNT", "2", "STREAMS", "s", ">"},
                   {"XPENDING", "s", "g"},
                   {"XINFO", "GROUPS", "s"},
                   {"XINFO", "CONSUMERS", "s", "g"},
                   {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"},  // no history
                   {"XREADGROUP", "GROUP", "g", "c", "NOACK", "NOACK", "STREAMS", "s", ">"},
                   {"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", "0"},
                   {"XPENDING", "s", "g"},
               }),
        stream_norm);
  }

  TEST_CASE("XREADGROUP with an id replays the consumer's own pending entries after that id") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(setup(5),
               {
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"},  // empty
                   {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">"},
                   {"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"},
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"},
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "1-1"},
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "2"},
                   {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "0"},
                   {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "0", "STREAMS", "s", "0-0"},
                   {"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0"},
                   {"XREADGROUP", "GROUP", "g", "nobody", "STREAMS", "s", "0"},
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "9-9"},
                   {"XPENDING", "s", "g", "-", "+", "10"},  // replays count deliveries
                   {"XACK", "s", "g", "2-1"},
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"},
                   {"XINFO", "CONSUMERS", "s", "g"},
               }),
        stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"});
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}) ==
          array({stream_reply("s", {})}));  // an empty history is not a null reply
    // A history read creates its consumer; a > read that finds nothing does not.
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}) == nil_array());
    Reply consumers = c.cmd({"XINFO", "CONSUMERS", "s", "g"});
    REQUIRE(consumers.elements.size() == 1);
    CHECK(consumers.elements[0].elements[1] == bulk("alice"));
  }

  TEST_CASE("XREADGROUP history shows deleted entries as nil and does not count their delivery") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(4),
                         {
                             {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"},
                             {"XDEL", "s", "2-1"},
                             {"XTRIM", "s", "MAXLEN", "2"},  // 1-1 goes too
                             {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"},
                             {"XPENDING", "s", "g", "-", "+", "10"},
                             {"XPENDING", "s", "g"},
                             {"HELLO", "3"},
                             {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"},
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    c.cmd({"XADD", "s", "2-1", "b", "2"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0"});
    c.cmd({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
    c.cmd({"XDEL", "s", "1-1"});
    CHECK(
        c.cmd({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}) ==
        array({stream_reply("s", {array({bulk("1-1"), nil_array()}), entry("2-1", {"b", "2"})})}));
  }

  TEST_CASE("XREADGROUP reads several streams and needs the group on each of them") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(concat(setup(3, "a"), setup(2, "b")),
               {
                   {"XADD", "nogroup", "1-1", "f", "v"},
                   {"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "a", "b", ">", ">"},
                   {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", ">", ">"},
                   {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", ">", ">"},  // nil
                   {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", "0", ">"},  // mixed
                   {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "b", "a", "0", "2-1"},
                   {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "nogroup", ">", ">"},
                   {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "missing", ">", ">"},
                   {"XADD", "b", "3-1", "f", "v"},
                   {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "a", "b", ">", ">"},
                   {"XPENDING", "a", "g"},
                   {"XPENDING", "b", "g"},
               }),
        stream_norm);
  }

  TEST_CASE("XREADGROUP errors match Redis, NOGROUP naming the key and the group") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(2),
                         {
                             {"RPUSH", "list", "x"},
                             {"XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", "0"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "list", ">"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "x"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "(1-1"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">"},
                             {"XREADGROUP", "GROUP", "g", "c", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "STREAMS", "s", ">"},
                             {"XREADGROUP", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "-1", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "x", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", "s", ">"},
                             {"XREADGROUP", "COUNT", "1", "STREAMS", "s", ">"},
                             {"XREADGROUP"},
                             {"XINFO", "CONSUMERS", "s", "g"},  // no consumer made
                         }),
                  stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"});
    CHECK(c.cmd({"XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"}) ==
          error("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"));
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"}) ==
          error("NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP "
                "option"));
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"}) ==
          error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
                "history of this consumer by specifying a proper ID, or use the > ID to get new "
                "messages. The $ ID would just return an empty result set."));
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">"}) ==
          error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
                "specified."));
  }

  TEST_CASE("XACK acknowledges pending ids and answers 0 for unknown ids, groups and keys") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(4),
                         {
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
                             {"XACK", "s", "g", "1-1", "9-9", "1-1"},
                             {"XACK", "s", "g", "1-1"},
                             {"XACK", "s", "g", "2-1", "3-1"},
                             {"XACK", "s", "g", "4"},  // 4-0 is not pending
                             {"XACK", "s", "nog", "4-1"},
                             {"XACK", "nokey", "g", "4-1"},
                             {"XACK", "s", "g", "4-1", "x"},  // nothing acknowledged
                             {"XACK", "s", "g", "-"},
                             {"XACK", "s", "g"},
                             {"XPENDING", "s", "g"},
                             {"XINFO", "CONSUMERS", "s", "g"},
                             {"XACK", "s", "g", "4-1"},
                             {"XPENDING", "s", "g"},
                             {"XINFO", "GROUPS", "s"},
                             {"XLEN", "s"},  // acknowledging does not delete
                         }),
                  stream_norm);
  }
}
