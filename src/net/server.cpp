#include "net/server.h"

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <chrono>
#include <cstring>
#include <random>

#include "commands/dispatch.h"
#include "net/server_callbacks.h"
#include "util/clock.h"
#include "util/log.h"

namespace postbox {
namespace {

std::string peer_name(uv_tcp_t* tcp, bool local) {
  sockaddr_storage ss;
  int len = sizeof ss;
  int rc = local ? uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&ss), &len)
                 : uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc) return "?:0";
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

bool is_loopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr.rfind("::1:", 0) == 0 ||
         addr.rfind("::ffff:127.", 0) == 0;
}

const char* const kProtectedModeError =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Set up an authentication password for the default user. "
    "NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.\r\n";

SyncMode sync_mode_of(FsyncPolicy p) {
  return p == FsyncPolicy::Always     ? SyncMode::Always
         : p == FsyncPolicy::Everysec ? SyncMode::Everysec
                                      : SyncMode::No;
}

std::string random_hex(size_t n) {
  std::random_device rd;
  std::mt19937_64 rng(rd());
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "0123456789abcdef"[rng() % 16];
  return s;
}

}  // namespace

Server::Server(Config& config, ConfigTable& table)
    : config_(config), table_(table), state_(config, table, store_), loop_(uv_default_loop()) {}

Server::~Server() = default;

bool Server::start(const std::string& executable) {
  StoreOptions opts;
  opts.dir = config_.dir;
  opts.initial_map_size = static_cast<uint64_t>(config_.lmdb_map_size);
  opts.sync = sync_mode_of(config_.appendfsync);
  opts.databases = config_.databases;
  int64_t t0 = wall_ms();
  Status s = store_.open(opts);
  if (!s) {
    log_at(LogSeverity::Warning, "Fatal: {}", s.message());
    return false;
  }
  log_at(LogSeverity::Notice, "LMDB environment in {} opened in {} ms (no replay needed)",
         config_.dir, wall_ms() - t0);
  wire_state(executable);
  raise_file_limit();
  if (!listen_all()) return false;
  start_loop_handles();
  update_idle_handle();
  log_at(LogSeverity::Notice, "Ready to accept connections tcp");
  return true;
}

// What the command layer and the store call back into: closing clients, joining the batch,
// committing, shutting down, saving, and the key-change listeners behind WATCH and blocking.
void Server::wire_state(const std::string& executable) {
  state_.start_ms = wall_ms();
  state_.run_id = random_hex(40);
  state_.executable = executable;
  state_.tcp_port = config_.port;
  state_.close_client = [this](Client& c) { request_close(c); };
  state_.output_ready = [this](Client& c) { join_batch(c); };
  state_.commit_batch = [this]() { return commit_and_settle(); };
  state_.shutdown = [this](ShutdownMode m) { begin_shutdown(m); };
  state_.save.last_save_unix = wall_ms() / 1000;
  state_.start_bgsave = [this]() { start_bgsave(); };
  state_.save_now = [this]() { return save_now(); };
  store_.keys().set_modify_listener([this](int db, std::string_view key) {
    state_.watches.touch(db, key);
    // Stream waiters react to any change (an XREADGROUP waiter errors when its key goes).
    state_.blocking.signal(db, key, false);
  });
  store_.keys().set_db_change_listener([this](int db, int other) {
    if (state_.watches.empty()) return;
    KeyEntry e;
    auto exists = [&](int in_db, std::string_view key) {
      return in_db >= 0 && store_.keys().find(in_db, key, wall_ms(), e) && e.found;
    };
    state_.watches.touch_db(
        db, [&](std::string_view key) { return exists(db, key) || exists(other, key); });
  });
  table_.set_apply_hook([this](std::string_view name) { return apply_config(name); });
}

// The loop phases (prepare and check end the batch), the cron timer and the signals.
void Server::start_loop_handles() {
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, ServerCallbacks::on_prepare);
  uv_check_init(loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, ServerCallbacks::on_check);
  uv_idle_init(loop_, &idle_);
  idle_.data = this;
  uv_timer_init(loop_, &cron_);
  cron_.data = this;
  uint64_t period = static_cast<uint64_t>(1000 / std::max(1, config_.hz));
  uv_timer_start(&cron_, ServerCallbacks::on_cron, period, period);
  for (auto [sig, num] : {std::pair{&sigterm_, SIGTERM}, std::pair{&sigint_, SIGINT}}) {
    uv_signal_init(loop_, sig);
    sig->data = this;
    uv_signal_start(sig, ServerCallbacks::on_signal, num);
  }
  signal(SIGPIPE, SIG_IGN);
}

