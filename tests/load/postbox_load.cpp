// postbox-load: queue-shaped load for any Redis-protocol server (Postbox or redis-server).
//
//   postbox-load reliable [options]   P producers LPUSH onto a queue; C consumers BLMOVE each
//                                     message to a processing list and acknowledge it with LREM.
//                                     Reports messages/s end to end (first push to last LREM).
//   postbox-load fanout [options]     S subscriber connections SUBSCRIBE one channel; publishers
//                                     PUBLISH M messages. Reports delivered messages/s (first
//                                     publish to last delivery) and publishes/s.
//   postbox-load group [options]      P producers XADD to one stream; C consumers of one consumer
//                                     group read with XREADGROUP ... COUNT 10 BLOCK ms ... > and
//                                     XACK what they got. Reports messages/s end to end (first
//                                     XADD to last XACK). With --visibility/--maxdeliveries the
//                                     group gets Postbox's queue policy; with --nack-pct the
//                                     consumers XNACK FAIL a fixed share of the messages on their
//                                     first delivery and XACK them when they come back.
//
// Results go to stdout as "TEST<TAB>ops-per-second" lines (the format scripts/bench reads), a
// human summary to stderr. Every message is checked: each reliable or group message is
// acknowledged exactly once (and the group's PEL is empty at the end; a NACKed group message is
// delivered exactly twice, other messages once, and with a policy nothing is dead-lettered); each
// subscriber sees every publisher's messages complete and in order. Exit status 1 if a check fails,
// 2 on a connection error or when --timeout runs out.
#include <fmt/core.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode;
  std::string host = "127.0.0.1";
  int port = 6379;
  int producers = 2;
  int consumers = 4;
  long long messages = 20000;
  int size = 64;
  int pipeline = 1;     // reliable/group: LPUSHes/XADDs in flight per producer; fanout: PUBLISHes
  int count = 10;       // group: XREADGROUP COUNT
  int block_ms = 1000;  // group: XREADGROUP BLOCK
  long long visibility_ms = -1;   // group: XGROUP CREATE ... VISIBILITY (Postbox); -1: not given
  long long max_deliveries = -1;  // group: XGROUP CREATE ... MAXDELIVERIES (Postbox); -1: not given
  int nack_pct = 0;               // group: share of messages XNACKed on their first delivery
  int subscribers = 50;
  int publishers = 1;
  int readers = 1;  // fanout: threads reading the subscriber connections (poll loops)
  std::string key = "postbox-load";
  std::string label;
  int timeout_s = 300;
  bool quiet = false;
};

[[noreturn]] void usage(int status) {
  std::fputs(
      "usage: postbox-load reliable|fanout|group [options]\n"
      "  --host H            server address (127.0.0.1)\n"
      "  --port N            server port (6379)\n"
      "  --messages N        messages in total (20000)\n"
      "  --size B            payload bytes per message (64)\n"
      "  --pipeline D        requests in flight per producer/publisher (reliable and group 1,\n"
      "                      fanout 16)\n"
      "  --key NAME          queue key / channel name / stream (postbox-load); reliable also\n"
      "                      uses NAME:processing. The keys are deleted first.\n"
      "  --label TEXT        test name printed before the tab (default from mode and sizes)\n"
      "  --timeout S         give up after S seconds (300)\n"
      "  --quiet             no summary on stderr\n"
      " reliable:\n"
      "  --producers P       LPUSH connections (2)\n"
      "  --consumers C       BLMOVE + LREM connections (4)\n"
      " fanout:\n"
      "  --subscribers S     SUBSCRIBE connections (50)\n"
      "  --publishers N      PUBLISH connections (1)\n"
      "  --readers T         threads reading the subscribers (1)\n"
      " group:\n"
      "  --producers P       XADD connections (2)\n"
      "  --consumers C       XREADGROUP + XACK connections, consumers c0..c<C-1> of group g (4)\n"
      "  --count N           XREADGROUP COUNT (10)\n"
      "  --block MS          XREADGROUP BLOCK milliseconds (1000)\n"
      "  --visibility MS     create the group with VISIBILITY MS (Postbox only); a message\n"
      "                      redelivered because MS ran out counts as a duplicate\n"
      "  --maxdeliveries N   create the group with MAXDELIVERIES N (Postbox only); the\n"
      "                      dead-letter stream is checked empty at the end\n"
      "  --nack-pct P        consumers XNACK FAIL (instead of XACK) every message whose number\n"
      "                      is a multiple of 100/P (integer division: about P%) on its first\n"
      "                      delivery, and XACK it when it comes back (0; needs --visibility,\n"
      "                      and --maxdeliveries 0 or >= 2)\n",
      status == 0 ? stdout : stderr);
  std::exit(status);
}

