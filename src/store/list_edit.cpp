// The list editing commands on the element table: LSET, LINSERT, LREM, LTRIM and LPOS.
//
// Element i of a list lives at slot a + i, so an insert or removal in the middle must move
// elements to keep the slots contiguous. Moving an element is a read, a copy and a put under
// the new slot (LMDB cannot rename a key), so each edit moves whichever side of the change
// holds fewer elements: LINSERT near the head moves the head part one slot down (a - 1), near
// the tail the tail part one slot up (b + 1); LREM leaves its largest run of survivors in place
// and closes the gaps from both sides towards it.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "store/list_store.h"
#include "store/mdb_util.h"

namespace postbox {
namespace {

// Reads and writes the elements of one list through one cursor. Every access positions the
// cursor with MDB_SET_KEY, which stays on the current page when it can, so the mixed reads and
// writes of a shift cost little more than a cursor walk and never rely on a cursor surviving
// a write elsewhere in the tree.
class Elems {
 public:
  Elems(LmdbEnv& env, uint64_t id) : env_(env), id_(id), cur_(env.txn(), env.elems_dbi()) {}

  // The view is valid until the next write in the transaction.
  Status get(int64_t slot, std::string_view& out) {
    if (cur_.rc()) return LmdbEnv::lmdb_error(cur_.rc(), "opening a cursor");
    encode_elem_key(id_, slot, key_);
    MDB_val k{16, key_}, v;
    int rc = mdb_cursor_get(cur_.get(), &k, &v, MDB_SET_KEY);
    if (rc) return LmdbEnv::lmdb_error(rc, "reading list element");
    out = view_of(v);
    return Status::ok();
  }

  Status put(int64_t slot, std::string_view value) {
    if (cur_.rc()) return LmdbEnv::lmdb_error(cur_.rc(), "opening a cursor");
    encode_elem_key(id_, slot, key_);
    MDB_val k{16, key_}, v = mdb_val(value);
    int rc = mdb_cursor_put(cur_.get(), &k, &v, 0);
    if (rc) return LmdbEnv::lmdb_error(rc, "writing list element");
    env_.charge(value.size() + 128);
    return Status::ok();
  }

  // Copies through `buf` first: the source pointer is into a page the put may rewrite.
  Status move(int64_t from, int64_t to, std::string& buf) {
    std::string_view v;
    Status s = get(from, v);
    if (!s) return s;
    buf.assign(v);
    return put(to, buf);
  }

  Status del_range(int64_t first, int64_t end) {
    for (int64_t slot = first; slot < end; ++slot) {
      std::string_view unused;
      Status s = get(slot, unused);
      if (!s) return s;
      int rc = mdb_cursor_del(cur_.get(), 0);
      if (rc) return LmdbEnv::lmdb_error(rc, "deleting list element");
    }
    env_.charge(static_cast<size_t>(std::max<int64_t>(end - first, 0)) * 64 + 8192);
    return Status::ok();
  }

