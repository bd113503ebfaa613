// What the test_stream_redis8_*.cpp files (the "redis8-verbs" suite: the Redis 8.2-8.8 stream
// queue verbs) share: Redis's error texts, a stream with a group to start from, and readers of
// the replies those verbs change (CLAIM-shaped entries, XPENDING, XINFO STREAM).
//
// There is no Redis 8 to diff against: every case asserts the server under test by hand against
// the behaviour read from Redis's source (t_stream.c at the 8.8 development line) and tests, and
// is skipped against redis-server 7.0, which has none of these commands. Cases marked
// doctest::skip() record where Postbox disagrees with Redis 8; each says why.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace postbox::it::redis8 {

inline constexpr long long kMaxCount = 9223372036854775807LL;  // LLONG_MAX: what FATAL sets
inline constexpr const char* kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr const char* kSyntax = "ERR syntax error";
inline constexpr const char* kNotInt = "ERR value is not an integer or out of range";
inline constexpr const char* kBadId = "ERR Invalid stream ID specified as stream command argument";

inline void sleep_ms(int ms) {
  std::this_thread::sleep_for(Millis(ms));
}

// Stream `key` with entries 1-1 .. n-1 (fields f<i> v<i>) and group g at 0.
inline void setup(Client& c, int n, const std::string& key = "s") {
  for (int i = 1; i <= n; ++i) {
    std::string k = std::to_string(i);
    REQUIRE(c.cmd({"XADD", key, k + "-1", "f" + k, "v" + k}) == bulk(k + "-1"));
  }
  REQUIRE(c.cmd({"XGROUP", "CREATE", key, "g", "0"}) == status("OK"));
}

inline std::vector<std::string> fv(int i) {
  return {"f" + std::to_string(i), "v" + std::to_string(i)};
}

// Entries of stream `key` in an XREAD(GROUP) reply, RESP2 (array of pairs) or RESP3 (map).
// Fails the test if the stream is not in the reply.
inline const Reply& stream_entries(const Reply& r, const std::string& key) {
  INFO("reply: " << r.repr());
  REQUIRE((r.type == ReplyType::Array || r.type == ReplyType::Map));
  if (r.type == ReplyType::Map) {
    for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
      if (r.elements[i] == bulk(key)) return r.elements[i + 1];
  } else {
    for (const Reply& s : r.elements)
      if (s.elements.size() == 2 && s.elements[0] == bulk(key)) return s.elements[1];
  }
  FAIL("stream " << key << " not in the reply");
  return r;
}

inline std::vector<std::string> ids_of(const Reply& entries) {
  std::vector<std::string> out;
  for (const Reply& e : entries.elements)
    out.push_back(e.elements.empty() ? std::string("?") : e.elements[0].str);
  return out;
}

// Checks a CLAIM-shaped entry [id, [fields], idle, count] and returns its idle time.
inline long long claimed(const Reply& e, const std::string& id,
                         const std::vector<std::string>& fields, long long count) {
  INFO("entry: " << e.repr());
  REQUIRE(e.type == ReplyType::Array);
  REQUIRE(e.elements.size() == 4);
  CHECK(e.elements[0] == bulk(id));
  CHECK(e.elements[1] == bulks(fields));  // an array, in RESP3 too
  CHECK(e.elements[2].type == ReplyType::Integer);
  CHECK(e.elements[3] == integer(count));
  return e.elements[2].integer;
}

struct Pel {
  std::string consumer;
  long long idle = 0;
  long long count = 0;
  bool operator==(const Pel&) const = default;
};

// XPENDING key group - + 1000, by id.
inline std::map<std::string, Pel> pel(Client& c, const std::string& key = "s",
                                      const std::string& group = "g") {
  Reply r = c.cmd({"XPENDING", key, group, "-", "+", "1000"});
  INFO("XPENDING: " << r.repr());
  REQUIRE(r.type == ReplyType::Array);
  std::map<std::string, Pel> out;
  for (const Reply& p : r.elements) {
    REQUIRE(p.elements.size() == 4);
    CHECK(p.elements[1].type == ReplyType::String);
    CHECK(p.elements[2].type == ReplyType::Integer);
    out[p.elements[0].str] = Pel{p.elements[1].str, p.elements[2].integer, p.elements[3].integer};
  }
  return out;
}

// The owner and count of pending ids (idle left out), as "id:owner:count" strings.
inline std::vector<std::string> owners(Client& c, const std::string& key = "s") {
  std::vector<std::string> out;
  for (const auto& [id, p] : pel(c, key))
    out.push_back(id + ":" + p.consumer + ":" + std::to_string(p.count));
  return out;
}

// XINFO STREAM (RESP2 flat array) as key -> value.
inline std::map<std::string, Reply> info_stream(Client& c, const std::string& key = "s") {
  Reply r = c.cmd({"XINFO", "STREAM", key});
  INFO("XINFO STREAM: " << r.repr());
  REQUIRE(r.type == ReplyType::Array);
  std::map<std::string, Reply> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) out[r.elements[i].str] = r.elements[i + 1];
  return out;
}

}  // namespace postbox::it::redis8
