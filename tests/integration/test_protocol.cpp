// The wire: inline commands, pipelining, partial writes, Redis's protocol errors, RESP3.
#include <doctest/doctest.h>

#include <thread>

#include "harness.h"

using namespace postbox::it;

namespace {

void check_protocol_error(int port, std::string_view request, std::string_view expected) {
  RawResult got = raw_exchange(port, request);
  CHECK(bulk(got.data).repr() == bulk(std::string(expected)).repr());
  CHECK_MESSAGE(got.closed, "the connection should be closed after a protocol error");
}

// HELLO's id and version differ between any two servers; server is "redis" only for Redis.
void mask_hello(const Cmd& cmd, Reply& r) {
  if (cmd.empty() || cmd[0] != "HELLO" || !r.is_aggregate()) return;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const std::string& key = r.elements[i].str;
    if (key == "id" || key == "version" || key == "server") r.elements[i + 1] = status("<masked>");
  }
}

}  // namespace

TEST_SUITE("protocol") {
  TEST_CASE("Inline commands are split on spaces and honour quotes") {
    Server server;
    Client c = server.client();
    c.send_raw("PING\r\nECHO hello\r\nRPUSH q a \"b c\" 'd'\r\nLRANGE q 0 -1\n");
    CHECK(c.read() == status("PONG"));
    CHECK(c.read() == bulk("hello"));
    CHECK(c.read() == integer(3));
    CHECK(c.read() == bulks({"a", "b c", "d"}));
  }

  TEST_CASE("Inline double-quoted arguments understand escapes like \\x41 and \\t") {
    Server server;
    Client c = server.client();
    c.send_raw("ECHO \"a\\x41\\tb\\n\"\r\nECHO 'it\\'s'\r\n");
    CHECK(c.read() == bulk("aA\tb\n"));
    CHECK(c.read() == bulk("it's"));
  }

  TEST_CASE("Empty inline lines and empty or null multibulk requests are ignored") {
    Server server;
    Client c = server.client();
    c.send_raw("\r\n\n*0\r\n*-1\r\nPING\r\n");
    CHECK(c.read() == status("PONG"));
    CHECK_FALSE(c.try_read(50ms).has_value());
    CHECK(c.cmd({"ECHO", "still open"}) == bulk("still open"));
  }

  TEST_CASE("Ten thousand pipelined commands in one write are answered in order") {
    Server server;
    Client c = server.client();
    const int n = 10000;
    for (int i = 0; i < n; ++i) c.send({"RPUSH", "q", std::to_string(i)});
    c.flush();
    int in_order = 0;
    for (int i = 0; i < n; ++i) {
      if (c.read() == integer(i + 1)) ++in_order;
    }
    CHECK(in_order == n);
    CHECK(c.cmd({"LLEN", "q"}) == integer(n));
    CHECK(c.cmd({"LINDEX", "q", "0"}) == bulk("0"));
    CHECK(c.cmd({"LINDEX", "q", "-1"}) == bulk("9999"));
  }

  TEST_CASE("Ten thousand pipelined inline commands in one write are all answered") {
    Server server;
    std::string request;
    for (int i = 0; i < 10000; ++i) request += "PING\r\n";
    Client c = server.client();
    c.send_raw(request);
    c.flush();
    int pongs = 0;
    for (int i = 0; i < 10000; ++i) pongs += c.read() == status("PONG");
    CHECK(pongs == 10000);
    CHECK_FALSE(c.try_read(50ms).has_value());
  }

  TEST_CASE("A command written one byte at a time runs once, when its last byte arrives") {
    Server server;
    Client c = server.client();
    auto trickle = [&](const std::string& bytes) {
      for (size_t i = 0; i < bytes.size(); ++i) {
        c.send_raw(bytes.substr(i, 1));
        c.flush();
        std::this_thread::sleep_for(1ms);
        if (i + 1 < bytes.size()) REQUIRE_FALSE(c.try_read(0ms).has_value());
      }
      return c.read();
    };
    CHECK(trickle("*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$11\r\nhello world\r\n") == integer(1));
    CHECK(trickle("LRANGE q 0 -1\r\n") == bulks({"hello world"}));
    CHECK(c.cmd({"LLEN", "q"}) == integer(1));
  }

  TEST_CASE("A non-numeric multibulk length is a protocol error that closes the connection") {
    Server server;
    check_protocol_error(server.port(), "*abc\r\n",
                         "-ERR Protocol error: invalid multibulk length\r\n");
    check_protocol_error(server.port(), "*01\r\n$4\r\nPING\r\n",
                         "-ERR Protocol error: invalid multibulk length\r\n");
    check_protocol_error(server.port(), "*2147483648\r\n",
                         "-ERR Protocol error: invalid multibulk length\r\n");
  }

  TEST_CASE("A bad bulk length is a protocol error that closes the connection") {
    Server server;
    for (const char* req :
         {"*1\r\n$abc\r\n", "*1\r\n$-5\r\n", "*1\r\n$+4\r\nPING\r\n", "*1\r\n$536870913\r\n"}) {
      INFO("request: ", bulk(req).repr());
      check_protocol_error(server.port(), req, "-ERR Protocol error: invalid bulk length\r\n");
    }
  }

  TEST_CASE("A multibulk element that does not start with $ is a protocol error") {
    Server server;
    check_protocol_error(server.port(), "*1\r\nfoo\r\n",
                         "-ERR Protocol error: expected '$', got 'f'\r\n");
    check_protocol_error(server.port(), "*2\r\n$4\r\nECHO\r\n:1\r\n",
                         "-ERR Protocol error: expected '$', got ':'\r\n");
  }

  TEST_CASE("An inline command with unbalanced quotes is a protocol error") {
    Server server;
    check_protocol_error(server.port(), "ECHO \"abc\r\n",
                         "-ERR Protocol error: unbalanced quotes in request\r\n");
    check_protocol_error(server.port(), "ECHO \"a\"b\r\n",
                         "-ERR Protocol error: unbalanced quotes in request\r\n");
  }

  TEST_CASE("An inline request over 64 KiB without a newline is a protocol error") {
    Server server;
    check_protocol_error(server.port(), std::string(70000, 'x'),
                         "-ERR Protocol error: too big inline request\r\n");
  }

  TEST_CASE("Length lines longer than 64 KiB are protocol errors") {
    Server server;
    check_protocol_error(server.port(), "*1\r\n$" + std::string(70000, '9'),
                         "-ERR Protocol error: too big bulk count string\r\n");
    check_protocol_error(server.port(), "*" + std::string(70000, '9'),
                         "-ERR Protocol error: too big mbulk count string\r\n");
  }

  TEST_CASE("Commands before a protocol error are answered, commands after it never run") {
    Server server;
    RawResult got =
        raw_exchange(server.port(), "PING\r\n*1\r\n$4\r\nPING\r\n*x\r\nRPUSH q lost\r\n");
    CHECK(bulk(got.data).repr() ==
          bulk("+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n").repr());
    CHECK(got.closed);
    Client c = server.client();
    CHECK(c.cmd({"LLEN", "q"}) == integer(0));
  }

  TEST_CASE("A protocol error closes only the offending connection") {
    Server server;
    Client other = server.client();
    CHECK(other.cmd({"RPUSH", "q", "kept"}) == integer(1));
    check_protocol_error(server.port(), "*abc\r\n",
                         "-ERR Protocol error: invalid multibulk length\r\n");
    CHECK(other.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"kept"}));
  }

  TEST_CASE("A request incomplete so far gets no reply and keeps the connection open") {
    Server server;
    RawResult got = raw_exchange(server.port(), "*2\r\n$4\r\nECHO\r\n$5\r\nhel");
    CHECK(got.data.empty());
    CHECK_FALSE(got.closed);
  }

  TEST_CASE("proto-max-bulk-len bounds the size of one argument") {
    Server server({"--proto-max-bulk-len", "1048576"});
    Client c = server.client();
    CHECK(c.cmd({"CONFIG", "GET", "proto-max-bulk-len"}) ==
          bulks({"proto-max-bulk-len", "1048576"}));
    std::string biggest(1048576, 'v');
    Reply echoed = c.cmd({"ECHO", biggest});
    CHECK(echoed.type == ReplyType::String);
    CHECK(echoed.str == biggest);
    check_protocol_error(server.port(), "*2\r\n$4\r\nECHO\r\n$1048577\r\n",
                         "-ERR Protocol error: invalid bulk length\r\n");
  }

  TEST_CASE("HELLO 3 switches the connection to RESP3 and answers with a map") {
    Server server;
    Client c = server.client();
    long long id = c.cmd({"CLIENT", "ID"}).integer;
    Reply hello = c.cmd({"HELLO", "3"});
    REQUIRE(hello.type == ReplyType::Map);
    std::vector<std::string> keys;
    for (size_t i = 0; i < hello.elements.size(); i += 2) keys.push_back(hello.elements[i].str);
    CHECK(keys ==
          std::vector<std::string>{"server", "version", "proto", "id", "mode", "role", "modules"});
    CHECK(*hello.field("proto") == integer(3));
    CHECK(*hello.field("id") == integer(id));
    CHECK(*hello.field("mode") == bulk("standalone"));
    CHECK(*hello.field("role") == bulk("master"));
    CHECK(hello.field("modules")->type == ReplyType::Array);
    CHECK(c.cmd({"LPOP", "missing"}).type == ReplyType::Null);
    CHECK(c.cmd({"CONFIG", "GET", "maxclients"}).type == ReplyType::Map);
  }

  TEST_CASE("HELLO without a version reports the current protocol without changing it") {
    Server server;
    Client c = server.client();
    Reply v2 = c.cmd({"HELLO"});
    REQUIRE(v2.type == ReplyType::Array);
    CHECK(v2.elements.size() == 14);
    CHECK(*v2.field("proto") == integer(2));
    CHECK(c.cmd({"LPOP", "missing"}) == nil());
    c.cmd({"HELLO", "3"});
    Reply v3 = c.cmd({"HELLO"});
    REQUIRE(v3.type == ReplyType::Map);
    CHECK(*v3.field("proto") == integer(3));
  }

  TEST_CASE("RESP2 and RESP3 reply shapes match Redis") {
    Differential d;
    REQUIRE_ORACLE(d);
    std::vector<Cmd> seq = {
        {"RPUSH", "q", "a", "b", "c"},
        {"LPOP", "missing"},
        {"LPOP", "missing", "2"},
        {"LPOP", "q", "0"},
        {"LINDEX", "q", "10"},
        {"BLPOP", "missing", "0.01"},
        {"CONFIG", "GET", "databases"},
        {"TTL", "q"},
        {"TYPE", "q"},
        {"EXISTS", "q"},
        {"SCAN", "0"},
        {"CLIENT", "GETNAME"},
        {"HELLO", "2"},
    };
    d.expect_same(seq, mask_hello);
    d.expect_same({{"HELLO", "3"}}, mask_hello);
    d.expect_same(seq, mask_hello);
  }
}
