// The keyspace: which keys exist in which logical database, their type, expiry and data id.
// Knows the meta, expires and sys tables (see key_codec.h for the layout) and reclaims the data
// of deleted keys. Type stores (list_store, ...) build on it.
//
// sys table records:
//   "dbmap"        logical db -> physical db byte (SWAPDB swaps two bytes, O(1))
//   "next_id"      the next key id to hand out
//   "n" + phys     number of keys in that physical db (DBSIZE is O(1) as in Redis)
//   "x" + phys     number of keys with an expiry (INFO keyspace)
// reclaim table: [id:8 BE] -> [type:1]  data of deleted keys still to be removed, a bounded
//   amount per loop iteration, so DEL of a huge list is O(1) like UNLINK.
//   [id:8 BE][more] -> [type:1][...]  part of a live key's data to remove (a stream's trimmed
//   entries, see stream_codec.h), drained the same way by the type's partial reclaim hook.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/key_codec.h"
#include "store/lmdb_env.h"
#include "util/function_ref.h"
#include "util/status.h"

namespace postbox {

// A found (or about to be created) key: where its meta record lives and what it says.
struct KeyEntry {
  bool found = false;
  int db = 0;  // logical db it was looked up in
  KeyMeta meta;
  std::string meta_key;  // LMDB key in the meta table
  std::string long_key;  // the full user key when it is longer than kShortKeyMax

  std::string_view user_key() const {
    return long_key.empty() ? std::string_view(meta_key).substr(kMetaKeyHeader)
                            : std::string_view(long_key);
  }
};

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
};

class Keyspace {
 public:
  explicit Keyspace(LmdbEnv& env) : env_(env) {}

  // Reads the db map; call after open and after an aborted batch (it may have swapped dbs).
  Status load(int databases);
  int databases() const { return static_cast<int>(dbmap_.size()); }

  // Finds a live key. An expired key is deleted on the spot and reported as absent.
  Status find(int db, std::string_view key, int64_t now_ms, KeyEntry& e);
  // Inserts the meta record for a key that find() reported absent.
  Status create(int db, std::string_view key, KeyType type, KeyEntry& e);
  Status update(const KeyEntry& e);  // writes e.meta back
  // Reports a change to a key's data that left its meta record as it was (WATCH must see it).
  void touched(const KeyEntry& e) { modified(e.db, e.user_key()); }
  Status remove(int db, KeyEntry& e);
  Status set_expire(int db, KeyEntry& e, int64_t at_ms);  // 0 removes the expiry
  // Moves src's record under dst's name (dst must have been removed first); data stays put.
  Status rename(int src_db, KeyEntry& src, int dst_db, std::string_view dst_key, KeyEntry& dst);

  uint64_t dbsize(int db);
  uint64_t expires_count(int db);
  Status flushdb(int db);
  Status flushall();
  Status swapdb(int a, int b);

  // Visits live keys of `db` from hash `cursor` on; stops after `count` keys at a hash boundary.
  // Returns the next cursor, 0 at the end.
  uint64_t scan(int db, uint64_t cursor, size_t count, int64_t now_ms,
                FunctionRef<void(std::string_view key, const KeyMeta&)> visit);
  void each_key(int db, int64_t now_ms,
                FunctionRef<void(std::string_view key, const KeyMeta&)> visit);
  // A random live key, or false when the db is empty.
  bool random_key(int db, int64_t now_ms, std::string& out);

  // Active expiry: deletes up to `budget` keys whose time has come; returns how many.
  size_t expire_step(int64_t now_ms, size_t budget, bool& more);
  // Deletes up to `budget` elements of removed keys; returns true while work remains.
  bool reclaim_step(size_t budget);
  bool reclaim_pending() const { return reclaim_pending_; }
  // Queues (or replaces) a partial reclaim record; the step hands it to the hook.
  Status queue_reclaim(std::string_view key, std::string_view value);
  // Works on a partial reclaim record: deletes up to `budget` records and returns true when it
  // is done, else sets `resume` to the record's new value.
  using PartialReclaim = std::function<bool(std::string_view key, std::string_view value,
                                            size_t budget, std::string& resume)>;
  void set_partial_reclaim(PartialReclaim hook) { partial_reclaim_ = std::move(hook); }

  KeyspaceStats& stats() { return stats_; }
  // Redis counts keyspace hits and misses for lookups made by read commands only.
  void count_lookups(bool on) { count_lookups_ = on; }
  // Called with (logical db, key) whenever a key is deleted or expired by the keyspace itself.
  void set_delete_listener(std::function<void(int, std::string_view)> l) {
    on_delete_ = std::move(l);
  }
  // Called with (logical db, key) for every change to a key: WATCH builds on it.
  void set_modify_listener(std::function<void(int, std::string_view)> l) {
    on_modify_ = std::move(l);
  }
  // Called before a whole db changes: (db, -1) before FLUSHDB, (a, b) and (b, a) before SWAPDB,
  // while the keys are still in place, so the listener can tell which watched keys exist.
  void set_db_change_listener(std::function<void(int db, int other_db)> l) {
    on_db_change_ = std::move(l);
  }

 private:
  uint8_t phys(int db) const { return dbmap_[static_cast<size_t>(db)]; }
  int logical(uint8_t phys) const;
  Status find_meta(uint8_t phys, std::string_view key, KeyEntry& e);
  Status delete_record(uint8_t phys, std::string_view meta_key, const KeyMeta& m);
  Status drop_data(const KeyMeta& m);
  Status add_counter(char kind, uint8_t phys, int64_t delta);
  uint64_t counter(char kind, uint8_t phys);
  Status put_dbmap();

  LmdbEnv& env_;
  std::vector<uint8_t> dbmap_;
  KeyspaceStats stats_;
  bool count_lookups_ = false;
  bool reclaim_pending_ = true;  // until the first step finds the reclaim table empty
  std::function<void(int, std::string_view)> on_delete_;
  std::function<void(int, std::string_view)> on_modify_;
  std::function<void(int, int)> on_db_change_;
  PartialReclaim partial_reclaim_;
  void modified(int db, std::string_view key) {
    if (on_modify_) on_modify_(db, key);
  }
  std::string scratch_key_, scratch_val_, scratch_exp_;
};

}  // namespace postbox
