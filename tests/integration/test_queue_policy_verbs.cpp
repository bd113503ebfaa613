// Queue policy and the queue verbs Redis added after 7.0 that Postbox implements: XNACK (8.8,
// SILENT, FAIL, FATAL and Postbox's DELAY), XREADGROUP ... CLAIM (8.4), XACKDEL and XDELEX
// (8.2), on groups with and without VISIBILITY.
// Redis 7.0 has none of this: every test skips itself against it.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "stream_replies.h"
#include "test_queue_policy.h"

using namespace postbox::it;
using namespace postbox::it::queue_policy;

namespace {

// An entry of a CLAIM-shaped XREADGROUP reply: [id, fields, idle-ms, previous delivery count].
struct ClaimedEntry {
  std::string id;
  Strings fields;
  long long idle;
  long long deliveries;
};

std::vector<ClaimedEntry> claimed_entries(const Reply& r) {
  if (r.is_nil()) return {};
  REQUIRE_MESSAGE(
      (r.type == ReplyType::Array && r.elements.size() == 1 && r.elements[0].elements.size() == 2),
      r.repr());
  std::vector<ClaimedEntry> out;
  for (const Reply& e : r.elements[0].elements[1].elements) {
    REQUIRE_MESSAGE(
        (e.type == ReplyType::Array && e.elements.size() == 4 &&
         e.elements[2].type == ReplyType::Integer && e.elements[3].type == ReplyType::Integer),
        e.repr());
    out.push_back(
        {e.elements[0].str, e.elements[1].strings(), e.elements[2].integer, e.elements[3].integer});
  }
  return out;
}

}  // namespace

