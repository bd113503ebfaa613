// The storage facade the command layer talks to: one LMDB environment, the keyspace and one
// store per type. The event loop runs every command of an iteration inside one batch
// transaction (group commit); Store keeps that transaction and knows nothing of the network.
#pragma once

#include <memory>
#include <string>

#include "store/keyspace.h"
#include "store/list_store.h"
#include "store/lmdb_env.h"
#include "store/stream_store.h"

namespace postbox {

struct StoreOptions {
  std::string dir;
  uint64_t initial_map_size = 1ull << 30;
  SyncMode sync = SyncMode::Always;
  int databases = 16;
};

class Store {
 public:
  Store() : keys_(env_), lists_(env_, keys_), streams_(env_, keys_) {}

  Status open(const StoreOptions& opts);
  void close();

  // The batch transaction: begin() is cheap when one is already open.
  Status begin();
  Status commit();
  void abort();  // also drops in-memory state derived from the aborted writes
  bool in_batch() const { return env_.in_txn(); }
  // Before a write of about `bytes`: true when the batch must be committed and the map grown
  // first (call grow() between commit() and the next begin()).
  bool needs_room(size_t bytes) const { return env_.needs_room(bytes); }
  Status grow() { return env_.grow_map(); }
  bool batch_is_large() const { return env_.batch_is_large(); }

  LmdbEnv& env() { return env_; }
  Keyspace& keys() { return keys_; }
  ListStore& lists() { return lists_; }
  StreamStore& streams() { return streams_; }

 private:
  StoreOptions opts_;
  LmdbEnv env_;
  Keyspace keys_;
  ListStore lists_;
  StreamStore streams_;
};

}  // namespace postbox
