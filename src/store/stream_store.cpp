#include "store/stream_store.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "store/list_store.h"
#include "store/mdb_util.h"
#include "store/stream_live_cursor.h"

namespace postbox {

namespace {

constexpr uint64_t kListpackMaxSize = 1ull << 30;
constexpr size_t kMaxRecordKey = 17 + 480;  // data id, tag, gid, name

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
