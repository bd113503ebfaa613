#include "store/keyspace.h"

#include <cstring>
#include <random>

#include "store/mdb_util.h"

namespace postbox {
namespace {

constexpr std::string_view kDbMapKey = "dbmap";
constexpr std::string_view kNextIdKey = "next_id";
// Lists up to this many elements are deleted inline; longer ones go to the reclaim table.
constexpr int64_t kInlineDropMax = 64;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

Status Keyspace::load(int databases) {
  MDB_txn* txn = env_.txn();
  MDB_val k = mdb_val(kDbMapKey), v;
  int rc = mdb_get(txn, env_.sys_dbi(), &k, &v);
  std::vector<uint8_t> map;
  if (rc == 0) {
    auto s = view_of(v);
    map.assign(s.begin(), s.end());
  } else if (rc != MDB_NOTFOUND) {
    return LmdbEnv::lmdb_error(rc, "reading the db map");
  }
  bool changed = false;
  // More databases than last time: give each new one a physical id nobody uses yet.
  while (map.size() < static_cast<size_t>(databases)) {
    uint8_t candidate = 0;
    for (int c = 0; c < 256; ++c) {
      bool used = false;
      for (uint8_t m : map) used |= (m == c);
      if (!used) {
        candidate = static_cast<uint8_t>(c);
        break;
      }
    }
    map.push_back(candidate);
    changed = true;
  }
  dbmap_ = std::move(map);
  // Fewer databases than stored: keep the full map on disk so data of the others is not lost.
  if (changed) return put_dbmap();
  return Status::ok();
}

Status Keyspace::put_dbmap() {
  MDB_val k = mdb_val(kDbMapKey);
  MDB_val v{dbmap_.size(), dbmap_.data()};
  int rc = mdb_put(env_.txn(), env_.sys_dbi(), &k, &v, 0);
  if (rc) return LmdbEnv::lmdb_error(rc, "writing the db map");
  return Status::ok();
}

int Keyspace::logical(uint8_t p) const {
  for (size_t i = 0; i < dbmap_.size(); ++i) {
    if (dbmap_[i] == p) return static_cast<int>(i);
  }
  return -1;
}

Status Keyspace::find_meta(uint8_t p, std::string_view key, KeyEntry& e) {
  e.found = false;
  e.long_key.clear();
  MDB_txn* txn = env_.txn();
  if (key.size() <= kShortKeyMax) {
    encode_meta_key(p, key, 0, e.meta_key);
    MDB_val k = mdb_val(e.meta_key), v;
    int rc = mdb_get(txn, env_.meta_dbi(), &k, &v);
    if (rc == MDB_NOTFOUND) return Status::ok();
    if (rc) return LmdbEnv::lmdb_error(rc, "reading key");
    e.found = decode_meta_value(view_of(v), e.meta);
    return Status::ok();
  }
  e.long_key.assign(key);
  encode_meta_key(p, key, 0, e.meta_key);
  std::string_view family(e.meta_key.data(), e.meta_key.size() - 1);
  CursorGuard cur(txn, env_.meta_dbi());
  if (cur.rc()) return LmdbEnv::lmdb_error(cur.rc(), "cursor");
  MDB_val k = mdb_val(e.meta_key), v;
  // Walk the few records sharing hash and prefix; remember the first free seq for create().
  int free_seq = -1, expect = 0;
  for (int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
       rc == 0 && starts_with(view_of(k), family);
       rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT)) {
    auto mk = view_of(k);
    int seq = static_cast<unsigned char>(mk.back());
    if (free_seq < 0 && seq != expect) free_seq = expect;
    expect = seq + 1;
    if (user_key_of(mk, view_of(v)) == key) {
      e.meta_key.assign(mk);
      e.found = decode_meta_value(view_of(v), e.meta);
      return Status::ok();
    }
  }
  if (free_seq < 0) free_seq = expect;
  if (free_seq > 255) return Status::error("ERR too many long keys share one prefix and hash");
  e.meta_key.back() = static_cast<char>(free_seq);
  return Status::ok();
}

Status Keyspace::find(int db, std::string_view key, int64_t now_ms, KeyEntry& e) {
  e.db = db;
  Status s = find_meta(phys(db), key, e);
  if (s && count_lookups_) {
    bool live = e.found && (e.meta.expire_at_ms == 0 || e.meta.expire_at_ms > now_ms);
    ++(live ? stats_.keyspace_hits : stats_.keyspace_misses);
  }
  if (!s || !e.found) return s;
  if (e.meta.expire_at_ms != 0 && e.meta.expire_at_ms <= now_ms) {
    s = delete_record(phys(db), e.meta_key, e.meta);
    if (!s) return s;
    ++stats_.expired_keys;
    if (on_delete_) on_delete_(db, key);
    modified(db, key);
    e.found = false;
  }
  return Status::ok();
}

Status Keyspace::create(int db, std::string_view key, KeyType type, KeyEntry& e) {
  MDB_txn* txn = env_.txn();
  MDB_val k = mdb_val(kNextIdKey), v;
  uint64_t id = 1;
  int rc = mdb_get(txn, env_.sys_dbi(), &k, &v);
  if (rc == 0 && v.mv_size == 8) std::memcpy(&id, v.mv_data, 8);
  uint64_t next = id + 1;
  MDB_val nv{8, &next};
  rc = mdb_put(txn, env_.sys_dbi(), &k, &nv, 0);
  if (rc) return LmdbEnv::lmdb_error(rc, "allocating key id");
  e.meta = KeyMeta{};
  e.meta.type = type;
  e.meta.id = id;
  e.db = db;
  if (key.size() > kShortKeyMax) e.long_key.assign(key);
  e.found = true;
  Status s = update(e);
  if (!s) return s;
  return add_counter('n', phys(db), 1);
}

Status Keyspace::update(const KeyEntry& e) {
  encode_meta_value(e.meta, e.long_key, scratch_val_);
  MDB_val k = mdb_val(e.meta_key), v = mdb_val(scratch_val_);
  env_.charge(e.meta_key.size() + scratch_val_.size() + 4096);
  int rc = mdb_put(env_.txn(), env_.meta_dbi(), &k, &v, 0);
  if (rc) return LmdbEnv::lmdb_error(rc, "writing key");
  modified(e.db, e.user_key());
  return Status::ok();
}

Status Keyspace::remove(int db, KeyEntry& e) {
  Status s = delete_record(phys(db), e.meta_key, e.meta);
  e.found = false;
  if (s) modified(db, e.user_key());
  return s;
}

Status Keyspace::delete_record(uint8_t p, std::string_view meta_key, const KeyMeta& m) {
  MDB_txn* txn = env_.txn();
  MDB_val k = mdb_val(meta_key);
  int rc = mdb_del(txn, env_.meta_dbi(), &k, nullptr);
  if (rc) return LmdbEnv::lmdb_error(rc, "deleting key");
  env_.charge(8192);
  if (m.expire_at_ms) {
    encode_expire_key(m.expire_at_ms, meta_key, scratch_exp_);
    MDB_val ek = mdb_val(scratch_exp_);
    mdb_del(txn, env_.expires_dbi(), &ek, nullptr);
    Status s = add_counter('x', p, -1);
    if (!s) return s;
  }
  Status s = add_counter('n', p, -1);
  if (!s) return s;
  return drop_data(m);
}

Status Keyspace::drop_data(const KeyMeta& m) {
  if (m.type != KeyType::List && m.type != KeyType::Stream) return Status::ok();
  MDB_txn* txn = env_.txn();
  // A stream's records (entries, groups, PELs) are never counted here: always reclaim them.
  if (m.type == KeyType::Stream || m.b - m.a > kInlineDropMax) {
    char id[8];
    put_u64_be(id, m.id);
    char type = static_cast<char>(m.type);
    MDB_val k{8, id}, v{1, &type};
    int rc = mdb_put(txn, env_.reclaim_dbi(), &k, &v, 0);
    if (rc) return LmdbEnv::lmdb_error(rc, "queueing reclaim");
    reclaim_pending_ = true;
    return Status::ok();
  }
  char ek[16];
  for (int64_t i = m.a; i < m.b; ++i) {
    encode_elem_key(m.id, i, ek);
    MDB_val k{16, ek};
    int rc = mdb_del(txn, env_.elems_dbi(), &k, nullptr);
    if (rc && rc != MDB_NOTFOUND) return LmdbEnv::lmdb_error(rc, "deleting element");
  }
  env_.charge(static_cast<size_t>(m.b - m.a) * 64 + 8192);
  return Status::ok();
}

Status Keyspace::queue_reclaim(std::string_view key, std::string_view value) {
  MDB_val k = mdb_val(key), v = mdb_val(value);
  int rc = mdb_put(env_.txn(), env_.reclaim_dbi(), &k, &v, 0);
  if (rc) return LmdbEnv::lmdb_error(rc, "queueing reclaim");
  env_.charge(key.size() + value.size() + 4096);
  reclaim_pending_ = true;
  return Status::ok();
}

bool Keyspace::reclaim_step(size_t budget) {
  if (!reclaim_pending_) return false;
  MDB_txn* txn = env_.txn();
  CursorGuard rec(txn, env_.reclaim_dbi());
  MDB_val k, v;
  if (mdb_cursor_get(rec.get(), &k, &v, MDB_FIRST) != 0) {
    reclaim_pending_ = false;
    return false;
  }
  if (k.mv_size != 8) {
    // Part of a live key. Copied: the hook's writes may move the record's page. (Without a hook
    // nothing could drain it, so it goes.)
    std::string key(view_of(k)), value(view_of(v)), resume;
    bool done = !partial_reclaim_ || partial_reclaim_(key, value, budget, resume);
    MDB_val rk = mdb_val(key), rv = mdb_val(resume);
    if (done) {
      mdb_cursor_del(rec.get(), 0);
    } else {
      mdb_put(txn, env_.reclaim_dbi(), &rk, &rv, 0);
    }
    return true;
  }
  char prefix[8];
  std::memcpy(prefix, k.mv_data, 8);
  CursorGuard el(txn, env_.elems_dbi());
  MDB_val ek{8, prefix}, ev;
  size_t done = 0;
  int rc = mdb_cursor_get(el.get(), &ek, &ev, MDB_SET_RANGE);
  while (rc == 0 && done < budget && ek.mv_size >= 8 && std::memcmp(ek.mv_data, prefix, 8) == 0) {
    mdb_cursor_del(el.get(), 0);
    ++done;
    rc = mdb_cursor_get(el.get(), &ek, &ev, MDB_GET_CURRENT);
    if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(el.get(), &ek, &ev, MDB_NEXT);
  }
  env_.charge(done * 64 + 8192);
  bool finished = rc != 0 || ek.mv_size < 8 || std::memcmp(ek.mv_data, prefix, 8) != 0;
  if (finished) mdb_cursor_del(rec.get(), 0);
  return true;
}

Status Keyspace::set_expire(int db, KeyEntry& e, int64_t at_ms) {
  MDB_txn* txn = env_.txn();
  if (e.meta.expire_at_ms) {
    encode_expire_key(e.meta.expire_at_ms, e.meta_key, scratch_exp_);
    MDB_val ek = mdb_val(scratch_exp_);
    mdb_del(txn, env_.expires_dbi(), &ek, nullptr);
  } else if (at_ms) {
    Status s = add_counter('x', phys(db), 1);
    if (!s) return s;
  }
  if (e.meta.expire_at_ms && !at_ms) {
    Status s = add_counter('x', phys(db), -1);
    if (!s) return s;
  }
  e.meta.expire_at_ms = at_ms;
  if (at_ms) {
    encode_expire_key(at_ms, e.meta_key, scratch_exp_);
    MDB_val ek = mdb_val(scratch_exp_), ev{0, nullptr};
    int rc = mdb_put(txn, env_.expires_dbi(), &ek, &ev, 0);
    if (rc) return LmdbEnv::lmdb_error(rc, "writing expiry");
  }
  return update(e);
}

Status Keyspace::rename(int src_db, KeyEntry& src, int dst_db, std::string_view dst_key,
                        KeyEntry& dst) {
  KeyMeta m = src.meta;
  int64_t expire = m.expire_at_ms;
  // Take the expiry off first so the counters and the expires table follow the record.
  if (expire) {
    Status s = set_expire(src_db, src, 0);
    if (!s) return s;
  }
  MDB_val k = mdb_val(src.meta_key);
  int rc = mdb_del(env_.txn(), env_.meta_dbi(), &k, nullptr);
  if (rc) return LmdbEnv::lmdb_error(rc, "renaming key");
  Status s = add_counter('n', phys(src_db), -1);
  if (!s) return s;
  src.found = false;
  modified(src_db, src.user_key());
  s = find_meta(phys(dst_db), dst_key, dst);  // positions dst.meta_key (and seq for long keys)
  if (!s) return s;
  dst.meta = m;
  dst.db = dst_db;
  dst.meta.expire_at_ms = 0;
  dst.found = true;
  if (dst_key.size() > kShortKeyMax) dst.long_key.assign(dst_key);
  s = update(dst);
  if (!s) return s;
  s = add_counter('n', phys(dst_db), 1);
  if (!s) return s;
  return expire ? set_expire(dst_db, dst, expire) : Status::ok();
}

Status Keyspace::add_counter(char kind, uint8_t p, int64_t delta) {
  char key[2] = {kind, static_cast<char>(p)};
  MDB_val k{2, key}, v;
  int64_t n = 0;
  int rc = mdb_get(env_.txn(), env_.sys_dbi(), &k, &v);
  if (rc == 0 && v.mv_size == 8) std::memcpy(&n, v.mv_data, 8);
  n += delta;
  if (n < 0) n = 0;
  MDB_val nv{8, &n};
  rc = mdb_put(env_.txn(), env_.sys_dbi(), &k, &nv, 0);
  if (rc) return LmdbEnv::lmdb_error(rc, "updating key counts");
  return Status::ok();
}

uint64_t Keyspace::counter(char kind, uint8_t p) {
  char key[2] = {kind, static_cast<char>(p)};
  MDB_val k{2, key}, v;
  int64_t n = 0;
  if (mdb_get(env_.txn(), env_.sys_dbi(), &k, &v) == 0 && v.mv_size == 8)
    std::memcpy(&n, v.mv_data, 8);
  return static_cast<uint64_t>(n);
}

uint64_t Keyspace::dbsize(int db) {
  return counter('n', phys(db));
}
uint64_t Keyspace::expires_count(int db) {
  return counter('x', phys(db));
}

Status Keyspace::flushdb(int db) {
  if (on_db_change_) on_db_change_(db, -1);
  uint8_t p = phys(db);
  MDB_txn* txn = env_.txn();
  CursorGuard cur(txn, env_.meta_dbi());
  char start = static_cast<char>(p);
  MDB_val k{1, &start}, v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
  while (rc == 0 && static_cast<uint8_t>(view_of(k)[0]) == p) {
    KeyMeta m;
    decode_meta_value(view_of(v), m);
    if (m.expire_at_ms) {
      encode_expire_key(m.expire_at_ms, view_of(k), scratch_exp_);
      MDB_val ek = mdb_val(scratch_exp_);
      mdb_del(txn, env_.expires_dbi(), &ek, nullptr);
    }
    Status s = drop_data(m);
    if (!s) return s;
    rc = mdb_cursor_del(cur.get(), 0);
    if (rc) return LmdbEnv::lmdb_error(rc, "flushing");
    env_.charge(256);
    rc = mdb_cursor_get(cur.get(), &k, &v, MDB_GET_CURRENT);
    if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT);
  }
  Status s = add_counter('n', p, -static_cast<int64_t>(counter('n', p)));
  if (!s) return s;
  return add_counter('x', p, -static_cast<int64_t>(counter('x', p)));
}