 private:
  LmdbEnv& env_;
  uint64_t id_;
  CursorGuard cur_;
  char key_[16];
};

// Visits up to `n` elements of list `m` from the head (or the tail), read only, passing the
// step number and the element; stops when visit returns false.
Status walk(LmdbEnv& env, const KeyMeta& m, bool from_tail, int64_t n,
            FunctionRef<bool(int64_t, std::string_view)> visit) {
  if (n <= 0) return Status::ok();
  CursorGuard cur(env.txn(), env.elems_dbi());
  if (cur.rc()) return LmdbEnv::lmdb_error(cur.rc(), "opening a cursor");
  char ek[16];
  encode_elem_key(m.id, from_tail ? m.b - 1 : m.a, ek);
  MDB_val k{16, ek}, v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_KEY);
  for (int64_t i = 0; i < n; ++i) {
    if (rc) return LmdbEnv::lmdb_error(rc, "reading list");
    if (!visit(i, view_of(v))) break;
    if (i + 1 < n) rc = mdb_cursor_get(cur.get(), &k, &v, from_tail ? MDB_PREV : MDB_NEXT);
  }
  return Status::ok();
}

// Makes room at position `pos` (0..len) and stores `value` there, moving the shorter side.
Status insert_at(LmdbEnv& env, KeyMeta& m, int64_t pos, std::string_view value, std::string& buf) {
  Elems el(env, m.id);
  int64_t len = m.b - m.a;
  if (pos < len - pos) {
    for (int64_t i = 0; i < pos; ++i) {
      Status s = el.move(m.a + i, m.a + i - 1, buf);
      if (!s) return s;
    }
    --m.a;
    return el.put(m.a + pos, value);
  }
  for (int64_t i = len - 1; i >= pos; --i) {
    Status s = el.move(m.a + i, m.a + i + 1, buf);
    if (!s) return s;
  }
  ++m.b;
  return el.put(m.a + pos, value);
}

// What LREM's first pass learned: how many elements go, the positions of the first and last
// of them, and the largest run of survivors, which stays where it is (strictly between
// keep_lo and keep_hi; either may be the sentinel -1 or len).
struct Removal {
  int64_t removed = 0;
  int64_t lo = -1, hi = -1;
  int64_t keep_lo = -1, keep_hi = -1;
};

Status plan_removal(LmdbEnv& env, const KeyMeta& m, int64_t count, std::string_view value,
                    Removal& r) {
  int64_t len = m.b - m.a;
  bool from_tail = count < 0;
  // Redis 7.0 negates the count in place, so INT64_MIN stays negative and never matches the
  // number removed: it removes every match, from the tail. We do the same on purpose.
  int64_t limit = count == 0 || count == std::numeric_limits<int64_t>::min()
                      ? len
                      : (count < 0 ? -count : count);
  int64_t prev = from_tail ? len : -1;
  auto note_gap = [&](int64_t x, int64_t y) {
    if (x > y) std::swap(x, y);
    if (r.keep_lo == r.keep_hi || y - x > r.keep_hi - r.keep_lo) {
      r.keep_lo = x;
      r.keep_hi = y;
    }
  };
  Status s = walk(env, m, from_tail, len, [&](int64_t i, std::string_view v) {
    if (v != value) return true;
    int64_t pos = from_tail ? len - 1 - i : i;
    note_gap(prev, pos);
    prev = pos;
    if (r.removed++ == 0) r.lo = r.hi = pos;
    r.lo = std::min(r.lo, pos);
    r.hi = std::max(r.hi, pos);
    return r.removed < limit;
  });
  if (!s) return s;
  note_gap(prev, from_tail ? -1 : len);
  return Status::ok();
}

// Closes the gaps left by a planned removal: survivors before keep_lo move towards the tail,
// survivors after keep_hi towards the head; the freed slots at both ends are deleted.
Status apply_removal(LmdbEnv& env, KeyMeta& m, std::string_view value, const Removal& r,
                     std::string& buf) {
  Elems el(env, m.id);
  const int64_t a = m.a, len = m.b - m.a;
  auto goes = [&](int64_t pos, std::string_view v) {
    return pos >= r.lo && pos <= r.hi && v == value;
  };
  int64_t w = r.keep_lo;
  for (int64_t j = r.keep_lo; j >= 0; --j) {
    std::string_view v;
    Status s = el.get(a + j, v);
    if (!s) return s;
    if (goes(j, v)) continue;
    if (w != j) {
      buf.assign(v);
      s = el.put(a + w, buf);
      if (!s) return s;
    }
    --w;
  }
  int64_t head_freed = w + 1;
  w = r.keep_hi;
  for (int64_t j = r.keep_hi; j < len; ++j) {
    std::string_view v;
    Status s = el.get(a + j, v);
    if (!s) return s;
    if (goes(j, v)) continue;
    if (w != j) {
      buf.assign(v);
      s = el.put(a + w, buf);
      if (!s) return s;
    }
    ++w;
  }
  Status s = el.del_range(a, a + head_freed);
  if (!s) return s;
  s = el.del_range(a + w, m.b);
  if (!s) return s;
  m.a = a + head_freed;
  m.b = a + w;
  return Status::ok();
}

}  // namespace

