// ListStore's editing operations (LSET, LINSERT, LREM, LTRIM, LPOS) on a real LMDB environment,
// checked against a std::deque model, with the element table checked to hold exactly the
// list's elements after every edit (no orphan left behind by a shift or a trim).
#include <doctest/doctest.h>
#include <lmdb.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "temp_store.h"

using namespace postbox;
using postbox::test::TempStore;

namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

std::vector<std::string> all(Store& s, std::string_view key) {
  std::vector<std::string> out;
  REQUIRE(s.lists().range(
      0, key, 0, -1, 0, [](int64_t) {}, [&](std::string_view v) { out.emplace_back(v); }));
  return out;
}

void fill(Store& s, std::string_view key, const std::vector<std::string>& values) {
  std::vector<std::string_view> views(values.begin(), values.end());
  REQUIRE(s.lists().push(0, key, ListEnd::Tail, views, false, 0));
}

KeyMeta meta(Store& s, std::string_view key) {
  KeyEntry e;
  REQUIRE(s.keys().find(0, key, 0, e));
  REQUIRE(e.found);
  return e.meta;
}

bool exists(Store& s, std::string_view key) {
  KeyEntry e;
  REQUIRE(s.keys().find(0, key, 0, e));
  return e.found;
}

// Entries in the element table under `id`, wherever their index.
int64_t stored_elements(Store& s, uint64_t id) {
  MDB_cursor* cur;
  REQUIRE(mdb_cursor_open(s.env().txn(), s.env().elems_dbi(), &cur) == 0);
  char prefix[16] = {};
  put_u64_be(prefix, id);
  MDB_val k{16, prefix}, v;
  int64_t n = 0;
  int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  while (rc == 0 && k.mv_size == 16 && std::memcmp(k.mv_data, prefix, 8) == 0) {
    ++n;
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cur);
  return n;
}

// The list holds `expected`, in order, and nothing else is stored under its id.
void check_list(Store& s, std::string_view key, const std::deque<std::string>& expected) {
  if (expected.empty()) {
    CHECK_FALSE(exists(s, key));
    return;
  }
  KeyMeta m = meta(s, key);
  CHECK(m.b - m.a == static_cast<int64_t>(expected.size()));
  CHECK(stored_elements(s, m.id) == static_cast<int64_t>(expected.size()));
  auto got = all(s, key);
  CHECK(std::vector<std::string>(expected.begin(), expected.end()) == got);
}

std::vector<int64_t> lpos(Store& s, std::string_view key, std::string_view v, int64_t rank,
                          int64_t count, int64_t maxlen) {
  std::vector<int64_t> out;
  REQUIRE(s.lists().positions(0, key, v, ListPosQuery{rank, count, maxlen}, 0,
                              [&](int64_t i) { out.push_back(i); }));
  return out;
}

}  // namespace

TEST_CASE("LSET overwrites one element in place, counting negative indexes from the end") {
  TempStore t;
  fill(t.store, "q", {"a", "b", "c"});
  KeyMeta before = meta(t.store, "q");
  CHECK(*t.store.lists().set(0, "q", 1, "B", 0) == ListSetResult::Done);
  CHECK(*t.store.lists().set(0, "q", -1, std::string(10000, 'C'), 0) == ListSetResult::Done);
  CHECK(*t.store.lists().set(0, "q", -3, "A", 0) == ListSetResult::Done);
  check_list(t.store, "q", {"A", "B", std::string(10000, 'C')});
  KeyMeta after = meta(t.store, "q");
  CHECK(after.a == before.a);
  CHECK(after.b == before.b);
}

TEST_CASE("LSET reports a missing key and an index outside the list") {
  TempStore t;
  CHECK(*t.store.lists().set(0, "none", 0, "x", 0) == ListSetResult::NoSuchKey);
  fill(t.store, "q", {"a", "b"});
  CHECK(*t.store.lists().set(0, "q", 2, "x", 0) == ListSetResult::OutOfRange);
  CHECK(*t.store.lists().set(0, "q", -3, "x", 0) == ListSetResult::OutOfRange);
  CHECK(*t.store.lists().set(0, "q", kMin, "x", 0) == ListSetResult::OutOfRange);
  check_list(t.store, "q", {"a", "b"});
  CHECK_FALSE(exists(t.store, "none"));
}

