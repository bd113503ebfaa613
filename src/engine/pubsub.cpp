#include "engine/pubsub.h"

#include "util/glob.h"

namespace postbox {

bool PubSubRegistry::subscribe(Client& c, SubKind kind, std::string_view name) {
  ClientSubs& subs = clients_[&c];
  Index& idx = index(subs, kind);
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
  Index& idx = index(cit->second, kind);
  auto at = idx.find(name);
  if (at == idx.end()) return false;
  drop(c, kind, cit->second, at);
  if (cit->second.channels.empty() && cit->second.patterns.empty()) clients_.erase(cit);
  return true;
}

void PubSubRegistry::unsubscribe_all(
    Client& c, SubKind kind, FunctionRef<void(std::string_view name, size_t remaining)> each) {
  auto cit = clients_.find(&c);
  if (cit == clients_.end()) return;
  Index& idx = index(cit->second, kind);
  while (!idx.empty()) {
    auto at = idx.begin();
    // The name lives in the table entry that drop() may free: report it first.
    each(at->first, c.subscriptions - 1);
    drop(c, kind, cit->second, at);
  }
  if (cit->second.channels.empty() && cit->second.patterns.empty()) clients_.erase(cit);
}

void PubSubRegistry::remove_client(Client& c) {
  auto cit = clients_.find(&c);
  if (cit == clients_.end()) return;
  for (SubKind kind : {SubKind::Channel, SubKind::Pattern}) {
    Index& idx = index(cit->second, kind);
    while (!idx.empty()) drop(c, kind, cit->second, idx.begin());
  }
  clients_.erase(cit);
}

void PubSubRegistry::drop(Client& c, SubKind kind, ClientSubs& subs, Index::iterator at) {
  Table& tbl = table(kind);
  auto it = tbl.find(at->first);
  it->second.erase(at->second);
  index(subs, kind).erase(at);  // before the table entry whose key it views
  if (it->second.empty()) tbl.erase(it);
  --c.subscriptions;
}

size_t PubSubRegistry::count(const Client& c, SubKind kind) const {
  auto cit = clients_.find(&c);
  if (cit == clients_.end()) return 0;
  return kind == SubKind::Channel ? cit->second.channels.size() : cit->second.patterns.size();
}

size_t PubSubRegistry::publish(
    std::string_view channel,
    FunctionRef<void(Client& target, const std::string* pattern)> deliver) const {
  size_t receivers = 0;
  if (auto it = channels_.find(channel); it != channels_.end()) {
    for (Client* c : it->second) {
      deliver(*c, nullptr);
      ++receivers;
    }
  }
  for (const auto& [pattern, subs] : patterns_) {
    if (!glob_match(pattern, channel)) continue;
    for (Client* c : subs) {
      deliver(*c, &pattern);
      ++receivers;
    }
  }
  return receivers;
}

size_t PubSubRegistry::subscribers(std::string_view channel) const {
  auto it = channels_.find(channel);
  return it == channels_.end() ? 0 : it->second.size();
}

void PubSubRegistry::for_each_channel(FunctionRef<void(std::string_view)> fn) const {
  for (const auto& entry : channels_) fn(entry.first);
}

}  // namespace postbox
