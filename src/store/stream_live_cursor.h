// A cursor over a stream's live entries, shared by reading and trimming (stream_store.cpp,
// stream_trim.cpp). Private to the store.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

#include "store/mdb_util.h"
#include "store/stream_codec.h"
#include "store/stream_store.h"

namespace postbox {

inline bool is_entry_key(const MDB_val& k, std::string_view prefix) {
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

}  // namespace postbox
