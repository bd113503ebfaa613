#include "store/stream_store.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "store/list_store.h"
#include "store/mdb_util.h"

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

constexpr uint64_t kListpackMaxSize = 1ull << 30;
constexpr size_t kMaxRecordKey = 17 + 480;  // data id, tag, gid, name

// Trims that remove at most this many entries delete their records at once; larger ones leave
// them to the reclaim step. The records deleted at once are bounded too (a floor an XSETID moved
// back may hide more records among the entries than the trim removed).
constexpr uint64_t kInlineTrimMax = 128;
constexpr size_t kInlineDeleteMax = 4 * kInlineTrimMax;

bool is_entry_key(const MDB_val& k, std::string_view prefix) {
  return k.mv_size == prefix.size() + 16 &&
         std::memcmp(k.mv_data, prefix.data(), prefix.size()) == 0;
}

// A cursor over the open stream's live entries. It steps over records below the floor and looks
// for none at or below the floor id, where no live entry is, so the records a trim left for the
// reclaim step cost reads nothing.
class LiveCursor {
 public:
  LiveCursor(MDB_txn* txn, MDB_dbi dbi, uint64_t data_id, const TrimFloor& floor)
      : cur_(txn, dbi), floor_(floor), rc_(cur_.rc()) {
    std::string prefix;
    stream_trim_reclaim_key(data_id, prefix);  // the prefix of the stream's entry keys
    std::memcpy(key_, prefix.data(), kPrefix);
  }
  // Positions on the first live entry with an id >= `id`, or the last with an id <= `id`; false
  // when there is none.
  bool seek_ge(const StreamId& id) {
    StreamId from = id;
    if (from <= floor_.id) {
      from = floor_.id;
      if (!stream_id_next(from)) return false;
    }
    return seek(from, false);
  }
  bool seek_le(const StreamId& id) { return id > floor_.id && seek(id, true); }
  bool next() { return !rc_ && settle(mdb_cursor_get(cur_.get(), &k_, &v_, MDB_NEXT), false); }
  bool prev() { return !rc_ && settle(mdb_cursor_get(cur_.get(), &k_, &v_, MDB_PREV), true); }

  const StreamId& id() const { return id_; }
  uint64_t node() const { return node_; }
  std::string_view value() const { return view_of(v_); }
  int error() const { return rc_; }  // an LMDB error, not the end of the entries

 private:
  static constexpr size_t kPrefix = 9;  // [data id:8][tag:1]

  bool seek(const StreamId& id, bool back) {
    if (rc_) return false;
    // The key sought is built in place: walks run for every read, so no allocation per seek.
    encode_stream_id(id, key_ + kPrefix);
    const std::string_view key(key_, sizeof key_);
    k_ = mdb_val(key);
    int rc = mdb_cursor_get(cur_.get(), &k_, &v_, MDB_SET_RANGE);
    if (back) {
      if (rc == MDB_NOTFOUND) {
        rc = mdb_cursor_get(cur_.get(), &k_, &v_, MDB_LAST);
      } else if (rc == 0 && view_of(k_) != key) {
        rc = mdb_cursor_get(cur_.get(), &k_, &v_, MDB_PREV);
      }
    }
    return settle(rc, back);
  }
  bool settle(int rc, bool back) {
    for (;;) {
      if (rc) {
        if (rc != MDB_NOTFOUND) rc_ = rc;
        return false;
      }
      if (!is_entry_key(k_, std::string_view(key_, kPrefix))) return false;
      id_ = stream_key_id(view_of(k_));
      if (id_ <= floor_.id) return false;
      node_ = EntryReader(view_of(v_)).node();
      if (!floor_.covers(node_, id_)) return true;
      rc = mdb_cursor_get(cur_.get(), &k_, &v_, back ? MDB_PREV : MDB_NEXT);
    }
  }

  CursorGuard cur_;
  const TrimFloor& floor_;
  int rc_;
  char key_[kPrefix + 16];
  MDB_val k_{}, v_{};
  StreamId id_;
  uint64_t node_ = 0;
};

