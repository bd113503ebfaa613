// Soak test of Postbox's queue policy (DESIGN.md, "Queue verbs"): 10,000 messages on a stream
// whose group has VISIBILITY 200 MAXDELIVERIES 5, consumed by 4 consumer processes that crash at
// random and are restarted, until every message is acknowledged or dead-lettered. Afterwards
// nothing may be lost, and every duplicate delivery must be explained by a crash.
//
// The consumers are forked children of the test. Each child (one "incarnation") reads with
// XREADGROUP COUNT 10 BLOCK 100 and records on the server, in lists:
//   deliveries  "<incarnation>:<id>" for each entry it received (after receiving it: a child
//               that dies in between leaves a delivery unrecorded, which only hides a duplicate)
//   acks        "<incarnation>:<id>" for each entry its XACK removed from the PEL; written in the
//               same MULTI as the XACKs, and the XACK results decide which ids it names
//   late        "<incarnation>:<id>" for each entry it tried to acknowledge too late (XACK 0: the
//               visibility timeout had handed it to another consumer meanwhile)
// A child crashes by SIGKILLing itself at random points (before recording a batch, after
// acknowledging only part of it), always on a "poison" message (one in 500: so those all end in
// the dead-letter stream, after acknowledging the rest of their batch), and when the test
// sends it SIGTERM at random times (blocked while it writes its acks, so the acks list stays
// exact). A crashed child is replaced under the same consumer name or a new one.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace postbox::it;

namespace {

constexpr int kMessages = 10000;
constexpr int kConsumers = 4;
constexpr int kMaxDeliveries = 5;
constexpr int kPoisonEvery = 500;  // messages n with n % 500 == 250 always crash their consumer
// A bound on a stuck run, not a performance target (the sanitizer build is several times slower).
constexpr auto kDeadline = 150s;

bool is_poison(long long n) {
  return n % kPoisonEvery == kPoisonEvery / 2;
}

// Exit codes of a child that failed (rather than crashed on purpose).
constexpr int kChildError = 2;

[[noreturn]] void crash() {
  ::kill(::getpid(), SIGKILL);
  for (;;) ::pause();
}

// The body of one consumer incarnation; never returns.
[[noreturn]] void consume(int port, const std::string& consumer, int incarnation, uint64_t seed) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::close_range(3, ~0U, 0);  // none of the test's connections
  // SIGTERM arrives blocked (see spawn): the test runner's handler must not run in a child.
  ::signal(SIGTERM, SIG_DFL);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ::sigprocmask(SIG_UNBLOCK, &term, nullptr);
  try {
    Client c(port, 20000ms);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> roll(0, 1);
    const std::string tag = std::to_string(incarnation) + ":";
    // XACKs the entries in one MULTI that also records which of them it removed from the PEL
    // (acks) and which had already left it (late).
    auto ack = [&](const std::vector<std::string>& ids) {
      const size_t n = ids.size();
      if (n == 0) return;
      ::sigprocmask(SIG_BLOCK, &term, nullptr);
      c.send({"MULTI"});
      for (size_t i = 0; i < n; ++i) c.send({"XACK", "q", "g", ids[i]});
      c.send({"EXEC"});
      c.flush();
      for (size_t i = 0; i < n + 1; ++i)
        if (c.read().is_error()) ::_exit(kChildError);
      Reply results = c.read();
      if (results.type != ReplyType::Array || results.elements.size() != n) ::_exit(kChildError);
      Cmd acked = {"RPUSH", "acks"}, late = {"RPUSH", "late"};
      for (size_t i = 0; i < n; ++i)
        (results.elements[i].integer == 1 ? acked : late).push_back(tag + ids[i]);
      if (acked.size() > 2 && c.cmd(acked).is_error()) ::_exit(kChildError);
      if (late.size() > 2 && c.cmd(late).is_error()) ::_exit(kChildError);
      ::sigprocmask(SIG_UNBLOCK, &term, nullptr);
    };
    for (;;) {
      Reply r = c.cmd({"XREADGROUP", "GROUP", "g", consumer, "COUNT", "10", "BLOCK", "100",
                       "STREAMS", "q", ">"});
      if (r.is_error()) ::_exit(kChildError);
      if (r.is_nil()) continue;
      if (r.elements.size() != 1 || r.elements[0].elements.size() != 2) ::_exit(kChildError);
      std::vector<std::string> ids;
      std::vector<std::string> others;  // the messages that are not poison
      for (const Reply& e : r.elements[0].elements[1].elements) {
        if (e.elements.size() != 2 || e.elements[1].elements.size() != 2) ::_exit(kChildError);
        ids.push_back(e.elements[0].str);
        if (!is_poison(std::stoll(e.elements[1].elements[1].str))) others.push_back(ids.back());
      }
      if (ids.empty()) continue;
      double x = roll(rng);
      if (x < 0.03) crash();  // dies with the batch unrecorded
      Cmd log = {"RPUSH", "deliveries"};
      for (const std::string& id : ids) log.push_back(tag + id);
      if (c.cmd(log).is_error()) ::_exit(kChildError);
      if (others.size() < ids.size()) {
        // Processes the other messages, then dies on the poison.
        ack(others);
        crash();
      }
      if (x < 0.25) {
        // Dies after processing only the first few.
        ack({ids.begin(), ids.begin() + static_cast<long>(rng() % ids.size())});
        crash();
      }
      ack(ids);
    }
  } catch (...) {
    ::_exit(kChildError);
  }
}

