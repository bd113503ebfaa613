#include "store/list_store.h"

#include "store/mdb_util.h"

namespace postbox {

const char* const kWrongTypeError =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

Status ListStore::find_list(int db, std::string_view key, int64_t now_ms) {
  Status s = keys_.find(db, key, now_ms, entry_);
  if (!s) return s;
  if (entry_.found && entry_.meta.type != KeyType::List) return Status::error(kWrongTypeError);
  return Status::ok();
}

Result<int64_t> ListStore::push(int db, std::string_view key, ListEnd end,
                                std::span<const std::string_view> values, bool only_if_exists,
                                int64_t now_ms) {
  Status s = find_list(db, key, now_ms);
  if (!s) return s;
  if (!entry_.found) {
    if (only_if_exists) return int64_t{0};
    s = keys_.create(db, key, KeyType::List, entry_);
    if (!s) return s;
  }
  KeyMeta& m = entry_.meta;
  MDB_txn* txn = env_.txn();
  char ek[16];
  for (std::string_view v : values) {
    int64_t idx = end == ListEnd::Head ? --m.a : m.b++;
    encode_elem_key(m.id, idx, ek);
    MDB_val k{16, ek}, val = mdb_val(v);
    int rc = mdb_put(txn, env_.elems_dbi(), &k, &val, 0);
    if (rc) return LmdbEnv::lmdb_error(rc, "writing list element");
    env_.charge(v.size() + 128);
  }
  s = keys_.update(entry_);
  if (!s) return s;
  return m.b - m.a;
}

Status ListStore::pop(int db, std::string_view key, ListEnd end, int64_t count, int64_t now_ms,
                      FunctionRef<void(int64_t)> on_count,
                      FunctionRef<void(std::string_view)> on_elem) {
  Status s = find_list(db, key, now_ms);
  if (!s) return s;
  if (!entry_.found) {
    on_count(-1);
    return Status::ok();
  }
  KeyMeta& m = entry_.meta;
  int64_t n = std::min(count, m.b - m.a);
  on_count(n);
  MDB_txn* txn = env_.txn();
  char ek[16];
  for (int64_t i = 0; i < n; ++i) {
    int64_t idx = end == ListEnd::Head ? m.a++ : --m.b;
    encode_elem_key(m.id, idx, ek);
    MDB_val k{16, ek}, v;
    int rc = mdb_get(txn, env_.elems_dbi(), &k, &v);
    if (rc) return LmdbEnv::lmdb_error(rc, "reading list element");
    on_elem(view_of(v));
    rc = mdb_del(txn, env_.elems_dbi(), &k, nullptr);
    if (rc) return LmdbEnv::lmdb_error(rc, "deleting list element");
    env_.charge(4096);
  }
  if (m.a == m.b) return keys_.remove(db, entry_);
  return keys_.update(entry_);
}

Result<int64_t> ListStore::length(int db, std::string_view key, int64_t now_ms) {
  Status s = find_list(db, key, now_ms);
  if (!s) return s;
  return entry_.found ? entry_.meta.b - entry_.meta.a : 0;
}

Status ListStore::range(int db, std::string_view key, int64_t start, int64_t stop, int64_t now_ms,
                        FunctionRef<void(int64_t)> on_count,
                        FunctionRef<void(std::string_view)> on_elem) {
  Status s = find_list(db, key, now_ms);
  if (!s) return s;
  int64_t len = entry_.found ? entry_.meta.b - entry_.meta.a : 0;
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) {
    on_count(0);
    return Status::ok();
  }
  if (stop >= len) stop = len - 1;
  int64_t n = stop - start + 1;
  on_count(n);
  CursorGuard cur(env_.txn(), env_.elems_dbi());
  char ek[16];
  encode_elem_key(entry_.meta.id, entry_.meta.a + start, ek);
  MDB_val k{16, ek}, v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_KEY);
  for (int64_t i = 0; i < n; ++i) {
    if (rc) return LmdbEnv::lmdb_error(rc, "reading list");
    on_elem(view_of(v));
    if (i + 1 < n) rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT);
  }
  return Status::ok();
}

Result<bool> ListStore::index(int db, std::string_view key, int64_t index, int64_t now_ms,
                              FunctionRef<void(std::string_view)> on_elem) {
  Status s = find_list(db, key, now_ms);
  if (!s) return s;
  if (!entry_.found) return false;
  int64_t len = entry_.meta.b - entry_.meta.a;
  if (index < 0) index += len;
  if (index < 0 || index >= len) return false;
  char ek[16];
  encode_elem_key(entry_.meta.id, entry_.meta.a + index, ek);
  MDB_val k{16, ek}, v;
  int rc = mdb_get(env_.txn(), env_.elems_dbi(), &k, &v);
  if (rc) return LmdbEnv::lmdb_error(rc, "reading list element");
  on_elem(view_of(v));
  return true;
}

}  // namespace postbox
