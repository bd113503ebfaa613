// Running the server: idle timeout, SHUTDOWN, log lines.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>

#include "harness.h"

using namespace postbox::it;

TEST_SUITE("operations") {
  TEST_CASE("timeout closes idle clients but not blocked ones") {
    Server server({"--timeout", "1"});
    Client idle = server.client();
    Client blocked = server.client();
    CHECK(idle.cmd({"PING"}) == status("PONG"));
    blocked.send({"BLPOP", "nothing", "0"});
    blocked.flush();
    CHECK(idle.closed_within(4000ms));
    Client pusher = server.client();
    CHECK(pusher.cmd({"RPUSH", "nothing", "x"}) == integer(1));
    CHECK(blocked.read() == bulks({"nothing", "x"}));
  }

  TEST_CASE("SHUTDOWN commits, closes every connection and exits 0") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    Client other = server.client();
    CHECK(c.cmd({"RPUSH", "q", "a", "b"}) == integer(2));
    c.send({"SHUTDOWN"});
    c.flush();
    int status = -1;
    REQUIRE(server.wait_exit(5000ms, status));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(other.closed_within(1000ms));
    server.start();
    Client after = server.client();
    CHECK(after.cmd({"LRANGE", "q", "0", "-1"}) == bulks({"a", "b"}));
  }

  TEST_CASE("SIGINT shuts down cleanly with exit status 0, like SIGTERM") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"RPUSH", "q", "kept"}) == integer(1));
    ::kill(server.pid(), SIGINT);
    int status = -1;
    REQUIRE(server.wait_exit(5000ms, status));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    server.start();
    CHECK(server.client().cmd({"LRANGE", "q", "0", "-1"}) == bulks({"kept"}));
  }

  TEST_CASE("SHUTDOWN ABORT without a shutdown in progress is an error") {
    Server server;
    Client c = server.client();
    CHECK(c.cmd({"SHUTDOWN", "ABORT"}) == error("ERR No shutdown in progress."));
    CHECK(c.cmd({"SHUTDOWN", "NOSAVE", "ABORT"}) == error("ERR syntax error"));
  }

  TEST_CASE("Log lines carry pid, role, time and level mark, and honour loglevel and logfile") {
    SKIP_UNLESS_POSTBOX();
    Server probe;
    auto logfile = probe.dir() / "postbox.log";
    probe.stop();
    Server server({"--logfile", logfile.string(), "--loglevel", "verbose"});
    Client c = server.client();
    c.send_raw("*1\r\n$x\r\n");  // a protocol error is logged at verbose level
    c.flush();
    CHECK(c.closed_within(2000ms));
    server.stop();
    std::ifstream in(logfile);
    std::stringstream text;
    text << in.rdbuf();
    std::string log = text.str();
    std::regex line(R"(\d+:M \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] .+)");
    std::istringstream lines(log);
    std::string l;
    int count = 0;
    while (std::getline(lines, l)) {
      CHECK_MESSAGE(std::regex_match(l, line), l);
      ++count;
    }
    CHECK(count >= 3);
    CHECK(log.find("Ready to accept connections") != std::string::npos);
    CHECK(log.find("Protocol error") != std::string::npos);
  }
}

TEST_SUITE("operations") {
  TEST_CASE("CONFIG SET appendfsync switches durability mode at runtime and INFO reports it") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    auto info_field = [&](const std::string& name) {
      std::string text = c.cmd({"INFO", "persistence"}).str;
      auto at = text.find(name + ":");
      REQUIRE(at != std::string::npos);
      return text.substr(at + name.size() + 1, text.find("\r\n", at) - at - name.size() - 1);
    };
    CHECK(info_field("appendfsync") == "always");
    CHECK(c.cmd({"CONFIG", "SET", "appendfsync", "everysec"}) == status("OK"));
    CHECK(c.cmd({"RPUSH", "q", "a"}) == integer(1));
    CHECK(info_field("appendfsync") == "everysec");
    // everysec syncs the meta page in the background at least once a second.
    long long syncs = std::stoll(info_field("lmdb_syncs"));
    CHECK(eventually([&] { return std::stoll(info_field("lmdb_syncs")) > syncs; }, 3000ms));
    CHECK(c.cmd({"CONFIG", "SET", "appendfsync", "always"}) == status("OK"));
    CHECK(c.cmd({"RPUSH", "q", "b"}) == integer(2));
    server.kill9();
    server.start();
    CHECK(server.client().cmd({"LRANGE", "q", "0", "-1"}) == bulks({"a", "b"}));
  }
}
