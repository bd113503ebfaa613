// Pub/sub: which clients listen to which channels, patterns and shard channels, and who receives
// a PUBLISH or SPUBLISH. Messages are not persisted, as in Redis. The registry knows nothing of
// the wire: publishing hands each receiver to a callback, and the command layer writes the frame.
//
//   tables_[Channel]  "news" -> [c1, c3, c2]       subscription order = delivery order
//   tables_[Pattern]  "n*"   -> [c2]
//   tables_[Shard]    "s1"   -> [c3]               (SSUBSCRIBE: a namespace of its own)
//   clients_          c2     -> {Channel: "news" -> its node in tables_[Channel]["news"],
//                                Pattern: "n*"   -> its node in tables_[Pattern]["n*"]}
//
// A subscription costs one list node plus one per-client index entry, so subscribing,
// unsubscribing and dropping a client are O(1) per subscription whatever the fan-out.
// Client::subscriptions counts all three kinds: any of them puts a RESP2 client in subscribed
// mode and under the pubsub output-buffer limit, as in Redis.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/client.h"
#include "util/function_ref.h"

namespace postbox {

enum class SubKind { Channel, Pattern, Shard };

class PubSubRegistry {
 public:
  PubSubRegistry() = default;
  PubSubRegistry(const PubSubRegistry&) = delete;
  PubSubRegistry& operator=(const PubSubRegistry&) = delete;

  // True if `c` was not yet subscribed to `name`.
  bool subscribe(Client& c, SubKind kind, std::string_view name);
  // True if `c` was subscribed to `name`.
  bool unsubscribe(Client& c, SubKind kind, std::string_view name);
  // Drops every subscription of that kind, calling `each(name)` just before each one goes (the
  // name may be freed with it). Order is unspecified, as in Redis.
  void unsubscribe_all(Client& c, SubKind kind, FunctionRef<void(std::string_view name)> each);
  // Drops every subscription of `c` without replying (disconnect, RESET).
  void remove_client(Client& c);
  // Subscriptions of that kind `c` holds.
  size_t count(const Client& c, SubKind kind) const;

  // Calls `deliver(target, pattern)` for every subscriber of `channel` (pattern null) in
  // subscription order, then, for a plain channel, once per subscription of every pattern
  // matching it: a client subscribed both ways gets the message twice, as in Redis. `kind` is
  // Channel (PUBLISH) or Shard (SPUBLISH, no patterns). `deliver` must not change
  // subscriptions. Returns the number of calls.
  size_t publish(SubKind kind, std::string_view channel,
                 FunctionRef<void(Client& target, const std::string* pattern)> deliver) const;

  // Subscribers of a channel or shard channel, pattern subscriptions excluded (NUMSUB).
  size_t subscribers(SubKind kind, std::string_view channel) const;
  // Every name of that kind with at least one subscriber, in no particular order.
  void for_each_name(SubKind kind, FunctionRef<void(std::string_view)> fn) const;
  // Distinct names with subscribers (INFO pubsub_channels, pubsub_patterns, NUMPAT).
  size_t channel_count() const { return table(SubKind::Channel).size(); }
  size_t pattern_count() const { return table(SubKind::Pattern).size(); }
  size_t shard_channel_count() const { return table(SubKind::Shard).size(); }

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
  // Keys view the names owned by tables_ (node addresses survive rehashing).
  using Index = std::unordered_map<std::string_view, Subscribers::iterator>;
  using ClientSubs = std::array<Index, 3>;

  static size_t slot(SubKind kind) { return static_cast<size_t>(kind); }
  Table& table(SubKind kind) { return tables_[slot(kind)]; }
  const Table& table(SubKind kind) const { return tables_[slot(kind)]; }
  // Unlinks one subscription; `at` is its entry in the client's index for `kind`.
  void drop(Client& c, SubKind kind, ClientSubs& subs, Index::iterator at);
  // Forgets a client with no subscription left, so idle clients cost nothing here.
  void forget_if_idle(std::unordered_map<const Client*, ClientSubs>::iterator it);

  std::array<Table, 3> tables_;
  std::unordered_map<const Client*, ClientSubs> clients_;
};

}  // namespace postbox
