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
  // are applied after the file, as redis-server does: it appends them as config lines to the
  // file's text (and standard input's), after one newline, and reads the whole as one text.
  // Errors are redis-server 7.0's texts for stderr: a config line error is
  //   "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line
  //   N\n>>> 'line'\nreason", with N counted in that combined text (in the included file for a
  //   line of an included file); an unreadable file is "Fatal error, can't open config file
  //   '<path>': <strerror>". Postbox adds one line naming where the bad line was: "in config
  //   file '<path>'", "in included config file '<path>'" or "in the command-line options".
  Status load_args(int argc, char** argv);
  // Where the lines of a loaded text came from: part i holds the lines up to last_line (1-based).
  struct Origin {
    struct Part {
      size_t last_line;
      std::string name;
    };
    std::vector<Part> parts;
    std::string where(size_t line) const;  // "\nin <name>", or "" when unknown
  };
  // Parses redis.conf text, with the errors of load_args; a line error ends with the line's
  // origin ("\nin config file '/etc/postbox.conf'") when `origin` knows it.
  Status load_text(std::string_view text, const Origin& origin = {});

  // CONFIG REWRITE: rewrites `config_file` as Redis 7.0 does (see rewrite_text), atomically.
  // Errors are the reply texts: "ERR The server is running without a config file",
  // "ERR Rewriting config file: <strerror>".
  Status rewrite() const;
  // The pure part of rewrite(): the new text of a config file whose text was `old_text`, for the
  // current values. Comments, blank lines and `include` lines stay; a directive's lines in the
  // file are replaced by its current value; lines it no longer needs (duplicates, aliases, an
  // unset value) are removed; lines naming unknown directives are commented out as "# ??? ";
  // values the file does not mention are appended after "# Generated by CONFIG REWRITE" when
  // they are not the default (dir, save and latency-tracking-info-percentiles always are).
  std::string rewrite_text(std::string_view old_text) const;

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
  Status load_lines(std::string_view text, int depth, const Origin& origin);
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
