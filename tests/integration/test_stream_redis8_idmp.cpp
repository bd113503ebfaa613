// Redis 8.6's idempotent producers: XADD IDMP and IDMPAUTO, the per-producer window
// (IDMP-MAXSIZE, IDMP-DURATION), XCFGSET, the IDMP fields of XINFO STREAM, and what survives a
// restart. Postbox's deviations are part of its contract (README, "Redis 8 verbs"): XINFO STREAM
// shows the six IDMP fields only for streams that used IDMP or XCFGSET, and an idempotent id
// leaves its time window when looked up or when its producer publishes again, not by a
// background job.
// Asserted by hand against Redis 8's source and skipped against redis-server 7.0 (see
// test_stream_redis8.h); doctest::skip() marks where Postbox disagrees with Redis 8.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"
#include "stream_replies.h"
#include "test_stream_redis8.h"

using namespace postbox::it;
using namespace postbox::it::redis8;

namespace {

// pids-tracked, iids-tracked, iids-added, iids-duplicates.
std::vector<long long> idmp_counters(Client& c, const std::string& key = "s") {
  auto info = info_stream(c, key);
  std::vector<long long> out;
  for (const char* k : {"pids-tracked", "iids-tracked", "iids-added", "iids-duplicates"}) {
    INFO("field " << k);
    REQUIRE(info.count(k) == 1);
    CHECK(info[k].type == ReplyType::Integer);
    out.push_back(info[k].integer);
  }
  return out;
}

}  // namespace

