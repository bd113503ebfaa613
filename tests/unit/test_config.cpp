// The directive table against Redis 7.0's behaviour: CONFIG GET/SET reply values and error
// texts below were taken from redis-server 7.0.15. Start-up loading is in test_config_load.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/split_args.h"

using namespace postbox;

namespace {

std::string get1(const ConfigTable& t, std::string_view name) {
  auto pairs = t.get({name});
  REQUIRE(pairs.size() == 1);
  return pairs[0].second;
}

Status set(ConfigTable& t, std::vector<std::string_view> args) {
  return t.set(args);
}

std::string set_error(ConfigTable& t, std::vector<std::string_view> args) {
  Status s = t.set(args);
  return s ? "OK" : s.message();
}

std::string failed(std::string_view name, std::string_view reason) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(reason);
}

std::filesystem::path repo_root() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

}  // namespace

// ---------------------------------------------------------------- defaults and documentation

TEST_CASE("a fresh table reports Postbox's defaults and Redis's for everything else") {
  Config c;
  ConfigTable t(c);
  CHECK(get1(t, "port") == "6379");
  CHECK(get1(t, "bind") == "127.0.0.1 -::1");
  CHECK(get1(t, "appendfsync") == "always");
  CHECK(get1(t, "appendonly") == "yes");  // always persisted, as INFO's aof_enabled:1 says
  CHECK(get1(t, "proto-max-bulk-len") == "536870912");
  CHECK(get1(t, "client-output-buffer-limit") ==
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  CHECK(get1(t, "save") == "3600 1 300 100 60 10000");
  CHECK(get1(t, "list-max-listpack-size") == "-2");
  CHECK(get1(t, "maxmemory-policy") == "noeviction");
  CHECK(get1(t, "lmdb-map-size") == "1073741824");
}

TEST_CASE("every directive's documented default is what a fresh table reports") {
  for (const DirectiveInfo& d : ConfigTable::describe()) {
    CAPTURE(d.name);
    Config fresh_cfg, loaded_cfg;
    ConfigTable fresh(fresh_cfg), loaded(loaded_cfg);
    std::string line = std::string(d.name) + " \"" + std::string(d.default_value) + "\"";
    REQUIRE(loaded.load_text(line).is_ok());
    CHECK(get1(loaded, d.name) == get1(fresh, d.name));
  }
}

TEST_CASE("conf/postbox.conf documents every directive with its default") {
  std::ifstream in(repo_root() / "conf" / "postbox.conf");
  REQUIRE(in.good());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l.starts_with("# ") ? l.substr(2) : l);
  for (const DirectiveInfo& d : ConfigTable::describe()) {
    CAPTURE(d.name);
    bool documented = false;
    for (const std::string& l : lines) {
      std::vector<std::string> words;
      if (!split_args(l, words) || words.empty() || words[0] != d.name) continue;
      Config a, b;
      ConfigTable doc(a), fresh(b);
      if (doc.load_text(l).is_ok() && get1(doc, d.name) == get1(fresh, d.name)) {
        documented = true;
      }
    }
    CHECK(documented);
  }
}

TEST_CASE("loading conf/postbox.conf as shipped gives the default configuration") {
  Config a, b;
  ConfigTable shipped(a), fresh(b);
  std::ifstream in(repo_root() / "conf" / "postbox.conf");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(shipped.load_text(text).is_ok());
  CHECK(shipped.get({"*"}) == fresh.get({"*"}));
}

TEST_CASE("describe marks Redis's knobs as no-ops and Postbox's own as effective") {
  bool seen_port = false, seen_listpack = false, seen_daemonize = false;
  for (const DirectiveInfo& d : ConfigTable::describe()) {
    if (d.name == "port") {
      seen_port = true;
      CHECK_FALSE(d.noop);
      CHECK(d.settable);
    }
    if (d.name == "list-max-listpack-size") {
      seen_listpack = true;
      CHECK(d.noop);
      CHECK(d.alias == "list-max-ziplist-size");
    }
    if (d.name == "daemonize") {
      seen_daemonize = true;
      CHECK(d.noop);
      CHECK(d.restricted);
      CHECK_FALSE(d.settable);
    }
  }
  CHECK((seen_port && seen_listpack && seen_daemonize));
}

