// Stream consumer groups: XGROUP CREATE (MKSTREAM, BUSYGROUP, start ids, ENTRIESREAD),
// CREATECONSUMER, DELCONSUMER, DESTROY and SETID, with the argument errors. Diffed against
// redis-server 7.0.
#include <doctest/doctest.h>

#include "harness.h"
#include "stream_norm.h"
#include "test_stream_groups.h"

using namespace postbox::it;
using namespace postbox::it::stream_groups;

namespace {

const char* kNeedsKey =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
    "use the MKSTREAM option to create an empty stream automatically.";
const char* kBusyGroup = "BUSYGROUP Consumer Group name already exists";

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
}
