// Keyspace commands: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RENAME, RENAMENX, RANDOMKEY.
// Lists are the only type here, so every key is a list.
#include <doctest/doctest.h>

#include <set>

#include "harness.h"

using namespace postbox::it;

namespace {

void push_keys(Client& c, const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) c.send({"RPUSH", prefix + std::to_string(i), "v"});
  c.flush();
  for (int i = 0; i < n; ++i) REQUIRE(c.read() == integer(1));
}

struct ScanResult {
  std::multiset<std::string> keys;
  int calls = 0;
};

// Runs a full SCAN iteration with the extra arguments given, checking each page's shape.
ScanResult scan_all(Client& c, const Cmd& extra, const std::function<void(int)>& each = {}) {
  ScanResult out;
  std::string cursor = "0";
  do {
    Cmd cmd = {"SCAN", cursor};
    cmd.insert(cmd.end(), extra.begin(), extra.end());
    Reply page = c.cmd(cmd);
    REQUIRE(page.type == ReplyType::Array);
    REQUIRE(page.elements.size() == 2);
    REQUIRE(page.elements[0].type == ReplyType::String);
    cursor = page.elements[0].str;
    for (const auto& k : page.elements[1].strings()) out.keys.insert(k);
    if (each) each(out.calls);
    REQUIRE(++out.calls < 100000);
  } while (cursor != "0");
  return out;
}

std::set<std::string> names(const std::string& prefix, int n) {
  std::set<std::string> out;
  for (int i = 0; i < n; ++i) out.insert(prefix + std::to_string(i));
  return out;
}

}  // namespace

