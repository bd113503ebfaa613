// Pub/sub: which clients listen to which channels and patterns, and who receives a PUBLISH.
// Messages are not persisted, as in Redis. The registry knows nothing of the wire: PUBLISH hands
// each receiver to a callback, and the command layer writes the frame into its reply buffer.
//
//   channels_   "news"  -> [c1, c3, c2]      subscription order = delivery order
//   patterns_   "n*"    -> [c2]
//   clients_    c2      -> {channels: "news" -> its node in channels_["news"],
//                           patterns: "n*"   -> its node in patterns_["n*"]}
//
// A subscription costs one list node plus one per-client index entry, so subscribing,
// unsubscribing and dropping a client are O(1) per subscription whatever the fan-out.
// Client::subscriptions (channels + patterns) is kept equal to the client's entries here.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/client.h"
#include "util/function_ref.h"

namespace postbox {

enum class SubKind { Channel, Pattern };

class PubSubRegistry {
 public:
  PubSubRegistry() = default;
  PubSubRegistry(const PubSubRegistry&) = delete;
  PubSubRegistry& operator=(const PubSubRegistry&) = delete;

  // True if `c` was not yet subscribed to `name`.
  bool subscribe(Client& c, SubKind kind, std::string_view name);
  // True if `c` was subscribed to `name`.
  bool unsubscribe(Client& c, SubKind kind, std::string_view name);
  // Drops every subscription of that kind, calling `each(name, remaining)` before each one goes
  // (`remaining` is c.subscriptions once it has gone). Order is unspecified, as in Redis.
  void unsubscribe_all(Client& c, SubKind kind,
                       FunctionRef<void(std::string_view name, size_t remaining)> each);
  // Drops every subscription of `c` without replying (disconnect, RESET).
  void remove_client(Client& c);
  size_t count(const Client& c, SubKind kind) const;

  // Calls `deliver(target, pattern)` for every subscriber of `channel` (pattern null) in
  // subscription order, then for every pattern matching it; a client subscribed both ways is
  // called once per subscription, as Redis delivers. `deliver` must not change subscriptions.
  // Returns the number of calls.
  size_t publish(std::string_view channel,
                 FunctionRef<void(Client& target, const std::string* pattern)> deliver) const;

  // Subscribers of a channel, pattern subscriptions excluded (PUBSUB NUMSUB).
  size_t subscribers(std::string_view channel) const;
  // Every channel with at least one subscriber, in no particular order.
  void for_each_channel(FunctionRef<void(std::string_view)> fn) const;
  size_t channel_count() const { return channels_.size(); }
  size_t pattern_count() const { return patterns_.size(); }

 private:
  // Transparent, so PUBLISH looks a channel up by string_view without building a std::string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using Subscribers = std::list<Client*>;
  using Table = std::unordered_map<std::string, Subscribers, NameHash, std::equal_to<>>;
  // Keys view the names owned by channels_/patterns_ (node addresses survive rehashing).
  using Index = std::unordered_map<std::string_view, Subscribers::iterator>;
  struct ClientSubs {
    Index channels, patterns;
  };

  Table& table(SubKind kind) { return kind == SubKind::Channel ? channels_ : patterns_; }
  static Index& index(ClientSubs& s, SubKind kind) {
    return kind == SubKind::Channel ? s.channels : s.patterns;
  }
  // Unlinks one subscription; `at` is its entry in the client's index.
  void drop(Client& c, SubKind kind, ClientSubs& subs, Index::iterator at);

  Table channels_, patterns_;
  std::unordered_map<const Client*, ClientSubs> clients_;
};

}  // namespace postbox