uint64_t max_length(const StreamTrim& t) {
  return t.maxlen > 0 ? static_cast<uint64_t>(t.maxlen) : 0;
}

TrimEdge edge_at(const LiveCursor& c) {
  return {true, c.id(), c.node()};
}

}  // namespace

// ---- plumbing -----------------------------------------------------------------------------

Status StreamStore::put(const std::string& k, std::string_view v) {
  // Only group and consumer names make keys this long; LMDB refuses keys over 511 bytes.
  if (k.size() > kMaxRecordKey) {
    return Status::error("ERR consumer group and consumer names are limited to 480 bytes");
  }
  MDB_val key = mdb_val(k), val = mdb_val(v);
  int rc = mdb_put(env_.txn(), env_.elems_dbi(), &key, &val, 0);
  if (rc) return LmdbEnv::lmdb_error(rc, "writing stream");
  env_.charge(k.size() + v.size() + 128);
  return Status::ok();
}

Status StreamStore::del(const std::string& k) {
  MDB_val key = mdb_val(k);
  int rc = mdb_del(env_.txn(), env_.elems_dbi(), &key, nullptr);
  if (rc && rc != MDB_NOTFOUND) return LmdbEnv::lmdb_error(rc, "deleting from stream");
  env_.charge(4096);
  return Status::ok();
}

Result<bool> StreamStore::get(const std::string& k, std::string_view& v) {
  MDB_val key = mdb_val(k), val;
  int rc = mdb_get(env_.txn(), env_.elems_dbi(), &key, &val);
  if (rc == MDB_NOTFOUND) return false;
  if (rc) return LmdbEnv::lmdb_error(rc, "reading stream");
  v = view_of(val);
  return true;
}

Result<bool> StreamStore::open(int db, std::string_view key, int64_t now_ms) {
  Status s = keys_.find(db, key, now_ms, entry_);
  if (!s) return s;
  if (!entry_.found) return false;
  if (entry_.meta.type != KeyType::Stream) return Status::error(kWrongTypeError);
  db_ = db;
  key_.assign(key);
  stream_header_key(entry_.meta.id, k_);
  std::string_view v;
  auto got = get(k_, v);
  if (!got) return got.status();
  head_ = StreamHeader{};
  if (*got && !decode_stream_header(v, head_)) {
    return Status::error("ERR corrupt stream header");
  }
  return true;
}

Status StreamStore::create(int db, std::string_view key) {
  Status s = keys_.create(db, key, KeyType::Stream, entry_);
  if (!s) return s;
  db_ = db;
  key_.assign(key);
  head_ = StreamHeader{};
  head_.idmp_duration_s = idmp_default_duration_;
  head_.idmp_maxsize = idmp_default_maxsize_;
  return save_header();
}

StreamStore::StreamStore(LmdbEnv& env, Keyspace& keys) : env_(env), keys_(keys) {
  keys_.set_partial_reclaim(
      [this](std::string_view key, std::string_view value, size_t budget, std::string& resume) {
        return reclaim_trimmed(key, value, budget, resume);
      });
}

Status StreamStore::save_header() {
  stream_header_key(entry_.meta.id, k_);
  encode_stream_header(head_, v_);
  Status s = put(k_, v_);
  if (s) keys_.touched(entry_);
  return s;
}

// ---- appending ----------------------------------------------------------------------------

