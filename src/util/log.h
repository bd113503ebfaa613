// Log lines in Redis's format ("pid:M 23 Nov 2026 16:31:45.123 * message"), so log tooling
// written for Redis reads ours. Level characters: '.' debug, '-' verbose, '*' notice, '#' warning.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace postbox {

enum class LogSeverity { Debug = 0, Verbose = 1, Notice = 2, Warning = 3, Nothing = 4 };

void log_configure(LogSeverity min_level, const std::string& file);
bool log_enabled(LogSeverity level);
void log_line(LogSeverity level, std::string_view message);

template <typename... Args>
void log_at(LogSeverity level, fmt::format_string<Args...> f, Args&&... args) {
  if (log_enabled(level)) log_line(level, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace postbox
