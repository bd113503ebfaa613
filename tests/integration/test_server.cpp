// Server-wide commands: CONFIG, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, COMMAND, command
// dispatch errors and maxclients.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "harness.h"

using namespace postbox::it;

namespace {

// CONFIG GET pairs as a map: Redis returns them in hash-table order.
std::map<std::string, std::string> pairs(const Reply& r) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    out[r.elements[i].str] = r.elements[i + 1].str;
  }
  return out;
}

// A connection the server accepted (maxclients rejects by writing an error right away).
std::unique_ptr<Client> accepted_client(int port) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto c = std::make_unique<Client>(port);
    if (!c->try_read(100ms)) return c;
    std::this_thread::sleep_for(20ms);  // an earlier connection's close is still in flight
  }
  return nullptr;
}

const char* const kIssueCommands[] = {
    "ping",    "echo",    "quit",     "reset",     "hello",  "auth",    "select",     "client",
    "config",  "dbsize",  "flushdb",  "flushall",  "swapdb", "time",    "command",    "del",
    "unlink",  "exists",  "type",     "keys",      "scan",   "rename",  "renamenx",   "randomkey",
    "expire",  "pexpire", "expireat", "pexpireat", "ttl",    "pttl",    "expiretime", "pexpiretime",
    "persist", "lpush",   "rpush",    "lpushx",    "rpushx", "lpop",    "rpop",       "llen",
    "lrange",  "lindex",  "blpop",    "brpop",     "info",   "shutdown"};

}  // namespace

