// Queue policy across kill -9 and restarts: the policy, pending entries, delivery counts,
// VISIBILITY deadlines and XNACK DELAYs survive; INFO queues counts deliveries, redeliveries,
// acks, nacks, dead letters and redrives, and keeps the totals with the data.
// Redis 7.0 has none of this: every test skips itself against it.
#include <doctest/doctest.h>

#include <optional>
#include <thread>

#include "harness.h"
#include "stream_replies.h"
#include "test_queue_policy.h"

using namespace postbox::it;
using namespace postbox::it::queue_policy;

namespace {

Stats stats_of(long long delivered, long long redelivered, long long acked, long long nacked,
               long long dead_lettered, long long redriven) {
  return {{"queue_delivered", delivered},
          {"queue_redelivered", redelivered},
          {"queue_acked", acked},
          {"queue_nacked", nacked},
          {"queue_dead_lettered", dead_lettered},
          {"queue_redriven", redriven}};
}

}  // namespace

TEST_SUITE("queue-policy") {
  TEST_CASE("Policy, pending entries, delivery counts and deadlines survive kill -9") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    std::optional<Client> c;
    c.emplace(server.client());
    auto crash_and_restart = [&] {
      c.reset();
      server.kill9();
      server.start();
      c.emplace(server.client());
    };
    // Only two entries for now: a `>` read with nothing due must find nothing new.
    add_jobs(*c, 1, 2);
    REQUIRE(c->cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "1500", "MAXDELIVERIES", "2",
                    "DEADLETTER", "dead"}) == status("OK"));
    REQUIRE(c->cmd({"XGROUP", "CREATE", "q", "plain", "0"}) == status("OK"));
    crash_and_restart();
    CHECK(c->cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(1500, 2, "dead", 0));
    CHECK(after_lag(group_info(*c, "q", "plain")) == array({}));

    // alice takes 1-1; the crash does not lose the delivery.
    auto t1 = Clock::now();
    CHECK(read(*c, "alice", 1) == Entries{job(1)});
    crash_and_restart();
    CHECK(pel_summary(*c) == Strings{"1-1 alice 1"});
    // 1-1 is not due yet: bob gets 2-1, 800 ms after 1-1 went to alice.
    sleep_until(t1 + 800ms);
    auto t2 = Clock::now();
    CHECK(read(*c, "bob", 1) == Entries{job(2)});
    crash_and_restart();
    CHECK(pel_summary(*c) == Strings{"1-1 alice 1", "2-1 bob 1"});

    // 1-1's deadline passes while the server is down: honoured when it comes back.
    c.reset();
    server.kill9();
    sleep_until(t1 + 1700ms);
    server.start();
    c.emplace(server.client());
    REQUIRE(since(t2) < 1300ms);  // 2-1 is not due
    CHECK(read(*c, "carol", 1) == Entries{job(1)});
    CHECK(pel_summary(*c) == Strings{"1-1 carol 2", "2-1 bob 1"});
    crash_and_restart();
    CHECK(pel_summary(*c) == Strings{"1-1 carol 2", "2-1 bob 1"});

    // After a restart, a blocked reader still wakes when a deadline (2-1's) runs out.
    REQUIRE(since(t2) < 1400ms);
    Client blocked = server.client();
    start(blocked,
          {"XREADGROUP", "GROUP", "g", "dave", "COUNT", "1", "BLOCK", "5000", "STREAMS", "q", ">"});
    Reply woke = blocked.read();
    CHECK(since(t2) >= 1450ms);
    CHECK(since(t2) < 3000ms);
    CHECK(read_entries(woke) == Entries{job(2)});
    blocked.close();
    CHECK(pel_summary(*c) == Strings{"1-1 carol 2", "2-1 dave 2"});
    add_jobs(*c, 3, 4);

    // 1-1 has been delivered twice (MAXDELIVERIES 2): when due after a crash, it is dead-lettered.
    auto t3 = Clock::now();
    crash_and_restart();
    c.reset();
    server.kill9();
    sleep_until(t3 + 1600ms);
    server.start();
    c.emplace(server.client());
    // Both are due and have been delivered twice: the read dead-letters them and gets 3-1.
    CHECK(read(*c, "erin", 1) == Entries{job(3)});
    crash_and_restart();
    CHECK(pel_summary(*c) == Strings{"3-1 erin 1"});
    auto dead = entries_of(c->cmd({"XRANGE", "dead", "-", "+"}));
    REQUIRE(dead.size() == 2);
    CHECK(dead[0].fields == with_dlq({"job", "j1"}, "q", "g", "1-1", "2", "carol"));
    CHECK(dead[1].fields == with_dlq({"job", "j2"}, "q", "g", "2-1", "2", "dave"));
    CHECK(c->cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(1500, 2, "dead", 2));
    // The other group never read anything and is untouched.
    CHECK(group_info(*c, "q", "plain").at("pending") == integer(0));

    // XREDRIVE, then a crash: the moved entries are in q, not in dead.
    CHECK(c->cmd({"XREDRIVE", "dead", "COUNT", "1"}) == integer(1));
    crash_and_restart();
    CHECK(c->cmd({"XLEN", "dead"}) == integer(1));
    auto all = entries_of(c->cmd({"XRANGE", "q", "-", "+"}));
    REQUIRE(all.size() == 5);
    CHECK(all[4].fields == Strings{"job", "j1"});
    CHECK(read(*c, "erin", 10) == Entries{job(4), all[4]});
    CHECK(c->cmd({"XACK", "q", "g", "3-1", "4-1", all[4].id}) == integer(3));
    crash_and_restart();
    CHECK(pending(*c).empty());
    CHECK(c->cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(1500, 2, "dead", 2));

    // XGROUP POLICY changes are durable too.
    CHECK(c->cmd({"XGROUP", "POLICY", "q", "g", "VISIBILITY", "0", "MAXDELIVERIES", "9"}) ==
          status("OK"));
    crash_and_restart();
    CHECK(c->cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(0, 9, "dead", 2));
  }

  TEST_CASE("An XNACK DELAY survives kill -9") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    std::optional<Client> c;
    c.emplace(server.client());
    add_jobs(*c, 1, 2);
    REQUIRE(c->cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "600000"}) == status("OK"));
    CHECK(read(*c, "alice", 1) == Entries{job(1)});
    auto t0 = Clock::now();
    REQUIRE(c->cmd({"XNACK", "q", "g", "FAIL", "IDS", "1", "1-1", "DELAY", "1500"}) == integer(1));
    c.reset();
    server.kill9();
    server.start();
    c.emplace(server.client());
    REQUIRE(since(t0) < 1200ms);
    auto pel = pending(*c);
    REQUIRE(pel.size() == 1);
    CHECK(pel[0].consumer == "");
    CHECK(pel[0].deliveries == 1);
    CHECK(read(*c, "bob", 1) == Entries{job(2)});  // 1-1's delay has not passed
    sleep_until(t0 + 1600ms);
    CHECK(read(*c, "bob", 1) == Entries{job(1)});
    CHECK(pel_summary(*c) == Strings{"1-1 bob 2", "2-1 bob 1"});
  }

  TEST_CASE(
      "INFO queues counts deliveries, redeliveries, acks, nacks, dead letters and "
      "redrives") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    CHECK(queue_stats(c) == stats_of(0, 0, 0, 0, 0, 0));  // a fresh data dir
    add_jobs(c, 1, 5);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "100", "MAXDELIVERIES", "2"}) ==
            status("OK"));
    CHECK(read(c, "w", 3).size() == 3);
    CHECK(queue_stats(c) == stats_of(3, 0, 0, 0, 0, 0));
    CHECK(c.cmd({"XACK", "q", "g", "1-1", "9-9"}) == integer(1));
    CHECK(c.cmd({"XACK", "q", "g", "1-1"}) == integer(0));  // not pending: not counted
    CHECK(queue_stats(c) == stats_of(3, 0, 1, 0, 0, 0));
    CHECK(c.cmd({"XNACK", "q", "g", "FAIL", "IDS", "2", "2-1", "9-9"}) == integer(1));
    CHECK(queue_stats(c) == stats_of(3, 0, 1, 1, 0, 0));
    // 2-1 (released) comes back at once, then 4-1 is new.
    CHECK(ids_of(read(c, "w", 2)) == Strings{"2-1", "4-1"});
    CHECK(queue_stats(c) == stats_of(4, 1, 1, 1, 0, 0));
    std::this_thread::sleep_for(150ms);
    // 2-1 has had its two deliveries: dead-lettered. 3-1 and 4-1 are redelivered, 5-1 is new.
    CHECK(ids_of(read(c, "w", 10)) == Strings{"3-1", "4-1", "5-1"});
    CHECK(queue_stats(c) == stats_of(5, 3, 1, 1, 1, 0));
    CHECK(c.cmd({"XREDRIVE", "q:dlq"}) == integer(1));
    CHECK(queue_stats(c) == stats_of(5, 3, 1, 1, 1, 1));
    CHECK(c.cmd({"XACKDEL", "q", "g", "IDS", "1", "3-1"}) == array({integer(1)}));
    CHECK(queue_stats(c) == stats_of(5, 3, 2, 1, 1, 1));

    // The totals are kept with the data: a crash and a clean restart keep them.
    server.kill9();
    server.start();
    Client after_crash = server.client();
    CHECK(queue_stats(after_crash) == stats_of(5, 3, 2, 1, 1, 1));
    server.restart();
    Client after_restart = server.client();
    CHECK(queue_stats(after_restart) == stats_of(5, 3, 2, 1, 1, 1));
    // CONFIG RESETSTAT zeroes them, durably.
    CHECK(after_restart.cmd({"CONFIG", "RESETSTAT"}) == status("OK"));
    CHECK(queue_stats(after_restart) == stats_of(0, 0, 0, 0, 0, 0));
    server.kill9();
    server.start();
    Client after_reset = server.client();
    CHECK(queue_stats(after_reset) == stats_of(0, 0, 0, 0, 0, 0));
  }
}