TEST_CASE("LINSERT near the head moves the head side and near the tail the tail side") {
  TempStore t;
  fill(t.store, "q", {"a", "b", "c", "d", "e", "f"});
  KeyMeta m0 = meta(t.store, "q");
  CHECK(*t.store.lists().insert(0, "q", ListEnd::Head, "b", "x", 0) == 7);
  KeyMeta m1 = meta(t.store, "q");
  CHECK(m1.a == m0.a - 1);
  CHECK(m1.b == m0.b);
  CHECK(*t.store.lists().insert(0, "q", ListEnd::Tail, "e", "y", 0) == 8);
  KeyMeta m2 = meta(t.store, "q");
  CHECK(m2.a == m1.a);
  CHECK(m2.b == m1.b + 1);
  check_list(t.store, "q", {"a", "x", "b", "c", "d", "e", "y", "f"});
}

TEST_CASE("LINSERT at either end and around the first matching pivot only") {
  TempStore t;
  fill(t.store, "q", {"p", "m", "p"});
  CHECK(*t.store.lists().insert(0, "q", ListEnd::Head, "p", "h", 0) == 4);
  CHECK(*t.store.lists().insert(0, "q", ListEnd::Tail, "p", "after-first", 0) == 5);
  fill(t.store, "r", {"only"});
  CHECK(*t.store.lists().insert(0, "r", ListEnd::Tail, "only", "t", 0) == 2);
  CHECK(*t.store.lists().insert(0, "r", ListEnd::Head, "only", "h", 0) == 3);
  check_list(t.store, "q", {"h", "p", "after-first", "m", "p"});
  check_list(t.store, "r", {"h", "only", "t"});
}

TEST_CASE("LINSERT answers 0 for a missing key and -1 when the pivot is absent") {
  TempStore t;
  CHECK(*t.store.lists().insert(0, "none", ListEnd::Head, "a", "x", 0) == 0);
  CHECK_FALSE(exists(t.store, "none"));
  fill(t.store, "q", {"a", "b"});
  CHECK(*t.store.lists().insert(0, "q", ListEnd::Tail, "zz", "x", 0) == -1);
  CHECK(*t.store.lists().insert(0, "q", ListEnd::Tail, "A", "x", 0) == -1);  // byte equality
  check_list(t.store, "q", {"a", "b"});
}

TEST_CASE("LREM removes the first count matches from the head, or -count from the tail") {
  TempStore t;
  fill(t.store, "q", {"x", "a", "x", "b", "x", "c", "x"});
  CHECK(*t.store.lists().remove(0, "q", 2, "x", 0) == 2);
  check_list(t.store, "q", {"a", "b", "x", "c", "x"});
  CHECK(*t.store.lists().remove(0, "q", -1, "x", 0) == 1);
  check_list(t.store, "q", {"a", "b", "x", "c"});
  CHECK(*t.store.lists().remove(0, "q", 5, "zz", 0) == 0);
  CHECK(*t.store.lists().remove(0, "q", 0, "x", 0) == 1);
  check_list(t.store, "q", {"a", "b", "c"});
  CHECK(*t.store.lists().remove(0, "none", 0, "x", 0) == 0);
}

TEST_CASE("LREM that removes every element deletes the key") {
  TempStore t;
  fill(t.store, "q", {"x", "x", "x"});
  CHECK(*t.store.lists().remove(0, "q", 0, "x", 0) == 3);
  check_list(t.store, "q", {});
  fill(t.store, "r", {"x", "x"});
  CHECK(*t.store.lists().remove(0, "r", -5, "x", 0) == 2);
  check_list(t.store, "r", {});
}

TEST_CASE("LREM with INT64_MIN removes every match, as Redis 7.0 does") {
  TempStore t;
  fill(t.store, "q", {"x", "a", "x", "x"});
  CHECK(*t.store.lists().remove(0, "q", kMin, "x", 0) == 3);
  check_list(t.store, "q", {"a"});
}

