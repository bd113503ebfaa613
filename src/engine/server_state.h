// State shared by every connection: configuration, the store, blocked clients, counters and the
// client directory. The network layer fills in the hooks it alone can perform (closing a
// socket, scheduling a flush, shutting down); commands reach everything through here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "config/config.h"
#include "engine/blocking.h"
#include "engine/client.h"
#include "engine/command_stats.h"
#include "engine/latency_monitor.h"
#include "engine/pubsub.h"
#include "engine/slowlog.h"
#include "engine/watch.h"
#include "store/store.h"

namespace postbox {

struct ServerStats {
  uint64_t total_commands = 0;
  uint64_t total_connections = 0;
  uint64_t rejected_connections = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t total_errors = 0;
  uint64_t unexpected_error_replies = 0;
  // Samples for instantaneous_ops_per_sec, taken by the server cron.
  uint64_t ops_sample_last = 0;
  int64_t ops_sample_time_ms = 0;
  double ops_per_sec = 0;
  uint64_t input_sample_last = 0, output_sample_last = 0;
  double input_kbps = 0, output_kbps = 0;
};

enum class ShutdownMode { Default, NoSave, Save };

// SAVE / BGSAVE: snapshots of the LMDB environment, and what INFO persistence says of them.
struct SaveStatus {
  bool in_progress = false;
  bool scheduled = false;       // BGSAVE SCHEDULE while one ran
  int64_t last_save_unix = 0;   // LASTSAVE: the last success (server start before any)
  bool last_ok = true;
  int64_t last_duration_s = -1;
  int64_t started_ms = 0;
  uint64_t saves = 0;
  uint64_t commits_at_last_save = 0;
};

struct ServerState {
  ServerState(Config& c, ConfigTable& t, Store& s) : config(c), config_table(t), store(s) {}

  Config& config;
  ConfigTable& config_table;
  Store& store;
  BlockingRegistry blocking;
  CommandStats command_stats;
  Slowlog slowlog;
  LatencyMonitor latency;
  std::vector<Client*> monitors;  // clients that sent MONITOR
  PubSubRegistry pubsub;
  WatchRegistry watches;
  ServerStats stats;
  int64_t start_ms = 0;
  std::string run_id;
  std::string executable;
  int tcp_port = 0;
  std::map<uint64_t, Client*> clients;  // ordered by id, as CLIENT LIST shows them
  uint64_t next_client_id = 1;
  // Writes are refused until this time after the disk refused a commit (disk full).
  int64_t writes_blocked_until_ms = 0;
  std::string last_write_error;

  std::function<void(Client&)> close_client;  // closes now, or after its replies if current
  // Call before writing a reply to any client: joins it to the batch whose commit must
  // precede the flush, remembering where its replies of this batch begin.
  std::function<void(Client&)> output_ready;
  // Commits the open batch now (the map must grow, or a command needs it on disk).
  std::function<Status()> commit_batch;
  std::function<void(ShutdownMode)> shutdown;  // commit, close everything, exit 0
  SaveStatus save;
  std::function<Status()> save_now;    // SAVE: snapshot on the loop thread
  std::function<void()> start_bgsave;  // BGSAVE: snapshot on a helper thread
};

}  // namespace postbox
