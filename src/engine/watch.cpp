#include "engine/watch.h"

#include <algorithm>
#include <cstring>

namespace postbox {

std::string WatchRegistry::slot(int db, std::string_view key) {
  std::string s(sizeof db + key.size(), '\0');
  std::memcpy(s.data(), &db, sizeof db);
  std::memcpy(s.data() + sizeof db, key.data(), key.size());
  return s;
}

void WatchRegistry::watch(Client& c, int db, std::string_view key) {
  for (auto& [wdb, wkey] : c.watched) {
    if (wdb == db && wkey == key) return;
  }
  c.watched.emplace_back(db, std::string(key));
  by_key_[slot(db, key)].push_back(&c);
}

void WatchRegistry::unwatch_all(Client& c) {
  for (auto& [db, key] : c.watched) {
    auto it = by_key_.find(slot(db, key));
    if (it == by_key_.end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), &c), v.end());
    if (v.empty()) by_key_.erase(it);
  }
  c.watched.clear();
  c.watch_dirty = false;
}

void WatchRegistry::touch(int db, std::string_view key) {
  if (by_key_.empty()) return;
  scratch_.resize(sizeof db + key.size());
  std::memcpy(scratch_.data(), &db, sizeof db);
  std::memcpy(scratch_.data() + sizeof db, key.data(), key.size());
  auto it = by_key_.find(scratch_);
  if (it == by_key_.end()) return;
  for (Client* c : it->second) c->watch_dirty = true;
}

void WatchRegistry::touch_db(int db, const std::function<bool(std::string_view)>& affected) {
  for (auto& [k, clients] : by_key_) {
    int kdb;
    std::memcpy(&kdb, k.data(), sizeof kdb);
    if (kdb != db || !affected(std::string_view(k).substr(sizeof kdb))) continue;
    for (Client* c : clients) c->watch_dirty = true;
  }
}

}  // namespace postbox