// ---------------------------------------------------------------- CONFIG GET

TEST_CASE("CONFIG GET of an exact name answers under the spelling given") {
  Config c;
  ConfigTable t(c);
  auto pairs = t.get({"PORT"});
  REQUIRE(pairs.size() == 1);
  CHECK(pairs[0].first == "PORT");
  CHECK(pairs[0].second == "6379");
}

TEST_CASE("CONFIG GET globs case-insensitively over names and aliases") {
  Config c;
  ConfigTable t(c);
  auto pairs = t.get({"LIST-MAX-*"});
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[0] == std::pair<std::string, std::string>("list-max-listpack-size", "-2"));
  CHECK(pairs[1] == std::pair<std::string, std::string>("list-max-ziplist-size", "-2"));
}

TEST_CASE("CONFIG GET reports each name once however many patterns match it") {
  Config c;
  ConfigTable t(c);
  CHECK(t.get({"port", "PORT", "p*rt"}).size() == 1);
  CHECK(t.get({"hz", "hz", "*z"}).size() == 2);  // hz and dynamic-hz
}

TEST_CASE("CONFIG GET answers in table order whatever the order of patterns") {
  Config c;
  ConfigTable t(c);
  auto pairs = t.get({"timeout", "bind"});
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[0].first == "bind");
  CHECK(pairs[1].first == "timeout");
}

TEST_CASE("CONFIG GET of an unknown name returns nothing") {
  Config c;
  ConfigTable t(c);
  CHECK(t.get({"nosuch"}).empty());
  CHECK(t.get({"nosuch*"}).empty());
}

TEST_CASE("CONFIG GET dir reports an absolute path") {
  Config c;
  ConfigTable t(c);
  std::string dir = get1(t, "dir");
  CHECK(dir.starts_with("/"));
  CHECK(dir.ends_with("/data"));
  CHECK(dir.find("/./") == std::string::npos);
}

TEST_CASE("CONFIG GET returns requirepass in clear, as Redis does") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"requirepass", "s3cret"}).is_ok());
  CHECK(get1(t, "requirepass") == "s3cret");
  CHECK(c.requirepass == "s3cret");
}

// ---------------------------------------------------------------- CONFIG SET: names

TEST_CASE("CONFIG SET names an unknown option as typed") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"NoSuch", "1"}) ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'NoSuch'");
}

TEST_CASE("CONFIG SET refuses immutable and protected directives") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"databases", "4"}) == failed("databases", "can't set immutable config"));
  CHECK(set_error(t, {"daemonize", "no"}) == failed("daemonize", "can't set immutable config"));
  CHECK(set_error(t, {"dir", "/tmp"}) == failed("dir", "can't set protected config"));
  CHECK(set_error(t, {"dbfilename", "x.rdb"}) ==
        failed("dbfilename", "can't set protected config"));
}

TEST_CASE("CONFIG SET refuses the same name twice but accepts a name and its alias") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"PORT", "7000", "port", "7000"}) == failed("port", "duplicate parameter"));
  CHECK(set(t, {"list-max-ziplist-size", "5", "list-max-listpack-size", "6"}).is_ok());
  CHECK(get1(t, "list-max-ziplist-size") == "6");
}

TEST_CASE("CONFIG SET reports the first problem among names before looking at values") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"port", "abc", "nosuch", "1"}) ==
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  CHECK(set_error(t, {"hz", "21", "daemonize", "yes", "nosuch", "1"}) ==
        failed("daemonize", "can't set immutable config"));
}

TEST_CASE("CONFIG SET with an odd number of arguments is a syntax error") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"port", "1", "hz"}) == "ERR syntax error");
}

TEST_CASE("CONFIG SET errors name an alias when the alias was used") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"slave-priority", "abc"}) ==
        failed("slave-priority", "argument couldn't be parsed into an integer"));
}

// ---------------------------------------------------------------- CONFIG SET: values

