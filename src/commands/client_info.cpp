#include "commands/client_info.h"

#include <fmt/format.h>

namespace postbox {

std::string describe_client(const Client& c, int64_t now_ms, const SubscriptionCounts& subs) {
  char flags[4] = {0};
  int nflags = 0;
  if (c.subscriptions > 0) flags[nflags++] = 'P';
  if (c.blocked()) flags[nflags++] = 'b';
  if (c.close_after_reply) flags[nflags++] = 'c';
  if (nflags == 0) flags[nflags++] = 'N';
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} "
      "multi=-1 qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs={} rbp=0 obl={} oll=0 omem={} "
      "tot-mem={} events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}\n",
      c.id, c.addr, c.laddr, c.fd, c.name, (now_ms - c.created_ms) / 1000,
      (now_ms - c.last_interaction_ms) / 1000, std::string_view(flags, nflags), c.db, subs.channels,
      subs.patterns, subs.shard_channels, c.query_bytes, c.query_capacity, c.out.size(),
      c.out.capacity(), c.query_capacity + c.out.capacity() + sizeof(Client), c.last_command,
      c.resp, c.lib_name, c.lib_ver);
}

// Redis refuses spaces, newlines and anything outside printable ASCII in names.
bool valid_client_name(std::string_view name) {
  for (char ch : name) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}

}  // namespace postbox
