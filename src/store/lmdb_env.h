// The LMDB environment and the one write transaction the event loop keeps open per batch.
// This is the only place (with the other store/ files) that sees LMDB's C API.
//
// Durability (appendfsync):
//   always   - LMDB's own commit protocol: data pages synced, then the meta page synced, before
//              commit() returns, so a reply sent after commit() is on stable storage.
//   everysec - MDB_NOMETASYNC: data pages are synced at commit (so a crash can never expose a
//              meta page pointing at unwritten data), the meta page is synced by sync_now(),
//              which the server calls at least once a second.
//   no       - like everysec without the periodic sync: the OS flushes the meta page.
// In every mode a kill -9 loses nothing acknowledged (the page cache survives the process) and
// a power loss loses at most the last unsynced commits, never the database.
#pragma once

#include <lmdb.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace postbox {

enum class SyncMode { Always, Everysec, No };

struct EnvStats {
  uint64_t commits = 0;
  uint64_t syncs = 0;
  uint64_t commit_failures = 0;
  int64_t last_commit_ms = 0;
  int64_t last_sync_ms = 0;
  uint64_t map_size = 0;
  uint64_t used_bytes = 0;
};

class LmdbEnv {
 public:
  LmdbEnv() = default;
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  Status open(const std::string& dir, uint64_t initial_map_size, SyncMode mode);
  void close();
  bool is_open() const { return env_ != nullptr; }

  // A consistent, compacted copy of the environment in one file at `path` (written to a
  // temporary file, synced, then renamed over it). Safe from another thread while the loop
  // writes: LMDB copies from a read transaction of its own.
  Status snapshot_to(const std::string& path) const;

  Status begin();  // starts the batch write transaction; no-op when one is open
  Status commit();
  void abort();
  bool in_txn() const { return txn_ != nullptr; }
  MDB_txn* txn() const { return txn_; }

  // Room accounting: every write estimates the pages it may dirty, so the map can be grown
  // before LMDB would fail with MDB_MAP_FULL (which poisons the whole transaction).
  void charge(size_t bytes) { batch_estimate_ += bytes; }
  bool needs_room(size_t upcoming) const;
  // LMDB caps the pages one transaction may dirty (MDB_TXN_FULL past ~512 MB): a batch that
  // has written this much should commit before taking more.
  bool batch_is_large() const { return batch_estimate_ > (128u << 20); }
  Status grow_map();  // only between transactions

  Status set_sync_mode(SyncMode mode);  // only between transactions
  SyncMode sync_mode() const { return mode_; }
  Status sync_now();  // thread-safe: may run on a helper thread
  EnvStats stats() const;

  MDB_dbi meta_dbi() const { return meta_; }
  MDB_dbi elems_dbi() const { return elems_; }
  MDB_dbi expires_dbi() const { return expires_; }
  MDB_dbi sys_dbi() const { return sys_; }
  MDB_dbi reclaim_dbi() const { return reclaim_; }

  static Status lmdb_error(int rc, std::string_view what);

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi meta_ = 0, elems_ = 0, expires_ = 0, sys_ = 0, reclaim_ = 0;
  SyncMode mode_ = SyncMode::Always;
  uint64_t map_size_ = 0;
  size_t batch_estimate_ = 0;
  uint64_t commits_ = 0, commit_failures_ = 0;
  int64_t last_commit_ms_ = 0;
  // Also written by the helper thread that runs sync_now() for appendfsync everysec.
  std::atomic<uint64_t> syncs_{0};
  std::atomic<int64_t> last_sync_ms_{0};
};

}  // namespace postbox
