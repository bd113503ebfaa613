// The libuv C callbacks, forwarding to Server's members (shared by the server_*.cpp files).
#pragma once

#include <csignal>

#include "commands/dispatch.h"
#include "net/server.h"
#include "util/clock.h"
#include "util/log.h"

namespace postbox {

struct ServerCallbacks {
  static Connection* conn(uv_handle_t* h) { return static_cast<Connection*>(h->data); }

  static void on_connection(uv_stream_t* listener, int status) {
    if (status < 0) return;
    static_cast<Server*>(listener->data)->accept_client(listener);
  }
  static void on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    Connection* c = conn(h);
    // Read a huge bulk in few large reads instead of many 16 KB ones.
    size_t want =
        std::max<size_t>(16 * 1024, std::min<size_t>(c->parser.pending_bulk_bytes(), 256u << 20));
    char* p = c->query.reserve_tail(want);
    *buf = uv_buf_init(p, static_cast<unsigned>(std::min<size_t>(c->query.tail_room(), 1u << 30)));
  }
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
    Connection* c = conn(reinterpret_cast<uv_handle_t*>(s));
    c->server->on_read(c, nread);
  }
  static void on_write(uv_write_t* req, int status) {
    Connection* c = static_cast<Connection*>(req->data);
    c->writing = false;
    c->inflight.clear();
    c->inflight.shrink_if_idle(64 * 1024);
    if (c->closed) return;
    if (status < 0) return c->server->close_connection(c);
    c->server->send_committed(c);
  }
  static void on_close(uv_handle_t* h) {
    Connection* c = conn(h);
    if (--c->open_handles == 0) delete c;
  }
  static void on_block_timeout(uv_timer_t* t) {
    Connection* c = conn(reinterpret_cast<uv_handle_t*>(t));
    Server* s = c->server;
    if (!c->client.blocked() || c->client.block.deadline_ms == 0) return;
    int64_t now = wall_ms();
    if (now < c->client.block.deadline_ms) return s->arm_block_timer(c, now);
    expire_blocked_client(s->state_, c->client);
    s->update_idle_handle();
  }
  static void on_prepare(uv_prepare_t* p) { static_cast<Server*>(p->data)->background_work(); }
  static void on_check(uv_check_t* p) { static_cast<Server*>(p->data)->end_batch(); }
  static void on_idle(uv_idle_t*) {}  // only keeps the loop from sleeping while work is queued
  static void on_cron(uv_timer_t* t) { static_cast<Server*>(t->data)->cron(); }
  static void on_signal(uv_signal_t* sig, int signum) {
    auto* s = static_cast<Server*>(sig->data);
    log_at(LogSeverity::Warning, "Received {} scheduling shutdown...",
           signum == SIGINT ? "SIGINT" : "SIGTERM");
    s->begin_shutdown(ShutdownMode::Default);
  }
  static void do_sync(uv_work_t* w) {
    // Runs on libuv's worker thread: mdb_env_sync is safe alongside the loop's transaction.
    auto* s = static_cast<Server*>(w->data);
    s->store_.env().sync_now();
  }
  static void do_save(uv_work_t* w) {
    auto* s = static_cast<Server*>(w->data);
    s->save_result_ = s->store_.env().snapshot_to(s->snapshot_path());
  }
  static void after_save(uv_work_t* w, int) { static_cast<Server*>(w->data)->finish_bgsave(); }
  static void after_sync(uv_work_t* w, int) {
    auto* s = static_cast<Server*>(w->data);
    s->sync_running_ = false;
    if (s->shutting_down_) s->finish_shutdown();
  }
};

}  // namespace postbox
