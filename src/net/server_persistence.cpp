// Snapshots (SAVE, BGSAVE on libuv's worker thread) and the everysec sync.
#include "net/server.h"
#include "net/server_callbacks.h"

namespace postbox {

Status Server::save_now() {
  int64_t t0 = wall_ms();
  Status s = store_.env().snapshot_to(snapshot_path());
  state_.save.last_ok = s.is_ok();
  if (s) {
    state_.save.last_save_unix = wall_ms() / 1000;
    state_.save.last_duration_s = (wall_ms() - t0) / 1000;
    state_.save.commits_at_last_save = store_.env().stats().commits;
    ++state_.save.saves;
    log_at(LogSeverity::Notice, "DB saved on disk");
  } else {
    log_at(LogSeverity::Warning, "Snapshot failed: {}", s.message());
  }
  return s;
}

std::string Server::snapshot_path() const {
  return config_.dir + "/snapshot.mdb";
}

void Server::start_bgsave() {
  state_.save.in_progress = save_running_ = true;
  state_.save.started_ms = wall_ms();
  if (store_.in_batch() || !pending_.empty()) {
    save_after_commit_ = true;
    return;
  }
  launch_bgsave();
}

void Server::launch_bgsave() {
  save_work_.data = this;
  log_at(LogSeverity::Notice, "Background saving started");
  uv_queue_work(loop_, &save_work_, ServerCallbacks::do_save, ServerCallbacks::after_save);
}

void Server::finish_bgsave() {
  save_running_ = state_.save.in_progress = false;
  SaveStatus& st = state_.save;
  st.last_ok = save_result_.is_ok();
  if (st.last_ok) {
    st.last_save_unix = wall_ms() / 1000;
    st.last_duration_s = (wall_ms() - st.started_ms) / 1000;
    st.commits_at_last_save = store_.env().stats().commits;
    ++st.saves;
    log_at(LogSeverity::Notice, "Background saving terminated with success");
  } else {
    // A full disk fails the snapshot, never the live data.
    log_at(LogSeverity::Warning, "Background saving error: {}", save_result_.message());
  }
  if (shutting_down_) return finish_shutdown();
  if (st.scheduled) {
    st.scheduled = false;
    start_bgsave();
  }
}

void Server::schedule_sync() {
  if (sync_running_) return;
  sync_running_ = true;
  sync_work_.data = this;
  uv_queue_work(loop_, &sync_work_, ServerCallbacks::do_sync, ServerCallbacks::after_sync);
}

}  // namespace postbox
