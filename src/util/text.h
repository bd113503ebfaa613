// Small text helpers shared by the config reader and the command layer.
#pragma once

#include <strings.h>

#include <string_view>

namespace postbox {

// ASCII case-insensitive equality, the way Redis compares keywords and option names.
inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// The part of `s` between leading and trailing blanks and line ends.
inline std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace postbox
