// Strict integer parsing as Redis's string2ll does it: the whole string must be a base-10
// int64 — no spaces, no '+', no leading zeros, no overflow. Shared by the RESP parser and the
// command arguments so both accept exactly the same numbers.
#pragma once

#include <cstdint>
#include <string_view>

namespace postbox {

inline bool parse_int64(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  bool neg = s[0] == '-';
  if (neg) {
    if (s.size() == 1) return false;
    i = 1;
  }
  if (s[i] == '0' && (s.size() > i + 1 || neg)) return false;  // no leading zeros, no "-0"
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace postbox
