#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "store/store.h"
#include "temp_store.h"

using namespace postbox;
using postbox::test::TempStore;

namespace {

std::vector<std::string> pop_all(Store& s, std::string_view key, ListEnd end) {
  std::vector<std::string> out;
  REQUIRE(s.lists().pop(
      0, key, end, 1000000, 0, [](int64_t) {}, [&](std::string_view v) { out.emplace_back(v); }));
  return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

}  // namespace

TEST_CASE("pushes at both ends keep Redis list order across a reopen") {
  TempStore t;
  std::vector<std::string> right = {"c", "d"}, left = {"b", "a"};
  REQUIRE(*t.store.lists().push(0, "q", ListEnd::Tail, views(right), false, 0) == 2);
  REQUIRE(*t.store.lists().push(0, "q", ListEnd::Head, views(left), false, 0) == 4);
  t.reopen();
  CHECK(*t.store.lists().length(0, "q", 0) == 4);
  auto all = pop_all(t.store, "q", ListEnd::Head);
  CHECK(all == std::vector<std::string>{"a", "b", "c", "d"});
  KeyEntry e;
  REQUIRE(t.store.keys().find(0, "q", 0, e));
  CHECK_FALSE(e.found);  // an emptied list is deleted, as in Redis
}

TEST_CASE("keys longer than LMDB's limit work, even when they share a prefix") {
  TempStore t;
  std::string a(2000, 'x'), b(2000, 'x');
  b.back() = 'y';
  std::vector<std::string> v1 = {"1"}, v2 = {"2", "3"};
  t.store.lists().push(0, a, ListEnd::Tail, views(v1), false, 0);
  t.store.lists().push(0, b, ListEnd::Tail, views(v2), false, 0);
  t.reopen();
  CHECK(*t.store.lists().length(0, a, 0) == 1);
  CHECK(*t.store.lists().length(0, b, 0) == 2);
  CHECK(t.store.keys().dbsize(0) == 2);
}

TEST_CASE("a full SCAN returns every key exactly once") {
  TempStore t;
  std::vector<std::string> v = {"x"};
  for (int i = 0; i < 500; ++i) {
    t.store.lists().push(0, "key:" + std::to_string(i), ListEnd::Tail, views(v), false, 0);
  }
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int rounds = 0;
  do {
    cursor = t.store.keys().scan(0, cursor, 7, 0,
                                 [&](std::string_view k, const KeyMeta&) { seen.emplace(k); });
    ++rounds;
  } while (cursor != 0);
  CHECK(seen.size() == 500);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 500);
  CHECK(rounds > 50);
}

TEST_CASE("databases are separate and SWAPDB exchanges them") {
  TempStore t;
  std::vector<std::string> v = {"x"};
  t.store.lists().push(0, "k0", ListEnd::Tail, views(v), false, 0);
  t.store.lists().push(5, "k5", ListEnd::Tail, views(v), false, 0);
  REQUIRE(t.store.keys().swapdb(0, 5));
  t.reopen();
  CHECK(*t.store.lists().length(0, "k5", 0) == 1);
  CHECK(*t.store.lists().length(5, "k0", 0) == 1);
  CHECK(*t.store.lists().length(0, "k0", 0) == 0);
}

TEST_CASE("expired keys vanish on lookup and by the active expiry step") {
  TempStore t;
  std::vector<std::string> v = {"x"};
  t.store.lists().push(0, "a", ListEnd::Tail, views(v), false, 0);
  t.store.lists().push(0, "b", ListEnd::Tail, views(v), false, 0);
  KeyEntry e;
  REQUIRE(t.store.keys().find(0, "a", 0, e));
  REQUIRE(t.store.keys().set_expire(0, e, 1000));
  REQUIRE(t.store.keys().find(0, "b", 0, e));
  REQUIRE(t.store.keys().set_expire(0, e, 2000));
  CHECK(t.store.keys().expires_count(0) == 2);
  REQUIRE(t.store.keys().find(0, "a", 1500, e));
  CHECK_FALSE(e.found);
  bool more = false;
  CHECK(t.store.keys().expire_step(2500, 10, more) == 1);
  CHECK(t.store.keys().dbsize(0) == 0);
  CHECK(t.store.keys().expires_count(0) == 0);
}

TEST_CASE("deleting a long list is O(1) and its elements are reclaimed later") {
  TempStore t;
  std::vector<std::string> many(5000, "element");
  t.store.lists().push(0, "big", ListEnd::Tail, views(many), false, 0);
  KeyEntry e;
  REQUIRE(t.store.keys().find(0, "big", 0, e));
  REQUIRE(t.store.keys().remove(0, e));
  CHECK(t.store.keys().reclaim_pending());
  int steps = 0;
  while (t.store.keys().reclaim_step(1000)) ++steps;
  CHECK(steps >= 5);
  // A new list of the same name starts empty: the old elements never resurface.
  std::vector<std::string> one = {"new"};
  t.store.lists().push(0, "big", ListEnd::Tail, views(one), false, 0);
  CHECK(pop_all(t.store, "big", ListEnd::Head) == std::vector<std::string>{"new"});
}
