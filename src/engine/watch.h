// WATCH: which clients watch which (db, key), so any change to a watched key — by a command,
// a blocked-client pop, expiry, FLUSHDB or SWAPDB — makes those clients' next EXEC fail.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/client.h"

namespace postbox {

class WatchRegistry {
 public:
  void watch(Client& c, int db, std::string_view key);
  void unwatch_all(Client& c);
  // A key changed: every client watching it gets watch_dirty.
  void touch(int db, std::string_view key);
  // FLUSHDB, FLUSHALL, SWAPDB: touches the watched keys of `db` for which `affected` is true
  // (Redis spares keys that exist neither before nor after).
  void touch_db(int db, const std::function<bool(std::string_view key)>& affected);
  bool empty() const { return by_key_.empty(); }
  size_t watched_keys() const { return by_key_.size(); }

 private:
  std::unordered_map<std::string, std::vector<Client*>> by_key_;
  std::string scratch_;
};

}  // namespace postbox
