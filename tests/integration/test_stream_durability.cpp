// Streams under Postbox's durability contract: every acknowledged XADD, consumer-group delivery,
// XACK and XCLAIM survives kill -9, as do the group and stream metadata commands, and a restart
// with a long stream serves at once. Skipped against redis-server unless POSTBOX_IT_REDIS_AOF=1
// (Redis then replays its AOF, which checks the tests).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>

#include "harness.h"
#include "stream_replies.h"

using namespace postbox::it;

namespace {

// Replaces the values of the named fields (idle times, Redis's radix-tree internals) in flat
// field/value arrays, at any depth, so that snapshots taken at different times compare equal.
Reply masked(Reply r, const std::set<std::string>& fields) {
  if (r.type == ReplyType::Array || r.type == ReplyType::Map) {
    for (size_t i = 0; i < r.elements.size(); ++i) {
      if (i + 1 < r.elements.size() && r.elements[i].type == ReplyType::String &&
          fields.count(r.elements[i].str) && !r.elements[i + 1].is_aggregate()) {
        r.elements[i + 1] = status("<masked>");
        ++i;
      } else {
        r.elements[i] = masked(std::move(r.elements[i]), fields);
      }
    }
  }
  return r;
}

// Everything observable about a stream and its groups, except times.
std::string snapshot(Client& c, const std::string& key) {
  const std::set<std::string> varying = {"idle",        "inactive",        "seen-time",
                                         "active-time", "radix-tree-keys", "radix-tree-nodes"};
  std::string out = "XRANGE " + c.cmd({"XRANGE", key, "-", "+"}).repr() + "\n";
  out += "XINFO STREAM " + masked(c.cmd({"XINFO", "STREAM", key}), varying).repr() + "\n";
  Reply groups = c.cmd({"XINFO", "GROUPS", key});
  out += "XINFO GROUPS " + groups.repr() + "\n";
  for (const Reply& g : groups.elements) {
    const std::string name = g.at("name").str;
    out += "XINFO CONSUMERS " + name + " " +
           masked(c.cmd({"XINFO", "CONSUMERS", key, name}), varying).repr() + "\n";
    Reply pel = c.cmd({"XPENDING", key, name, "-", "+", "1000"});
    for (Reply& p : pel.elements)
      if (p.elements.size() == 4) p.elements[2] = status("<idle>");
    out += "XPENDING " + name + " " + pel.repr() + "\n";
  }
  return out;
}

// Pipelines XADD <key> * p <index> n <i> with one batch in flight until the connection dies,
// keeping the ids the server acknowledged, in order.
struct Producer {
  std::vector<std::string> ids;  // acknowledged ids; read only after the thread is joined
  std::atomic<long long> acked{0};
  std::atomic<bool> bad_reply{false};
  std::atomic<bool> stop{false};
  std::string key;
  std::string index;
  std::thread thread;

  Producer(int port, std::string k, int i) : key(std::move(k)), index(std::to_string(i)) {
    thread = std::thread([this, port] { run(port); });
  }
  ~Producer() {
    stop = true;
    if (thread.joinable()) thread.join();
  }

  void run(int port) {
    try {
      Client c(port, 10000ms);
      const long long batch = 32;
      long long sent = 0;
      StreamId last{0, 0};
      while (!stop) {
        for (long long i = sent; i < sent + batch; ++i)
          c.send({"XADD", key, "*", "p", index, "n", std::to_string(i)});
        c.flush();
        sent += batch;
        while (static_cast<long long>(ids.size()) < sent - batch) {
          Reply r = c.read();
          size_t dash = r.str.find('-');
          if (r.type != ReplyType::String || dash == std::string::npos) {
            bad_reply = true;
            return;
          }
          StreamId id{std::stoull(r.str.substr(0, dash)), std::stoull(r.str.substr(dash + 1))};
          if (!(last < id)) bad_reply = true;
          last = id;
          ids.push_back(r.str);
          acked = static_cast<long long>(ids.size());
        }
      }
    } catch (const std::exception&) {
      // The server was killed: every id in `ids` had been answered before.
    }
  }
};

long long total_acked(const std::vector<std::unique_ptr<Producer>>& producers) {
  long long n = 0;
  for (const auto& p : producers) n += p->acked;
  return n;
}

// Redis 7.0 does not persist a group's entries-read when XREADGROUP delivers entries: it logs
// XCLAIM ... LASTID, which moves last-delivered-id but not entries-read, so after an AOF replay
// entries-read (and the lag derived from it) is stale or nil (redis/redis#12898, fixed in later
// Redis versions). Postbox must keep it; against Redis the value is checked before the kill only.
bool entries_read_survives_restart() {
  return !testing_real_redis();
}

// An entry of a group's PEL as the test expects it.
struct Pending {
  std::string id;
  std::string consumer;
  long long deliveries;
};

}  // namespace

