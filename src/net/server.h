// The libuv server: listeners, connections, and the loop phases that make group commit work.
//
// One loop iteration: read callbacks parse and execute every complete request inside the open
// batch transaction, appending replies to the clients' buffers. Then (uv_check, and uv_prepare
// for work done by timers) end_batch() commits once — one fsync for the whole batch with
// appendfsync always — and only then writes the replies out.
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "engine/server_state.h"
#include "net/connection.h"
#include "store/store.h"

namespace postbox {

class Server {
 public:
  Server(Config& config, ConfigTable& table);
  ~Server();

  // Opens the store and the listeners; false (after logging why) when it can't.
  bool start(const std::string& executable);
  int run();  // until SHUTDOWN or a signal; returns the exit code

 private:
  friend struct ServerCallbacks;

  void wire_state(const std::string& executable);
  void start_loop_handles();
  bool listen_all();
  void accept_client(uv_stream_t* listener);
  bool reject_early(Connection* conn);
  void process_input(Connection* conn);
  void on_read(Connection* conn, ssize_t nread);
  void join_batch(Client& c);
  Status commit_and_settle();
  void end_batch();
  void flush(Connection* conn);
  void send_committed(Connection* conn);
  void close_connection(Connection* conn);
  void request_close(Client& c);
  void check_output_limits(Connection* conn, int64_t now_ms);
  void arm_block_timer(Connection* conn, int64_t now_ms);
  void wake_stream_readers();
  void cron();
  void background_work();
  void begin_shutdown(ShutdownMode mode);
  void finish_shutdown();
  Status apply_config(std::string_view name);
  void schedule_sync();
  void raise_file_limit();
  void update_idle_handle();

  Config& config_;
  ConfigTable& table_;
  Store store_;
  ServerState state_;
  uv_loop_t* loop_;
  std::vector<std::unique_ptr<uv_tcp_t>> listeners_;
  uv_prepare_t prepare_;
  uv_check_t check_;
  uv_idle_t idle_;
  uv_timer_t cron_;
  uv_signal_t sigterm_, sigint_;
  uv_work_t sync_work_;
  bool sync_running_ = false;
  // BGSAVE runs mdb_env_copyfd2 on libuv's worker thread (DESIGN allows a helper thread for
  // snapshots); the loop keeps serving and writing meanwhile.
  uv_work_t save_work_;
  bool save_running_ = false;
  // BGSAVE asked for inside a batch: the snapshot starts once that batch is committed, so it
  // holds every write acknowledged before the BGSAVE reply (and an EXEC stays one commit).
  bool save_after_commit_ = false;
  Status save_result_;
  std::string snapshot_path() const;
  Status save_now();
  void start_bgsave();
  void launch_bgsave();
  void finish_bgsave();
  int64_t last_sync_ms_ = 0;
  std::vector<Connection*> pending_;
  bool shutting_down_ = false;
  bool shutdown_finished_ = false;
  bool fsync_mode_changed_ = false;
  int exit_code_ = 0;
};

}  // namespace postbox
