// The pub/sub registry alone: who is subscribed to what, who a publish reaches and in which
// order, and that Client::subscriptions always equals what the registry holds.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/pubsub.h"

using postbox::Client;
using postbox::PubSubRegistry;
using postbox::SubKind;

namespace {

Client& make_client(std::vector<std::unique_ptr<Client>>& pool, uint64_t id) {
  pool.push_back(std::make_unique<Client>());
  pool.back()->id = id;
  return *pool.back();
}

// One delivery as seen by the callback: receiver id and pattern ("" when direct).
struct Delivery {
  uint64_t id;
  std::string pattern;
  bool operator==(const Delivery&) const = default;
};

std::vector<Delivery> publish(PubSubRegistry& r, std::string_view channel,
                              SubKind kind = SubKind::Channel) {
  std::vector<Delivery> got;
  size_t n = r.publish(kind, channel, [&](Client& target, const std::string* pattern) {
    got.push_back({target.id, pattern ? *pattern : ""});
  });
  CHECK(n == got.size());
  return got;
}

std::vector<std::string> names(const PubSubRegistry& r, SubKind kind) {
  std::vector<std::string> out;
  r.for_each_name(kind, [&](std::string_view n) { out.emplace_back(n); });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_SUITE("pubsub registry") {
  TEST_CASE("subscribing twice to the same channel counts once") {
    PubSubRegistry r;
    Client c;
    CHECK(r.subscribe(c, SubKind::Channel, "news"));
    CHECK_FALSE(r.subscribe(c, SubKind::Channel, "news"));
    CHECK(r.subscribe(c, SubKind::Channel, "sport"));
    CHECK(c.subscriptions == 2);
    CHECK(r.count(c, SubKind::Channel) == 2);
    CHECK(r.channel_count() == 2);
    CHECK(r.subscribers(SubKind::Channel, "news") == 1);
    r.remove_client(c);
  }

  TEST_CASE("Client::subscriptions counts channels, patterns and shard channels together") {
    PubSubRegistry r;
    Client c;
    r.subscribe(c, SubKind::Channel, "a");
    r.subscribe(c, SubKind::Pattern, "a*");
    r.subscribe(c, SubKind::Shard, "a");
    CHECK(c.subscriptions == 3);
    CHECK(r.count(c, SubKind::Channel) == 1);
    CHECK(r.count(c, SubKind::Pattern) == 1);
    CHECK(r.count(c, SubKind::Shard) == 1);
    CHECK(r.unsubscribe(c, SubKind::Pattern, "a*"));
    CHECK(c.subscriptions == 2);
    r.remove_client(c);
    CHECK(c.subscriptions == 0);
  }

  TEST_CASE("a publish reaches the channel's subscribers in subscription order") {
    PubSubRegistry r;
    std::vector<std::unique_ptr<Client>> pool;
    Client& c1 = make_client(pool, 1);
    Client& c2 = make_client(pool, 2);
    Client& c3 = make_client(pool, 3);
    r.subscribe(c3, SubKind::Channel, "ch");
    r.subscribe(c1, SubKind::Channel, "ch");
    r.subscribe(c2, SubKind::Channel, "ch");
    r.subscribe(c2, SubKind::Channel, "other");
    CHECK(publish(r, "ch") == std::vector<Delivery>{{3, ""}, {1, ""}, {2, ""}});
    CHECK(publish(r, "other") == std::vector<Delivery>{{2, ""}});
    CHECK(publish(r, "nobody").empty());
    // Leaving and coming back puts a subscriber at the end.
    r.unsubscribe(c3, SubKind::Channel, "ch");
    r.subscribe(c3, SubKind::Channel, "ch");
    CHECK(publish(r, "ch") == std::vector<Delivery>{{1, ""}, {2, ""}, {3, ""}});
    for (auto& c : pool) r.remove_client(*c);
  }

  TEST_CASE("a message matching a channel and a pattern of one client reaches it twice") {
    PubSubRegistry r;
    Client c;
    c.id = 7;
    r.subscribe(c, SubKind::Channel, "news.tech");
    r.subscribe(c, SubKind::Pattern, "news.*");
    r.subscribe(c, SubKind::Pattern, "*.tech");
    r.subscribe(c, SubKind::Pattern, "sport.*");
    auto got = publish(r, "news.tech");
    REQUIRE(got.size() == 3);
    CHECK(got[0] == Delivery{7, ""});  // the direct subscription comes first
    std::vector<std::string> patterns{got[1].pattern, got[2].pattern};
    std::sort(patterns.begin(), patterns.end());
    CHECK(patterns == std::vector<std::string>{"*.tech", "news.*"});
    CHECK(publish(r, "sport.golf") == std::vector<Delivery>{{7, "sport.*"}});
    r.remove_client(c);
  }

  TEST_CASE("patterns follow Redis glob rules, and no pattern matches the empty channel") {
    PubSubRegistry r;
    Client c;
    c.id = 1;
    r.subscribe(c, SubKind::Pattern, "h[ae]llo");
    r.subscribe(c, SubKind::Pattern, "*");
    CHECK(publish(r, "hello").size() == 2);
    CHECK(publish(r, "hillo") == std::vector<Delivery>{{1, "*"}});
    CHECK(publish(r, "").empty());
    r.remove_client(c);
  }

  TEST_CASE("several clients on one pattern count as one pattern") {
    PubSubRegistry r;
    std::vector<std::unique_ptr<Client>> pool;
    Client& a = make_client(pool, 1);
    Client& b = make_client(pool, 2);
    r.subscribe(a, SubKind::Pattern, "q.*");
    r.subscribe(b, SubKind::Pattern, "q.*");
    CHECK(r.pattern_count() == 1);
    CHECK(publish(r, "q.1") == std::vector<Delivery>{{1, "q.*"}, {2, "q.*"}});
    r.remove_client(a);
    CHECK(r.pattern_count() == 1);
    r.remove_client(b);
    CHECK(r.pattern_count() == 0);
  }

  TEST_CASE("unsubscribing from a channel never joined changes nothing") {
    PubSubRegistry r;
    Client c;
    CHECK_FALSE(r.unsubscribe(c, SubKind::Channel, "x"));
    r.subscribe(c, SubKind::Channel, "y");
    CHECK_FALSE(r.unsubscribe(c, SubKind::Channel, "x"));
    CHECK_FALSE(r.unsubscribe(c, SubKind::Pattern, "y"));
    CHECK_FALSE(r.unsubscribe(c, SubKind::Shard, "y"));
    CHECK(c.subscriptions == 1);
    CHECK(r.unsubscribe(c, SubKind::Channel, "y"));
    CHECK(c.subscriptions == 0);
    CHECK(r.channel_count() == 0);
  }

  TEST_CASE("a channel disappears when its last subscriber leaves") {
    PubSubRegistry r;
    std::vector<std::unique_ptr<Client>> pool;
    Client& a = make_client(pool, 1);
    Client& b = make_client(pool, 2);
    r.subscribe(a, SubKind::Channel, "ch");
    r.subscribe(b, SubKind::Channel, "ch");
    r.unsubscribe(a, SubKind::Channel, "ch");
    CHECK(r.channel_count() == 1);
    CHECK(names(r, SubKind::Channel) == std::vector<std::string>{"ch"});
    r.unsubscribe(b, SubKind::Channel, "ch");
    CHECK(r.channel_count() == 0);
    CHECK(names(r, SubKind::Channel).empty());
    CHECK(r.subscribers(SubKind::Channel, "ch") == 0);
  }

  TEST_CASE("unsubscribe_all reports each name before it goes, one kind at a time") {
    PubSubRegistry r;
    Client c;
    r.subscribe(c, SubKind::Channel, "a");
    r.subscribe(c, SubKind::Channel, "b");
    r.subscribe(c, SubKind::Pattern, "p*");
    std::vector<std::string> seen;
    std::vector<size_t> before;
    r.unsubscribe_all(c, SubKind::Channel, [&](std::string_view name) {
      seen.emplace_back(name);
      before.push_back(c.subscriptions);
    });
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<std::string>{"a", "b"});
    CHECK(before == std::vector<size_t>{3, 2});  // called while the subscription still counts
    CHECK(c.subscriptions == 1);
    CHECK(r.channel_count() == 0);
    CHECK(r.pattern_count() == 1);
    size_t calls = 0;
    r.unsubscribe_all(c, SubKind::Channel, [&](std::string_view) { ++calls; });
    CHECK(calls == 0);
    r.unsubscribe_all(c, SubKind::Pattern, [&](std::string_view) { ++calls; });
    CHECK(calls == 1);
    CHECK(c.subscriptions == 0);
  }

  TEST_CASE("removing a client drops all its subscriptions and leaves the others intact") {
    PubSubRegistry r;
    std::vector<std::unique_ptr<Client>> pool;
    Client& gone = make_client(pool, 1);
    Client& stays = make_client(pool, 2);
    r.subscribe(gone, SubKind::Channel, "shared");
    r.subscribe(gone, SubKind::Channel, "only-gone");
    r.subscribe(gone, SubKind::Pattern, "s*");
    r.subscribe(gone, SubKind::Shard, "sh");
    r.subscribe(stays, SubKind::Channel, "shared");
    r.remove_client(gone);
    CHECK(gone.subscriptions == 0);
    CHECK(r.channel_count() == 1);
    CHECK(r.pattern_count() == 0);
    CHECK(r.shard_channel_count() == 0);
    CHECK(publish(r, "shared") == std::vector<Delivery>{{2, ""}});
    r.remove_client(gone);  // twice is harmless (RESET, then disconnect)
    r.remove_client(stays);
    CHECK(r.channel_count() == 0);
  }

  TEST_CASE("shard channels are a namespace of their own that patterns never match") {
    PubSubRegistry r;
    std::vector<std::unique_ptr<Client>> pool;
    Client& plain = make_client(pool, 1);
    Client& shard = make_client(pool, 2);
    r.subscribe(plain, SubKind::Channel, "orders");
    r.subscribe(plain, SubKind::Pattern, "*");
    r.subscribe(shard, SubKind::Shard, "orders");
    CHECK(publish(r, "orders", SubKind::Shard) == std::vector<Delivery>{{2, ""}});
    CHECK(publish(r, "orders") == std::vector<Delivery>{{1, ""}, {1, "*"}});
    CHECK(r.subscribers(SubKind::Shard, "orders") == 1);
    CHECK(r.channel_count() == 1);
    CHECK(r.shard_channel_count() == 1);
    CHECK(names(r, SubKind::Shard) == std::vector<std::string>{"orders"});
    r.remove_client(plain);
    r.remove_client(shard);
  }

  TEST_CASE("long and binary names are kept exactly") {
    PubSubRegistry r;
    Client c;
    c.id = 3;
    std::string longname(5000, 'x');
    std::string binary("a\0b\r\n", 5);
    r.subscribe(c, SubKind::Channel, longname);
    r.subscribe(c, SubKind::Channel, binary);
    CHECK(publish(r, longname).size() == 1);
    CHECK(publish(r, binary).size() == 1);
    CHECK(publish(r, std::string("a\0c\r\n", 5)).empty());
    CHECK(r.unsubscribe(c, SubKind::Channel, binary));
    r.remove_client(c);
  }

  TEST_CASE("random subscribe and unsubscribe traffic keeps the registry equal to a model") {
    PubSubRegistry r;
    std::vector<std::unique_ptr<Client>> pool;
    for (uint64_t id = 1; id <= 8; ++id) make_client(pool, id);
    // model[client][kind] = set of names
    std::map<uint64_t, std::map<int, std::set<std::string>>> model;
    std::mt19937 rng(12345);
    const char* kNames[] = {"a", "b", "c", "a*", "?", "d"};
    const SubKind kKinds[] = {SubKind::Channel, SubKind::Pattern, SubKind::Shard};
    for (int step = 0; step < 5000; ++step) {
      Client& c = *pool[rng() % pool.size()];
      SubKind kind = kKinds[rng() % 3];
      std::string name = kNames[rng() % 6];
      auto& set = model[c.id][static_cast<int>(kind)];
      switch (rng() % 7) {
        case 0:
        case 1:
        case 2:
          CHECK(r.subscribe(c, kind, name) == set.insert(name).second);
          break;
        case 3:
        case 4:
          CHECK(r.unsubscribe(c, kind, name) == (set.erase(name) == 1));
          break;
        case 5:
          r.unsubscribe_all(c, kind, [](std::string_view) {});
          set.clear();
          break;
        default:
          if (rng() % 10 == 0) {
            r.remove_client(c);
            model[c.id].clear();
          }
      }
      size_t total = 0;
      for (auto& [k, s] : model[c.id]) total += s.size();
      REQUIRE(c.subscriptions == total);
    }
    // Every publish reaches exactly the clients the model says, once per matching subscription.
    for (std::string channel : {"a", "b", "c", "d", "ab", "x"}) {
      size_t expected = 0;
      for (auto& [id, kinds] : model) {
        expected += kinds[static_cast<int>(SubKind::Channel)].count(channel);
        for (const auto& p : kinds[static_cast<int>(SubKind::Pattern)]) {
          if (p == "a*" ? channel[0] == 'a' : p == "?" ? channel.size() == 1 : p == channel) {
            ++expected;
          }
        }
      }
      CHECK_MESSAGE(publish(r, channel).size() == expected, channel);
    }
    for (auto& c : pool) r.remove_client(*c);
    CHECK(r.channel_count() == 0);
    CHECK(r.pattern_count() == 0);
    CHECK(r.shard_channel_count() == 0);
  }
}