Status Keyspace::flushall() {
  for (int db = 0; db < databases(); ++db) {
    Status s = flushdb(db);
    if (!s) return s;
  }
  return Status::ok();
}

Status Keyspace::swapdb(int a, int b) {
  if (on_db_change_) {
    on_db_change_(a, b);
    on_db_change_(b, a);
  }
  std::swap(dbmap_[static_cast<size_t>(a)], dbmap_[static_cast<size_t>(b)]);
  return put_dbmap();
}

uint64_t Keyspace::scan(int db, uint64_t cursor, size_t count, int64_t now_ms,
                        FunctionRef<void(std::string_view, const KeyMeta&)> visit) {
  uint8_t p = phys(db);
  CursorGuard cur(env_.txn(), env_.meta_dbi());
  char start[9];
  start[0] = static_cast<char>(p);
  put_u64_be(start + 1, cursor);
  MDB_val k{9, start}, v;
  size_t seen = 0;
  uint64_t last_hash = 0;
  for (int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT)) {
    auto mk = view_of(k);
    if (static_cast<uint8_t>(mk[0]) != p) break;
    uint64_t h = meta_key_hash(mk);
    // Stop only between hashes, so a cursor never splits keys that share one.
    if (seen >= count && h != last_hash) return h;
    last_hash = h;
    ++seen;
    KeyMeta m;
    decode_meta_value(view_of(v), m);
    if (m.expire_at_ms && m.expire_at_ms <= now_ms) continue;
    visit(user_key_of(mk, view_of(v)), m);
  }
  return 0;
}

