#include "engine/watch.h"

#include <algorithm>

#include "engine/db_key.h"

namespace postbox {

void WatchRegistry::watch(Client& c, int db, std::string_view key) {
  for (auto& [wdb, wkey] : c.watched) {
    if (wdb == db && wkey == key) return;
  }
  c.watched.emplace_back(db, std::string(key));
  by_key_[encode_db_key(db, key, scratch_)].push_back(&c);
}

void WatchRegistry::unwatch_all(Client& c) {
  for (auto& [db, key] : c.watched) {
    auto it = by_key_.find(encode_db_key(db, key, scratch_));
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
  auto it = by_key_.find(encode_db_key(db, key, scratch_));
  if (it == by_key_.end()) return;
  for (Client* c : it->second) c->watch_dirty = true;
}

void WatchRegistry::touch_db(int db, const std::function<bool(std::string_view)>& affected) {
  for (auto& [k, clients] : by_key_) {
    if (db_of(k) != db || !affected(key_of(k))) continue;
    for (Client* c : clients) c->watch_dirty = true;
  }
}

}  // namespace postbox
