// A consumer's last successful interaction: XINFO CONSUMERS `inactive` and XINFO STREAM FULL
// `active-time`, the fields Redis 7.2 added. The 7.0 oracle has neither, so these tests check
// Postbox alone, against the meaning Redis 7.2 documents: `inactive` counts from the consumer's
// last interaction that took entries into its pending list (XREADGROUP without NOACK, XCLAIM,
// XAUTOCLAIM), and is -1 while it never did. `idle` keeps Redis 7.0's meaning (any XREADGROUP,
// and claims that claimed something).
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "harness.h"

using namespace postbox::it;
using namespace std::chrono_literals;

namespace {

// The integer `name` of the consumer called `consumer` in XINFO CONSUMERS s g.
long long consumer_field(Client& c, const std::string& consumer, const std::string& name) {
  Reply all = c.cmd({"XINFO", "CONSUMERS", "s", "g"});
  for (const Reply& one : all.elements) {
    const Reply* n = one.field("name");
    if (n && n->str == consumer) {
      const Reply* v = one.field(name);
      REQUIRE(v != nullptr);
      REQUIRE(v->type == ReplyType::Integer);
      return v->integer;
    }
  }
  FAIL("no consumer " << consumer << " in " << all.repr());
  return 0;
}

// The consumers of group g in XINFO STREAM s FULL.
Reply full_consumers(Client& c) {
  Reply full = c.cmd({"XINFO", "STREAM", "s", "FULL"});
  const Reply* groups = full.field("groups");
  REQUIRE(groups != nullptr);
  REQUIRE(groups->elements.size() == 1);
  const Reply* consumers = groups->elements[0].field("consumers");
  REQUIRE(consumers != nullptr);
  return *consumers;
}

void add_entries(Client& c, int n) {
  for (int i = 0; i < n; ++i)
    REQUIRE(c.cmd({"XADD", "s", "*", "f", "v"}).type == ReplyType::String);
}

}  // namespace

TEST_SUITE("stream-activity") {
  TEST_CASE("XINFO CONSUMERS: inactive is -1 until entries are taken, then counts from the take") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    REQUIRE(c.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == status("OK"));
    REQUIRE(c.cmd({"XGROUP", "CREATECONSUMER", "s", "g", "alice"}) == integer(1));
    Reply listed = c.cmd({"XINFO", "CONSUMERS", "s", "g"});
    REQUIRE(listed.elements.size() == 1);
    CHECK(listed.elements[0] ==
          array({bulk("name"), bulk("alice"), bulk("pending"), integer(0), bulk("idle"),
                 listed.elements[0].elements[5], bulk("inactive"), integer(-1)}));
    // A read that finds nothing is an attempt: idle restarts, inactive stays -1.
    CHECK(c.cmd({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"}).is_nil());
    CHECK(consumer_field(c, "alice", "inactive") == -1);

    add_entries(c, 3);
    REQUIRE(c.cmd({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">"})
                .elements.size() == 1);
    long long just_read = consumer_field(c, "alice", "inactive");
    CHECK(just_read >= 0);
    CHECK(just_read < 1000);
    std::this_thread::sleep_for(60ms);
    // Reading its own history takes nothing new: idle restarts, inactive keeps counting.
    REQUIRE(c.cmd({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}).elements.size() == 1);
    CHECK(consumer_field(c, "alice", "idle") < 60);
    CHECK(consumer_field(c, "alice", "inactive") >= 60);

    // NOACK takes nothing into the pending list: not a successful interaction.
    REQUIRE(c.cmd({"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "NOACK", "STREAMS", "s", ">"})
                .elements.size() == 1);
    CHECK(consumer_field(c, "bob", "inactive") == -1);

    SUBCASE("RESP3: a map of four fields") {
      REQUIRE(c.cmd({"HELLO", "3"}).type == ReplyType::Map);
      Reply r = c.cmd({"XINFO", "CONSUMERS", "s", "g"});
      REQUIRE(r.elements.size() == 2);
      CHECK(r.elements[0].type == ReplyType::Map);
      CHECK(r.elements[0].elements.size() == 8);
      CHECK(r.elements[1].field("inactive")->integer == -1);
    }
  }

  TEST_CASE("XCLAIM, XCLAIM JUSTID and XAUTOCLAIM that take entries make the claimer active") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    REQUIRE(c.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == status("OK"));
    add_entries(c, 3);
    Reply read = c.cmd({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
    REQUIRE(read.elements.size() == 1);
    const Reply& entries = read.elements[0].elements[1];
    REQUIRE(entries.elements.size() == 3);
    const std::string first = entries.elements[0].elements[0].str;
    const std::string second = entries.elements[1].elements[0].str;
    for (const char* who : {"carol", "dave", "erin", "frank"})
      REQUIRE(c.cmd({"XGROUP", "CREATECONSUMER", "s", "g", who}) == integer(1));

    // Claiming nothing (the entry is not idle long enough) leaves the claimer inactive.
    CHECK(c.cmd({"XCLAIM", "s", "g", "carol", "3600000", first}) == array({}));
    CHECK(consumer_field(c, "carol", "inactive") == -1);
    REQUIRE(c.cmd({"XCLAIM", "s", "g", "carol", "0", first}).elements.size() == 1);
    CHECK(consumer_field(c, "carol", "inactive") >= 0);
    REQUIRE(c.cmd({"XCLAIM", "s", "g", "dave", "0", second, "JUSTID"}) == bulks({second}));
    CHECK(consumer_field(c, "dave", "inactive") >= 0);
    Reply autoclaimed = c.cmd({"XAUTOCLAIM", "s", "g", "erin", "0", "0", "COUNT", "1"});
    REQUIRE(autoclaimed.elements.size() == 3);
    CHECK(autoclaimed.elements[1].elements.size() == 1);
    CHECK(consumer_field(c, "erin", "inactive") >= 0);
    CHECK(consumer_field(c, "frank", "inactive") == -1);
  }

  TEST_CASE("XINFO STREAM FULL shows active-time, and it survives kill -9") {
    SKIP_UNLESS_POSTBOX();
    Server server({"--appendfsync", "always"});
    Client c = server.client();
    REQUIRE(c.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == status("OK"));
    REQUIRE(c.cmd({"XGROUP", "CREATECONSUMER", "s", "g", "idler"}) == integer(1));
    add_entries(c, 2);
    REQUIRE(c.cmd({"XREADGROUP", "GROUP", "g", "worker", "STREAMS", "s", ">"}).elements.size() ==
            1);
    Reply before = full_consumers(c);
    REQUIRE(before.elements.size() == 2);
    const Reply& idler = before.elements[0];
    const Reply& worker = before.elements[1];
    REQUIRE(idler.field("name")->str == "idler");
    CHECK(idler.elements[4] == bulk("active-time"));
    CHECK(*idler.field("active-time") == integer(-1));
    // seen-time and active-time are both the read's time: the read took the entries.
    CHECK(*worker.field("active-time") == *worker.field("seen-time"));
    CHECK(worker.field("active-time")->integer > 1700000000000LL);

    c.close();
    server.kill9();
    server.start();
    Client after = server.client();
    CHECK(full_consumers(after) == before);
  }
}