struct Incarnation {
  std::string consumer;
  pid_t pid = -1;
  bool crashed = false;  // died by a signal before the test stopped it
  int status = 0;
};

std::pair<int, std::string> split_record(const std::string& s) {
  size_t colon = s.find(':');
  REQUIRE_MESSAGE(colon != std::string::npos, "bad record ", s);
  return {std::stoi(s.substr(0, colon)), s.substr(colon + 1)};
}

std::map<std::string, long long> queue_stats(Client& c) {
  std::map<std::string, long long> out;
  for (const auto& [field, value] : info_map(c, "queues")) out[field] = std::stoll(value);
  return out;
}

const Reply* group_field(Client& c, Reply& holder, const std::string& field) {
  holder = c.cmd({"XINFO", "GROUPS", "q"});
  if (holder.type != ReplyType::Array || holder.elements.size() != 1) return nullptr;
  return holder.elements[0].field(field);
}

}  // namespace

TEST_SUITE("queue-soak") {
  TEST_CASE(
      "10,000 messages, 4 crashing consumers: each is acked or dead-lettered, none lost, "
      "every duplicate explained by a crash") {
    SKIP_UNLESS_POSTBOX();
    auto began = Clock::now();
    Server server;
    Client admin = server.client(30000ms);

    // The messages: n = 0 .. 9999, ids assigned by the server.
    std::vector<std::string> ids;
    std::map<std::string, long long> number_of;
    for (int first = 0; first < kMessages; first += 1000) {
      for (int n = first; n < first + 1000; ++n)
        admin.send({"XADD", "q", "*", "n", std::to_string(n)});
      admin.flush();
      for (int n = first; n < first + 1000; ++n) {
        Reply r = admin.read();
        REQUIRE_MESSAGE(r.type == ReplyType::String, r.repr());
        number_of[r.str] = n;
        ids.push_back(r.str);
      }
    }
    REQUIRE(number_of.size() == static_cast<size_t>(kMessages));
    REQUIRE(admin.cmd({"XGROUP", "CREATE", "q", "g", "0", "VISIBILITY", "200", "MAXDELIVERIES",
                       std::to_string(kMaxDeliveries)}) == status("OK"));

    std::mt19937_64 rng(20260523);
    std::vector<Incarnation> incarnations;
    std::vector<int> slot(kConsumers, -1);  // incarnation running in each slot
    auto spawn = [&](int s) {
      const int inc = static_cast<int>(incarnations.size());
      // Half the replacements keep the slot's consumer name, half take a new one.
      std::string name = "c" + std::to_string(s);
      if (slot[s] >= 0 && rng() % 2 == 0) name += "-" + std::to_string(inc);
      const uint64_t seed = rng();
      sigset_t term, old;
      sigemptyset(&term);
      sigaddset(&term, SIGTERM);
      ::sigprocmask(SIG_BLOCK, &term, &old);
      pid_t pid = ::fork();
      if (pid == 0) consume(server.port(), name, inc, seed);
      ::sigprocmask(SIG_SETMASK, &old, nullptr);
      REQUIRE(pid > 0);
      incarnations.push_back({name, pid});
      slot[s] = inc;
    };
    auto kill_all = [&] {
      for (int s = 0; s < kConsumers; ++s) {
        Incarnation& i = incarnations[slot[s]];
        if (i.pid <= 0) continue;
        ::kill(i.pid, SIGKILL);
        ::waitpid(i.pid, &i.status, 0);
        i.pid = -1;
      }
    };
    for (int s = 0; s < kConsumers; ++s) spawn(s);

    bool done = false;
    long long sigterms = 0, child_errors = 0;
    auto next_kill = Clock::now() + 50ms;
    auto next_check = Clock::now();
    while (!done && Clock::now() - began < kDeadline) {
      for (int s = 0; s < kConsumers; ++s) {
        Incarnation& i = incarnations[slot[s]];
        if (::waitpid(i.pid, &i.status, WNOHANG) != i.pid) continue;
        i.pid = -1;
        i.crashed = WIFSIGNALED(i.status);
        if (!i.crashed) {
          ++child_errors;
          MESSAGE("consumer ", i.consumer, " (incarnation ", slot[s], ") exited with status ",
                  i.status);
        }
        spawn(s);
      }
      if (Clock::now() >= next_kill) {
        Incarnation& i = incarnations[slot[rng() % kConsumers]];
        if (i.pid > 0 && ::kill(i.pid, SIGTERM) == 0) ++sigterms;
        next_kill = Clock::now() + Millis(20 + static_cast<long>(rng() % 100));
      }
      if (Clock::now() >= next_check) {
        // One holder per field: each call replaces its holder's reply.
        Reply pending_holder, read_holder;
        const Reply* pending = group_field(admin, pending_holder, "pending");
        const Reply* read = group_field(admin, read_holder, "entries-read");
        done = pending && read && pending->integer == 0 && read->integer == kMessages;
        next_check = Clock::now() + 50ms;
      }
      std::this_thread::sleep_for(2ms);
    }
    kill_all();
    const Millis took = std::chrono::duration_cast<Millis>(Clock::now() - began);
    CHECK(child_errors == 0);
    REQUIRE_MESSAGE(done, "not every message was acknowledged or dead-lettered within ",
                    std::chrono::duration_cast<std::chrono::seconds>(kDeadline).count(), " s");

    // What the server holds now.
    CHECK(admin.cmd({"XPENDING", "q", "g"}).elements.at(0) == integer(0));
    CHECK(admin.cmd({"XLEN", "q"}) == integer(kMessages));
    Reply dlq_reply = admin.cmd({"XRANGE", "q:dlq", "-", "+"});
    REQUIRE(dlq_reply.type == ReplyType::Array);
    std::map<std::string, std::string> dead;  // id -> consumer it was dead-lettered from
    long long bad_dead_letters = 0;
    for (const Reply& e : dlq_reply.elements) {
      std::vector<std::string> f = e.elements.at(1).strings();
      const std::string id = f.size() == 12 ? f[7] : "?";
      auto it = number_of.find(id);
      bool ok = f.size() == 12 && it != number_of.end() && f[0] == "n" &&
                f[1] == std::to_string(it->second) && f[2] == "dlq-stream" && f[3] == "q" &&
                f[4] == "dlq-group" && f[5] == "g" && f[6] == "dlq-id" &&
                f[8] == "dlq-deliveries" && f[9] == std::to_string(kMaxDeliveries) &&
                f[10] == "dlq-consumer" && !dead.count(id);
      if (!ok) {
        if (++bad_dead_letters <= 5) MESSAGE("unexpected dead letter ", e.repr());
        continue;
      }
      dead[id] = f[11];
    }
    CHECK(bad_dead_letters == 0);

    std::map<std::string, std::vector<int>> delivered_to;  // id -> incarnations, in log order
    for (const std::string& rec : admin.cmd({"LRANGE", "deliveries", "0", "-1"}).strings()) {
      auto [inc, id] = split_record(rec);
      delivered_to[id].push_back(inc);
    }
    std::map<std::string, std::vector<int>> acked_by;
    for (const std::string& rec : admin.cmd({"LRANGE", "acks", "0", "-1"}).strings()) {
      auto [inc, id] = split_record(rec);
      acked_by[id].push_back(inc);
    }
    std::set<std::pair<int, std::string>> late;
    for (const std::string& rec : admin.cmd({"LRANGE", "late", "0", "-1"}).strings())
      late.insert(split_record(rec));

    // Every message was acknowledged exactly once or dead-lettered, never both, none lost.
    long long lost = 0, acked_twice = 0, acked_and_dead = 0, unknown = 0;
    for (const auto& [id, by] : acked_by) {
      unknown += number_of.count(id) == 0;
      acked_twice += by.size() > 1;
      acked_and_dead += dead.count(id);
    }
    for (const std::string& id : ids) lost += !acked_by.count(id) && !dead.count(id);
    CHECK(lost == 0);
    CHECK(acked_twice == 0);
    CHECK(acked_and_dead == 0);
    CHECK(unknown == 0);
    CHECK(static_cast<long long>(acked_by.size() + dead.size()) == kMessages);
    long long poison_not_dead = 0;
    for (const std::string& id : ids)
      poison_not_dead += is_poison(number_of[id]) && !dead.count(id);
    CHECK(poison_not_dead == 0);

    // Every delivery that did not end in an acknowledgement went to a consumer that crashed
    // before acknowledging it, or that acknowledged it too late (after a visibility timeout).
    long long duplicates = 0, unexplained = 0, too_many = 0, ack_without_delivery = 0;
    long long total_deliveries = 0;
    for (const std::string& id : ids) {
      const std::vector<int>& to = delivered_to[id];
      total_deliveries += static_cast<long long>(to.size());
      if (to.size() > 1) duplicates += static_cast<long long>(to.size()) - 1;
      if (to.size() > static_cast<size_t>(kMaxDeliveries)) ++too_many;
      const int acker = acked_by.count(id) ? acked_by[id].front() : -1;
      std::map<int, int> per_incarnation;
      for (int inc : to) ++per_incarnation[inc];
      if (acker >= 0 && !per_incarnation.count(acker)) ++ack_without_delivery;
      for (const auto& [inc, n] : per_incarnation) {
        int unacked = n - (inc == acker ? 1 : 0);
        if (unacked <= 0) continue;
        const Incarnation& who = incarnations.at(static_cast<size_t>(inc));
        if (who.crashed || late.count({inc, id})) continue;
        if (++unexplained <= 5)
          MESSAGE("delivery of ", id, " to incarnation ", inc, " (", who.consumer,
                  ") never acknowledged, yet it did not crash");
      }
    }
    CHECK(unexplained == 0);
    CHECK(too_many == 0);
    CHECK(ack_without_delivery == 0);

    // The group and INFO queues agree.
    Reply holder;
    const Reply* dead_lettered = group_field(admin, holder, "dead-lettered");
    REQUIRE(dead_lettered);
    CHECK(dead_lettered->integer == static_cast<long long>(dead.size()));
    auto stats = queue_stats(admin);
    CHECK(stats["queue_delivered"] == kMessages);
    CHECK(stats["queue_acked"] == static_cast<long long>(acked_by.size()));
    CHECK(stats["queue_dead_lettered"] == static_cast<long long>(dead.size()));
    CHECK(stats["queue_redelivered"] >= duplicates);
    CHECK(stats["queue_delivered"] + stats["queue_redelivered"] >= total_deliveries);

    long long crashed = 0;
    for (const Incarnation& i : incarnations) crashed += i.crashed;
    MESSAGE("soak: ", took.count(), " ms, ", incarnations.size(), " consumer incarnations, ",
            crashed, " crashed (", sigterms, " SIGTERMs sent), ", total_deliveries,
            " recorded deliveries (", stats["queue_redelivered"], " redeliveries, ", duplicates,
            " recorded duplicates, ", late.size(), " late acks), ", acked_by.size(),
            " acknowledged, ", dead.size(), " dead-lettered");
  }
}
