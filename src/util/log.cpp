#include "util/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace postbox {
namespace {

LogSeverity g_min = LogSeverity::Notice;
std::string g_file;

}  // namespace

void log_configure(LogSeverity min_level, const std::string& file) {
  g_min = min_level;
  g_file = file;
}

bool log_enabled(LogSeverity level) {
  return level >= g_min && g_min != LogSeverity::Nothing;
}

void log_line(LogSeverity level, std::string_view message) {
  static const char marks[] = {'.', '-', '*', '#'};
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char when[64];
  size_t n = strftime(when, sizeof when, "%d %b %Y %H:%M:%S", &tm);
  std::snprintf(when + n, sizeof when - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  std::string line =
      fmt::format("{}:M {} {} {}\n", getpid(), when, marks[static_cast<int>(level) & 3], message);
  // The file is reopened per line so log rotation by rename needs no signal.
  FILE* f = g_file.empty() ? stdout : std::fopen(g_file.c_str(), "a");
  if (!f) f = stdout;
  std::fwrite(line.data(), 1, line.size(), f);
  std::fflush(f);
  if (f != stdout) std::fclose(f);
}

}  // namespace postbox