TEST_CASE("integers are strict and bounded, with Redis's messages") {
  Config c;
  ConfigTable t(c);
  for (std::string_view bad : {"abc", "1.5", " 20", "+20", "020", "0x10", "-0", ""}) {
    CAPTURE(bad);
    CHECK(set_error(t, {"port", bad}) ==
          failed("port", "argument couldn't be parsed into an integer"));
  }
  CHECK(set_error(t, {"port", "99999"}) ==
        failed("port", "argument must be between 0 and 65535 inclusive"));
  CHECK(set_error(t, {"slowlog-log-slower-than", "-5"}) ==
        failed("slowlog-log-slower-than",
               "argument must be between -1 and 9223372036854775807 inclusive"));
  CHECK(set_error(t, {"maxclients", "0"}) ==
        failed("maxclients", "argument must be between 1 and 4294967295 inclusive"));
  REQUIRE(set(t, {"port", "7000"}).is_ok());
  CHECK(c.port == 7000);
}

TEST_CASE("memory values take k=1000 and kb=1024 units in any case") {
  Config c;
  ConfigTable t(c);
  struct Case {
    std::string_view in, out;
  };
  for (Case k : {Case{"1k", "1000"}, Case{"1kb", "1024"}, Case{"1KB", "1024"},
                 Case{"1m", "1000000"}, Case{"1mb", "1048576"}, Case{"1g", "1000000000"},
                 Case{"1GB", "1073741824"}, Case{"1b", "1"}, Case{"kb", "0"}, Case{"", "0"}}) {
    CAPTURE(k.in);
    REQUIRE(set(t, {"maxmemory", k.in}).is_ok());
    CHECK(get1(t, "maxmemory") == k.out);
  }
  for (std::string_view bad : {"1.5gb", "-1", "abc", " 1gb", "1tb", "1GiB"}) {
    CAPTURE(bad);
    CHECK(set_error(t, {"maxmemory", bad}) ==
          failed("maxmemory", "argument must be a memory value"));
  }
}

TEST_CASE("memory values that overflow saturate as in Redis, then meet the bounds") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"maxmemory", "99999999999999999999"}).is_ok());
  CHECK(get1(t, "maxmemory") == "18446744073709551615");
  CHECK(set_error(t, {"active-defrag-ignore-bytes", "99999999999999999999"}) ==
        failed("active-defrag-ignore-bytes",
               "argument must be between 1 and 9223372036854775807 inclusive"));
}

TEST_CASE("Postbox's sizes are memory values with Redis's lower bounds") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"proto-max-bulk-len", "1k"}) ==
        failed("proto-max-bulk-len",
               "argument must be between 1048576 and 9223372036854775807 inclusive"));
  REQUIRE(set(t, {"proto-max-bulk-len", "1mb", "client-query-buffer-limit", "2mb"}).is_ok());
  CHECK(c.proto_max_bulk_len == 1 << 20);
  CHECK(c.client_query_buffer_limit == 2 << 20);
}

TEST_CASE("sizes above 2 GB are kept whole") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"maxmemory", "3gb", "proto-max-bulk-len", "4gb"}).is_ok());
  CHECK(get1(t, "maxmemory") == "3221225472");
  CHECK(c.proto_max_bulk_len == 4LL << 30);
  CHECK(get1(t, "client-query-buffer-limit") == "1073741824");
  Config d;
  ConfigTable u(d);
  REQUIRE(u.load_text("lmdb-map-size 64gb\nmaxmemory 9000000000\n").is_ok());
  CHECK(d.lmdb_map_size == 64LL << 30);
  CHECK(get1(u, "maxmemory") == "9000000000");
}

TEST_CASE("percent values are shown with a percent sign and capped at 100") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"maxmemory-clients", "10%"}).is_ok());
  CHECK(get1(t, "maxmemory-clients") == "10%");
  CHECK(set_error(t, {"maxmemory-clients", "200%"}) ==
        failed("maxmemory-clients", "percentage argument must be less or equal to 100"));
  CHECK(set_error(t, {"maxmemory-clients", "-5%"}) ==
        failed("maxmemory-clients", "argument must be a memory or percent value"));
  REQUIRE(set(t, {"maxmemory-clients", "1gb"}).is_ok());
  CHECK(get1(t, "maxmemory-clients") == "1073741824");
}

TEST_CASE("yes and no are accepted in any case") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"protected-mode", "NO"}).is_ok());
  CHECK_FALSE(c.protected_mode);
  CHECK(get1(t, "protected-mode") == "no");
  CHECK(set_error(t, {"protected-mode", "maybe"}) ==
        failed("protected-mode", "argument must be 'yes' or 'no'"));
}