void Keyspace::each_key(int db, int64_t now_ms,
                        FunctionRef<void(std::string_view, const KeyMeta&)> visit) {
  scan(db, 0, SIZE_MAX, now_ms, visit);
}

bool Keyspace::random_key(int db, int64_t now_ms, std::string& out) {
  static std::mt19937_64 rng{std::random_device{}()};
  uint8_t p = phys(db);
  CursorGuard cur(env_.txn(), env_.meta_dbi());
  for (int attempt = 0; attempt < 100; ++attempt) {
    char start[9];
    start[0] = static_cast<char>(p);
    put_u64_be(start + 1, rng());
    MDB_val k{9, start}, v;
    int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
    if (rc != 0 || static_cast<uint8_t>(view_of(k)[0]) != p) {
      // Past the last key of this db: wrap around to its first.
      k = MDB_val{1, start};
      rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
      if (rc != 0 || static_cast<uint8_t>(view_of(k)[0]) != p) return false;
    }
    KeyMeta m;
    decode_meta_value(view_of(v), m);
    if (m.expire_at_ms && m.expire_at_ms <= now_ms) continue;
    out.assign(user_key_of(view_of(k), view_of(v)));
    return true;
  }
  return false;
}

size_t Keyspace::expire_step(int64_t now_ms, size_t budget, bool& more) {
  MDB_txn* txn = env_.txn();
  size_t done = 0;
  more = false;
  std::string meta_key;
  while (done < budget) {
    CursorGuard cur(txn, env_.expires_dbi());
    MDB_val k, v;
    if (mdb_cursor_get(cur.get(), &k, &v, MDB_FIRST) != 0) return done;
    auto ek = view_of(k);
    if (static_cast<int64_t>(get_u64_be(ek.data())) > now_ms) return done;
    meta_key.assign(ek.substr(8));
    MDB_val mk = mdb_val(meta_key), mv;
    KeyMeta m;
    if (mdb_get(txn, env_.meta_dbi(), &mk, &mv) != 0 || !decode_meta_value(view_of(mv), m)) {
      mdb_cursor_del(cur.get(), 0);  // an index entry without its key: drop it
      continue;
    }
    std::string user(user_key_of(meta_key, view_of(mv)));
    uint8_t p = meta_key_db(meta_key);
    if (!delete_record(p, meta_key, m)) return done;
    ++stats_.expired_keys;
    ++done;
    int db = logical(p);
    if (on_delete_ && db >= 0) on_delete_(db, user);
    if (db >= 0) modified(db, user);
  }
  more = true;
  return done;
}

}  // namespace postbox