TEST_SUITE("server") {
  TEST_CASE("CONFIG GET returns name/value pairs, several names at once, globs allowed") {
    Server server({"--maxclients", "77"});
    Client c = server.client();
    CHECK(c.cmd({"CONFIG", "GET", "port"}) == bulks({"port", std::to_string(server.port())}));
    CHECK(c.cmd({"CONFIG", "GET", "maxclients"}) == bulks({"maxclients", "77"}));
    auto two = pairs(c.cmd({"CONFIG", "GET", "databases", "maxclients"}));
    CHECK(two == std::map<std::string, std::string>{{"databases", "16"}, {"maxclients", "77"}});
    auto globbed = pairs(c.cmd({"CONFIG", "GET", "max*"}));
    CHECK(globbed["maxclients"] == "77");
    CHECK(c.cmd({"CONFIG", "GET", "no-such-directive"}) == bulks({}));
    CHECK(c.cmd({"CONFIG", "GET"}) ==
          error("ERR wrong number of arguments for 'config|get' command"));
  }

  TEST_CASE("CONFIG SET changes a live setting that CONFIG GET then reports") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"CONFIG", "SET", "timeout", "100"}) == status("OK"));
    CHECK(c.cmd({"CONFIG", "GET", "timeout"}) == bulks({"timeout", "100"}));
    CHECK(c.cmd({"CONFIG", "SET", "timeout", "5", "maxclients", "50"}) == status("OK"));
    auto both = pairs(c.cmd({"CONFIG", "GET", "timeout", "maxclients"}));
    CHECK(both == std::map<std::string, std::string>{{"maxclients", "50"}, {"timeout", "5"}});
    CHECK(c.cmd({"CONFIG", "SET", "appendfsync", "everysec"}) == status("OK"));
    CHECK(c.cmd({"CONFIG", "GET", "appendfsync"}) == bulks({"appendfsync", "everysec"}));
  }

  TEST_CASE("CONFIG SET rejects unknown, malformed, duplicate and immutable settings") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"CONFIG", "SET", "nope", "1"}) ==
          error("ERR Unknown option or number of arguments for CONFIG SET - 'nope'"));
    CHECK(c.cmd({"CONFIG", "SET", "timeout", "abc"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument "
                "couldn't be parsed into an integer"));
    CHECK(c.cmd({"CONFIG", "SET", "timeout", "1", "timeout", "2"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate "
                "parameter"));
    CHECK(c.cmd({"CONFIG", "SET", "appendfsync", "sometimes"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'appendfsync') - "
                "argument(s) must be one of the following: everysec, always, no"));
    CHECK(c.cmd({"CONFIG", "SET", "databases", "3"}) ==
          error("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
                "immutable config"));
    CHECK(c.cmd({"CONFIG", "SET", "timeout"}) ==
          error("ERR wrong number of arguments for 'config|set' command"));
    CHECK(c.cmd({"CONFIG", "GET", "timeout"}) == bulks({"timeout", "0"}));
    CHECK(c.cmd({"CONFIG", "FOO"}) == error("ERR unknown subcommand 'FOO'. Try CONFIG HELP."));
  }

  TEST_CASE("DBSIZE counts the keys of the selected database only") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"DBSIZE"}) == integer(0));
    c.cmd({"RPUSH", "a", "1"});
    c.cmd({"RPUSH", "b", "1", "2"});
    CHECK(c.cmd({"DBSIZE"}) == integer(2));
    c.cmd({"SELECT", "1"});
    CHECK(c.cmd({"DBSIZE"}) == integer(0));
    CHECK(c.cmd({"DBSIZE", "x"}) == error("ERR wrong number of arguments for 'dbsize' command"));
  }

  TEST_CASE("FLUSHDB empties only the selected database") {
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "a", "1"});
    c.cmd({"SELECT", "1"});
    c.cmd({"RPUSH", "b", "1"});
    CHECK(c.cmd({"FLUSHDB"}) == status("OK"));
    CHECK(c.cmd({"DBSIZE"}) == integer(0));
    c.cmd({"SELECT", "0"});
    CHECK(c.cmd({"LRANGE", "a", "0", "-1"}) == bulks({"1"}));
    CHECK(c.cmd({"FLUSHDB", "SYNC"}) == status("OK"));
    CHECK(c.cmd({"DBSIZE"}) == integer(0));
    CHECK(c.cmd({"FLUSHDB", "ASYNC"}) == status("OK"));
    CHECK(c.cmd({"FLUSHDB", "FOO"}) == error("ERR syntax error"));
  }

  TEST_CASE("FLUSHALL empties every database") {
    Server server;
    Client c = server.client();
    for (int db : {0, 3, 15}) {
      c.cmd({"SELECT", std::to_string(db)});
      c.cmd({"RPUSH", "q", "x"});
    }
    CHECK(c.cmd({"FLUSHALL"}) == status("OK"));
    for (int db : {0, 3, 15}) {
      c.cmd({"SELECT", std::to_string(db)});
      CHECK(c.cmd({"DBSIZE"}) == integer(0));
    }
    CHECK(c.cmd({"FLUSHALL", "FOO"}) == error("ERR syntax error"));
  }

  TEST_CASE("SWAPDB exchanges two databases for every connection") {
    Server server;
    Client c = server.client();
    Client other = server.client();
    c.cmd({"RPUSH", "in-zero", "0"});
    c.cmd({"SELECT", "1"});
    c.cmd({"RPUSH", "in-one", "1"});
    c.cmd({"RPUSH", "also-one", "1"});
    CHECK(other.cmd({"SWAPDB", "0", "1"}) == status("OK"));
    CHECK(other.cmd({"DBSIZE"}) == integer(2));
    CHECK(other.cmd({"LRANGE", "in-one", "0", "-1"}) == bulks({"1"}));
    CHECK(c.cmd({"DBSIZE"}) == integer(1));  // c stays on index 1, which now holds old db 0
    CHECK(c.cmd({"LRANGE", "in-zero", "0", "-1"}) == bulks({"0"}));
  }

  TEST_CASE("SWAPDB validates both indexes") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"SWAPDB", "0", "16"}) == error("ERR DB index is out of range"));
    CHECK(c.cmd({"SWAPDB", "-1", "1"}) == error("ERR DB index is out of range"));
    CHECK(c.cmd({"SWAPDB", "a", "1"}) == error("ERR invalid first DB index"));
    CHECK(c.cmd({"SWAPDB", "1", "a"}) == error("ERR invalid second DB index"));
    CHECK(c.cmd({"SWAPDB", "0", "0"}) == status("OK"));
    CHECK(c.cmd({"SWAPDB", "0"}) == error("ERR wrong number of arguments for 'swapdb' command"));
  }

  TEST_CASE("TIME returns seconds and microseconds as two bulk strings") {
    Server server;
    Client c = server.client();
    Reply t = c.cmd({"TIME"});
    REQUIRE(t.type == ReplyType::Array);
    REQUIRE(t.elements.size() == 2);
    REQUIRE(t.elements[0].type == ReplyType::String);
    REQUIRE(t.elements[1].type == ReplyType::String);
    long long secs = std::stoll(t.elements[0].str);
    long long micros = std::stoll(t.elements[1].str);
    long long now = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    CHECK(std::llabs(secs - now) <= 2);
    CHECK(micros >= 0);
    CHECK(micros < 1000000);
    CHECK(c.cmd({"TIME", "x"}) == error("ERR wrong number of arguments for 'time' command"));
  }

  TEST_CASE("An unknown command is named in the error with its first arguments") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"NOPE"}) == error("ERR unknown command 'NOPE', with args beginning with: "));
    CHECK(c.cmd({"nope", "a", "b c"}) ==
          error("ERR unknown command 'nope', with args beginning with: 'a' 'b c' "));
    CHECK(c.cmd({"PING"}) == status("PONG"));
  }

  TEST_CASE("A wrong argument count names the command in lower case") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"LPUSH", "k"}) == error("ERR wrong number of arguments for 'lpush' command"));
    CHECK(c.cmd({"Rpush"}) == error("ERR wrong number of arguments for 'rpush' command"));
    CHECK(c.cmd({"LLEN", "a", "b"}) == error("ERR wrong number of arguments for 'llen' command"));
    CHECK(c.cmd({"EXPIRE", "k"}) == error("ERR wrong number of arguments for 'expire' command"));
    CHECK(c.cmd({"EXISTS", "k"}) == integer(0));
  }

  TEST_CASE("COMMAND COUNT and COMMAND LIST agree and include this server's commands") {
    Server server;
    Client c = server.client();
    Reply count = c.cmd({"COMMAND", "COUNT"});
    REQUIRE(count.type == ReplyType::Integer);
    Reply list = c.cmd({"COMMAND", "LIST"});
    REQUIRE(list.type == ReplyType::Array);
    auto names = list.strings();
    std::set<std::string> have(names.begin(), names.end());
    CHECK(have.size() == names.size());
    // COMMAND LIST names subcommands too ("client|list"); COMMAND COUNT counts only commands.
    long long top_level = std::count_if(names.begin(), names.end(), [](const std::string& n) {
      return n.find('|') == std::string::npos;
    });
    CHECK(top_level == count.integer);
    CHECK(have.count("client|list") == 1);
    CHECK(have.count("config|get") == 1);
    for (const char* name : {"ping", "lpush", "rpush", "lpop", "blpop", "brpop", "llen", "lrange",
                             "scan", "expire", "client", "config", "command", "swapdb"}) {
      CHECK_MESSAGE(have.count(name) == 1, name);
    }
    auto lp = c.cmd({"COMMAND", "LIST", "FILTERBY", "PATTERN", "lpush*"}).strings();
    CHECK(std::set<std::string>(lp.begin(), lp.end()) == std::set<std::string>{"lpush", "lpushx"});
  }

  TEST_CASE("COMMAND INFO describes arity, flags and key positions") {
    Server server;
    Client c = server.client();
    Reply info = c.cmd({"COMMAND", "INFO", "LPUSH", "no-such-command", "blpop"});
    REQUIRE(info.type == ReplyType::Array);
    REQUIRE(info.elements.size() == 3);
    const Reply& lpush = info.elements[0];
    REQUIRE(lpush.type == ReplyType::Array);
    REQUIRE(lpush.elements.size() >= 10);
    CHECK(lpush.elements[0] == bulk("lpush"));
    CHECK(lpush.elements[1] == integer(-3));
    CHECK(lpush.elements[2].type == ReplyType::Array);
    CHECK(lpush.elements[2].elements.front() == status("write"));
    CHECK(lpush.elements[3] == integer(1));
    CHECK(lpush.elements[4] == integer(1));
    CHECK(lpush.elements[5] == integer(1));
    CHECK(info.elements[1] == nil());
    const Reply& blpop = info.elements[2];
    CHECK(blpop.elements[0] == bulk("blpop"));
    CHECK(blpop.elements[1] == integer(-3));
    CHECK(blpop.elements[4] == integer(-2));  // the last key is before the timeout
  }

  TEST_CASE("COMMAND INFO name, arity and key positions match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    auto head = [](const Cmd&, Reply& r) {
      for (Reply& entry : r.elements) {
        if (entry.elements.size() < 6) continue;
        entry.elements = {entry.elements[0], entry.elements[1], entry.elements[3],
                          entry.elements[4], entry.elements[5]};
      }
    };
    for (const char* name : kIssueCommands) d.same({"COMMAND", "INFO", name}, head);
  }

  TEST_CASE("COMMAND INFO flags match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    auto flags = [](const Cmd&, Reply& r) {
      for (Reply& entry : r.elements) {
        if (entry.elements.size() < 3) continue;
        Reply f = entry.elements[2];
        std::sort(f.elements.begin(), f.elements.end(),
                  [](const Reply& a, const Reply& b) { return a.str < b.str; });
        entry.elements = {entry.elements[0], f};
      }
    };
    for (const char* name : kIssueCommands) d.same({"COMMAND", "INFO", name}, flags);
  }

  TEST_CASE("maxclients refuses the connection over the limit with Redis's error") {
    Server server({"--maxclients", "2"});
    auto a = accepted_client(server.port());
    REQUIRE(a);
    auto b = accepted_client(server.port());
    REQUIRE(b);
    CHECK(a->cmd({"PING"}) == status("PONG"));
    CHECK(b->cmd({"PING"}) == status("PONG"));
    Client third = server.client();
    auto refused = third.try_read(2000ms);
    REQUIRE(refused.has_value());
    CHECK(*refused == error("ERR max number of clients reached"));
    CHECK(third.closed_within(2000ms));
    a.reset();
    auto again = accepted_client(server.port());
    REQUIRE(again);
    CHECK(again->cmd({"PING"}) == status("PONG"));
  }
}
