// Small conversions between LMDB values and string views, private to store/.
#pragma once

#include <lmdb.h>

#include <string_view>

namespace postbox {

inline MDB_val mdb_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view view_of(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Closes a cursor on every path out of a scope.
class CursorGuard {
 public:
  CursorGuard(MDB_txn* txn, MDB_dbi dbi) { rc_ = mdb_cursor_open(txn, dbi, &cur_); }
  ~CursorGuard() {
    if (cur_) mdb_cursor_close(cur_);
  }
  CursorGuard(const CursorGuard&) = delete;
  CursorGuard& operator=(const CursorGuard&) = delete;
  int rc() const { return rc_; }
  MDB_cursor* get() const { return cur_; }

 private:
  MDB_cursor* cur_ = nullptr;
  int rc_ = 0;
};

}  // namespace postbox