TEST_CASE("enumerations list their choices in Redis's order when the value is wrong") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"appendfsync", "sometimes"}) ==
        failed("appendfsync", "argument(s) must be one of the following: everysec, always, no"));
  CHECK(set_error(t, {"loglevel", "loud"}) ==
        failed("loglevel",
               "argument(s) must be one of the following: debug, verbose, notice, warning"));
  REQUIRE(set(t, {"appendfsync", "EVERYSEC", "loglevel", "warning"}).is_ok());
  CHECK(c.appendfsync == FsyncPolicy::Everysec);
  CHECK(c.loglevel == LogLevel::Warning);
  CHECK(get1(t, "appendfsync") == "everysec");
}

TEST_CASE("loglevel also accepts nothing, which Redis 7.2 added") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"loglevel", "nothing"}).is_ok());
  CHECK(c.loglevel == LogLevel::Nothing);
}

TEST_CASE("hz is clamped to 1..500 as Redis does") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"hz", "0"}).is_ok());
  CHECK(c.hz == 1);
  REQUIRE(set(t, {"hz", "1000"}).is_ok());
  CHECK(get1(t, "hz") == "500");
}

TEST_CASE("maxclients above what an int holds saturates") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"maxclients", "4294967295"}).is_ok());
  CHECK(c.maxclients == 2147483647);
}

TEST_CASE("list values are split on single spaces by CONFIG SET") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"bind", "10.0.0.1 -::1"}).is_ok());
  CHECK(c.bind == std::vector<std::string>{"10.0.0.1", "-::1"});
  CHECK(get1(t, "bind") == "10.0.0.1 -::1");
  REQUIRE(set(t, {"bind", ""}).is_ok());
  CHECK(c.bind.empty());
  CHECK(set_error(t, {"save", "900  1"}) == failed("save", "Invalid save parameters"));
  CHECK(set_error(t, {"bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"}) ==
        failed("bind", "Too many bind addresses specified."));
}

TEST_CASE("client-output-buffer-limit changes only the classes given") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"client-output-buffer-limit", "replica 1 2 3 normal 1mb 2k 5"}).is_ok());
  CHECK(get1(t, "client-output-buffer-limit") ==
        "normal 1048576 2000 5 slave 1 2 3 pubsub 33554432 8388608 60");
  CHECK(c.obl_normal.hard_bytes == 1048576);
  CHECK(c.obl_replica.soft_seconds == 3);
}

TEST_CASE("client-output-buffer-limit rejects bad input with Redis's messages") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"client-output-buffer-limit", "normal 1 2"}) ==
        failed("client-output-buffer-limit",
               "Wrong number of arguments in buffer limit configuration."));
  for (std::string_view cls : {"foo 1 2 3", "master 1 2 3"}) {
    CHECK(set_error(t, {"client-output-buffer-limit", cls}) ==
          failed("client-output-buffer-limit",
                 "Invalid client class specified in buffer limit configuration."));
  }
  CHECK(set_error(t, {"client-output-buffer-limit", "pubsub 1mb 2k -3"}) ==
        failed("client-output-buffer-limit",
               "Error in hard, soft or soft_seconds setting in buffer limit configuration."));
  CHECK(set_error(t, {"client-output-buffer-limit", "normal 1 2 3 pubsub x 1 1"}) != "OK");
  CHECK(c.obl_normal.hard_bytes == 0);  // nothing applied from a rejected value
}

TEST_CASE("save points are validated and shown normalised") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"save", "5 +3"}).is_ok());
  CHECK(get1(t, "save") == "5 3");
  REQUIRE(set(t, {"save", ""}).is_ok());
  CHECK(get1(t, "save") == "");
  for (std::string_view bad : {"900", "abc", "0 1", "900 -1", " 5 3"}) {
    CHECK(set_error(t, {"save", bad}) == failed("save", "Invalid save parameters"));
  }
}