bool Server::listen_all() {
  for (const std::string& entry : config_.bind) {
    bool optional = !entry.empty() && entry[0] == '-';
    std::string addr = optional ? entry.substr(1) : entry;
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    sockaddr_storage ss;
    bool v6 = addr.find(':') != std::string::npos;
    int rc = v6 ? uv_ip6_addr(addr.c_str(), config_.port, reinterpret_cast<sockaddr_in6*>(&ss))
                : uv_ip4_addr(addr.c_str(), config_.port, reinterpret_cast<sockaddr_in*>(&ss));
    auto tcp = std::make_unique<uv_tcp_t>();
    uv_tcp_init(loop_, tcp.get());
    tcp->data = this;
    if (rc == 0) {
      rc = uv_tcp_bind(tcp.get(), reinterpret_cast<sockaddr*>(&ss), v6 ? UV_TCP_IPV6ONLY : 0);
    }
    if (rc == 0)
      rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp.get()), config_.tcp_backlog,
                     ServerCallbacks::on_connection);
    if (rc != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(tcp.release()),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
      if (optional) {
        log_at(LogSeverity::Verbose, "Skipping optional bind address {}: {}", addr,
               uv_strerror(rc));
        continue;
      }
      log_at(LogSeverity::Warning,
             "Warning: Could not create server TCP listening socket {}:{}: {}", addr, config_.port,
             uv_strerror(rc));
      return false;
    }
    listeners_.push_back(std::move(tcp));
  }
  if (listeners_.empty()) {
    log_at(LogSeverity::Warning, "Failed listening on any address");
    return false;
  }
  return true;
}

int Server::run() {
  uv_run(loop_, UV_RUN_DEFAULT);
  return exit_code_;
}

void Server::accept_client(uv_stream_t* listener) {
  auto* conn = new Connection();
  conn->server = this;
  uv_tcp_init(loop_, &conn->tcp);
  conn->tcp.data = conn;
  conn->open_handles = 1;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&conn->tcp)) != 0) {
    close_connection(conn);
    return;
  }
  uv_timer_init(loop_, &conn->block_timer);
  conn->block_timer.data = conn;
  conn->open_handles = 2;
  uv_tcp_nodelay(&conn->tcp, 1);
  if (config_.tcp_keepalive > 0) {
    uv_tcp_keepalive(&conn->tcp, 1, static_cast<unsigned>(config_.tcp_keepalive));
  }
  Client& c = conn->client;
  c.addr = peer_name(&conn->tcp, false);
  c.laddr = peer_name(&conn->tcp, true);
  uv_fileno(reinterpret_cast<uv_handle_t*>(&conn->tcp), &c.fd);
  if (reject_early(conn)) return;
  c.id = state_.next_client_id++;
  c.created_ms = c.last_interaction_ms = wall_ms();
  c.authenticated = config_.requirepass.empty();
  c.owner = conn;
  state_.clients[c.id] = &c;
  ++state_.stats.total_connections;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&conn->tcp), ServerCallbacks::on_alloc,
                ServerCallbacks::on_read);
}

// maxclients and protected mode: answer with Redis's error and hang up before reading.
bool Server::reject_early(Connection* conn) {
  const char* reply = nullptr;
  std::string max_error = "-ERR max number of clients reached\r\n";
  if (state_.clients.size() >= static_cast<size_t>(config_.maxclients)) {
    reply = max_error.c_str();
    ++state_.stats.rejected_connections;
  } else if (config_.protected_mode && config_.requirepass.empty() &&
             !is_loopback(conn->client.addr)) {
    reply = kProtectedModeError;
  }
  if (!reply) return false;
  uv_buf_t buf = uv_buf_init(const_cast<char*>(reply), static_cast<unsigned>(strlen(reply)));
  uv_try_write(reinterpret_cast<uv_stream_t*>(&conn->tcp), &buf, 1);
  close_connection(conn);
  return true;
}

void Server::on_read(Connection* conn, ssize_t nread) {
  if (nread < 0) {
    close_connection(conn);
    return;
  }
  conn->query.commit_tail(static_cast<size_t>(nread));
  state_.stats.net_input_bytes += static_cast<uint64_t>(nread);
  conn->client.last_interaction_ms = wall_ms();
  process_input(conn);
}

