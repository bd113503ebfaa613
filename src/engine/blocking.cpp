#include "engine/blocking.h"

#include <cstring>

#include "engine/db_key.h"

namespace postbox {

void BlockingRegistry::block(Client& c) {
  for (const std::string& key : c.block.keys) {
    auto& q = queues_[encode_db_key(c.block.db, key, scratch_)];
    // A key named twice (BLPOP k k 0) queues the client once, as Redis does.
    bool already = false;
    for (Client* w : q) already |= (w == &c);
    if (!already) q.push_back(&c);
  }
  ++blocked_;
}

void BlockingRegistry::unblock(Client& c) {
  if (!c.blocked()) return;
  for (const std::string& key : c.block.keys) {
    auto it = queues_.find(encode_db_key(c.block.db, key, scratch_));
    if (it == queues_.end()) continue;
    auto& q = it->second;
    for (auto qi = q.begin(); qi != q.end(); ++qi) {
      if (*qi == &c) {
        q.erase(qi);
        break;
      }
    }
    if (q.empty()) queues_.erase(it);
  }
  c.block.keys.clear();
  c.block.kind = BlockState::Kind::None;
  --blocked_;
}

void BlockingRegistry::signal(int db, std::string_view key, bool data) {
  if (queues_.empty()) return;
  if (queues_.find(encode_db_key(db, key, scratch_)) == queues_.end()) return;
  for (auto& r : ready_) {
    if (r.db == db && r.key == key) {
      r.data |= data;
      return;
    }
  }
  ready_.push_back({db, std::string(key), data});
}

void BlockingRegistry::take_ready(std::vector<ReadyKey>& out) {
  out.clear();
  out.swap(ready_);
}

const std::list<Client*>* BlockingRegistry::waiters(int db, std::string_view key) const {
  auto it = queues_.find(encode_db_key(db, key, scratch_));
  return it == queues_.end() ? nullptr : &it->second;
}

void BlockingRegistry::signal_all(int db) {
  std::vector<std::string> keys;
  for (auto& [k, q] : queues_) {
    if (db_of(k) == db) keys.emplace_back(key_of(k));
  }
  for (auto& key : keys) signal(db, key);
}

}  // namespace postbox
