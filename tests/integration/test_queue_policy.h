// What the test_queue_policy_*.cpp files (the "queue-policy" suite: Postbox's queue policy on
// consumer groups, DESIGN.md "Queue verbs") share: jobs to add and read, the pending list in
// short, the XGROUP POLICY reply, dead-lettered fields and INFO queues.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "stream_replies.h"

namespace postbox::it::queue_policy {

inline constexpr const char* kMaxCount = "9223372036854775807";

// Printable, so that failed CHECKs show both sides.
struct Stats : std::map<std::string, long long> {
  using map::map;
};

inline std::ostream& operator<<(std::ostream& os, const Stats& m) {
  os << "{";
  for (const auto& [k, v] : m) os << " " << k << "=" << v;
  return os << " }";
}

// XREADGROUP GROUP g <consumer> COUNT <count> STREAMS <key> >
inline Entries read(Client& c, const std::string& consumer, int count, const std::string& key = "q",
                    const std::string& group = "g") {
  return read_entries(c.cmd({"XREADGROUP", "GROUP", group, consumer, "COUNT", std::to_string(count),
                             "STREAMS", key, ">"}));
}

inline Strings ids_of(const std::vector<Entry>& entries) {
  Strings out;
  for (const Entry& e : entries) out.push_back(e.id);
  return out;
}

// One row of XPENDING's extended form.
struct Pending {
  std::string id;
  std::string consumer;
  long long idle;
  long long deliveries;
};

inline std::vector<Pending> pending(Client& c, const std::string& key = "q",
                                    const std::string& group = "g") {
  Reply r = c.cmd({"XPENDING", key, group, "-", "+", "1000"});
  REQUIRE_MESSAGE(r.type == ReplyType::Array, r.repr());
  std::vector<Pending> out;
  for (const Reply& p : r.elements) {
    REQUIRE_MESSAGE((p.type == ReplyType::Array && p.elements.size() == 4), p.repr());
    out.push_back(
        {p.elements[0].str, p.elements[1].str, p.elements[2].integer, p.elements[3].integer});
  }
  return out;
}

// "id consumer deliveries" per pending entry, for compact comparisons.
inline Strings pel_summary(Client& c, const std::string& key = "q",
                           const std::string& group = "g") {
  Strings out;
  for (const Pending& p : pending(c, key, group))
    out.push_back(p.id + " " + p.consumer + " " + std::to_string(p.deliveries));
  return out;
}

// What XINFO GROUPS shows after "lag": the policy fields of a group that has a policy.
inline Reply after_lag(const Reply& group) {
  for (size_t i = 0; i + 1 < group.elements.size(); i += 2) {
    if (group.elements[i].str == "lag")
      return array(std::vector<Reply>(group.elements.begin() + static_cast<long>(i) + 2,
                                      group.elements.end()));
  }
  return error("no lag in " + group.repr());
}

// The reply XGROUP POLICY key group gives (RESP2: flat array) for these values.
inline Reply policy_reply(long long visibility, long long max_deliveries,
                          const std::string& deadletter, long long dead_lettered) {
  return array({bulk("visibility"), integer(visibility), bulk("max-deliveries"),
                integer(max_deliveries), bulk("deadletter"), bulk(deadletter),
                bulk("dead-lettered"), integer(dead_lettered)});
}

// The dlq-* fields dead-lettering appends after an entry's own fields.
inline Strings with_dlq(Strings fields, const std::string& stream, const std::string& group,
                        const std::string& id, const std::string& deliveries,
                        const std::string& consumer) {
  for (const std::string& s :
       {std::string("dlq-stream"), stream, std::string("dlq-group"), group, std::string("dlq-id"),
        id, std::string("dlq-deliveries"), deliveries, std::string("dlq-consumer"), consumer})
    fields.push_back(s);
  return fields;
}

// INFO queues as name -> value.
inline Stats queue_stats(Client& c) {
  Stats out;
  for (const auto& [field, value] : info_map(c, "queues")) out[field] = std::stoll(value);
  return out;
}

inline void sleep_until(Clock::time_point t) {
  std::this_thread::sleep_until(t);
}

// Adds entries <i>-1 job j<i> for i in [from, to].
inline void add_jobs(Client& c, int from, int to, const std::string& key = "q") {
  for (int i = from; i <= to; ++i) {
    const std::string n = std::to_string(i);
    REQUIRE(c.cmd({"XADD", key, n + "-1", "job", "j" + n}) == bulk(n + "-1"));
  }
}

inline Entry job(int i) {
  const std::string n = std::to_string(i);
  return {n + "-1", {"job", "j" + n}};
}

}  // namespace postbox::it::queue_policy