TEST_CASE("notify-keyspace-events is shown in Redis's canonical form") {
  Config c;
  ConfigTable t(c);
  struct Case {
    std::string_view in, out;
  };
  for (Case k : {Case{"KEA", "AKE"}, Case{"Ex", "xE"}, Case{"g$lshzxetd", "A"},
                 Case{"ntdexzhsl$gmEK", "AKEm"}, Case{"mn", "nm"}, Case{"", ""}}) {
    CAPTURE(k.in);
    REQUIRE(set(t, {"notify-keyspace-events", k.in}).is_ok());
    CHECK(get1(t, "notify-keyspace-events") == k.out);
  }
  CHECK(set_error(t, {"notify-keyspace-events", "Z"}) ==
        failed("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."));
}

TEST_CASE("latency percentiles are parsed as doubles and printed trimmed") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"latency-tracking-info-percentiles", "50.0 99.990 1e2 0x10"}).is_ok());
  CHECK(get1(t, "latency-tracking-info-percentiles") == "50 99.99 100 16");
  CHECK(set_error(t, {"latency-tracking-info-percentiles", "a"}) ==
        failed("latency-tracking-info-percentiles",
               "Invalid latency-tracking-info-percentiles parameters"));
  CHECK(set_error(t, {"latency-tracking-info-percentiles", "200"}) ==
        failed("latency-tracking-info-percentiles",
               "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"));
}

TEST_CASE("shutdown-on-sigint takes a set of flags") {
  Config c;
  ConfigTable t(c);
  REQUIRE(set(t, {"shutdown-on-sigint", "now save"}).is_ok());
  CHECK(get1(t, "shutdown-on-sigint") == "save now");
  REQUIRE(set(t, {"shutdown-on-sigint", "save default"}).is_ok());
  CHECK(get1(t, "shutdown-on-sigint") == "save");
  CHECK(set_error(t, {"shutdown-on-sigint", "save nosave"}) ==
        failed("shutdown-on-sigint",
               "shutdown options SAVE and NOSAVE can't be used simultaneously"));
  CHECK(set_error(t, {"shutdown-on-sigint", "bogus"}) ==
        failed("shutdown-on-sigint",
               "argument(s) must be one of the following: default, save, nosave, now, force"));
}

TEST_CASE("oom-score-adj-values takes exactly three bounded numbers") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"oom-score-adj-values", "1 2"}) ==
        failed("oom-score-adj-values", "wrong number of arguments"));
  CHECK(set_error(t, {"oom-score-adj-values", "1 2 3000"}) ==
        failed("oom-score-adj-values",
               "Invalid oom-score-adj-values, elements must be between -2000 and 2000."));
  REQUIRE(set(t, {"oom-score-adj-values", "3 2 1"}).is_ok());
  CHECK(get1(t, "oom-score-adj-values") == "3 2 1");
}

TEST_CASE("a failing value leaves every directive of the call unchanged") {
  Config c;
  ConfigTable t(c);
  CHECK(set_error(t, {"hz", "20", "maxmemory", "5mb", "port", "abc"}) ==
        failed("port", "argument couldn't be parsed into an integer"));
  CHECK(c.hz == 10);
  CHECK(get1(t, "maxmemory") == "0");
}

// ---------------------------------------------------------------- CONFIG SET: apply hook

TEST_CASE("the apply hook runs once for each directive whose value changed") {
  Config c;
  ConfigTable t(c);
  std::vector<std::string> applied;
  t.set_apply_hook([&](std::string_view name) {
    applied.emplace_back(name);
    return Status::ok();
  });
  REQUIRE(set(t, {"hz", "10", "appendfsync", "no", "slave-priority", "5"}).is_ok());
  CHECK(applied == std::vector<std::string>{"appendfsync", "replica-priority"});
}

TEST_CASE("a failing apply hook rolls every change back and re-applies the old values") {
  Config c;
  ConfigTable t(c);
  std::vector<std::string> applied;
  t.set_apply_hook([&](std::string_view name) {
    applied.emplace_back(name);
    if (name == "port" && c.port != 6379) return Status::error("ERR cannot change the port now");
    return Status::ok();
  });
  CHECK(set_error(t, {"appendfsync", "no", "port", "7000"}) ==
        failed("port", "cannot change the port now"));
  CHECK(c.appendfsync == FsyncPolicy::Always);
  CHECK(c.port == 6379);
  CHECK(applied == std::vector<std::string>{"appendfsync", "port", "appendfsync", "port"});
}
