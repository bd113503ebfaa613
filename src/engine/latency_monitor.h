// LATENCY: events (Postbox records "lmdb-commit", a batch's commit including its fsync) that
// took at least latency-monitor-threshold ms, one sample per second (the worst), the last 160.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

namespace postbox {

struct LatencySample {
  int64_t unix_time = 0;
  int64_t ms = 0;
};

struct LatencyEvent {
  std::deque<LatencySample> history;  // oldest first
  int64_t max_ms = 0;
};

class LatencyMonitor {
 public:
  void add(const std::string& event, int64_t unix_time, int64_t ms);
  const std::map<std::string, LatencyEvent>& events() const { return events_; }
  // Forgets the named events (all when `names` is empty); returns how many it forgot.
  size_t reset(const std::string* names, size_t n);

 private:
  std::map<std::string, LatencyEvent> events_;
};

}  // namespace postbox
