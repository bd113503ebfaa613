// What the test_stream_groups_*.cpp files (the "stream-groups" suite) share: the stream and group
// most of their differential sequences start from, and the XREAD / XREADGROUP reply of one stream.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "harness.h"
#include "stream_replies.h"

namespace postbox::it::stream_groups {

// One stream of an XREAD / XREADGROUP reply under RESP2.
inline Reply stream_reply(const std::string& key, std::vector<Reply> entries) {
  return array({bulk(key), array(std::move(entries))});
}

// s with entries 1-1 .. n-1 (fields f<i> v<i>) and group g at 0.
inline std::vector<Cmd> setup(int n, const std::string& key = "s") {
  std::vector<Cmd> out;
  for (int i = 1; i <= n; ++i) {
    std::string k = std::to_string(i);
    out.push_back({"XADD", key, k + "-1", "f" + k, "v" + k});
  }
  out.push_back({"XGROUP", "CREATE", key, "g", "0"});
  return out;
}

inline std::vector<Cmd> concat(std::vector<Cmd> a, const std::vector<Cmd>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace postbox::it::stream_groups
