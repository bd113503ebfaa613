// SLOWLOG: the most recent commands that took longer than slowlog-log-slower-than, newest
// first, at most slowlog-max-len of them, shaped as Redis records them.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace postbox {

struct SlowlogEntry {
  uint64_t id = 0;
  int64_t unix_time = 0;
  int64_t duration_usec = 0;
  std::vector<std::string> args;  // at most 32, long ones cut as Redis cuts them
  std::string client_addr, client_name;
};

class Slowlog {
 public:
  void add(std::span<const std::string_view> args, int64_t unix_time, int64_t usec,
           std::string_view addr, std::string_view name, size_t max_len);
  const std::deque<SlowlogEntry>& entries() const { return entries_; }
  void trim(size_t max_len);
  void reset() { entries_.clear(); }

 private:
  std::deque<SlowlogEntry> entries_;  // newest first
  uint64_t next_id_ = 0;
};

}  // namespace postbox
