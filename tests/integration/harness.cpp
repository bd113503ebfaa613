#include "harness.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef POSTBOX_SERVER_PATH
#define POSTBOX_SERVER_PATH "postbox-server"
#endif

namespace fs = std::filesystem;

namespace postbox::it {

namespace {

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket(): " + std::string(strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Writes everything; returns false if the peer has gone away.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

fs::path make_temp_root() {
  std::string tmpl = (fs::temp_directory_path() / "postbox-it-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp: " + std::string(strerror(errno)));
  }
  return tmpl;
}

// Answers the readiness probe: anything but LOADING means the server is serving commands
// (a NOAUTH error counts: the server is up and enforcing requirepass).
bool answers_ping(int port) {
  int fd = connect_loopback(port);
  if (fd < 0) return false;
  bool ok = false;
  if (write_all(fd, "*1\r\n$4\r\nPING\r\n")) {
    pollfd p{fd, POLLIN, 0};
    char buf[256];
    if (::poll(&p, 1, 500) == 1) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      std::string_view got(buf, n > 0 ? static_cast<size_t>(n) : 0);
      ok = !got.empty() && (got[0] == '+' || got[0] == '-') && !got.starts_with("-LOADING");
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

// ---------------------------------------------------------------- binaries and ports

std::string server_binary() {
  const char* env = std::getenv("POSTBOX_SERVER");
  return env && *env ? env : POSTBOX_SERVER_PATH;
}

std::string oracle_binary() {
  const char* env = std::getenv("POSTBOX_ORACLE");
  if (env && *env) return ::access(env, X_OK) == 0 ? env : "";
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/bin:/usr/local/bin:/usr/sbin";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / "redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// By name, not by resolving links: Debian's redis-server is a link to redis-check-rdb and
// chooses its personality from argv[0].
bool is_redis_binary(const std::string& path) {
  return fs::path(path).filename().string().starts_with("redis-server");
}

bool testing_real_redis() {
  return is_redis_binary(server_binary());
}

bool redis_aof_requested() {
  const char* env = std::getenv("POSTBOX_IT_REDIS_AOF");
  return env && std::string_view(env) == "1";
}

namespace {

// Binds 127.0.0.1:port (0: any) and returns the port bound, or 0 when it is taken.
int probe_port(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("cannot find a free port: " + std::string(strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof addr;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  return ok ? ntohs(addr.sin_port) : 0;
}

}  // namespace

// A port the kernel hands out is only free until someone binds it: two test processes running
// side by side (scripts/test's shards) may both be given the same one, and then one's server
// fails to bind while its PING is answered by the other's. POSTBOX_TEST_PORTS=first:count gives
// each process a range of its own (below the kernel's ephemeral range, so no client socket
// takes one either).
int find_free_port() {
  static int next = 0;
  const char* range = std::getenv("POSTBOX_TEST_PORTS");
  int first = 0, count = 0;
  if (range && std::sscanf(range, "%d:%d", &first, &count) == 2 && first > 0 && count > 0) {
    for (int tries = 0; tries < count; ++tries) {
      int port = first + (next++ % count);
      if (probe_port(port)) return port;
    }
    throw std::runtime_error(std::string("no free port in POSTBOX_TEST_PORTS=") + range);
  }
  int port = probe_port(0);
  if (!port) throw std::runtime_error("cannot find a free port: " + std::string(strerror(errno)));
  return port;
}

std::string cmd_str(const Cmd& cmd) {
  std::string out;
  for (const auto& a : cmd) {
    if (!out.empty()) out += ' ';
    out += bulk(a.size() > 60 ? a.substr(0, 60) + "..." : a).repr();
  }
  return out;
}

std::map<std::string, std::string> info_map(Client& c, const std::string& section) {
  Reply r = c.cmd({"INFO", section});
  REQUIRE_MESSAGE(r.type == ReplyType::String, r.repr());
  std::map<std::string, std::string> out;
  std::istringstream in(r.str);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    out[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return out;
}

bool eventually(const std::function<bool()>& pred, Millis limit) {
  auto deadline = Clock::now() + limit;
  while (true) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(5ms);
  }
}

Millis since(Clock::time_point t) {
  return std::chrono::duration_cast<Millis>(Clock::now() - t);
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void start(Client& c, const Cmd& cmd) {
  c.send(cmd);
  c.flush();
}

long long blocked_clients(Client& admin) {
  Reply info = admin.cmd({"INFO", "clients"});
  const std::string field = "blocked_clients:";
  size_t at = info.str.find(field);
  if (at == std::string::npos) return -1;
  return std::stoll(info.str.substr(at + field.size()));
}

void await_blocked(Client& admin, long long n) {
  bool reached = eventually([&] { return blocked_clients(admin) == n; }, 3000ms);
  REQUIRE_MESSAGE(
      reached, "blocked_clients never reached " << n << " (last " << blocked_clients(admin) << ")");
}

// ---------------------------------------------------------------- Client

Client::Client(int port, Millis timeout) : timeout_(timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ctx_ = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (ctx_ == nullptr || ctx_->err != 0) {
    std::string why = ctx_ ? ctx_->errstr : "out of memory";
    if (ctx_) redisFree(ctx_);
    ctx_ = nullptr;
    throw std::runtime_error(fmt::format("connect to 127.0.0.1:{} failed: {}", port, why));
  }
  int one = 1;
  ::setsockopt(ctx_->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(ctx_->fd, F_SETFD, FD_CLOEXEC);
}

Client::Client(Client&& other) noexcept
    : ctx_(other.ctx_),
      timeout_(other.timeout_),
      out_(std::move(other.out_)),
      reader_(std::move(other.reader_)),
      eof_(other.eof_) {
  other.ctx_ = nullptr;
}

Client::~Client() {
  close();
}

void Client::close() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
}

int Client::fd() const {
  return ctx_ ? ctx_->fd : -1;
}

void Client::send(const Cmd& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* encoded = nullptr;
  int n = redisFormatCommandArgv(&encoded, static_cast<int>(args.size()), argv.data(), lens.data());
  if (n < 0) throw std::runtime_error("redisFormatCommandArgv failed");
  out_.append(encoded, static_cast<size_t>(n));
  redisFreeCommand(encoded);
}

void Client::send_raw(std::string_view bytes) {
  out_.append(bytes);
}

// Reads replies into the reader while writing, so a deep pipeline cannot deadlock on full
// socket buffers in both directions.
void Client::flush() {
  if (!ctx_) throw std::runtime_error("client is closed");
  std::string_view pending = out_;
  auto deadline = Clock::now() + timeout_ + 60s;
  while (!pending.empty()) {
    pollfd p{ctx_->fd, POLLOUT | POLLIN, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc == 0) throw std::runtime_error("timed out writing to server");
    if (rc < 0 && errno == EINTR) continue;
    if (p.revents & POLLIN && !eof_) fill(0ms);
    if (p.revents & (POLLOUT | POLLERR | POLLHUP)) {
      ssize_t n = ::send(ctx_->fd, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n < 0)
        throw std::runtime_error("write to server failed: " + std::string(strerror(errno)));
      pending.remove_prefix(static_cast<size_t>(n));
    }
  }
  out_.clear();
}

bool Client::fill(Millis wait) {
  if (eof_) throw std::runtime_error("connection closed by server");
  pollfd p{ctx_->fd, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (rc == 0 || (rc < 0 && errno == EINTR)) return false;
  char buf[65536];
  ssize_t n = ::recv(ctx_->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) {
    eof_ = true;
    throw std::runtime_error("connection closed by server");
  }
  reader_.feed(std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

Reply Client::read() {
  if (auto r = try_read(timeout_)) return *r;
  throw std::runtime_error(fmt::format("no reply within {} ms", timeout_.count()));
}

std::optional<Reply> Client::try_read(Millis wait) {
  if (!out_.empty()) flush();
  auto deadline = Clock::now() + wait;
  while (true) {
    if (auto r = reader_.next()) return r;
    if (!fill(Millis(remaining_ms(deadline))) && Clock::now() >= deadline) return std::nullopt;
  }
}

Reply Client::cmd(const Cmd& args) {
  send(args);
  flush();
  return read();
}

bool Client::closed_within(Millis wait) {
  if (!out_.empty()) flush();
  auto deadline = Clock::now() + wait;
  try {
    while (true) {
      if (!fill(Millis(remaining_ms(deadline))) && Clock::now() >= deadline) return false;
    }
  } catch (const std::runtime_error&) {
    return eof_;
  }
}

// ---------------------------------------------------------------- raw sockets

RawResult raw_exchange(int port, std::string_view bytes, Millis quiet) {
  int fd = connect_loopback(port);
  if (fd < 0) throw std::runtime_error(fmt::format("connect to port {} failed", port));
  RawResult result;
  write_all(fd, bytes);
  auto hard_deadline = Clock::now() + 10s;
  char buf[65536];
  while (Clock::now() < hard_deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      result.closed = true;
      break;
    }
    result.data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return result;
}

// ---------------------------------------------------------------- Server

Server::Server(std::vector<std::string> extra, std::string binary)
    : binary_(binary.empty() ? server_binary() : std::move(binary)), extra_(std::move(extra)) {
  redis_ = is_redis_binary(binary_);
  root_ = make_temp_root();
  data_dir_ = root_ / "data";
  log_ = root_ / "server.log";
  fs::create_directories(data_dir_);
  try {
    start();
  } catch (...) {
    std::error_code ec;
    fs::remove_all(root_, ec);
    throw;
  }
}

Server::~Server() {
  stop();
  std::error_code ec;
  fs::remove_all(root_, ec);
}

void Server::start() {
  if (running()) return;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (port_ == 0 || attempt > 0) port_ = find_free_port();
    if (spawn_and_wait()) return;
  }
  throw std::runtime_error(fmt::format("{} did not start; log:\n{}", binary_, log_tail()));
}

bool Server::spawn_and_wait() {
  std::vector<std::string> args = {binary_,     "--port", std::to_string(port_), "--bind",
                                   "127.0.0.1", "--dir",  data_dir_.string()};
  if (redis_ && redis_aof_requested()) {
    args.insert(args.end(), {"--save", "", "--appendonly", "yes", "--appendfsync", "always"});
  } else if (redis_) {
    args.insert(args.end(), {"--save", "", "--appendonly", "no"});
  }
  args.insert(args.end(), extra_.begin(), extra_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  auto began = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Dies with the test runner, and holds none of its sockets: an inherited client socket
    // would keep a connection open that a test believes it closed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  auto deadline = began + 20s;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      MESSAGE(fmt::format("server exited during start-up (status {}); log:\n{}", status,
                          log_tail(1500)));
      return false;
    }
    if (answers_ping(port_)) {
      start_time_ = std::chrono::duration_cast<Millis>(Clock::now() - began);
      return true;
    }
    std::this_thread::sleep_for(2ms);
  }
  kill9();
  return false;
}

void Server::reap(bool expect_clean) {
  int status = 0;
  auto deadline = Clock::now() + 10s;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      CHECK_MESSAGE(false, "server ignored SIGTERM for 10 s; killed");
      break;
    }
    std::this_thread::sleep_for(2ms);
  }
  pid_ = -1;
  if (expect_clean) {
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    CHECK_MESSAGE(clean, fmt::format("server did not exit cleanly on SIGTERM (status {}); log:\n{}",
                                     status, log_tail()));
  }
}

void Server::stop() {
  if (!running()) return;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    CHECK_MESSAGE(false, fmt::format("server died before the test stopped it (status {}); log:\n{}",
                                     status, log_tail()));
    return;
  }
  ::kill(pid_, SIGTERM);
  reap(true);
}

bool Server::wait_exit(Millis limit, int& status) {
  if (!running()) return false;
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

void Server::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void Server::restart() {
  stop();
  start();
}

std::string Server::log_tail(size_t bytes) const {
  std::ifstream in(log_, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

// ---------------------------------------------------------------- Differential

Differential::Differential(std::vector<std::string> extra) {
  ours_ = std::make_unique<Server>(extra);
  ca_ = std::make_unique<Client>(ours_->port());
  std::string redis = oracle_binary();
  if (redis.empty()) return;
  oracle_ = std::make_unique<Server>(extra, redis);
  cb_ = std::make_unique<Client>(oracle_->port());
}

Reply Differential::same(const Cmd& cmd, const Normalise& norm) {
  Reply ra = ca_->cmd(cmd);
  Reply rb = cb_->cmd(cmd);
  Reply ours = ra;
  if (norm) {
    norm(cmd, ra);
    norm(cmd, rb);
  }
  CHECK_MESSAGE(ra.repr() == rb.repr(),
                fmt::format("{}\n   ours: {}\n  redis: {}", cmd_str(cmd), ra.repr(), rb.repr()));
  return ours;
}

void Differential::expect_same(const std::vector<Cmd>& seq, const Normalise& norm) {
  for (const auto& cmd : seq) same(cmd, norm);
}

void sort_elements(const Cmd&, Reply& r) {
  std::sort(r.elements.begin(), r.elements.end(),
            [](const Reply& x, const Reply& y) { return x.repr() < y.repr(); });
}

Differential::Normalise mask_if(std::function<bool(const Cmd&)> pred) {
  return [pred = std::move(pred)](const Cmd& cmd, Reply& r) {
    if (pred(cmd) && !r.is_error()) r = status("<masked>");
  };
}

}  // namespace postbox::it
