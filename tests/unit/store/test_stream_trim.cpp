// Lazy stream trimming: a trim moves the header's floor and the trimmed records go later through
// the keyspace's reclaim step. Reads never see a trimmed entry, whatever is left on disk; random
// streams trim exactly as Redis's node-by-node streamTrim would; the reclaim resumes after a
// crash and deletes only what is below the floor, also after XSETID moved an emptied stream's
// last id back below it; DEL reclaims everything.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "store/key_codec.h"
#include "store/stream_store.h"
#include "temp_store.h"

using namespace postbox;
using postbox::test::count_records;
using postbox::test::TempStore;

namespace {

constexpr auto kMaxLen = StreamTrim::Strategy::MaxLen;
constexpr auto kMinId = StreamTrim::Strategy::MinId;

StreamId I(uint64_t ms, uint64_t seq = 0) {
  return {ms, seq};
}

void open_stream(StreamStore& s, std::string_view key = "s") {
  auto r = s.open(0, key, 0);
  REQUIRE(r);
  if (!*r) REQUIRE(s.create(0, key));
}

void add(StreamStore& s, const StreamId& id, std::string_view value = "v") {
  StreamId out;
  std::vector<std::string_view> pairs = {"f", value};
  auto r = s.append(id, true, true, pairs, 0, out);
  REQUIRE(r);
  REQUIRE(*r == AppendOutcome::Added);
}

void fill(StreamStore& s, uint64_t from, uint64_t to) {
  for (uint64_t i = from; i <= to; ++i) add(s, I(i));
}

int64_t trim(StreamStore& s, StreamTrim::Strategy how, bool approx, int64_t maxlen,
             StreamId minid = {}, int64_t limit = 0) {
  StreamTrim t;
  t.strategy = how;
  t.approx = approx;
  t.maxlen = maxlen;
  t.minid = minid;
  t.limit = limit;
  auto r = s.trim(t);
  REQUIRE(r);
  return *r;
}

std::vector<StreamId> scan_ids(StreamStore& s, bool rev = false) {
  std::vector<StreamId> out;
  auto n = s.scan(StreamId{}, StreamId::max(), 0, rev,
                  [&](const StreamId& id, EntryReader&) { out.push_back(id); });
  REQUIRE(n);
  return out;
}

std::vector<StreamId> ids(uint64_t from, uint64_t to) {
  std::vector<StreamId> out;
  for (uint64_t i = from; i <= to; ++i) out.push_back(I(i));
  return out;
}

uint64_t data_id(Store& st, std::string_view key = "s") {
  KeyEntry e;
  REQUIRE(st.keys().find(0, key, 0, e));
  REQUIRE(e.found);
  return e.meta.id;
}

// Records in the elems table whose key starts with the data id (and `tag`, unless negative).
int64_t raw_records(Store& st, uint64_t id, int tag = static_cast<int>(StreamTag::Entry)) {
  std::string prefix(8, '\0');
  put_u64_be(prefix.data(), id);
  if (tag >= 0) prefix.push_back(static_cast<char>(tag));
  return count_records(st, prefix);
}

// Runs reclaim steps until nothing is left; returns how many it took.
int drain(Store& st, size_t budget = 100) {
  int steps = 0;
  while (st.keys().reclaim_step(budget)) ++steps;
  return steps;
}

struct Fixture {
  TempStore t;
  StreamStore& s;
  Fixture() : s(t.store.streams()) {
    s.set_node_limits(4096, 10);
    open_stream(s);
  }
};

// ---- a model of Redis's streamTrim, node by node, over (id, node) pairs --------------------

struct ModelEntry {
  StreamId id;
  uint64_t node;
};

struct Model {
  std::vector<ModelEntry> live;
  uint64_t nodes = 0;
  bool tail_emptied = false;

  int64_t trim(const StreamTrim& t, uint64_t tail_node) {
    int64_t deleted = 0;
    bool maxlen = t.strategy == kMaxLen;
    tail_emptied = false;
    while (!live.empty()) {
      uint64_t node = live.front().node;
      size_t n = 0;
      while (n < live.size() && live[n].node == node) ++n;
      auto entries = static_cast<int64_t>(n);
      if (t.limit && deleted + entries > t.limit) break;
      bool whole = maxlen ? static_cast<int64_t>(live.size()) - entries >= t.maxlen
                          : live[n - 1].id < t.minid;
      if (whole) {
        live.erase(live.begin(), live.begin() + static_cast<int64_t>(n));
        deleted += entries;
        --nodes;
        if (node == tail_node) tail_emptied = true;
        continue;
      }
      if (t.approx) break;
      while (maxlen ? static_cast<int64_t>(live.size()) > t.maxlen : live.front().id < t.minid) {
        live.erase(live.begin());
        ++deleted;
      }
      break;
    }
    return deleted;
  }
};

uint64_t node_of(StreamStore& s, const StreamId& id) {
  uint64_t node = 0;
  auto r = s.entry(id, [&](const StreamId&, EntryReader& e) { node = e.node(); });
  REQUIRE(r);
  REQUIRE(*r);
  return node;
}

}  // namespace

