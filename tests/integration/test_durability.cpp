// Postbox's durability contract: an acknowledged write survives kill -9, and restart serves at
// once with no replay. Skipped against redis-server, which the harness runs without persistence
// unless POSTBOX_IT_REDIS_AOF=1 (Redis then replays its AOF, so only the start-up bound is
// Postbox's).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "harness.h"

using namespace postbox::it;

namespace {

// Pipelines RPUSH r<round> <i> / LPUSH l<round> <i> pairs until the connection dies, counting
// the pairs the server acknowledged. A reply is an acknowledgement only if it is the expected new
// length.
struct Pusher {
  std::atomic<long long> acked{0};
  std::atomic<bool> out_of_order{false};
  std::atomic<bool> stop{false};
  std::string r, l;
  std::thread thread;

  Pusher(int port, std::string round) : r("r" + round), l("l" + round) {
    thread = std::thread([this, port] { run(port); });
  }
  ~Pusher() {
    stop = true;
    if (thread.joinable()) thread.join();
  }

  void run(int port) {
    try {
      Client c(port, 10000ms);
      const long long batch = 64;
      long long sent = 0;
      long long read = 0;
      while (!stop) {
        for (long long i = sent; i < sent + batch; ++i) {
          c.send({"RPUSH", r, std::to_string(i)});
          c.send({"LPUSH", l, std::to_string(i)});
        }
        c.flush();
        sent += batch;
        // Keep one batch in flight while reading the previous one: a continuous stream.
        while (read < sent - batch) {
          Reply r1 = c.read();
          Reply r2 = c.read();
          if (r1 != integer(read + 1) || r2 != integer(read + 1)) out_of_order = true;
          acked = ++read;
        }
      }
    } catch (const std::exception&) {
      // The server was killed: everything counted in `acked` had been answered before.
    }
  }
};

// The list must be 0, 1, 2, ... m-1 (reversed for LPUSH) with m >= acked.
void check_prefix(Client& c, const std::string& key, long long acked, bool reversed) {
  Reply all = c.cmd({"LRANGE", key, "0", "-1"});
  REQUIRE(all.type == ReplyType::Array);
  auto items = all.strings();
  if (reversed) std::reverse(items.begin(), items.end());
  INFO("list ", key, " has ", items.size(), " elements, ", acked, " were acknowledged");
  CHECK(static_cast<long long>(items.size()) >= acked);
  long long mismatches = 0;
  for (size_t i = 0; i < items.size(); ++i) mismatches += items[i] != std::to_string(i);
  CHECK(mismatches == 0);
}

// Three rounds of pushing and killing; each round's lists must also survive the later crashes.
void acknowledged_pushes_survive_kill9(const std::string& fsync_mode) {
  Server server({"--appendfsync", fsync_mode});
  std::vector<long long> acked;
  for (int round = 0; round < 3; ++round) {
    Pusher pusher(server.port(), std::to_string(round));
    REQUIRE(eventually([&] { return pusher.acked >= 2000; }, 20000ms));
    std::this_thread::sleep_for(std::chrono::milliseconds(7 + 11 * round));
    server.kill9();
    pusher.thread.join();
    CHECK_FALSE(pusher.out_of_order);
    acked.push_back(pusher.acked);
    server.start();
  }
  Client c = server.client();
  for (int round = 0; round < 3; ++round) {
    check_prefix(c, "r" + std::to_string(round), acked[round], false);
    check_prefix(c, "l" + std::to_string(round), acked[round], true);
  }
}

void crash_and_restart(Server& server) {
  server.kill9();
  server.start();
}

}  // namespace

