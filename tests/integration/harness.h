// Integration harness: real server processes on free ports, a RESP client, raw sockets, and the
// differential helper that replays commands against a real redis-server.
//
// The binary under test is $POSTBOX_SERVER if set, else the postbox-server this suite was built
// with. Pointing POSTBOX_SERVER at redis-server runs the whole suite against Redis itself; tests of
// Postbox-only behaviour skip themselves then (see SKIP_UNLESS_POSTBOX).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reply.h"

struct redisContext;

namespace postbox::it {

using namespace std::chrono_literals;
using Cmd = std::vector<std::string>;
using Millis = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string server_binary();
// Path of a real redis-server to diff against ($POSTBOX_ORACLE, then PATH), or "".
std::string oracle_binary();
bool is_redis_binary(const std::string& path);
// True when the binary under test is Redis itself.
bool testing_real_redis();
// POSTBOX_IT_REDIS_AOF=1 runs redis-server with appendonly yes, so that the durability tests can
// be checked against Redis too (they are skipped against Redis otherwise).
bool redis_aof_requested();
int find_free_port();

// A connection speaking RESP over hiredis' socket. Commands are encoded by hiredis; replies are
// decoded by ReplyReader (hiredis 0.14 cannot read RESP3). Failures (timeout, EOF, malformed
// reply) throw std::runtime_error, which doctest reports as a failed test.
class Client {
 public:
  explicit Client(int port, Millis timeout = 5000ms);
  ~Client();
  Client(Client&& other) noexcept;
  Client& operator=(Client&&) = delete;
  Client(const Client&) = delete;

  Reply cmd(const Cmd& args);
  // Pipelining: queue commands (and/or raw bytes), flush them in one write, then read replies.
  void send(const Cmd& args);
  void send_raw(std::string_view bytes);
  void flush();
  Reply read();                                // throws after the client's timeout
  std::optional<Reply> try_read(Millis wait);  // nullopt if nothing complete arrives in time
  // True if the server closes the connection within `wait`; replies arriving first stay readable.
  bool closed_within(Millis wait);
  void close();
  int fd() const;

 private:
  bool fill(Millis wait);  // false on timeout; throws on EOF

  redisContext* ctx_ = nullptr;
  Millis timeout_;
  std::string out_;
  ReplyReader reader_;
  bool eof_ = false;
};

// A plain socket for bytes Client would never send (malformed RESP, partial writes).
struct RawResult {
  std::string data;  // everything the server sent
  bool closed = false;
};
// Connects, writes `bytes`, and reads until the server closes or stays quiet for `quiet`.
RawResult raw_exchange(int port, std::string_view bytes, Millis quiet = 300ms);

class Server {
 public:
  // extra: more "--directive value" arguments after port/bind/dir.
  explicit Server(std::vector<std::string> extra = {}, std::string binary = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void start();  // spawns and waits until PING answers
  void stop();   // SIGTERM, SIGKILL after a grace period; checks the exit was clean
  void kill9();  // SIGKILL, no grace: a crash
  // Waits for the server to exit by itself (SHUTDOWN); true, with its wait status, if it did.
  bool wait_exit(Millis limit, int& status);
  void restart();  // stop() then start(), same data dir (and port when still free)

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  bool is_redis() const { return redis_; }
  const std::filesystem::path& dir() const { return data_dir_; }
  Millis last_start_time() const { return start_time_; }
  std::string log_tail(size_t bytes = 4000) const;
  Client client(Millis timeout = 5000ms) const { return Client(port_, timeout); }

 private:
  bool spawn_and_wait();
  void reap(bool expect_clean);

  std::string binary_;
  std::vector<std::string> extra_;
  bool redis_ = false;
  std::filesystem::path root_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_;
  int port_ = 0;
  pid_t pid_ = -1;
  Millis start_time_{0};
};

// The binary under test and a real redis-server side by side, started with the same extra
// directives, each with one client (a(), b()) for replaying sequences.
class Differential {
 public:
  // Called on both replies of every step before comparing, to mask fields that may differ.
  using Normalise = std::function<void(const Cmd&, Reply&)>;

  explicit Differential(std::vector<std::string> extra = {});
  bool available() const { return oracle_ != nullptr; }

  Server& ours() { return *ours_; }
  Server& oracle() { return *oracle_; }
  Client& a() { return *ca_; }
  Client& b() { return *cb_; }

  // Sends each command to both servers and CHECKs the replies are equal (after `norm`).
  void expect_same(const std::vector<Cmd>& seq, const Normalise& norm = {});
  // Same for one command; returns our reply for further checks.
  Reply same(const Cmd& cmd, const Normalise& norm = {});

 private:
  std::unique_ptr<Server> ours_;
  std::unique_ptr<Server> oracle_;
  std::unique_ptr<Client> ca_;
  std::unique_ptr<Client> cb_;
};

// Normalisers for expect_same.
void sort_elements(const Cmd&, Reply& r);  // order-free replies (KEYS, SCAN pages)
// Replaces non-error replies to matching commands by "<masked>": both must succeed, values may
// vary.
Differential::Normalise mask_if(std::function<bool(const Cmd&)> pred);

// Polls `pred` every few ms until true or `limit` elapses; returns the last result.
bool eventually(const std::function<bool()>& pred, Millis limit = 3000ms);
Millis since(Clock::time_point t);
// Wall-clock Unix time in ms, the clock of stream ids, XCLAIM TIME and PEXPIREAT.
long long now_ms();

// Sends a (blocking) command without waiting for its reply.
void start(Client& c, const Cmd& cmd);
// INFO clients' blocked_clients, or -1 when the server does not report it.
long long blocked_clients(Client& admin);
// Waits until exactly `n` clients are blocked: a blocking command sent with start() is only
// known to be waiting once the server counts it.
void await_blocked(Client& admin, long long n);
// INFO <section> as field -> value (section headers and blank lines left out).
std::map<std::string, std::string> info_map(Client& c, const std::string& section = "all");
std::string cmd_str(const Cmd& cmd);

}  // namespace postbox::it

// Skips (with a message) a test that needs the redis-server oracle when it is not installed.
#define REQUIRE_ORACLE(diff)                                            \
  do {                                                                  \
    if (!(diff).available()) {                                          \
      MESSAGE("redis-server not installed: differential test skipped"); \
      return;                                                           \
    }                                                                   \
  } while (0)

// Skips a durability test when the binary under test is Redis without persistence.
#define SKIP_UNLESS_DURABLE()                                                           \
  do {                                                                                  \
    if (::postbox::it::testing_real_redis() && !::postbox::it::redis_aof_requested()) { \
      MESSAGE("durability test: skipped against redis-server without AOF");             \
      return;                                                                           \
    }                                                                                   \
  } while (0)

// Skips a test of Postbox-only behaviour when the binary under test is Redis.
#define SKIP_UNLESS_POSTBOX()                                              \
  do {                                                                     \
    if (::postbox::it::testing_real_redis()) {                             \
      MESSAGE("Postbox-specific behaviour: skipped against redis-server"); \
      return;                                                              \
    }                                                                      \
  } while (0)
