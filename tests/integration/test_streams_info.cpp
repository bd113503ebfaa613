// Streams: what a stream key reports and what it is. XINFO STREAM [FULL], XSETID (which sets the
// counters XINFO STREAM shows), TYPE and SCAN TYPE, WRONGTYPE between streams and lists, and
// the RESP3 shapes of XRANGE, XREAD and XINFO STREAM. Diffed against redis-server 7.0.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "harness.h"
#include "stream_norm.h"
#include "stream_replies.h"
#include "test_streams.h"

using namespace postbox::it;
using namespace postbox::it::streams;

namespace {

const char* kWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";

}  // namespace

TEST_SUITE("streams") {
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