Result<ListSetResult> ListStore::set(int db, std::string_view key, int64_t index,
                                     std::string_view value, int64_t now_ms) {
  Status s = find_list(db, key, now_ms);
  if (!s) return s;
  if (!entry_.found) return ListSetResult::NoSuchKey;
  KeyMeta& m = entry_.meta;
  int64_t len = m.b - m.a;
  if (index < 0) index += len;
  if (index < 0 || index >= len) return ListSetResult::OutOfRange;
  s = Elems(env_, m.id).put(m.a + index, value);
  if (!s) return s;
  s = keys_.update(entry_);  // the meta is unchanged, but WATCH must hear of the write
  if (!s) return s;
  return ListSetResult::Done;
}

Result<int64_t> ListStore::insert(int db, std::string_view key, ListEnd side,
                                  std::string_view pivot, std::string_view value, int64_t now_ms) {
  Status s = find_list(db, key, now_ms);
  if (!s) return s;
  if (!entry_.found) return int64_t{0};
  KeyMeta& m = entry_.meta;
  int64_t at = -1;
  s = walk(env_, m, false, m.b - m.a, [&](int64_t i, std::string_view v) {
    if (v != pivot) return true;
    at = i;
    return false;
  });
  if (!s) return s;
  if (at < 0) return int64_t{-1};
  s = insert_at(env_, m, side == ListEnd::Head ? at : at + 1, value, moved_);
  if (!s) return s;
  s = keys_.update(entry_);
  if (!s) return s;
  return m.b - m.a;
}

Result<int64_t> ListStore::remove(int db, std::string_view key, int64_t count,
                                  std::string_view value, int64_t now_ms) {
  Status s = find_list(db, key, now_ms);
  if (!s) return s;
  if (!entry_.found) return int64_t{0};
  KeyMeta& m = entry_.meta;
  Removal r;
  s = plan_removal(env_, m, count, value, r);
  if (!s) return s;
  if (r.removed == 0) return int64_t{0};
  if (r.removed == m.b - m.a) {
    s = keys_.remove(db, entry_);
  } else {
    s = apply_removal(env_, m, value, r, moved_);
    if (s) s = keys_.update(entry_);
  }
  if (!s) return s;
  return r.removed;
}

Status ListStore::trim(int db, std::string_view key, int64_t start, int64_t stop, int64_t now_ms) {
  Status s = find_list(db, key, now_ms);
  if (!s || !entry_.found) return s;
  KeyMeta& m = entry_.meta;
  int64_t len = m.b - m.a;
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return keys_.remove(db, entry_);
  if (stop >= len) stop = len - 1;
  Elems el(env_, m.id);
  s = el.del_range(m.a, m.a + start);
  if (s) s = el.del_range(m.a + stop + 1, m.b);
  if (!s) return s;
  m.b = m.a + stop + 1;
  m.a += start;
  // Redis signals the key as modified even when nothing was trimmed; so does update().
  return keys_.update(entry_);
}

Status ListStore::positions(int db, std::string_view key, std::string_view value,
                            const ListPosQuery& q, int64_t now_ms,
                            FunctionRef<void(int64_t)> on_match) {
  Status s = find_list(db, key, now_ms);
  if (!s || !entry_.found) return s;
  const KeyMeta& m = entry_.meta;
  int64_t len = m.b - m.a;
  bool from_tail = q.rank < 0;
  int64_t skip = from_tail ? -(q.rank + 1) : q.rank - 1;  // no overflow at INT64_MIN
  int64_t limit = q.maxlen == 0 ? len : std::min(q.maxlen, len);
  int64_t reported = 0;
  return walk(env_, m, from_tail, limit, [&](int64_t i, std::string_view v) {
    if (v != value) return true;
    if (skip > 0) {
      --skip;
      return true;
    }
    on_match(from_tail ? len - 1 - i : i);
    ++reported;
    return q.count == 0 || reported < q.count;
  });
}

}  // namespace postbox
