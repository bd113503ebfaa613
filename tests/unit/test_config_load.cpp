// Start-up configuration: redis.conf text, include, and redis-server's command line, with the
// reasons, error text and line numbers taken from redis-server 7.0.15's FATAL CONFIG FILE ERROR
// output (tests/integration/test_config_rewrite.cpp compares them with redis-server's stderr).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"

using namespace postbox;

namespace {

std::string get1(const ConfigTable& t, std::string_view name) {
  auto pairs = t.get({name});
  REQUIRE(pairs.size() == 1);
  return pairs[0].second;
}

// A scratch directory removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "postbox-config-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

Status load_argv(ConfigTable& t, std::vector<std::string> args) {
  args.insert(args.begin(), "postbox-server");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return t.load_args(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

// ---------------------------------------------------------------- config files

TEST_CASE("config text ignores comments, blank lines and surrounding whitespace") {
  Config c;
  ConfigTable t(c);
  REQUIRE(t.load_text("# a comment\n\n   port   7001  \r\n\t# indented comment\nHZ 20\n").is_ok());
  CHECK(c.port == 7001);
  CHECK(c.hz == 20);
}

TEST_CASE("config values may be quoted with Redis's escapes") {
  Config c;
  ConfigTable t(c);
  REQUIRE(t.load_text("requirepass \"a b\\x41\\n\"\nlogfile 'it\\'s.log'\n").is_ok());
  CHECK(c.requirepass == "a bA\n");
  CHECK(c.logfile == "it's.log");
}

TEST_CASE("a config error is Redis's text: the line number, the line and the reason") {
  Config c;
  ConfigTable t(c);
  Status s = t.load_text("hz 10\n\n  port abc  \n");
  CHECK(s.message() ==
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Reading the configuration file, at line 3\n"
        ">>> 'port abc'\n"
        "argument couldn't be parsed into an integer");
}

TEST_CASE("a config error names the file or the command line the bad line came from") {
  Config c;
  ConfigTable t(c);
  ConfigTable::Origin origin;
  origin.parts.push_back({2, "config file '/etc/p.conf'"});
  origin.parts.push_back({SIZE_MAX, "the command-line options"});
  std::string block =
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line ";
  CHECK(t.load_text("hz 10\nhz x\n\nport 1\n", origin).message() ==
        block +
            "2\n>>> 'hz x'\nargument couldn't be parsed into an integer\n"
            "in config file '/etc/p.conf'");
  CHECK(t.load_text("hz 10\nhz 11\n\nport x\n", origin).message() ==
        block +
            "4\n>>> 'port x'\nargument couldn't be parsed into an integer\n"
            "in the command-line options");
}

TEST_CASE("config errors use Redis's reasons for bad lines") {
  struct Case {
    std::string_view line, reason;
  };
  for (Case k : {Case{"nosuch 1", "Bad directive or wrong number of arguments"},
                 Case{"port 1 2", "wrong number of arguments"},
                 Case{"port \"abc", "Unbalanced quotes in configuration line"},
                 Case{"hz 'abc'x", "Unbalanced quotes in configuration line"},
                 Case{"maxmemory 1x", "argument must be a memory value"},
                 Case{"dbfilename a/b", "dbfilename can't be a path, just a filename"},
                 Case{"unixsocketperm 1777", "argument must be between 0 and 777 inclusive"},
                 Case{"unixsocketperm 0x1", "argument couldn't be parsed as an octal number"},
                 Case{"replicaof a", "wrong number of arguments"},
                 Case{"sentinel foo", "sentinel directive while not in sentinel mode"}}) {
    CAPTURE(k.line);
    Config c;
    ConfigTable t(c);
    Status s = t.load_text(k.line);
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.message().ends_with("\n" + std::string(k.reason)));
  }
}

TEST_CASE("a config file may set immutable directives") {
  Config c;
  ConfigTable t(c);
  REQUIRE(t.load_text("databases 4\ntcp-backlog 128\nlmdb-map-size 64mb\n").is_ok());
  CHECK(c.databases == 4);
  CHECK(c.tcp_backlog == 128);
  CHECK(c.lmdb_map_size == 64 << 20);
}

TEST_CASE("restricted directives accept only their default and say why") {
  Config c;
  ConfigTable t(c);
  CHECK(t.load_text("daemonize no\nreplicaof no one\ncluster-enabled no\n").is_ok());
  Status s = t.load_text("daemonize yes");
  CHECK(
      s.message().ends_with("\nPostbox does not daemonize; run it in the foreground under a "
                            "supervisor (only 'no' is accepted)"));
  CHECK(
      t.load_text("replicaof 10.0.0.1 6379")
          .message()
          .ends_with("replication is not supported by Postbox (only an empty value is accepted)"));
  CHECK_FALSE(t.load_text("tls-port 6380").is_ok());
  CHECK(get1(t, "daemonize") == "no");
}

TEST_CASE("Redis directives Postbox cannot honour are refused, not ignored") {
  for (std::string_view line : {"rename-command FLUSHALL \"\"", "user default on >pw ~* +@all",
                                "loadmodule /x.so", "mymodule.option 1"}) {
    CAPTURE(line);
    Config c;
    ConfigTable t(c);
    CHECK_FALSE(t.load_text(line).is_ok());
  }
}

TEST_CASE("directives Redis 7.0 accepts and ignores are accepted") {
  Config c;
  ConfigTable t(c);
  CHECK(t.load_text("list-max-ziplist-entries 512\nlist-max-ziplist-value 64\n"
                    "lua-replicate-commands yes\n")
            .is_ok());
}

TEST_CASE("a later line overrides an earlier one, and aliases set the same value") {
  Config c;
  ConfigTable t(c);
  REQUIRE(t.load_text("port 7000\nport 7001\nhash-max-ziplist-entries 9\n").is_ok());
  CHECK(c.port == 7001);
  CHECK(get1(t, "hash-max-listpack-entries") == "9");
}

TEST_CASE("save lines in a config add up, the first replacing the default") {
  Config c;
  ConfigTable t(c);
  REQUIRE(t.load_text("save 900 1\nsave 300 10\n").is_ok());
  CHECK(get1(t, "save") == "900 1 300 10");
  REQUIRE(t.load_text("save \"\"\nsave 60 5\n").is_ok());
  CHECK(get1(t, "save") == "60 5");
}

TEST_CASE("a list directive given as one quoted word is split like a config line") {
  Config c;
  ConfigTable t(c);
  REQUIRE(t.load_text("bind \"10.0.0.1 10.0.0.2\"\n"
                      "client-output-buffer-limit \"pubsub 1 2 3\"\n")
              .is_ok());
  CHECK(c.bind == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(c.obl_pubsub.hard_bytes == 1);
  REQUIRE(t.load_text("bind \"\"").is_ok());
  CHECK(c.bind.empty());
}

TEST_CASE("include reads another file, and globs include every match in order") {
  TempDir dir;
  dir.write("a.conf", "port 7100\n");
  dir.write("b.conf", "port 7200\nhz 30\n");
  Config c;
  ConfigTable t(c);
  std::string inc = dir.path.string();
  REQUIRE(t.load_text("include " + inc + "/a.conf\n").is_ok());
  CHECK(c.port == 7100);
  REQUIRE(t.load_text("include " + inc + "/*.conf\n").is_ok());
  CHECK(c.port == 7200);
  CHECK(c.hz == 30);
  CHECK(t.load_text("include " + inc + "/none*.conf\n").is_ok());
}

TEST_CASE("an error inside an included file gives the line number in that file, as Redis") {
  TempDir dir;
  std::string bad = dir.write("bad.conf", "hz 10\nhz x\n");
  Config c;
  ConfigTable t(c);
  Status s = t.load_text("port 7000\n\n\ninclude " + bad + "\n");
  CHECK(s.message() ==
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Reading the configuration file, at line 2\n"
        ">>> 'hz x'\n"
        "argument couldn't be parsed into an integer\n"
        "in included config file '" +
            bad + "'");
  std::string missing = dir.path.string() + "/missing.conf";
  s = t.load_text("include " + missing + "\n");
  CHECK(s.message() ==
        "Fatal error, can't open config file '" + missing + "': No such file or directory");
}

TEST_CASE("files included by a glob are read as one text") {
  TempDir dir;
  dir.write("1.conf", "hz 10\n");
  dir.write("2.conf", "hz 11\nhz x\n");
  Config c;
  ConfigTable t(c);
  Status s = t.load_text("include " + dir.path.string() + "/*.conf\n");
  CHECK(s.message().find("at line 3\n>>> 'hz x'\n") != std::string::npos);
}

TEST_CASE("a file that includes itself is stopped with an error") {
  TempDir dir;
  std::string self = (dir.path / "self.conf").string();
  dir.write("self.conf", "include " + self + "\n");
  Config c;
  ConfigTable t(c);
  Status s = t.load_text("include " + self);
  CHECK(s.message().find("include nesting is too deep") != std::string::npos);
}

// ---------------------------------------------------------------- command line

TEST_CASE("command-line directives apply after the config file") {
  TempDir dir;
  std::string file = dir.write("p.conf", "port 7000\nhz 20\n");
  Config c;
  ConfigTable t(c);
  REQUIRE(load_argv(t, {file, "--port", "7001", "--requirepass", "a b"}).is_ok());
  CHECK(c.port == 7001);
  CHECK(c.hz == 20);
  CHECK(c.requirepass == "a b");
  CHECK(c.config_file == file);
}

TEST_CASE("a command-line option can undo a restricted value set by the file") {
  // Debian's redis.conf says `daemonize yes` and its unit file adds `--daemonize no`.
  TempDir dir;
  std::string file = dir.write("debian.conf", "daemonize yes\nport 7000\n");
  Config a, b;
  ConfigTable fixed(a), broken(b);
  CHECK(load_argv(fixed, {file, "--daemonize", "no"}).is_ok());
  Status s = load_argv(broken, {file});
  CHECK(s.message().find("Reading the configuration file, at line 1\n>>> 'daemonize yes'\n") !=
        std::string::npos);
  CHECK(get1(broken, "daemonize") == "no");
}

TEST_CASE("a bare --save means no save points, wherever it appears") {
  Config a, b;
  ConfigTable ta(a), tb(b);
  REQUIRE(load_argv(ta, {"--port", "7000", "--save"}).is_ok());
  CHECK(get1(ta, "save") == "");
  REQUIRE(load_argv(tb, {"--save", "--port", "7001"}).is_ok());
  CHECK(get1(tb, "save") == "");
  CHECK(b.port == 7001);
}

TEST_CASE("a command-line option takes every following word as its values") {
  Config c;
  ConfigTable t(c);
  REQUIRE(load_argv(t, {"--bind", "127.0.0.1", "::1", "--port 7002"}).is_ok());
  CHECK(c.bind == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(c.port == 7002);
}

TEST_CASE("command-line errors show the option as redis-server quotes it") {
  Config c;
  ConfigTable t(c);
  Status s = load_argv(t, {"--port", "abc"});
  // Redis reads the options after the file's text and one newline: without a file, line 2.
  CHECK(s.message() ==
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Reading the configuration file, at line 2\n"
        ">>> 'port \"abc\"'\n"
        "argument couldn't be parsed into an integer\n"
        "in the command-line options");
  CHECK(load_argv(t, {"--port"})
            .message()
            .ends_with("wrong number of arguments\nin the command-line options"));
  CHECK(load_argv(t, {"--port=7000"})
            .message()
            .ends_with("Bad directive or wrong number of arguments\nin the command-line options"));
}

TEST_CASE("command-line options are numbered after the file's lines, as Redis does") {
  TempDir dir;
  std::string file = dir.write("p.conf", "port 7000\nhz 20\n");
  Config c;
  ConfigTable t(c);
  // "port 7000\nhz 20\n" + "\n" + "port \"1\"\nbogus \"3\"": the bad option is line 5.
  Status s = load_argv(t, {file, "--port", "1", "--bogus", "3"});
  CHECK(s.message().find("at line 5\n>>> 'bogus \"3\"'\nBad directive or wrong number of "
                         "arguments") != std::string::npos);
  std::string no_newline = dir.write("q.conf", "port 7000");
  s = load_argv(t, {no_newline, "--hz", "x"});
  CHECK(s.message().find("at line 2\n>>> 'hz \"x\"'") != std::string::npos);
}

TEST_CASE("a config file that cannot be read is an error with its path and the reason") {
  TempDir dir;
  Config c;
  ConfigTable t(c);
  Status s = load_argv(t, {dir.path.string()});
  CHECK(s.message() ==
        "Fatal error, can't open config file '" + dir.path.string() + "': Is a directory");
}

TEST_CASE("a missing config file is reported with its absolute path") {
  Config c;
  ConfigTable t(c);
  Status s = load_argv(t, {"no-such-postbox.conf"});
  std::string abs = (std::filesystem::current_path() / "no-such-postbox.conf").string();
  CHECK(s.message() ==
        "Fatal error, can't open config file '" + abs + "': No such file or directory");
}
