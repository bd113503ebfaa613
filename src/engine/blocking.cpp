#include "engine/blocking.h"

#include <cstring>

namespace postbox {

std::string BlockingRegistry::slot(int db, std::string_view key) {
  std::string s;
  s.resize(sizeof db + key.size());
  std::memcpy(s.data(), &db, sizeof db);
  std::memcpy(s.data() + sizeof db, key.data(), key.size());
  return s;
}

void BlockingRegistry::block(Client& c) {
  for (const std::string& key : c.block.keys) {
    auto& q = queues_[slot(c.block.db, key)];
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
    auto it = queues_.find(slot(c.block.db, key));
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

void BlockingRegistry::signal(int db, std::string_view key) {
  if (queues_.empty()) return;
  scratch_ = slot(db, key);
  if (queues_.find(scratch_) == queues_.end()) return;
  for (auto& r : ready_) {
    if (r.first == db && r.second == key) return;
  }
  ready_.emplace_back(db, std::string(key));
}

void BlockingRegistry::take_ready(std::vector<std::pair<int, std::string>>& out) {
  out.clear();
  out.swap(ready_);
}

const std::list<Client*>* BlockingRegistry::waiters(int db, std::string_view key) const {
  auto it = queues_.find(slot(db, key));
  return it == queues_.end() ? nullptr : &it->second;
}

void BlockingRegistry::signal_all(int db) {
  std::vector<std::string> keys;
  for (auto& [k, q] : queues_) {
    int kdb;
    std::memcpy(&kdb, k.data(), sizeof kdb);
    if (kdb == db) keys.emplace_back(k.data() + sizeof kdb, k.size() - sizeof kdb);
  }
  for (auto& key : keys) signal(db, key);
}

}  // namespace postbox
