// Editing lists in place: LSET, LINSERT, LREM, LTRIM, LPOS. Mostly differential: every reply and
// error text, and the order in which arguments and the key are checked, must be Redis's.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "harness.h"

using namespace postbox::it;

namespace {

const char* kMin = "-9223372036854775808";
const char* kMax = "9223372036854775807";

// The fields of COMMAND INFO that Postbox models: name, arity, flags, key positions, ACL
// categories.
Reply info_head(Client& c, const std::string& name) {
  Reply r = c.cmd({"COMMAND", "INFO", name});
  REQUIRE(r.elements.size() == 1);
  Reply one = r.elements[0];
  REQUIRE(one.elements.size() >= 7);
  one.elements.resize(7);
  return one;
}

}  // namespace

TEST_SUITE("list edit") {
  TEST_CASE("LSET replies and errors match Redis, the key looked up before the index") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"LSET", "nokey", "0", "x"},
                   {"LSET", "nokey", "abc", "x"},
                   {"RPUSH", "q", "a", "b", "c"},
                   {"LSET", "q", "abc", "x"},
                   {"LSET", "q", "1.5", "x"},
                   {"LSET", "q", "3", "x"},
                   {"LSET", "q", "-4", "x"},
                   {"LSET", "q", kMax, "x"},
                   {"LSET", "q", kMin, "x"},
                   {"LSET", "q", "9223372036854775808", "x"},
                   {"LSET", "q", "0", "A"},
                   {"LSET", "q", "-1", "C"},
                   {"LSET", "q", "-2", ""},
                   {"LSET", "q", "1", std::string("b\0\r\n", 4)},
                   {"LRANGE", "q", "0", "-1"},
                   {"LSET", "q", "0"},
                   {"LSET", "q", "0", "x", "y"},
                   {"EXISTS", "nokey"}});
  }

  TEST_CASE("LINSERT replies match Redis: new length, 0 for no key, -1 for no pivot") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"LINSERT", "nokey", "middle", "a", "x"},
                   {"LINSERT", "nokey", "BEFORE", "a", "x"},
                   {"EXISTS", "nokey"},
                   {"RPUSH", "q", "a", "b", "c", "a", "b", "c"},
                   {"LINSERT", "q", "middle", "a", "x"},
                   {"LINSERT", "q", "before", "zz", "x"},
                   {"LINSERT", "q", "before", "A", "x"},
                   {"LINSERT", "q", "BEFORE", "a", "h"},
                   {"LINSERT", "q", "After", "c", "t"},
                   {"LINSERT", "q", "aFtEr", "b", "m"},
                   {"LINSERT", "q", "before", "c", ""},
                   {"LRANGE", "q", "0", "-1"},
                   {"LINSERT", "q", "before", "a"},
                   {"LINSERT", "q", "before", "a", "x", "y"}});
  }

  TEST_CASE("LREM replies match Redis for positive, negative and zero counts") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"LREM", "nokey", "abc", "x"},
                   {"LREM", "nokey", "0", "x"},
                   {"RPUSH", "q", "x", "a", "x", "b", "x", "c", "x", "d", "x"},
                   {"LREM", "q", "abc", "x"},
                   {"LREM", "q", "1", "zz"},
                   {"LREM", "q", "2", "x"},
                   {"LRANGE", "q", "0", "-1"},
                   {"LREM", "q", "-1", "x"},
                   {"LRANGE", "q", "0", "-1"},
                   {"LREM", "q", "-100", "x"},
                   {"LRANGE", "q", "0", "-1"},
                   {"RPUSH", "q", "b", "b"},
                   {"LREM", "q", "0", "b"},
                   {"LRANGE", "q", "0", "-1"},
                   {"RPUSH", "r", "y", "z", "y", "y"},
                   {"LREM", "r", kMin, "y"},
                   {"LRANGE", "r", "0", "-1"},
                   {"LREM", "r", kMax, "z"},
                   {"EXISTS", "r"},
                   {"LREM", "q", "0"},
                   {"LREM", "q", "0", "a", "b"}});
  }

  TEST_CASE("LTRIM replies match Redis and an emptied list is deleted") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"LTRIM", "nokey", "a", "b"},
                   {"LTRIM", "nokey", "0", "1"},
                   {"EXISTS", "nokey"},
                   {"RPUSH", "q", "a", "b", "c", "d", "e", "f"},
                   {"LTRIM", "q", "a", "1"},
                   {"LTRIM", "q", "0", "b"},
                   {"LTRIM", "q", "1", "-2"},
                   {"LRANGE", "q", "0", "-1"},
                   {"LTRIM", "q", "-100", "100"},
                   {"LRANGE", "q", "0", "-1"},
                   {"LTRIM", "q", kMin, kMax},
                   {"LRANGE", "q", "0", "-1"},
                   {"LTRIM", "q", "-2", "-1"},
                   {"LRANGE", "q", "0", "-1"},
                   {"LTRIM", "q", "1", "0"},
                   {"EXISTS", "q"},
                   {"RPUSH", "q", "a", "b"},
                   {"LTRIM", "q", "2", "10"},
                   {"EXISTS", "q"},
                   {"RPUSH", "q", "a", "b"},
                   {"LTRIM", "q", kMin, kMin},
                   {"EXISTS", "q"},
                   {"LTRIM", "q", "0"},
                   {"LTRIM", "q", "0", "1", "2"}});
  }

  TEST_CASE("LPOS replies match Redis for RANK, COUNT and MAXLEN in any combination") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"RPUSH", "q", "a", "b", "c", "1", "2", "3", "c", "c"},
                   {"LPOS", "q", "c"},
                   {"LPOS", "q", "c", "RANK", "2"},
                   {"LPOS", "q", "c", "rank", "-1"},
                   {"LPOS", "q", "c", "RANK", "-3"},
                   {"LPOS", "q", "c", "RANK", "-4"},
                   {"LPOS", "q", "c", "RANK", "4"},
                   {"LPOS", "q", "c", "COUNT", "0"},
                   {"LPOS", "q", "c", "COUNT", "2"},
                   {"LPOS", "q", "c", "COUNT", kMax},
                   {"LPOS", "q", "c", "COUNT", "0", "RANK", "-1"},
                   {"LPOS", "q", "c", "RANK", "2", "COUNT", "1"},
                   {"LPOS", "q", "c", "RANK", "2", "COUNT", "5"},
                   {"LPOS", "q", "c", "RANK", "-2", "COUNT", "5"},
                   {"LPOS", "q", "c", "RANK", "5", "COUNT", "0"},
                   {"LPOS", "q", "c", "MAXLEN", "0"},
                   {"LPOS", "q", "c", "MAXLEN", "3"},
                   {"LPOS", "q", "c", "MAXLEN", "2"},
                   {"LPOS", "q", "c", "MAXLEN", "2", "COUNT", "0"},
                   {"LPOS", "q", "c", "RANK", "-1", "MAXLEN", "1"},
                   {"LPOS", "q", "c", "RANK", "-1", "MAXLEN", "3", "COUNT", "0"},
                   {"LPOS", "q", "c", "RANK", "1", "RANK", "2"},
                   {"LPOS", "q", "c", "COUNT", "1", "COUNT", "0"},
                   {"LPOS", "q", "zz"},
                   {"LPOS", "q", "zz", "COUNT", "0"},
                   {"LPOS", "q", "C"},
                   {"LPOS", "nokey", "c"},
                   {"LPOS", "nokey", "c", "COUNT", "1"},
                   {"LPOS", "nokey", "c", "COUNT", "0", "RANK", "-2", "MAXLEN", "5"}});
  }

  TEST_CASE("LPOS errors match Redis, the first bad option deciding, before the key lookup") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"RPUSH", "q", "a", "b", "a"},
                   {"LPOS", "q", "a", "RANK", "0"},
                   {"LPOS", "nokey", "a", "RANK", "0"},
                   {"LPOS", "q", "a", "RANK", "abc"},
                   {"LPOS", "q", "a", "RANK", "9223372036854775808"},
                   {"LPOS", "q", "a", "COUNT", "-1"},
                   {"LPOS", "q", "a", "COUNT", "abc"},
                   {"LPOS", "q", "a", "MAXLEN", "-1"},
                   {"LPOS", "q", "a", "MAXLEN", "1.5"},
                   {"LPOS", "q", "a", "RANK", "0", "COUNT", "-1"},
                   {"LPOS", "q", "a", "COUNT", "-1", "RANK", "0"},
                   {"LPOS", "q", "a", "FOO"},
                   {"LPOS", "nokey", "a", "FOO", "1"},
                   {"LPOS", "q", "a", "RANK"},
                   {"LPOS", "q", "a", "COUNT"},
                   {"LPOS", "q", "a", "MAXLEN"},
                   {"LPOS", "q", "a", "RANK", "1", "FOO"},
                   {"LPOS", "q", "a", "RANK", "0", "FOO"},
                   {"LPOS", "q"},
                   {"LPOS"}});
  }

  TEST_CASE("LPOS with RANK INT64_MIN behaves as Redis 7.0 does: from the tail, every match") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"RPUSH", "q", "a", "b", "c", "1", "2", "3", "c", "c"},
                   {"LPOS", "q", "c", "RANK", kMin},
                   {"LPOS", "q", "c", "RANK", kMin, "COUNT", "0"},
                   {"LPOS", "q", "c", "RANK", kMin, "COUNT", "1"},
                   {"LPOS", "q", "c", "RANK", kMin, "MAXLEN", "2", "COUNT", "1"},
                   {"LPOS", "q", "c", "RANK", "-9223372036854775807", "COUNT", "0"}});
  }

  TEST_CASE("LPOS replies null and empty arrays in RESP3 as Redis does") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"HELLO", "3"}}, mask_if([](const Cmd&) { return true; }));
    d.expect_same({{"RPUSH", "q", "a", "b"},
                   {"LPOS", "q", "zz"},
                   {"LPOS", "q", "zz", "COUNT", "0"},
                   {"LPOS", "nokey", "zz"},
                   {"LPOS", "nokey", "zz", "COUNT", "3"},
                   {"LPOS", "q", "b", "COUNT", "3"},
                   {"LSET", "nokey", "0", "x"},
                   {"LINSERT", "q", "before", "b", "x"},
                   {"LREM", "q", "0", "x"},
                   {"LTRIM", "q", "0", "0"}});
  }

  TEST_CASE("COMMAND INFO of the edit commands matches Redis: arity, flags, keys, categories") {
    Differential d;
    REQUIRE_ORACLE(d);
    for (const char* name : {"lset", "linsert", "lrem", "ltrim", "lpos"}) {
      CAPTURE(name);
      CHECK(info_head(d.a(), name).repr() == info_head(d.b(), name).repr());
    }
  }

  TEST_CASE(
      "WATCH sees LSET, LTRIM and real removals and inserts, but not edits that did nothing") {
    Differential d;
    REQUIRE_ORACLE(d);
    auto watched = [&](const Cmd& edit) {
      d.expect_same({{"DEL", "q"},
                     {"RPUSH", "q", "a", "b", "c"},
                     {"WATCH", "q"},
                     edit,
                     {"MULTI"},
                     {"PING"},
                     {"EXEC"}});
    };
    watched({"LSET", "q", "0", "a"});
    watched({"LTRIM", "q", "0", "-1"});
    watched({"LTRIM", "q", "5", "10"});
    watched({"LREM", "q", "0", "b"});
    watched({"LREM", "q", "0", "zz"});
    watched({"LINSERT", "q", "before", "b", "x"});
    watched({"LINSERT", "q", "before", "zz", "x"});
    watched({"LPOS", "q", "b"});
  }

  TEST_CASE("random edits of a long list agree with Redis step by step") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::mt19937 rng(777);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    auto value = [&] { return std::string(1, char('a' + pick(5))); };
    Cmd fill = {"RPUSH", "q"};
    for (int i = 0; i < 300; ++i) fill.push_back(value());
    d.same(fill);
    for (int step = 0; step < 400; ++step) {
      Cmd cmd;
      switch (pick(6)) {
        case 0:
          cmd = {"LINSERT", "q", pick(2) ? "BEFORE" : "AFTER", value(), value() + "!"};
          break;
        case 1:
          cmd = {"LREM", "q", std::to_string(pick(9) - 4), value()};
          break;
        case 2:
          cmd = {"LSET", "q", std::to_string(pick(700) - 350), value()};
          break;
        case 3:
          cmd = {"LTRIM", "q", std::to_string(pick(3)), std::to_string(-1 - pick(3))};
          break;
        case 4:
          cmd = {"LPOS",
                 "q",
                 value(),
                 "RANK",
                 std::to_string(pick(2) ? 1 + pick(3) : -1 - pick(3)),
                 "COUNT",
                 std::to_string(pick(4)),
                 "MAXLEN",
                 std::to_string(pick(200))};
          break;
        default:
          cmd = {"RPUSH", "q", value(), value(), value()};
          break;
      }
      d.same(cmd);
    }
    d.expect_same({{"LLEN", "q"}, {"LRANGE", "q", "0", "-1"}});
  }

  TEST_CASE("edits of large elements in the middle of a list keep every byte") {
    Server server;
    Client c = server.client();
    std::vector<std::string> model;
    Cmd push = {"RPUSH", "q"};
    for (int i = 0; i < 40; ++i) {
      model.push_back(std::string(1000 + 997 * static_cast<size_t>(i), char('A' + i % 26)));
      push.push_back(model.back());
    }
    CHECK(c.cmd(push) == integer(40));
    std::string big(200000, 'z');
    CHECK(c.cmd({"LINSERT", "q", "BEFORE", model[15], big}) == integer(41));
    model.insert(model.begin() + 15, big);
    CHECK(c.cmd({"LINSERT", "q", "AFTER", model[30], "tiny"}) == integer(42));
    model.insert(model.begin() + 31, "tiny");
    CHECK(c.cmd({"LREM", "q", "0", model[20]}) == integer(1));
    model.erase(model.begin() + 20);
    CHECK(c.cmd({"LSET", "q", "-5", big}) == status("OK"));
    model[model.size() - 5] = big;
    CHECK(c.cmd({"LTRIM", "q", "2", "-3"}) == status("OK"));
    model = std::vector<std::string>(model.begin() + 2, model.end() - 2);
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks(model));
    CHECK(c.cmd({"LPOS", "q", big, "COUNT", "0"}) ==
          array({integer(13), integer(static_cast<long long>(model.size()) - 3)}));
  }

  TEST_CASE("edits are on disk when acknowledged: they survive a kill -9") {
    SKIP_UNLESS_DURABLE();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a", "b", "c", "d", "e", "f", "g"});
    CHECK(c.cmd({"LINSERT", "q", "AFTER", "c", "x"}) == integer(8));
    CHECK(c.cmd({"LREM", "q", "1", "e"}) == integer(1));
    CHECK(c.cmd({"LSET", "q", "0", "A"}) == status("OK"));
    CHECK(c.cmd({"LTRIM", "q", "0", "-2"}) == status("OK"));
    c.close();
    server.kill9();
    server.start();
    Client c2 = server.client();
    CHECK(c2.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"A", "b", "c", "x", "d", "f"}));
  }
}
