// What INFO commandstats and INFO latencystats report: per command, calls, time spent, calls
// refused before running and calls that replied an error, and a latency histogram for the
// percentiles. Keyed by the command's table row, so counting a call never allocates.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace postbox {

// Log-linear buckets: 16 per power of two, so a percentile is within about 6% of the truth
// (Redis's HDR histogram keeps 2 significant digits), in 8 KB per command.
class LatencyHistogram {
 public:
  void record(uint64_t usec);
  // The smallest value with at least `pct` percent of the samples at or below it.
  double percentile(double pct) const;
  uint64_t count() const { return count_; }

 private:
  static constexpr int kSub = 16;
  std::array<uint64_t, 64 * kSub> buckets_{};
  uint64_t count_ = 0;
};

struct CommandStat {
  const char* name = "";  // "client|list" for subcommands
  uint64_t calls = 0, usec = 0, rejected = 0, failed = 0;
  LatencyHistogram latency;
};

class CommandStats {
 public:
  CommandStat& of(const void* row, const char* name) {
    CommandStat& s = stats_[row];
    s.name = name;
    return s;
  }
  const std::unordered_map<const void*, CommandStat>& all() const { return stats_; }
  void reset() { stats_.clear(); }

 private:
  std::unordered_map<const void*, CommandStat> stats_;
};

}  // namespace postbox