void Server::process_input(Connection* conn) {
  Client& c = conn->client;
  while (!c.blocked() && !c.close_after_reply && !conn->closed && !shutting_down_) {
    RequestParser::Limits limits{config_.proto_max_bulk_len, c.authenticated};
    auto outcome = conn->parser.parse(conn->query.view(), limits);
    if (outcome == RequestParser::Outcome::NeedMore) {
      if (conn->query.size() > static_cast<size_t>(config_.client_query_buffer_limit)) {
        log_at(LogSeverity::Warning,
               "Closing client that reached max query buffer length: id={} addr={}", c.id, c.addr);
        close_connection(conn);
        return;
      }
      break;
    }
    if (outcome == RequestParser::Outcome::Error) {
      join_batch(c);
      c.reply.error("ERR " + conn->parser.error());
      ++c.batch_replies;
      log_at(LogSeverity::Verbose, "Protocol error ({}) from client: id={} addr={}",
             conn->parser.error(), c.id, c.addr);
      c.close_after_reply = true;
      conn->query.clear();
      break;
    }
    if (!conn->parser.args().empty()) {
      int64_t now = wall_ms();
      dispatch(state_, c, conn->parser.args(), now);
      if (c.blocked()) arm_block_timer(conn, now);
    }
    conn->query.consume(conn->parser.consumed());
    conn->parser.reset();
  }
  c.query_bytes = conn->query.size();
  c.query_capacity = conn->query.capacity();
  if (c.close_after_reply && conn->reading) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&conn->tcp));
    conn->reading = false;
  }
  update_idle_handle();
}

void Server::arm_block_timer(Connection* conn, int64_t now_ms) {
  int64_t deadline = conn->client.block.deadline_ms;
  if (deadline == 0) return;
  uint64_t wait = static_cast<uint64_t>(std::max<int64_t>(deadline - now_ms, 0));
  uv_timer_start(&conn->block_timer, ServerCallbacks::on_block_timeout, wait, 0);
}

void Server::join_batch(Client& c) {
  if (c.in_batch) return;
  c.in_batch = true;
  c.batch_mark = c.out.size();
  c.batch_replies = 0;
  auto* conn = static_cast<Connection*>(c.owner);
  if (!conn->pending) {
    conn->pending = true;
    pending_.push_back(conn);
  }
}

// Commits the batch. On failure nothing of it reached the disk, so every reply given in it is
// replaced by an error: no client is told a write succeeded when it did not.
Status Server::commit_and_settle() {
  auto t0 = std::chrono::steady_clock::now();
  Status s = store_.in_batch() ? store_.commit() : Status::ok();
  // LATENCY's lmdb-commit event: the commit with its fsync, when it passes the threshold.
  if (config_.latency_monitor_threshold > 0) {
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    if (ms >= config_.latency_monitor_threshold) {
      state_.latency.add("lmdb-commit", wall_ms() / 1000, ms);
    }
  }
  if (!s) {
    store_.abort();
    state_.last_write_error = s.message().substr(4);
    state_.writes_blocked_until_ms = wall_ms() + 1000;
    log_at(LogSeverity::Warning, "Commit failed: {}", state_.last_write_error);
    // A batch that outgrew the map despite the estimates: grow it so the next one fits.
    if (s.message().find("MDB_MAP_FULL") != std::string::npos) store_.grow();
    for (Connection* conn : pending_) {
      Client& c = conn->client;
      if (!c.in_batch) continue;
      c.out.truncate(c.batch_mark);
      for (uint32_t i = 0; i < c.batch_replies; ++i) c.reply.error(s.message());
    }
  } else if (!state_.last_write_error.empty() && wall_ms() >= state_.writes_blocked_until_ms) {
    state_.last_write_error.clear();
  }
  for (Connection* conn : pending_) {
    conn->client.in_batch = false;
    conn->client.batch_replies = 0;
  }
  return s;
}

void Server::end_batch() {
  if (pending_.empty() && !store_.in_batch()) return;
  commit_and_settle();
  if (save_after_commit_) {
    save_after_commit_ = false;
    launch_bgsave();
  }
  if (fsync_mode_changed_) {
    fsync_mode_changed_ = false;
    store_.env().set_sync_mode(sync_mode_of(config_.appendfsync));
  }
  std::vector<Connection*> batch;
  batch.swap(pending_);
  int64_t now = wall_ms();
  for (Connection* conn : batch) {
    conn->pending = false;
    if (conn->closed) continue;
    conn->sendable = conn->client.out.size();
    check_output_limits(conn, now);
    flush(conn);
  }
  // Clients unblocked by this batch may have pipelined requests waiting behind the blocking one.
  for (Connection* conn : batch) {
    if (!conn->closed && !conn->client.blocked() && !conn->query.empty()) process_input(conn);
  }
  if (shutting_down_) finish_shutdown();
  update_idle_handle();
}

