// Key expiry: EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT with NX|XX|GT|LT, TTL, PTTL, EXPIRETIME,
// PEXPIRETIME, PERSIST, and keys disappearing lazily and actively.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "harness.h"

using namespace postbox::it;

namespace {

long long unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_SUITE("expiry") {
  TEST_CASE("EXPIRE sets a TTL in seconds that TTL and PTTL report") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    CHECK(c.cmd({"TTL", "q"}) == integer(-1));
    CHECK(c.cmd({"PTTL", "q"}) == integer(-1));
    CHECK(c.cmd({"EXPIRE", "q", "100"}) == integer(1));
    CHECK(c.cmd({"TTL", "q"}) == integer(100));
    long long pttl = c.cmd({"PTTL", "q"}).integer;
    CHECK(pttl > 99000);
    CHECK(pttl <= 100000);
    CHECK(c.cmd({"TTL", "missing"}) == integer(-2));
    CHECK(c.cmd({"PTTL", "missing"}) == integer(-2));
    CHECK(c.cmd({"EXPIRE", "missing", "100"}) == integer(0));
  }

  TEST_CASE("PEXPIRE sets a TTL in milliseconds") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    CHECK(c.cmd({"PEXPIRE", "q", "2400"}) == integer(1));
    long long pttl = c.cmd({"PTTL", "q"}).integer;
    CHECK(pttl > 2000);
    CHECK(pttl <= 2400);
    CHECK(c.cmd({"TTL", "q"}) == integer(2));
  }

  TEST_CASE("TTL rounds the remaining time to the nearest second") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    CHECK(c.cmd({"PEXPIRE", "q", "2800"}) == integer(1));
    CHECK(c.cmd({"TTL", "q"}) == integer(3));
    CHECK(c.cmd({"PEXPIRE", "q", "1300"}) == integer(1));
    CHECK(c.cmd({"TTL", "q"}) == integer(1));
  }

  TEST_CASE("EXPIREAT and PEXPIREAT set absolute deadlines that EXPIRETIME reports") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    long long at = unix_now_s() + 1000;
    CHECK(c.cmd({"EXPIREAT", "q", std::to_string(at)}) == integer(1));
    CHECK(c.cmd({"EXPIRETIME", "q"}) == integer(at));
    CHECK(c.cmd({"PEXPIRETIME", "q"}) == integer(at * 1000));
    CHECK(c.cmd({"PEXPIREAT", "q", std::to_string(at * 1000 + 250)}) == integer(1));
    CHECK(c.cmd({"PEXPIRETIME", "q"}) == integer(at * 1000 + 250));
    CHECK(c.cmd({"EXPIRETIME", "q"}) == integer(at));
    c.cmd({"RPUSH", "plain", "a"});
    CHECK(c.cmd({"EXPIRETIME", "plain"}) == integer(-1));
    CHECK(c.cmd({"EXPIRETIME", "missing"}) == integer(-2));
    CHECK(c.cmd({"PEXPIRETIME", "missing"}) == integer(-2));
  }

  TEST_CASE("An expire time in the past deletes the key at once") {
    Server server;
    Client c = server.client();
    for (const char* k : {"a", "b", "c", "d"}) c.cmd({"RPUSH", k, "v"});
    CHECK(c.cmd({"EXPIRE", "a", "-1"}) == integer(1));
    CHECK(c.cmd({"EXPIRE", "b", "0"}) == integer(1));
    CHECK(c.cmd({"EXPIREAT", "c", "1"}) == integer(1));
    CHECK(c.cmd({"PEXPIRE", "d", "-5000"}) == integer(1));
    CHECK(c.cmd({"DBSIZE"}) == integer(0));
  }

  TEST_CASE("PERSIST removes a TTL and reports whether there was one") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    c.cmd({"EXPIRE", "q", "100"});
    CHECK(c.cmd({"PERSIST", "q"}) == integer(1));
    CHECK(c.cmd({"TTL", "q"}) == integer(-1));
    CHECK(c.cmd({"PERSIST", "q"}) == integer(0));
    CHECK(c.cmd({"PERSIST", "missing"}) == integer(0));
  }

  TEST_CASE("EXPIRE NX sets only when there is no TTL, XX only when there is one") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    CHECK(c.cmd({"EXPIRE", "q", "100", "XX"}) == integer(0));
    CHECK(c.cmd({"TTL", "q"}) == integer(-1));
    CHECK(c.cmd({"EXPIRE", "q", "100", "NX"}) == integer(1));
    CHECK(c.cmd({"EXPIRE", "q", "200", "NX"}) == integer(0));
    CHECK(c.cmd({"TTL", "q"}) == integer(100));
    CHECK(c.cmd({"EXPIRE", "q", "300", "xx"}) == integer(1));
    CHECK(c.cmd({"TTL", "q"}) == integer(300));
  }

  TEST_CASE("EXPIRE GT only lengthens and LT only shortens; no TTL counts as infinite") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    CHECK(c.cmd({"EXPIRE", "q", "100", "GT"}) == integer(0));
    CHECK(c.cmd({"TTL", "q"}) == integer(-1));
    CHECK(c.cmd({"EXPIRE", "q", "100", "LT"}) == integer(1));
    CHECK(c.cmd({"EXPIRE", "q", "50", "GT"}) == integer(0));
    CHECK(c.cmd({"EXPIRE", "q", "200", "GT"}) == integer(1));
    CHECK(c.cmd({"TTL", "q"}) == integer(200));
    CHECK(c.cmd({"PEXPIRE", "q", "300000", "LT"}) == integer(0));
    CHECK(c.cmd({"PEXPIRE", "q", "150000", "LT"}) == integer(1));
    CHECK(c.cmd({"TTL", "q"}) == integer(150));
  }

  TEST_CASE("EXPIRE option combinations and bad times get Redis's errors") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    const char* nx_xx = "ERR NX and XX, GT or LT options at the same time are not compatible";
    CHECK(c.cmd({"EXPIRE", "q", "100", "NX", "XX"}) == error(nx_xx));
    CHECK(c.cmd({"EXPIRE", "q", "100", "NX", "GT"}) == error(nx_xx));
    CHECK(c.cmd({"EXPIRE", "q", "100", "GT", "LT"}) ==
          error("ERR GT and LT options at the same time are not compatible"));
    CHECK(c.cmd({"EXPIRE", "q", "100", "FOO"}) == error("ERR Unsupported option FOO"));
    CHECK(c.cmd({"EXPIRE", "q", "abc"}) == error("ERR value is not an integer or out of range"));
    CHECK(c.cmd({"EXPIRE", "q", "9223372036854775807"}) ==
          error("ERR invalid expire time in 'expire' command"));
    CHECK(c.cmd({"PEXPIRE", "q", "9223372036854775807"}) ==
          error("ERR invalid expire time in 'pexpire' command"));
    CHECK(c.cmd({"EXPIREAT", "q", "9223372036854775807"}) ==
          error("ERR invalid expire time in 'expireat' command"));
    CHECK(c.cmd({"TTL", "q"}) == integer(-1));
  }

  TEST_CASE("Expire command replies match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::string at = std::to_string(unix_now_s() + 5000);
    d.expect_same({{"RPUSH", "q", "a"},
                   {"EXPIRE", "q", "100", "gt"},
                   {"EXPIRE", "q", "100", "lt", "nx"},
                   {"EXPIRE", "q", "100", "xx", "xx"},
                   {"EXPIRE", "q", "100", "lt", "lt"},
                   {"EXPIRE", "q", "1.5"},
                   {"EXPIRE", "q", ""},
                   {"EXPIRE", "q", "9223372036854774"},
                   {"EXPIRE", "q", "-9223372036854775808"},
                   {"PEXPIREAT", "q", "9223372036854775807"},
                   {"PERSIST", "q"},
                   {"EXPIREAT", "q", at},
                   {"EXPIRETIME", "q"},
                   {"PEXPIRETIME", "q"},
                   {"EXPIREAT", "q", at, "NX"},
                   {"PEXPIREAT", "q", at + "000", "XX"},
                   {"TTL", "q", "x"},
                   {"PERSIST"},
                   {"EXPIRETIME"},
                   {"EXPIRE", "nope", "10", "NX"},
                   {"PEXPIRE", "q", "0"},
                   {"EXISTS", "q"}});
  }

  TEST_CASE("A key is gone once its TTL has passed") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b"});
    c.cmd({"RPUSH", "kept", "k"});
    CHECK(c.cmd({"PEXPIRE", "q", "100"}) == integer(1));
    std::this_thread::sleep_for(200ms);
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({}));
    CHECK(c.cmd({"EXISTS", "q"}) == integer(0));
    CHECK(c.cmd({"TTL", "q"}) == integer(-2));
    CHECK(c.cmd({"TYPE", "q"}) == status("none"));
    CHECK(c.cmd({"LLEN", "kept"}) == integer(1));
  }

  TEST_CASE("A push onto an expired key starts a new list without a TTL") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "old1", "old2"});
    c.cmd({"PEXPIRE", "q", "50"});
    std::this_thread::sleep_for(120ms);
    CHECK(c.cmd({"RPUSH", "q", "new"}) == integer(1));
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"new"}));
    CHECK(c.cmd({"TTL", "q"}) == integer(-1));
  }

  TEST_CASE("Expired keys are reclaimed without being accessed") {
    Server server;
    Client c = server.client();
    for (int i = 0; i < 50; ++i) c.send({"RPUSH", "short:" + std::to_string(i), "v"});
    for (int i = 0; i < 50; ++i) c.send({"PEXPIRE", "short:" + std::to_string(i), "50"});
    c.send({"RPUSH", "long", "v"});
    c.flush();
    for (int i = 0; i < 101; ++i) c.read();
    CHECK(c.cmd({"DBSIZE"}) == integer(51));
    CHECK(eventually([&] { return c.cmd({"DBSIZE"}) == integer(1); }, 5000ms));
  }

  TEST_CASE("DEL clears a TTL: a recreated key does not inherit it") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    c.cmd({"EXPIRE", "q", "100"});
    c.cmd({"DEL", "q"});
    c.cmd({"RPUSH", "q", "b"});
    CHECK(c.cmd({"TTL", "q"}) == integer(-1));
  }

  TEST_CASE("Popping the last element deletes the key and its TTL") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    c.cmd({"EXPIRE", "q", "100"});
    c.cmd({"LPOP", "q"});
    CHECK(c.cmd({"TTL", "q"}) == integer(-2));
    c.cmd({"RPUSH", "q", "b"});
    CHECK(c.cmd({"TTL", "q"}) == integer(-1));
  }
}
