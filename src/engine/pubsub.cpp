#include "engine/pubsub.h"

#include "util/glob.h"

namespace postbox {

namespace {
constexpr SubKind kAllKinds[] = {SubKind::Channel, SubKind::Pattern, SubKind::Shard};
}  // namespace

bool PubSubRegistry::subscribe(Client& c, SubKind kind, std::string_view name) {
  Index& idx = clients_[&c][slot(kind)];
  if (idx.contains(name)) return false;
  Table& tbl = table(kind);
  auto it = tbl.find(name);
  if (it == tbl.end()) it = tbl.emplace(std::string(name), Subscribers{}).first;
  Subscribers& list = it->second;
  list.push_back(&c);
  idx.emplace(std::string_view(it->first), std::prev(list.end()));
  ++c.subscriptions;
  return true;
}

bool PubSubRegistry::unsubscribe(Client& c, SubKind kind, std::string_view name) {
  auto cit = clients_.find(&c);
  if (cit == clients_.end()) return false;
  Index& idx = cit->second[slot(kind)];
  auto at = idx.find(name);
  if (at == idx.end()) return false;
  drop(c, kind, cit->second, at);
  forget_if_idle(cit);
  return true;
}

void PubSubRegistry::unsubscribe_all(Client& c, SubKind kind,
                                     FunctionRef<void(std::string_view name)> each) {
  auto cit = clients_.find(&c);
  if (cit == clients_.end()) return;
  Index& idx = cit->second[slot(kind)];
  while (!idx.empty()) {
    auto at = idx.begin();
    each(at->first);
    drop(c, kind, cit->second, at);
  }
  forget_if_idle(cit);
}

void PubSubRegistry::remove_client(Client& c) {
  auto cit = clients_.find(&c);
  if (cit == clients_.end()) return;
  for (SubKind kind : kAllKinds) {
    Index& idx = cit->second[slot(kind)];
    while (!idx.empty()) drop(c, kind, cit->second, idx.begin());
  }
  clients_.erase(cit);
}

size_t PubSubRegistry::count(const Client& c, SubKind kind) const {
  auto cit = clients_.find(&c);
  return cit == clients_.end() ? 0 : cit->second[slot(kind)].size();
}

void PubSubRegistry::drop(Client& c, SubKind kind, ClientSubs& subs, Index::iterator at) {
  Table& tbl = table(kind);
  auto it = tbl.find(at->first);
  it->second.erase(at->second);
  subs[slot(kind)].erase(at);  // before the table entry whose key it views
  if (it->second.empty()) tbl.erase(it);
  --c.subscriptions;
}

void PubSubRegistry::forget_if_idle(std::unordered_map<const Client*, ClientSubs>::iterator it) {
  for (const Index& idx : it->second) {
    if (!idx.empty()) return;
  }
  clients_.erase(it);
}

size_t PubSubRegistry::publish(
    SubKind kind, std::string_view channel,
    FunctionRef<void(Client& target, const std::string* pattern)> deliver) const {
  size_t receivers = 0;
  const Table& direct = table(kind);
  if (auto it = direct.find(channel); it != direct.end()) {
    for (Client* c : it->second) {
      deliver(*c, nullptr);
      ++receivers;
    }
  }
  if (kind != SubKind::Channel) return receivers;
  for (const auto& [pattern, subs] : table(SubKind::Pattern)) {
    if (!glob_match(pattern, channel)) continue;
    for (Client* c : subs) {
      deliver(*c, &pattern);
      ++receivers;
    }
  }
  return receivers;
}

size_t PubSubRegistry::subscribers(SubKind kind, std::string_view channel) const {
  const Table& tbl = table(kind);
  auto it = tbl.find(channel);
  return it == tbl.end() ? 0 : it->second.size();
}

void PubSubRegistry::for_each_name(SubKind kind, FunctionRef<void(std::string_view)> fn) const {
  for (const auto& entry : table(kind)) fn(entry.first);
}

}  // namespace postbox
