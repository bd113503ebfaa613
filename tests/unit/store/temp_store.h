// A Store on a real LMDB environment in a fresh temporary directory, removed afterwards, with a
// batch transaction open: what the store tests run against.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "store/store.h"

namespace postbox::test {

struct TempStore {
  std::filesystem::path dir;
  Store store;

  TempStore() {
    dir = std::filesystem::temp_directory_path() /
          ("postbox-unit-ts-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir);
    open();
  }
  ~TempStore() {
    store.close();
    std::filesystem::remove_all(dir);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  void open() {
    StoreOptions o;
    o.dir = dir.string();
    o.initial_map_size = 64ull << 20;
    REQUIRE(store.open(o));
    REQUIRE(store.begin());
  }
  // Commits, closes and opens again: what survives is what is on disk.
  void reopen() {
    REQUIRE(store.commit());
    store.close();
    open();
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

// How many records of the elems table have keys starting with `prefix`.
inline int64_t count_records(Store& st, std::string_view prefix) {
  MDB_cursor* cur;
  REQUIRE(mdb_cursor_open(st.env().txn(), st.env().elems_dbi(), &cur) == 0);
  MDB_val k{prefix.size(), const_cast<char*>(prefix.data())}, v;
  int64_t n = 0;
  int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  while (rc == 0 && k.mv_size >= prefix.size() &&
         std::memcmp(k.mv_data, prefix.data(), prefix.size()) == 0) {
    ++n;
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cur);
  return n;
}

}  // namespace postbox::test
