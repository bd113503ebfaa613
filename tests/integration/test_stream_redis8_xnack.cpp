// Redis 8.8's XNACK (plus Postbox's DELAY): SILENT, FAIL and FATAL release pending entries and
// set their delivery counts, FORCE, what XPENDING and XINFO STREAM FULL show of released
// entries, the order CLAIM, XCLAIM and XAUTOCLAIM take them back in, and the argument checks.
// Asserted by hand against Redis 8's source and skipped against redis-server 7.0 (see
// test_stream_redis8.h); doctest::skip() marks where Postbox disagrees with Redis 8.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"
#include "stream_replies.h"
#include "test_stream_redis8.h"

using namespace postbox::it;
using namespace postbox::it::redis8;

TEST_SUITE("redis8-verbs") {
  TEST_CASE("XNACK SILENT, FAIL and FATAL release entries and set their delivery counts") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 5);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "4", "STREAMS", "s", ">"});
    c.cmd({"XCLAIM", "s", "g", "a", "0", "1-1", "2-1", "RETRYCOUNT", "2", "JUSTID"});
    CHECK(c.cmd({"XNACK", "s", "g", "SILENT", "IDS", "2", "1-1", "2-1"}) == integer(2));
    CHECK(c.cmd({"XNACK", "s", "g", "fail", "IDS", "1", "3-1"}) == integer(1));
    CHECK(c.cmd({"XNACK", "s", "g", "Fatal", "IDS", "1", "4-1"}) == integer(1));
    std::map<std::string, Pel> want = {{"1-1", {"", -1, 1}},
                                       {"2-1", {"", -1, 1}},
                                       {"3-1", {"", -1, 1}},
                                       {"4-1", {"", -1, kMaxCount}}};
    CHECK(pel(c) == want);
    // Releasing again applies the mode again; SILENT stops at 0; duplicates each count.
    CHECK(c.cmd({"XNACK", "s", "g", "SILENT", "IDS", "3", "1-1", "1-1", "1-1"}) == integer(3));
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "2-1"}) == integer(1));
    // RETRYCOUNT overrides every mode.
    CHECK(c.cmd({"XNACK", "s", "g", "FATAL", "IDS", "1", "3-1", "RETRYCOUNT", "5"}) == integer(1));
    CHECK(c.cmd({"XNACK", "s", "g", "SILENT", "RETRYCOUNT", "7", "IDS", "1", "4-1"}) == integer(1));
    want = {{"1-1", {"", -1, 0}}, {"2-1", {"", -1, 1}}, {"3-1", {"", -1, 5}}, {"4-1", {"", -1, 7}}};
    CHECK(pel(c) == want);
    // Ids not pending are skipped without FORCE (5-1 exists, 9-9 does not).
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "2", "5-1", "9-9"}) == integer(0));
    CHECK(pel(c).size() == 4);
    // The consumer stays, owning nothing.
    Reply consumers = c.cmd({"XINFO", "CONSUMERS", "s", "g"});
    REQUIRE(consumers.elements.size() == 1);
    CHECK(consumers.elements[0].elements.at(1) == bulk("a"));
    CHECK(consumers.elements[0].elements.at(3) == integer(0));
    CHECK(c.cmd({"XPENDING", "s", "g", "-", "+", "10", "a"}) == array({}));
  }

  TEST_CASE("XNACK FORCE makes an unowned pending entry only for ids still in the stream") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 4);
    c.cmd({"XDEL", "s", "4-1"});
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "3", "1-1", "9-9", "4-1", "FORCE"}) ==
          integer(1));
    CHECK(c.cmd({"XNACK", "s", "g", "FATAL", "FORCE", "IDS", "1", "2-1"}) == integer(1));
    CHECK(c.cmd({"XNACK", "s", "g", "SILENT", "IDS", "1", "3-1", "RETRYCOUNT", "3", "FORCE",
                 "FORCE"}) == integer(1));
    std::map<std::string, Pel> want = {
        {"1-1", {"", -1, 0}}, {"2-1", {"", -1, kMaxCount}}, {"3-1", {"", -1, 3}}};
    CHECK(pel(c) == want);
    // FORCE on an id already pending takes the normal path: no second entry.
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "1-1", "FORCE"}) == integer(1));
    CHECK(c.cmd({"XPENDING", "s", "g"}) ==
          array({integer(3), bulk("1-1"), bulk("3-1"), array({})}));
    // The group's last-delivered-id did not move.
    Reply groups = c.cmd({"XINFO", "GROUPS", "s"});
    REQUIRE(groups.elements.size() == 1);
    CHECK(groups.elements[0].elements.at(5) == integer(3));  // pending
    CHECK(groups.elements[0].elements.at(7) == bulk("0-0"));
  }

  TEST_CASE("XPENDING shows released entries with consumer \"\" and idle -1, never filtered") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 3);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "2-1"}) == integer(1));
    Reply rows = c.cmd({"XPENDING", "s", "g", "-", "+", "10"});
    REQUIRE(rows.elements.size() == 3);
    CHECK(rows.elements[1] == array({bulk("2-1"), bulk(""), integer(-1), integer(1)}));
    // IDLE filters owned entries only.
    CHECK(c.cmd({"XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10"}) ==
          array({array({bulk("2-1"), bulk(""), integer(-1), integer(1)})}));
    // The consumer filter and the summary's per-consumer list leave it out.
    CHECK(ids_of(c.cmd({"XPENDING", "s", "g", "-", "+", "10", "a"})) ==
          std::vector<std::string>{"1-1", "3-1"});
    CHECK(c.cmd({"XPENDING", "s", "g"}) ==
          array({integer(3), bulk("1-1"), bulk("3-1"), array({bulks({"a", "2"})})}));
    // Not part of any consumer's history.
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0"}) ==
          array({array({bulk("s"), array({entry("1-1", fv(1)), entry("3-1", fv(3))})})}));
    // DELCONSUMER counts and drops only what the consumer owned.
    CHECK(c.cmd({"XGROUP", "DELCONSUMER", "s", "g", "a"}) == integer(2));
    CHECK(c.cmd({"XPENDING", "s", "g"}) ==
          array({integer(1), bulk("2-1"), bulk("2-1"), array({})}));
    CHECK(c.cmd({"XACK", "s", "g", "2-1"}) == integer(1));
    CHECK(pel(c).empty());
  }

  TEST_CASE("Released entries come first for CLAIM, XCLAIM and XAUTOCLAIM, idle or not") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 4);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    c.cmd({"XCLAIM", "s", "g", "a", "0", "2-1", "IDLE", "500000", "JUSTID"});
    // Released 1-1 and 3-1 come before 2-1, idle for 500 s (released order: see the next case).
    CHECK(c.cmd({"XNACK", "s", "g", "SILENT", "IDS", "1", "1-1"}) == integer(1));
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "3-1"}) == integer(1));
    Reply r = c.cmd(
        {"XREADGROUP", "GROUP", "g", "b", "COUNT", "3", "CLAIM", "400000", "STREAMS", "s", ">"});
    const Reply& e = stream_entries(r, "s");
    REQUIRE(ids_of(e) == std::vector<std::string>{"1-1", "3-1", "2-1"});
    claimed(e.elements[0], "1-1", fv(1), 0);  // SILENT took it back to 0
    // A released entry's delivery time is 0: its idle time is the clock itself.
    long long idle = claimed(e.elements[1], "3-1", fv(3), 1);
    CHECK(idle > now_ms() - 60000);
    CHECK(idle < now_ms() + 60000);
    CHECK(claimed(e.elements[2], "2-1", fv(2), 1) >= 500000);
    CHECK(owners(c) == std::vector<std::string>{"1-1:b:1", "2-1:b:2", "3-1:b:2", "4-1:a:1"});
    // XCLAIM skips the idle check for a released entry, not for an owned one.
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "2-1"}) == integer(1));
    CHECK(c.cmd({"XCLAIM", "s", "g", "c", "100000", "2-1", "4-1"}) == array({entry("2-1", fv(2))}));
    // So does XAUTOCLAIM.
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "3-1"}) == integer(1));
    CHECK(c.cmd({"XAUTOCLAIM", "s", "g", "d", "100000", "0"}) ==
          array({bulk("0-0"), array({entry("3-1", fv(3))}), array({})}));
    CHECK(owners(c) == std::vector<std::string>{"1-1:b:1", "2-1:c:3", "3-1:d:3", "4-1:a:1"});
  }

  // Redis appends each released entry to the tail of the group's "NACK zone", so CLAIM serves
  // released entries in the order XNACK released them, and releasing one again moves it to the
  // end.
  TEST_CASE("Released entries are claimed in the order XNACK released them") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 4);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "3-1"}) == integer(1));
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "1-1"}) == integer(1));
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "3", "4-1", "2-1", "3-1"}) == integer(3));
    Reply r = c.cmd({"XREADGROUP", "GROUP", "g", "b", "CLAIM", "0", "STREAMS", "s", ">"});
    CHECK(ids_of(stream_entries(r, "s")) == std::vector<std::string>{"1-1", "4-1", "2-1", "3-1"});
  }

  TEST_CASE("An entry failed with FATAL is still claimed, its count staying at the maximum") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 1);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XNACK", "s", "g", "FATAL", "IDS", "1", "1-1"}) == integer(1));
    Reply r = c.cmd({"XREADGROUP", "GROUP", "g", "b", "CLAIM", "0", "STREAMS", "s", ">"});
    claimed(stream_entries(r, "s").elements.at(0), "1-1", fv(1), kMaxCount);
    CHECK(owners(c) == std::vector<std::string>{"1-1:b:" + std::to_string(kMaxCount)});
  }

  TEST_CASE("XNACK DELAY keeps released entries back from CLAIM until the delay is over") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client admin = server.client();
    Client reader = server.client();
    setup(admin, 3);
    admin.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">"});
    CHECK(admin.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "1-1", "DELAY", "400"}) == integer(1));
    CHECK(pel(admin)["1-1"] == Pel{"", -1, 1});
    // Held back: CLAIM 0 takes the owned 2-1 and the new 3-1 only.
    Reply r = admin.cmd({"XREADGROUP", "GROUP", "g", "b", "CLAIM", "0", "STREAMS", "s", ">"});
    CHECK(ids_of(stream_entries(r, "s")) == std::vector<std::string>{"2-1", "3-1"});
    sleep_ms(450);
    r = admin.cmd({"XREADGROUP", "GROUP", "g", "b", "CLAIM", "100000", "STREAMS", "s", ">"});
    const Reply& e = stream_entries(r, "s");
    REQUIRE(e.elements.size() == 1);
    claimed(e.elements[0], "1-1", fv(1), 1);
    // A blocked CLAIM reader wakes when the delay runs out.
    CHECK(admin.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "2-1", "DELAY", "300"}) == integer(1));
    auto began = Clock::now();
    start(reader, {"XREADGROUP", "GROUP", "g", "c", "CLAIM", "100000", "BLOCK", "5000", "STREAMS",
                   "s", ">"});
    std::optional<Reply> woken = reader.try_read(2500ms);
    REQUIRE(woken.has_value());
    CHECK(since(began) >= 250ms);
    CHECK(since(began) < 1500ms);
    CHECK(ids_of(stream_entries(*woken, "s")) == std::vector<std::string>{"2-1"});
    // DELAY 0 is no delay; the value is checked.
    CHECK(admin.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "3-1", "DELAY", "0"}) == integer(1));
    r = admin.cmd({"XREADGROUP", "GROUP", "g", "d", "CLAIM", "100000", "STREAMS", "s", ">"});
    CHECK(ids_of(stream_entries(r, "s")) == std::vector<std::string>{"3-1"});
    const char* kDelay = "ERR DELAY must be an integer between 0 and 315360000000";
    CHECK(admin.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "1-1", "DELAY", "-1"}) ==
          error(kDelay));
    CHECK(admin.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "1-1", "DELAY", "x"}) == error(kDelay));
  }

  // Postbox's DELAY says released entries go out again only after the delay: XAUTOCLAIM and
  // XCLAIM honour it as CLAIM does (they used to skip every check for unowned entries).
  TEST_CASE("XAUTOCLAIM and XCLAIM with a min-idle-time leave an entry whose delay still runs") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 2);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "2", "1-1", "2-1", "DELAY", "60000"}) ==
          integer(2));
    CHECK(c.cmd({"XAUTOCLAIM", "s", "g", "b", "100000", "0"}) ==
          array({bulk("0-0"), array({}), array({})}));
    CHECK(c.cmd({"XCLAIM", "s", "g", "b", "100000", "2-1"}) == array({}));
    std::map<std::string, Pel> want = {{"1-1", {"", -1, 1}}, {"2-1", {"", -1, 1}}};
    CHECK(pel(c) == want);
  }

  TEST_CASE("XNACK checks the key and group first, then mode, IDS, options and every id") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 2);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    c.cmd({"RPUSH", "list", "x"});
    auto nack = [&](std::vector<std::string> rest) {
      Cmd cmd = {"XNACK", "s", "g"};
      cmd.insert(cmd.end(), rest.begin(), rest.end());
      return c.cmd(cmd);
    };
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1"}) ==
          error("ERR wrong number of arguments for 'xnack' command"));
    CHECK(c.cmd({"XNACK", "list", "g", "BAD", "IDS", "1", "1-1"}) == error(kWrongType));
    CHECK(c.cmd({"XNACK", "nokey", "g", "BADMODE", "IDS", "1", "1-0"}) ==
          error("NOGROUP No such key 'nokey' or consumer group 'g'"));
    CHECK(c.cmd({"XNACK", "s", "nog", "BADMODE", "IDS", "x", "1-0"}) ==
          error("NOGROUP No such key 's' or consumer group 'nog'"));
    CHECK(nack({"BADMODE", "IDS", "1", "1-1"}) == error("ERR mode must be SILENT, FAIL, or FATAL"));
    CHECK(nack({"IDS", "1", "1-1", "FAIL"}) == error("ERR mode must be SILENT, FAIL, or FATAL"));
    for (const char* n : {"abc", "0", "-1"}) {
      CAPTURE(n);
      CHECK(nack({"FAIL", "IDS", n, "1-1"}) == error("ERR numids must be a positive integer"));
    }
    CHECK(nack({"FAIL", "IDS", "3", "1-1", "2-1"}) ==
          error("ERR number of IDs doesn't match numids"));
    CHECK(nack({"FAIL", "IDS", "1", "1-1", "2-1"}) == error("ERR Unrecognized XNACK option '2-1'"));
    CHECK(nack({"FAIL", "IDS", "1", "1-1", "fatal"}) ==
          error("ERR Unrecognized XNACK option 'fatal'"));
    CHECK(nack({"FAIL", "IDS", "1", "1-1", "RETRYCOUNT"}) ==
          error("ERR Unrecognized XNACK option 'RETRYCOUNT'"));
    CHECK(nack({"FAIL", "IDS", "1", "1-1", "RETRYCOUNT", "x"}) == error(kNotInt));
    CHECK(nack({"FAIL", "IDS", "1", "1-1", "RETRYCOUNT", "99999999999999999999"}) ==
          error(kNotInt));
    CHECK(nack({"FAIL", "IDS", "1", "1-1", "RETRYCOUNT", "-1"}) ==
          error("ERR Invalid RETRYCOUNT value, must be >= 0"));
    CHECK(nack({"FAIL", "FORCE", "FORCE", "FORCE"}) ==
          error("ERR syntax error, expected IDS keyword"));
    CHECK(nack({"FAIL", "RETRYCOUNT", "3", "FORCE"}) ==
          error("ERR syntax error, expected IDS keyword"));
    // Ids are all parsed before anything changes (1-1's count is not set to 5).
    CHECK(nack({"FAIL", "IDS", "2", "1-1", "bad", "RETRYCOUNT", "5"}) == error(kBadId));
    CHECK(nack({"FAIL", "IDS", "2", "1-1", "+", "RETRYCOUNT", "5"}) == error(kBadId));
    CHECK(nack({"FAIL", "IDS", "1", "-"}) == error(kBadId));
    // The last IDS wins.
    CHECK(nack({"FAIL", "IDS", "1", "2-1", "IDS", "1", "1-1"}) == integer(1));
    CHECK(owners(c) == std::vector<std::string>{"1-1::1", "2-1:a:1"});
  }

  // Redis 8.8 (t_stream.c) adds nacked-count after pel-count in each group of XINFO STREAM FULL
  // (8 fields). Postbox shows it while the group has released entries (groups that never used
  // XNACK keep Redis 7.0's 7-field map, which the stream suites diff against redis-server).
  TEST_CASE("XINFO STREAM FULL counts a group's released entries in nacked-count") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 2);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
    c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "2-1"});
    Reply full = c.cmd({"XINFO", "STREAM", "s", "FULL"});
    Reply groups;
    for (size_t i = 0; i + 1 < full.elements.size(); i += 2)
      if (full.elements[i] == bulk("groups")) groups = full.elements[i + 1];
    REQUIRE(groups.elements.size() == 1);
    const Reply& g = groups.elements[0];
    CHECK(keys_of(g) == std::vector<std::string>{"name", "last-delivered-id", "entries-read", "lag",
                                                 "pel-count", "nacked-count", "pending",
                                                 "consumers"});
    REQUIRE(g.elements.size() == 16);
    CHECK(g.elements[11] == integer(1));
    CHECK(g.elements[13].elements.at(1) == array({bulk("2-1"), bulk(""), integer(0), integer(1)}));
  }

  TEST_CASE("XCLAIM FORCE of an entry nobody had leaves the released entries' count alone") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    setup(c, 3);
    c.cmd({"XREADGROUP", "GROUP", "g", "a", "COUNT", "2", "STREAMS", "s", ">"});
    CHECK(c.cmd({"XNACK", "s", "g", "FAIL", "IDS", "1", "2-1"}) == integer(1));
    // 3-1 was never delivered: FORCE makes its pending record from scratch, owned by b.
    CHECK(c.cmd({"XCLAIM", "s", "g", "b", "0", "3-1", "FORCE", "JUSTID"}) == bulks({"3-1"}));
    Reply full = c.cmd({"XINFO", "STREAM", "s", "FULL"});
    Reply groups = full.at("groups");
    REQUIRE(groups.elements.size() == 1);
    const Reply& g = groups.elements[0];
    CHECK(g.at("pel-count") == integer(3));
    CHECK(g.at("nacked-count") == integer(1));
    Reply rows = c.cmd({"XPENDING", "s", "g", "-", "+", "10"});
    REQUIRE(rows.elements.size() == 3);
    CHECK(rows.elements[1] == array({bulk("2-1"), bulk(""), integer(-1), integer(1)}));
    CHECK(rows.elements[2].elements.at(1) == bulk("b"));
    CHECK(rows.elements[2].elements.at(3) == integer(1));  // JUSTID does not count a delivery
  }
}
