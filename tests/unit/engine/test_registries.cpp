#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/blocking.h"
#include "engine/watch.h"

using namespace postbox;

namespace {

void block_on(BlockingRegistry& r, Client& c, int db, std::vector<std::string> keys) {
  c.block.kind = BlockState::Kind::ListPop;
  c.block.db = db;
  c.block.keys = std::move(keys);
  r.block(c);
}

}  // namespace

TEST_CASE("blocked clients queue per key in arrival order") {
  BlockingRegistry r;
  Client a, b, c;
  block_on(r, a, 0, {"q"});
  block_on(r, b, 0, {"q", "other"});
  block_on(r, c, 1, {"q"});
  const auto* q = r.waiters(0, "q");
  REQUIRE(q != nullptr);
  CHECK(std::vector<Client*>(q->begin(), q->end()) == std::vector<Client*>{&a, &b});
  CHECK(r.waiters(1, "q")->front() == &c);
  CHECK(r.blocked_clients() == 3);
}

TEST_CASE("unblocking removes a client from every key and forgets empty queues") {
  BlockingRegistry r;
  Client a;
  block_on(r, a, 0, {"x", "y", "x"});
  CHECK(r.waiters(0, "x")->size() == 1);  // a key named twice queues the client once
  r.unblock(a);
  CHECK_FALSE(a.blocked());
  CHECK(r.waiters(0, "x") == nullptr);
  CHECK(r.waiters(0, "y") == nullptr);
  CHECK(r.blocked_clients() == 0);
}

TEST_CASE("only keys somebody waits on become ready, each once, in signal order") {
  BlockingRegistry r;
  Client a;
  block_on(r, a, 0, {"k1", "k2"});
  r.signal(0, "nobody-waits");
  r.signal(0, "k2");
  r.signal(0, "k1");
  r.signal(0, "k2");
  std::vector<ReadyKey> ready;
  r.take_ready(ready);
  CHECK(ready == std::vector<ReadyKey>{{0, "k2", true}, {0, "k1", true}});
  CHECK_FALSE(r.has_ready());
}

TEST_CASE("a data signal upgrades a key that only changed, and never the other way") {
  BlockingRegistry r;
  Client a;
  block_on(r, a, 0, {"k1", "k2"});
  r.signal(0, "k1", false);
  r.signal(0, "k1");
  r.signal(0, "k2");
  r.signal(0, "k2", false);
  std::vector<ReadyKey> ready;
  r.take_ready(ready);
  CHECK(ready == std::vector<ReadyKey>{{0, "k1", true}, {0, "k2", true}});
}

TEST_CASE("signal_all marks every waited key of one db ready") {
  BlockingRegistry r;
  Client a, b;
  block_on(r, a, 2, {"a"});
  block_on(r, b, 3, {"b"});
  r.signal_all(2);
  std::vector<ReadyKey> ready;
  r.take_ready(ready);
  CHECK(ready == std::vector<ReadyKey>{{2, "a", true}});
}

TEST_CASE("touching a watched key dirties exactly its watchers") {
  WatchRegistry w;
  Client a, b;
  w.watch(a, 0, "k");
  w.watch(b, 0, "other");
  w.watch(b, 1, "k");
  w.touch(0, "k");
  CHECK(a.watch_dirty);
  CHECK_FALSE(b.watch_dirty);
}

TEST_CASE("unwatch_all forgets keys and the dirty flag") {
  WatchRegistry w;
  Client a;
  w.watch(a, 0, "k");
  w.watch(a, 0, "k");  // watching twice keeps one entry
  CHECK(a.watched.size() == 1);
  w.touch(0, "k");
  w.unwatch_all(a);
  CHECK_FALSE(a.watch_dirty);
  CHECK(w.empty());
  w.touch(0, "k");
  CHECK_FALSE(a.watch_dirty);
}

TEST_CASE("touch_db dirties only the watched keys the predicate names") {
  WatchRegistry w;
  Client a, b, c;
  w.watch(a, 0, "exists");
  w.watch(b, 0, "ghost");
  w.watch(c, 1, "exists");
  w.touch_db(0, [](std::string_view key) { return key == "exists"; });
  CHECK(a.watch_dirty);
  CHECK_FALSE(b.watch_dirty);
  CHECK_FALSE(c.watch_dirty);
}
