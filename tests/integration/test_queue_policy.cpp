// Postbox's queue policy on consumer groups (DESIGN.md, "Queue verbs"): VISIBILITY redelivers
// entries left unacknowledged, MAXDELIVERIES dead-letters them into the DEADLETTER stream with
// dlq-* metadata, XREDRIVE moves them back, XGROUP POLICY changes the policy, XINFO GROUPS and
// INFO queues report it, and all of it survives kill -9. Also the queue verbs Redis added after
// 7.0 that Postbox implements: XREADGROUP ... CLAIM (8.4), XNACK (8.8, with Postbox's DELAY),
// XACKDEL and XDELEX (8.2). Redis 7.0 has none of this: every test skips itself against it.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "stream_replies.h"

using namespace postbox::it;

namespace {

const char* kNoGroup = "NOGROUP No such consumer group 'nog' for key name 'q'";
const char* kBadVisibility = "ERR VISIBILITY must be an integer between 0 and 315360000000";
const char* kBadMaxDeliveries = "ERR MAXDELIVERIES must be an integer between 0 and 2147483648";
const char* kSelfDeadletter = "ERR DEADLETTER must name another key than the stream itself";
const char* kMaxCount = "9223372036854775807";

// Printable, so that failed CHECKs show both sides.
struct Stats : std::map<std::string, long long> {
  using map::map;
};

std::ostream& operator<<(std::ostream& os, const Stats& m) {
  os << "{";
  for (const auto& [k, v] : m) os << " " << k << "=" << v;
  return os << " }";
}

// XREADGROUP GROUP g <consumer> COUNT <count> STREAMS <key> >
Entries read(Client& c, const std::string& consumer, int count, const std::string& key = "q",
             const std::string& group = "g") {
  return read_entries(c.cmd({"XREADGROUP", "GROUP", group, consumer, "COUNT", std::to_string(count),
                             "STREAMS", key, ">"}));
}

Strings ids_of(const std::vector<Entry>& entries) {
  Strings out;
  for (const Entry& e : entries) out.push_back(e.id);
  return out;
}

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

// One row of XPENDING's extended form.
struct Pending {
  std::string id;
  std::string consumer;
  long long idle;
  long long deliveries;
};

std::vector<Pending> pending(Client& c, const std::string& key = "q",
                             const std::string& group = "g") {
  Reply r = c.cmd({"XPENDING", key, group, "-", "+", "1000"});
  REQUIRE_MESSAGE(r.type == ReplyType::Array, r.repr());
  std::vector<Pending> out;
  for (const Reply& p : r.elements) {
    REQUIRE_MESSAGE((p.type == ReplyType::Array && p.elements.size() == 4), p.repr());
    out.push_back(
        {p.elements[0].str, p.elements[1].str, p.elements[2].integer, p.elements[3].integer});
  }
  return out;
}

// "id consumer deliveries" per pending entry, for compact comparisons.
Strings pel_summary(Client& c, const std::string& key = "q", const std::string& group = "g") {
  Strings out;
  for (const Pending& p : pending(c, key, group))
    out.push_back(p.id + " " + p.consumer + " " + std::to_string(p.deliveries));
  return out;
}

// What XINFO GROUPS shows after "lag": the policy fields of a group that has a policy.
Reply after_lag(const Reply& group) {
  for (size_t i = 0; i + 1 < group.elements.size(); i += 2) {
    if (group.elements[i].str == "lag")
      return array(std::vector<Reply>(group.elements.begin() + static_cast<long>(i) + 2,
                                      group.elements.end()));
  }
  return error("no lag in " + group.repr());
}

// The reply XGROUP POLICY key group gives (RESP2: flat array) for these values.
Reply policy_reply(long long visibility, long long max_deliveries, const std::string& deadletter,
                   long long dead_lettered) {
  return array({bulk("visibility"), integer(visibility), bulk("max-deliveries"),
                integer(max_deliveries), bulk("deadletter"), bulk(deadletter),
                bulk("dead-lettered"), integer(dead_lettered)});
}

// The dlq-* fields dead-lettering appends after an entry's own fields.
Strings with_dlq(Strings fields, const std::string& stream, const std::string& group,
                 const std::string& id, const std::string& deliveries,
                 const std::string& consumer) {
  for (const std::string& s :
       {std::string("dlq-stream"), stream, std::string("dlq-group"), group, std::string("dlq-id"),
        id, std::string("dlq-deliveries"), deliveries, std::string("dlq-consumer"), consumer})
    fields.push_back(s);
  return fields;
}

// The value of a dlq-* (or any) field in an entry's field list, or "<missing>".
std::string field_value(const std::vector<std::string>& fields, const std::string& name) {
  for (size_t i = 0; i + 1 < fields.size(); i += 2)
    if (fields[i] == name) return fields[i + 1];
  return "<missing>";
}

// Two ids "ms-seq" compared as ids.
bool id_less(const std::string& a, const std::string& b) {
  return parse_id(a) < parse_id(b);
}

// INFO queues as name -> value.
Stats queue_stats(Client& c) {
  Stats out;
  for (const auto& [field, value] : info_map(c, "queues")) out[field] = std::stoll(value);
  return out;
}

Stats stats_of(long long delivered, long long redelivered, long long acked, long long nacked,
               long long dead_lettered, long long redriven) {
  return {{"queue_delivered", delivered},
          {"queue_redelivered", redelivered},
          {"queue_acked", acked},
          {"queue_nacked", nacked},
          {"queue_dead_lettered", dead_lettered},
          {"queue_redriven", redriven}};
}

void sleep_until(Clock::time_point t) {
  std::this_thread::sleep_until(t);
}

// Adds entries <i>-1 job j<i> for i in [from, to].
void add_jobs(Client& c, int from, int to, const std::string& key = "q") {
  for (int i = from; i <= to; ++i) {
    const std::string n = std::to_string(i);
    REQUIRE(c.cmd({"XADD", key, n + "-1", "job", "j" + n}) == bulk(n + "-1"));
  }
}

Entry job(int i) {
  const std::string n = std::to_string(i);
  return {n + "-1", {"job", "j" + n}};
}

}  // namespace

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

  TEST_CASE(
      "After MAXDELIVERIES failed deliveries the entry is dead-lettered, and XREDRIVE "
      "brings it back") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    REQUIRE(c.cmd({"XADD", "q", "1-1", "job", "42", "kind", "email"}) == bulk("1-1"));
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "100", "MAXDELIVERIES", "3"}) ==
            status("OK"));
    const Strings fields = {"job", "42", "kind", "email"};
    for (int i = 1; i <= 3; ++i) {
      const std::string worker = "w" + std::to_string(i);
      if (i > 1) std::this_thread::sleep_for(150ms);
      auto got = read(c, worker, 10);
      REQUIRE_MESSAGE(got.size() == 1, "delivery ", i);
      CHECK(got[0] == Entry{"1-1", fields});
      CHECK(pel_summary(c) == Strings{"1-1 " + worker + " " + std::to_string(i)});
    }
    std::this_thread::sleep_for(150ms);
    // The fourth delivery does not happen: the entry goes to q:dlq instead.
    CHECK(read(c, "w4", 10).empty());
    CHECK(pending(c).empty());
    CHECK(c.cmd({"XPENDING", "q", "g"}).elements.at(0) == integer(0));
    auto dlq = entries_of(c.cmd({"XRANGE", "q:dlq", "-", "+"}));
    REQUIRE(dlq.size() == 1);
    CHECK(dlq[0].fields == with_dlq(fields, "q", "g", "1-1", "3", "w3"));
    // The entry itself stays in the stream; only the group gave up on it.
    CHECK(c.cmd({"XLEN", "q"}) == integer(1));

    Reply g = group_info(c, "q", "g");
    CHECK(g.at("pending") == integer(0));
    CHECK(after_lag(g) ==
          array({bulk("visibility"), integer(100), bulk("max-deliveries"), integer(3),
                 bulk("deadletter"), bulk("q:dlq"), bulk("dead-lettered"), integer(1)}));
    CHECK(c.cmd({"XGROUP", "POLICY", "q", "g"}) == policy_reply(100, 3, "q:dlq", 1));

    // XREDRIVE: a new entry with the original fields only, read and acknowledged normally.
    CHECK(c.cmd({"XREDRIVE", "q:dlq"}) == integer(1));
    CHECK(c.cmd({"XLEN", "q:dlq"}) == integer(0));
    auto all = entries_of(c.cmd({"XRANGE", "q", "-", "+"}));
    REQUIRE(all.size() == 2);
    CHECK(all[0] == Entry{"1-1", fields});
    const std::string again = all[1].id;
    CHECK(id_less("1-1", again));
    CHECK(all[1].fields == fields);
    CHECK(read(c, "w5", 10) == Entries{{again, fields}});
    CHECK(pel_summary(c) == Strings{again + " w5 1"});
    CHECK(c.cmd({"XACK", "q", "g", again}) == integer(1));
    CHECK(pending(c).empty());
    std::this_thread::sleep_for(150ms);
    CHECK(read(c, "w6", 10).empty());
    CHECK(c.cmd({"XLEN", "q:dlq"}) == integer(0));
  }

  TEST_CASE(
      "XREDRIVE moves oldest first, honours COUNT, recreates a deleted origin and refuses "
      "one of another type") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    REQUIRE(c.cmd({"XADD", "a", "1-1", "x", "a1"}) == bulk("1-1"));
    REQUIRE(c.cmd({"XADD", "a", "2-1", "x", "a2"}) == bulk("2-1"));
    REQUIRE(c.cmd({"XADD", "b", "1-1", "x", "b1"}) == bulk("1-1"));
    for (const char* key : {"a", "b"})
      REQUIRE(c.cmd({"XGROUP", "CREATE", key, "g", "0", "VISIBILITY", "50", "MAXDELIVERIES", "1",
                     "DEADLETTER", "dead"}) == status("OK"));
    // Dead-letter a1, then b1, then a2, each after one failed delivery.
    CHECK(ids_of(read(c, "w", 1, "a")) == Strings{"1-1"});
    CHECK(ids_of(read(c, "w", 1, "b")) == Strings{"1-1"});
    std::this_thread::sleep_for(100ms);
    // The next `>` read of a dead-letters a1 and delivers a2.
    CHECK(ids_of(read(c, "w", 1, "a")) == Strings{"2-1"});
    CHECK(read(c, "w", 1, "b").empty());  // dead-letters b1
    std::this_thread::sleep_for(100ms);
    CHECK(read(c, "w", 1, "a").empty());  // dead-letters a2
    auto dead = entries_of(c.cmd({"XRANGE", "dead", "-", "+"}));
    REQUIRE(dead.size() == 3);
    CHECK(field_value(dead[0].fields, "x") == "a1");
    CHECK(field_value(dead[1].fields, "x") == "b1");
    CHECK(field_value(dead[2].fields, "x") == "a2");
    CHECK(dead[1].fields == with_dlq({"x", "b1"}, "b", "g", "1-1", "1", "w"));
    CHECK(c.cmd({"EXISTS", "a:dlq", "b:dlq"}) == integer(0));
    CHECK(group_info(c, "a", "g").at("dead-lettered") == integer(2));
    CHECK(group_info(c, "b", "g").at("dead-lettered") == integer(1));

    // Bad arguments move nothing.
    CHECK(c.cmd({"XREDRIVE", "dead", "COUNT", "0"}).is_error());
    CHECK(c.cmd({"XREDRIVE", "dead", "COUNT", "x"}).is_error());
    CHECK(c.cmd({"XREDRIVE", "dead", "FOO"}).is_error());
    CHECK(c.cmd({"XLEN", "dead"}) == integer(3));

    // COUNT 1: the oldest, a1, goes back to a.
    CHECK(c.cmd({"XREDRIVE", "dead", "COUNT", "1"}) == integer(1));
    dead = entries_of(c.cmd({"XRANGE", "dead", "-", "+"}));
    REQUIRE(dead.size() == 2);
    CHECK(field_value(dead[0].fields, "x") == "b1");
    auto a = entries_of(c.cmd({"XRANGE", "a", "-", "+"}));
    REQUIRE(a.size() == 3);
    CHECK(a[2].fields == Strings{"x", "a1"});

    // b was deleted: the redrive recreates it.
    CHECK(c.cmd({"DEL", "b"}) == integer(1));
    CHECK(c.cmd({"XREDRIVE", "dead", "COUNT", "1"}) == integer(1));
    CHECK(c.cmd({"TYPE", "b"}) == status("stream"));
    auto b = entries_of(c.cmd({"XRANGE", "b", "-", "+"}));
    REQUIRE(b.size() == 1);
    CHECK(b[0].fields == Strings{"x", "b1"});

    // a now holds a list: XREDRIVE errors and moves nothing.
    CHECK(c.cmd({"DEL", "a"}) == integer(1));
    CHECK(c.cmd({"RPUSH", "a", "not-a-stream"}) == integer(1));
    Reply refused = c.cmd({"XREDRIVE", "dead"});
    CHECK_MESSAGE(refused.is_error(), refused.repr());
    CHECK(c.cmd({"XLEN", "dead"}) == integer(1));
    CHECK(c.cmd({"LRANGE", "a", "0", "-1"}) == bulks({"not-a-stream"}));
    CHECK(c.cmd({"DEL", "a"}) == integer(1));
    CHECK(c.cmd({"XREDRIVE", "dead"}) == integer(1));
    a = entries_of(c.cmd({"XRANGE", "a", "-", "+"}));
    REQUIRE(a.size() == 1);
    CHECK(a[0].fields == Strings{"x", "a2"});
    CHECK(c.cmd({"XLEN", "dead"}) == integer(0));
    CHECK(c.cmd({"XREDRIVE", "dead"}) == integer(0));

    // No such key: nothing to move. Not a stream: WRONGTYPE.
    CHECK(c.cmd({"XREDRIVE", "nosuchkey"}) == integer(0));
    CHECK(c.cmd({"RPUSH", "alist", "x"}) == integer(1));
    Reply wrong = c.cmd({"XREDRIVE", "alist"});
    CHECK_MESSAGE(wrong.str.rfind("WRONGTYPE", 0) == 0, wrong.repr());

    // An entry without dlq-* metadata makes the whole redrive fail, moving nothing.
    CHECK(c.cmd({"XADD", "mixed", "1-1", "x", "y", "dlq-stream", "a", "dlq-group", "g", "dlq-id",
                 "1-1", "dlq-deliveries", "1", "dlq-consumer", "w"}) == bulk("1-1"));
    CHECK(c.cmd({"XADD", "mixed", "2-1", "just", "data"}) == bulk("2-1"));
    Reply junk = c.cmd({"XREDRIVE", "mixed"});
    CHECK_MESSAGE(junk.is_error(), junk.repr());
    CHECK(c.cmd({"XLEN", "mixed"}) == integer(2));
    CHECK(c.cmd({"XLEN", "a"}) == integer(1));

    // An origin with room for one more automatic id but not two: refused up front, nothing
    // appended twice (the first entry would otherwise be in both streams).
    const std::string top = "18446744073709551615-18446744073709551614";
    CHECK(c.cmd({"XADD", "full", top, "x", "y"}) == bulk(top));
    for (const char* id : {"1-1", "2-1"})
      CHECK(c.cmd({"XADD", "dead2", id, "x", id, "dlq-stream", "full", "dlq-group", "g", "dlq-id",
                   "1-1", "dlq-deliveries", "1", "dlq-consumer", "w"}) == bulk(id));
    CHECK(c.cmd({"XREDRIVE", "dead2"}) ==
          error("ERR cannot redrive to 'full': its last id is at the maximum"));
    CHECK(c.cmd({"XLEN", "full"}) == integer(1));
    CHECK(c.cmd({"XLEN", "dead2"}) == integer(2));
    CHECK(c.cmd({"XREDRIVE", "dead2", "COUNT", "1"}) == integer(1));
    CHECK(c.cmd({"XLEN", "full"}) == integer(2));
    CHECK(c.cmd({"XLEN", "dead2"}) == integer(1));
  }

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

  TEST_CASE("A read or XNACK that cannot dead-letter (DEADLETTER holds a list) changes nothing") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 3);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "300", "MAXDELIVERIES", "2",
                   "DEADLETTER", "d"}) == status("OK"));
    auto t0 = Clock::now();
    CHECK(read(c, "alice", 1) == Entries{job(1)});
    sleep_until(t0 + 350ms);
    auto t1 = Clock::now();
    CHECK(read(c, "alice", 1) == Entries{job(1)});
    CHECK(read(c, "alice", 1) == Entries{job(2)});
    REQUIRE(c.cmd({"RPUSH", "d", "not-a-stream"}) == integer(1));
    sleep_until(t1 + 350ms);
    // 1-1 (delivered twice) must be dead-lettered, which d cannot take; 2-1 is due too.
    const Strings before = {"1-1 alice 2", "2-1 alice 1"};
    REQUIRE(pel_summary(c) == before);
    const Stats stats = queue_stats(c);
    // The read is served (README: entries due for a dead-letter key of another type stay
    // pending), with 1-1 left with alice and its count unchanged.
    Reply r = c.cmd({"XREADGROUP", "GROUP", "g", "bob", "COUNT", "5", "STREAMS", "q", ">"});
    CHECK(read_entries(r) == Entries{job(2), job(3)});
    const Strings now = {"1-1 alice 2", "2-1 bob 2", "3-1 bob 1"};
    CHECK(pel_summary(c) == now);
    const Stats now_stats = queue_stats(c);
    CHECK(now_stats != stats);  // two deliveries, one of them a redelivery
    // XNACK FATAL, which would dead-letter at once, is refused and changes nothing.
    CHECK(c.cmd({"XNACK", "q", "g", "FATAL", "IDS", "1", "1-1"}) ==
          error("ERR dead-letter key 'd' holds the wrong kind of value"));
    CHECK(pel_summary(c) == now);
    CHECK(queue_stats(c) == now_stats);
    CHECK(c.cmd({"LRANGE", "d", "0", "-1"}) == bulks({"not-a-stream"}));
    // Once d is gone, dead-lettering works again.
    CHECK(c.cmd({"DEL", "d"}) == integer(1));
    CHECK(c.cmd({"XNACK", "q", "g", "FATAL", "IDS", "1", "1-1"}) == integer(1));
    auto dead = entries_of(c.cmd({"XRANGE", "d", "-", "+"}));
    REQUIRE(dead.size() == 1);
    CHECK(field_value(dead[0].fields, "dlq-id") == "1-1");
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

  TEST_CASE("XNACK FATAL dead-letters at once in a group with MAXDELIVERIES or DEADLETTER") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    add_jobs(c, 1, 3);
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "g", "0", "MAXDELIVERIES", "10"}) == status("OK"));
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "h", "0", "DEADLETTER", "hdead"}) == status("OK"));
    REQUIRE(c.cmd({"XGROUP", "CREATE", "q", "none", "0"}) == status("OK"));
    for (const char* group : {"g", "h", "none"}) CHECK(read(c, "alice", 3, "q", group).size() == 3);

    CHECK(c.cmd({"XNACK", "q", "g", "FATAL", "IDS", "2", "1-1", "3-1"}) == integer(2));
    CHECK(pel_summary(c) == Strings{"2-1 alice 1"});
    auto dlq = entries_of(c.cmd({"XRANGE", "q:dlq", "-", "+"}));
    REQUIRE(dlq.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      const std::string id = i == 0 ? "1-1" : "3-1";
      INFO(dlq[i]);
      CHECK(
          Strings(dlq[i].fields.begin(), dlq[i].fields.begin() + 8) ==
          Strings{"job", i == 0 ? "j1" : "j3", "dlq-stream", "q", "dlq-group", "g", "dlq-id", id});
      CHECK(field_value(dlq[i].fields, "dlq-deliveries") != "<missing>");
      CHECK(field_value(dlq[i].fields, "dlq-consumer") != "<missing>");
    }
    CHECK(group_info(c, "q", "g").at("dead-lettered") == integer(2));

    CHECK(c.cmd({"XNACK", "q", "h", "FATAL", "IDS", "1", "2-1"}) == integer(1));
    CHECK(pel_summary(c, "q", "h") == Strings{"1-1 alice 1", "3-1 alice 1"});
    dlq = entries_of(c.cmd({"XRANGE", "hdead", "-", "+"}));
    REQUIRE(dlq.size() == 1);
    CHECK(field_value(dlq[0].fields, "dlq-id") == "2-1");
    CHECK(field_value(dlq[0].fields, "dlq-group") == "h");
    CHECK(c.cmd({"XLEN", "q:dlq"}) == integer(2));  // g's dead letters only

    // Without either, FATAL only releases the entry with the maximum delivery count.
    CHECK(c.cmd({"XNACK", "q", "none", "FATAL", "IDS", "1", "2-1"}) == integer(1));
    auto pel = pending(c, "q", "none");
    REQUIRE(pel.size() == 3);
    CHECK(pel[1].id == "2-1");
    CHECK(pel[1].consumer == "");
    CHECK(pel[1].deliveries == std::stoll(kMaxCount));
    CHECK(c.cmd({"XLEN", "q:dlq"}) == integer(2));
    CHECK(c.cmd({"XLEN", "q"}) == integer(3));
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
