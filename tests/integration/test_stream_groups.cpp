// Stream consumer groups: XGROUP (CREATE, CREATECONSUMER, DELCONSUMER, DESTROY, SETID),
// XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO GROUPS / CONSUMERS / STREAM FULL with
// entries-read and lag, RESP3 shapes, and the blocking forms XREAD BLOCK / XREADGROUP BLOCK.
// Non-blocking behaviour is diffed against redis-server 7.0 with idle and delivery times masked;
// blocking behaviour is checked with several clients of the server under test.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"

using namespace postbox::it;

namespace {

const char* kNeedsKey =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
    "use the MKSTREAM option to create an empty stream automatically.";
const char* kBusyGroup = "BUSYGROUP Consumer Group name already exists";
const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
const char* kGroupGone = "NOGROUP the consumer group this client was blocked on no longer exists";
const char* kKeyGone = "UNBLOCKED the stream key no longer exists";
const char* kUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

// One stream of an XREAD / XREADGROUP reply under RESP2.
Reply stream_reply(const std::string& key, std::vector<Reply> entries) {
  return array({bulk(key), array(std::move(entries))});
}

// s with entries 1-1 .. n-1 (fields f<i> v<i>) and group g at 0.
std::vector<Cmd> setup(int n, const std::string& key = "s") {
  std::vector<Cmd> out;
  for (int i = 1; i <= n; ++i) {
    std::string k = std::to_string(i);
    out.push_back({"XADD", key, k + "-1", "f" + k, "v" + k});
  }
  out.push_back({"XGROUP", "CREATE", key, "g", "0"});
  return out;
}

std::vector<Cmd> concat(std::vector<Cmd> a, const std::vector<Cmd>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The idle time XPENDING's extended form reports for `id` (which must be pending), or -1.
long long idle_of(const Reply& pending, const std::string& id) {
  for (const Reply& p : pending.elements)
    if (p.elements.size() == 4 && p.elements[0].str == id) return p.elements[2].integer;
  return -1;
}

}  // namespace

TEST_SUITE("stream-groups") {
  TEST_CASE("XGROUP CREATE needs the key unless MKSTREAM and refuses a taken name with BUSYGROUP") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XGROUP", "CREATE", "s", "g", "$"},
            {"EXISTS", "s"},
            {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
            {"EXISTS", "s"},
            {"TYPE", "s"},
            {"XLEN", "s"},
            {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
            {"XGROUP", "CREATE", "s", "g", "0"},
            {"XGROUP", "CREATE", "s", "G", "0"},  // names are case-sensitive
            {"XGROUP", "create", "s", "g2", "0", "mkstream"},
            {"XGROUP", "CREATE", "s", "g3", "0", "MKSTREAM", "MKSTREAM"},
            {"XINFO", "GROUPS", "s"},
            {"XINFO", "STREAM", "s"},
            {"XGROUP", "CREATE", "t", "g", "0", "MKSTREAM", "ENTRIESREAD", "0"},
            {"XINFO", "GROUPS", "t"},
        },
        stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g", "$"}) == error(kNeedsKey));
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == error(kBusyGroup));
    CHECK(c.cmd({"XLEN", "s"}) == integer(0));
  }