long long parse_number(const char* flag, const char* text, long long min) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min) {
    std::fprintf(stderr, "postbox-load: %s needs an integer >= %lld, got '%s'\n", flag, min, text);
    std::exit(2);
  }
  return v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  if (argc < 2) usage(2);
  o.mode = argv[1];
  if (o.mode == "-h" || o.mode == "--help") usage(0);
  if (o.mode != "reliable" && o.mode != "fanout" && o.mode != "group") usage(2);
  bool pipeline_set = false;
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (a == "-h" || a == "--help") usage(0);
    if (i + 1 >= argc) usage(2);
    const char* v = argv[++i];
    if (a == "--host")
      o.host = v;
    else if (a == "--port")
      o.port = static_cast<int>(parse_number("--port", v, 1));
    else if (a == "--messages")
      o.messages = parse_number("--messages", v, 1);
    else if (a == "--size")
      o.size = static_cast<int>(parse_number("--size", v, 16));
    else if (a == "--pipeline") {
      o.pipeline = static_cast<int>(parse_number("--pipeline", v, 1));
      pipeline_set = true;
    } else if (a == "--key")
      o.key = v;
    else if (a == "--label")
      o.label = v;
    else if (a == "--timeout")
      o.timeout_s = static_cast<int>(parse_number("--timeout", v, 1));
    else if (a == "--producers")
      o.producers = static_cast<int>(parse_number("--producers", v, 1));
    else if (a == "--consumers")
      o.consumers = static_cast<int>(parse_number("--consumers", v, 1));
    else if (a == "--subscribers")
      o.subscribers = static_cast<int>(parse_number("--subscribers", v, 1));
    else if (a == "--publishers")
      o.publishers = static_cast<int>(parse_number("--publishers", v, 1));
    else if (a == "--readers")
      o.readers = static_cast<int>(parse_number("--readers", v, 1));
    else if (a == "--count")
      o.count = static_cast<int>(parse_number("--count", v, 1));
    else if (a == "--block")
      o.block_ms = static_cast<int>(parse_number("--block", v, 1));
    else if (a == "--visibility")
      o.visibility_ms = parse_number("--visibility", v, 0);
    else if (a == "--maxdeliveries")
      o.max_deliveries = parse_number("--maxdeliveries", v, 0);
    else if (a == "--nack-pct") {
      o.nack_pct = static_cast<int>(parse_number("--nack-pct", v, 0));
      if (o.nack_pct > 100) {
        std::fprintf(stderr, "postbox-load: --nack-pct needs an integer from 0 to 100, got '%s'\n",
                     v);
        std::exit(2);
      }
    } else
      usage(2);
  }
  if (o.mode == "fanout" && !pipeline_set) o.pipeline = 16;
  if (o.nack_pct > 0 && o.visibility_ms <= 0) {
    // Only a `>` read of a group with VISIBILITY hands a released entry out again.
    std::fputs("postbox-load: --nack-pct needs --visibility MS (MS >= 1)\n", stderr);
    std::exit(2);
  }
  if (o.nack_pct > 0 && o.max_deliveries == 1) {
    std::fputs(
        "postbox-load: --nack-pct with --maxdeliveries 1 dead-letters every NACKed message\n",
        stderr);
    std::exit(2);
  }
  return o;
}

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "postbox-load: %s\n", msg.c_str());
  std::fflush(stderr);
  std::_Exit(2);
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// One blocking hiredis connection; any I/O or protocol error ends the program.
class Conn {
 public:
  Conn(const Options& o) {
    ctx_ = redisConnect(o.host.c_str(), o.port);
    if (ctx_ == nullptr || ctx_->err)
      die(fmt::format("cannot connect to {}:{}: {}", o.host, o.port,
                      ctx_ ? ctx_->errstr : "out of memory"));
  }
  ~Conn() { redisFree(ctx_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void append(std::initializer_list<std::string_view> args) {
    append_args(args.begin(), args.size());
  }
  // For commands of variable length (XACK with a batch of ids).
  void append_args(const std::string_view* args, size_t n) {
    argv_.clear();
    lens_.clear();
    for (size_t i = 0; i < n; ++i) {
      argv_.push_back(args[i].data());
      lens_.push_back(args[i].size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(n), argv_.data(), lens_.data()) != REDIS_OK)
      fail("append");
  }
  ReplyPtr read() {
    void* r = nullptr;
    if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr) fail("read");
    ReplyPtr reply(static_cast<redisReply*>(r));
    if (reply->type == REDIS_REPLY_ERROR)
      die(fmt::format("server error: {}", std::string_view(reply->str, reply->len)));
    return reply;
  }
  ReplyPtr call(std::initializer_list<std::string_view> args) {
    append(args);
    return read();
  }
  ReplyPtr call_args(const std::vector<std::string_view>& args) {
    append_args(args.data(), args.size());
    return read();
  }
  // Like call_args, but an error reply is returned, not fatal.
  ReplyPtr try_call_args(const std::vector<std::string_view>& args) {
    append_args(args.data(), args.size());
    void* r = nullptr;
    if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr) fail("read");
    return ReplyPtr(static_cast<redisReply*>(r));
  }
  // For poll-driven readers: one read() from the socket, then replies already complete.
  void buffer_read() {
    if (redisBufferRead(ctx_) != REDIS_OK) fail("read");
  }
  ReplyPtr next_buffered() {
    void* r = nullptr;
    if (redisGetReplyFromReader(ctx_, &r) != REDIS_OK) fail("parse");
    return ReplyPtr(static_cast<redisReply*>(r));
  }
  int fd() const { return ctx_->fd; }