TEST_SUITE("durability") {
  TEST_CASE("With appendfsync always every acknowledged push survives kill -9, in order") {
    SKIP_UNLESS_DURABLE();
    acknowledged_pushes_survive_kill9("always");
  }

  TEST_CASE("With appendfsync everysec every acknowledged push survives kill -9, in order") {
    SKIP_UNLESS_DURABLE();
    acknowledged_pushes_survive_kill9("everysec");
  }

  TEST_CASE("With appendfsync no every acknowledged push survives kill -9, in order") {
    SKIP_UNLESS_DURABLE();
    acknowledged_pushes_survive_kill9("no");
  }

  TEST_CASE("Restart with a million-element list answers at once and LLEN is exact") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client(30000ms);
    const int per_cmd = 1000;
    const int cmds = 1000;
    for (int group = 0; group < cmds; group += 20) {
      for (int k = group; k < group + 20; ++k) {
        Cmd push = {"RPUSH", "big"};
        for (int j = 0; j < per_cmd; ++j) push.push_back("e" + std::to_string(k * per_cmd + j));
        c.send(push);
      }
      c.flush();
      for (int k = group; k < group + 20; ++k) REQUIRE(c.read() == integer((k + 1LL) * per_cmd));
    }
    Millis empty_start = server.last_start_time();
    c.close();
    crash_and_restart(server);
    MESSAGE("start-up: empty ", empty_start.count(), " ms, with 1,000,000 elements ",
            server.last_start_time().count(), " ms");
    CHECK(server.last_start_time() < 1000ms);
    Client after = server.client(30000ms);
    CHECK(after.cmd({"LLEN", "big"}) == integer(1000000));
    CHECK(after.cmd({"LINDEX", "big", "0"}) == bulk("e0"));
    CHECK(after.cmd({"LINDEX", "big", "123456"}) == bulk("e123456"));
    CHECK(after.cmd({"LINDEX", "big", "-1"}) == bulk("e999999"));
  }

  TEST_CASE("Acknowledged pops stay popped after kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b", "c", "d", "e"});
    CHECK(c.cmd({"LPOP", "q"}) == bulk("a"));
    CHECK(c.cmd({"RPOP", "q", "2"}) == bulks({"e", "d"}));
    CHECK(c.cmd({"BLPOP", "q", "1"}) == bulks({"q", "b"}));
    crash_and_restart(server);
    Client after = server.client();
    CHECK(after.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"c"}));
  }

  TEST_CASE("An element handed to a blocked client is not back after kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    start(waiter, {"BLPOP", "q", "0"});
    await_blocked(pusher, 1);
    CHECK(pusher.cmd({"RPUSH", "q", "job-1", "job-2"}) == integer(2));
    CHECK(waiter.read() == bulks({"q", "job-1"}));
    crash_and_restart(server);
    Client after = server.client();
    CHECK(after.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"job-2"}));
  }

  TEST_CASE("A TTL survives kill -9 and keeps counting down while the server is down") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "v"});
    CHECK(c.cmd({"PEXPIRE", "q", "5000"}) == integer(1));
    server.kill9();
    std::this_thread::sleep_for(1000ms);
    server.start();
    Client after = server.client();
    long long pttl = after.cmd({"PTTL", "q"}).integer;
    CHECK(pttl > 2000);
    CHECK(pttl <= 4000);
    CHECK(after.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"v"}));
  }

  TEST_CASE("A key whose TTL passed while the server was down is gone after restart") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "short", "v"});
    c.cmd({"PEXPIRE", "short", "300"});
    c.cmd({"RPUSH", "long", "v"});
    c.cmd({"EXPIRE", "long", "1000"});
    server.kill9();
    std::this_thread::sleep_for(500ms);
    server.start();
    Client after = server.client();
    CHECK(after.cmd({"EXISTS", "short"}) == integer(0));
    CHECK(after.cmd({"LRANGE", "short", "0", "-1"}) == bulks({}));
    CHECK(after.cmd({"TTL", "long"}).integer > 990);
    CHECK(eventually([&] { return after.cmd({"DBSIZE"}) == integer(1); }));
  }

  TEST_CASE("PERSIST survives kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "v"});
    c.cmd({"PEXPIRE", "q", "1500"});
    CHECK(c.cmd({"PERSIST", "q"}) == integer(1));
    crash_and_restart(server);
    std::this_thread::sleep_for(1600ms - server.last_start_time());
    Client after = server.client();
    CHECK(after.cmd({"TTL", "q"}) == integer(-1));
    CHECK(after.cmd({"LLEN", "q"}) == integer(1));
  }

  TEST_CASE("Lists stay in their own database across kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    for (int db : {0, 5, 15}) {
      c.cmd({"SELECT", std::to_string(db)});
      c.cmd({"RPUSH", "q", "in-" + std::to_string(db)});
    }
    c.cmd({"SELECT", "5"});
    c.cmd({"RPUSH", "only-in-5", "x"});
    crash_and_restart(server);
    Client after = server.client();
    for (int db : {0, 5, 15}) {
      after.cmd({"SELECT", std::to_string(db)});
      CHECK(after.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"in-" + std::to_string(db)}));
    }
    after.cmd({"SELECT", "5"});
    CHECK(after.cmd({"DBSIZE"}) == integer(2));
    after.cmd({"SELECT", "0"});
    CHECK(after.cmd({"DBSIZE"}) == integer(1));
  }

  TEST_CASE("SWAPDB survives kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "a", "was-db0"});
    c.cmd({"SELECT", "1"});
    c.cmd({"RPUSH", "b", "was-db1"});
    CHECK(c.cmd({"SWAPDB", "0", "1"}) == status("OK"));
    crash_and_restart(server);
    Client after = server.client();
    CHECK(after.cmd({"KEYS", "*"}) == bulks({"b"}));
    after.cmd({"SELECT", "1"});
    CHECK(after.cmd({"KEYS", "*"}) == bulks({"a"}));
  }

  TEST_CASE("DEL, RENAME, FLUSHDB and FLUSHALL survive kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "deleted", "x"});
    c.cmd({"RPUSH", "src", "moved"});
    c.cmd({"DEL", "deleted"});
    c.cmd({"RENAME", "src", "dst"});
    c.cmd({"SELECT", "2"});
    c.cmd({"RPUSH", "flushed", "x"});
    c.cmd({"FLUSHDB"});
    crash_and_restart(server);
    Client after = server.client();
    CHECK(after.cmd({"KEYS", "*"}) == bulks({"dst"}));
    CHECK(after.cmd({"LRANGE", "dst", "0", "-1"}) == bulks({"moved"}));
    after.cmd({"SELECT", "2"});
    CHECK(after.cmd({"DBSIZE"}) == integer(0));
    CHECK(after.cmd({"FLUSHALL"}) == status("OK"));
    crash_and_restart(server);
    Client last = server.client();
    CHECK(last.cmd({"DBSIZE"}) == integer(0));
  }

  TEST_CASE("Long keys and large elements survive kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    std::string long_key(3000, 'k');
    long_key += "-end";
    std::string similar = long_key.substr(0, 2999) + "j-end";
    std::string big(600000, 'x');
    big[1234] = '\0';
    c.cmd({"RPUSH", long_key, "first", big});
    c.cmd({"RPUSH", similar, "other"});
    crash_and_restart(server);
    Client after = server.client();
    CHECK(after.cmd({"LRANGE", long_key, "0", "-1"}) == bulks({"first", big}));
    CHECK(after.cmd({"LRANGE", similar, "0", "-1"}) == bulks({"other"}));
    CHECK(after.cmd({"DBSIZE"}) == integer(2));
  }

  TEST_CASE("A graceful restart keeps every list") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b"});
    c.cmd({"LPUSH", "q", "z"});
    c.close();
    server.restart();
    Client after = server.client();
    CHECK(after.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"z", "a", "b"}));
  }
}