  TEST_CASE("XGROUP CREATE starts a group at $, 0, any id or a future one, with ENTRIESREAD") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(5),
                         {
                             {"XGROUP", "CREATE", "s", "zeta", "$"},
                             {"XGROUP", "CREATE", "s", "mid", "2-1"},
                             {"XGROUP", "CREATE", "s", "gap", "2-5"},
                             {"XGROUP", "CREATE", "s", "future", "9-9"},
                             {"XGROUP", "CREATE", "s", "er", "0", "ENTRIESREAD", "3"},
                             {"XGROUP", "CREATE", "s", "er1", "0", "ENTRIESREAD", "-1"},
                             {"XGROUP", "CREATE", "s", "big", "0", "ENTRIESREAD", "99"},
                             {"XGROUP", "CREATE", "s", "inc", "3"},
                             {"XINFO", "GROUPS", "s"},  // sorted by name
                             {"XREADGROUP", "GROUP", "mid", "c", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "zeta", "c", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "future", "c", "STREAMS", "s", ">"},
                             {"XREADGROUP", "GROUP", "inc", "c", "STREAMS", "s", ">"},
                             {"XADD", "s", "6-1", "f6", "v6"},
                             {"XREADGROUP", "GROUP", "zeta", "c", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                         }),
                  stream_norm);
  }

  TEST_CASE("XGROUP argument errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(setup(2),
               {
                   {"XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "-2"},
                   {"XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "x"},
                   {"XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD"},
                   {"XGROUP", "CREATE", "s", "g4", "0", "FOO"},
                   {"XGROUP", "CREATE", "s", "g4", "x"},
                   {"XGROUP", "CREATE", "s", "g4", ">"},
                   {"XGROUP", "CREATE", "s", "g4", "1-*"},
                   {"XGROUP", "CREATE", "s", "g4"},
                   {"XGROUP", "CREATE", "s"},
                   {"XGROUP", "CREATE"},
                   {"XGROUP", "CREATE", "s", "g5", "0", "MKSTREAM", "ENTRIESREAD", "1", "MKSTREAM"},
                   {"XGROUP", "CREATECONSUMER", "s", "g"},
                   {"XGROUP", "CREATECONSUMER", "s", "nog", "c"},
                   {"XGROUP", "CREATECONSUMER", "nokey", "g", "c"},
                   {"XGROUP", "DELCONSUMER", "s", "nog", "c"},
                   {"XGROUP", "DELCONSUMER", "nokey", "g", "c"},
                   {"XGROUP", "DELCONSUMER", "s", "g"},
                   {"XGROUP", "DESTROY", "nokey", "g"},
                   {"XGROUP", "DESTROY", "s"},
                   {"XGROUP", "SETID", "s", "nog", "0"},
                   {"XGROUP", "SETID", "nokey", "g", "0"},
                   {"XGROUP", "SETID", "s", "g", "x"},
                   {"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "x"},
                   {"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "-3"},
                   {"XGROUP", "SETID", "s", "g", "$", "FOO"},
                   {"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD"},
                   {"XGROUP", "SETID", "s", "g"},
                   {"XGROUP"},
                   {"XGROUP", "FOO"},
                   {"XGROUP", "FOO", "s", "g"},
                   {"XINFO", "GROUPS", "s"},
               }),
        stream_norm);
    Client c = d.ours().client();
    c.cmd({"FLUSHALL"});
    c.cmd({"XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"});
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"}) ==
          error("ERR value for ENTRIESREAD must be positive or -1"));
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g2", "0", "FOO"}) ==
          error("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP "
                "HELP."));
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g2"}) ==
          error("ERR wrong number of arguments for 'xgroup|create' command"));
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g2", "x"}) ==
          error("ERR Invalid stream ID specified as stream command argument"));
    CHECK(c.cmd({"XGROUP", "CREATECONSUMER", "s", "nog", "c"}) ==
          error("NOGROUP No such consumer group 'nog' for key name 's'"));
    CHECK(c.cmd({"XGROUP", "SETID", "nokey", "g", "0"}) == error(kNeedsKey));
    CHECK(c.cmd({"XGROUP", "FOO"}) == error("ERR unknown subcommand 'FOO'. Try XGROUP HELP."));
  }

  TEST_CASE("XGROUP CREATECONSUMER creates once and DELCONSUMER returns the pending count") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        concat(setup(4),
               {
                   {"XGROUP", "CREATECONSUMER", "s", "g", "bob"},
                   {"XGROUP", "CREATECONSUMER", "s", "g", "bob"},
                   {"XGROUP", "CREATECONSUMER", "s", "g", "alice"},
                   {"XINFO", "CONSUMERS", "s", "g"},
                   {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">"},
                   {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"},
                   {"XINFO", "GROUPS", "s"},
                   {"XGROUP", "DELCONSUMER", "s", "g", "alice"},  // had 3 pending
                   {"XGROUP", "DELCONSUMER", "s", "g", "alice"},  // gone: 0
                   {"XGROUP", "DELCONSUMER", "s", "g", "nobody"},
                   {"XPENDING", "s", "g"},  // alice's entries left the group's PEL too
                   {"XINFO", "CONSUMERS", "s", "g"},
                   {"XINFO", "GROUPS", "s"},
                   {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"},
                   {"XGROUP", "DELCONSUMER", "s", "g", "bob"},
                   {"XINFO", "CONSUMERS", "s", "g"},
                   {"XPENDING", "s", "g"},
               }),
        stream_norm);
  }

  TEST_CASE("XGROUP DESTROY removes the group with its consumers and pending entries") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(3),
                         {
                             {"XGROUP", "CREATE", "s", "other", "0"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
                             {"XGROUP", "DESTROY", "s", "g"},
                             {"XGROUP", "DESTROY", "s", "g"},
                             {"XGROUP", "DESTROY", "s", "never"},
                             {"XINFO", "GROUPS", "s"},
                             {"XINFO", "STREAM", "s"},
                             {"XPENDING", "s", "g"},
                             {"XACK", "s", "g", "1-1"},
                             {"XGROUP", "CREATE", "s", "g", "0"},
                             {"XPENDING", "s", "g"},
                             {"XINFO", "CONSUMERS", "s", "g"},
                             {"XGROUP", "DESTROY", "s", "other"},
                             {"XINFO", "GROUPS", "s"},
                         }),
                  stream_norm);
  }

  TEST_CASE("XGROUP SETID moves last-delivered-id so > rereads, and sets ENTRIESREAD") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(concat(setup(4),
                         {
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
                             {"XINFO", "GROUPS", "s"},
                             {"XGROUP", "SETID", "s", "g", "2-1"},
                             {"XINFO", "GROUPS", "s"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
                             {"XPENDING", "s", "g", "-", "+", "10"},  // delivery counts bumped
                             {"XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"},
                             {"XINFO", "GROUPS", "s"},
                             {"XGROUP", "SETID", "s", "g", "$"},
                             {"XINFO", "GROUPS", "s"},
                             {"XGROUP", "SETID", "s", "g", "1-1", "ENTRIESREAD", "1"},
                             {"XINFO", "GROUPS", "s"},
                             {"XGROUP", "SETID", "s", "g", "100-0"},  // beyond the stream
                             {"XINFO", "GROUPS", "s"},
                             {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
                             {"XGROUP", "SETID", "s", "g", "3", "ENTRIESREAD", "-1"},
                             {"XINFO", "GROUPS", "s"},
                         }),
                  stream_norm);
  }

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

  TEST_CASE("Inside MULTI, XREAD and XREADGROUP with BLOCK answer at once") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"},
            {"MULTI"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"},
            {"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "0"},
            {"XADD", "s", "1-1", "a", "b"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "0"},
            {"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"},
            {"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"},
            {"XREAD", "BLOCK", "0", "STREAMS", "nokey", "0"},
            {"EXEC"},
            {"HELLO", "3"},
            {"MULTI"},
            {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"},
            {"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"},
            {"EXEC"},
        },
        stream_norm);
  }

  // ---- Blocking reads: the server under test alone, several clients ----

  TEST_CASE("XREAD BLOCK $ is woken by an XADD from another client and gets only that entry") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    admin.cmd({"XADD", "s", "1-1", "old", "x"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    CHECK_FALSE(reader.try_read(150ms).has_value());  // BLOCK 0 waits with no timeout
    CHECK(admin.cmd({"XADD", "s", "2-1", "new", "y"}) == bulk("2-1"));
    CHECK(reader.read() == array({stream_reply("s", {entry("2-1", {"new", "y"})})}));
    CHECK(blocked_clients(admin) == 0);
    // With the data already there, BLOCK does not wait.
    auto began = Clock::now();
    CHECK(reader.cmd({"XREAD", "BLOCK", "1000", "STREAMS", "s", "1-1"}) ==
          array({stream_reply("s", {entry("2-1", {"new", "y"})})}));
    CHECK(since(began) < 500ms);
  }

  TEST_CASE("XREAD BLOCK on several streams answers with just the stream that got data") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    admin.cmd({"XADD", "a", "5-1", "f", "v"});
    start(reader,
          {"XREAD", "COUNT", "10", "BLOCK", "2000", "STREAMS", "a", "b", "c", "$", "$", "0"});
    await_blocked(admin, 1);
    admin.cmd({"XADD", "b", "1-1", "f", "v"});
    CHECK(reader.read() == array({stream_reply("b", {entry("1-1", {"f", "v"})})}));
  }

  TEST_CASE("XREAD BLOCK with an explicit id waits for an entry above it") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    admin.cmd({"XADD", "s", "3-1", "f", "v"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "5-0"});
    await_blocked(admin, 1);
    admin.cmd({"XADD", "s", "4-1", "f", "v"});  // not above 5-0
    CHECK_FALSE(reader.try_read(100ms).has_value());
    CHECK(blocked_clients(admin) == 1);
    admin.cmd({"XADD", "s", "6-1", "g", "w"});
    CHECK(reader.read() == array({stream_reply("s", {entry("6-1", {"g", "w"})})}));
  }

  TEST_CASE("XREAD and XREADGROUP BLOCK time out with a null array, or null under RESP3") {
    Server server;
    Client c = server.client();
    c.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    auto began = Clock::now();
    CHECK(c.cmd({"XREAD", "BLOCK", "150", "STREAMS", "s", "$"}) == nil_array());
    Millis waited = since(began);
    CHECK(waited >= 140ms);
    CHECK(waited < 1500ms);
    began = Clock::now();
    CHECK(c.cmd({"XREAD", "BLOCK", "100", "STREAMS", "nokey", "0"}) == nil_array());
    CHECK(since(began) >= 90ms);
    began = Clock::now();
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "waiter", "BLOCK", "100", "STREAMS", "s", ">"}) ==
          nil_array());
    CHECK(since(began) >= 90ms);
    // An XREADGROUP > that found nothing (and so blocked) did not create its consumer.
    CHECK(c.cmd({"XINFO", "CONSUMERS", "s", "g"}) == array({}));
    c.cmd({"HELLO", "3"});
    CHECK(c.cmd({"XREAD", "BLOCK", "100", "STREAMS", "s", "$"}).type == ReplyType::Null);
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "waiter", "BLOCK", "100", "STREAMS", "s", ">"}).type ==
          ReplyType::Null);
    CHECK(blocked_clients(c) == 0);
  }

  TEST_CASE("Every client blocked by XREAD gets the new entries, each within its COUNT") {
    Server server;
    Client admin = server.client();
    Client all = server.client();
    Client one = server.client();
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    start(all, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    start(one, {"XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 2);
    // Both entries are added before the blocked clients are served.
    admin.send({"MULTI"});
    admin.send({"XADD", "s", "2-1", "a", "1"});
    admin.send({"XADD", "s", "3-1", "b", "2"});
    admin.send({"EXEC"});
    admin.flush();
    for (int i = 0; i < 3; ++i) admin.read();
    CHECK(admin.read() == array({bulk("2-1"), bulk("3-1")}));
    CHECK(all.read() ==
          array({stream_reply("s", {entry("2-1", {"a", "1"}), entry("3-1", {"b", "2"})})}));
    CHECK(one.read() == array({stream_reply("s", {entry("2-1", {"a", "1"})})}));
    CHECK(blocked_clients(admin) == 0);
  }

  TEST_CASE("XREADGROUP BLOCK is woken by XADD and the entry becomes the consumer's pending") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    Client noack = server.client();
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    admin.cmd({"XGROUP", "CREATE", "s", "h", "$"});
    start(reader, {"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    start(noack, {"XREADGROUP", "GROUP", "h", "bob", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 2);
    CHECK_FALSE(reader.try_read(100ms).has_value());
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    CHECK(reader.read() == array({stream_reply("s", {entry("1-1", {"f", "v"})})}));
    CHECK(noack.read() == array({stream_reply("s", {entry("1-1", {"f", "v"})})}));
    CHECK(admin.cmd({"XPENDING", "s", "g"}) ==
          array({integer(1), bulk("1-1"), bulk("1-1"), array({bulks({"alice", "1"})})}));
    CHECK(admin.cmd({"XPENDING", "s", "h"}) == array({integer(0), nil(), nil(), nil_array()}));
    Reply groups = admin.cmd({"XINFO", "GROUPS", "s"});
    REQUIRE(groups.elements.size() == 2);
    CHECK(groups.elements[0].elements[7] == bulk("1-1"));  // last-delivered-id
    CHECK(groups.elements[1].elements[7] == bulk("1-1"));
    // A history read never blocks, even with BLOCK and nothing to return.
    auto began = Clock::now();
    CHECK(reader.cmd({"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "1000", "STREAMS", "s",
                      "1-1"}) == array({stream_reply("s", {})}));
    CHECK(since(began) < 500ms);
  }

  TEST_CASE("Clients blocked by XREADGROUP on one group are served in arrival order") {
    Server server;
    Client admin = server.client();
    std::vector<std::unique_ptr<Client>> w;
    const std::vector<std::string> names = {"c1", "c2", "c3"};
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    for (size_t i = 0; i < names.size(); ++i) {
      w.push_back(std::make_unique<Client>(server.port()));
      start(*w.back(), {"XREADGROUP", "GROUP", "g", names[i], "BLOCK", "0", "STREAMS", "s", ">"});
      await_blocked(admin, static_cast<long long>(i) + 1);
    }
    // A plain reader blocked in between gets every entry regardless.
    Client plain = server.client();
    start(plain, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 4);
    admin.cmd({"XADD", "s", "1-1", "n", "1"});
    CHECK(w[0]->read() == array({stream_reply("s", {entry("1-1", {"n", "1"})})}));
    CHECK(plain.read() == array({stream_reply("s", {entry("1-1", {"n", "1"})})}));
    CHECK_FALSE(w[1]->try_read(50ms).has_value());
    await_blocked(admin, 2);
    admin.cmd({"XADD", "s", "2-1", "n", "2"});
    CHECK(w[1]->read() == array({stream_reply("s", {entry("2-1", {"n", "2"})})}));
    CHECK_FALSE(w[2]->try_read(50ms).has_value());
    // Two entries in one transaction all go to the first waiting consumer.
    start(*w[0], {"XREADGROUP", "GROUP", "g", "c1", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 2);
    admin.send({"MULTI"});
    admin.send({"XADD", "s", "3-1", "n", "3"});
    admin.send({"XADD", "s", "4-1", "n", "4"});
    admin.send({"EXEC"});
    admin.flush();
    for (int i = 0; i < 4; ++i) admin.read();
    CHECK(w[2]->read() ==
          array({stream_reply("s", {entry("3-1", {"n", "3"}), entry("4-1", {"n", "4"})})}));
    CHECK_FALSE(w[0]->try_read(50ms).has_value());
    CHECK(blocked_clients(admin) == 1);
    CHECK(admin.cmd({"XPENDING", "s", "g"}) ==
          array({integer(4), bulk("1-1"), bulk("4-1"),
                 array({bulks({"c1", "1"}), bulks({"c2", "1"}), bulks({"c3", "2"})})}));
  }

  TEST_CASE("A blocked XREADGROUP gets NOGROUP when its group is destroyed") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    Client other = server.client();
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    admin.cmd({"XGROUP", "CREATE", "s", "keep", "$"});
    start(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    start(other, {"XREADGROUP", "GROUP", "keep", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 2);
    CHECK(admin.cmd({"XGROUP", "DESTROY", "s", "g"}) == integer(1));
    CHECK(reader.read() == error(kGroupGone));
    await_blocked(admin, 1);  // the client of the other group still waits
    CHECK_FALSE(other.try_read(50ms).has_value());
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    CHECK(other.read() == array({stream_reply("s", {entry("1-1", {"f", "v"})})}));
  }

  TEST_CASE(
      "A blocked XREADGROUP gets UNBLOCKED when its key goes, a blocked XREAD keeps waiting") {
    Server server;
    Client admin = server.client();
    Client group_reader = server.client();
    Client reader = server.client();
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$"});
    start(group_reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});  // $ is 1-1 from now on
    await_blocked(admin, 2);
    CHECK(admin.cmd({"DEL", "s"}) == integer(1));
    CHECK(group_reader.read() == error(kKeyGone));
    await_blocked(admin, 1);
    CHECK_FALSE(reader.try_read(50ms).has_value());
    admin.cmd({"XADD", "s", "1-1", "old", "id"});  // a new stream, but not above 1-1
    CHECK_FALSE(reader.try_read(50ms).has_value());
    admin.cmd({"XADD", "s", "2-1", "f", "v"});
    CHECK(reader.read() == array({stream_reply("s", {entry("2-1", {"f", "v"})})}));

    // Replacing the key by a list (RENAME over it) or FLUSHALL does the same.
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$"});
    admin.cmd({"RPUSH", "list", "x"});
    start(group_reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    admin.cmd({"RENAME", "list", "s"});
    CHECK(group_reader.read() == error(kKeyGone));
    admin.cmd({"DEL", "s"});
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    start(group_reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    admin.cmd({"FLUSHALL"});
    CHECK(group_reader.read() == error(kKeyGone));
    CHECK(blocked_clients(admin) == 0);
  }

  TEST_CASE("CLIENT UNBLOCK ends XREAD BLOCK with a null array, or an error with ERROR") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    const std::string id = std::to_string(reader.cmd({"CLIENT", "ID"}).integer);
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id}) == integer(1));
    CHECK(reader.read() == nil_array());
    start(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"CLIENT", "UNBLOCK", id, "ERROR"}) == integer(1));
    CHECK(reader.read() == error(kUnblocked));
    admin.cmd({"XADD", "s", "1-1", "f", "v"});  // nobody waits any more: nothing delivered
    CHECK(admin.cmd({"XPENDING", "s", "g"}) == array({integer(0), nil(), nil(), nil_array()}));
    CHECK(reader.cmd({"PING"}) == status("PONG"));
  }

  TEST_CASE("Blocked XREAD and XREADGROUP clients under RESP3 are woken with a map") {
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    Client group_reader = server.client();
    reader.cmd({"HELLO", "3"});
    group_reader.cmd({"HELLO", "3"});
    admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    start(group_reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
    await_blocked(admin, 2);
    admin.cmd({"XADD", "s", "1-1", "f", "v"});
    for (Client* c : {&reader, &group_reader}) {
      Reply r = c->read();
      CHECK(r.type == ReplyType::Map);
      REQUIRE(r.elements.size() == 2);
      CHECK(r.elements[0] == bulk("s"));
      CHECK(r.elements[1] == array({entry("1-1", {"f", "v"})}));
    }
  }
}