 private:
  [[noreturn]] void fail(const char* what) {
    die(fmt::format("connection {} failed: {}", what, ctx_->errstr[0] ? ctx_->errstr : "EOF"));
  }
  redisContext* ctx_ = nullptr;
  std::vector<const char*> argv_;
  std::vector<size_t> lens_;
};

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// A payload of exactly `size` bytes that starts with "<id>:".
std::string payload(long long id, int size) {
  std::string s = fmt::format("{}:", id);
  if (static_cast<int>(s.size()) < size) s.append(static_cast<size_t>(size) - s.size(), 'x');
  return s;
}

void watchdog(int timeout_s, const std::atomic<bool>& finished) {
  std::thread([timeout_s, &finished] {
    auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    while (!finished.load()) {
      if (Clock::now() > deadline) die(fmt::format("timed out after {} s", timeout_s));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }).detach();
}

// ------------------------------------------------------------------------------------ reliable

int run_reliable(const Options& o) {
  const std::string queue = o.key;
  const std::string processing = o.key + ":processing";
  const long long n = o.messages;
  {
    Conn admin(o);
    admin.call({"DEL", queue, processing});
  }
  std::vector<std::atomic<unsigned char>> acked(static_cast<size_t>(n));
  std::atomic<long long> done{0};
  std::atomic<long long> problems{0};
  std::atomic<bool> finished{false};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  Clock::time_point end_time{};
  std::mutex end_mu;
  watchdog(o.timeout_s, finished);

  // Connect everything before the clock starts.
  std::vector<std::thread> threads;
  const int total_threads = o.producers + o.consumers;
  for (int c = 0; c < o.consumers; ++c) {
    threads.emplace_back([&] {
      Conn conn(o);
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      for (;;) {
        ReplyPtr r = conn.call({"BLMOVE", queue, processing, "RIGHT", "LEFT", "1"});
        if (r->type != REDIS_REPLY_STRING) {
          if (finished.load()) return;
          continue;  // timed out: keep waiting
        }
        std::string msg(r->str, r->len);
        ReplyPtr ack = conn.call({"LREM", processing, "1", msg});
        if (ack->type != REDIS_REPLY_INTEGER || ack->integer != 1) problems.fetch_add(1);
        if (msg == "stop") return;
        long long id = std::strtoll(msg.c_str(), nullptr, 10);
        if (id < 0 || id >= n || acked[static_cast<size_t>(id)].fetch_add(1) != 0) {
          problems.fetch_add(1);
          continue;
        }
        if (done.fetch_add(1) + 1 == n) {
          std::lock_guard lock(end_mu);
          end_time = Clock::now();
          finished = true;
        }
      }
    });
  }
  for (int p = 0; p < o.producers; ++p) {
    threads.emplace_back([&, p] {
      Conn conn(o);
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      long long in_flight = 0;
      for (long long id = p; id < n; id += o.producers) {
        conn.append({"LPUSH", queue, payload(id, o.size)});
        if (++in_flight == o.pipeline) {
          conn.read();
          --in_flight;
        }
      }
      while (in_flight-- > 0) conn.read();
    });
  }
  while (ready.load() < total_threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  go = true;
  while (!finished.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Consumers still waiting in BLMOVE: wake each with a stop message.
  {
    Conn admin(o);
    for (int c = 0; c < o.consumers; ++c) admin.call({"LPUSH", queue, "stop"});
    for (auto& t : threads) t.join();
    ReplyPtr left_q = admin.call({"LLEN", queue});
    ReplyPtr left_p = admin.call({"LLEN", processing});
    // Stop messages not taken (a consumer that saw `finished` after a timeout) are fine.
    ReplyPtr rest = admin.call({"LRANGE", queue, "0", "-1"});
    for (size_t i = 0; i < rest->elements; ++i)
      if (std::string_view(rest->element[i]->str, rest->element[i]->len) != "stop")
        problems.fetch_add(1);
    if (left_p->integer != 0) problems.fetch_add(1);
    (void)left_q;
    admin.call({"DEL", queue, processing});
  }
  double secs;
  {
    std::lock_guard lock(end_mu);
    secs = seconds(end_time - start);
  }
  const double rate = static_cast<double>(n) / secs;
  const std::string label =
      o.label.empty() ? fmt::format("reliable P{} C{}", o.producers, o.consumers) : o.label;
  fmt::print("{}\t{:.2f}\n", label, rate);
  std::fflush(stdout);
  if (!o.quiet)
    fmt::print(stderr,
               "reliable: {} messages of {} B, {} producers (pipeline {}), {} consumers: "
               "{:.3f} s, {:.0f} msg/s end to end, {} problems\n",
               n, o.size, o.producers, o.pipeline, o.consumers, secs, rate, problems.load());
  if (problems.load() != 0) {
    fmt::print(stderr, "reliable: FAILED: {} messages lost, duplicated or not acknowledged\n",
               problems.load());
    return 1;
  }
  return 0;
}

// -------------------------------------------------------------------------------------- fanout

struct Subscriber {
  std::unique_ptr<Conn> conn;
  std::vector<long long> next_seq;  // per publisher
  long long received = 0;
  bool out_of_order = false;
};

int run_fanout(const Options& o) {
  const std::string channel = o.key;
  const long long per_pub_base = o.messages / o.publishers;
  auto per_pub = [&](int p) { return per_pub_base + (p < o.messages % o.publishers ? 1 : 0); };
  const long long expected_each = o.messages;
  std::atomic<bool> finished{false};
  watchdog(o.timeout_s, finished);

  std::vector<Subscriber> subs(static_cast<size_t>(o.subscribers));
  for (auto& s : subs) {
    s.conn = std::make_unique<Conn>(o);
    ReplyPtr r = s.conn->call({"SUBSCRIBE", channel});
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) die("unexpected SUBSCRIBE reply");
    s.next_seq.assign(static_cast<size_t>(o.publishers), 0);
  }
  Conn admin(o);
  {
    ReplyPtr r = admin.call({"PUBSUB", "NUMSUB", channel});
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[1]->integer != o.subscribers)
      die("PUBSUB NUMSUB does not count every subscriber");
  }

  std::atomic<long long> receivers_total{0};
  std::atomic<int> subs_done{0};
  std::atomic<bool> go{false};
  Clock::time_point last_delivery{}, publish_end{};
  std::mutex mu;

  // Readers: each polls its share of the subscriber sockets.
  std::vector<std::thread> readers;
  const int nreaders = std::min(o.readers, o.subscribers);
  for (int t = 0; t < nreaders; ++t) {
    readers.emplace_back([&, t] {
      std::vector<Subscriber*> mine;
      for (size_t i = static_cast<size_t>(t); i < subs.size(); i += static_cast<size_t>(nreaders))
        mine.push_back(&subs[i]);
      std::vector<pollfd> fds;
      for (auto* s : mine) fds.push_back({s->conn->fd(), POLLIN, 0});
      size_t open = mine.size();
      while (open > 0) {
        if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) die("poll failed");
        for (size_t i = 0; i < fds.size(); ++i) {
          if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLERR | POLLHUP))) continue;
          Subscriber& s = *mine[i];
          s.conn->buffer_read();
          while (ReplyPtr r = s.conn->next_buffered()) {
            // ["message", channel, "<publisher>:<seq>:xxx..."]
            if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) die("unexpected push");
            const redisReply* data = r->element[2];
            char* end = nullptr;
            long long pub = std::strtoll(data->str, &end, 10);
            long long seq = std::strtoll(end + 1, nullptr, 10);
            if (pub < 0 || pub >= o.publishers || seq != s.next_seq[static_cast<size_t>(pub)]++)
              s.out_of_order = true;
            if (++s.received == expected_each) {
              fds[i].fd = -1;
              --open;
              if (subs_done.fetch_add(1) + 1 == o.subscribers) {
                std::lock_guard lock(mu);
                last_delivery = Clock::now();
              }
            }
          }
        }
      }
    });
  }

  std::vector<std::thread> pubs;
  std::atomic<int> pubs_ready{0};
  for (int p = 0; p < o.publishers; ++p) {
    pubs.emplace_back([&, p] {
      Conn conn(o);
      pubs_ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      const long long count = per_pub(p);
      long long in_flight = 0, sum = 0;
      std::string body(static_cast<size_t>(o.size), 'x');
      for (long long seq = 0; seq < count; ++seq) {
        std::string msg = fmt::format("{}:{}:", p, seq);
        if (static_cast<int>(msg.size()) < o.size)
          msg.append(body, 0, static_cast<size_t>(o.size) - msg.size());
        conn.append({"PUBLISH", channel, msg});
        if (++in_flight == o.pipeline) {
          sum += conn.read()->integer;
          --in_flight;
        }
      }
      while (in_flight-- > 0) sum += conn.read()->integer;
      receivers_total.fetch_add(sum);
    });
  }
  while (pubs_ready.load() < o.publishers)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  go = true;
  for (auto& t : pubs) t.join();
  {
    std::lock_guard lock(mu);
    publish_end = Clock::now();
  }
  for (auto& t : readers) t.join();
  finished = true;

  long long problems = 0;
  for (const auto& s : subs) problems += s.out_of_order ? 1 : 0;
  const long long want_receivers = expected_each * o.subscribers;
  if (receivers_total.load() != want_receivers) ++problems;
  const double deliver_s = seconds(last_delivery - start);
  const double publish_s = seconds(publish_end - start);
  const double delivered = static_cast<double>(want_receivers) / deliver_s;
  const double published = static_cast<double>(o.messages) / publish_s;
  const std::string label = o.label.empty() ? fmt::format("fanout S{}", o.subscribers) : o.label;
  fmt::print("{} delivered\t{:.2f}\n{} publish\t{:.2f}\n", label, delivered, label, published);
  std::fflush(stdout);
  if (!o.quiet)
    fmt::print(stderr,
               "fanout: {} messages of {} B to {} subscribers from {} publishers (pipeline {}): "
               "{:.0f} deliveries/s over {:.3f} s, {:.0f} publishes/s; PUBLISH counted {} of {} "
               "receivers\n",
               o.messages, o.size, o.subscribers, o.publishers, o.pipeline, delivered, deliver_s,
               published, receivers_total.load(), want_receivers);
  if (problems != 0) {
    fmt::print(stderr, "fanout: FAILED: messages out of order or receiver counts wrong\n");
    return 1;
  }
  return 0;
}