TEST_SUITE("stream-durability") {
  TEST_CASE("Acknowledged XADDs, group deliveries, XACKs and XCLAIMs survive kill -9 mid-stream") {
    SKIP_UNLESS_DURABLE();
    Server server({"--appendfsync", "always"});
    Client admin = server.client();
    REQUIRE(admin.cmd({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}) == status("OK"));

    std::vector<std::unique_ptr<Producer>> producers;
    for (int i = 0; i < 3; ++i)
      producers.push_back(std::make_unique<Producer>(server.port(), "s", i));
    REQUIRE(eventually([&] { return total_acked(producers) >= 600; }, 20000ms));

    // Consumers c1 and c2 take turns reading batches while the producers keep adding, and each
    // acknowledges every other entry of its batch. `pel` is what must be pending afterwards.
    Client consumer = server.client();
    std::vector<std::string> delivered;
    std::map<StreamId, Pending> pel;  // in id order, as XPENDING lists them
    std::vector<std::string> acked_ids;
    for (int round = 0; round < 12 || delivered.size() < 400; ++round) {
      REQUIRE(round < 1000);
      const std::string name = round % 2 == 0 ? "c1" : "c2";
      auto got = read_entries(
          consumer.cmd({"XREADGROUP", "GROUP", "g", name, "COUNT", "50", "STREAMS", "s", ">"}));
      Cmd ack = {"XACK", "s", "g"};
      for (size_t j = 0; j < got.size(); ++j) {
        if (!delivered.empty()) REQUIRE(parse_id(delivered.back()) < parse_id(got[j].id));
        delivered.push_back(got[j].id);
        if (j % 2 == 0) {
          ack.push_back(got[j].id);
          acked_ids.push_back(got[j].id);
        } else {
          pel[parse_id(got[j].id)] = {got[j].id, name, 1};
        }
      }
      if (ack.size() > 3)
        REQUIRE(consumer.cmd(ack) == integer(static_cast<long long>(ack.size() - 3)));
    }
    // XCLAIM five of c1's pending entries for c2: their delivery count becomes 2.
    Cmd claim = {"XCLAIM", "s", "g", "c2", "0"};
    for (auto& [sid, p] : pel) {
      if (p.consumer != "c1") continue;
      claim.push_back(p.id);
      p = {p.id, "c2", 2};
      if (claim.size() == 10) break;
    }
    REQUIRE(claim.size() == 10);
    auto claimed = entries_of(consumer.cmd(claim));
    REQUIRE(claimed.size() == 5);
    for (size_t i = 0; i < claimed.size(); ++i) CHECK(claimed[i].id == claim[5 + i]);

    {
      Reply g = group_info(consumer, "s", "g");
      CHECK(g.at("last-delivered-id") == bulk(delivered.back()));
      CHECK(g.at("entries-read") == integer(static_cast<long long>(delivered.size())));
    }

    // Kill while the producers are still adding.
    const long long before = total_acked(producers);
    REQUIRE(eventually([&] { return total_acked(producers) >= before + 300; }, 20000ms));
    std::this_thread::sleep_for(3ms);
    server.kill9();
    std::vector<long long> acked_counts;
    for (auto& p : producers) {
      p->thread.join();
      CHECK_FALSE(p->bad_reply);
      acked_counts.push_back(static_cast<long long>(p->ids.size()));
    }
    server.start();
    Client c = server.client(30000ms);

    // Every acknowledged XADD is there, in order: each producer's entries are n = 0, 1, 2, ...
    // and the first ones carry exactly the acknowledged ids.
    auto all = entries_of(c.cmd({"XRANGE", "s", "-", "+"}));
    INFO("stream has ", all.size(), " entries; acknowledged XADDs ", before, "+; delivered ",
         delivered.size(), ", pending ", pel.size());
    std::vector<std::vector<std::string>> by_producer(producers.size());
    std::set<std::string> in_stream;
    long long bad_entries = 0;
    for (size_t i = 0; i < all.size(); ++i) {
      const Entry& e = all[i];
      if (i > 0 && !(parse_id(all[i - 1].id) < parse_id(e.id))) ++bad_entries;
      in_stream.insert(e.id);
      if (e.fields.size() != 4 || e.fields[0] != "p" || e.fields[2] != "n") {
        ++bad_entries;
        continue;
      }
      size_t p = std::stoul(e.fields[1]);
      if (p >= by_producer.size() || e.fields[3] != std::to_string(by_producer[p].size())) {
        ++bad_entries;
        continue;
      }
      by_producer[p].push_back(e.id);
    }
    CHECK(bad_entries == 0);
    for (size_t p = 0; p < producers.size(); ++p) {
      INFO("producer ", p, ": ", acked_counts[p], " acknowledged, ", by_producer[p].size(),
           " in the stream");
      CHECK(static_cast<long long>(by_producer[p].size()) >= acked_counts[p]);
      long long mismatches = 0;
      for (size_t i = 0; i < producers[p]->ids.size() && i < by_producer[p].size(); ++i)
        mismatches += producers[p]->ids[i] != by_producer[p][i];
      CHECK(mismatches == 0);
    }
    long long delivered_missing = 0;
    for (const auto& id : delivered) delivered_missing += in_stream.count(id) == 0;
    CHECK(delivered_missing == 0);

    // The group: last delivery, entries read, pending count, consumers.
    Reply g = group_info(c, "s", "g");
    CHECK(g.at("last-delivered-id") == bulk(delivered.back()));
    CHECK(g.at("pending") == integer(static_cast<long long>(pel.size())));
    CHECK(g.at("consumers") == integer(2));
    if (entries_read_survives_restart()) {
      CHECK(g.at("entries-read") == integer(static_cast<long long>(delivered.size())));
      CHECK(g.at("lag") == integer(static_cast<long long>(all.size() - delivered.size())));
    } else {
      MESSAGE("entries-read and lag after restart not checked: Redis 7.0's AOF loses them");
    }

    // The PEL, entry by entry: id, owner and delivery count.
    Reply pending = c.cmd({"XPENDING", "s", "g", "-", "+", "100000"});
    REQUIRE(pending.type == ReplyType::Array);
    CHECK(pending.elements.size() == pel.size());
    auto expected = pel.begin();
    long long pel_mismatches = 0;
    for (const Reply& p : pending.elements) {
      REQUIRE_MESSAGE(p.elements.size() == 4, p.repr());
      if (expected == pel.end()) {
        ++pel_mismatches;
        continue;
      }
      const Pending& want = expected->second;
      if (p.elements[0].str != want.id || p.elements[1].str != want.consumer ||
          p.elements[3] != integer(want.deliveries)) {
        ++pel_mismatches;
        MESSAGE("pending ", p.repr(), ", expected ", want.id, " ", want.consumer, " ",
                want.deliveries);
      }
      ++expected;
    }
    CHECK(pel_mismatches == 0);
    long long acked_but_pending = 0;
    for (const Reply& p : pending.elements)
      acked_but_pending +=
          std::find(acked_ids.begin(), acked_ids.end(), p.elements[0].str) != acked_ids.end();
    CHECK(acked_but_pending == 0);
    std::map<std::string, long long> per_consumer;
    for (const auto& [sid, p] : pel) ++per_consumer[p.consumer];
    Reply consumers = c.cmd({"XINFO", "CONSUMERS", "s", "g"});
    REQUIRE(consumers.elements.size() == 2);
    for (const Reply& cons : consumers.elements)
      CHECK(cons.at("pending") == integer(per_consumer[cons.at("name").str]));

    // The group carries on after the last delivered entry.
    auto next = std::find_if(all.begin(), all.end(), [&](const Entry& e) {
      return parse_id(delivered.back()) < parse_id(e.id);
    });
    REQUIRE(next != all.end());
    auto got =
        read_entries(c.cmd({"XREADGROUP", "GROUP", "g", "c3", "COUNT", "1", "STREAMS", "s", ">"}));
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == next->id);
  }

  TEST_CASE("XGROUP CREATE/CREATECONSUMER/SETID/DESTROY, XSETID, XTRIM and XDEL survive kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    for (int i = 1; i <= 10; ++i)
      REQUIRE(c.cmd({"XADD", "s", std::to_string(i) + "-1", "f", "v" + std::to_string(i)}) ==
              bulk(std::to_string(i) + "-1"));
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g1", "0"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "g2", "$"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "CREATE", "s", "gone", "0"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "CREATE", "empty", "g", "0", "MKSTREAM"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "CREATECONSUMER", "s", "g1", "alice"}) == integer(1));
    CHECK(c.cmd({"XGROUP", "CREATECONSUMER", "s", "g1", "bob"}) == integer(1));
    CHECK(c.cmd({"XGROUP", "CREATECONSUMER", "s", "g1", "carol"}) == integer(1));
    CHECK(c.cmd({"XGROUP", "CREATECONSUMER", "s", "g2", "dave"}) == integer(1));
    auto got = read_entries(
        c.cmd({"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "3", "STREAMS", "s", ">"}));
    REQUIRE(got.size() == 3);
    CHECK(c.cmd({"XACK", "s", "g1", "1-1"}) == integer(1));
    CHECK(c.cmd({"XGROUP", "DELCONSUMER", "s", "g1", "carol"}) == integer(0));
    CHECK(c.cmd({"XGROUP", "SETID", "s", "g1", "5-1", "ENTRIESREAD", "5"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "SETID", "s", "g2", "0"}) == status("OK"));
    CHECK(c.cmd({"XGROUP", "DESTROY", "s", "gone"}) == integer(1));
    CHECK(c.cmd({"XDEL", "s", "7-1", "8-1"}) == integer(2));
    CHECK(c.cmd({"XTRIM", "s", "MINID", "2-1"}) == integer(1));
    CHECK(c.cmd({"XSETID", "s", "100-5", "ENTRIESADDED", "50", "MAXDELETEDID", "8-1"}) ==
          status("OK"));
    // A stream emptied by XDEL stays, with its last id.
    CHECK(c.cmd({"XADD", "emptied", "3-3", "f", "v"}) == bulk("3-3"));
    CHECK(c.cmd({"XDEL", "emptied", "3-3"}) == integer(1));
    // A stream trimmed to nothing stays too.
    CHECK(c.cmd({"XADD", "trimmed", "4-4", "f", "v"}) == bulk("4-4"));
    CHECK(c.cmd({"XTRIM", "trimmed", "MAXLEN", "0"}) == integer(1));

    const std::string before_s = snapshot(c, "s");
    const std::string before_empty = snapshot(c, "empty");
    const std::string before_emptied = snapshot(c, "emptied");
    const std::string before_trimmed = snapshot(c, "trimmed");
    c.close();
    server.kill9();
    server.start();
    Client after = server.client();

    CHECK(snapshot(after, "s") == before_s);
    CHECK(snapshot(after, "empty") == before_empty);
    CHECK(snapshot(after, "emptied") == before_emptied);
    CHECK(snapshot(after, "trimmed") == before_trimmed);
    CHECK(after.cmd({"DBSIZE"}) == integer(4));

    // The same, spelled out.
    CHECK(after.cmd({"XLEN", "s"}) == integer(7));
    auto all = entries_of(after.cmd({"XRANGE", "s", "-", "+"}));
    std::vector<std::string> ids;
    for (const auto& e : all) ids.push_back(e.id);
    CHECK(ids == std::vector<std::string>{"2-1", "3-1", "4-1", "5-1", "6-1", "9-1", "10-1"});
    Reply info = after.cmd({"XINFO", "STREAM", "s"});
    CHECK(info.at("last-generated-id") == bulk("100-5"));
    CHECK(info.at("max-deleted-entry-id") == bulk("8-1"));
    CHECK(info.at("entries-added") == integer(50));
    CHECK(info.at("recorded-first-entry-id") == bulk("2-1"));
    CHECK(info.at("groups") == integer(2));
    Reply groups = after.cmd({"XINFO", "GROUPS", "s"});
    REQUIRE(groups.elements.size() == 2);
    Reply g1 = group_info(after, "s", "g1");
    CHECK(g1.at("consumers") == integer(2));
    CHECK(g1.at("pending") == integer(2));
    CHECK(g1.at("last-delivered-id") == bulk("5-1"));
    CHECK(g1.at("entries-read") == integer(5));
    Reply g2 = group_info(after, "s", "g2");
    CHECK(g2.at("consumers") == integer(1));
    CHECK(g2.at("last-delivered-id") == bulk("0-0"));
    Reply consumers = after.cmd({"XINFO", "CONSUMERS", "s", "g1"});
    REQUIRE(consumers.elements.size() == 2);
    CHECK(consumers.elements[0].at("name") == bulk("alice"));
    CHECK(consumers.elements[0].at("pending") == integer(2));
    CHECK(consumers.elements[1].at("name") == bulk("bob"));
    CHECK(consumers.elements[1].at("pending") == integer(0));
    Reply pel = after.cmd({"XPENDING", "s", "g1", "-", "+", "10"});
    REQUIRE(pel.elements.size() == 2);
    CHECK(pel.elements[0].elements[0] == bulk("2-1"));
    CHECK(pel.elements[0].elements[1] == bulk("alice"));
    CHECK(pel.elements[0].elements[3] == integer(1));
    CHECK(pel.elements[1].elements[0] == bulk("3-1"));
    CHECK(after.cmd({"XREADGROUP", "GROUP", "gone", "x", "STREAMS", "s", ">"}).is_error());
    CHECK(after.cmd({"XLEN", "empty"}) == integer(0));
    CHECK(after.cmd({"XLEN", "emptied"}) == integer(0));
    CHECK(after.cmd({"XLEN", "trimmed"}) == integer(0));

    // The ids carry on from where XSETID and the deletions left them.
    CHECK(after.cmd({"XADD", "s", "100-*", "f", "new"}) == bulk("100-6"));
    CHECK(after.cmd({"XADD", "emptied", "3-3", "f", "v"}).is_error());
    CHECK(after.cmd({"XADD", "emptied", "3-*", "f", "v"}) == bulk("3-4"));
    CHECK(after.cmd({"XADD", "trimmed", "4-*", "f", "v"}) == bulk("4-5"));
    // g1 resumes after 5-1 (7-1 and 8-1 are gone); g2 after SETID 0 reads from the start.
    got = read_entries(
        after.cmd({"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "10", "STREAMS", "s", ">"}));
    ids.clear();
    for (const auto& e : got) ids.push_back(e.id);
    CHECK(ids == std::vector<std::string>{"6-1", "9-1", "10-1", "100-6"});
    got = read_entries(
        after.cmd({"XREADGROUP", "GROUP", "g2", "dave", "COUNT", "1", "STREAMS", "s", ">"}));
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == "2-1");
  }

  TEST_CASE("Restart with a 200,000-entry stream answers at once") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client(30000ms);
    const int total = 200000;
    const int batch = 2000;
    long long mismatches = 0;
    for (int first = 0; first < total; first += batch) {
      for (int i = first; i < first + batch; ++i)
        c.send({"XADD", "big", std::to_string(i + 1) + "-0", "f", "e" + std::to_string(i)});
      c.flush();
      for (int i = first; i < first + batch; ++i)
        mismatches += c.read() != bulk(std::to_string(i + 1) + "-0");
    }
    REQUIRE(mismatches == 0);
    CHECK(c.cmd({"XGROUP", "CREATE", "big", "g", "123456-0", "ENTRIESREAD", "123456"}) ==
          status("OK"));
    auto got = read_entries(
        c.cmd({"XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "big", ">"}));
    REQUIRE(got.size() == 10);
    CHECK(got[0].id == "123457-0");
    CHECK(group_info(c, "big", "g").at("entries-read") == integer(123466));
    Millis empty_start = server.last_start_time();
    c.close();
    server.kill9();
    server.start();
    MESSAGE("start-up: empty ", empty_start.count(), " ms, with 200,000 stream entries ",
            server.last_start_time().count(), " ms");
    CHECK(server.last_start_time() < 1000ms);
    Client after = server.client(30000ms);
    CHECK(after.cmd({"XLEN", "big"}) == integer(total));
    auto first = entries_of(after.cmd({"XRANGE", "big", "-", "+", "COUNT", "1"}));
    REQUIRE(first.size() == 1);
    CHECK(first[0].id == "1-0");
    CHECK(first[0].fields == std::vector<std::string>{"f", "e0"});
    auto last = entries_of(after.cmd({"XREVRANGE", "big", "+", "-", "COUNT", "1"}));
    REQUIRE(last.size() == 1);
    CHECK(last[0].id == "200000-0");
    CHECK(last[0].fields == std::vector<std::string>{"f", "e199999"});
    auto mid = entries_of(after.cmd({"XRANGE", "big", "123457", "123457"}));
    REQUIRE(mid.size() == 1);
    CHECK(mid[0].fields == std::vector<std::string>{"f", "e123456"});
    Reply g = group_info(after, "big", "g");
    CHECK(g.at("last-delivered-id") == bulk("123466-0"));
    CHECK(g.at("pending") == integer(10));
    if (entries_read_survives_restart())
      CHECK(g.at("entries-read") == integer(123466));
    else
      MESSAGE("entries-read after restart not checked: Redis 7.0's AOF loses it");
    got = read_entries(
        after.cmd({"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "big", ">"}));
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == "123467-0");
    Reply info = after.cmd({"XINFO", "STREAM", "big"});
    CHECK(info.at("last-generated-id") == bulk("200000-0"));
    CHECK(info.at("entries-added") == integer(total));
  }
}
