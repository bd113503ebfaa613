// Server configuration: the typed values the server reads (Config) and the directive table that
// fills them from redis.conf-style files, the redis-server command line, and CONFIG GET/SET.
//
// The directive table (directives.cpp) declares every directive once; parsing, CONFIG GET/SET and
// the documented defaults all read that one table. Directives Redis has but Postbox gives no
// meaning to are accepted, validated with Redis's rules, kept as text and returned by CONFIG GET,
// so redis.conf files and tools that poke at them keep working; they carry the `noop` flag.
//
// src/config includes nothing of ours but util/; the server reaches it only through this header.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace postbox {

enum class FsyncPolicy { Always, Everysec, No };
enum class LogLevel { Debug, Verbose, Notice, Warning, Nothing };

struct OutputBufferLimit {
  uint64_t hard_bytes = 0, soft_bytes = 0;
  int64_t soft_seconds = 0;
};

struct Config {
  std::vector<std::string> bind{"127.0.0.1", "-::1"};  // '-' prefix = optional address, as Redis
  int port = 6379;
  bool protected_mode = true;
  std::string dir = "./data";
  int databases = 16;
  FsyncPolicy appendfsync = FsyncPolicy::Always;
  std::string requirepass;
  int maxclients = 10000;
  int64_t timeout = 0;
  int tcp_backlog = 511;
  int hz = 10;
  LogLevel loglevel = LogLevel::Notice;
  std::string logfile;
  std::string pidfile;
  int64_t proto_max_bulk_len = 512LL << 20;
  int64_t client_query_buffer_limit = 1LL << 30;
  OutputBufferLimit obl_normal{}, obl_replica{256 << 20, 64 << 20, 60},
      obl_pubsub{32 << 20, 8 << 20, 60};
  int64_t tcp_keepalive = 300;
  std::string config_file;            // absolute path of the file loaded, if any
  int64_t lmdb_map_size = 1LL << 30;  // "lmdb-map-size": initial map size, grows by itself
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;  // ms; 0: LATENCY records nothing
  bool latency_tracking = true;           // INFO latencystats
  // Redis's stream node limits: Postbox emulates its nodes so `~` trimming removes what Redis's
  // would (see store/stream_codec.h).
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  // Redis 8.6's idempotent-producer window for new streams (XADD IDMP).
  int64_t stream_idmp_duration = 100;
  int64_t stream_idmp_maxsize = 100;
};

// What the table says about one directive, for README generation and tests.
struct DirectiveInfo {
  std::string_view name;
  std::string_view alias;          // empty when Redis has no second name for it
  std::string_view default_value;  // as written in a config file
  bool noop = false;               // accepted and kept, no effect in Postbox
  bool settable = false;           // CONFIG SET allowed (not immutable, not protected)
  bool restricted = false;         // only the default value is accepted (e.g. daemonize)
};

class ConfigTable {
 public:
  explicit ConfigTable(Config& cfg);

  // redis-server's command line: [configfile | -] [--directive value ...]. Directive arguments
  // are applied after the file, as redis-server does by appending them as config lines.
  // Errors are multi-line texts for stderr naming the file, the line and the reason.
  Status load_args(int argc, char** argv);
  // Parses redis.conf text; `source_name` appears in error messages.
  Status load_text(std::string_view text, std::string_view source_name);

  // CONFIG SET name value [name value ...]: all-or-nothing, as Redis 7.0 (validate every name,
  // set every value, then run the apply hook for each changed directive; roll all back on error).
  Status set(const std::vector<std::string_view>& name_value_pairs);
  // CONFIG GET pattern [pattern ...]: case-insensitive globs over names and aliases; a pattern
  // without glob characters is looked up directly and answered under the spelling given.
  std::vector<std::pair<std::string, std::string>> get(
      const std::vector<std::string_view>& patterns) const;

  // Called with the canonical directive name after CONFIG SET changed its value. A failing
  // Status makes CONFIG SET roll back; its message (a leading "ERR " is dropped) becomes the
  // reason in "ERR CONFIG SET failed (possibly related to argument 'x') - <reason>".
  void set_apply_hook(std::function<Status(std::string_view name)> hook);

  static std::vector<DirectiveInfo> describe();

 private:
  Status load_lines(std::string_view text, std::string_view where, int depth);
  Status include(const std::string& pattern, int depth, bool& line_error);
  Status apply_line(const std::vector<std::string>& argv);
  Status set_directive(size_t index, const std::vector<std::string>& args);
  Status set_while_loading(size_t index, const std::vector<std::string>& args);
  Status check_restricted(size_t index) const;
  Status check_restricted_after_load();
  std::string value_of(size_t index) const;

  Config& cfg_;
  std::vector<std::string> kept_;  // canonical values of no-op directives, by table index
  std::function<Status(std::string_view)> hook_;
  bool save_loaded_ = false;  // the first 'save' line at start-up replaces the default
  // For restricted directives: the error heading of the line that set them last. They are
  // checked once loading is over, so `--daemonize no` can override a file's `daemonize yes`.
  std::vector<std::string> origin_;
  std::string current_line_;  // heading of the line being loaded, for origin_
};

}  // namespace postbox
