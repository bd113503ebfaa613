#include "engine/latency_monitor.h"

namespace postbox {

namespace {
constexpr size_t kHistory = 160;
}

void LatencyMonitor::add(const std::string& event, int64_t unix_time, int64_t ms) {
  LatencyEvent& e = events_[event];
  if (ms > e.max_ms) e.max_ms = ms;
  if (!e.history.empty() && e.history.back().unix_time == unix_time) {
    if (ms > e.history.back().ms) e.history.back().ms = ms;
    return;
  }
  e.history.push_back({unix_time, ms});
  if (e.history.size() > kHistory) e.history.pop_front();
}

size_t LatencyMonitor::reset(const std::string* names, size_t n) {
  if (n == 0) {
    size_t all = events_.size();
    events_.clear();
    return all;
  }
  size_t done = 0;
  for (size_t i = 0; i < n; ++i) done += events_.erase(names[i]);
  return done;
}

}  // namespace postbox
