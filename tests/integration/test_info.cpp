// INFO as monitoring reads it: the fields move with what the server does. The Redis fields are
// checked against redis-server too (POSTBOX_SERVER=redis-server); the lmdb_* ones are Postbox's.
#include <doctest/doctest.h>

#include <ctime>
#include <map>
#include <sstream>
#include <thread>

#include "harness.h"

using namespace postbox::it;

namespace {

std::map<std::string, std::string> info(Client& c, const std::string& section = "all") {
  return info_map(c, section);
}

long long num(const std::map<std::string, std::string>& m, const std::string& field) {
  auto it = m.find(field);
  REQUIRE_MESSAGE(it != m.end(), "INFO has no field ", field);
  return std::stoll(it->second);
}

}  // namespace

TEST_SUITE("info") {
  TEST_CASE("INFO counts commands, connections, hits, misses and expired keys as they happen") {
    Server server;
    Client c = server.client();
    auto before = info(c);
    CHECK(num(before, "connected_clients") == 1);
    CHECK(num(before, "blocked_clients") == 0);
    CHECK(num(before, "uptime_in_seconds") >= 0);

    for (int i = 0; i < 10; ++i) CHECK(c.cmd({"RPUSH", "q", "v"}) == integer(i + 1));
    CHECK(c.cmd({"LRANGE", "q", "0", "0"}) == bulks({"v"}));  // a hit
    CHECK(c.cmd({"LRANGE", "nope", "0", "0"}) == array({}));  // a miss
    CHECK(c.cmd({"LINDEX", "nope", "0"}) == nil());           // a miss
    CHECK(c.cmd({"RPUSH", "gone", "x"}) == integer(1));
    CHECK(c.cmd({"PEXPIRE", "gone", "1"}) == integer(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(c.cmd({"LLEN", "gone"}) == integer(0));  // expired on access

    Client other = server.client();
    Client blocked = server.client();
    blocked.send({"BLPOP", "never", "0"});
    blocked.flush();
    CHECK(eventually([&] { return num(info(c, "clients"), "blocked_clients") == 1; }));

    auto after = info(c);
    CHECK(num(after, "connected_clients") == 3);
    CHECK(num(after, "total_connections_received") - num(before, "total_connections_received") ==
          2);
    // 10 RPUSH, 2 LRANGE, LINDEX, RPUSH, PEXPIRE, LLEN and the INFO calls in between.
    CHECK(num(after, "total_commands_processed") - num(before, "total_commands_processed") >= 17);
    CHECK(num(after, "keyspace_hits") - num(before, "keyspace_hits") >= 1);
    CHECK(num(after, "keyspace_misses") - num(before, "keyspace_misses") >= 3);
    CHECK(num(after, "expired_keys") - num(before, "expired_keys") == 1);
    CHECK(num(after, "used_memory") > 0);
    CHECK(num(after, "used_memory_rss") > 0);
    CHECK(num(after, "total_net_input_bytes") > num(before, "total_net_input_bytes"));

    CHECK(c.cmd({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}) == integer(2));
    CHECK(eventually([&] {
      auto m = info(c, "clients");
      return num(m, "connected_clients") == 1 && num(m, "blocked_clients") == 0;
    }));
  }

  TEST_CASE("instantaneous_ops_per_sec reports a sustained load") {
    Server server;
    Client c = server.client();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    long long seen = 0;
    while (seen == 0 && std::chrono::steady_clock::now() < deadline) {
      for (int i = 0; i < 200; ++i) c.send({"PING"});
      c.flush();
      for (int i = 0; i < 200; ++i) c.read();
      seen = num(info(c, "stats"), "instantaneous_ops_per_sec");
    }
    CHECK(seen > 0);
  }

  TEST_CASE("INFO persistence maps LMDB commits, syncs and the map to fields") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    auto before = info(c);
    long long now = static_cast<long long>(std::time(nullptr));
    // Ten writes in one pipeline share a commit (group commit); ten single writes do not.
    for (int i = 0; i < 10; ++i) c.send({"RPUSH", "q", "v"});
    c.flush();
    for (int i = 0; i < 10; ++i) c.read();
    for (int i = 0; i < 10; ++i) CHECK(c.cmd({"RPUSH", "q", "w"}).type == ReplyType::Integer);
    auto after = info(c);
    long long commits = num(after, "lmdb_commits") - num(before, "lmdb_commits");
    CHECK(commits >= 11);
    CHECK(commits < 20);
    // appendfsync always: every commit is a sync.
    CHECK(num(after, "lmdb_syncs") - num(before, "lmdb_syncs") == commits);
    CHECK(num(after, "lmdb_last_commit_time") >= now - 1);
    CHECK(num(after, "lmdb_last_sync_time") >= now - 1);
    CHECK(num(after, "lmdb_commit_failures") == 0);
    CHECK(num(after, "rdb_changes_since_last_save") - num(before, "rdb_changes_since_last_save") ==
          commits);
    CHECK(std::stod(after.at("lmdb_avg_commands_per_commit")) > 0.0);
    CHECK(num(after, "lmdb_used_bytes") > 0);
    CHECK(num(after, "lmdb_map_size") >= num(after, "lmdb_used_bytes"));
    CHECK(after.at("aof_last_write_status") == "ok");
    CHECK(c.cmd({"SAVE"}) == status("OK"));
    CHECK(num(info(c), "rdb_changes_since_last_save") == 0);
  }
}
