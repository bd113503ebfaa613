// What the test_streams_*.cpp files (the "streams" suite: streams without consumer groups) share:
// Redis's error texts they pin and the XADD sequences that fill a stream.
#pragma once

#include <string>
#include <vector>

#include "harness.h"

namespace postbox::it::streams {

inline constexpr const char* kInvalidId =
    "ERR Invalid stream ID specified as stream command argument";
inline constexpr const char* kNotGreater =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
inline constexpr const char* kNotInt = "ERR value is not an integer or out of range";
inline constexpr const char* kSyntax = "ERR syntax error";

inline Cmd xadd(const std::string& key, const std::string& id, const std::string& field = "f",
                const std::string& value = "v") {
  return {"XADD", key, id, field, value};
}

// XADD key <ms>-1 f v for ms in [from, to].
inline std::vector<Cmd> fill(const std::string& key, int from, int to) {
  std::vector<Cmd> out;
  for (int i = from; i <= to; ++i) out.push_back(xadd(key, std::to_string(i) + "-1"));
  return out;
}

}  // namespace postbox::it::streams
