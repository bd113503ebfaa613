#include "engine/slowlog.h"

#include <fmt/format.h>

namespace postbox {

namespace {
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgLen = 128;
}  // namespace

void Slowlog::add(std::span<const std::string_view> args, int64_t unix_time, int64_t usec,
                  std::string_view addr, std::string_view name, size_t max_len) {
  SlowlogEntry e;
  e.id = next_id_++;
  e.unix_time = unix_time;
  e.duration_usec = usec;
  size_t shown = args.size() > kMaxArgs ? kMaxArgs - 1 : args.size();
  for (size_t i = 0; i < shown; ++i) {
    std::string_view a = args[i];
    if (a.size() > kMaxArgLen) {
      e.args.push_back(
          fmt::format("{}... ({} more bytes)", a.substr(0, kMaxArgLen), a.size() - kMaxArgLen));
    } else {
      e.args.emplace_back(a);
    }
  }
  if (shown < args.size()) {
    e.args.push_back(fmt::format("... ({} more arguments)", args.size() - shown));
  }
  e.client_addr.assign(addr);
  e.client_name.assign(name);
  entries_.push_front(std::move(e));
  trim(max_len);
}

void Slowlog::trim(size_t max_len) {
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace postbox
