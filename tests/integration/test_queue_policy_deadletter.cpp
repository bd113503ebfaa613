// Queue policy: dead letters. After MAXDELIVERIES an entry goes to the DEADLETTER stream with
// dlq-* metadata, XNACK FATAL sends it there at once, XREDRIVE moves dead letters back, and a
// read or XNACK that cannot dead-letter changes nothing.
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

}  // namespace

TEST_SUITE("queue-policy") {
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
}
