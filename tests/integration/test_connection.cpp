// Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT and the CLIENT family.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <memory>

#include "harness.h"

using namespace postbox::it;

namespace {

const char* kNoAuth = "NOAUTH Authentication required.";
const char* kWrongPass = "WRONGPASS invalid username-password pair or user is disabled.";
const char* kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
    "protocol version at the same time";

// "k=v k=v ..." (one CLIENT LIST / CLIENT INFO line) -> value of `key`, or "" if absent.
std::string client_field(const std::string& line, const std::string& key) {
  std::string needle = key + "=";
  size_t at = line.starts_with(needle) ? 0 : line.find(" " + needle);
  if (at == std::string::npos) return "";
  if (at > 0) ++at;
  size_t from = at + needle.size();
  size_t end = line.find_first_of(" \n", from);
  return line.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace

TEST_SUITE("connection") {
  TEST_CASE("PING answers PONG, or echoes its argument as a bulk string") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"PING"}) == status("PONG"));
    CHECK(c.cmd({"PING", "hello world"}) == bulk("hello world"));
    CHECK(c.cmd({"PING", "a", "b"}) == error("ERR wrong number of arguments for 'ping' command"));
  }

  TEST_CASE("ECHO returns its argument byte for byte") {
    Server server;
    Client c = server.client();
    std::string binary("a\0b\r\n\xff", 6);
    CHECK(c.cmd({"ECHO", binary}) == bulk(binary));
    CHECK(c.cmd({"ECHO", ""}) == bulk(""));
    CHECK(c.cmd({"ECHO"}) == error("ERR wrong number of arguments for 'echo' command"));
  }

  TEST_CASE("QUIT replies OK and then closes the connection") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"QUIT"}) == status("OK"));
    CHECK(c.closed_within(2000ms));
  }

  TEST_CASE("Commands pipelined after QUIT are not executed") {
    Server server;
    Client c = server.client();
    c.send({"QUIT"});
    c.send({"RPUSH", "q", "never"});
    CHECK(c.read() == status("OK"));
    CHECK(c.closed_within(2000ms));
    CHECK(server.client().cmd({"LLEN", "q"}) == integer(0));
  }

  TEST_CASE("A stock hiredis client can push and read back a list") {
    Server server;
    redisContext* ctx = redisConnect("127.0.0.1", server.port());
    REQUIRE(ctx != nullptr);
    REQUIRE(ctx->err == 0);
    auto* pushed =
        static_cast<redisReply*>(redisCommand(ctx, "RPUSH %s %s %b", "q", "one", "t\0o", 3));
    REQUIRE(pushed != nullptr);
    CHECK(pushed->type == REDIS_REPLY_INTEGER);
    CHECK(pushed->integer == 2);
    freeReplyObject(pushed);
    auto* range = static_cast<redisReply*>(redisCommand(ctx, "LRANGE q 0 -1"));
    REQUIRE(range != nullptr);
    REQUIRE(range->type == REDIS_REPLY_ARRAY);
    REQUIRE(range->elements == 2);
    CHECK(std::string(range->element[0]->str, range->element[0]->len) == "one");
    CHECK(std::string(range->element[1]->str, range->element[1]->len) == std::string("t\0o", 3));
    freeReplyObject(range);
    redisFree(ctx);
  }

  TEST_CASE("RESET restores protocol, database, name and reply mode") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"RPUSH", "in-db0", "x"}) == integer(1));
    c.cmd({"HELLO", "3"});
    CHECK(c.cmd({"SELECT", "3"}) == status("OK"));
    CHECK(c.cmd({"CLIENT", "SETNAME", "worker"}) == status("OK"));
    c.send({"CLIENT", "REPLY", "OFF"});
    CHECK(c.cmd({"RESET"}) == status("RESET"));
    CHECK(c.cmd({"CLIENT", "GETNAME"}) == nil());
    CHECK(c.cmd({"LPOP", "missing"}) == nil());  // RESP2 again: $-1, not _
    CHECK(c.cmd({"EXISTS", "in-db0"}) == integer(1));
    CHECK(c.cmd({"RESET", "x"}) == error("ERR wrong number of arguments for 'reset' command"));
  }

  TEST_CASE("HELLO rejects unsupported protocol versions with NOPROTO") {
    Server server;
    Client c = server.client();
    for (const char* v : {"0", "1", "4", "-1"}) {
      CHECK(c.cmd({"HELLO", v}) == error("NOPROTO unsupported protocol version"));
    }
    CHECK(c.cmd({"HELLO", "3.0"}) ==
          error("ERR Protocol version is not an integer or out of range"));
    CHECK(c.cmd({"HELLO", "abc"}) ==
          error("ERR Protocol version is not an integer or out of range"));
    CHECK(c.cmd({"LPOP", "missing"}) == nil());
  }

  TEST_CASE("HELLO options SETNAME and AUTH are parsed like Redis") {
    Server server;
    Client c = server.client();
    // The option is quoted as the client spelled it.
    CHECK(c.cmd({"HELLO", "3", "auth", "default"}) ==
          error("ERR Syntax error in HELLO option 'auth'"));
    CHECK(c.cmd({"HELLO", "3", "SETNAME"}) == error("ERR Syntax error in HELLO option 'SETNAME'"));
    CHECK(c.cmd({"HELLO", "3", "Foo"}) == error("ERR Syntax error in HELLO option 'Foo'"));
    CHECK(c.cmd({"HELLO", "2", "SETNAME", "a b"}) ==
          error("ERR Client names cannot contain spaces, newlines or special characters."));
    Reply hello = c.cmd({"HELLO", "2", "SETNAME", "named-by-hello"});
    CHECK(*hello.field("proto") == integer(2));
    CHECK(c.cmd({"CLIENT", "GETNAME"}) == bulk("named-by-hello"));
  }

  TEST_CASE("With requirepass every command but AUTH and HELLO AUTH answers NOAUTH") {
    Server server({"--requirepass", "s3cret"});
    Client c = server.client();
    CHECK(c.cmd({"PING"}) == error(kNoAuth));
    CHECK(c.cmd({"LPUSH", "q", "a"}) == error(kNoAuth));
    CHECK(c.cmd({"SELECT", "1"}) == error(kNoAuth));
    CHECK(c.cmd({"HELLO", "3"}) == error(kHelloNoAuth));
    CHECK(c.cmd({"AUTH", "s3cret"}) == status("OK"));
    CHECK(c.cmd({"LPUSH", "q", "a"}) == integer(1));
  }

  TEST_CASE("A wrong password gets WRONGPASS and leaves the client unauthenticated") {
    Server server({"--requirepass", "s3cret"});
    Client c = server.client();
    CHECK(c.cmd({"AUTH", "nope"}) == error(kWrongPass));
    CHECK(c.cmd({"AUTH", "default", "nope"}) == error(kWrongPass));
    CHECK(c.cmd({"AUTH", "someone", "s3cret"}) == error(kWrongPass));
    CHECK(c.cmd({"HELLO", "3", "AUTH", "default", "nope"}) == error(kWrongPass));
    CHECK(c.cmd({"LLEN", "q"}) == error(kNoAuth));
    CHECK(c.cmd({"AUTH", "default", "s3cret"}) == status("OK"));
    CHECK(c.cmd({"LLEN", "q"}) == integer(0));
  }

  TEST_CASE("HELLO AUTH authenticates and switches protocol in one step") {
    Server server({"--requirepass", "s3cret"});
    Client c = server.client();
    Reply hello = c.cmd({"HELLO", "3", "AUTH", "default", "s3cret"});
    REQUIRE(hello.type == ReplyType::Map);
    CHECK(*hello.field("proto") == integer(3));
    CHECK(c.cmd({"RPUSH", "q", "a"}) == integer(1));
  }

  TEST_CASE("RESET logs the client out when a password is required") {
    Server server({"--requirepass", "s3cret"});
    Client c = server.client();
    CHECK(c.cmd({"AUTH", "s3cret"}) == status("OK"));
    CHECK(c.cmd({"RESET"}) == status("RESET"));
    CHECK(c.cmd({"PING"}) == error(kNoAuth));
  }

  TEST_CASE("AUTH without a configured password is an error") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"AUTH", "x"}) ==
          error("ERR AUTH <password> called without any password configured for the default "
                "user. Are you sure your configuration is correct?"));
    CHECK(c.cmd({"AUTH", "a", "b", "c"}) == error("ERR syntax error"));
  }

  TEST_CASE("SELECT switches between 16 independent databases") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"RPUSH", "q", "zero"}) == integer(1));
    CHECK(c.cmd({"SELECT", "15"}) == status("OK"));
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({}));
    CHECK(c.cmd({"RPUSH", "q", "fifteen"}) == integer(1));
    CHECK(c.cmd({"SELECT", "0"}) == status("OK"));
    CHECK(c.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"zero"}));
  }

  TEST_CASE("SELECT rejects indexes outside the configured databases") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"SELECT", "16"}) == error("ERR DB index is out of range"));
    CHECK(c.cmd({"SELECT", "-1"}) == error("ERR DB index is out of range"));
    CHECK(c.cmd({"SELECT", "abc"}) == error("ERR value is not an integer or out of range"));
    CHECK(c.cmd({"SELECT", "1.5"}) == error("ERR value is not an integer or out of range"));
    Server four({"--databases", "4"});
    Client d = four.client();
    CHECK(d.cmd({"SELECT", "3"}) == status("OK"));
    CHECK(d.cmd({"SELECT", "4"}) == error("ERR DB index is out of range"));
  }

  TEST_CASE("CLIENT ID is unique per connection and grows") {
    Server server;
    Client a = server.client();
    Client b = server.client();
    Reply ia = a.cmd({"CLIENT", "ID"});
    Reply ib = b.cmd({"CLIENT", "ID"});
    REQUIRE(ia.type == ReplyType::Integer);
    REQUIRE(ib.type == ReplyType::Integer);
    CHECK(ia.integer > 0);
    CHECK(ib.integer > ia.integer);
    CHECK(a.cmd({"CLIENT", "ID"}) == ia);
  }

  TEST_CASE("CLIENT SETNAME and GETNAME name a connection") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"CLIENT", "GETNAME"}) == nil());
    CHECK(c.cmd({"CLIENT", "SETNAME", "worker-1"}) == status("OK"));
    CHECK(c.cmd({"CLIENT", "GETNAME"}) == bulk("worker-1"));
    CHECK(c.cmd({"CLIENT", "SETNAME", "bad name"}) ==
          error("ERR Client names cannot contain spaces, newlines or special characters."));
    CHECK(c.cmd({"CLIENT", "GETNAME"}) == bulk("worker-1"));
    CHECK(c.cmd({"CLIENT", "SETNAME", ""}) == status("OK"));
    CHECK(c.cmd({"CLIENT", "GETNAME"}) == nil());
  }

  TEST_CASE("CLIENT LIST has one line per connection with id, addr, name and db") {
    Server server;
    Client a = server.client();
    Client b = server.client();
    long long ida = a.cmd({"CLIENT", "ID"}).integer;
    long long idb = b.cmd({"CLIENT", "ID"}).integer;
    a.cmd({"CLIENT", "SETNAME", "alpha"});
    b.cmd({"SELECT", "2"});
    Reply list = a.cmd({"CLIENT", "LIST"});
    REQUIRE(list.type == ReplyType::String);
    CHECK(list.str.ends_with("\n"));
    auto lines = lines_of(list.str);
    CHECK(lines.size() == 2);
    int seen = 0;
    for (const auto& line : lines) {
      CHECK(client_field(line, "addr").starts_with("127.0.0.1:"));
      if (client_field(line, "id") == std::to_string(ida)) {
        ++seen;
        CHECK(client_field(line, "name") == "alpha");
        CHECK(client_field(line, "db") == "0");
      } else if (client_field(line, "id") == std::to_string(idb)) {
        ++seen;
        CHECK(client_field(line, "db") == "2");
      }
    }
    CHECK(seen == 2);
    Reply only_b = a.cmd({"CLIENT", "LIST", "ID", std::to_string(idb)});
    CHECK(lines_of(only_b.str).size() == 1);
    CHECK(client_field(only_b.str, "id") == std::to_string(idb));
    CHECK(a.cmd({"CLIENT", "LIST", "TYPE", "foo"}) == error("ERR Unknown client type 'foo'"));
    CHECK(a.cmd({"CLIENT", "LIST", "ID", "abc"}) == error("ERR Invalid client ID"));
  }

  TEST_CASE("CLIENT INFO describes the calling connection in CLIENT LIST format") {
    Server server;
    Client c = server.client();
    long long id = c.cmd({"CLIENT", "ID"}).integer;
    c.cmd({"CLIENT", "SETNAME", "me"});
    c.cmd({"SELECT", "5"});
    Reply info = c.cmd({"CLIENT", "INFO"});
    REQUIRE(info.type == ReplyType::String);
    CHECK(info.str.starts_with("id=" + std::to_string(id) + " "));
    CHECK(info.str.ends_with("\n"));
    CHECK(lines_of(info.str).size() == 1);
    CHECK(client_field(info.str, "name") == "me");
    CHECK(client_field(info.str, "db") == "5");
    CHECK(client_field(info.str, "resp") == "2");
    CHECK(client_field(info.str, "cmd") == "client|info");
    c.cmd({"HELLO", "3"});
    CHECK(client_field(c.cmd({"CLIENT", "INFO"}).str, "resp") == "3");
  }

  TEST_CASE("CLIENT KILL ID disconnects that client and counts it") {
    Server server;
    Client killer = server.client();
    Client victim = server.client();
    long long id = victim.cmd({"CLIENT", "ID"}).integer;
    CHECK(killer.cmd({"CLIENT", "KILL", "ID", std::to_string(id)}) == integer(1));
    CHECK(victim.closed_within(2000ms));
    CHECK(killer.cmd({"CLIENT", "KILL", "ID", std::to_string(id)}) == integer(0));
    CHECK(killer.cmd({"CLIENT", "KILL", "ID", "abc"}) ==
          error("ERR client-id should be greater than 0"));
    CHECK(killer.cmd({"CLIENT", "KILL", "ID", "0"}) ==
          error("ERR client-id should be greater than 0"));
  }

  TEST_CASE("CLIENT KILL addr (old form) disconnects the client at that address") {
    Server server;
    Client killer = server.client();
    Client victim = server.client();
    std::string addr = client_field(victim.cmd({"CLIENT", "INFO"}).str, "addr");
    CHECK(killer.cmd({"CLIENT", "KILL", addr}) == status("OK"));
    CHECK(victim.closed_within(2000ms));
    CHECK(killer.cmd({"CLIENT", "KILL", addr}) == error("ERR No such client"));
    CHECK(killer.cmd({"CLIENT", "KILL", "ADDR", addr}) == integer(0));
  }

  TEST_CASE("CLIENT KILL SKIPME no lets a client kill itself by filter") {
    Server server;
    Client c = server.client();
    long long id = c.cmd({"CLIENT", "ID"}).integer;
    CHECK(c.cmd({"CLIENT", "KILL", "ID", std::to_string(id), "SKIPME", "yes"}) == integer(0));
    CHECK(c.cmd({"CLIENT", "KILL", "ID", std::to_string(id), "SKIPME", "maybe"}) ==
          error("ERR syntax error"));
    CHECK(c.cmd({"CLIENT", "KILL", "ID", std::to_string(id), "SKIPME", "no"}) == integer(1));
    CHECK(c.closed_within(2000ms));
  }

  TEST_CASE("CLIENT REPLY OFF and SKIP suppress replies until ON") {
    Server server;
    Client c = server.client();
    c.send({"CLIENT", "REPLY", "OFF"});
    c.send({"RPUSH", "q", "a"});
    c.send({"ECHO", "not sent"});
    c.send({"CLIENT", "REPLY", "ON"});
    c.flush();
    CHECK(c.read() == status("OK"));
    c.send({"CLIENT", "REPLY", "SKIP"});
    c.send({"ECHO", "skipped"});
    c.send({"ECHO", "answered"});
    c.flush();
    CHECK(c.read() == bulk("answered"));
    CHECK(c.cmd({"LLEN", "q"}) == integer(1));
    CHECK(c.cmd({"CLIENT", "REPLY", "MAYBE"}) == error("ERR syntax error"));
  }

  TEST_CASE("CLIENT SETINFO stores lib-name and lib-ver shown by CLIENT INFO") {
    Server server;
    Client c = server.client();
    Reply r = c.cmd({"CLIENT", "SETINFO", "lib-name", "redis-py"});
    if (server.is_redis() && r.is_error()) {
      MESSAGE("CLIENT SETINFO is Redis 7.2; this redis-server is older: skipped");
      return;
    }
    CHECK(r == status("OK"));
    CHECK(c.cmd({"CLIENT", "SETINFO", "lib-ver", "5.0.1"}) == status("OK"));
    std::string info = c.cmd({"CLIENT", "INFO"}).str;
    CHECK(client_field(info, "lib-name") == "redis-py");
    CHECK(client_field(info, "lib-ver") == "5.0.1");
    CHECK(c.cmd({"CLIENT", "SETINFO", "lib-name", "has space"}).is_error());
    CHECK(c.cmd({"CLIENT", "SETINFO", "color", "blue"}).is_error());
  }

  TEST_CASE("CLIENT with an unknown subcommand or no arguments errors like Redis") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"CLIENT", "FOO"}) == error("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));
    CHECK(c.cmd({"CLIENT"}) == error("ERR wrong number of arguments for 'client' command"));
    CHECK(c.cmd({"CLIENT", "GETNAME", "x"}) ==
          error("ERR wrong number of arguments for 'client|getname' command"));
  }

  TEST_CASE("Connection command replies match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    d.expect_same(
        {
            {"PING"},
            {"ping", "x"},
            {"ECHO", "x", "y"},
            {"SELECT", "9999999999999999999999"},
            {"SELECT", " 1"},
            {"CLIENT", "SETNAME", "a\nb"},
            {"CLIENT", "KILL", "1.2.3.4:5"},
            {"CLIENT", "KILL", "LADDR", "1.2.3.4:5"},
            {"CLIENT", "KILL", "MAXAGE", "10"},
            {"CLIENT", "LIST", "ID", "999999"},
            {"HELLO", "2", "AUTH", "default", "anything"},
            {"AUTH", "default", "x"},
        },
        mask_if([](const Cmd& c) { return c[0] == "HELLO"; }));
  }
}
