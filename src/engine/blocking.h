// Clients blocked on keys (BLPOP and friends): one FIFO queue of waiters per (db, key), so the
// client that blocked first is served first, as in Redis. Write commands mark keys ready; after
// each command the server serves the waiters of ready keys inside the same batch transaction.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/client.h"

namespace postbox {

// A key that became ready. `data` is false when it only changed in some other way (deleted,
// replaced, its group destroyed): stream waiters then check whether they must give up, but
// are not served entries, as Redis only serves them on new data.
struct ReadyKey {
  int db = 0;
  std::string key;
  bool data = true;
  bool operator==(const ReadyKey&) const = default;
};

class BlockingRegistry {
 public:
  // Registers `c` as waiting on every key in c.block.keys (c.block must be filled in).
  void block(Client& c);
  // Removes `c` from every queue it is in and clears its block state.
  void unblock(Client& c);

  // A write gave `key` data (or, with data false, changed it otherwise): remember it if anyone
  // waits on it.
  void signal(int db, std::string_view key, bool data = true);
  bool has_ready() const { return !ready_.empty(); }
  // Hands over the keys signalled since the last call, in signalling order.
  void take_ready(std::vector<ReadyKey>& out);

  // The waiters on (db, key), oldest first; empty when none.
  const std::list<Client*>* waiters(int db, std::string_view key) const;
  size_t blocked_clients() const { return blocked_; }
  size_t watched_keys() const { return queues_.size(); }
  // After SWAPDB or FLUSH the data under every waited key of `db` may have changed.
  void signal_all(int db);

 private:
  std::unordered_map<std::string, std::list<Client*>> queues_;
  std::vector<ReadyKey> ready_;
  size_t blocked_ = 0;
  mutable std::string scratch_;  // reused for lookups: no allocation per signal
};

}  // namespace postbox
