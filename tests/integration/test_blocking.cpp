// BLPOP / BRPOP: serving order, timeouts, wake-ups and disconnects.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "harness.h"

using namespace postbox::it;

TEST_SUITE("blocking") {
  TEST_CASE("BLPOP serves at once from the first non-empty key in argument order") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "k2", "two-a", "two-b"});
    c.cmd({"RPUSH", "k3", "three"});
    CHECK(c.cmd({"BLPOP", "k1", "k2", "k3", "1"}) == bulks({"k2", "two-a"}));
    CHECK(c.cmd({"BLPOP", "k3", "k2", "1"}) == bulks({"k3", "three"}));
    CHECK(c.cmd({"LRANGE", "k2", "0", "-1"}) == bulks({"two-b"}));
  }

  TEST_CASE("BRPOP takes from the tail") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b", "c"});
    CHECK(c.cmd({"BRPOP", "q", "1"}) == bulks({"q", "c"}));
    CHECK(c.cmd({"BLPOP", "q", "1"}) == bulks({"q", "a"}));
  }

  TEST_CASE("BLPOP with a decimal timeout gives up after that long with a null array") {
    Server server;
    Client c = server.client();
    auto began = Clock::now();
    CHECK(c.cmd({"BLPOP", "empty", "other", "0.1"}) == nil_array());
    Millis waited = since(began);
    CHECK(waited >= 90ms);
    CHECK(waited < 1000ms);
    began = Clock::now();
    CHECK(c.cmd({"BRPOP", "empty", ".2"}) == nil_array());
    CHECK(since(began) >= 190ms);
  }

  TEST_CASE("BLPOP timing out under RESP3 replies with null") {
    Server server;
    Client c = server.client();
    c.cmd({"HELLO", "3"});
    CHECK(c.cmd({"BLPOP", "empty", "0.05"}).type == ReplyType::Null);
    c.cmd({"RPUSH", "q", "v"});
    CHECK(c.cmd({"BLPOP", "q", "0.05"}) == bulks({"q", "v"}));
  }

  TEST_CASE("BLPOP with timeout 0 waits until another client pushes") {
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    waiter.send({"BLPOP", "q", "0"});
    waiter.flush();
    await_blocked(pusher, 1);
    CHECK_FALSE(waiter.try_read(300ms).has_value());
    CHECK(pusher.cmd({"RPUSH", "q", "hello"}) == integer(1));
    CHECK(waiter.read() == bulks({"q", "hello"}));
    CHECK(pusher.cmd({"LLEN", "q"}) == integer(0));
    CHECK(blocked_clients(pusher) == 0);
  }

  TEST_CASE("A client blocked with a timeout is served by a push before it expires") {
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    waiter.send({"BRPOP", "q", "5"});
    waiter.flush();
    await_blocked(pusher, 1);
    auto began = Clock::now();
    pusher.cmd({"LPUSH", "q", "x"});
    CHECK(waiter.read() == bulks({"q", "x"}));
    CHECK(since(began) < 1000ms);
  }

  TEST_CASE("A client blocked on several keys is woken by a push to any of them") {
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    waiter.send({"BLPOP", "k1", "k2", "k3", "0"});
    waiter.flush();
    await_blocked(pusher, 1);
    pusher.cmd({"RPUSH", "k3", "z"});
    CHECK(waiter.read() == bulks({"k3", "z"}));
  }

  TEST_CASE("Blocked clients are served first come, first served") {
    Server server;
    Client admin = server.client();
    std::vector<std::unique_ptr<Client>> waiters;
    for (int i = 0; i < 3; ++i) {
      waiters.push_back(std::make_unique<Client>(server.port()));
      waiters.back()->send({"BLPOP", "q", "0"});
      waiters.back()->flush();
      await_blocked(admin, i + 1);
    }
    CHECK(admin.cmd({"RPUSH", "q", "first"}) == integer(1));
    CHECK(waiters[0]->read() == bulks({"q", "first"}));
    CHECK(admin.cmd({"RPUSH", "q", "second", "third"}) == integer(2));
    CHECK(waiters[1]->read() == bulks({"q", "second"}));
    CHECK(waiters[2]->read() == bulks({"q", "third"}));
    CHECK(admin.cmd({"LLEN", "q"}) == integer(0));
  }

  TEST_CASE("One push of several values serves one value per blocked client, keeps the rest") {
    Server server;
    Client admin = server.client();
    Client a = server.client();
    Client b = server.client();
    a.send({"BLPOP", "q", "0"});
    a.flush();
    await_blocked(admin, 1);
    b.send({"BRPOP", "q", "0"});
    b.flush();
    await_blocked(admin, 2);
    CHECK(admin.cmd({"RPUSH", "q", "1", "2", "3", "4"}) == integer(4));
    CHECK(a.read() == bulks({"q", "1"}));
    CHECK(b.read() == bulks({"q", "4"}));
    CHECK(admin.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"2", "3"}));
  }

  TEST_CASE("A blocked client is served after the whole push: LPUSH a b c gives it c") {
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    waiter.send({"BLPOP", "q", "0"});
    waiter.flush();
    await_blocked(pusher, 1);
    CHECK(pusher.cmd({"LPUSH", "q", "a", "b", "c"}) == integer(3));
    CHECK(waiter.read() == bulks({"q", "c"}));
    CHECK(pusher.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"b", "a"}));
  }

  TEST_CASE("A blocked client that disconnects is not served later") {
    Server server;
    Client pusher = server.client();
    {
      Client gone = server.client();
      gone.send({"BLPOP", "q", "0"});
      gone.flush();
      await_blocked(pusher, 1);
    }
    await_blocked(pusher, 0);
    CHECK(pusher.cmd({"RPUSH", "q", "kept"}) == integer(1));
    CHECK(pusher.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"kept"}));
  }

  TEST_CASE("A push to the same key in another database does not wake the client") {
    Server server;
    Client waiter = server.client();
    Client pusher = server.client();
    waiter.send({"BLPOP", "q", "0"});
    waiter.flush();
    await_blocked(pusher, 1);
    pusher.cmd({"SELECT", "1"});
    CHECK(pusher.cmd({"RPUSH", "q", "db1"}) == integer(1));
    CHECK_FALSE(waiter.try_read(200ms).has_value());
    CHECK(pusher.cmd({"LLEN", "q"}) == integer(1));
    pusher.cmd({"SELECT", "0"});
    pusher.cmd({"RPUSH", "q", "db0"});
    CHECK(waiter.read() == bulks({"q", "db0"}));
  }

  TEST_CASE("SWAPDB serves a client blocked on a key that the swap brings in") {
    Server server;
    Client waiter = server.client();
    Client other = server.client();
    waiter.send({"BLPOP", "q", "0"});
    waiter.flush();
    await_blocked(other, 1);
    other.cmd({"SELECT", "1"});
    other.cmd({"RPUSH", "q", "from-db1"});
    CHECK(other.cmd({"SWAPDB", "0", "1"}) == status("OK"));
    CHECK(waiter.read() == bulks({"q", "from-db1"}));
  }

  TEST_CASE("A negative BLPOP timeout is an error") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"BLPOP", "q", "-1"}) == error("ERR timeout is negative"));
    CHECK(c.cmd({"BRPOP", "q", "-0.5"}) == error("ERR timeout is negative"));
    CHECK(blocked_clients(c) == 0);
  }

  TEST_CASE("A non-numeric BLPOP timeout is an error") {
    Server server;
    Client c = server.client();
    for (const char* bad : {"abc", "10abc", "", " 1", "nan"}) {
      INFO("timeout: ", bulk(bad).repr());
      CHECK(c.cmd({"BLPOP", "q", bad}) == error("ERR timeout is not a float or out of range"));
    }
    CHECK(c.cmd({"BLPOP", "q"}) == error("ERR wrong number of arguments for 'blpop' command"));
    CHECK(c.cmd({"BRPOP"}) == error("ERR wrong number of arguments for 'brpop' command"));
  }

  TEST_CASE("BLPOP timeout parsing and errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    // Odd ones first: Redis reads the timeout as a long double and then checks its range.
    d.expect_same({{"BLPOP", "q", "inf"},
                   {"BLPOP", "q", "-inf"},
                   {"BLPOP", "q", "99999999999999999"},
                   {"BLPOP", "q", "1.5e400"},
                   {"BLPOP", "q", "1e-2"},
                   {"BRPOP", "q", "0.01"},
                   {"BLPOP", "q", "-1"},
                   {"BLPOP", "q", "one"},
                   {"BRPOP", "q", "-0.5"},
                   {"BRPOP", "q"},
                   {"RPUSH", "q", "a", "b"},
                   {"BLPOP", "q", "0"},
                   {"BRPOP", "q", "0"},
                   {"BLPOP", "q", "0.01"}});
  }
}