TEST_CASE("LREM leaves its largest run of survivors in place") {
  TempStore t;
  // Removing near the head: the long tail run stays put, the head moves towards it.
  fill(t.store, "q", {"a", "x", "b", "c", "d", "e", "f", "g"});
  KeyMeta m0 = meta(t.store, "q");
  CHECK(*t.store.lists().remove(0, "q", 1, "x", 0) == 1);
  KeyMeta m1 = meta(t.store, "q");
  CHECK(m1.a == m0.a + 1);
  CHECK(m1.b == m0.b);
  // Removals at both ends of a long middle run: each end moves by one.
  fill(t.store, "r", {"a", "x", "b", "c", "d", "e", "x", "f"});
  KeyMeta r0 = meta(t.store, "r");
  CHECK(*t.store.lists().remove(0, "r", 0, "x", 0) == 2);
  KeyMeta r1 = meta(t.store, "r");
  CHECK(r1.a == r0.a + 1);
  CHECK(r1.b == r0.b - 1);
  check_list(t.store, "q", {"a", "b", "c", "d", "e", "f", "g"});
  check_list(t.store, "r", {"a", "b", "c", "d", "e", "f"});
}

TEST_CASE("LTRIM keeps the range asked for and deletes the elements outside it") {
  TempStore t;
  fill(t.store, "q", {"a", "b", "c", "d", "e", "f"});
  REQUIRE(t.store.lists().trim(0, "q", 1, -2, 0));
  check_list(t.store, "q", {"b", "c", "d", "e"});
  REQUIRE(t.store.lists().trim(0, "q", -100, 100, 0));
  check_list(t.store, "q", {"b", "c", "d", "e"});
  REQUIRE(t.store.lists().trim(0, "q", 0, 1, 0));
  check_list(t.store, "q", {"b", "c"});
  REQUIRE(t.store.lists().trim(0, "q", kMin, kMin, 0));
  check_list(t.store, "q", {});
}

TEST_CASE("LTRIM to an empty range deletes the key; a missing key is fine") {
  TempStore t;
  REQUIRE(t.store.lists().trim(0, "none", 0, 1, 0));
  CHECK_FALSE(exists(t.store, "none"));
  fill(t.store, "q", {"a", "b", "c"});
  REQUIRE(t.store.lists().trim(0, "q", 2, 1, 0));
  check_list(t.store, "q", {});
  fill(t.store, "r", {"a", "b", "c"});
  REQUIRE(t.store.lists().trim(0, "r", 3, 10, 0));
  check_list(t.store, "r", {});
}

TEST_CASE("LPOS finds matches by rank from either end, bounded by count and maxlen") {
  TempStore t;
  fill(t.store, "q", {"a", "b", "c", "1", "2", "3", "c", "c"});
  CHECK(lpos(t.store, "q", "c", 1, 1, 0) == std::vector<int64_t>{2});
  CHECK(lpos(t.store, "q", "c", 2, 1, 0) == std::vector<int64_t>{6});
  CHECK(lpos(t.store, "q", "c", -1, 1, 0) == std::vector<int64_t>{7});
  CHECK(lpos(t.store, "q", "c", -3, 1, 0) == std::vector<int64_t>{2});
  CHECK(lpos(t.store, "q", "c", -4, 1, 0).empty());
  CHECK(lpos(t.store, "q", "c", 1, 0, 0) == std::vector<int64_t>{2, 6, 7});
  CHECK(lpos(t.store, "q", "c", -1, 0, 0) == std::vector<int64_t>{7, 6, 2});
  CHECK(lpos(t.store, "q", "c", 2, 5, 0) == std::vector<int64_t>{6, 7});
  CHECK(lpos(t.store, "q", "c", 1, 0, 2).empty());
  CHECK(lpos(t.store, "q", "c", 1, 0, 3) == std::vector<int64_t>{2});
  CHECK(lpos(t.store, "q", "c", -1, 0, 3) == std::vector<int64_t>{7, 6});
  CHECK(lpos(t.store, "q", "zz", 1, 0, 0).empty());
  CHECK(lpos(t.store, "none", "c", 1, 0, 0).empty());
}

TEST_CASE("edits move large elements intact and survive a reopen") {
  TempStore t;
  std::deque<std::string> model;
  std::vector<std::string> values;
  for (int i = 0; i < 9; ++i) values.push_back(std::string(3000 + i * 2000, char('a' + i)));
  fill(t.store, "q", values);
  model.assign(values.begin(), values.end());
  std::string big(50000, 'Z');
  CHECK(*t.store.lists().insert(0, "q", ListEnd::Head, values[2], big, 0) == 10);
  model.insert(model.begin() + 2, big);
  CHECK(*t.store.lists().insert(0, "q", ListEnd::Tail, values[6], "small", 0) == 11);
  model.insert(model.begin() + 8, "small");
  CHECK(*t.store.lists().remove(0, "q", 0, values[4], 0) == 1);
  model.erase(model.begin() + 5);
  t.reopen();
  check_list(t.store, "q", model);
}

