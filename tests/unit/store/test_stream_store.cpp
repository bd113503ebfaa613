// StreamStore on a real LMDB environment: entries (append, scan, XDEL, trimming with Redis's
// node emulation, XSETID, read counters and lag) and consumer groups (groups, consumers,
// delivery, PEL inspection, acknowledgement, claiming), with one test reopening the store.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "store/key_codec.h"
#include "store/stream_store.h"
#include "temp_store.h"

using namespace postbox;
using postbox::test::count_records;
using postbox::test::TempStore;

namespace {

using Pairs = std::vector<std::string_view>;
using Ids = std::vector<std::string>;
constexpr uint64_t kMax = UINT64_MAX;

StreamId I(uint64_t ms, uint64_t seq = 0) {
  return {ms, seq};
}
std::string S(uint64_t ms, uint64_t seq = 0) {
  return stream_id_string({ms, seq});
}

void open_stream(StreamStore& s, std::string_view key) {
  auto r = s.open(0, key, 0);
  REQUIRE(r);
  if (!*r) REQUIRE(s.create(0, key));
}

Result<AppendOutcome> try_add(StreamStore& s, const StreamId& id, bool seq_given, StreamId& out,
                              const Pairs& pairs = {"f", "v"}) {
  return s.append(id, true, seq_given, pairs, 0, out);
}

StreamId add(StreamStore& s, const StreamId& id, const Pairs& pairs = {"f", "v"}) {
  StreamId out;
  auto r = s.append(id, true, true, pairs, 0, out);
  REQUIRE(r);
  REQUIRE(*r == AppendOutcome::Added);
  return out;
}

StreamId add_auto(StreamStore& s, int64_t now_ms) {
  StreamId out;
  Pairs pairs = {"f", "v"};
  auto r = s.append({}, false, true, pairs, now_ms, out);
  REQUIRE(r);
  REQUIRE(*r == AppendOutcome::Added);
  return out;
}

// Entries 1-0 .. n-0, each with field "f" and value "v<i>".
void fill(StreamStore& s, uint64_t n) {
  for (uint64_t i = 1; i <= n; ++i) {
    std::string v = "v" + std::to_string(i);
    add(s, I(i), {"f", v});
  }
}

Ids scan_ids(StreamStore& s, const StreamId& start = {}, const StreamId& end = StreamId::max(),
             uint64_t count = 0, bool rev = false) {
  Ids out;
  auto n = s.scan(start, end, count, rev,
                  [&](const StreamId& id, EntryReader&) { out.push_back(stream_id_string(id)); });
  REQUIRE(n);
  CHECK(*n == out.size());
  return out;
}

Ids range(uint64_t from, uint64_t to) {
  Ids out;
  for (uint64_t i = from; i <= to; ++i) out.push_back(S(i));
  return out;
}

uint64_t node_of(StreamStore& s, const StreamId& id) {
  uint64_t node = 0;
  auto r = s.entry(id, [&](const StreamId&, EntryReader& e) { node = e.node(); });
  REQUIRE(r);
  REQUIRE(*r);
  return node;
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

constexpr auto kMaxLen = StreamTrim::Strategy::MaxLen;
constexpr auto kMinId = StreamTrim::Strategy::MinId;

GroupRecord make_group(StreamStore& s, std::string_view name, StreamId last = {},
                       int64_t entries_read = 0) {
  auto r = s.create_group(name, last, entries_read);
  REQUIRE(r);
  REQUIRE(*r);
  GroupRecord g;
  auto found = s.group(name, g);
  REQUIRE(found);
  REQUIRE(*found);
  return g;
}

GroupRecord load_group(StreamStore& s, std::string_view name) {
  GroupRecord g;
  auto found = s.group(name, g);
  REQUIRE(found);
  REQUIRE(*found);
  return g;
}

ConsumerRecord load_consumer(StreamStore& s, const GroupRecord& g, std::string_view name) {
  ConsumerRecord c;
  auto found = s.consumer(g, name, c);
  REQUIRE(found);
  REQUIRE(*found);
  return c;
}

bool has_consumer(StreamStore& s, const GroupRecord& g, std::string_view name) {
  ConsumerRecord c;
  auto found = s.consumer(g, name, c);
  REQUIRE(found);
  return *found;
}

Ids deliver(StreamStore& s, std::string_view group, GroupRecord& g, std::string_view consumer,
            uint64_t count, int64_t now_ms, bool noack = false) {
  Ids out;
  auto n =
      s.deliver_new(group, g, consumer, count, noack, now_ms,
                    [&](const StreamId& id, EntryReader&) { out.push_back(stream_id_string(id)); });
  REQUIRE(n);
  CHECK(*n == out.size());
  return out;
}

struct Pel {
  bool found = false;
  int64_t ms = 0;
  uint64_t count = 0;
  std::string owner;
};

Pel pel(StreamStore& s, const GroupRecord& g, const StreamId& id) {
  Pel p;
  REQUIRE(s.pending(g, 0, id, id, 0, [&](const PendingView& v) {
    p = {true, v.rec.delivery_ms, v.rec.delivery_count, std::string(v.rec.consumer)};
    return true;
  }));
  return p;
}

Ids pending_ids(StreamStore& s, const GroupRecord& g, uint64_t cid = 0, StreamId start = {},
                StreamId end = StreamId::max(), uint64_t count = 0) {
  Ids out;
  REQUIRE(s.pending(g, cid, start, end, count, [&](const PendingView& v) {
    out.push_back(stream_id_string(v.id));
    return true;
  }));
  return out;
}

StreamStore::ClaimOutcome claim(StreamStore& s, std::string_view group, GroupRecord& g,
                                std::string_view consumer, const StreamId& id, int64_t now_ms,
                                const StreamStore::ClaimOptions& o = {}) {
  ConsumerRecord owner;
  auto r = s.claim(group, g, consumer, id, o, now_ms, owner);
  REQUIRE(r);
  return *r;
}

struct AutoClaimed {
  Ids claimed, deleted;
  std::string cursor;
};

AutoClaimed autoclaim(StreamStore& s, std::string_view group, GroupRecord& g,
                      std::string_view consumer, const StreamId& start, uint64_t count,
                      uint64_t attempts, int64_t now_ms, const StreamStore::ClaimOptions& o = {}) {
  AutoClaimed out;
  auto r = s.autoclaim(
      group, g, consumer, start, count, attempts, o, now_ms,
      [&](const StreamId& id) { out.claimed.push_back(stream_id_string(id)); },
      [&](const StreamId& id) { out.deleted.push_back(stream_id_string(id)); });
  REQUIRE(r);
  out.cursor = stream_id_string(*r);
  return out;
}

// Records in the elems table under the stream's data id with `tag`, then `gid` when not 0.
int64_t raw_records(Store& st, std::string_view key, StreamTag tag, uint64_t gid = 0) {
  KeyEntry e;
  REQUIRE(st.keys().find(0, key, 0, e));
  REQUIRE(e.found);
  std::string prefix(9, '\0');
  put_u64_be(prefix.data(), e.meta.id);
  prefix[8] = static_cast<char>(tag);
  if (gid) {
    char b[8];
    put_u64_be(b, gid);
    prefix.append(b, 8);
  }
  return count_records(st, prefix);
}

// A temporary store with the stream "s" open.
struct Fixture {
  TempStore t;
  StreamStore& s;
  Fixture() : s(t.store.streams()) { open_stream(s, "s"); }
};

}  // namespace

TEST_SUITE("stream store") {
  // ---- opening ------------------------------------------------------------------------------

  TEST_CASE("open reports a missing stream, create makes an empty one, other types are refused") {
    TempStore t;
    StreamStore& s = t.store.streams();
    auto r = s.open(0, "s", 0);
    REQUIRE(r);
    CHECK_FALSE(*r);
    REQUIRE(s.create(0, "s"));
    CHECK(s.header().length == 0);
    CHECK(s.header().last_id.is_zero());
    CHECK(scan_ids(s).empty());
    r = s.open(0, "s", 0);
    REQUIRE(r);
    CHECK(*r);

    std::vector<std::string_view> v = {"x"};
    REQUIRE(t.store.lists().push(0, "list", ListEnd::Tail, v, false, 0));
    r = s.open(0, "list", 0);
    REQUIRE_FALSE(r);
    CHECK(r.status().message().rfind("WRONGTYPE", 0) == 0);
  }

  // ---- appending ----------------------------------------------------------------------------

  TEST_CASE("auto ids follow the clock and never go back") {
    Fixture f;
    CHECK(add_auto(f.s, 1000) == I(1000, 0));
    CHECK(add_auto(f.s, 1000) == I(1000, 1));
    CHECK(add_auto(f.s, 999) == I(1000, 2));  // clock went back: next sequence
    CHECK(add_auto(f.s, 2000) == I(2000, 0));
    CHECK(f.s.header().length == 4);
    CHECK(f.s.header().entries_added == 4);
    CHECK(f.s.header().first_id == I(1000, 0));
    CHECK(f.s.header().last_id == I(2000, 0));
    CHECK(scan_ids(f.s) == Ids{"1000-0", "1000-1", "1000-2", "2000-0"});
  }

  TEST_CASE("explicit ids must grow past the last id") {
    Fixture f;
    StreamId out;
    CHECK(*try_add(f.s, I(0, 0), true, out) == AppendOutcome::IdTooSmall);  // 0-0 never fits
    CHECK(add(f.s, I(5, 5)) == I(5, 5));
    CHECK(*try_add(f.s, I(5, 5), true, out) == AppendOutcome::IdTooSmall);
    CHECK(*try_add(f.s, I(5, 4), true, out) == AppendOutcome::IdTooSmall);
    CHECK(*try_add(f.s, I(4, 9), true, out) == AppendOutcome::IdTooSmall);
    CHECK(f.s.header().length == 1);
    CHECK(f.s.header().entries_added == 1);
    CHECK(f.s.header().last_id == I(5, 5));
    CHECK(add(f.s, I(5, 6)) == I(5, 6));
    CHECK(add(f.s, I(6, 0)) == I(6, 0));
    // An auto id after explicit ones from the future continues from the last one.
    CHECK(add_auto(f.s, 3) == I(6, 1));
  }

  TEST_CASE("<ms>-* takes the next sequence of the last id's ms, or 0 for a later ms") {
    Fixture f;
    StreamId out;
    REQUIRE(*try_add(f.s, I(0), false, out) == AppendOutcome::Added);
    CHECK(out == I(0, 1));  // 0-* on an empty stream: 0-1, as 0-0 is not allowed
    add(f.s, I(5, 6));
    REQUIRE(*try_add(f.s, I(5), false, out) == AppendOutcome::Added);
    CHECK(out == I(5, 7));
    REQUIRE(*try_add(f.s, I(7), false, out) == AppendOutcome::Added);
    CHECK(out == I(7, 0));
    CHECK(*try_add(f.s, I(6), false, out) == AppendOutcome::IdTooSmall);

    add(f.s, I(9, kMax));
    CHECK(*try_add(f.s, I(9), false, out) == AppendOutcome::SeqExhausted);
    CHECK(f.s.header().last_id == I(9, kMax));
    REQUIRE(*try_add(f.s, I(10), false, out) == AppendOutcome::Added);
    CHECK(out == I(10, 0));
    // An auto id after n-MAX goes to the next millisecond.
    add(f.s, I(20, kMax));
    CHECK(add_auto(f.s, 1) == I(21, 0));
  }

  TEST_CASE("a stream whose last id is the maximum is exhausted") {
    Fixture f;
    add(f.s, I(kMax, kMax - 1));
    CHECK(add_auto(f.s, 5) == StreamId::max());
    StreamId out;
    Pairs p = {"f", "v"};
    CHECK(*f.s.append({}, false, true, p, 5, out) == AppendOutcome::Exhausted);
    CHECK(*try_add(f.s, StreamId::max(), true, out) == AppendOutcome::Exhausted);
    CHECK(*try_add(f.s, I(kMax), false, out) == AppendOutcome::Exhausted);
    CHECK(f.s.header().length == 2);
    // Still exhausted after the entry is deleted: the last id does not go back.
    StreamId gone[] = {StreamId::max()};
    CHECK(*f.s.remove(gone) == 1);
    CHECK(*f.s.append({}, false, true, p, 5, out) == AppendOutcome::Exhausted);
  }

  // ---- reading ------------------------------------------------------------------------------

  TEST_CASE("scan walks forward and back within bounds, at most count entries") {
    Fixture f;
    fill(f.s, 10);
    CHECK(scan_ids(f.s) == range(1, 10));
    CHECK(scan_ids(f.s, {}, StreamId::max(), 3) == range(1, 3));
    CHECK(scan_ids(f.s, I(3), I(6)) == range(3, 6));
    CHECK(scan_ids(f.s, I(2, 1), I(6, 5)) == range(3, 6));  // bounds between ids
    CHECK(scan_ids(f.s, I(3), I(3)) == Ids{"3-0"});
    CHECK(scan_ids(f.s, I(3, 1), I(3, 9)).empty());
    CHECK(scan_ids(f.s, I(6), I(3)).empty());  // start after end
    CHECK(scan_ids(f.s, I(11)).empty());

    CHECK(scan_ids(f.s, {}, StreamId::max(), 0, true) ==
          Ids{"10-0", "9-0", "8-0", "7-0", "6-0", "5-0", "4-0", "3-0", "2-0", "1-0"});
    CHECK(scan_ids(f.s, {}, StreamId::max(), 2, true) == Ids{"10-0", "9-0"});
    CHECK(scan_ids(f.s, I(3), I(6), 0, true) == Ids{"6-0", "5-0", "4-0", "3-0"});
    CHECK(scan_ids(f.s, I(3), I(6, 5), 2, true) == Ids{"6-0", "5-0"});  // end between ids
    CHECK(scan_ids(f.s, I(0), I(0, 5), 0, true).empty());

    // The visitor reads the fields.
    std::vector<std::string> values;
    REQUIRE(f.s.scan(I(4), I(5), 0, false, [&](const StreamId&, EntryReader& r) {
      std::string_view k, v;
      while (r.next(k, v)) values.push_back(std::string(k) + "=" + std::string(v));
    }));
    CHECK(values == std::vector<std::string>{"f=v4", "f=v5"});
  }

  TEST_CASE("a scan sees only its own stream's entries, not groups or a neighbour stream") {
    TempStore t;
    StreamStore& s = t.store.streams();
    open_stream(s, "a");
    fill(s, 3);
    make_group(s, "g");
    GroupRecord g = load_group(s, "g");
    deliver(s, "g", g, "alice", 0, 1);
    open_stream(s, "b");
    add(s, I(100));
    add(s, I(200));
    make_group(s, "g2");
    CHECK(scan_ids(s) == Ids{"100-0", "200-0"});
    CHECK(scan_ids(s, {}, StreamId::max(), 0, true) == Ids{"200-0", "100-0"});
    open_stream(s, "a");
    CHECK(s.header().length == 3);
    CHECK(scan_ids(s) == range(1, 3));
    CHECK(scan_ids(s, {}, StreamId::max(), 0, true) == Ids{"3-0", "2-0", "1-0"});
    CHECK(scan_ids(s, I(50), StreamId::max(), 0, true).empty());
    CHECK(s.last_entry_id() == I(3));
  }

  TEST_CASE("entry() visits one existing entry") {
    Fixture f;
    add(f.s, I(1), {"a", "1", "b", ""});
    int visits = 0;
    std::string got;
    auto r = f.s.entry(I(1), [&](const StreamId& id, EntryReader& e) {
      ++visits;
      CHECK(id == I(1));
      CHECK(e.ok());
      CHECK(e.pairs() == 2);
      std::string_view k, v;
      while (e.next(k, v)) got += std::string(k) + "=" + std::string(v) + ";";
    });
    REQUIRE(r);
    CHECK(*r);
    CHECK(visits == 1);
    CHECK(got == "a=1;b=;");
    r = f.s.entry(I(2), [&](const StreamId&, EntryReader&) { ++visits; });
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK(visits == 1);
  }

  // ---- XDEL -------------------------------------------------------------------------------

  TEST_CASE("remove deletes what exists and keeps length, first id and max deleted right") {
    Fixture f;
    fill(f.s, 5);
    StreamId some[] = {I(2), I(99), I(2), I(3, 1)};
    CHECK(*f.s.remove(some) == 1);
    CHECK(f.s.header().length == 4);
    CHECK(f.s.header().first_id == I(1));
    CHECK(f.s.header().max_deleted == I(2));
    CHECK(scan_ids(f.s) == Ids{"1-0", "3-0", "4-0", "5-0"});

    StreamId first[] = {I(1)};
    CHECK(*f.s.remove(first) == 1);
    CHECK(f.s.header().first_id == I(3));
    CHECK(f.s.header().max_deleted == I(2));  // only grows

    StreamId none[] = {I(1), I(2)};
    CHECK(*f.s.remove(none) == 0);

    StreamId last[] = {I(5)};
    CHECK(*f.s.remove(last) == 1);
    CHECK(f.s.header().max_deleted == I(5));
    CHECK(f.s.header().last_id == I(5));  // the last id stays
    CHECK(f.s.last_entry_id() == I(4));

    StreamId rest[] = {I(4), I(3)};
    CHECK(*f.s.remove(rest) == 2);
    CHECK(f.s.header().length == 0);
    CHECK(f.s.header().first_id.is_zero());
    CHECK(f.s.header().max_deleted == I(5));
    CHECK(f.s.header().entries_added == 5);
    CHECK(f.s.last_entry_id().is_zero());
    CHECK(scan_ids(f.s).empty());
  }

  TEST_CASE("deleted entries still fill a node; emptying the tail node opens a new one") {
    Fixture f;
    f.s.set_node_limits(4096, 10);
    fill(f.s, 5);
    CHECK(f.s.header().nodes == 1);
    StreamId mid[] = {I(3)};
    REQUIRE(*f.s.remove(mid) == 1);
    CHECK(f.s.header().nodes == 1);
    for (uint64_t i = 6; i <= 11; ++i) add(f.s, I(i));
    // 10 entries (one deleted) fill node 1, so entry 11 starts node 2.
    CHECK(node_of(f.s, I(10)) == node_of(f.s, I(1)));
    CHECK(node_of(f.s, I(11)) != node_of(f.s, I(10)));
    CHECK(f.s.header().nodes == 2);

    // Deleting node 2's only entry frees it; the next entry starts a new node.
    StreamId tail[] = {I(11)};
    REQUIRE(*f.s.remove(tail) == 1);
    CHECK(f.s.header().nodes == 1);
    uint64_t old_tail = f.s.header().tail_node;
    add(f.s, I(12));
    CHECK(node_of(f.s, I(12)) == old_tail + 1);
    CHECK(f.s.header().nodes == 2);

    // A node keeps living while any of its entries does.
    StreamId most[] = {I(1), I(2), I(4), I(5), I(6), I(7), I(8), I(9)};
    REQUIRE(*f.s.remove(most) == 8);
    CHECK(f.s.header().nodes == 2);
    StreamId last_of_node[] = {I(10)};
    REQUIRE(*f.s.remove(last_of_node) == 1);
    CHECK(f.s.header().nodes == 1);
  }

  TEST_CASE("entries with the same fields share a node's bytes; the byte limit opens nodes") {
    Fixture f;
    f.s.set_node_limits(200, 0);  // bytes only
    std::string big(60, 'x');
    add(f.s, I(1), {"f", big});
    add(f.s, I(2), {"f", big});
    CHECK(node_of(f.s, I(2)) == node_of(f.s, I(1)));
    add(f.s, I(3), {"f", big});
    CHECK(node_of(f.s, I(3)) != node_of(f.s, I(1)));
    CHECK(f.s.header().nodes == 2);
    CHECK(f.s.header().tail_entries == 1);
    CHECK(f.s.header().tail_master == I(3));
  }

  // ---- trimming ---------------------------------------------------------------------------

  TEST_CASE("exact MAXLEN removes whole nodes, then entries inside the first node") {
    Fixture f;
    f.s.set_node_limits(4096, 10);
    fill(f.s, 25);
    REQUIRE(f.s.header().nodes == 3);
    CHECK(trim(f.s, kMaxLen, false, 12) == 13);
    CHECK(f.s.header().length == 12);
    CHECK(f.s.header().first_id == I(14));
    CHECK(f.s.header().nodes == 2);
    CHECK(scan_ids(f.s) == range(14, 25));
    CHECK(f.s.header().max_deleted.is_zero());  // trimming leaves no tombstones
    CHECK(f.s.header().entries_added == 25);
    CHECK(trim(f.s, kMaxLen, false, 12) == 0);
    CHECK(trim(f.s, kMaxLen, false, 0) == 12);
    CHECK(f.s.header().length == 0);
    CHECK(f.s.header().first_id.is_zero());
    CHECK(f.s.header().nodes == 0);
    // The tail node went too: the next entry opens a fresh node.
    add(f.s, I(30));
    CHECK(f.s.header().nodes == 1);
    CHECK(f.s.header().tail_entries == 1);
  }

  TEST_CASE("approximate MAXLEN removes whole nodes only") {
    Fixture f;
    f.s.set_node_limits(4096, 10);
    fill(f.s, 25);
    CHECK(trim(f.s, kMaxLen, true, 12) == 10);  // 15 left: node 2 would go below 12
    CHECK(f.s.header().length == 15);
    CHECK(f.s.header().first_id == I(11));
    CHECK(f.s.header().nodes == 2);
    CHECK(trim(f.s, kMaxLen, true, 12) == 0);
    CHECK(trim(f.s, kMaxLen, true, 5) == 10);
    CHECK(scan_ids(f.s) == range(21, 25));
    CHECK(trim(f.s, kMaxLen, true, 1) == 0);  // the tail node holds 5 entries
    CHECK(f.s.header().length == 5);
  }

  TEST_CASE("LIMIT stops before a node that would exceed it") {
    Fixture f;
    f.s.set_node_limits(4096, 10);
    fill(f.s, 25);
    CHECK(trim(f.s, kMaxLen, true, 0, {}, 15) == 10);
    CHECK(f.s.header().first_id == I(11));
    CHECK(trim(f.s, kMaxLen, true, 0, {}, 9) == 0);
    CHECK(trim(f.s, kMaxLen, true, 0, {}, 10) == 10);
    CHECK(trim(f.s, kMinId, true, 0, I(100), 10) == 5);
    CHECK(f.s.header().length == 0);
  }

  TEST_CASE("MINID removes entries below the id, approximately by whole nodes") {
    Fixture f;
    f.s.set_node_limits(4096, 10);
    fill(f.s, 25);
    CHECK(trim(f.s, kMinId, true, 0, I(15)) == 10);
    CHECK(f.s.header().first_id == I(11));
    CHECK(trim(f.s, kMinId, true, 0, I(15)) == 0);
    CHECK(trim(f.s, kMinId, false, 0, I(15)) == 4);
    CHECK(f.s.header().first_id == I(15));
    CHECK(f.s.header().length == 11);
    CHECK(trim(f.s, kMinId, false, 0, I(15)) == 0);
    CHECK(trim(f.s, kMinId, false, 0, I(14, 99)) == 0);
    // The node's last entry must be below the id for the whole node to go.
    CHECK(trim(f.s, kMinId, true, 0, I(20)) == 0);
    CHECK(trim(f.s, kMinId, true, 0, I(20, 1)) == 6);
    CHECK(f.s.header().first_id == I(21));
    CHECK(trim(f.s, kMinId, false, 0, I(0)) == 0);
  }

  TEST_CASE("trimming with no strategy or on an empty stream removes nothing") {
    Fixture f;
    CHECK(trim(f.s, kMaxLen, false, 0) == 0);
    fill(f.s, 3);
    CHECK(trim(f.s, StreamTrim::Strategy::None, false, 0) == 0);
    CHECK(f.s.header().length == 3);
  }

  TEST_CASE("trimming counts only the live entries of a node XDEL thinned") {
    Fixture f;
    f.s.set_node_limits(4096, 10);
    fill(f.s, 30);
    StreamId holes[] = {I(11), I(12), I(13), I(14), I(15)};
    REQUIRE(*f.s.remove(holes) == 5);
    // Node 1 has 10 live entries, node 2 has 5, node 3 has 10: MAXLEN 10 takes nodes 1 and 2.
    CHECK(trim(f.s, kMaxLen, true, 10) == 15);
    CHECK(scan_ids(f.s) == range(21, 30));
    CHECK(f.s.header().nodes == 1);
  }

  // Redis (streamTrim) decides whether a whole node goes under MINID by the node's last entry as
  // lpGetEdgeStreamID reads it, deleted or not. trim() uses the last live entry instead.
  // Checked on redis-server 7.0.15 with stream-node-max-entries 10: XTRIM MINID ~ 10-0 after
  // XDEL 10-0 removes 0 entries.
  TEST_CASE("approximate MINID goes by a node's last entry even when XDEL removed it" *
            doctest::skip()) {
    Fixture f;
    f.s.set_node_limits(4096, 10);
    fill(f.s, 20);
    StreamId ten[] = {I(10)};
    REQUIRE(*f.s.remove(ten) == 1);
    CHECK(trim(f.s, kMinId, true, 0, I(10)) == 0);  // Postbox removes 1..9
    CHECK(f.s.header().length == 19);
  }

  // An exact MINID trim that deletes every live entry of a node inside it (the node's deleted last
  // entry being >= MINID) leaves the node in Redis, still the tail, and later entries fill it.
  // trim() removes the node and the next entry opens a new one, so `~` trimming diverges.
  // redis-server 7.0.15, stream-node-max-entries 10: XADD 1..5, XDEL 5-0, XTRIM MINID 5-0 (4),
  // XADD 6..20, XTRIM MAXLEN ~ 10 removes 5 (6..10 share 1..5's node); Postbox removes 0.
  TEST_CASE("a tail node emptied in place by exact MINID keeps taking entries" * doctest::skip()) {
    Fixture f;
    f.s.set_node_limits(4096, 10);
    fill(f.s, 5);
    StreamId five[] = {I(5)};
    REQUIRE(*f.s.remove(five) == 1);
    REQUIRE(trim(f.s, kMinId, false, 0, I(5)) == 4);
    for (uint64_t i = 6; i <= 20; ++i) add(f.s, I(i));
    CHECK(trim(f.s, kMaxLen, true, 10) == 5);
    CHECK(f.s.header().first_id == I(11));
  }

  // When XDEL frees the tail node, Redis's next XADD looks at the last remaining node (raxSeek
  // "$") and appends to it if it has room, which a node closed by the byte limit may have.
  // append() always opens a new node once tail_entries is 0.
  // redis-server 7.0.15, stream-node-max-bytes 200: XADD 1-0 f v, XADD 2-0 f <180 x>, XDEL 2-0,
  // XADD 3-0 f v (radix-tree-keys stays 1), XTRIM MAXLEN ~ 1 removes 0; Postbox removes 1.
  TEST_CASE("after XDEL frees the tail node, the previous node takes entries again" *
            doctest::skip()) {
    Fixture f;
    f.s.set_node_limits(200, 100);
    add(f.s, I(1), {"f", "v"});
    std::string big(180, 'x');
    add(f.s, I(2), {"f", big});
    REQUIRE(node_of(f.s, I(2)) != node_of(f.s, I(1)));
    StreamId two[] = {I(2)};
    REQUIRE(*f.s.remove(two) == 1);
    add(f.s, I(3), {"f", "v"});
    CHECK(node_of(f.s, I(3)) == node_of(f.s, I(1)));
    CHECK(f.s.header().nodes == 1);
    CHECK(trim(f.s, kMaxLen, true, 1) == 0);
  }

  // ---- XSETID -------------------------------------------------------------------------------

  TEST_CASE("set_last_id moves the last id and optionally entries-added and max deleted") {
    Fixture f;
    fill(f.s, 3);
    REQUIRE(f.s.set_last_id(I(100), 50, I(7)));
    CHECK(f.s.header().last_id == I(100));
    CHECK(f.s.header().entries_added == 50);
    CHECK(f.s.header().max_deleted == I(7));
    CHECK(f.s.last_entry_id() == I(3));
    StreamId out;
    CHECK(*try_add(f.s, I(50), true, out) == AppendOutcome::IdTooSmall);
    CHECK(add_auto(f.s, 1) == I(100, 1));
    CHECK(f.s.header().entries_added == 51);

    REQUIRE(f.s.set_last_id(I(200), -1, StreamId{}));
    CHECK(f.s.header().last_id == I(200));
    CHECK(f.s.header().entries_added == 51);
    CHECK(f.s.header().max_deleted == I(7));
  }

  // ---- read counters and lag ------------------------------------------------------------

  TEST_CASE("estimate_read_counter follows Redis 7.0") {
    Fixture f;
    // Never anything added: every counter is 0.
    CHECK(f.s.estimate_read_counter(I(0)) == 0);
    CHECK(f.s.estimate_read_counter(I(5)) == 0);

    fill(f.s, 5);
    CHECK(f.s.estimate_read_counter(I(5)) == 5);                    // the last id
    CHECK(f.s.estimate_read_counter(I(9)) == kEntriesReadInvalid);  // the future
    CHECK(f.s.estimate_read_counter(I(0, 1)) == 0);                 // before the first
    CHECK(f.s.estimate_read_counter(I(1)) == 1);                    // the first
    CHECK(f.s.estimate_read_counter(I(3)) == kEntriesReadInvalid);  // somewhere inside

    REQUIRE(trim(f.s, kMaxLen, false, 3) == 2);
    CHECK(f.s.estimate_read_counter(I(1)) == 2);
    CHECK(f.s.estimate_read_counter(I(3)) == 3);
    CHECK(f.s.estimate_read_counter(I(4)) == kEntriesReadInvalid);

    // A tombstone at or after the first entry: only the last id is known.
    StreamId four[] = {I(4)};
    REQUIRE(*f.s.remove(four) == 1);
    CHECK(f.s.estimate_read_counter(I(1)) == kEntriesReadInvalid);
    CHECK(f.s.estimate_read_counter(I(3)) == kEntriesReadInvalid);
    CHECK(f.s.estimate_read_counter(I(5)) == 5);

    // Emptied: everything up to the last id has been read.
    StreamId rest[] = {I(3), I(5)};
    REQUIRE(*f.s.remove(rest) == 2);
    CHECK(f.s.estimate_read_counter(I(2)) == 5);
    CHECK(f.s.estimate_read_counter(I(5)) == 5);
    CHECK(f.s.estimate_read_counter(I(6)) == kEntriesReadInvalid);
  }

  TEST_CASE("a tombstone before the first entry does not spoil the estimate") {
    Fixture f;
    fill(f.s, 5);
    StreamId first[] = {I(1)};
    REQUIRE(*f.s.remove(first) == 1);
    CHECK_FALSE(f.s.range_has_tombstones(StreamId{}, StreamId::max()));
    CHECK(f.s.estimate_read_counter(I(0, 1)) == 1);
    CHECK(f.s.estimate_read_counter(I(2)) == 2);
    StreamId third[] = {I(3)};
    REQUIRE(*f.s.remove(third) == 1);
    CHECK(f.s.range_has_tombstones(StreamId{}, StreamId::max()));
    CHECK(f.s.range_has_tombstones(I(3), I(3)));
    CHECK_FALSE(f.s.range_has_tombstones(I(3, 1), StreamId::max()));
    CHECK_FALSE(f.s.range_has_tombstones(StreamId{}, I(2, 9)));
  }

  TEST_CASE("group lag in the cases Redis 7.0 defines") {
    Fixture f;
    int64_t lag = -99;
    GroupRecord g;
    g.entries_read = kEntriesReadInvalid;
    REQUIRE(f.s.group_lag(g, lag));  // no entries ever
    CHECK(lag == 0);

    fill(f.s, 5);
    g.last_id = I(5);
    g.entries_read = 5;
    REQUIRE(f.s.group_lag(g, lag));  // at the last id
    CHECK(lag == 0);
    g.entries_read = kEntriesReadInvalid;
    REQUIRE(f.s.group_lag(g, lag));
    CHECK(lag == 0);

    g.last_id = I(0);  // before the first id, no tombstones: everything is lag
    REQUIRE(f.s.group_lag(g, lag));
    CHECK(lag == 5);
    g.last_id = I(2);
    g.entries_read = 2;  // a valid counter
    REQUIRE(f.s.group_lag(g, lag));
    CHECK(lag == 3);
    g.entries_read = kEntriesReadInvalid;  // inside the stream, unknown counter
    CHECK_FALSE(f.s.group_lag(g, lag));

    REQUIRE(trim(f.s, kMaxLen, false, 3) == 2);  // added 5, length 3
    g.last_id = I(0);
    REQUIRE(f.s.group_lag(g, lag));
    CHECK(lag == 3);

    // A tombstone after the group's id: the counter cannot be trusted.
    StreamId four[] = {I(4)};
    REQUIRE(*f.s.remove(four) == 1);
    g.last_id = I(3);
    g.entries_read = 3;
    CHECK_FALSE(f.s.group_lag(g, lag));
    g.last_id = I(0);
    g.entries_read = kEntriesReadInvalid;
    CHECK_FALSE(f.s.group_lag(g, lag));
    // At the last id the tombstone is behind the group.
    g.last_id = I(5);
    g.entries_read = 5;
    REQUIRE(f.s.group_lag(g, lag));
    CHECK(lag == 0);
  }

  // ---- groups -------------------------------------------------------------------------------

  TEST_CASE("groups are created once, listed by name and destroyed with their PEL") {
    Fixture f;
    fill(f.s, 3);
    GroupRecord b = make_group(f.s, "b", I(2), 2);
    GroupRecord a = make_group(f.s, "a");
    CHECK(b.gid != a.gid);
    CHECK(b.last_id == I(2));
    CHECK(b.entries_read == 2);
    CHECK(b.pel_count == 0);
    CHECK(b.consumers == 0);
    CHECK(f.s.header().groups == 2);
    auto busy = f.s.create_group("a", I(3), 3);
    REQUIRE(busy);
    CHECK_FALSE(*busy);
    CHECK(load_group(f.s, "a").last_id == I(0));  // the existing group is untouched
    CHECK(f.s.header().groups == 2);

    std::vector<std::string> names;
    REQUIRE(f.s.each_group([&](std::string_view n, const GroupRecord&) { names.emplace_back(n); }));
    CHECK(names == std::vector<std::string>{"a", "b"});

    // Give both groups consumers and pending entries.
    CHECK(deliver(f.s, "a", a, "alice", 0, 10) == range(1, 3));
    CHECK(deliver(f.s, "a", a, "bob", 0, 10).empty());  // nothing new for bob
    ConsumerRecord c;
    REQUIRE(f.s.touch_consumer("a", a, "bob", 10, c));
    CHECK(deliver(f.s, "b", b, "carol", 0, 10) == Ids{"3-0"});
    CHECK(raw_records(f.t.store, "s", StreamTag::Pel, a.gid) == 3);
    CHECK(raw_records(f.t.store, "s", StreamTag::Consumer, a.gid) == 2);
    CHECK(raw_records(f.t.store, "s", StreamTag::ConsumerPel, a.gid) == 3);

    auto gone = f.s.destroy_group("a");
    REQUIRE(gone);
    CHECK(*gone);
    CHECK(f.s.header().groups == 1);
    GroupRecord none;
    CHECK_FALSE(*f.s.group("a", none));
    CHECK(raw_records(f.t.store, "s", StreamTag::Pel, a.gid) == 0);
    CHECK(raw_records(f.t.store, "s", StreamTag::Consumer, a.gid) == 0);
    CHECK(raw_records(f.t.store, "s", StreamTag::ConsumerPel, a.gid) == 0);
    CHECK(pending_ids(f.s, a).empty());
    // The other group keeps its own.
    CHECK(raw_records(f.t.store, "s", StreamTag::Pel, b.gid) == 1);
    CHECK(pending_ids(f.s, b) == Ids{"3-0"});
    CHECK(has_consumer(f.s, b, "carol"));
    names.clear();
    REQUIRE(f.s.each_group([&](std::string_view n, const GroupRecord&) { names.emplace_back(n); }));
    CHECK(names == std::vector<std::string>{"b"});

    gone = f.s.destroy_group("a");
    REQUIRE(gone);
    CHECK_FALSE(*gone);

    // A new group of the same name starts from scratch with a fresh gid.
    GroupRecord again = make_group(f.s, "a");
    CHECK(again.gid != a.gid);
    CHECK(again.gid != b.gid);
    CHECK(again.consumers == 0);
    CHECK_FALSE(has_consumer(f.s, again, "alice"));
    CHECK(pending_ids(f.s, again).empty());
  }

  TEST_CASE("touch_consumer creates, refreshes, or leaves alone") {
    Fixture f;
    GroupRecord g = make_group(f.s, "g");
    ConsumerRecord c;
    auto r = f.s.touch_consumer("g", g, "alice", 100, c);
    REQUIRE(r);
    CHECK(*r);
    CHECK(c.seen_ms == 100);
    CHECK(c.pel_count == 0);
    CHECK(g.consumers == 1);
    CHECK(load_group(f.s, "g").consumers == 1);  // the group record was written
    uint64_t alice = c.cid;

    r = f.s.touch_consumer("g", g, "alice", 200, c);
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK(c.cid == alice);
    CHECK(load_consumer(f.s, g, "alice").seen_ms == 200);
    CHECK(g.consumers == 1);

    r = f.s.touch_consumer("g", g, "alice", 300, c, false);  // no refresh
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK(load_consumer(f.s, g, "alice").seen_ms == 200);

    r = f.s.touch_consumer("g", g, "bob", 300, c, true, false);  // no create
    REQUIRE(r);
    CHECK_FALSE(*r);
    CHECK_FALSE(has_consumer(f.s, g, "bob"));
    CHECK(g.consumers == 1);

    REQUIRE(*f.s.touch_consumer("g", g, "Bob", 400, c));
    CHECK(c.cid != alice);
    REQUIRE(*f.s.touch_consumer("g", g, "", 400, c));  // an empty name is a name
    std::vector<std::string> names;
    REQUIRE(f.s.each_consumer(
        g, [&](std::string_view n, const ConsumerRecord&) { names.emplace_back(n); }));
    CHECK(names == std::vector<std::string>{"", "Bob", "alice"});
    CHECK(load_group(f.s, "g").consumers == 3);
  }

  // ---- delivery -----------------------------------------------------------------------------

  TEST_CASE("deliver_new hands out entries after the group's id and records them pending") {
    Fixture f;
    fill(f.s, 5);
    GroupRecord g = make_group(f.s, "g");
    CHECK(deliver(f.s, "g", g, "alice", 2, 100) == Ids{"1-0", "2-0"});
    CHECK(g.last_id == I(2));
    CHECK(g.entries_read == 2);
    CHECK(g.pel_count == 2);
    CHECK(load_consumer(f.s, g, "alice").pel_count == 2);
    CHECK(deliver(f.s, "g", g, "bob", 0, 200) == range(3, 5));
    CHECK(g.last_id == I(5));
    CHECK(g.entries_read == 5);
    CHECK(g.pel_count == 5);
    CHECK(load_consumer(f.s, g, "bob").pel_count == 3);
    CHECK(load_consumer(f.s, g, "bob").seen_ms == 200);

    GroupRecord saved = load_group(f.s, "g");
    CHECK(saved.last_id == I(5));
    CHECK(saved.entries_read == 5);
    CHECK(saved.pel_count == 5);
    CHECK(saved.consumers == 2);

    Pel p = pel(f.s, g, I(1));
    REQUIRE(p.found);
    CHECK(p.owner == "alice");
    CHECK(p.count == 1);
    CHECK(p.ms == 100);
    CHECK(pel(f.s, g, I(4)).owner == "bob");

    // Nothing new: nothing delivered, and no consumer made for a read that found nothing.
    CHECK(deliver(f.s, "g", g, "carol", 0, 300).empty());
    CHECK_FALSE(has_consumer(f.s, g, "carol"));
    CHECK(g.consumers == 2);
    add(f.s, I(6));
    CHECK(deliver(f.s, "g", g, "carol", 0, 300) == Ids{"6-0"});
    CHECK(g.entries_read == 6);
    int64_t lag = -1;
    REQUIRE(f.s.group_lag(g, lag));
    CHECK(lag == 0);
  }

  TEST_CASE("deliver_new from an unknown counter estimates it, then counts on") {
    Fixture f;
    fill(f.s, 5);
    GroupRecord g = make_group(f.s, "g", {}, kEntriesReadInvalid);
    CHECK(deliver(f.s, "g", g, "alice", 1, 1) == Ids{"1-0"});
    CHECK(g.entries_read == 1);  // the first entry's counter
    CHECK(deliver(f.s, "g", g, "alice", 1, 1) == Ids{"2-0"});
    CHECK(g.entries_read == 2);

    // With a tombstone ahead, the counter is re-estimated (unknown inside, exact at the end).
    StreamId four[] = {I(4)};
    REQUIRE(*f.s.remove(four) == 1);
    CHECK(deliver(f.s, "g", g, "alice", 1, 1) == Ids{"3-0"});
    CHECK(g.entries_read == kEntriesReadInvalid);
    CHECK(deliver(f.s, "g", g, "alice", 1, 1) == Ids{"5-0"});
    CHECK(g.entries_read == 5);
  }

  TEST_CASE("NOACK delivery records nothing pending but moves the group on") {
    Fixture f;
    fill(f.s, 4);
    GroupRecord g = make_group(f.s, "g");
    CHECK(deliver(f.s, "g", g, "alice", 0, 50, true) == range(1, 4));
    CHECK(g.last_id == I(4));
    CHECK(g.entries_read == 4);
    CHECK(g.pel_count == 0);
    CHECK(pending_ids(f.s, g).empty());
    CHECK(load_consumer(f.s, g, "alice").pel_count == 0);
    CHECK(load_group(f.s, "g").last_id == I(4));
    CHECK(raw_records(f.t.store, "s", StreamTag::Pel, g.gid) == 0);
    CHECK(raw_records(f.t.store, "s", StreamTag::ConsumerPel, g.gid) == 0);
  }

  TEST_CASE("after the group's id moved back, a new reader takes over pending entries") {
    Fixture f;
    fill(f.s, 3);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 0, 100);
    REQUIRE(f.s.deliver_history("g", g, "alice", {}, 0, 150,
                                [](const StreamId&, EntryReader&) {}));  // counts now 2
    REQUIRE(f.s.set_group_id("g", g, I(0), 0));
    CHECK(deliver(f.s, "g", g, "bob", 2, 200) == Ids{"1-0", "2-0"});
    CHECK(g.pel_count == 3);
    CHECK(load_consumer(f.s, g, "alice").pel_count == 1);
    CHECK(load_consumer(f.s, g, "bob").pel_count == 2);
    Pel p = pel(f.s, g, I(1));
    CHECK(p.owner == "bob");
    CHECK(p.count == 1);
    CHECK(p.ms == 200);
    ConsumerRecord alice = load_consumer(f.s, g, "alice");
    ConsumerRecord bob = load_consumer(f.s, g, "bob");
    CHECK(pending_ids(f.s, g, alice.cid) == Ids{"3-0"});
    CHECK(pending_ids(f.s, g, bob.cid) == Ids{"1-0", "2-0"});
    // The same reader again: the entry stays its own, the count starts over.
    CHECK(deliver(f.s, "g", g, "alice", 0, 300) == Ids{"3-0"});
    CHECK(pel(f.s, g, I(3)).count == 1);
    CHECK(load_consumer(f.s, g, "alice").pel_count == 1);
    CHECK(g.pel_count == 3);
  }

