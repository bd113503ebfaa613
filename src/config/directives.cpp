// The directive table: every directive Postbox accepts, declared once, in redis.conf's order.
// CONFIG GET answers in this order; conf/postbox.conf documents every row (a unit test checks).
//
// Bounds, aliases, mutability and defaults are Redis 7.0's, so a redis.conf that loads there
// loads here and CONFIG GET/SET answer alike. Exceptions, on purpose: Postbox's own defaults for
// bind, dir, appendfsync and appendonly (yes: Postbox always persists); `lmdb-map-size`, Postbox's
// own; and kRestricted rows, where a value other than the default would promise something Postbox
// does not do.
#include <strings.h>

#include "config/directive.h"

namespace postbox::config_detail {
namespace {

constexpr long long kInt = INT_MAX;
constexpr long long kUint = UINT_MAX;
constexpr int kNo = 0;  // no flags: a mutable directive Postbox honours

std::vector<Directive> network() {
  return {
      {"bind", "", kMultiArg, "127.0.0.1 -::1", bind_list()},
      {"bind-source-addr", "", kNoop | kEmptyIsNull, "", text()},
      {"protected-mode", "", kNo, "yes", yes_no(&Config::protected_mode)},
      {"enable-protected-configs", "", kImmutable | kNoop, "no", one_of({"no", "yes", "local"})},
      {"enable-debug-command", "", kImmutable | kNoop, "no", one_of({"no", "yes", "local"})},
      {"enable-module-command", "", kImmutable | kNoop, "no", one_of({"no", "yes", "local"})},
      {"port", "", kNo, "6379", number({.hi = 65535}, &Config::port)},
      {"tcp-backlog", "", kImmutable, "511", number({.hi = kInt}, &Config::tcp_backlog)},
      {"unixsocket", "", kImmutable | kNoop | kRestricted | kEmptyIsNull, "", text(),
       "Postbox listens on TCP only"},
      {"unixsocketperm", "", kImmutable | kNoop, "0",
       number({.hi = 0777, .is_unsigned = true, .octal = true})},
      {"socket-mark-id", "", kImmutable | kNoop, "0", number({.hi = kUint, .is_unsigned = true})},
      {"timeout", "", kNo, "0", number({.hi = kInt}, &Config::timeout)},
      {"tcp-keepalive", "", kNo, "300", number({.hi = kInt}, &Config::tcp_keepalive)},
  };
}

std::vector<Directive> tls() {
  std::vector<Directive> rows = {
      {"tls-port", "", kNoop | kRestricted, "0", number({.hi = 65535}),
       "TLS is not supported by Postbox"},
      {"tls-auth-clients", "", kNoop, "yes", one_of({"no", "yes", "optional"})},
      {"tls-replication", "", kNoop, "no", yes_no()},
      {"tls-cluster", "", kNoop, "no", yes_no()},
      {"tls-prefer-server-ciphers", "", kNoop, "no", yes_no()},
      {"tls-session-caching", "", kNoop, "yes", yes_no()},
      {"tls-session-cache-size", "", kNoop, "20480", number({.hi = kInt})},
      {"tls-session-cache-timeout", "", kNoop, "300", number({.hi = kInt})},
  };
  for (std::string_view name :
       {"tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
        "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file",
        "tls-ca-cert-dir", "tls-protocols", "tls-ciphers", "tls-ciphersuites"}) {
    rows.push_back({name, "", kNoop | kEmptyIsNull, "", text()});
  }
  return rows;
}

std::vector<Directive> general() {
  const unsigned fixed = kImmutable | kNoop;
  return {
      {"daemonize", "", fixed | kRestricted, "no", yes_no(),
       "Postbox does not daemonize; run it in the foreground under a supervisor"},
      {"supervised", "", fixed, "no", one_of({"upstart", "systemd", "auto", "no"})},
      {"pidfile", "", kImmutable | kEmptyIsNull, "", text(&Config::pidfile)},
      {"loglevel", "", kNo, "notice", log_level()},
      {"logfile", "", kImmutable, "", text(&Config::logfile)},
      {"syslog-enabled", "", fixed, "no", yes_no()},
      {"syslog-ident", "", fixed, "redis", text()},
      {"syslog-facility", "", fixed, "local0",
       one_of({"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
               "local7"})},
      {"crash-log-enabled", "", kNoop, "yes", yes_no()},
      {"crash-memcheck-enabled", "", kNoop, "yes", yes_no()},
      {"databases", "", kImmutable, "16", number({.lo = 1, .hi = kInt}, &Config::databases)},
      {"always-show-logo", "", fixed, "no", yes_no()},
      {"set-proc-title", "", fixed, "yes", yes_no()},
      {"proc-title-template", "", kNoop, "{title} {listen-addr} {server-mode}", proc_title()},
  };
}

std::vector<Directive> persistence() {
  return {
      {"save", "", kNoop | kMultiArg | kAccumulate, "3600 1 300 100 60 10000", save_points()},
      {"stop-writes-on-bgsave-error", "", kNoop, "yes", yes_no()},
      {"rdbcompression", "", kNoop, "yes", yes_no()},
      {"rdbchecksum", "", kImmutable | kNoop, "yes", yes_no()},
      {"sanitize-dump-payload", "", kNoop, "no", one_of({"no", "yes", "clients"})},
      {"dbfilename", "", kProtected | kNoop, "dump.rdb",
       base_name("dbfilename can't be a path, just a filename")},
      {"rdb-del-sync-files", "", kNoop, "no", yes_no()},
      {"dir", "", kProtected, "./data", data_dir()},
  };
}

std::vector<Directive> replication() {
  const long long kLL = LLONG_MAX;
  return {
      {"replicaof", "slaveof", kImmutable | kNoop | kMultiArg | kRestricted, "", replica_of(),
       "replication is not supported by Postbox"},
      {"masterauth", "", kNoop | kEmptyIsNull, "", text()},
      {"masteruser", "", kNoop | kEmptyIsNull, "", text()},
      {"replica-serve-stale-data", "slave-serve-stale-data", kNoop, "yes", yes_no()},
      {"replica-read-only", "slave-read-only", kNoop, "yes", yes_no()},
      {"repl-diskless-sync", "", kNoop, "yes", yes_no()},
      {"repl-diskless-sync-delay", "", kNoop, "5", number({.hi = kInt})},
      {"repl-diskless-sync-max-replicas", "", kNoop, "0", number({.hi = kInt})},
      {"repl-diskless-load", "", kNoop, "disabled", one_of({"disabled", "on-empty-db", "swapdb"})},
      {"repl-ping-replica-period", "repl-ping-slave-period", kNoop, "10",
       number({.lo = 1, .hi = kInt})},
      {"repl-timeout", "", kNoop, "60", number({.lo = 1, .hi = kInt})},
      {"repl-disable-tcp-nodelay", "", kNoop, "no", yes_no()},
      {"repl-backlog-size", "", kNoop, "1mb",
       number({.lo = 1, .hi = kLL, .memory = true, .clamp_lo = 16384})},  // Redis's floor
      {"repl-backlog-ttl", "", kNoop, "3600", number({.hi = kLL})},
      {"replica-priority", "slave-priority", kNoop, "100", number({.hi = kInt})},
      {"propagation-error-behavior", "", kNoop, "ignore",
       one_of({"ignore", "panic", "panic-on-replicas"})},
      {"replica-ignore-disk-write-errors", "", kNoop, "no", yes_no()},
      {"replica-announced", "", kNoop, "yes", yes_no()},
      {"min-replicas-to-write", "min-slaves-to-write", kNoop, "0", number({.hi = kInt})},
      {"min-replicas-max-lag", "min-slaves-max-lag", kNoop, "10", number({.hi = kInt})},
      {"replica-announce-ip", "slave-announce-ip", kNoop | kEmptyIsNull, "", text()},
      {"replica-announce-port", "slave-announce-port", kNoop, "0", number({.hi = 65535})},
      {"tracking-table-max-keys", "", kNoop, "1000000", number({.hi = kLL})},
  };
}

std::vector<Directive> security_and_limits() {
  return {
      {"acllog-max-len", "", kNoop, "128", number({})},
      {"aclfile", "", kImmutable | kNoop | kRestricted, "", text(),
       "ACL files are not supported by Postbox; use requirepass"},
      {"requirepass", "", kEmptyIsNull, "", text(&Config::requirepass)},
      {"acl-pubsub-default", "", kNoop, "resetchannels", one_of({"allchannels", "resetchannels"})},
      {"maxclients", "", kNo, "10000",
       number({.lo = 1, .hi = kUint, .is_unsigned = true}, &Config::maxclients)},
      {"maxmemory", "", kNoop, "0", number({.hi = -1, .is_unsigned = true, .memory = true})},
      {"maxmemory-policy", "", kNoop, "noeviction",
       one_of({"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
               "allkeys-lfu", "allkeys-random", "noeviction"})},
      {"maxmemory-samples", "", kNoop, "5", number({.lo = 1, .hi = kInt})},
      {"maxmemory-eviction-tenacity", "", kNoop, "10", number({.hi = 100})},
      {"replica-ignore-maxmemory", "slave-ignore-maxmemory", kNoop, "yes", yes_no()},
      {"active-expire-effort", "", kNoop, "1", number({.lo = 1, .hi = 10})},
      {"lazyfree-lazy-eviction", "", kNoop, "no", yes_no()},
      {"lazyfree-lazy-expire", "", kNoop, "no", yes_no()},
      {"lazyfree-lazy-server-del", "", kNoop, "no", yes_no()},
      {"replica-lazy-flush", "slave-lazy-flush", kNoop, "no", yes_no()},
      {"lazyfree-lazy-user-del", "", kNoop, "no", yes_no()},
      {"lazyfree-lazy-user-flush", "", kNoop, "no", yes_no()},
      {"io-threads", "", kImmutable | kNoop, "1", number({.lo = 1, .hi = 128})},
      {"io-threads-do-reads", "", kImmutable | kNoop, "no", yes_no()},
      {"oom-score-adj", "", kNoop, "no",
       one_of({"no", "yes", "relative", "absolute"}, {{"relative", "yes"}})},
      {"oom-score-adj-values", "", kNoop | kMultiArg, "0 200 800", oom_score_values()},
      {"disable-thp", "", kImmutable | kNoop, "yes", yes_no()},
  };
}

std::vector<Directive> append_only() {
  return {
      // Postbox always persists (every write is an LMDB commit), so it says so, as INFO's
      // aof_enabled:1 does; `no` is accepted and changes nothing.
      {"appendonly", "", kNoop, "yes", yes_no()},
      {"appendfilename", "", kImmutable | kNoop, "appendonly.aof",
       base_name("appendfilename can't be a path, just a filename")},
      {"appenddirname", "", kImmutable | kNoop, "appendonlydir",
       base_name("appenddirname can't be a path, just a dirname")},
      {"appendfsync", "", kNo, "always", fsync_policy()},
      {"no-appendfsync-on-rewrite", "", kNoop, "no", yes_no()},
      {"auto-aof-rewrite-percentage", "", kNoop, "100", number({.hi = kInt})},
      {"auto-aof-rewrite-min-size", "", kNoop, "64mb", number({.memory = true})},
      {"aof-load-truncated", "", kNoop, "yes", yes_no()},
      {"aof-use-rdb-preamble", "", kNoop, "yes", yes_no()},
      {"aof-timestamp-enabled", "", kNoop, "no", yes_no()},
      {"aof-rewrite-incremental-fsync", "", kNoop, "yes", yes_no()},
      {"aof-disable-auto-gc", "", kNoop, "no", yes_no()},
      {"shutdown-timeout", "", kNoop, "10", number({.hi = kInt})},
      {"shutdown-on-sigint", "", kNoop | kMultiArg, "default", shutdown_flags()},
      {"shutdown-on-sigterm", "", kNoop | kMultiArg, "default", shutdown_flags()},
      {"busy-reply-threshold", "lua-time-limit", kNoop, "5000", number({})},
  };
}

std::vector<Directive> cluster() {
  const unsigned fixed = kImmutable | kNoop;
  return {
      {"cluster-enabled", "", fixed | kRestricted, "no", yes_no(),
       "cluster mode is not supported by Postbox"},
      {"cluster-config-file", "", fixed, "nodes.conf", text()},
      {"cluster-node-timeout", "", kNoop, "15000", number({})},
      {"cluster-port", "", fixed, "0", number({.hi = 65535})},
      {"cluster-replica-validity-factor", "cluster-slave-validity-factor", kNoop, "10",
       number({.hi = kInt})},
      {"cluster-migration-barrier", "", kNoop, "1", number({.hi = kInt})},
      {"cluster-allow-replica-migration", "", kNoop, "yes", yes_no()},
      {"cluster-require-full-coverage", "", kNoop, "yes", yes_no()},
      {"cluster-replica-no-failover", "cluster-slave-no-failover", kNoop, "no", yes_no()},
      {"cluster-allow-reads-when-down", "", kNoop, "no", yes_no()},
      {"cluster-allow-pubsubshard-when-down", "", kNoop, "yes", yes_no()},
      {"cluster-link-sendbuf-limit", "", kNoop, "0",
       number({.hi = -1, .is_unsigned = true, .memory = true})},
      {"cluster-announce-hostname", "", kNoop | kEmptyIsNull, "", text()},
      {"cluster-announce-ip", "", kNoop | kEmptyIsNull, "", text()},
      {"cluster-announce-port", "", kNoop, "0", number({.hi = 65535})},
      {"cluster-announce-bus-port", "", kNoop, "0", number({.hi = 65535})},
      {"cluster-announce-tls-port", "", kNoop, "0", number({.hi = 65535})},
      {"cluster-preferred-endpoint-type", "", kNoop, "ip",
       one_of({"ip", "hostname", "unknown-endpoint"})},
  };
}

std::vector<Directive> monitoring() {
  return {
      {"slowlog-log-slower-than", "", kNo, "10000",
       number({.lo = -1}, &Config::slowlog_log_slower_than)},
      {"slowlog-max-len", "", kNo, "128", number({}, &Config::slowlog_max_len)},
      {"latency-monitor-threshold", "", kNo, "0", number({}, &Config::latency_monitor_threshold)},
      {"latency-tracking", "", kNo, "yes", yes_no(&Config::latency_tracking)},
      {"latency-tracking-info-percentiles", "", kNoop | kMultiArg, "50 99 99.9", percentiles()},
      {"notify-keyspace-events", "", kNoop, "", keyspace_events()},
  };
}

std::vector<Directive> advanced() {
  const NumSpec bytes{.memory = true};
  return {
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", kNoop, "512", number({})},
      {"hash-max-listpack-value", "hash-max-ziplist-value", kNoop, "64", number(bytes)},
      {"list-max-listpack-size", "list-max-ziplist-size", kNoop, "-2",
       number({.lo = INT_MIN, .hi = kInt})},
      {"list-compress-depth", "", kNoop, "0", number({.hi = kInt})},
      {"set-max-intset-entries", "", kNoop, "512", number({})},
      {"zset-max-listpack-entries", "zset-max-ziplist-entries", kNoop, "128", number({})},
      {"zset-max-listpack-value", "zset-max-ziplist-value", kNoop, "64", number(bytes)},
      {"hll-sparse-max-bytes", "", kNoop, "3000", number(bytes)},
      {"stream-node-max-bytes", "", kNo, "4096", number(bytes, &Config::stream_node_max_bytes)},
      {"stream-node-max-entries", "", kNo, "100", number({}, &Config::stream_node_max_entries)},
      {"stream-idmp-duration", "", kNo, "100",
       number({.lo = 1, .hi = 86400}, &Config::stream_idmp_duration)},
      {"stream-idmp-maxsize", "", kNo, "100",
       number({.lo = 1, .hi = 10000}, &Config::stream_idmp_maxsize)},
      {"activerehashing", "", kNoop, "yes", yes_no()},
      {"client-output-buffer-limit", "", kMultiArg,
       "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60", output_buffer_limits()},
      {"client-query-buffer-limit", "", kNo, "1gb",
       number({.lo = 1 << 20, .memory = true}, &Config::client_query_buffer_limit)},
      {"maxmemory-clients", "", kNoop, "0", number({.lo = -100, .memory = true, .percent = true})},
      {"proto-max-bulk-len", "", kNo, "512mb",
       number({.lo = 1 << 20, .memory = true}, &Config::proto_max_bulk_len)},
      {"hz", "", kNo, "10", number({.hi = kInt, .clamp_lo = 1, .clamp_hi = 500}, &Config::hz)},
      {"dynamic-hz", "", kNoop, "yes", yes_no()},
      {"rdb-save-incremental-fsync", "", kNoop, "yes", yes_no()},
      {"lfu-log-factor", "", kNoop, "10", number({.hi = kInt})},
      {"lfu-decay-time", "", kNoop, "1", number({.hi = kInt})},
  };
}

std::vector<Directive> defrag_and_postbox() {
  const unsigned fixed = kImmutable | kNoop;
  return {
      {"activedefrag", "", kNoop, "no", yes_no()},
      {"active-defrag-ignore-bytes", "", kNoop, "100mb", number({.lo = 1, .memory = true})},
      {"active-defrag-threshold-lower", "", kNoop, "10", number({.hi = 1000})},
      {"active-defrag-threshold-upper", "", kNoop, "100", number({.hi = 1000})},
      {"active-defrag-cycle-min", "", kNoop, "1", number({.lo = 1, .hi = 99})},
      {"active-defrag-cycle-max", "", kNoop, "25", number({.lo = 1, .hi = 99})},
      {"active-defrag-max-scan-fields", "", kNoop, "1000", number({.lo = 1})},
      {"jemalloc-bg-thread", "", kNoop, "yes", yes_no()},
      {"server_cpulist", "", fixed | kEmptyIsNull, "", text()},
      {"bio_cpulist", "", fixed | kEmptyIsNull, "", text()},
      {"aof_rewrite_cpulist", "", fixed | kEmptyIsNull, "", text()},
      {"bgsave_cpulist", "", fixed | kEmptyIsNull, "", text()},
      {"ignore-warnings", "", kNoop, "", text()},
      {"lmdb-map-size", "", kImmutable, "1gb",
       number({.lo = 1 << 20, .memory = true}, &Config::lmdb_map_size)},
  };
}

std::vector<Directive> build() {
  std::vector<Directive> all;
  for (auto part : {network, tls, general, persistence, replication, security_and_limits,
                    append_only, cluster, monitoring, advanced, defrag_and_postbox}) {
    for (auto& d : part()) all.push_back(std::move(d));
  }
  return all;
}

}  // namespace

const std::vector<Directive>& directives() {
  static const std::vector<Directive> table = build();
  return table;
}

int find_directive(std::string_view name, bool* is_alias) {
  auto same = [](std::string_view a, std::string_view b) {
    return !a.empty() && a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
  };
  const auto& table = directives();
  for (size_t i = 0; i < table.size(); ++i) {
    bool by_alias = same(table[i].alias, name);
    if (!by_alias && !same(table[i].name, name)) continue;
    if (is_alias) *is_alias = by_alias;
    return static_cast<int>(i);
  }
  return -1;
}

}  // namespace postbox::config_detail
