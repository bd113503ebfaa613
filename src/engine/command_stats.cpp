#include "engine/command_stats.h"

#include <bit>

namespace postbox {

// Values below 16 get a bucket each; above, a power of two's 16 sub-buckets cover its range.
void LatencyHistogram::record(uint64_t usec) {
  uint64_t v = usec + 1;  // 0 usec is a sample too
  size_t i;
  if (v < kSub) {
    i = static_cast<size_t>(v);
  } else {
    int exp = 63 - std::countl_zero(v);
    uint64_t m = v >> (exp - 4);  // 16..31
    i = static_cast<size_t>(exp) * kSub + static_cast<size_t>(m - kSub);
  }
  if (i < buckets_.size()) ++buckets_[i];
  ++count_;
}

double LatencyHistogram::percentile(double pct) const {
  if (count_ == 0) return 0;
  auto want = static_cast<uint64_t>(static_cast<double>(count_) * pct / 100.0);
  if (want == 0) want = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen < want) continue;
    if (i < kSub) return static_cast<double>(i == 0 ? 0 : i - 1);
    size_t exp = i / kSub;
    uint64_t m = kSub + i % kSub;
    uint64_t upper = ((m + 1) << (exp - 4)) - 1;  // the bucket's largest value, in v
    return static_cast<double>(upper - 1);
  }
  return 0;
}

}  // namespace postbox
