// Day-2 diagnostics: SLOWLOG, MONITOR, INFO commandstats/latencystats and LATENCY. Everything
// but the lmdb-commit latency event also holds against redis-server itself.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "harness.h"

using namespace postbox::it;

namespace {

std::string client_addr(Client& c) {
  Reply info = c.cmd({"CLIENT", "INFO"});
  std::smatch m;
  std::regex re("addr=(\\S+)");
  REQUIRE(std::regex_search(info.str, m, re));
  return m[1];
}

std::string info_line(Client& c, const std::string& section, const std::string& prefix) {
  Reply info = c.cmd({"INFO", section});
  size_t at = info.str.find(prefix);
  if (at == std::string::npos) return "";
  return info.str.substr(at, info.str.find("\r\n", at) - at);
}

}  // namespace

TEST_SUITE("diagnostics") {
  TEST_CASE("SLOWLOG records commands past the threshold with their arguments and client") {
    Server server;
    Client c = server.client();
    c.cmd({"CLIENT", "SETNAME", "worker-1"});
    c.cmd({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
    c.cmd({"SLOWLOG", "RESET"});
    c.cmd({"RPUSH", "k", "a"});
    Reply got = c.cmd({"SLOWLOG", "GET", "1"});
    REQUIRE(got.elements.size() == 1);
    const Reply& e = got.elements[0];
    REQUIRE(e.elements.size() == 6);
    CHECK(e.elements[1].integer > 1600000000);        // unix time
    CHECK(e.elements[2].type == ReplyType::Integer);  // usec
    CHECK(e.elements[3] == bulks({"RPUSH", "k", "a"}));
    CHECK(e.elements[4].str == client_addr(c));
    CHECK(e.elements[5].str == "worker-1");
    // Long arguments and long commands are cut as Redis cuts them.
    Cmd many = {"RPUSH", "k"};
    for (int i = 0; i < 40; ++i) many.push_back("x");
    c.cmd(many);
    c.cmd({"RPUSH", "k", std::string(200, 'y')});
    Reply two = c.cmd({"SLOWLOG", "GET", "2"});
    REQUIRE(two.elements.size() == 2);
    const Reply& long_arg = two.elements[0].elements[3];
    CHECK(long_arg.elements[2].str == std::string(128, 'y') + "... (72 more bytes)");
    const Reply& long_cmd = two.elements[1].elements[3];
    CHECK(long_cmd.elements.size() == 32);
    CHECK(long_cmd.elements[31].str == "... (11 more arguments)");
    // slowlog-max-len keeps the newest; RESET empties it; off at a negative threshold.
    c.cmd({"CONFIG", "SET", "slowlog-max-len", "3"});
    for (int i = 0; i < 5; ++i) c.cmd({"LLEN", "k"});
    CHECK(c.cmd({"SLOWLOG", "LEN"}).integer <= 3);
    CHECK(c.cmd({"SLOWLOG", "RESET"}) == status("OK"));
    c.cmd({"CONFIG", "SET", "slowlog-log-slower-than", "-1"});
    c.cmd({"SLOWLOG", "RESET"});
    c.cmd({"RPUSH", "k", "b"});
    CHECK(c.cmd({"SLOWLOG", "LEN"}) == integer(0));
    CHECK(c.cmd({"SLOWLOG", "GET", "-2"}) ==
          error("ERR count should be greater than or equal to -1"));
  }

  TEST_CASE("MONITOR streams other clients' commands in Redis's format") {
    Server server;
    Client mon = server.client(), c = server.client();
    CHECK(mon.cmd({"MONITOR"}) == status("OK"));
    c.cmd({"SELECT", "2"});
    c.cmd({"RPUSH", "list", "a b", "q\"x"});
    std::string addr = client_addr(c);
    bool seen = false;
    for (int i = 0; i < 4 && !seen; ++i) {
      Reply line = mon.read();
      REQUIRE(line.type == ReplyType::Status);
      std::regex re("^\\d+\\.\\d{6} \\[2 " + std::regex_replace(addr, std::regex("\\."), "\\.") +
                    "\\] \"RPUSH\" \"list\" \"a b\" \"q\\\\\"x\"$");
      seen = std::regex_match(line.str, re);
    }
    CHECK(seen);
  }

  TEST_CASE("INFO commandstats counts calls, failed and rejected calls") {
    Server server;
    Client c = server.client();
    c.cmd({"CONFIG", "RESETSTAT"});
    c.cmd({"RPUSH", "l", "a"});
    c.cmd({"RPUSH", "l", "b"});
    c.cmd({"XADD", "s", "1-1", "f", "v"});
    CHECK(c.cmd({"RPUSH", "s", "x"}).type == ReplyType::Error);  // WRONGTYPE: failed
    CHECK(c.cmd({"RPUSH", "l"}).type == ReplyType::Error);       // arity: rejected
    std::string line = info_line(c, "commandstats", "cmdstat_rpush:");
    CHECK(line.find("calls=3,") != std::string::npos);
    CHECK(line.find("rejected_calls=1,failed_calls=1") != std::string::npos);
    CHECK(info_line(c, "commandstats", "cmdstat_xadd:").find("calls=1,") != std::string::npos);
    std::string lat = info_line(c, "latencystats", "latency_percentiles_usec_rpush:");
    CHECK(std::regex_search(lat, std::regex("p50=[0-9.]+,p99=[0-9.]+,p99\\.9=[0-9.]+")));
  }

  TEST_CASE("LATENCY records slow batch commits as lmdb-commit") {
    SKIP_UNLESS_POSTBOX();
    Server server({"--latency-monitor-threshold", "1"});
    Client c = server.client();
    CHECK(c.cmd({"LATENCY", "HISTORY", "lmdb-commit"}).elements.empty());
    std::string value(4 << 20, 'z');  // a 4 MB commit with its fsync takes well over 1 ms
    for (int i = 0; i < 3; ++i) c.cmd({"RPUSH", "big", value});
    Reply latest = c.cmd({"LATENCY", "LATEST"});
    REQUIRE(latest.elements.size() == 1);
    CHECK(latest.elements[0].elements[0].str == "lmdb-commit");
    CHECK(latest.elements[0].elements[3].integer >= 1);
    CHECK_FALSE(c.cmd({"LATENCY", "HISTORY", "lmdb-commit"}).elements.empty());
    CHECK(c.cmd({"LATENCY", "RESET"}) == integer(1));
    CHECK(c.cmd({"LATENCY", "LATEST"}).elements.empty());
  }
}