// --------------------------------------------------------------------------------------- group

std::string_view str_of(const redisReply* r) {
  return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS
             ? std::string_view(r->str, r->len)
             : std::string_view();
}

int run_group(const Options& o) {
  const std::string stream = o.key;
  const std::string group = "g";
  const long long n = o.messages;
  const bool policy = o.visibility_ms >= 0 || o.max_deliveries >= 0;
  // --nack-pct P: the messages whose number is a multiple of this are NACKed once.
  const long long nack_every = o.nack_pct > 0 ? 100 / o.nack_pct : 0;
  auto nacked_once = [&](long long id) { return nack_every > 0 && id % nack_every == 0; };
  std::string dlq = stream + ":dlq";  // Postbox's default dead-letter stream
  {
    Conn admin(o);
    admin.call({"DEL", stream});
    if (policy) admin.call({"DEL", dlq});
    const std::string vis = std::to_string(o.visibility_ms);
    const std::string maxd = std::to_string(o.max_deliveries);
    std::vector<std::string_view> create = {"XGROUP", "CREATE", stream, group, "0", "MKSTREAM"};
    if (o.visibility_ms >= 0) create.insert(create.end(), {"VISIBILITY", vis});
    if (o.max_deliveries >= 0) create.insert(create.end(), {"MAXDELIVERIES", maxd});
    ReplyPtr r = admin.try_call_args(create);
    if (r->type == REDIS_REPLY_ERROR)
      die(fmt::format("XGROUP CREATE failed: {}{}", std::string_view(r->str, r->len),
                      policy ? " (--visibility and --maxdeliveries need Postbox)" : ""));
  }
  std::vector<std::atomic<unsigned char>> acked(static_cast<size_t>(n));
  std::vector<std::atomic<unsigned char>> delivered(static_cast<size_t>(n));
  std::atomic<long long> done{0};
  std::atomic<long long> problems{0};
  std::atomic<long long> reads{0};  // XREADGROUP calls that returned entries
  std::atomic<long long> nacks{0};  // messages XNACKed
  std::atomic<bool> finished{false};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  Clock::time_point end_time{};
  std::mutex end_mu;
  watchdog(o.timeout_s, finished);

  // Connect everything before the clock starts.
  std::vector<std::thread> threads;
  const int total_threads = o.producers + o.consumers;
  for (int c = 0; c < o.consumers; ++c) {
    threads.emplace_back([&, c] {
      Conn conn(o);
      const std::string name = fmt::format("c{}", c);
      const std::string count = std::to_string(o.count);
      const std::string block = std::to_string(o.block_ms);
      std::vector<std::string_view> ack, nack;
      std::string nack_count;
      std::vector<long long> got;
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      for (;;) {
        ReplyPtr r = conn.call({"XREADGROUP", "GROUP", group, name, "COUNT", count, "BLOCK", block,
                                "STREAMS", stream, ">"});
        if (r->type == REDIS_REPLY_NIL) {
          if (finished.load()) return;
          continue;  // timed out: keep waiting
        }
        // [[stream, [[id, [field, value]], ...]]]
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
            r->element[0]->type != REDIS_REPLY_ARRAY || r->element[0]->elements != 2 ||
            r->element[0]->element[1]->type != REDIS_REPLY_ARRAY)
          die("unexpected XREADGROUP reply");
        const redisReply* entries = r->element[0]->element[1];
        if (entries->elements == 0 || entries->elements > static_cast<size_t>(o.count))
          problems.fetch_add(1);
        reads.fetch_add(1);
        ack.assign({"XACK", stream, group});
        nack.assign({"XNACK", stream, group, "FAIL", "IDS", ""});  // [5]: how many ids
        got.clear();
        bool stop = false;
        for (size_t i = 0; i < entries->elements; ++i) {
          const redisReply* e = entries->element[i];
          if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
              e->element[0]->type != REDIS_REPLY_STRING ||
              e->element[1]->type != REDIS_REPLY_ARRAY || e->element[1]->elements != 2)
            die("unexpected XREADGROUP entry");
          std::string_view value = str_of(e->element[1]->element[1]);
          if (value == "stop") {
            ack.push_back(str_of(e->element[0]));
            stop = true;
            continue;
          }
          long long id = std::strtoll(std::string(value).c_str(), nullptr, 10);
          if (id >= 0 && id < n) {
            // A message comes once; one NACKed on its first delivery comes exactly once more.
            int nth = delivered[static_cast<size_t>(id)].fetch_add(1) + 1;
            if (nth == 1 && nacked_once(id)) {
              nack.push_back(str_of(e->element[0]));
              continue;
            }
            if (nth > (nacked_once(id) ? 2 : 1)) problems.fetch_add(1);
          }
          ack.push_back(str_of(e->element[0]));
          got.push_back(id);
        }
        // Every id just delivered must have been pending, so XACK and XNACK count all of them.
        const auto acks = static_cast<long long>(ack.size() - 3);
        const auto nacked = static_cast<long long>(nack.size() - 6);
        if (acks > 0) conn.append_args(ack.data(), ack.size());
        if (nacked > 0) {
          nack_count = std::to_string(nacked);
          nack[5] = nack_count;
          conn.append_args(nack.data(), nack.size());
          nacks.fetch_add(nacked);
        }
        if (acks > 0) {
          ReplyPtr a = conn.read();
          if (a->type != REDIS_REPLY_INTEGER || a->integer != acks) problems.fetch_add(1);
        }
        if (nacked > 0) {
          ReplyPtr a = conn.read();
          if (a->type != REDIS_REPLY_INTEGER || a->integer != nacked) problems.fetch_add(1);
        }
        for (long long id : got) {
          if (id < 0 || id >= n || acked[static_cast<size_t>(id)].fetch_add(1) != 0) {
            problems.fetch_add(1);
            continue;
          }
          if (done.fetch_add(1) + 1 == n) {
            std::lock_guard lock(end_mu);
            end_time = Clock::now();
            finished = true;
          }
        }
        if (stop) return;
      }
    });
  }
  for (int p = 0; p < o.producers; ++p) {
    threads.emplace_back([&, p] {
      Conn conn(o);
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      long long in_flight = 0;
      auto check = [&](ReplyPtr r) {
        if (r->type != REDIS_REPLY_STRING) problems.fetch_add(1);
      };
      for (long long id = p; id < n; id += o.producers) {
        conn.append({"XADD", stream, "*", "m", payload(id, o.size)});
        if (++in_flight == o.pipeline) {
          check(conn.read());
          --in_flight;
        }
      }
      while (in_flight-- > 0) check(conn.read());
    });
  }
  while (ready.load() < total_threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  go = true;
  while (!finished.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  long long pending = -1, entries_read = -1, xlen = -1, dead_lettered = -1, dlq_len = -1;
  long long redelivered = 0;
  {
    // Consumers still waiting in XREADGROUP: wake them with stop entries (one that misses out
    // sees `finished` when its BLOCK times out).
    Conn admin(o);
    for (int c = 0; c < o.consumers; ++c) admin.call({"XADD", stream, "*", "m", "stop"});
    for (auto& t : threads) t.join();
    // Each message was acknowledged once, and delivered once (twice if NACKed).
    for (long long id = 0; id < n; ++id) {
      const int want = nacked_once(id) ? 2 : 1;
      const int got = delivered[static_cast<size_t>(id)].load();
      if (acked[static_cast<size_t>(id)].load() != 1 || got != want) problems.fetch_add(1);
      if (got > 1) redelivered += got - 1;
    }
    // Every delivered entry was acknowledged: the PEL is empty.
    ReplyPtr pel = admin.call({"XPENDING", stream, group});
    if (pel->type == REDIS_REPLY_ARRAY && pel->elements >= 1 &&
        pel->element[0]->type == REDIS_REPLY_INTEGER)
      pending = pel->element[0]->integer;
    if (pending != 0) problems.fetch_add(1);
    ReplyPtr len = admin.call({"XLEN", stream});
    xlen = len->integer;
    if (xlen != n + o.consumers) problems.fetch_add(1);
    // entries-read counts every entry the group delivered: all messages plus the stops taken.
    ReplyPtr groups = admin.call({"XINFO", "GROUPS", stream});
    if (groups->type == REDIS_REPLY_ARRAY && groups->elements == 1) {
      const redisReply* g = groups->element[0];
      for (size_t i = 0; i + 1 < g->elements; i += 2)
        if (str_of(g->element[i]) == "entries-read" &&
            g->element[i + 1]->type == REDIS_REPLY_INTEGER)
          entries_read = g->element[i + 1]->integer;
    }
    if (entries_read < n || entries_read > n + o.consumers) problems.fetch_add(1);
    if (policy) {
      // Nothing was dead-lettered: the group says so and its dead-letter stream is empty.
      ReplyPtr pol = admin.call({"XGROUP", "POLICY", stream, group});
      if (pol->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < pol->elements; i += 2) {
          std::string_view k = str_of(pol->element[i]);
          if (k == "dead-lettered" && pol->element[i + 1]->type == REDIS_REPLY_INTEGER)
            dead_lettered = pol->element[i + 1]->integer;
          else if (k == "deadletter" && !str_of(pol->element[i + 1]).empty())
            dlq = std::string(str_of(pol->element[i + 1]));
        }
      }
      dlq_len = admin.call({"XLEN", dlq})->integer;
      if (dead_lettered != 0 || dlq_len != 0) problems.fetch_add(1);
      admin.call({"DEL", dlq});
    }
    admin.call({"DEL", stream});
  }
  double secs;
  {
    std::lock_guard lock(end_mu);
    secs = seconds(end_time - start);
  }
  const double rate = static_cast<double>(n) / secs;
  const std::string label =
      o.label.empty() ? fmt::format("group P{} C{}", o.producers, o.consumers) : o.label;
  fmt::print("{}\t{:.2f}\n", label, rate);
  std::fflush(stdout);
  if (!o.quiet) {
    fmt::print(stderr,
               "group: {} messages of {} B, {} producers (pipeline {}), {} consumers (COUNT {}): "
               "{:.3f} s, {:.0f} msg/s end to end, {:.1f} entries per read; XLEN {}, entries-read "
               "{}, pending {}; {} problems\n",
               n, o.size, o.producers, o.pipeline, o.consumers, o.count, secs, rate,
               static_cast<double>(n) / static_cast<double>(std::max(1LL, reads.load())), xlen,
               entries_read, pending, problems.load());
    if (policy)
      fmt::print(stderr,
                 "group: policy VISIBILITY {} MAXDELIVERIES {} (-1: not set); {} NACKed (1 in {}), "
                 "{} redelivered; dead-lettered {}, {} holds {}\n",
                 o.visibility_ms, o.max_deliveries, nacks.load(), nack_every, redelivered,
                 dead_lettered, dlq, dlq_len);
  }
  if (problems.load() != 0) {
    fmt::print(stderr,
               "group: FAILED: {} problems (messages lost, duplicated, not acknowledged or "
               "dead-lettered, or the group's counters wrong)\n",
               problems.load());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  if (o.mode == "group") return run_group(o);
  return o.mode == "reliable" ? run_reliable(o) : run_fanout(o);
}
