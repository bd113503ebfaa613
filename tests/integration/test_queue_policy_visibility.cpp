// Queue policy: VISIBILITY. An entry left unacknowledged goes to the next reader, counted again,
// idle entries first; a blocked XREADGROUP wakes when an entry's VISIBILITY runs out, or when
// XGROUP POLICY switches VISIBILITY on.
// Redis 7.0 has none of this: every test skips itself against it.
#include <doctest/doctest.h>

#include "harness.h"
#include "stream_replies.h"
#include "test_queue_policy.h"

using namespace postbox::it;
using namespace postbox::it::queue_policy;

TEST_SUITE("queue-policy") {
  TEST_CASE("An entry not acknowledged within VISIBILITY goes to the next reader, counted twice") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 3);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "200"}) == status("OK"));
    auto t0 = Clock::now();
    CHECK(read(c, "alice", 1) == Entries{job(1)});
    // Not yet due: bob gets the next new entry.
    CHECK(read(c, "bob", 1) == Entries{job(2)});
    CHECK(pel_summary(c) == Strings{"1-1 alice 1", "2-1 bob 1"});
    REQUIRE(since(t0) < 150ms);

    sleep_until(t0 + 300ms);
    // alice never acknowledged 1-1: bob gets it, in the plain reply shape, before the new 3-1.
    Reply r = c.cmd({"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "q", ">"});
    CHECK(r == array({array({bulk("q"), array({array({bulk("1-1"), bulks({"job", "j1"})})})})}));
    auto pel = pending(c);
    REQUIRE(pel.size() == 2);
    CHECK(pel[0].id == "1-1");
    CHECK(pel[0].consumer == "bob");
    CHECK(pel[0].deliveries == 2);
    CHECK(pel[0].idle < 150);  // delivered again just now
    // alice owns nothing any more.
    CHECK(c.cmd({"XPENDING", "q", "g", "-", "+", "10", "alice"}) == array({}));
    Reply consumers = c.cmd({"XINFO", "CONSUMERS", "q", "g"});
    REQUIRE(consumers.elements.size() == 2);
    CHECK(consumers.elements[0].at("name") == bulk("alice"));
    CHECK(consumers.elements[0].at("pending") == integer(0));
    CHECK(consumers.elements[1].at("name") == bulk("bob"));
    CHECK(consumers.elements[1].at("pending") == integer(2));
    CHECK(c.cmd({"XACK", "q", "g", "1-1", "2-1"}) == integer(2));
    // Nothing is due now; the next read is the new entry, then nothing.
    CHECK(read(c, "alice", 10) == Entries{job(3)});
    CHECK(read(c, "alice", 10).empty());
    CHECK(pel_summary(c) == Strings{"3-1 alice 1"});
  }

  TEST_CASE("VISIBILITY hands out the entries idle longest first, then new ones") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 5);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "300"}) == status("OK"));
    auto t0 = Clock::now();
    CHECK(ids_of(read(c, "alice", 2)) == Strings{"1-1", "2-1"});
    sleep_until(t0 + 200ms);
    // XCLAIM JUSTID resets 1-1's idle time (not its delivery count): 2-1 is now idle longer.
    CHECK(c.cmd({"XCLAIM", "q", "g", "alice", "0", "1-1", "JUSTID"}) == bulks({"1-1"}));
    sleep_until(t0 + 650ms);  // 2-1 idle ~650 ms, 1-1 ~450 ms: both due
    CHECK(read(c, "carol", 1) == Entries{job(2)});
    CHECK(read(c, "carol", 10) == Entries{job(1), job(3), job(4), job(5)});
    CHECK(pel_summary(c) ==
          Strings{"1-1 carol 2", "2-1 carol 2", "3-1 carol 1", "4-1 carol 1", "5-1 carol 1"});
    Reply g = group_info(c, "q", "g");
    CHECK(g.at("entries-read") == integer(5));
    CHECK(g.at("last-delivered-id") == bulk("5-1"));
  }

  TEST_CASE("A blocked XREADGROUP wakes when an entry's VISIBILITY runs out") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 1);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "200"}) == status("OK"));
    auto t0 = Clock::now();
    CHECK(read(c, "alice", 1) == Entries{job(1)});
    Client reader = server.client();
    start(reader,
          {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "BLOCK", "2000", "STREAMS", "q", ">"});
    CHECK_FALSE(reader.try_read(100ms).has_value());
    Reply r = reader.read();
    Millis took = since(t0);
    MESSAGE("blocked reader woke after ", took.count(), " ms (VISIBILITY 200, BLOCK 2000)");
    CHECK(read_entries(r) == Entries{job(1)});
    CHECK(took >= 180ms);
    CHECK(took < 1500ms);
    CHECK(pel_summary(c) == Strings{"1-1 bob 2"});

    // Switching VISIBILITY on wakes a reader blocked on a group that had none.
    add_jobs(c, 2, 2);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "h", "0"}) == status("OK"));
    CHECK(ids_of(read(c, "alice", 10, "q", "h")) == Strings{"1-1", "2-1"});
    start(reader, {"XREADGROUP", "GROUP", "h", "bob", "BLOCK", "3000", "STREAMS", "q", ">"});
    CHECK_FALSE(reader.try_read(200ms).has_value());
    auto t1 = Clock::now();
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "h", "VISIBILITY", "100"}) == status("OK"));
    r = reader.read();
    CHECK(since(t1) < 1000ms);
    CHECK(ids_of(read_entries(r)) == Strings{"1-1", "2-1"});
  }
}