TEST_SUITE("redis8-verbs") {
  TEST_CASE("XADD IDMP answers a repeated idempotent id with the first id and stores nothing") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    Reply first = c.cmd({"XADD", "s", "IDMP", "p1", "req-1", "*", "a", "1"});
    REQUIRE(first.type == ReplyType::String);
    c.cmd({"XADD", "s", "*", "b", "2"});
    // Fields ignored, no entry, no trimming.
    CHECK(c.cmd({"XADD", "s", "MAXLEN", "1", "IDMP", "p1", "req-1", "*", "other", "x"}) == first);
    CHECK(c.cmd({"XLEN", "s"}) == integer(2));
    CHECK(c.cmd({"XRANGE", "s", first.str, first.str}) == array({entry(first.str, {"a", "1"})}));
    CHECK(info_stream(c)["entries-added"] == integer(2));
    // Options in any order; *, -, + and IDMP are valid idempotent ids, so are long binary ones.
    std::string big(70000, 'x');
    big[10] = '\0';
    for (const std::string& iid : {std::string("*"), std::string("-"), std::string("IDMP"), big}) {
      Reply id = c.cmd({"XADD", "s", "IDMP", "p1", iid, "NOMKSTREAM", "*", "n", "1"});
      REQUIRE(id.type == ReplyType::String);
      CHECK(c.cmd({"XADD", "s", "NOMKSTREAM", "IDMP", "p1", iid, "*", "n", "2"}) == id);
    }
    CHECK(c.cmd({"XLEN", "s"}) == integer(6));
    // The record outlives the entry, and a retry comes before the exhausted-id check.
    c.cmd({"XDEL", "s", first.str});
    CHECK(c.cmd({"XADD", "s", "IDMP", "p1", "req-1", "*", "a", "1"}) == first);
    c.cmd({"XSETID", "s", "18446744073709551615-18446744073709551615"});
    CHECK(c.cmd({"XADD", "s", "IDMP", "p1", "req-1", "*", "a", "1"}) == first);
    CHECK(c.cmd({"XADD", "s", "IDMP", "p1", "req-2", "*", "a", "1"}) ==
          error("ERR The stream has exhausted the last possible ID, unable to add more items"));
    CHECK(c.cmd({"XLEN", "s"}) == integer(5));
    CHECK(idmp_counters(c) == std::vector<long long>{1, 5, 5, 7});
  }

  TEST_CASE("A duplicate XADD IDMP wakes no blocked reader") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    Reply first = admin.cmd({"XADD", "s", "IDMP", "p", "i", "*", "a", "1"});
    start(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
    await_blocked(admin, 1);
    CHECK(admin.cmd({"XADD", "s", "IDMP", "p", "i", "*", "a", "1"}) == first);
    CHECK_FALSE(reader.try_read(150ms).has_value());
    Reply next = admin.cmd({"XADD", "s", "IDMP", "p", "j", "*", "a", "2"});
    CHECK(reader.read() == array({array({bulk("s"), array({entry(next.str, {"a", "2"})})})}));
  }

  TEST_CASE("XADD IDMPAUTO hashes the field-value pairs in any order, names and values counting") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    Reply id = c.cmd({"XADD", "s", "IDMPAUTO", "p", "*", "x", "1", "y", "2"});
    REQUIRE(id.type == ReplyType::String);
    CHECK(c.cmd({"XADD", "s", "IDMPAUTO", "p", "*", "y", "2", "x", "1"}) == id);
    std::vector<Reply> others;
    for (const Cmd& cmd : std::vector<Cmd>{
             {"XADD", "s", "IDMPAUTO", "p", "*", "x", "2", "y", "1"},  // values swapped
             {"XADD", "s", "IDMPAUTO", "p", "*", "x", "1", "z", "2"},  // another field name
             {"XADD", "s", "IDMPAUTO", "p", "*", "x", "1"},            // a pair fewer
             {"XADD", "s", "IDMPAUTO", "p", "*", "ab", "c"},
             {"XADD", "s", "IDMPAUTO", "p", "*", "a", "bc"},  // same bytes, split elsewhere
             {"XADD", "s", "IDMPAUTO", "q", "*", "x", "1", "y", "2"},  // another producer
         }) {
      CAPTURE(cmd_str(cmd));
      Reply r = c.cmd(cmd);
      REQUIRE(r.type == ReplyType::String);
      CHECK(r != id);
      for (const Reply& o : others) CHECK(r != o);
      others.push_back(r);
    }
    CHECK(c.cmd({"XLEN", "s"}) == integer(7));
    CHECK(idmp_counters(c) == std::vector<long long>{2, 7, 7, 1});
  }

  TEST_CASE("Idempotent ids are kept per producer") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    Reply a = c.cmd({"XADD", "s", "IDMP", "p1", "req", "*", "n", "1"});
    Reply b = c.cmd({"XADD", "s", "IDMP", "p2", "req", "*", "n", "1"});
    REQUIRE(a.type == ReplyType::String);
    REQUIRE(b.type == ReplyType::String);
    CHECK(a != b);
    CHECK(c.cmd({"XADD", "s", "IDMP", "p2", "req", "*", "n", "1"}) == b);
    CHECK(c.cmd({"XADD", "s", "IDMP", "p1", "req", "*", "n", "1"}) == a);
    CHECK(c.cmd({"XLEN", "s"}) == integer(2));
    CHECK(idmp_counters(c) == std::vector<long long>{2, 2, 2, 2});
  }

  TEST_CASE("A producer keeps at most IDMP-MAXSIZE idempotent ids, forgetting the oldest") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    CHECK(c.cmd({"XCFGSET", "s", "IDMP-MAXSIZE", "2"}) == status("OK"));
    std::vector<Reply> ids;
    for (const char* iid : {"i1", "i2", "i3"})
      ids.push_back(c.cmd({"XADD", "s", "IDMP", "p", iid, "*", "n", iid}));
    Reply q = c.cmd({"XADD", "s", "IDMP", "q", "i1", "*", "n", "q"});
    // i1 of p was evicted by i3; i1 of q is another producer's.
    CHECK(c.cmd({"XADD", "s", "IDMP", "q", "i1", "*", "n", "q"}) == q);
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i3", "*", "n", "x"}) == ids[2]);
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i2", "*", "n", "x"}) == ids[1]);
    CHECK(idmp_counters(c) == std::vector<long long>{2, 3, 4, 3});
    Reply again = c.cmd({"XADD", "s", "IDMP", "p", "i1", "*", "n", "x"});
    CHECK(again != ids[0]);
    CHECK(c.cmd({"XLEN", "s"}) == integer(6));
    // i1 came back and pushed i2 out.
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i2", "*", "n", "y"}) != ids[1]);
    CHECK(idmp_counters(c) == std::vector<long long>{2, 3, 6, 3});
  }

  TEST_CASE("An idempotent id leaves the window IDMP-DURATION seconds after its entry") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    CHECK(c.cmd({"XCFGSET", "s", "IDMP-DURATION", "1"}) == status("OK"));
    Reply first = c.cmd({"XADD", "s", "IDMP", "p", "i1", "*", "n", "1"});
    sleep_ms(500);
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i1", "*", "n", "1"}) == first);
    sleep_ms(650);
    Reply second = c.cmd({"XADD", "s", "IDMP", "p", "i1", "*", "n", "2"});
    REQUIRE(second.type == ReplyType::String);
    CHECK(second != first);
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i1", "*", "n", "3"}) == second);
    CHECK(c.cmd({"XLEN", "s"}) == integer(3));
  }

  // An expired idempotent id published again must leave the producer's FIFO once: its old slot
  // goes with the stale record (it used to stay, get counted twice and later evict the fresh
  // record, so a retry stored a second entry).
  TEST_CASE("An idempotent id published again after its window is tracked once and kept") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    CHECK(c.cmd({"XCFGSET", "s", "IDMP-DURATION", "1", "IDMP-MAXSIZE", "2"}) == status("OK"));
    c.cmd({"XADD", "s", "IDMP", "p", "i1", "*", "n", "1"});
    sleep_ms(1100);
    Reply fresh_id = c.cmd({"XADD", "s", "IDMP", "p", "i1", "*", "n", "2"});
    CHECK(idmp_counters(c) == std::vector<long long>{1, 1, 2, 0});
    c.cmd({"XADD", "s", "IDMP", "p", "i2", "*", "n", "3"});
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i1", "*", "n", "4"}) == fresh_id);
    CHECK(c.cmd({"XLEN", "s"}) == integer(4));
  }

  TEST_CASE("XADD IDMP and IDMPAUTO errors") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "list", "x"});
    const char* kOnlyAuto =
        "ERR syntax error, IDMP/IDMPAUTO can be used only with auto-generated IDs";
    const char* kTwice = "ERR syntax error, IDMP/IDMPAUTO specified multiple times";
    std::vector<std::pair<Cmd, std::string>> cases = {
        {{"XADD", "s", "IDMP", "p1", "i1", "IDMPAUTO", "p2", "*", "a", "1"}, kTwice},
        {{"XADD", "s", "IDMPAUTO", "p1", "IDMP", "p1", "i2", "*", "a", "1"}, kTwice},
        {{"XADD", "s", "IDMP", "p1", "i1", "IDMP", "p1", "i2", "*", "a", "1"}, kTwice},
        {{"XADD", "s", "IDMPAUTO", "", "*", "a", "1"},
         "ERR syntax error, IDMPAUTO requires a non-empty producer ID"},
        {{"XADD", "s", "IDMP", "", "i", "*", "a", "1"},
         "ERR syntax error, IDMP requires a non-empty producer ID"},
        {{"XADD", "s", "IDMP", "p", "", "*", "a", "1"},
         "ERR syntax error, IDMP requires a non-empty idempotent ID"},
        {{"XADD", "s", "IDMP", "p", "i", "5-1", "a", "1"}, kOnlyAuto},
        {{"XADD", "s", "IDMP", "p", "i", "5-*", "a", "1"}, kOnlyAuto},
        {{"XADD", "s", "IDMPAUTO", "p", "5-1", "a", "1"}, kOnlyAuto},
        // IDMP p1 * 5-1 v: "*" is the idempotent id and "5-1" the entry id.
        {{"XADD", "s", "IDMP", "p1", "*", "5-1", "v"}, kOnlyAuto},
        {{"XADD", "s", "IDMP", "p", "i", "MAXLEN", "1", "MINID", "1", "*", "a", "1"},
         "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"},
        {{"XADD", "list", "IDMP", "p", "i", "*", "a", "1"}, kWrongType},
    };
    for (const auto& [cmd, want] : cases) {
      CAPTURE(cmd_str(cmd));
      CHECK(c.cmd(cmd) == error(want));
    }
    // NOMKSTREAM on a missing key: null and no state; without it the key is created.
    CHECK(c.cmd({"XADD", "s", "NOMKSTREAM", "IDMP", "p", "i", "*", "a", "1"}) == nil());
    Reply id = c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "a", "1"});
    REQUIRE(id.type == ReplyType::String);
    CHECK(idmp_counters(c) == std::vector<long long>{1, 1, 1, 0});
  }

  TEST_CASE("XCFGSET needs an existing stream, then checks each parameter left to right") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "list", "x"});
    CHECK(c.cmd({"XCFGSET", "nokey", "IDMP-MAXSIZE", "2"}) == error("ERR no such key"));
    CHECK(c.cmd({"XCFGSET", "nokey", "BOGUS"}) == error("ERR no such key"));
    CHECK(c.cmd({"XCFGSET", "list", "IDMP-MAXSIZE", "2"}) == error(kWrongType));
    CHECK(c.cmd({"XCFGSET", "list"}) == error(kWrongType));
    c.cmd({"XADD", "s", "1-1", "a", "1"});
    const char* kDuration = "ERR IDMP-DURATION must be between 1 and 86400 seconds";
    const char* kMaxsize = "ERR IDMP-MAXSIZE must be between 1 and 10000 entries";
    std::vector<std::pair<Cmd, std::string>> cases = {
        {{"XCFGSET", "s"}, "ERR At least one parameter must be specified"},
        {{"XCFGSET", "s", "IDMP-DURATION", "5", "IDMP-DURATION", "5"},
         "ERR IDMP-DURATION specified multiple times"},
        {{"XCFGSET", "s", "IDMP-MAXSIZE", "5", "IDMP-MAXSIZE", "x"},
         "ERR IDMP-MAXSIZE specified multiple times"},
        {{"XCFGSET", "s", "IDMP-DURATION", "x"}, kNotInt},
        {{"XCFGSET", "s", "IDMP-MAXSIZE", "1.5"}, kNotInt},
        {{"XCFGSET", "s", "IDMP-DURATION", "0"}, kDuration},
        {{"XCFGSET", "s", "IDMP-DURATION", "-1"}, kDuration},
        {{"XCFGSET", "s", "IDMP-DURATION", "86401"}, kDuration},
        {{"XCFGSET", "s", "IDMP-MAXSIZE", "0"}, kMaxsize},
        {{"XCFGSET", "s", "IDMP-MAXSIZE", "10001"}, kMaxsize},
        {{"XCFGSET", "s", "IDMP-MAXSIZE", "0", "IDMP-DURATION", "x"}, kMaxsize},
        {{"XCFGSET", "s", "IDMP-MAXSIZE"}, kSyntax},
        {{"XCFGSET", "s", "IDMP-MAXSIZE", "5", "IDMP-DURATION"}, kSyntax},
        {{"XCFGSET", "s", "FOO", "1"}, kSyntax},
        {{"XCFGSET", "s", "DURATION", "100", "MAXSIZE", "100"}, kSyntax},
    };
    for (const auto& [cmd, want] : cases) {
      CAPTURE(cmd_str(cmd));
      CHECK(c.cmd(cmd) == error(want));
    }
    CHECK(c.cmd({"XCFGSET", "s", "idmp-duration", "86400", "idmp-maxsize", "10000"}) ==
          status("OK"));
    CHECK(c.cmd({"XCFGSET", "s", "IDMP-DURATION", "1", "IDMP-MAXSIZE", "1"}) == status("OK"));
    auto info = info_stream(c);
    CHECK(info["idmp-duration"] == integer(1));
    CHECK(info["idmp-maxsize"] == integer(1));
  }

  TEST_CASE("XCFGSET clears the idempotency history only when a value changes") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    Reply first = c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"});
    c.cmd({"XADD", "s", "IDMP", "q", "i", "*", "n", "1"});
    c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"});
    CHECK(idmp_counters(c) == std::vector<long long>{2, 2, 2, 1});
    // The defaults again: no change, history kept.
    CHECK(c.cmd({"XCFGSET", "s", "IDMP-DURATION", "100", "IDMP-MAXSIZE", "100"}) == status("OK"));
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"}) == first);
    CHECK(idmp_counters(c) == std::vector<long long>{2, 2, 2, 2});
    // A change clears every producer; the lifetime counters stay.
    CHECK(c.cmd({"XCFGSET", "s", "IDMP-MAXSIZE", "50"}) == status("OK"));
    CHECK(idmp_counters(c) == std::vector<long long>{0, 0, 2, 2});
    Reply again = c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"});
    CHECK(again != first);
    CHECK(c.cmd({"XCFGSET", "s", "IDMP-MAXSIZE", "50", "IDMP-DURATION", "100"}) == status("OK"));
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"}) == again);
    CHECK(c.cmd({"XCFGSET", "s", "IDMP-DURATION", "99"}) == status("OK"));
    CHECK(idmp_counters(c) == std::vector<long long>{0, 0, 3, 3});
    CHECK(c.cmd({"XLEN", "s"}) == integer(3));
  }

  TEST_CASE("XINFO STREAM adds the six IDMP fields after recorded-first-entry-id once used") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    const std::vector<std::string> base = {"length",
                                           "radix-tree-keys",
                                           "radix-tree-nodes",
                                           "last-generated-id",
                                           "max-deleted-entry-id",
                                           "entries-added",
                                           "recorded-first-entry-id"};
    const std::vector<std::string> idmp = {"idmp-duration", "idmp-maxsize", "pids-tracked",
                                           "iids-tracked",  "iids-added",   "iids-duplicates"};
    auto join = [](std::vector<std::string> a, const std::vector<std::string>& b,
                   const std::vector<std::string>& tail) {
      a.insert(a.end(), b.begin(), b.end());
      a.insert(a.end(), tail.begin(), tail.end());
      return a;
    };
    const std::vector<std::string> tail = {"groups", "first-entry", "last-entry"};
    const std::vector<std::string> full_tail = {"entries", "groups"};
    // (Postbox: a stream that never used IDMP keeps Redis 7.0's reply.) XCFGSET alone is enough.
    c.cmd({"XADD", "cfg", "1-1", "a", "1"});
    c.cmd({"XCFGSET", "cfg", "IDMP-MAXSIZE", "7"});
    Reply r = c.cmd({"XINFO", "STREAM", "cfg"});
    CHECK(r.elements.size() == 32);
    CHECK(keys_of(r) == join(base, idmp, tail));
    CHECK(idmp_counters(c, "cfg") == std::vector<long long>{0, 0, 0, 0});
    // IDMP on a new stream: the defaults come from the stream-idmp-* configs at creation.
    CHECK(c.cmd({"CONFIG", "GET", "stream-idmp-*"}).elements.size() == 4);
    CHECK(c.cmd({"CONFIG", "SET", "stream-idmp-maxsize", "9"}) == status("OK"));
    CHECK(c.cmd({"CONFIG", "SET", "stream-idmp-duration", "30"}) == status("OK"));
    c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"});
    c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"});
    c.cmd({"XADD", "s", "IDMPAUTO", "q", "*", "n", "1"});
    CHECK(c.cmd({"CONFIG", "SET", "stream-idmp-maxsize", "100"}) == status("OK"));
    auto info = info_stream(c);
    CHECK(info["idmp-duration"] == integer(30));
    CHECK(info["idmp-maxsize"] == integer(9));  // a config change affects new streams only
    CHECK(idmp_counters(c) == std::vector<long long>{2, 2, 2, 1});
    r = c.cmd({"XINFO", "STREAM", "s", "FULL"});
    CHECK(r.elements.size() == 30);
    CHECK(keys_of(r) == join(base, idmp, full_tail));
    // Out-of-range configs are refused.
    for (const Cmd& bad : std::vector<Cmd>{{"CONFIG", "SET", "stream-idmp-maxsize", "0"},
                                           {"CONFIG", "SET", "stream-idmp-maxsize", "10001"},
                                           {"CONFIG", "SET", "stream-idmp-duration", "0"},
                                           {"CONFIG", "SET", "stream-idmp-duration", "86401"}}) {
      CAPTURE(cmd_str(bad));
      Reply e = c.cmd(bad);
      REQUIRE(e.is_error());
      CHECK(e.str.find("must be between") != std::string::npos);
    }
    // RESP3: a map with integer values.
    c.cmd({"HELLO", "3"});
    r = c.cmd({"XINFO", "STREAM", "s"});
    REQUIRE(r.type == ReplyType::Map);
    for (const std::string& k : idmp) {
      CAPTURE(k);
      REQUIRE(r.field(k) != nullptr);
      CHECK(r.field(k)->type == ReplyType::Integer);
    }
  }

  TEST_CASE("Idempotency history, XCFGSET values and released entries survive a restart") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Reply first;
    {
      Client c = server.client();
      setup(c, 2);
      c.cmd({"XCFGSET", "s", "IDMP-MAXSIZE", "3"});
      first = c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"});
      c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"});
      c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">"});
      c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "1-1", "RETRYCOUNT", "6"});
      c.cmd({"XNACK", "s", "g", "FATAL", "IDS", "1", "2-1"});
    }
    server.restart();
    Client c = server.client();
    CHECK(c.cmd({"XADD", "s", "IDMP", "p", "i", "*", "n", "1"}) == first);
    auto info = info_stream(c);
    CHECK(info["idmp-maxsize"] == integer(3));
    CHECK(idmp_counters(c) == std::vector<long long>{1, 1, 1, 2});
    std::map<std::string, Pel> want = {{"1-1", {"", -1, 6}}, {"2-1", {"", -1, kMaxCount}}};
    CHECK(pel(c) == want);
    // Still claimable first, unowned.
    Reply r = c.cmd({"XREADGROUP", "GROUP", "g", "b", "CLAIM", "100000", "STREAMS", "s", ">"});
    CHECK(ids_of(stream_entries(r, "s")) == std::vector<std::string>{"1-1", "2-1", first.str});
  }
}
