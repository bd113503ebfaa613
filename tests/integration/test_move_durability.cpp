// LMOVE/BLMOVE pop and push in one LMDB transaction: after a kill -9 every element is in
// exactly one of the two lists — none lost, none duplicated — and every acknowledged move is
// on disk.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "harness.h"

using namespace postbox::it;

namespace {

// Moves from "queue" to "processing" with BLMOVE until the server dies; counts acknowledged moves.
struct Mover {
  std::atomic<long long> acked{0};
  std::thread thread;
  explicit Mover(int port) {
    thread = std::thread([this, port] {
      try {
        Client c(port, 10000ms);
        while (true) {
          Reply r = c.cmd({"BLMOVE", "queue", "processing", "LEFT", "RIGHT", "1"});
          if (r.type != ReplyType::String) break;
          ++acked;
        }
      } catch (const std::exception&) {
        // killed: the moves counted so far were acknowledged
      }
    });
  }
  ~Mover() {
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

TEST_SUITE("durability") {
  TEST_CASE("A kill -9 during BLMOVE traffic neither loses nor duplicates an element") {
    SKIP_UNLESS_DURABLE();
    Server server;
    const int total = 3000;
    {
      Client producer = server.client();
      for (int i = 0; i < total; ++i) producer.send({"RPUSH", "queue", std::to_string(i)});
      producer.flush();
      for (int i = 0; i < total; ++i) REQUIRE(producer.read() == integer(i + 1));
    }
    std::vector<std::unique_ptr<Mover>> movers;
    for (int i = 0; i < 4; ++i) movers.push_back(std::make_unique<Mover>(server.port()));
    long long acked_total = 0;
    REQUIRE(eventually(
        [&] {
          acked_total = 0;
          for (auto& m : movers) acked_total += m->acked;
          return acked_total >= total / 3;
        },
        20000ms));
    server.kill9();
    movers.clear();
    acked_total = 0;
    server.start();
    Client c = server.client();
    auto queue = c.cmd({"LRANGE", "queue", "0", "-1"}).strings();
    auto processing = c.cmd({"LRANGE", "processing", "0", "-1"}).strings();
    INFO("queue ", queue.size(), " processing ", processing.size());
    CHECK(queue.size() + processing.size() == static_cast<size_t>(total));
    std::multiset<std::string> all(queue.begin(), queue.end());
    all.insert(processing.begin(), processing.end());
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == static_cast<size_t>(total));
    CHECK(processing.size() >= static_cast<size_t>(total / 3));
    // The queue keeps its FIFO order: what is left is a suffix of 0..total-1.
    for (size_t i = 1; i < queue.size(); ++i) CHECK(std::stoi(queue[i - 1]) < std::stoi(queue[i]));
  }
}