void Server::check_output_limits(Connection* conn, int64_t now_ms) {
  const OutputBufferLimit& lim =
      conn->client.subscriptions > 0 ? config_.obl_pubsub : config_.obl_normal;
  size_t size = conn->client.out.size() + conn->inflight.size();
  bool over_hard = lim.hard_bytes && size > lim.hard_bytes;
  bool over_soft = lim.soft_bytes && size > lim.soft_bytes;
  if (!over_soft) conn->soft_limit_since_ms = 0;
  if (over_soft && !conn->soft_limit_since_ms) conn->soft_limit_since_ms = now_ms;
  bool soft_expired = over_soft && now_ms - conn->soft_limit_since_ms >= lim.soft_seconds * 1000;
  if (over_hard || soft_expired) {
    log_at(
        LogSeverity::Warning,
        "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
        conn->client.id, conn->client.addr);
    close_connection(conn);
  }
}

void Server::flush(Connection* conn) {
  if (conn->closed) return;
  send_committed(conn);
}

void Server::send_committed(Connection* conn) {
  Client& c = conn->client;
  if (conn->writing || conn->closed) return;
  if (conn->sendable > 0) {
    uv_buf_t buf = uv_buf_init(c.out.data(), static_cast<unsigned>(conn->sendable));
    int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&conn->tcp), &buf, 1);
    if (n == UV_EAGAIN) n = 0;
    if (n < 0) return close_connection(conn);
    state_.stats.net_output_bytes += static_cast<uint64_t>(n);
    c.out.consume(static_cast<size_t>(n));
    conn->sendable -= static_cast<size_t>(n);
    if (c.batch_mark >= static_cast<size_t>(n)) c.batch_mark -= static_cast<size_t>(n);
    if (conn->sendable > 0) {
      // The socket is full: move what is committed aside and let libuv finish it.
      conn->inflight.append(c.out.data(), conn->sendable);
      state_.stats.net_output_bytes += conn->sendable;
      c.out.consume(conn->sendable);
      if (c.batch_mark >= conn->sendable) c.batch_mark -= conn->sendable;
      conn->sendable = 0;
      conn->writing = true;
      conn->write_req.data = conn;
      uv_buf_t rest =
          uv_buf_init(conn->inflight.data(), static_cast<unsigned>(conn->inflight.size()));
      uv_write(&conn->write_req, reinterpret_cast<uv_stream_t*>(&conn->tcp), &rest, 1,
               ServerCallbacks::on_write);
      return;
    }
  }
  if (c.out.empty()) c.out.shrink_if_idle(64 * 1024);
  if (c.close_after_reply && c.out.empty()) close_connection(conn);
}

void Server::request_close(Client& c) {
  if (c.blocked()) state_.blocking.unblock(c);
  c.closing = true;
  c.close_after_reply = true;
  join_batch(c);  // so end_batch flushes what it has and closes it
}

void Server::close_connection(Connection* conn) {
  if (conn->closed) return;
  conn->closed = true;
  Client& c = conn->client;
  if (c.blocked()) state_.blocking.unblock(c);
  if (c.monitor) std::erase(state_.monitors, &c);
  state_.pubsub.remove_client(c);
  state_.watches.unwatch_all(c);
  if (c.id) state_.clients.erase(c.id);
  if (conn->open_handles == 2) {
    uv_timer_stop(&conn->block_timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&conn->block_timer), ServerCallbacks::on_close);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&conn->tcp), ServerCallbacks::on_close);
}

void Server::begin_shutdown(ShutdownMode) {
  if (shutting_down_) return;
  shutting_down_ = true;
  log_at(LogSeverity::Warning, "User requested shutdown...");
  for (auto& l : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(l.release()),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  }
  listeners_.clear();
  update_idle_handle();
  uv_idle_start(&idle_, ServerCallbacks::on_idle);
}

void Server::finish_shutdown() {
  // Let a background sync or snapshot return first.
  if (shutdown_finished_ || sync_running_ || save_running_) return;
  shutdown_finished_ = true;
  commit_and_settle();
  for (auto& [id, c] : state_.clients) {
    auto* conn = static_cast<Connection*>(c->owner);
    conn->sendable = c->out.size();
    send_committed(conn);
  }
  std::vector<Connection*> all;
  for (auto& [id, c] : state_.clients) all.push_back(static_cast<Connection*>(c->owner));
  for (Connection* conn : all) close_connection(conn);
  store_.close();
  log_at(LogSeverity::Warning, "Postbox is now ready to exit, bye bye...");
  uv_stop(loop_);
}

}  // namespace postbox
