// Queue policy: XGROUP POLICY and the policy options of XGROUP CREATE. Switching VISIBILITY and
// MAXDELIVERIES on and off, moving the DEADLETTER stream, refusing bad policies with nothing
// changed, and what XINFO GROUPS shows of a policy.
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

const char* kNoGroup = "NOGROUP No such consumer group 'nog' for key name 'q'";
const char* kBadVisibility = "ERR VISIBILITY must be an integer between 0 and 315360000000";
const char* kBadMaxDeliveries = "ERR MAXDELIVERIES must be an integer between 0 and 2147483648";
const char* kSelfDeadletter = "ERR DEADLETTER must name another key than the stream itself";

}  // namespace

TEST_SUITE("queue-policy") {
  TEST_CASE("XGROUP POLICY switches VISIBILITY off and on") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 3);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "100"}) == status("OK"));
    CHECK(read(c, "alice", 1) == Entries{job(1)});
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g", "VISIBILITY", "0"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(0, 0, "q:dlq", 0));
    std::this_thread::sleep_for(200ms);
    // No visibility timeout: 1-1 stays with alice, bob gets the new entries only.
    CHECK(read(c, "bob", 1) == Entries{job(2)});
    CHECK(pel_summary(c) == Strings{"1-1 alice 1", "2-1 bob 1"});
    // Back on: 1-1 (idle ~200 ms) and 2-1 are due at 50 ms. Longest idle first.
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g", "VISIBILITY", "50"}) == status("OK"));
    std::this_thread::sleep_for(60ms);
    CHECK(read(c, "carol", 10) == Entries{job(1), job(2), job(3)});
    CHECK(pel_summary(c) == Strings{"1-1 carol 2", "2-1 carol 2", "3-1 carol 1"});
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(50, 0, "q:dlq", 0));
  }

  TEST_CASE(
      "XGROUP POLICY raises, switches off and lowers MAXDELIVERIES, and moves the "
      "DEADLETTER stream") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 1);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "50", "MAXDELIVERIES", "1"}) ==
            status("OK"));
    CHECK(read(c, "w", 1) == Entries{job(1)});
    // Raised to 3 before the entry is due: it is delivered again instead of dead-lettered.
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g", "MAXDELIVERIES", "3"}) == status("OK"));
    std::this_thread::sleep_for(80ms);
    CHECK(read(c, "w", 1) == Entries{job(1)});
    // Switched off: delivered a third, fourth and fifth time.
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g", "MAXDELIVERIES", "0"}) == status("OK"));
    for (int i = 3; i <= 5; ++i) {
      std::this_thread::sleep_for(80ms);
      CHECK_MESSAGE(read(c, "w", 1) == Entries{job(1)}, "delivery ", i);
    }
    CHECK(pel_summary(c) == Strings{"1-1 w 5"});
    CHECK(c.cmd({"EXISTS", "q:dlq"}) == integer(0));
    // Lowered to 2, with another dead-letter stream: the next time it is due it goes there.
    CHECK(c.cmd({"XADD", "elsewhere", "1-1", "already", "here"}) == bulk("1-1"));
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g", "MAXDELIVERIES", "2", "DEADLETTER", "elsewhere"}) ==
          status("OK"));
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(50, 2, "elsewhere", 0));
    std::this_thread::sleep_for(80ms);
    CHECK(read(c, "w", 1).empty());
    CHECK(pending(c).empty());
    CHECK(c.cmd({"EXISTS", "q:dlq"}) == integer(0));
    auto dead = entries_of(c.cmd({"XRANGE", "elsewhere", "-", "+"}));
    REQUIRE(dead.size() == 2);
    CHECK(dead[0] == Entry{"1-1", {"already", "here"}});
    CHECK(dead[1].fields == with_dlq({"job", "j1"}, "q", "g", "1-1", "5", "w"));
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(50, 2, "elsewhere", 1));

    // A DEADLETTER key that does not exist yet is created on the first dead letter.
    add_jobs(c, 2, 2);
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g", "MAXDELIVERIES", "1", "DEADLETTER", "fresh"}) ==
          status("OK"));
    CHECK(c.cmd({"EXISTS", "fresh"}) == integer(0));
    CHECK(read(c, "w", 1) == Entries{job(2)});
    std::this_thread::sleep_for(80ms);
    CHECK(read(c, "w", 1).empty());
    dead = entries_of(c.cmd({"XRANGE", "fresh", "-", "+"}));
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].fields == with_dlq({"job", "j2"}, "q", "g", "2-1", "1", "w"));
    CHECK(c.cmd({"XLEN", "elsewhere"}) == integer(2));
  }

  TEST_CASE("XGROUP POLICY and XGROUP CREATE refuse bad policies and change nothing") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 2);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "700", "MAXDELIVERIES", "4",
                   "DEADLETTER", "dead"}) == status("OK"));
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "plain", "0"}) == status("OK"));
    REQUIRE(c.cmd({"RPUSH", "alist", "x"}) == integer(1));
    CHECK(read(c, "w", 1) == Entries{job(1)});
    const Reply policy_before = c.cmd({"XGROUP", "POLICY", "q", "g"});
    REQUIRE(policy_before == policy_reply(700, 4, "dead", 0));
    const Reply groups_before = c.cmd({"XINFO", "GROUPS", "q"});
    // The group without a policy shows no policy fields, the other shows all four.
    CHECK(after_lag(group_info(c, "q", "plain")) == array({}));
    CHECK(after_lag(group_info(c, "q", "g")) ==
          array({bulk("visibility"), integer(700), bulk("max-deliveries"), integer(4),
                 bulk("deadletter"), bulk("dead"), bulk("dead-lettered"), integer(0)}));

    struct Bad {
      Cmd cmd;
      std::string error;  // exact, or "" for any error
    };
    const std::vector<Bad> bad = {
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY", "-1"}, kBadVisibility},
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY", "315360000001"}, kBadVisibility},
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY", "abc"}, kBadVisibility},
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY", "1.5"}, kBadVisibility},
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY", ""}, kBadVisibility},
        {{"XGROUP", "POLICY", "q", "g", "MAXDELIVERIES", "-1"}, kBadMaxDeliveries},
        {{"XGROUP", "POLICY", "q", "g", "MAXDELIVERIES", "2147483649"}, kBadMaxDeliveries},
        {{"XGROUP", "POLICY", "q", "g", "MAXDELIVERIES", "x"}, kBadMaxDeliveries},
        {{"XGROUP", "POLICY", "q", "g", "DEADLETTER", "q"}, kSelfDeadletter},
        {{"XGROUP", "POLICY", "q", "g", "DEADLETTER", "alist"},
         "ERR DEADLETTER key 'alist' holds a value that is not a stream"},
        {{"XGROUP", "POLICY", "q", "nog"}, kNoGroup},
        {{"XGROUP", "POLICY", "q", "nog", "VISIBILITY", "5"}, kNoGroup},
        // Valid options before an invalid one are not applied either.
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY", "10", "MAXDELIVERIES", "x"},
         kBadMaxDeliveries},
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY", "10", "DEADLETTER", "q"}, kSelfDeadletter},
        {{"XGROUP", "POLICY", "q", "g", "MAXDELIVERIES", "1", "DEADLETTER", "alist"},
         "ERR DEADLETTER key 'alist' holds a value that is not a stream"},
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY", "10", "FOO", "1"}, ""},
        {{"XGROUP", "POLICY", "q", "g", "VISIBILITY"}, ""},
        {{"XGROUP", "POLICY", "nokey", "g", "VISIBILITY", "5"}, ""},
        {{"XGROUP", "POLICY", "alist", "g"}, ""},
    };
    for (const Bad& b : bad) {
      INFO(cmd_str(b.cmd));
      Reply r = c.cmd(b.cmd);
      if (b.error.empty())
        CHECK_MESSAGE(r.is_error(), r.repr());
      else
        CHECK(r == error(b.error));
      CHECK(c.cmd({"XGROUP", "POLICY", "q", "g"}) == policy_before);
    }
    CHECK(c.cmd({"XINFO", "GROUPS", "q"}) == groups_before);
    CHECK(c.cmd({"EXISTS", "nokey"}) == integer(0));

    // XGROUP CREATE with a bad policy creates no group.
    const std::vector<Bad> bad_create = {
        {{"XGROUP", "CREATE", "q", "g2", "0", "VISIBILITY", "-5"}, kBadVisibility},
        {{"XGROUP", "CREATE", "q", "g2", "0", "MAXDELIVERIES", "2147483649"}, kBadMaxDeliveries},
        {{"XGROUP", "CREATE", "q", "g2", "0", "DEADLETTER", "q"}, kSelfDeadletter},
        {{"XGROUP", "CREATE", "q", "g2", "0", "VISIBILITY", "10", "DEADLETTER", "alist"},
         "ERR DEADLETTER key 'alist' holds a value that is not a stream"},
        {{"XGROUP", "CREATE", "new", "g2", "0", "MKSTREAM", "DEADLETTER", "new"}, kSelfDeadletter},
    };
    for (const Bad& b : bad_create) {
      INFO(cmd_str(b.cmd));
      CHECK(c.cmd(b.cmd) == error(b.error));
    }
    CHECK(c.cmd({"XINFO", "GROUPS", "q"}) == groups_before);
    CHECK(c.cmd({"EXISTS", "new"}) == integer(0));

    // The limits themselves are accepted, and the options combine with MKSTREAM and ENTRIESREAD
    // in any order.
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g", "VISIBILITY", "315360000000", "MAXDELIVERIES",
                 "2147483648"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g"}) ==
          policy_reply(315360000000LL, 2147483648LL, "dead", 0));
    CHECK(c.cmd({"XGROUP", "CREATE", "new", "g", "0", "DEADLETTER", "nd", "MKSTREAM",
                 "MAXDELIVERIES", "2", "ENTRIESREAD", "0", "VISIBILITY", "100"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "POLICY", "new", "g"}) == policy_reply(100, 2, "nd", 0));
    CHECK(c.cmd({"XGROUP", "CREATE", "q", "g3", "0", "visibility", "5", "deadletter", "d3"}) ==
          status("OK"));
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g3"}) == policy_reply(5, 0, "d3", 0));
    // A policy group's map in RESP3.
    REQUIRE(c.cmd({"HELLO", "3"}).type == ReplyType::Map);
    Reply map = c.cmd({"XGROUP", "POLICY", "new", "g"});
    CHECK(map.type == ReplyType::Map);
    CHECK(map.at("visibility") == integer(100));
    CHECK(map.at("max-deliveries") == integer(2));
    CHECK(map.at("deadletter") == bulk("nd"));
    CHECK(map.at("dead-lettered") == integer(0));
  }
}
