#include "commands/server_info.h"

#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <vector>

#include "commands/context.h"

namespace postbox {
namespace {

std::string human(uint64_t bytes) {
  const char* units[] = {"B", "K", "M", "G", "T"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{}B", bytes) : fmt::format("{:.2f}{}", v, units[u]);
}

uint64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

// What the allocator holds. An allocator that keeps no glibc statistics (a sanitizer's) reports
// nothing; then the resident size is the honest upper bound, so used_memory never reads 0.
uint64_t heap_bytes() {
  struct mallinfo2 mi = mallinfo2();
  uint64_t used = mi.uordblks + mi.hblkhd;
  return used ? used : rss_bytes();
}

void server_section(ServerState& s, std::string& o, int64_t now_ms) {
  struct utsname u;
  uname(&u);
  int64_t up = (now_ms - s.start_ms) / 1000;
  o += fmt::format(
      "# Server\r\nredis_version:{}\r\npostbox_version:{}\r\nredis_git_sha1:00000000\r\n"
      "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {} {}\r\n"
      "arch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n"
      "atomicvar_api:c11-builtin\r\ngcc_version:{}.{}.{}\r\nprocess_id:{}\r\n"
      "process_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\n"
      "uptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\n"
      "lru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\n\r\n",
      kRedisCompatVersion, kPostboxVersion, u.sysname, u.release, u.machine, __GNUC__,
      __GNUC_MINOR__, __GNUC_PATCHLEVEL__, getpid(), s.run_id, s.tcp_port, now_ms * 1000, up,
      up / 86400, s.config.hz, s.config.hz, (now_ms / 1000) & ((1 << 24) - 1), s.executable,
      s.config.config_file);
}

void clients_section(ServerState& s, std::string& o) {
  size_t max_in = 0, max_out = 0;
  for (auto& [id, c] : s.clients) {
    max_in = std::max(max_in, c->query_bytes);
    max_out = std::max(max_out, c->out.size());
  }
  o += fmt::format(
      "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\n"
      "client_recent_max_input_buffer:{}\r\nclient_recent_max_output_buffer:{}\r\n"
      "blocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:{}\r\n\r\n",
      s.clients.size(), s.config.maxclients, max_in, max_out, s.blocking.blocked_clients(),
      s.blocking.blocked_clients());
}

void memory_section(ServerState& s, std::string& o) {
  static uint64_t peak = 0;
  uint64_t used = heap_bytes(), rss = rss_bytes();
  peak = std::max(peak, used);
  EnvStats e = s.store.env().stats();
  uint64_t system =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  o += fmt::format(
      "# Memory\r\nused_memory:{}\r\nused_memory_human:{}\r\nused_memory_rss:{}\r\n"
      "used_memory_rss_human:{}\r\nused_memory_peak:{}\r\nused_memory_peak_human:{}\r\n"
      "used_memory_peak_perc:{:.2f}%\r\ntotal_system_memory:{}\r\n"
      "total_system_memory_human:{}\r\nmem_fragmentation_ratio:{:.2f}\r\n"
      "mem_fragmentation_bytes:{}\r\n"
      "maxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n"
      "mem_allocator:libc\r\nlmdb_map_size:{}\r\nlmdb_map_size_human:{}\r\n"
      "lmdb_used_bytes:{}\r\nlmdb_used_bytes_human:{}\r\n\r\n",
      used, human(used), rss, human(rss), peak, human(peak),
      peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 0.0, system,
      human(system), used ? static_cast<double>(rss) / static_cast<double>(used) : 0.0,
      static_cast<int64_t>(rss) - static_cast<int64_t>(used), e.map_size, human(e.map_size),
      e.used_bytes, human(e.used_bytes));
}

void persistence_section(ServerState& s, std::string& o, int64_t now_ms) {
  EnvStats e = s.store.env().stats();
  const char* fsync = s.config.appendfsync == FsyncPolicy::Always     ? "always"
                      : s.config.appendfsync == FsyncPolicy::Everysec ? "everysec"
                                                                      : "no";
  bool write_ok = s.last_write_error.empty();
  o += fmt::format(
      "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\n"
      "current_cow_size:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\n"
      "current_save_keys_total:0\r\nrdb_changes_since_last_save:{}\r\n"
      "rdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\n"
      "rdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\n"
      "aof_enabled:1\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n"
      "aof_last_write_status:{}\r\nappendfsync:{}\r\nlmdb_commits:{}\r\nlmdb_syncs:{}\r\n"
      "lmdb_commit_failures:{}\r\nlmdb_last_commit_time:{}\r\nlmdb_last_sync_time:{}\r\n"
      "lmdb_avg_commands_per_commit:{:.2f}\r\n\r\n",
      // The "rdb" fields speak of snapshots (SAVE/BGSAVE); changes are commits since the last.
      e.commits - s.save.commits_at_last_save, s.save.in_progress ? 1 : 0, s.save.last_save_unix,
      s.save.last_ok ? "ok" : "err", s.save.last_duration_s,
      s.save.in_progress ? (now_ms - s.save.started_ms) / 1000 : -1, s.save.saves,
      write_ok ? "ok" : "err", fsync, e.commits, e.syncs, e.commit_failures,
      e.last_commit_ms / 1000, e.last_sync_ms / 1000,
      e.commits ? static_cast<double>(s.stats.total_commands) / static_cast<double>(e.commits)
                : 0.0);
}

void stats_section(ServerState& s, std::string& o) {
  KeyspaceStats& k = s.store.keys().stats();
  o += fmt::format(
      "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n"
      "instantaneous_ops_per_sec:{:.0f}\r\ntotal_net_input_bytes:{}\r\n"
      "total_net_output_bytes:{}\r\ninstantaneous_input_kbps:{:.2f}\r\n"
      "instantaneous_output_kbps:{:.2f}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\n"
      "expired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\nevicted_keys:0\r\n"
      "keyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\n"
      "pubsubshard_channels:{}\r\n"
      "total_error_replies:{}\r\ntotal_reads_processed:0\r\ntotal_writes_processed:0\r\n\r\n",
      s.stats.total_connections, s.stats.total_commands, s.stats.ops_per_sec,
      s.stats.net_input_bytes, s.stats.net_output_bytes, s.stats.input_kbps, s.stats.output_kbps,
      s.stats.rejected_connections, k.expired_keys, k.keyspace_hits, k.keyspace_misses,
      s.pubsub.channel_count(), s.pubsub.pattern_count(), s.pubsub.shard_channel_count(),
      s.stats.total_errors);
}

void replication_section(std::string& o) {
  o += "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
       "master_failover_state:no-failover\r\n"
       "master_replid:0000000000000000000000000000000000000000\r\n"
       "master_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\n"
       "second_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:1048576\r\n"
       "repl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n\r\n";
}

void cpu_section(std::string& o) {
  struct rusage self, main;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_THREAD, &main);  // INFO always runs on the loop thread
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  o += fmt::format(
      "# CPU\r\nused_cpu_sys:{:.6f}\r\nused_cpu_user:{:.6f}\r\nused_cpu_sys_children:0.000000\r\n"
      "used_cpu_user_children:0.000000\r\nused_cpu_sys_main_thread:{:.6f}\r\n"
      "used_cpu_user_main_thread:{:.6f}\r\n\r\n",
      secs(self.ru_stime), secs(self.ru_utime), secs(main.ru_stime), secs(main.ru_utime));
}

void keyspace_section(ServerState& s, std::string& o) {
  o += "# Keyspace\r\n";
  for (int db = 0; db < s.config.databases; ++db) {
    uint64_t keys = s.store.keys().dbsize(db);
    if (!keys) continue;
    o += fmt::format("db{}:keys={},expires={},avg_ttl=0\r\n", db, keys,
                     s.store.keys().expires_count(db));
  }
  o += "\r\n";
}

// Postbox's own: what the consumer-group queue verbs did since the server started.
void queues_section(ServerState& s, std::string& o) {
  const QueueStats& q = s.store.streams().queue_stats();
  o += fmt::format(
      "# Queues\r\nqueue_delivered:{}\r\nqueue_redelivered:{}\r\nqueue_acked:{}\r\n"
      "queue_nacked:{}\r\nqueue_dead_lettered:{}\r\nqueue_redriven:{}\r\n\r\n",
      q.delivered, q.redelivered, q.acked, q.nacked, q.dead_lettered, q.redriven);
}

void commandstats_section(ServerState& s, std::string& o) {
  o += "# Commandstats\r\n";
  std::vector<const CommandStat*> rows;
  for (const auto& [row, st] : s.command_stats.all()) rows.push_back(&st);
  std::sort(rows.begin(), rows.end(), [](const CommandStat* a, const CommandStat* b) {
    return std::string_view(a->name) < b->name;
  });
  for (const CommandStat* st : rows) {
    if (st->calls == 0 && st->rejected == 0 && st->failed == 0) continue;
    double per_call =
        st->calls ? static_cast<double>(st->usec) / static_cast<double>(st->calls) : 0;
    o += fmt::format(
        "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},failed_calls={}\r\n",
        st->name, st->calls, st->usec, per_call, st->rejected, st->failed);
  }
  o += "\r\n";
}

void latencystats_section(ServerState& s, std::string& o) {
  o += "# Latencystats\r\n";
  std::vector<const CommandStat*> rows;
  for (const auto& [row, st] : s.command_stats.all()) rows.push_back(&st);
  std::sort(rows.begin(), rows.end(), [](const CommandStat* a, const CommandStat* b) {
    return std::string_view(a->name) < b->name;
  });
  for (const CommandStat* st : rows) {
    if (st->latency.count() == 0) continue;
    o += fmt::format("latency_percentiles_usec_{}:p50={:.3f},p99={:.3f},p99.9={:.3f}\r\n", st->name,
                     st->latency.percentile(50), st->latency.percentile(99),
                     st->latency.percentile(99.9));
  }
  o += "\r\n";
}

bool wants(const std::vector<std::string>& asked, std::string_view name, bool in_default) {
  if (asked.empty()) return in_default;
  for (auto& a : asked) {
    if (a == name || a == "all" || a == "everything" || (a == "default" && in_default)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string build_info(ServerState& s, std::span<const std::string_view> sections, int64_t now_ms) {
  std::vector<std::string> asked;
  for (auto sec : sections) {
    std::string l(sec);
    for (char& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    asked.push_back(l);
  }
  std::string o;
  if (wants(asked, "server", true)) server_section(s, o, now_ms);
  if (wants(asked, "clients", true)) clients_section(s, o);
  if (wants(asked, "memory", true)) memory_section(s, o);
  if (wants(asked, "persistence", true)) persistence_section(s, o, now_ms);
  if (wants(asked, "stats", true)) stats_section(s, o);
  if (wants(asked, "replication", true)) replication_section(o);
  if (wants(asked, "cpu", true)) cpu_section(o);
  if (wants(asked, "modules", true)) o += "# Modules\r\n\r\n";
  if (wants(asked, "commandstats", false)) commandstats_section(s, o);
  if (wants(asked, "errorstats", true)) o += "# Errorstats\r\n\r\n";
  if (wants(asked, "latencystats", false)) latencystats_section(s, o);
  if (wants(asked, "cluster", true)) o += "# Cluster\r\ncluster_enabled:0\r\n\r\n";
  if (wants(asked, "keyspace", true)) keyspace_section(s, o);
  if (wants(asked, "queues", true)) queues_section(s, o);
  // Redis ends the text without the blank line after the last section.
  while (o.size() >= 2 && o.compare(o.size() - 2, 2, "\r\n") == 0) o.resize(o.size() - 2);
  if (!o.empty()) o += "\r\n";
  return o;
}

}  // namespace postbox