TEST_CASE("edits work on keys longer than LMDB's key limit") {
  TempStore t;
  std::string key(1000, 'k');
  fill(t.store, key, {"a", "b", "c"});
  CHECK(*t.store.lists().insert(0, key, ListEnd::Tail, "b", "x", 0) == 4);
  CHECK(*t.store.lists().set(0, key, 0, "A", 0) == ListSetResult::Done);
  CHECK(*t.store.lists().remove(0, key, 1, "c", 0) == 1);
  REQUIRE(t.store.lists().trim(0, key, 0, 1, 0));
  check_list(t.store, key, {"A", "b"});
}

TEST_CASE("random edits agree with a deque model and leave no orphan elements") {
  TempStore t;
  std::mt19937 rng(12345);
  std::deque<std::string> model;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto value = [&] { return std::string(1, char('a' + pick(4))); };
  for (int step = 0; step < 1000; ++step) {
    int64_t len = static_cast<int64_t>(model.size());
    int op = pick(8);
    if (len == 0 || op == 0 || op >= 6) {
      std::vector<std::string> vs;
      for (int i = pick(8) + 1; i > 0; --i) vs.push_back(value());
      fill(t.store, "q", vs);
      model.insert(model.end(), vs.begin(), vs.end());
    } else if (op == 1) {
      std::string pivot = value(), v = value() + std::to_string(step);
      bool after = pick(2) == 1;
      auto it = std::find(model.begin(), model.end(), pivot);
      int64_t want = it == model.end() ? -1 : len + 1;
      CHECK(*t.store.lists().insert(0, "q", after ? ListEnd::Tail : ListEnd::Head, pivot, v, 0) ==
            want);
      if (it != model.end()) model.insert(after ? it + 1 : it, v);
    } else if (op == 2) {
      std::string v = value();
      int64_t count = pick(7) - 3;
      int64_t limit = count == 0 ? len : std::abs(count), removed = 0;
      if (count >= 0) {
        for (auto it = model.begin(); it != model.end() && removed < limit;) {
          if (*it == v) {
            it = model.erase(it);
            ++removed;
          } else {
            ++it;
          }
        }
      } else {
        for (int64_t i = len - 1; i >= 0 && removed < limit; --i) {
          if (model[static_cast<size_t>(i)] == v) {
            model.erase(model.begin() + i);
            ++removed;
          }
        }
      }
      CHECK(*t.store.lists().remove(0, "q", count, v, 0) == removed);
    } else if (op == 3) {
      // Mostly small trims at both ends, now and then one that empties the list.
      int64_t start = pick(20) == 0 ? len + pick(3) : pick(4) - 2;
      int64_t stop = pick(2) == 0 ? len - 1 - pick(3) : -1 - pick(3);
      REQUIRE(t.store.lists().trim(0, "q", start, stop, 0));
      int64_t s = start < 0 ? std::max<int64_t>(start + len, 0) : start;
      int64_t e = stop < 0 ? stop + len : std::min(stop, len - 1);
      if (s > e || s >= len) {
        model.clear();
      } else {
        model.erase(model.begin() + e + 1, model.end());
        model.erase(model.begin(), model.begin() + s);
      }
    } else if (op == 4) {
      int64_t idx = pick(static_cast<int>(len) * 2) - len;
      std::string v = value();
      CHECK(*t.store.lists().set(0, "q", idx, v, 0) == ListSetResult::Done);
      model[static_cast<size_t>(idx < 0 ? idx + len : idx)] = v;
    } else if (op == 5) {
      std::string v = value();
      std::vector<int64_t> want;
      for (int64_t i = 0; i < len; ++i) {
        if (model[static_cast<size_t>(i)] == v) want.push_back(i);
      }
      CHECK(lpos(t.store, "q", v, 1, 0, 0) == want);
    }
    check_list(t.store, "q", model);
    if (step % 200 == 199) t.reopen();
  }
}
