// Wall-clock milliseconds since the epoch: what Redis reports in replies and INFO, and what
// deadlines (BLPOP, expiry, XCLAIM idle times) are stored in.
#pragma once

#include <chrono>
#include <cstdint>

namespace postbox {

inline int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace postbox