Result<AppendOutcome> StreamStore::append(const StreamId& id, bool id_given, bool seq_given,
                                          std::span<const std::string_view> pairs, int64_t now_ms,
                                          StreamId& added) {
  if (head_.last_id == StreamId::max()) return AppendOutcome::Exhausted;
  StreamId nid;
  if (!id_given) {
    auto ms = static_cast<uint64_t>(now_ms);
    if (ms > head_.last_id.ms) {
      nid = {ms, 0};
    } else {
      nid = head_.last_id;
      stream_id_next(nid);
    }
  } else if (!seq_given && id.ms == head_.last_id.ms) {
    if (head_.last_id.seq == UINT64_MAX) return AppendOutcome::SeqExhausted;
    nid = {id.ms, head_.last_id.seq + 1};
  } else {
    nid = id;
  }
  if (nid <= head_.last_id) return AppendOutcome::IdTooSmall;

  // Which node Redis would put the entry in (see stream_codec.h).
  size_t n_pairs = pairs.size() / 2;
  uint64_t total = 0;
  for (std::string_view p : pairs) total += p.size();
  uint64_t max_bytes = node_max_bytes_ == 0 || node_max_bytes_ > kListpackMaxSize ? kListpackMaxSize
                                                                                  : node_max_bytes_;
  bool new_node = head_.tail_entries == 0 || head_.tail_bytes + total >= max_bytes ||
                  (node_max_entries_ && head_.tail_entries >= node_max_entries_);
  entry_fields(pairs.data(), n_pairs, fields_);
  if (new_node) {
    ++head_.tail_node;
    ++head_.nodes;
    head_.tail_entries = 1;
    head_.tail_master = nid;
    head_.tail_fields = fields_;
    head_.tail_bytes = listpack_node_bytes(pairs.data(), n_pairs) +
                       listpack_entry_bytes(pairs.data(), n_pairs, true, nid, nid);
  } else {
    bool same = fields_ == head_.tail_fields;
    ++head_.tail_entries;
    head_.tail_bytes += listpack_entry_bytes(pairs.data(), n_pairs, same, nid, head_.tail_master);
  }

  stream_entry_key(entry_.meta.id, nid, k_);
  encode_entry(head_.tail_node, pairs.data(), n_pairs, v_);
  Status s = put(k_, v_);
  if (!s) return s;
  ++head_.length;
  ++head_.entries_added;
  head_.last_id = nid;
  if (head_.length == 1) head_.first_id = nid;
  s = save_header();
  if (!s) return s;
  added = nid;
  return AppendOutcome::Added;
}

// ---- reading ------------------------------------------------------------------------------

Result<uint64_t> StreamStore::walk(const StreamId& start, const StreamId& end, bool rev,
                                   FunctionRef<bool(const StreamId&, std::string_view)> fn) {
  if (start > end || head_.length == 0) return uint64_t{0};
  LiveCursor cur(env_.txn(), env_.elems_dbi(), entry_.meta.id, head_.floor);
  uint64_t n = 0;
  for (bool ok = rev ? cur.seek_le(end) : cur.seek_ge(start); ok;
       ok = rev ? cur.prev() : cur.next()) {
    if (rev ? cur.id() < start : cur.id() > end) break;
    ++n;
    if (!fn(cur.id(), cur.value())) break;
  }
  if (cur.error()) return LmdbEnv::lmdb_error(cur.error(), "reading stream");
  return n;
}

Result<uint64_t> StreamStore::scan(const StreamId& start, const StreamId& end, uint64_t count,
                                   bool rev, EntryVisitor visit) {
  uint64_t n = 0;
  return walk(start, end, rev, [&](const StreamId& id, std::string_view v) {
    EntryReader r(v);
    visit(id, r);
    return ++n != count;
  });
}

Result<bool> StreamStore::entry(const StreamId& id, EntryVisitor visit) {
  if (id <= head_.floor.id) return false;
  stream_entry_key(entry_.meta.id, id, ek_);
  std::string_view v;
  auto got = get(ek_, v);
  if (!got || !*got) return got;
  EntryReader r(v);
  if (head_.floor.covers(r.node(), id)) return false;
  visit(id, r);
  return true;
}

Result<bool> StreamStore::has_entry(const StreamId& id) {
  return entry(id, [](const StreamId&, EntryReader&) {});
}

StreamId StreamStore::last_entry_id() {
  StreamId last;
  scan(StreamId{}, StreamId::max(), 1, true, [&](const StreamId& id, EntryReader&) { last = id; });
  return last;
}

uint64_t StreamStore::node_of(const StreamId& id) {
  uint64_t node = 0;
  auto found = entry(id, [&](const StreamId&, EntryReader& r) { node = r.node(); });
  return found && *found ? node : 0;
}