TEST_SUITE("stream trim") {
  TEST_CASE("a large trim leaves its records for the reclaim step, which reads never see") {
    Fixture f;
    fill(f.s, 1, 1000);
    uint64_t id = data_id(f.t.store);
    CHECK(trim(f.s, kMaxLen, false, 5) == 995);
    CHECK(f.s.header().length == 5);
    CHECK(f.s.header().first_id == I(996));
    CHECK(f.s.header().floor.id == I(995));
    CHECK(raw_records(f.t.store, id) == 1000);  // nothing deleted yet
    CHECK(scan_ids(f.s) == ids(996, 1000));
    CHECK(scan_ids(f.s, true) == std::vector<StreamId>{I(1000), I(999), I(998), I(997), I(996)});
    CHECK_FALSE(*f.s.has_entry(I(995)));
    CHECK_FALSE(*f.s.has_entry(I(1)));
    CHECK(*f.s.has_entry(I(996)));
    StreamId gone[] = {I(1), I(500), I(995)};
    CHECK(*f.s.remove(gone) == 0);
    CHECK(f.s.last_entry_id() == I(1000));

    CHECK(drain(f.t.store, 100) >= 10);
    CHECK(raw_records(f.t.store, id) == 5);
    CHECK(scan_ids(f.s) == ids(996, 1000));
  }

  TEST_CASE("a small trim deletes its records at once") {
    Fixture f;
    fill(f.s, 1, 100);
    uint64_t id = data_id(f.t.store);
    CHECK(trim(f.s, kMaxLen, true, 80) == 20);
    CHECK(raw_records(f.t.store, id) == 80);
    CHECK_FALSE(f.t.store.keys().reclaim_step(100));
  }

  TEST_CASE("trimming everything keeps the ids going and the next entry opens a node") {
    Fixture f;
    fill(f.s, 1, 1000);
    CHECK(trim(f.s, kMaxLen, false, 0) == 1000);
    CHECK(f.s.header().length == 0);
    CHECK(f.s.header().nodes == 0);
    CHECK(f.s.header().tail_entries == 0);
    CHECK(f.s.header().first_id.is_zero());
    CHECK(scan_ids(f.s).empty());
    CHECK(f.s.last_entry_id().is_zero());
    uint64_t tail = f.s.header().tail_node;
    add(f.s, I(1001));
    CHECK(node_of(f.s, I(1001)) == tail + 1);
    CHECK(scan_ids(f.s) == ids(1001, 1001));
    CHECK(trim(f.s, kMinId, false, 0, I(5000)) == 1);
    CHECK(scan_ids(f.s).empty());
  }

  TEST_CASE("trims pile up on a pending reclaim and one drain finishes them all") {
    Fixture f;
    fill(f.s, 1, 3000);
    uint64_t id = data_id(f.t.store);
    CHECK(trim(f.s, kMaxLen, false, 2500) == 500);
    f.t.store.keys().reclaim_step(100);  // part of the first
    CHECK(trim(f.s, kMinId, false, 0, I(2001)) == 1500);
    CHECK(trim(f.s, kMaxLen, false, 990) == 10);  // small: at once, the rest stays queued
    CHECK(scan_ids(f.s) == ids(2011, 3000));
    drain(f.t.store, 333);
    CHECK(raw_records(f.t.store, id) == 990);
    CHECK(scan_ids(f.s) == ids(2011, 3000));
  }

  TEST_CASE("the reclaim resumes after a crash and reads stay as trimmed throughout") {
    TempStore t;
    StreamStore& s = t.store.streams();
    s.set_node_limits(4096, 10);
    open_stream(s);
    fill(s, 1, 2000);
    CHECK(trim(s, kMaxLen, false, 300) == 1700);
    REQUIRE(t.store.commit());  // the trim is acknowledged
    REQUIRE(t.store.begin());
    uint64_t id = data_id(t.store);
    for (int i = 0; i < 3; ++i) REQUIRE(t.store.keys().reclaim_step(200));
    REQUIRE(t.store.commit());
    REQUIRE(t.store.begin());
    for (int i = 0; i < 2; ++i) REQUIRE(t.store.keys().reclaim_step(200));
    // kill -9: the batch in progress is lost.
    t.store.abort();
    t.store.close();
    t.open();
    CHECK(raw_records(t.store, id) == 2000 - 600);
    open_stream(s);
    CHECK(s.header().length == 300);
    CHECK(s.header().first_id == I(1701));
    CHECK(scan_ids(s) == ids(1701, 2000));
    add(s, I(2001));
    drain(t.store, 200);
    CHECK(raw_records(t.store, id) == 301);
    open_stream(s);
    CHECK(scan_ids(s) == ids(1701, 2001));
    t.reopen();
    open_stream(s);
    CHECK(scan_ids(s) == ids(1701, 2001));
    CHECK(s.header().floor.id == I(1700));
  }

  TEST_CASE("DEL reclaims a stream whose trimmed records are still pending") {
    Fixture f;
    fill(f.s, 1, 1000);
    uint64_t id = data_id(f.t.store);
    CHECK(trim(f.s, kMaxLen, false, 10) == 990);
    f.t.store.keys().reclaim_step(100);
    KeyEntry e;
    REQUIRE(f.t.store.keys().find(0, "s", 0, e));
    REQUIRE(f.t.store.keys().remove(0, e));
    drain(f.t.store, 100);
    CHECK(raw_records(f.t.store, id, -1) == 0);
  }

  TEST_CASE("after XSETID moves an emptied stream back below the floor, new entries show") {
    Fixture f;
    fill(f.s, 1, 1000);
    uint64_t id = data_id(f.t.store);
    CHECK(trim(f.s, kMaxLen, false, 0) == 1000);
    f.t.store.keys().reclaim_step(100);  // 1..100 gone, 101..1000 still on disk
    REQUIRE(f.s.set_last_id(I(300), -1, StreamId{}));
    for (uint64_t i : {301, 400, 1000, 1200}) add(f.s, I(i), "new");
    std::vector<StreamId> fresh = {I(301), I(400), I(1000), I(1200)};
    CHECK(scan_ids(f.s) == fresh);
    CHECK(scan_ids(f.s, true) == std::vector<StreamId>{I(1200), I(1000), I(400), I(301)});
    CHECK(*f.s.has_entry(I(400)));
    CHECK_FALSE(*f.s.has_entry(I(401)));
    std::string value;
    REQUIRE(*f.s.entry(I(1000), [&](const StreamId&, EntryReader& r) {
      std::string_view fl, v;
      REQUIRE(r.next(fl, v));
      value.assign(v);
    }));
    CHECK(value == "new");
    auto n = f.s.scan(I(350), I(1100), 0, false, [](const StreamId&, EntryReader&) {});
    CHECK(*n == 2);
    StreamId two[] = {I(400), I(999)};
    CHECK(*f.s.remove(two) == 1);
    CHECK(f.s.header().length == 3);
    // A trim now covers the new entries it removes and none of the others.
    CHECK(trim(f.s, kMaxLen, false, 2) == 1);
    CHECK(scan_ids(f.s) == std::vector<StreamId>{I(1000), I(1200)});
    drain(f.t.store, 50);
    CHECK(raw_records(f.t.store, id) == 2);
    CHECK(scan_ids(f.s) == std::vector<StreamId>{I(1000), I(1200)});
  }

  TEST_CASE("claims, history reads and deliveries treat trimmed entries as deleted") {
    Fixture f;
    fill(f.s, 1, 500);
    REQUIRE(*f.s.create_group("g", StreamId{}, 0));
    GroupRecord g;
    REQUIRE(*f.s.group("g", g));
    auto delivered =
        f.s.deliver_new("g", g, "alice", 300, false, 1000, [](const StreamId&, EntryReader&) {});
    REQUIRE(*delivered == 300);
    REQUIRE(f.s.save_group("g", g));
    CHECK(trim(f.s, kMinId, false, 0, I(201)) == 200);
    // History: entries 1..200 come back deleted (a reader that is not ok()).
    uint64_t deleted = 0, live = 0;
    auto h =
        f.s.deliver_history("g", g, "alice", StreamId{}, 0, 2000,
                            [&](const StreamId&, EntryReader& r) { ++(r.ok() ? live : deleted); });
    REQUIRE(h);
    CHECK(deleted == 200);
    CHECK(live == 100);
    StreamStore::ClaimOptions o;
    ConsumerRecord owner;
    auto c = f.s.claim("g", g, "bob", I(150), o, 3000, owner);
    REQUIRE(c);
    CHECK(*c == StreamStore::ClaimOutcome::Deleted);
    c = f.s.claim("g", g, "bob", I(250), o, 3000, owner);
    REQUIRE(c);
    CHECK(*c == StreamStore::ClaimOutcome::Claimed);
    std::vector<StreamId> gone;
    auto cursor = f.s.autoclaim(
        "g", g, "bob", StreamId{}, 10, 100, o, 3000, [](const StreamId&) {},
        [&](const StreamId& id) { gone.push_back(id); });
    REQUIRE(cursor);
    CHECK(gone.size() == 10);
    CHECK(gone.front() == I(1));
  }

  TEST_CASE("random streams trim exactly as Redis's node-by-node streamTrim") {
    std::mt19937_64 rng(20240611);
    for (int round = 0; round < 30; ++round) {
      CAPTURE(round);
      Fixture f;
      f.s.set_node_limits(rng() % 2 ? 4096 : 120, 2 + rng() % 9);
      Model m;
      uint64_t next_ms = 1;
      for (int op = 0; op < 120; ++op) {
        CAPTURE(op);
        int kind = static_cast<int>(rng() % 10);
        if (kind < 4) {
          uint64_t n = 1 + rng() % (rng() % 4 == 0 ? 400 : 30);
          for (uint64_t i = 0; i < n; ++i) {
            StreamId id = I(next_ms, rng() % 3);
            next_ms += 1 + rng() % 3;
            std::string value(rng() % 40, 'x');
            add(f.s, id, value);
            m.live.push_back({id, node_of(f.s, id)});
          }
        } else if (kind == 4 && !m.live.empty()) {
          std::vector<StreamId> doomed;
          for (int i = 0; i < 3; ++i) doomed.push_back(m.live[rng() % m.live.size()].id);
          doomed.push_back(I(rng() % (next_ms + 1)));
          auto r = f.s.remove(doomed);
          REQUIRE(r);
          int64_t expect = 0;
          for (const StreamId& d : doomed) {
            for (size_t i = 0; i < m.live.size(); ++i) {
              if (m.live[i].id == d) {
                m.live.erase(m.live.begin() + static_cast<int64_t>(i));
                ++expect;
                break;
              }
            }
          }
          CHECK(*r == expect);
        } else if (kind == 5) {
          f.t.store.keys().reclaim_step(1 + rng() % 200);
        } else if (kind == 6 && m.live.empty() && f.s.header().last_id.ms > 10) {
          // XSETID on an empty stream may move the last id back.
          uint64_t ms = rng() % f.s.header().last_id.ms;
          REQUIRE(f.s.set_last_id(I(ms), -1, StreamId{}));
          next_ms = ms + 1;
        } else {
          StreamTrim t;
          t.strategy = rng() % 2 ? kMaxLen : kMinId;
          t.approx = rng() % 2;
          auto len = static_cast<int64_t>(m.live.size());
          t.maxlen = len ? static_cast<int64_t>(rng() % static_cast<uint64_t>(len + 2)) : 0;
          t.minid = m.live.empty() ? I(rng() % (next_ms + 1)) : m.live[rng() % m.live.size()].id;
          if (rng() % 3 == 0) t.minid = I(next_ms + 10);
          // (XTRIM takes LIMIT only with `~`; the store does either.)
          if (rng() % (t.approx ? 2 : 6) == 0) t.limit = static_cast<int64_t>(rng() % 300);
          m.nodes = f.s.header().nodes;
          uint64_t tail_entries = f.s.header().tail_entries;
          int64_t expect = m.trim(t, f.s.header().tail_node);
          auto got = f.s.trim(t);
          REQUIRE(got);
          CHECK(*got == expect);
          CHECK(f.s.header().nodes == m.nodes);
          CHECK(f.s.header().tail_entries == (m.tail_emptied ? 0 : tail_entries));
        }
        REQUIRE(f.s.header().length == m.live.size());
        std::vector<StreamId> want;
        for (const ModelEntry& e : m.live) want.push_back(e.id);
        REQUIRE(scan_ids(f.s) == want);
        CHECK(f.s.header().first_id == (want.empty() ? StreamId{} : want.front()));
      }
      drain(f.t.store, 1 + rng() % 300);
      CHECK(raw_records(f.t.store, data_id(f.t.store)) == static_cast<int64_t>(m.live.size()));
      std::vector<StreamId> want;
      for (const ModelEntry& e : m.live) want.push_back(e.id);
      CHECK(scan_ids(f.s) == want);
    }
  }
}