  TEST_CASE("deliver_history re-delivers a consumer's pending entries, deleted ones as nil") {
    Fixture f;
    fill(f.s, 4);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 3, 100);
    deliver(f.s, "g", g, "bob", 1, 100);

    struct Seen {
      std::string id;
      bool ok;
      std::string value;
    };
    std::vector<Seen> seen;
    auto visit = [&](const StreamId& id, EntryReader& r) {
      std::string_view k, v;
      std::string value;
      if (r.next(k, v)) value = v;
      seen.push_back({stream_id_string(id), r.ok(), value});
    };
    auto n = f.s.deliver_history("g", g, "alice", {}, 0, 200, visit);
    REQUIRE(n);
    CHECK(*n == 3);
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].id == "1-0");
    CHECK(seen[0].value == "v1");
    CHECK(seen[2].id == "3-0");
    CHECK(pel(f.s, g, I(1)).count == 2);
    CHECK(pel(f.s, g, I(1)).ms == 200);
    CHECK(pel(f.s, g, I(4)).count == 1);  // bob's is not alice's history

    StreamId two[] = {I(2)};
    REQUIRE(*f.s.remove(two) == 1);
    seen.clear();
    n = f.s.deliver_history("g", g, "alice", {}, 0, 300, visit);
    REQUIRE(n);
    CHECK(*n == 3);
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].ok);
    CHECK(seen[1].id == "2-0");
    CHECK_FALSE(seen[1].ok);
    CHECK(seen[2].ok);
    CHECK(pel(f.s, g, I(1)).count == 3);
    CHECK(pel(f.s, g, I(3)).count == 3);
    Pel gone = pel(f.s, g, I(2));
    REQUIRE(gone.found);  // still pending
    CHECK(gone.count == 2);
    CHECK(gone.ms == 200);

    // After an id, at most count.
    seen.clear();
    n = f.s.deliver_history("g", g, "alice", I(1), 1, 400, visit);
    REQUIRE(n);
    CHECK(*n == 1);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].id == "2-0");
    CHECK(pel(f.s, g, I(3)).count == 3);

    seen.clear();
    n = f.s.deliver_history("g", g, "alice", StreamId::max(), 0, 400, visit);
    REQUIRE(n);
    CHECK(*n == 0);

    // A consumer with no history is created and gets nothing.
    n = f.s.deliver_history("g", g, "dave", {}, 0, 500, visit);
    REQUIRE(n);
    CHECK(*n == 0);
    CHECK(has_consumer(f.s, g, "dave"));
    CHECK(load_consumer(f.s, g, "dave").seen_ms == 500);
  }

  TEST_CASE("ack removes pending entries from the group and their consumer") {
    Fixture f;
    fill(f.s, 3);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 0, 1);
    StreamId ids[] = {I(2), I(2), I(9)};
    CHECK(*f.s.ack("g", g, ids) == 1);
    CHECK(g.pel_count == 2);
    CHECK(load_group(f.s, "g").pel_count == 2);
    ConsumerRecord alice = load_consumer(f.s, g, "alice");
    CHECK(alice.pel_count == 2);
    CHECK(pending_ids(f.s, g) == Ids{"1-0", "3-0"});
    CHECK(pending_ids(f.s, g, alice.cid) == Ids{"1-0", "3-0"});
    CHECK(*f.s.ack("g", g, ids) == 0);
    StreamId rest[] = {I(1), I(3)};
    CHECK(*f.s.ack("g", g, rest) == 2);
    CHECK(g.pel_count == 0);
    CHECK(load_consumer(f.s, g, "alice").pel_count == 0);
    StreamId first, last;
    CHECK_FALSE(*f.s.pending_bounds(g, first, last));
    CHECK(raw_records(f.t.store, "s", StreamTag::ConsumerPel, g.gid) == 0);
  }

  // ---- PEL inspection -------------------------------------------------------------------

  TEST_CASE("pending lists the group's or one consumer's entries within bounds") {
    Fixture f;
    fill(f.s, 6);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 3, 100);
    deliver(f.s, "g", g, "bob", 0, 200);
    ConsumerRecord alice = load_consumer(f.s, g, "alice");
    ConsumerRecord bob = load_consumer(f.s, g, "bob");

    CHECK(pending_ids(f.s, g) == range(1, 6));
    CHECK(pending_ids(f.s, g, 0, I(2), I(5)) == range(2, 5));
    CHECK(pending_ids(f.s, g, 0, I(2, 1), I(4, 9)) == range(3, 4));
    CHECK(pending_ids(f.s, g, 0, {}, StreamId::max(), 2) == range(1, 2));
    CHECK(pending_ids(f.s, g, 0, I(5), I(2)).empty());
    CHECK(pending_ids(f.s, g, alice.cid) == range(1, 3));
    CHECK(pending_ids(f.s, g, bob.cid) == range(4, 6));
    CHECK(pending_ids(f.s, g, bob.cid, I(5)) == range(5, 6));
    CHECK(pending_ids(f.s, g, bob.cid, {}, StreamId::max(), 1) == Ids{"4-0"});
    CHECK(pending_ids(f.s, g, alice.cid, I(4)).empty());

    // Consumer views carry the record from the group's PEL.
    std::vector<std::string> owners;
    REQUIRE(f.s.pending(g, bob.cid, {}, StreamId::max(), 0, [&](const PendingView& v) {
      owners.emplace_back(v.rec.consumer);
      CHECK(v.rec.delivery_ms == 200);
      CHECK(v.rec.delivery_count == 1);
      return true;
    }));
    CHECK(owners == std::vector<std::string>{"bob", "bob", "bob"});

    // The visitor can stop the walk.
    int visits = 0;
    REQUIRE(f.s.pending(g, 0, {}, StreamId::max(), 0, [&](const PendingView&) {
      ++visits;
      return false;
    }));
    CHECK(visits == 1);
  }

  TEST_CASE("pending_bounds finds each group's first and last pending id") {
    Fixture f;
    fill(f.s, 6);
    GroupRecord g1 = make_group(f.s, "g1");
    GroupRecord g2 = make_group(f.s, "g2", I(4), 4);
    GroupRecord g3 = make_group(f.s, "g3", I(6), 6);
    StreamId first, last;
    CHECK_FALSE(*f.s.pending_bounds(g1, first, last));
    deliver(f.s, "g1", g1, "a", 3, 1);
    deliver(f.s, "g2", g2, "b", 0, 1);
    auto r = f.s.pending_bounds(g1, first, last);
    REQUIRE(r);
    REQUIRE(*r);
    CHECK(first == I(1));
    CHECK(last == I(3));
    REQUIRE(*f.s.pending_bounds(g2, first, last));
    CHECK(first == I(5));
    CHECK(last == I(6));
    CHECK_FALSE(*f.s.pending_bounds(g3, first, last));
    StreamId mid[] = {I(2)};
    REQUIRE(*f.s.ack("g1", g1, mid) == 1);
    REQUIRE(*f.s.pending_bounds(g1, first, last));
    CHECK(first == I(1));
    CHECK(last == I(3));
    StreamId one[] = {I(1)};
    REQUIRE(*f.s.ack("g1", g1, one) == 1);
    REQUIRE(*f.s.pending_bounds(g1, first, last));
    CHECK(first == I(3));
    CHECK(last == I(3));
  }

  // ---- claiming -------------------------------------------------------------------------

  TEST_CASE("claim honours the minimum idle time and moves ownership") {
    Fixture f;
    fill(f.s, 5);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 3, 1000);
    StreamStore::ClaimOptions o;
    o.min_idle_ms = 500;
    CHECK(claim(f.s, "g", g, "bob", I(1), 1200, o) == StreamStore::ClaimOutcome::Skipped);
    CHECK_FALSE(has_consumer(f.s, g, "bob"));
    CHECK(pel(f.s, g, I(1)).owner == "alice");

    CHECK(claim(f.s, "g", g, "bob", I(1), 2000, o) == StreamStore::ClaimOutcome::Claimed);
    Pel p = pel(f.s, g, I(1));
    CHECK(p.owner == "bob");
    CHECK(p.count == 2);
    CHECK(p.ms == 2000);
    ConsumerRecord alice = load_consumer(f.s, g, "alice");
    ConsumerRecord bob = load_consumer(f.s, g, "bob");
    CHECK(alice.pel_count == 2);
    CHECK(bob.pel_count == 1);
    CHECK(pending_ids(f.s, g, alice.cid) == Ids{"2-0", "3-0"});
    CHECK(pending_ids(f.s, g, bob.cid) == Ids{"1-0"});
    CHECK(g.pel_count == 3);
    CHECK(g.consumers == 2);

    // Claiming one's own entry keeps it in place and bumps the count.
    CHECK(claim(f.s, "g", g, "bob", I(1), 2100) == StreamStore::ClaimOutcome::Claimed);
    CHECK(pel(f.s, g, I(1)).count == 3);
    CHECK(load_consumer(f.s, g, "bob").pel_count == 1);
    CHECK(pending_ids(f.s, g, bob.cid) == Ids{"1-0"});

    // Back to alice.
    CHECK(claim(f.s, "g", g, "alice", I(1), 2200) == StreamStore::ClaimOutcome::Claimed);
    CHECK(load_consumer(f.s, g, "alice").pel_count == 3);
    CHECK(load_consumer(f.s, g, "bob").pel_count == 0);
    CHECK(pending_ids(f.s, g, bob.cid).empty());
    CHECK(pending_ids(f.s, g, alice.cid) == range(1, 3));

    // An entry nobody has pending is skipped without FORCE.
    CHECK(claim(f.s, "g", g, "bob", I(4), 3000) == StreamStore::ClaimOutcome::Skipped);
    CHECK_FALSE(pel(f.s, g, I(4)).found);
  }

  TEST_CASE("claim with JUSTID, RETRYCOUNT and TIME") {
    Fixture f;
    fill(f.s, 3);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 0, 1000);
    StreamStore::ClaimOptions justid;
    justid.justid = true;
    CHECK(claim(f.s, "g", g, "bob", I(1), 3000, justid) == StreamStore::ClaimOutcome::Claimed);
    Pel p = pel(f.s, g, I(1));
    CHECK(p.count == 1);  // JUSTID does not count a delivery
    CHECK(p.ms == 3000);
    CHECK(p.owner == "bob");

    StreamStore::ClaimOptions retry;
    retry.retry_count = 7;
    retry.delivery_ms = 123;
    CHECK(claim(f.s, "g", g, "bob", I(2), 3000, retry) == StreamStore::ClaimOutcome::Claimed);
    p = pel(f.s, g, I(2));
    CHECK(p.count == 7);
    CHECK(p.ms == 123);

    retry.justid = true;
    retry.retry_count = 0;
    retry.delivery_ms = -1;
    CHECK(claim(f.s, "g", g, "bob", I(3), 3500, retry) == StreamStore::ClaimOutcome::Claimed);
    p = pel(f.s, g, I(3));
    CHECK(p.count == 0);
    CHECK(p.ms == 3500);
    CHECK(load_consumer(f.s, g, "bob").pel_count == 3);
    CHECK(load_consumer(f.s, g, "alice").pel_count == 0);
  }

  TEST_CASE("claim with FORCE creates a PEL record for an existing entry only") {
    Fixture f;
    fill(f.s, 5);
    GroupRecord g = make_group(f.s, "g");
    StreamStore::ClaimOptions force;
    force.force = true;
    force.min_idle_ms = 1000000;  // ignored for a record FORCE makes
    CHECK(claim(f.s, "g", g, "bob", I(4), 4000, force) == StreamStore::ClaimOutcome::Claimed);
    Pel p = pel(f.s, g, I(4));
    REQUIRE(p.found);
    CHECK(p.owner == "bob");
    CHECK(p.count == 2);
    CHECK(p.ms == 4000);
    CHECK(g.pel_count == 1);
    ConsumerRecord bob = load_consumer(f.s, g, "bob");
    CHECK(bob.pel_count == 1);
    CHECK(pending_ids(f.s, g, bob.cid) == Ids{"4-0"});

    force.justid = true;
    CHECK(claim(f.s, "g", g, "bob", I(5), 4000, force) == StreamStore::ClaimOutcome::Claimed);
    CHECK(pel(f.s, g, I(5)).count == 1);
    CHECK(g.pel_count == 2);

    CHECK(claim(f.s, "g", g, "bob", I(99), 4000, force) == StreamStore::ClaimOutcome::Skipped);
    CHECK_FALSE(pel(f.s, g, I(99)).found);
    CHECK(g.pel_count == 2);
    CHECK(load_consumer(f.s, g, "bob").pel_count == 2);

    // An already pending entry goes by its own idle time even with FORCE.
    CHECK(claim(f.s, "g", g, "carol", I(4), 4100, force) == StreamStore::ClaimOutcome::Skipped);
    CHECK(pel(f.s, g, I(4)).owner == "bob");
  }

  TEST_CASE("claiming an entry deleted from the stream drops its PEL record") {
    Fixture f;
    fill(f.s, 3);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 0, 1000);
    StreamId two[] = {I(2)};
    REQUIRE(*f.s.remove(two) == 1);
    CHECK(claim(f.s, "g", g, "bob", I(2), 5000) == StreamStore::ClaimOutcome::Deleted);
    CHECK_FALSE(pel(f.s, g, I(2)).found);
    CHECK(g.pel_count == 2);
    ConsumerRecord alice = load_consumer(f.s, g, "alice");
    CHECK(alice.pel_count == 2);
    CHECK(pending_ids(f.s, g, alice.cid) == Ids{"1-0", "3-0"});
    CHECK_FALSE(has_consumer(f.s, g, "bob"));
    // Once dropped, it is merely not pending.
    CHECK(claim(f.s, "g", g, "bob", I(2), 5000) == StreamStore::ClaimOutcome::Skipped);
    StreamStore::ClaimOptions force;
    force.force = true;
    CHECK(claim(f.s, "g", g, "bob", I(2), 5000, force) == StreamStore::ClaimOutcome::Skipped);
    CHECK(g.pel_count == 2);
  }

  // XCLAIM passes one owner record through all its ids. When an id owned by the claiming consumer
  // turns out deleted, drop_pending() decrements that consumer's count in LMDB, but the caller's
  // cached `owner` kept the old count, and the next claimed id wrote it back (+1): bob ended
  // with pel_count 3 while owning 2 entries. XAUTOCLAIM had the same problem (next test).
  TEST_CASE("XCLAIM of several ids keeps the claimer's count when one it owns was deleted") {
    Fixture f;
    fill(f.s, 3);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 1, 1000);  // 1-0
    deliver(f.s, "g", g, "bob", 1, 1000);    // 2-0
    deliver(f.s, "g", g, "alice", 1, 1000);  // 3-0
    StreamId two[] = {I(2)};
    REQUIRE(*f.s.remove(two) == 1);
    ConsumerRecord owner;
    StreamStore::ClaimOptions o;
    for (uint64_t i = 1; i <= 3; ++i) REQUIRE(f.s.claim("g", g, "bob", I(i), o, 5000, owner));
    ConsumerRecord bob = load_consumer(f.s, g, "bob");
    CHECK(pending_ids(f.s, g, bob.cid) == Ids{"1-0", "3-0"});
    CHECK(bob.pel_count == 2);
    CHECK(*f.s.delete_consumer("g", g, "bob") == 2);
  }

  TEST_CASE("XAUTOCLAIM keeps the claimer's count when one it owns was deleted") {
    Fixture f;
    fill(f.s, 3);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 1, 1000);  // 1-0
    deliver(f.s, "g", g, "bob", 1, 1000);    // 2-0
    deliver(f.s, "g", g, "alice", 1, 1000);  // 3-0
    StreamId two[] = {I(2)};
    REQUIRE(*f.s.remove(two) == 1);
    AutoClaimed r = autoclaim(f.s, "g", g, "bob", {}, 10, 100, 5000);
    CHECK(r.claimed == Ids{"1-0", "3-0"});
    CHECK(r.deleted == Ids{"2-0"});
    ConsumerRecord bob = load_consumer(f.s, g, "bob");
    CHECK(pending_ids(f.s, g, bob.cid) == Ids{"1-0", "3-0"});
    CHECK(bob.pel_count == 2);
  }

  TEST_CASE("autoclaim walks the PEL from a cursor, reporting deleted entries") {
    Fixture f;
    fill(f.s, 6);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 0, 1000);
    StreamId three[] = {I(3)};
    REQUIRE(*f.s.remove(three) == 1);

    AutoClaimed r = autoclaim(f.s, "g", g, "bob", {}, 2, 100, 2000);
    CHECK(r.claimed == Ids{"1-0", "2-0"});
    CHECK(r.deleted.empty());
    CHECK(r.cursor == "3-0");
    r = autoclaim(f.s, "g", g, "bob", I(3), 2, 100, 2000);
    CHECK(r.claimed == Ids{"4-0"});
    CHECK(r.deleted == Ids{"3-0"});
    CHECK(r.cursor == "5-0");
    r = autoclaim(f.s, "g", g, "bob", I(5), 10, 100, 2000);
    CHECK(r.claimed == Ids{"5-0", "6-0"});
    CHECK(r.cursor == "0-0");

    CHECK(g.pel_count == 5);
    CHECK_FALSE(pel(f.s, g, I(3)).found);
    ConsumerRecord bob = load_consumer(f.s, g, "bob");
    CHECK(bob.pel_count == 5);
    CHECK(load_consumer(f.s, g, "alice").pel_count == 0);
    CHECK(pending_ids(f.s, g, bob.cid) == Ids{"1-0", "2-0", "4-0", "5-0", "6-0"});
    CHECK(pel(f.s, g, I(4)).count == 2);
    CHECK(pel(f.s, g, I(4)).ms == 2000);

    // JUSTID moves without counting a delivery.
    StreamStore::ClaimOptions justid;
    justid.justid = true;
    r = autoclaim(f.s, "g", g, "carol", {}, 10, 100, 3000, justid);
    CHECK(r.claimed == Ids{"1-0", "2-0", "4-0", "5-0", "6-0"});
    CHECK(pel(f.s, g, I(4)).count == 2);
    CHECK(pel(f.s, g, I(4)).owner == "carol");
    CHECK(load_consumer(f.s, g, "carol").pel_count == 5);
    CHECK(load_consumer(f.s, g, "bob").pel_count == 0);
  }

  TEST_CASE("autoclaim stops after its attempts and skips entries not idle enough") {
    Fixture f;
    fill(f.s, 6);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 3, 1000);
    deliver(f.s, "g", g, "alice", 0, 1400);
    AutoClaimed r = autoclaim(f.s, "g", g, "bob", {}, 10, 2, 2000);
    CHECK(r.claimed == Ids{"1-0", "2-0"});
    CHECK(r.cursor == "3-0");

    StreamStore::ClaimOptions idle;
    idle.min_idle_ms = 800;
    // At 2100: 1-0 and 2-0 were just claimed, 3-0 is 1100 ms idle, 4..6 are 700 ms idle.
    r = autoclaim(f.s, "g", g, "carol", {}, 10, 100, 2100, idle);
    CHECK(r.claimed == Ids{"3-0"});
    CHECK(r.cursor == "0-0");
    CHECK(pel(f.s, g, I(4)).owner == "alice");
    r = autoclaim(f.s, "g", g, "carol", I(4), 10, 2, 2100, idle);
    CHECK(r.claimed.empty());
    CHECK(r.cursor == "6-0");  // attempts spent on entries not idle enough
    r = autoclaim(f.s, "g", g, "carol", I(4), 0, 10, 2100, idle);
    CHECK(r.claimed.empty());
    CHECK(r.cursor == "4-0");  // count 0: nothing looked at
    CHECK(load_consumer(f.s, g, "carol").pel_count == 1);
  }

  TEST_CASE("delete_consumer drops the consumer and its pending entries") {
    Fixture f;
    fill(f.s, 5);
    GroupRecord g = make_group(f.s, "g");
    deliver(f.s, "g", g, "alice", 3, 1);
    deliver(f.s, "g", g, "bob", 0, 1);
    ConsumerRecord c;
    REQUIRE(*f.s.touch_consumer("g", g, "idle", 1, c));
    uint64_t alice_cid = load_consumer(f.s, g, "alice").cid;
    CHECK(g.consumers == 3);

    CHECK(*f.s.delete_consumer("g", g, "alice") == 3);
    CHECK_FALSE(has_consumer(f.s, g, "alice"));
    CHECK(g.consumers == 2);
    CHECK(g.pel_count == 2);
    GroupRecord saved = load_group(f.s, "g");
    CHECK(saved.consumers == 2);
    CHECK(saved.pel_count == 2);
    CHECK(pending_ids(f.s, g) == Ids{"4-0", "5-0"});
    CHECK(pending_ids(f.s, g, alice_cid).empty());
    CHECK(raw_records(f.t.store, "s", StreamTag::ConsumerPel, g.gid) == 2);

    CHECK(*f.s.delete_consumer("g", g, "idle") == 0);
    CHECK(*f.s.delete_consumer("g", g, "nobody") == -1);
    CHECK(g.consumers == 1);
    // A consumer made again under the old name starts empty.
    REQUIRE(*f.s.touch_consumer("g", g, "alice", 2, c));
    CHECK(c.pel_count == 0);
    CHECK(c.cid != alice_cid);
    CHECK(pending_ids(f.s, g, c.cid).empty());
  }

  // ---- durability ---------------------------------------------------------------------------

  TEST_CASE("entries, groups, consumers and the PEL survive a commit and reopen") {
    TempStore t;
    StreamStore& s = t.store.streams();
    s.set_node_limits(4096, 4);
    open_stream(s, "s");
    fill(s, 6);
    add(s, I(7), {"bin", std::string_view("\x00\xff", 2)});
    StreamId gone[] = {I(3)};
    REQUIRE(*s.remove(gone) == 1);
    GroupRecord g = make_group(s, "g");
    deliver(s, "g", g, "alice", 2, 111);
    deliver(s, "g", g, "bob", 1, 222);
    StreamId acked[] = {I(1)};
    REQUIRE(*s.ack("g", g, acked) == 1);
    StreamHeader before = s.header();

    t.reopen();
    auto r = s.open(0, "s", 0);
    REQUIRE(r);
    REQUIRE(*r);
    const StreamHeader& h = s.header();
    CHECK(h.length == 6);
    CHECK(h.entries_added == 7);
    CHECK(h.last_id == I(7));
    CHECK(h.first_id == I(1));
    CHECK(h.max_deleted == I(3));
    CHECK(h.groups == 1);
    CHECK(h.nodes == before.nodes);
    CHECK(h.tail_node == before.tail_node);
    CHECK(h.tail_entries == 3);
    CHECK(h.tail_master == I(5));
    CHECK(h.tail_fields == before.tail_fields);
    CHECK(scan_ids(s) == Ids{"1-0", "2-0", "4-0", "5-0", "6-0", "7-0"});
    std::string bin;
    REQUIRE(*s.entry(I(7), [&](const StreamId&, EntryReader& e) {
      std::string_view k, v;
      REQUIRE(e.next(k, v));
      bin = v;
    }));
    CHECK(bin == std::string("\x00\xff", 2));

    GroupRecord g2 = load_group(s, "g");
    CHECK(g2.gid == g.gid);
    CHECK(g2.last_id == I(4));
    CHECK(g2.entries_read == kEntriesReadInvalid);  // read past the tombstone at 3-0
    CHECK(g2.pel_count == 2);
    CHECK(g2.consumers == 2);
    CHECK(load_consumer(s, g2, "alice").pel_count == 1);
    CHECK(load_consumer(s, g2, "bob").seen_ms == 222);
    Pel p = pel(s, g2, I(4));
    CHECK(p.owner == "bob");
    CHECK(p.ms == 222);
    CHECK(pending_ids(s, g2) == Ids{"2-0", "4-0"});
    CHECK(pending_ids(s, g2, load_consumer(s, g2, "alice").cid) == Ids{"2-0"});

    // Appending goes on where it stopped: node 2 has room for one more entry.
    s.set_node_limits(4096, 4);
    add(s, I(8));
    CHECK(s.header().tail_node == before.tail_node);
    CHECK(s.header().tail_entries == 4);
    add(s, I(9));
    CHECK(s.header().tail_node == before.tail_node + 1);
  }
}
