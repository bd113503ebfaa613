// The loop's housekeeping: the idle handle, the cron tick (expiry, idle clients, statistics,
// everysec), the file limit and what CONFIG SET changes at run time.
#include <sys/resource.h>
#include <sys/time.h>

#include <vector>

#include "net/server.h"
#include "net/server_callbacks.h"

namespace postbox {

void Server::background_work() {
  // Timers (BLPOP timeouts, expiry) may have produced replies or writes: settle them first.
  if (store_.keys().reclaim_pending()) {
    if (store_.begin()) store_.keys().reclaim_step(2000);
  }
  end_batch();
}

void Server::update_idle_handle() {
  bool busy = !pending_.empty() || store_.keys().reclaim_pending() || store_.in_batch();
  if (busy && !uv_is_active(reinterpret_cast<uv_handle_t*>(&idle_))) {
    uv_idle_start(&idle_, ServerCallbacks::on_idle);
  } else if (!busy && uv_is_active(reinterpret_cast<uv_handle_t*>(&idle_))) {
    uv_idle_stop(&idle_);
  }
}

// Entries of a group with VISIBILITY become deliverable again as time passes, with no write to
// signal it: every tick, blocked XREADGROUP readers look again (so they wake within 1/hz s).
void Server::wake_stream_readers() {
  for (auto& [id, c] : state_.clients) {
    if (c->block.kind != BlockState::Kind::StreamReadGroup) continue;
    for (const std::string& key : c->block.keys) state_.blocking.signal(c->block.db, key);
  }
}

void Server::cron() {
  int64_t now = wall_ms();
  // Active expiry: a bounded amount per tick so a mass expiry never stalls the loop.
  if (store_.begin()) {
    bool more = false;
    store_.keys().expire_step(now, 200, more);
    wake_stream_readers();
    // Expiry and redelivery deadlines may have readied keys blocked clients wait on.
    if (state_.blocking.has_ready()) serve_ready_keys(state_, now);
  }
  if (config_.timeout > 0) {
    std::vector<Client*> idle;
    for (auto& [id, c] : state_.clients) {
      if (!c->blocked() && now - c->last_interaction_ms > config_.timeout * 1000) idle.push_back(c);
    }
    for (Client* c : idle) {
      log_at(LogSeverity::Verbose, "Closing idle client id={}", c->id);
      close_connection(static_cast<Connection*>(c->owner));
    }
  }
  ServerStats& st = state_.stats;
  if (now - st.ops_sample_time_ms >= 1000) {
    double secs = static_cast<double>(now - st.ops_sample_time_ms) / 1000.0;
    if (st.ops_sample_time_ms) {
      st.ops_per_sec = static_cast<double>(st.total_commands - st.ops_sample_last) / secs;
      st.input_kbps = static_cast<double>(st.net_input_bytes - st.input_sample_last) / secs / 1024;
      st.output_kbps =
          static_cast<double>(st.net_output_bytes - st.output_sample_last) / secs / 1024;
    }
    st.ops_sample_last = st.total_commands;
    st.input_sample_last = st.net_input_bytes;
    st.output_sample_last = st.net_output_bytes;
    st.ops_sample_time_ms = now;
  }
  if (config_.appendfsync == FsyncPolicy::Everysec && now - last_sync_ms_ >= 1000) {
    last_sync_ms_ = now;
    schedule_sync();
  }
  update_idle_handle();
}

// Like Redis: room for maxclients sockets plus the server's own descriptors, if the hard
// limit allows; otherwise maxclients is what the limit allows.
void Server::raise_file_limit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = static_cast<rlim_t>(config_.maxclients) + 32;
  if (rl.rlim_cur >= want) return;
  rlim_t target = std::min(want, rl.rlim_max);
  rl.rlim_cur = target;
  if (setrlimit(RLIMIT_NOFILE, &rl) == 0 && target < want) {
    config_.maxclients = static_cast<int>(target - 32);
    log_at(LogSeverity::Warning,
           "You requested maxclients of {} requiring at least {} max file descriptors; "
           "maxclients lowered to {}.",
           want - 32, want, config_.maxclients);
  }
}

Status Server::apply_config(std::string_view name) {
  if (name == "appendfsync") {
    fsync_mode_changed_ = true;  // LMDB flags change only between transactions
  } else if (name == "loglevel" || name == "logfile") {
    log_configure(static_cast<LogSeverity>(config_.loglevel), config_.logfile);
  } else if (name == "hz") {
    uint64_t period = static_cast<uint64_t>(1000 / std::max(1, config_.hz));
    uv_timer_start(&cron_, ServerCallbacks::on_cron, period, period);
  } else if (name == "maxclients") {
    raise_file_limit();
  } else if (name == "port" || name == "bind") {
    return Status::error("ERR changing '" + std::string(name) +
                         "' at runtime is not supported by Postbox: restart with the new value");
  }
  return Status::ok();
}

}  // namespace postbox
