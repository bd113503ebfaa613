// Non-blocking list commands: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE, LINDEX.
#include <doctest/doctest.h>

#include <deque>
#include <random>

#include "harness.h"

using namespace postbox::it;

namespace {

const char* kMustBePositive = "ERR value is out of range, must be positive";
const char* kNotInteger = "ERR value is not an integer or out of range";

}  // namespace

TEST_SUITE("lists") {
  TEST_CASE("LPUSH inserts each value at the head in turn and returns the new length") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"LPUSH", "q", "a", "b", "c"}) == integer(3));
    CHECK(c.cmd({"LPUSH", "q", "d"}) == integer(4));
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"d", "c", "b", "a"}));
  }

  TEST_CASE("RPUSH appends values in order and returns the new length") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"RPUSH", "q", "a", "b", "c"}) == integer(3));
    CHECK(c.cmd({"RPUSH", "q", "d"}) == integer(4));
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"a", "b", "c", "d"}));
  }

  TEST_CASE("LPUSHX and RPUSHX push only onto an existing list") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"LPUSHX", "q", "a"}) == integer(0));
    CHECK(c.cmd({"RPUSHX", "q", "a", "b"}) == integer(0));
    CHECK(c.cmd({"EXISTS", "q"}) == integer(0));
    c.cmd({"RPUSH", "q", "m"});
    CHECK(c.cmd({"LPUSHX", "q", "l1", "l2"}) == integer(3));
    CHECK(c.cmd({"RPUSHX", "q", "r1", "r2"}) == integer(5));
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"l2", "l1", "m", "r1", "r2"}));
    CHECK(c.cmd({"RPUSHX", "q"}) == error("ERR wrong number of arguments for 'rpushx' command"));
  }

  TEST_CASE("List elements are binary safe") {
    Server server;
    Client c = server.client();
    std::string zero("a\0b", 3);
    std::string big(100000, 'x');
    big[500] = '\0';
    CHECK(c.cmd({"RPUSH", "q", zero, "", "\r\n*1\r\n", big, "\xff\xfe"}) == integer(5));
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({zero, "", "\r\n*1\r\n", big, "\xff\xfe"}));
    CHECK(c.cmd({"LINDEX", "q", "3"}) == bulk(big));
  }

  TEST_CASE("LPOP and RPOP without a count return one element or nil") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b", "c"});
    CHECK(c.cmd({"LPOP", "q"}) == bulk("a"));
    CHECK(c.cmd({"RPOP", "q"}) == bulk("c"));
    CHECK(c.cmd({"LPOP", "q"}) == bulk("b"));
    CHECK(c.cmd({"LPOP", "q"}) == nil());
    CHECK(c.cmd({"RPOP", "q"}) == nil());
    CHECK(c.cmd({"EXISTS", "q"}) == integer(0));
  }

  TEST_CASE("LPOP and RPOP with a count return up to count elements as an array") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b", "c", "d", "e"});
    CHECK(c.cmd({"LPOP", "q", "2"}) == bulks({"a", "b"}));
    CHECK(c.cmd({"RPOP", "q", "2"}) == bulks({"e", "d"}));
    CHECK(c.cmd({"RPOP", "q", "1"}) == bulks({"c"}));
    CHECK(c.cmd({"EXISTS", "q"}) == integer(0));
    c.cmd({"RPUSH", "q", "x", "y"});
    CHECK(c.cmd({"LPOP", "q", "100"}) == bulks({"x", "y"}));
    CHECK(c.cmd({"LPOP", "q", "2"}) == nil_array());
    CHECK(c.cmd({"RPOP", "q", "2"}) == nil_array());
  }

  TEST_CASE("A pop count of 0 returns an empty array, or a null array for a missing key") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    CHECK(c.cmd({"LPOP", "q", "0"}) == bulks({}));
    CHECK(c.cmd({"RPOP", "q", "0"}) == bulks({}));
    CHECK(c.cmd({"LLEN", "q"}) == integer(1));
    CHECK(c.cmd({"LPOP", "missing", "0"}) == nil_array());
  }

  TEST_CASE("A negative or non-numeric pop count is an error and pops nothing") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b"});
    CHECK(c.cmd({"LPOP", "q", "-1"}) == error(kMustBePositive));
    CHECK(c.cmd({"RPOP", "q", "-1"}) == error(kMustBePositive));
    CHECK(c.cmd({"LPOP", "q", "abc"}) == error(kMustBePositive));
    CHECK(c.cmd({"LPOP", "q", "1.5"}) == error(kMustBePositive));
    CHECK(c.cmd({"LPOP", "q", "9223372036854775808"}) == error(kMustBePositive));
    CHECK(c.cmd({"LPOP", "missing", "-1"}) == error(kMustBePositive));
    CHECK(c.cmd({"LPOP", "q", "1", "2"}) ==
          error("ERR wrong number of arguments for 'lpop' command"));
    CHECK(c.cmd({"LLEN", "q"}) == integer(2));
  }

  TEST_CASE("LLEN is the list length, 0 for a missing key") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"LLEN", "q"}) == integer(0));
    c.cmd({"RPUSH", "q", "a", "b", "c"});
    CHECK(c.cmd({"LLEN", "q"}) == integer(3));
    c.cmd({"LPOP", "q"});
    CHECK(c.cmd({"LLEN", "q"}) == integer(2));
  }

  TEST_CASE("LRANGE clamps negative and out-of-range indexes") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b", "c", "d"});
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"a", "b", "c", "d"}));
    CHECK(c.cmd({"LRANGE", "q", "1", "2"}) == bulks({"b", "c"}));
    CHECK(c.cmd({"LRANGE", "q", "-2", "-1"}) == bulks({"c", "d"}));
    CHECK(c.cmd({"LRANGE", "q", "-100", "100"}) == bulks({"a", "b", "c", "d"}));
    CHECK(c.cmd({"LRANGE", "q", "-100", "0"}) == bulks({"a"}));
    CHECK(c.cmd({"LRANGE", "q", "2", "1"}) == bulks({}));
    CHECK(c.cmd({"LRANGE", "q", "4", "10"}) == bulks({}));
    CHECK(c.cmd({"LRANGE", "q", "-1", "-2"}) == bulks({}));
    CHECK(c.cmd({"LRANGE", "q", "0", "-100"}) == bulks({}));
    CHECK(c.cmd({"LRANGE", "missing", "0", "-1"}) == bulks({}));
    CHECK(c.cmd({"LRANGE", "q", "a", "1"}) == error(kNotInteger));
    CHECK(c.cmd({"LRANGE", "q", "0", "1.0"}) == error(kNotInteger));
  }

  TEST_CASE("LINDEX reads by position from either end; out of range is nil") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b", "c"});
    CHECK(c.cmd({"LINDEX", "q", "0"}) == bulk("a"));
    CHECK(c.cmd({"LINDEX", "q", "2"}) == bulk("c"));
    CHECK(c.cmd({"LINDEX", "q", "-1"}) == bulk("c"));
    CHECK(c.cmd({"LINDEX", "q", "-3"}) == bulk("a"));
    CHECK(c.cmd({"LINDEX", "q", "3"}) == nil());
    CHECK(c.cmd({"LINDEX", "q", "-4"}) == nil());
    CHECK(c.cmd({"LINDEX", "missing", "0"}) == nil());
    CHECK(c.cmd({"LINDEX", "q", "abc"}) == error(kNotInteger));
  }

  TEST_CASE("A list edited at both ends behaves like a deque") {
    Server server;
    Client c = server.client();
    std::deque<std::string> model;
    std::mt19937 rng(20240611);
    int next = 0;
    for (int step = 0; step < 3000; ++step) {
      int op = static_cast<int>(rng() % 6);
      int n = 1 + static_cast<int>(rng() % 40);
      if (op <= 1) {
        Cmd cmd = {op == 0 ? "LPUSH" : "RPUSH", "q"};
        for (int i = 0; i < n; ++i) {
          std::string v = "v" + std::to_string(next++);
          cmd.push_back(v);
          if (op == 0)
            model.push_front(v);
          else
            model.push_back(v);
        }
        c.send(cmd);
      } else if (op <= 3) {
        c.send({op == 2 ? "LPOP" : "RPOP", "q", std::to_string(n)});
        for (int i = 0; i < n && !model.empty(); ++i) {
          if (op == 2)
            model.pop_front();
          else
            model.pop_back();
        }
      } else {
        c.send({"LLEN", "q"});
      }
    }
    c.flush();
    for (int step = 0; step < 3000; ++step) REQUIRE_FALSE(c.read().is_error());
    CHECK(c.cmd({"LLEN", "q"}) == integer(static_cast<long long>(model.size())));
    std::vector<std::string> expected(model.begin(), model.end());
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks(expected));
    for (long long i : {0LL, 7LL, static_cast<long long>(model.size() / 2), -1LL, -50LL}) {
      long long at = i < 0 ? static_cast<long long>(model.size()) + i : i;
      if (at < 0 || at >= static_cast<long long>(model.size())) continue;
      CHECK(c.cmd({"LINDEX", "q", std::to_string(i)}) == bulk(model[at]));
    }
    size_t mid = model.size() / 3;
    std::vector<std::string> window(model.begin() + mid, model.begin() + mid + 10);
    CHECK(c.cmd({"LRANGE", "q", std::to_string(mid), std::to_string(mid + 9)}) == bulks(window));
  }

  TEST_CASE("List command replies and errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"LPUSH", "q", "a", "b"},
                   {"RPUSH", "q", "c"},
                   {"LPUSHX", "nope", "x"},
                   {"LRANGE", "q", "0", "-1"},
                   {"LPOP", "q", "0"},
                   {"LPOP", "nope", "0"},
                   {"LPOP", "nope"},
                   {"LPOP", "nope", "-1"},
                   {"RPOP", "q", "9223372036854775807"},
                   {"RPOP", "q", "99999999999999999999"},
                   {"RPUSH", "q", "a", "b", "c"},
                   {"LINDEX", "q", "abc"},
                   {"LINDEX", "nope", "abc"},
                   {"LINDEX", "q", "9223372036854775807"},
                   {"LINDEX", "q", "-9223372036854775808"},
                   {"LRANGE", "nope", "a", "b"},
                   {"LRANGE", "q", "-9223372036854775808", "9223372036854775807"},
                   {"LRANGE", "q", "0"},
                   {"LLEN"},
                   {"LINDEX", "q"},
                   {"LPUSH", "q"},
                   {"RPOP"},
                   {"RPOP", "q", "1", "x"},
                   {"LLEN", "q"}});
  }
}