TEST_SUITE("queue-policy") {
  TEST_CASE("XNACK releases pending entries: SILENT, FAIL and FATAL set the delivery count") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 6);
    // A long VISIBILITY: only a release makes entries deliverable again.
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "600000"}) == status("OK"));
    CHECK(read(c, "alice", 5).size() == 5);
    CHECK(c.cmd({"XCLAIM", "q", "g", "alice", "0", "2-1"}).elements.size() == 1);  // count 2
    CHECK(c.cmd({"XNACK", "q", "g", "SILENT", "IDS", "2", "1-1", "2-1"}) == integer(2));
    CHECK(c.cmd({"XNACK", "q", "g", "FAIL", "IDS", "1", "3-1"}) == integer(1));
    CHECK(c.cmd({"XNACK", "q", "g", "FATAL", "IDS", "1", "4-1"}) == integer(1));
    // Not pending (6-1 was never delivered, 9-9 does not exist): not released.
    CHECK(c.cmd({"XNACK", "q", "g", "FAIL", "IDS", "2", "6-1", "9-9"}) == integer(0));
    auto pel = pending(c);
    REQUIRE(pel.size() == 5);
    const std::vector<long long> counts = {0, 1, 1, std::stoll(kMaxCount), 1};
    for (size_t i = 0; i < 4; ++i) {
      INFO(pel[i].id);
      CHECK(pel[i].consumer == "");
      CHECK(pel[i].idle == -1);
      CHECK(pel[i].deliveries == counts[i]);
    }
    CHECK(pel[4].consumer == "alice");
    CHECK(pel[4].deliveries == 1);
    Reply consumers = c.cmd({"XINFO", "CONSUMERS", "q", "g"});
    REQUIRE(consumers.elements.size() == 1);
    CHECK(consumers.elements[0].at("pending") == integer(1));
    // XPENDING's summary still counts the released entries; no consumer holds them.
    Reply summary = c.cmd({"XPENDING", "q", "g"});
    REQUIRE(summary.elements.size() == 4);
    CHECK(summary.elements[0] == integer(5));

    // The next > read takes the released entries first, then new ones.
    CHECK(ids_of(read(c, "bob", 10)) == Strings{"1-1", "2-1", "3-1", "4-1", "6-1"});
    CHECK(pel_summary(c) == Strings{"1-1 bob 1", "2-1 bob 2", "3-1 bob 2",
                                    std::string("4-1 bob ") + kMaxCount, "5-1 alice 1",
                                    "6-1 bob 1"});

    // RETRYCOUNT sets the count; the reply counts what was released.
    CHECK(c.cmd({"XNACK", "q", "g", "FAIL", "IDS", "2", "5-1", "6-1", "RETRYCOUNT", "7"}) ==
          integer(2));
    pel = pending(c);
    REQUIRE(pel.size() == 6);
    CHECK(pel[4].deliveries == 7);
    CHECK(pel[5].deliveries == 7);
    CHECK(pel[4].consumer == "");

    // Errors change nothing.
    const Strings before = pel_summary(c);
    for (const Cmd& bad : std::vector<Cmd>{
             {"XNACK", "q", "nog", "FAIL", "IDS", "1", "1-1"},
             {"XNACK", "nokey", "g", "FAIL", "IDS", "1", "1-1"},
             {"XNACK", "q", "g", "MAYBE", "IDS", "1", "1-1"},
             {"XNACK", "q", "g", "FAIL", "IDS", "2", "1-1"},
             {"XNACK", "q", "g", "FAIL", "IDS", "0", "1-1"},
             {"XNACK", "q", "g", "FAIL", "IDS", "1", "notanid"},
             {"XNACK", "q", "g", "FAIL", "IDS", "1", "1-1", "RETRYCOUNT", "-1"},
             {"XNACK", "q", "g", "FAIL", "IDS", "1", "1-1", "DELAY", "-1"},
             {"XNACK", "q", "g", "FAIL", "IDS", "1", "1-1", "DELAY", "x"},
             {"XNACK", "q", "g", "FAIL", "IDS", "1", "1-1", "BOGUS"},
         }) {
      Reply r = c.cmd(bad);
      CHECK_MESSAGE(r.is_error(), cmd_str(bad), " -> ", r.repr());
    }
    CHECK(c.cmd({"XNACK", "q", "nog", "FAIL", "IDS", "1", "1-1"}).str.rfind("NOGROUP", 0) == 0);
    CHECK(pel_summary(c) == before);
  }

  TEST_CASE("Without VISIBILITY, released entries come back through XREADGROUP ... CLAIM only") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 3);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0"}) == status("OK"));
    CHECK(read(c, "alice", 2).size() == 2);
    CHECK(c.cmd({"XNACK", "q", "g", "FAIL", "IDS", "1", "1-1"}) == integer(1));
    CHECK(read(c, "bob", 1) == Entries{job(3)});
    CHECK(read(c, "bob", 1).empty());
    // CLAIM with a long min-idle-time still takes the released entry (not alice's 2-1).
    auto got = claimed_entries(c.cmd({"XREADGROUP", "GROUP", "g", "bob", "COUNT", "10", "CLAIM",
                                      "600000", "STREAMS", "q", ">"}));
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == "1-1");
    CHECK(got[0].fields == Strings{"job", "j1"});
    CHECK(got[0].deliveries == 1);
    CHECK(pel_summary(c) == Strings{"1-1 bob 2", "2-1 alice 1", "3-1 bob 1"});
  }

  TEST_CASE("XNACK DELAY holds released entries back until the delay has passed") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 3);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "600000"}) == status("OK"));
    CHECK(read(c, "alice", 1) == Entries{job(1)});
    auto t0 = Clock::now();
    CHECK(c.cmd({"XNACK", "q", "g", "FAIL", "IDS", "1", "1-1", "DELAY", "400"}) == integer(1));
    CHECK(read(c, "bob", 1) == Entries{job(2)});  // not 1-1
    sleep_until(t0 + 200ms);
    CHECK(read(c, "bob", 1) == Entries{job(3)});
    CHECK(read(c, "bob", 1).empty());
    REQUIRE(since(t0) < 350ms);
    sleep_until(t0 + 450ms);
    CHECK(read(c, "bob", 1) == Entries{job(1)});
    CHECK(pel_summary(c) == Strings{"1-1 bob 2", "2-1 bob 1", "3-1 bob 1"});

    // A blocked reader wakes when the delay runs out, not before.
    CHECK(c.cmd({"XACK", "q", "g", "1-1", "2-1"}) == integer(2));
    auto t1 = Clock::now();
    CHECK(c.cmd({"XNACK", "q", "g", "SILENT", "IDS", "1", "3-1", "DELAY", "300"}) == integer(1));
    Client reader = server.client();
    start(reader, {"XREADGROUP", "GROUP", "g", "carol", "COUNT", "5", "BLOCK", "3000", "STREAMS",
                   "q", ">"});
    Reply r = reader.read();
    Millis took = since(t1);
    CHECK(read_entries(r) == Entries{job(3)});
    CHECK(took >= 280ms);
    CHECK(took < 1500ms);
    CHECK(pel_summary(c) == Strings{"3-1 carol 1"});

    // With CLAIM on a group without VISIBILITY, DELAY holds too.
    add_jobs(c, 4, 4);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "h", "0"}) == status("OK"));
    CHECK(read(c, "alice", 10, "q", "h").size() == 4);
    auto t2 = Clock::now();
    CHECK(c.cmd({"XNACK", "q", "h", "FAIL", "IDS", "1", "4-1", "DELAY", "300"}) == integer(1));
    const Cmd claim = {"XREADGROUP", "GROUP", "h", "bob", "CLAIM", "0", "STREAMS", "q", ">"};
    // CLAIM 0 takes alice's owned entries at once, but not the delayed one.
    auto got = claimed_entries(c.cmd(claim));
    CHECK(got.size() == 3);
    for (const auto& e : got) CHECK(e.id != "4-1");
    REQUIRE(since(t2) < 250ms);
    sleep_until(t2 + 350ms);
    got = claimed_entries(c.cmd(
        {"XREADGROUP", "GROUP", "h", "bob", "COUNT", "1", "CLAIM", "100000", "STREAMS", "q", ">"}));
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == "4-1");
    CHECK(got[0].deliveries == 1);
  }

  TEST_CASE("XREADGROUP ... CLAIM hands out idle entries with idle time and delivery count") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 4);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0"}) == status("OK"));
    auto t0 = Clock::now();
    CHECK(read(c, "alice", 2).size() == 2);
    std::this_thread::sleep_for(120ms);
    // Too short an idle time for none: only new entries, in the CLAIM shape with 0 0.
    auto got = claimed_entries(c.cmd(
        {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "CLAIM", "60000", "STREAMS", "q", ">"}));
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == "3-1");
    CHECK(got[0].idle == 0);
    CHECK(got[0].deliveries == 0);
    // CLAIM 100: alice's two, idle >= 100 ms, with their previous delivery count, then 4-1.
    got = claimed_entries(c.cmd(
        {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "10", "CLAIM", "100", "STREAMS", "q", ">"}));
    REQUIRE(got.size() == 3);
    CHECK(got[0].id == "1-1");
    CHECK(got[0].fields == Strings{"job", "j1"});
    CHECK(got[1].id == "2-1");
    for (int i = 0; i < 2; ++i) {
      CHECK(got[i].idle >= 100);
      CHECK(got[i].idle <= since(t0).count() + 5);
      CHECK(got[i].deliveries == 1);
    }
    CHECK(got[2].id == "4-1");
    CHECK(got[2].idle == 0);
    CHECK(got[2].deliveries == 0);
    CHECK(pel_summary(c) == Strings{"1-1 bob 2", "2-1 bob 2", "3-1 bob 1", "4-1 bob 1"});
    CHECK(pending(c)[0].idle < 100);
    // Nothing left: nil.
    CHECK(
        c.cmd({"XREADGROUP", "GROUP", "g", "bob", "CLAIM", "60000", "STREAMS", "q", ">"}).is_nil());
    // On a VISIBILITY group, an explicit CLAIM gives the CLAIM shape.
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "v", "0", "VISIBILITY", "50"}) == status("OK"));
    CHECK(read(c, "alice", 1, "q", "v") == Entries{job(1)});
    std::this_thread::sleep_for(80ms);
    got = claimed_entries(c.cmd(
        {"XREADGROUP", "GROUP", "v", "bob", "COUNT", "2", "CLAIM", "50", "STREAMS", "q", ">"}));
    REQUIRE(got.size() == 2);
    CHECK(got[0].id == "1-1");
    CHECK(got[0].deliveries == 1);
    CHECK(got[1].id == "2-1");
    CHECK(got[1].deliveries == 0);
  }

  TEST_CASE("XACKDEL and XDELEX answer -1, 1 or 2 per id under KEEPREF, DELREF and ACKED") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 8);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g1", "0"}) == status("OK"));
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g2", "0"}) == status("OK"));
    CHECK(read(c, "a", 6, "q", "g1").size() == 6);
    CHECK(read(c, "b", 6, "q", "g2").size() == 6);

    // XACKDEL (KEEPREF by default): acked in g1 and deleted, still pending in g2.
    CHECK(c.cmd({"XACKDEL", "q", "g1", "IDS", "2", "1-1", "9-9"}) ==
          array({integer(1), integer(-1)}));
    CHECK(c.cmd({"XRANGE", "q", "1-1", "1-1"}) == array({}));
    CHECK(pel_summary(c, "q", "g1").size() == 5);
    CHECK(pel_summary(c, "q", "g2").front() == "1-1 b 1");
    // DELREF: deleted and gone from every group's PEL.
    CHECK(c.cmd({"XACKDEL", "q", "g1", "DELREF", "IDS", "1", "2-1"}) == array({integer(1)}));
    CHECK(pel_summary(c, "q", "g1").front().rfind("3-1", 0) == 0);
    CHECK(pel_summary(c, "q", "g2")[1].rfind("3-1", 0) == 0);
    // ACKED: acked in g1, but g2 still has it pending: not deleted (2). Then acked by g2: 1.
    CHECK(c.cmd({"XACKDEL", "q", "g1", "ACKED", "IDS", "1", "3-1"}) == array({integer(2)}));
    CHECK(c.cmd({"XRANGE", "q", "3-1", "3-1"}).elements.size() == 1);
    CHECK(c.cmd({"XACKDEL", "q", "g2", "ACKED", "IDS", "1", "3-1"}) == array({integer(1)}));
    CHECK(c.cmd({"XRANGE", "q", "3-1", "3-1"}) == array({}));

    // XDELEX: KEEPREF leaves g1's and g2's PEL entries; DELREF drops them.
    CHECK(c.cmd({"XDELEX", "q", "IDS", "2", "4-1", "9-9"}) == array({integer(1), integer(-1)}));
    CHECK(pel_summary(c, "q", "g1").front().rfind("4-1", 0) == 0);
    CHECK(c.cmd({"XDELEX", "q", "DELREF", "IDS", "1", "5-1"}) == array({integer(1)}));
    for (const char* g : {"g1", "g2"})
      for (const std::string& p : pel_summary(c, "q", g)) CHECK(p.rfind("5-1", 0) != 0);
    // ACKED: 6-1 pending in both, 7-1 not yet delivered to either: neither goes.
    CHECK(c.cmd({"XDELEX", "q", "ACKED", "IDS", "2", "6-1", "7-1"}) ==
          array({integer(2), integer(2)}));
    CHECK(c.cmd({"XACK", "q", "g1", "6-1"}) == integer(1));
    CHECK(c.cmd({"XACK", "q", "g2", "6-1"}) == integer(1));
    CHECK(c.cmd({"XDELEX", "q", "ACKED", "IDS", "1", "6-1"}) == array({integer(1)}));
    CHECK(ids_of(entries_of(c.cmd({"XRANGE", "q", "-", "+"}))) == Strings{"7-1", "8-1"});
  }
}