TEST_SUITE("keyspace") {
  TEST_CASE("DEL and UNLINK remove keys and count only the keys that existed") {
    Server server;
    Client c = server.client();
    push_keys(c, "k", 4);
    CHECK(c.cmd({"DEL", "k0", "k1", "k1", "missing"}) == integer(2));
    CHECK(c.cmd({"UNLINK", "k2", "missing"}) == integer(1));
    CHECK(c.cmd({"DBSIZE"}) == integer(1));
    CHECK(c.cmd({"LRANGE", "k0", "0", "-1"}) == bulks({}));
    CHECK(c.cmd({"DEL"}) == error("ERR wrong number of arguments for 'del' command"));
  }

  TEST_CASE("EXISTS counts a key once per mention") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    CHECK(c.cmd({"EXISTS", "q"}) == integer(1));
    CHECK(c.cmd({"EXISTS", "q", "q", "missing", "q"}) == integer(3));
    CHECK(c.cmd({"EXISTS", "missing"}) == integer(0));
  }

  TEST_CASE("TYPE says list for a list and none for a missing key") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "q", "a"});
    CHECK(c.cmd({"TYPE", "q"}) == status("list"));
    CHECK(c.cmd({"TYPE", "missing"}) == status("none"));
    c.cmd({"LPOP", "q"});
    CHECK(c.cmd({"TYPE", "q"}) == status("none"));  // an emptied list is deleted
  }

  TEST_CASE("KEYS matches glob patterns like Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    for (const char* k : {"hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "a[b", "a\\b",
                          "user:1", "user:2", "job:1", "", "\xff\x01"}) {
      d.same({"RPUSH", k, "v"});
    }
    d.expect_same({{"KEYS", "*"},
                   {"KEYS", "h?llo"},
                   {"KEYS", "h*llo"},
                   {"KEYS", "h[ae]llo"},
                   {"KEYS", "h[^e]llo"},
                   {"KEYS", "h[a-b]llo"},
                   {"KEYS", "h\\*llo"},
                   {"KEYS", "a[b"},
                   {"KEYS", "a\\[b"},
                   {"KEYS", "a\\\\b"},
                   {"KEYS", "user:*"},
                   {"KEYS", "*:1"},
                   {"KEYS", "[uj]*"},
                   {"KEYS", "nothing*"},
                   {"KEYS", ""},
                   {"KEYS", "\xff*"}},
                  sort_elements);
  }

  TEST_CASE("KEYS sees only the selected database") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "zero", "v"});
    c.cmd({"SELECT", "7"});
    c.cmd({"RPUSH", "seven", "v"});
    CHECK(c.cmd({"KEYS", "*"}) == bulks({"seven"}));
  }

  TEST_CASE("A full SCAN iteration returns every key at least once") {
    Server server;
    Client c = server.client();
    push_keys(c, "key:", 1000);
    ScanResult r = scan_all(c, {"COUNT", "10"});
    CHECK(std::set<std::string>(r.keys.begin(), r.keys.end()) == names("key:", 1000));
    CHECK(r.calls > 10);  // COUNT 10 really pages
  }

  TEST_CASE("SCAN returns every key present for the whole iteration despite writes") {
    Server server;
    Client c = server.client();
    push_keys(c, "stable:", 500);
    push_keys(c, "doomed:", 100);
    Client writer = server.client();
    ScanResult r = scan_all(c, {"COUNT", "20"}, [&](int call) {
      writer.cmd({"RPUSH", "new:" + std::to_string(call), "v"});
      writer.cmd({"DEL", "doomed:" + std::to_string(call)});
    });
    std::set<std::string> seen(r.keys.begin(), r.keys.end());
    for (const auto& k : names("stable:", 500)) CHECK_MESSAGE(seen.count(k) == 1, k);
  }

  TEST_CASE("SCAN MATCH returns only keys matching the pattern") {
    Server server;
    Client c = server.client();
    push_keys(c, "user:", 100);
    push_keys(c, "job:", 100);
    ScanResult r = scan_all(c, {"MATCH", "job:*", "COUNT", "25"});
    CHECK(std::set<std::string>(r.keys.begin(), r.keys.end()) == names("job:", 100));
  }

  TEST_CASE("SCAN TYPE filters by type name, case-insensitively") {
    Server server;
    Client c = server.client();
    push_keys(c, "q", 30);
    CHECK(scan_all(c, {"TYPE", "list"}).keys.size() >= 30);
    CHECK(scan_all(c, {"TYPE", "LIST", "COUNT", "7"}).keys.size() >= 30);
    CHECK(scan_all(c, {"TYPE", "string"}).keys.empty());
    CHECK(scan_all(c, {"TYPE", "no-such-type"}).keys.empty());
  }

  TEST_CASE("SCAN rejects a malformed cursor and bad options") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"SCAN", "abc"}) == error("ERR invalid cursor"));
    CHECK(c.cmd({"SCAN", "18446744073709551616"}) == error("ERR invalid cursor"));
    CHECK(c.cmd({"SCAN", "0", "COUNT", "0"}) == error("ERR syntax error"));
    CHECK(c.cmd({"SCAN", "0", "COUNT", "-1"}) == error("ERR syntax error"));
    CHECK(c.cmd({"SCAN", "0", "COUNT", "abc"}) ==
          error("ERR value is not an integer or out of range"));
    CHECK(c.cmd({"SCAN", "0", "MATCH"}) == error("ERR syntax error"));
    CHECK(c.cmd({"SCAN", "0", "FOO", "bar"}) == error("ERR syntax error"));
  }

  TEST_CASE("SCAN on an empty database and SCAN argument errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"SCAN", "0"},
                   {"SCAN", "-1"},
                   {"SCAN", "18446744073709551615"},
                   {"SCAN", " 1"},
                   {"SCAN", "0", "COUNT", "10", "COUNT"},
                   {"SCAN", "0", "TYPE"},
                   {"SCAN", "0", "match", "*", "count", "5", "type", "list"},
                   {"RPUSH", "q", "a"},
                   {"SCAN", "0", "MATCH", "q"},
                   {"SCAN", "0", "MATCH", "nope*"},
                   {"SCAN"}});
  }

  TEST_CASE("RENAME moves the value and overwrites the destination") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "src", "a", "b"});
    c.cmd({"RPUSH", "dst", "old"});
    CHECK(c.cmd({"RENAME", "src", "dst"}) == status("OK"));
    CHECK(c.cmd({"LRANGE", "dst", "0", "-1"}) == bulks({"a", "b"}));
    CHECK(c.cmd({"EXISTS", "src"}) == integer(0));
    CHECK(c.cmd({"RENAME", "dst", "dst"}) == status("OK"));
    CHECK(c.cmd({"LRANGE", "dst", "0", "-1"}) == bulks({"a", "b"}));
    CHECK(c.cmd({"RENAME", "missing", "x"}) == error("ERR no such key"));
  }

  TEST_CASE("RENAME carries the source TTL and drops the destination's") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "src", "a"});
    c.cmd({"EXPIRE", "src", "100"});
    c.cmd({"RPUSH", "dst", "old"});
    c.cmd({"EXPIRE", "dst", "5000"});
    c.cmd({"RPUSH", "plain", "p"});
    CHECK(c.cmd({"RENAME", "src", "dst"}) == status("OK"));
    Reply ttl = c.cmd({"TTL", "dst"});
    CHECK(ttl.integer > 90);
    CHECK(ttl.integer <= 100);
    CHECK(c.cmd({"RENAME", "plain", "dst"}) == status("OK"));
    CHECK(c.cmd({"TTL", "dst"}) == integer(-1));
  }

  TEST_CASE("RENAMENX renames only when the destination does not exist") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "a", "1"});
    c.cmd({"RPUSH", "b", "2"});
    CHECK(c.cmd({"RENAMENX", "a", "b"}) == integer(0));
    CHECK(c.cmd({"LRANGE", "b", "0", "-1"}) == bulks({"2"}));
    CHECK(c.cmd({"RENAMENX", "a", "c"}) == integer(1));
    CHECK(c.cmd({"LRANGE", "c", "0", "-1"}) == bulks({"1"}));
    CHECK(c.cmd({"EXISTS", "a"}) == integer(0));
    CHECK(c.cmd({"RENAMENX", "c", "c"}) == integer(0));
    CHECK(c.cmd({"RENAMENX", "missing", "x"}) == error("ERR no such key"));
  }

  TEST_CASE("RANDOMKEY returns nil on an empty database and otherwise an existing key") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"RANDOMKEY"}) == nil());
    c.cmd({"RPUSH", "only", "v"});
    CHECK(c.cmd({"RANDOMKEY"}) == bulk("only"));
    push_keys(c, "k", 20);
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
      Reply r = c.cmd({"RANDOMKEY"});
      REQUIRE(r.type == ReplyType::String);
      CHECK(c.cmd({"EXISTS", r.str}) == integer(1));
      seen.insert(r.str);
    }
    CHECK(seen.size() > 1);
  }

  TEST_CASE("Keys longer than 511 bytes work like any other key") {
    Server server;
    Client c = server.client();
    std::string long_key(2000, 'k');
    std::string sibling = long_key + "2";
    std::string renamed = std::string(5000, 'r');
    CHECK(c.cmd({"RPUSH", long_key, "a"}) == integer(1));
    CHECK(c.cmd({"RPUSH", sibling, "b"}) == integer(1));
    CHECK(c.cmd({"LRANGE", long_key, "0", "-1"}) == bulks({"a"}));
    CHECK(c.cmd({"KEYS", "k*2"}) == bulks({sibling}));
    CHECK(c.cmd({"EXPIRE", long_key, "100"}) == integer(1));
    CHECK(c.cmd({"RENAME", long_key, renamed}) == status("OK"));
    CHECK(c.cmd({"TTL", renamed}) == integer(100));
    CHECK(c.cmd({"EXISTS", long_key, sibling, renamed}) == integer(2));
    ScanResult r = scan_all(c, {});
    CHECK(r.keys == std::multiset<std::string>{sibling, renamed});
  }

  TEST_CASE("Keyspace command replies and errors match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same({{"RPUSH", "a", "1", "2"},
                   {"RPUSH", "b", "3"},
                   {"EXISTS", "a", "b", "c", "a"},
                   {"TYPE", "a"},
                   {"TYPE", "c"},
                   {"RENAME", "a", "b"},
                   {"LRANGE", "b", "0", "-1"},
                   {"RENAME", "a", "b"},
                   {"RENAMENX", "b", "b"},
                   {"RENAMENX", "nope", "b"},
                   {"RENAME", "b"},
                   {"RENAMENX", "b", "c", "d"},
                   {"EXISTS"},
                   {"TYPE"},
                   {"TYPE", "a", "b"},
                   {"UNLINK"},
                   {"KEYS"},
                   {"KEYS", "a", "b"},
                   {"RANDOMKEY", "x"},
                   {"DEL", "b", "b"},
                   {"RANDOMKEY"},
                   {"DBSIZE"}});
  }
}