// ---- removing -----------------------------------------------------------------------------

Status StreamStore::delete_entry_record(const StreamId& id) {
  stream_entry_key(entry_.meta.id, id, k_);
  return del(k_);
}

void StreamStore::first_id_after_removal() {
  if (head_.length == 0) {
    head_.first_id = StreamId{};
    return;
  }
  scan(StreamId{}, StreamId::max(), 1, false,
       [&](const StreamId& id, EntryReader&) { head_.first_id = id; });
}

Result<int64_t> StreamStore::remove(std::span<const StreamId> ids) {
  int64_t deleted = 0;
  bool first_gone = false;
  for (const StreamId& id : ids) {
    uint64_t node = node_of(id);
    if (node == 0) continue;  // no such entry
    Status s = delete_entry_record(id);
    if (!s) return s;
    --head_.length;
    ++deleted;
    if (id == head_.first_id) first_gone = true;
    if (id > head_.max_deleted) head_.max_deleted = id;
    // Redis frees a node whose last live entry goes; the next append then opens a new one.
    bool node_alive = false;
    StreamId around = id;
    if (stream_id_prev(around)) {
      scan(StreamId{}, around, 1, true,
           [&](const StreamId&, EntryReader& r) { node_alive |= r.node() == node; });
    }
    around = id;
    if (!node_alive && stream_id_next(around)) {
      scan(around, StreamId::max(), 1, false,
           [&](const StreamId&, EntryReader& r) { node_alive |= r.node() == node; });
    }
    if (!node_alive) {
      --head_.nodes;
      if (node == head_.tail_node) head_.tail_entries = 0;
    }
  }
  if (deleted == 0) return deleted;
  if (first_gone || head_.length == 0) first_id_after_removal();
  Status s = save_header();
  if (!s) return s;
  return deleted;
}

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

Status StreamStore::set_last_id(const StreamId& id, int64_t entries_added,
                                const StreamId& max_deleted) {
  if (head_.length == 0 && id < head_.floor.id) {
    // Entries may now come below the floor id, among records a trim left: they go to a node
    // above every record there is, which the floor does not cover.
    head_.tail_entries = 0;
    head_.floor = {head_.tail_node + 1, id};
  }
  head_.last_id = id;
  if (entries_added >= 0) head_.entries_added = static_cast<uint64_t>(entries_added);
  if (!max_deleted.is_zero()) head_.max_deleted = max_deleted;
  return save_header();
}

// ---- read counters (Redis 7.0's consumer group lag) ----------------------------------------

bool StreamStore::range_has_tombstones(const StreamId& start, const StreamId& end) const {
  if (head_.length == 0 || head_.max_deleted.is_zero()) return false;
  if (head_.first_id > head_.max_deleted) return false;
  return start <= head_.max_deleted && head_.max_deleted <= end;
}

int64_t StreamStore::estimate_read_counter(const StreamId& id) const {
  auto added = static_cast<int64_t>(head_.entries_added);
  if (added == 0) return 0;
  if (head_.length == 0 && id <= head_.last_id) return added;
  if (id == head_.last_id) return added;
  if (id > head_.last_id) return kEntriesReadInvalid;
  if (head_.max_deleted.is_zero() || head_.max_deleted < head_.first_id) {
    if (id < head_.first_id) return added - static_cast<int64_t>(head_.length);
    if (id == head_.first_id) return added - static_cast<int64_t>(head_.length) + 1;
  }
  return kEntriesReadInvalid;
}

bool StreamStore::group_lag(const GroupRecord& g, int64_t& lag) const {
  auto added = static_cast<int64_t>(head_.entries_added);
  if (added == 0) {
    lag = 0;
    return true;
  }
  if (g.entries_read != kEntriesReadInvalid && !range_has_tombstones(g.last_id, StreamId::max())) {
    lag = added - g.entries_read;
    return true;
  }
  int64_t read = estimate_read_counter(g.last_id);
  if (read == kEntriesReadInvalid) return false;
  lag = added - read;
  return true;
}

}  // namespace postbox
