// Trimming (XTRIM, XADD MAXLEN/MINID): the cut is found like Redis's node-by-node trim, the
// entries go logically at once (a floor in the header) and their records are deleted inline for
// small trims or by the reclaim step a bounded amount per loop iteration for large ones.
#include <algorithm>
#include <cstring>
#include <vector>

#include "store/mdb_util.h"
#include "store/stream_live_cursor.h"
#include "store/stream_store.h"

namespace postbox {

// An entry at the edge of a trim: the last removed or the first kept.
struct TrimEdge {
  bool valid = false;
  StreamId id;
  uint64_t node = 0;
};

// Where a trim cuts: the first `removed` live entries go, whole_nodes nodes with all theirs.
struct TrimCut {
  uint64_t removed = 0, whole_nodes = 0;
  TrimEdge last_gone, first_kept;
};

namespace {

// Trims that remove at most this many entries delete their records at once; larger ones leave
// them to the reclaim step. The records deleted at once are bounded too (a floor an XSETID moved
// back may hide more records among the entries than the trim removed).
constexpr uint64_t kInlineTrimMax = 128;
constexpr size_t kInlineDeleteMax = 4 * kInlineTrimMax;

uint64_t max_length(const StreamTrim& t) {
  return t.maxlen > 0 ? static_cast<uint64_t>(t.maxlen) : 0;
}

TrimEdge edge_at(const LiveCursor& c) {
  return {true, c.id(), c.node()};
}

}  // namespace

// Redis's streamTrim goes node by node from the first: a node goes whole while what stays is
// still long enough (MAXLEN) or its last entry is below the id (MINID) and LIMIT allows it;
// exact trimming then goes on inside the next node, one entry at a time. The removed entries are
// a prefix of the stream, so the cut is found from whichever end is nearer it.
Result<int64_t> StreamStore::trim(const StreamTrim& t) {
  if (t.strategy == StreamTrim::Strategy::None || head_.length == 0) return int64_t{0};
  TrimCut cut;
  Status s = find_cut(t, cut);
  if (!s) return s;
  auto limit = static_cast<uint64_t>(t.limit);
  if (t.limit > 0 && (!t.approx || cut.removed > limit)) {
    cut = TrimCut{};
    s = cut_by_nodes(t, cut);
    if (!s) return s;
  }
  if (cut.removed == 0) return int64_t{0};
  head_.length -= cut.removed;
  head_.nodes -= std::min(cut.whole_nodes, head_.nodes);
  // The tail node went whole: the next append opens a new one.
  if (!cut.first_kept.valid && cut.last_gone.node == head_.tail_node) head_.tail_entries = 0;
  head_.first_id = cut.first_kept.valid ? cut.first_kept.id : StreamId{};
  StreamId old_floor = head_.floor.id;
  // Written with the header, in the command's transaction: from its commit on the entries are
  // gone, whatever happens to the records.
  head_.floor = {cut.last_gone.node, cut.last_gone.id};
  s = drop_trimmed(old_floor, cut.removed);
  if (!s) return s;
  s = save_header();
  if (!s) return s;
  return static_cast<int64_t>(cut.removed);
}

// Walks in from both ends, a step each in turn, until one reaches the cut: forward over entries
// that go, backward over entries that stay. The whole nodes removed are the nodes met going
// forward (less the one the cut splits), or those not met going backward.
Status StreamStore::find_cut(const StreamTrim& t, TrimCut& cut) {
  bool maxlen = t.strategy == StreamTrim::Strategy::MaxLen;
  uint64_t len = head_.length, keep = max_length(t);
  uint64_t goes = maxlen && keep < len ? len - keep : 0;
  auto gone = [&](uint64_t index, const StreamId& id) {
    return maxlen ? index < goes : id < t.minid;
  };
  LiveCursor fwd(env_.txn(), env_.elems_dbi(), entry_.meta.id, head_.floor);
  LiveCursor back(env_.txn(), env_.elems_dbi(), entry_.meta.id, head_.floor);
  bool f_ok = fwd.seek_ge(StreamId{}), b_ok = back.seek_le(StreamId::max());
  uint64_t passed_fwd = 0, passed_back = 0, nodes_fwd = 0, nodes_back = 0;
  TrimEdge f_last, b_last;
  for (;;) {
    if (!f_ok || !gone(passed_fwd, fwd.id())) {
      cut.removed = passed_fwd;
      cut.last_gone = f_last;
      if (f_ok) cut.first_kept = edge_at(fwd);
      bool split = f_last.valid && f_ok && f_last.node == fwd.node();
      cut.whole_nodes = nodes_fwd - (split ? 1 : 0);
      break;
    }
    if (!f_last.valid || f_last.node != fwd.node()) ++nodes_fwd;
    f_last = edge_at(fwd);
    ++passed_fwd;
    f_ok = fwd.next();

    if (!b_ok || passed_back >= len || gone(len - 1 - passed_back, back.id())) {
      cut.removed = len - std::min(passed_back, len);
      cut.first_kept = b_last;
      if (b_ok) cut.last_gone = edge_at(back);
      cut.whole_nodes = head_.nodes - std::min(nodes_back, head_.nodes);
      break;
    }
    if (!b_last.valid || b_last.node != back.node()) ++nodes_back;
    b_last = edge_at(back);
    ++passed_back;
    b_ok = back.prev();
  }
  if (fwd.error() || back.error()) {
    return LmdbEnv::lmdb_error(fwd.error() ? fwd.error() : back.error(), "reading stream");
  }
  // `~` keeps the node the cut splits, whole.
  if (t.approx && cut.last_gone.valid && cut.first_kept.valid &&
      cut.last_gone.node == cut.first_kept.node) {
    LiveCursor c(env_.txn(), env_.elems_dbi(), entry_.meta.id, head_.floor);
    uint64_t node = cut.first_kept.node;
    bool ok = c.seek_le(cut.last_gone.id);
    for (; ok && c.node() == node; ok = c.prev()) {
      --cut.removed;
      cut.first_kept = edge_at(c);
    }
    cut.last_gone = ok ? edge_at(c) : TrimEdge{};
    if (c.error()) return LmdbEnv::lmdb_error(c.error(), "reading stream");
  }
  return Status::ok();
}

// streamTrim as Redis runs it, for LIMIT, which it bounds: node by node from the first.
Status StreamStore::cut_by_nodes(const StreamTrim& t, TrimCut& cut) {
  bool maxlen = t.strategy == StreamTrim::Strategy::MaxLen;
  auto limit = static_cast<uint64_t>(t.limit);
  uint64_t left = head_.length;
  LiveCursor c(env_.txn(), env_.elems_dbi(), entry_.meta.id, head_.floor);
  bool ok = c.seek_ge(StreamId{});
  while (ok) {
    // The node's live entries: how many, the first and the last.
    TrimEdge first = edge_at(c), last;
    uint64_t entries = 0;
    for (; ok && c.node() == first.node; ok = c.next()) {
      last = edge_at(c);
      ++entries;
    }
    if (t.limit > 0 && cut.removed + entries > limit) {
      cut.first_kept = first;
      break;
    }
    bool whole = maxlen ? left - entries >= max_length(t) : last.id < t.minid;
    if (whole) {
      cut.removed += entries;
      left -= entries;
      ++cut.whole_nodes;
      cut.last_gone = last;
      cut.first_kept = ok ? edge_at(c) : TrimEdge{};
      continue;
    }
    cut.first_kept = first;
    if (t.approx) break;
    // Exact trimming goes on inside the node, one entry at a time.
    LiveCursor in(env_.txn(), env_.elems_dbi(), entry_.meta.id, head_.floor);
    for (bool more = in.seek_ge(first.id); more; more = in.next()) {
      if (maxlen ? left <= max_length(t) : !(in.id() < t.minid)) {
        cut.first_kept = edge_at(in);
        break;
      }
      cut.last_gone = edge_at(in);
      ++cut.removed;
      --left;
    }
    if (in.error()) return LmdbEnv::lmdb_error(in.error(), "reading stream");
    break;
  }
  if (c.error()) return LmdbEnv::lmdb_error(c.error(), "reading stream");
  return Status::ok();
}

// After the floor moved up from `old_floor`: the records between the old and the new floor id
// are all below the new floor (trimmed entries, or records an earlier trim left there).
Status StreamStore::drop_trimmed(const StreamId& old_floor, uint64_t removed) {
  TrimReclaim r{head_.floor, old_floor, head_.floor.id};
  if (!stream_id_next(r.from)) return Status::ok();
  if (removed <= kInlineTrimMax) {
    auto done = delete_trimmed(entry_.meta.id, r, kInlineDeleteMax);
    if (!done) return done.status();
    if (*done) return Status::ok();
  }
  // Left to the reclaim step. A reclaim still pending for this stream is merged in: its records
  // are below the new floor too.
  stream_trim_reclaim_key(entry_.meta.id, ek_);
  MDB_val k = mdb_val(ek_), v;
  int rc = mdb_get(env_.txn(), env_.reclaim_dbi(), &k, &v);
  if (rc && rc != MDB_NOTFOUND) return LmdbEnv::lmdb_error(rc, "reading reclaim");
  TrimReclaim pending;
  if (rc == 0 && decode_trim_reclaim(view_of(v), pending)) {
    r.from = std::min(r.from, pending.from);
    r.to = std::max(r.to, pending.to);
  }
  encode_trim_reclaim(r, v_);
  return keys_.queue_reclaim(ek_, v_);
}

// Deletes the entry records of stream `data_id` from r.from to r.to that r.floor covers (records
// above it are entries added after an XSETID moved the last id back: they stay), looking at no
// more than `budget` records. True when none is left, else r.from is where to go on.
Result<bool> StreamStore::delete_trimmed(uint64_t data_id, TrimReclaim& r, size_t budget) {
  std::string prefix;
  stream_trim_reclaim_key(data_id, prefix);  // the prefix of the entry keys
  stream_entry_key(data_id, r.from, ek_);
  CursorGuard cur(env_.txn(), env_.elems_dbi());
  if (cur.rc()) return LmdbEnv::lmdb_error(cur.rc(), "opening cursor");
  MDB_val k = mdb_val(ek_), v;
  size_t seen = 0, deleted = 0;
  bool done = true;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
  while (rc == 0 && is_entry_key(k, prefix) && stream_key_id(view_of(k)) <= r.to) {
    if (seen++ == budget) {
      r.from = stream_key_id(view_of(k));
      done = false;
      break;
    }
    if (r.floor.covers(EntryReader(view_of(v)).node(), stream_key_id(view_of(k)))) {
      rc = mdb_cursor_del(cur.get(), 0);
      if (rc) break;
      ++deleted;
      rc = mdb_cursor_get(cur.get(), &k, &v, MDB_GET_CURRENT);
      if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT);
    } else {
      rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT);
    }
  }
  env_.charge(deleted * 64 + 8192);
  if (rc && rc != MDB_NOTFOUND) return LmdbEnv::lmdb_error(rc, "trimming stream");
  return done;
}

// The keyspace's reclaim hook: `key` is [data id:8][entry tag], `value` a TrimReclaim.
bool StreamStore::reclaim_trimmed(std::string_view key, std::string_view value, size_t budget,
                                  std::string& resume) {
  TrimReclaim r;
  if (key.size() != 9 || !decode_trim_reclaim(value, r)) return true;
  auto done = delete_trimmed(get_u64_be(key.data()), r, budget);
  // A failed step gives the record up, as a failed reclaim of a deleted key does.
  if (!done || *done) return true;
  encode_trim_reclaim(r, resume);
  return false;
}

}  // namespace postbox
