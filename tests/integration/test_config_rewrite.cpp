// CONFIG REWRITE and start-up configuration errors, against the real binary and, where
// redis-server is installed, against it too. The harness's Server passes its directives on the
// command line only, so these tests start servers themselves: `binary /path/to/file.conf`, bound
// to 127.0.0.1 on a free port, stopped by PID.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness.h"

using namespace postbox::it;
namespace fs = std::filesystem;

namespace {

fs::path make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "postbox-rewrite-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// Runs `argv` with stdin from /dev/null, stdout and stderr to files, in `cwd`; returns the pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& cwd, const fs::path& out,
            const fs::path& err) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    int null = ::open("/dev/null", O_RDONLY);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(null, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// A server started from a config file it may rewrite. The file says port, bind and dir, so a
// restart from the rewritten file comes back on the same port with the same data.
class ConfServer {
 public:
  ConfServer(std::string binary, const std::string& body)
      : binary_(std::move(binary)), root_(make_temp_dir()), port_(find_free_port()) {
    fs::create_directories(root_ / "data");
    fs::create_directories(root_ / "conf");
    conf_ = root_ / "conf" / "server.conf";
    write_file(conf_, fmt::format("# written by the test\nport {}\nbind 127.0.0.1\ndir {}\n{}",
                                  port_, (root_ / "data").string(), body));
    start();
  }
  ~ConfServer() {
    stop();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  ConfServer(const ConfServer&) = delete;
  ConfServer& operator=(const ConfServer&) = delete;

  void start() {
    pid_ = spawn({binary_, conf_.string()}, root_, root_ / "stdout.log", root_ / "stderr.log");
    for (int i = 0; i < 2000; ++i) {
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(fmt::format("{} exited during start-up:\n{}{}", binary_,
                                             read_all(root_ / "stdout.log"),
                                             read_all(root_ / "stderr.log")));
      }
      try {
        Client c(port_, 500ms);
        Reply r = c.cmd({"PING"});
        if (!r.str.starts_with("LOADING")) return;
      } catch (const std::runtime_error&) {
      }
      std::this_thread::sleep_for(10ms);
    }
    throw std::runtime_error(binary_ + " did not start");
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1000 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

  void restart() {
    stop();
    start();
  }

  Client client() const { return Client(port_); }
  const fs::path& conf() const { return conf_; }
  const fs::path& root() const { return root_; }
  std::string conf_text() const { return read_all(conf_); }

 private:
  std::string binary_;
  fs::path root_;
  fs::path conf_;
  int port_;
  pid_t pid_ = -1;
};

std::string get1(Client& c, const std::string& name) {
  Reply r = c.cmd({"CONFIG", "GET", name});
  REQUIRE(r.elements.size() == 2);
  return r.elements[1].str;
}

bool contains_line(const std::string& text, const std::string& line) {
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) {
    if (l == line) return true;
  }
  return false;
}

const char* const kInitialBody =
    "\n"
    "# A comment that must stay.\n"
    "hz 15\n"
    "maxmemory-policy volatile-lru\n"
    "hash-max-ziplist-entries 100\n"
    "save 900 1\n"
    "save 300 10\n"
    "client-output-buffer-limit pubsub 32mb 8mb 60\n"
    "requirepass secret\n"
    "slowlog-max-len 64\n";

const std::vector<Cmd> kChanges = {
    {"CONFIG", "SET", "hz", "25"},
    {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"},
    {"CONFIG", "SET", "hash-max-listpack-entries", "200"},
    {"CONFIG", "SET", "timeout", "7"},
    {"CONFIG", "SET", "notify-keyspace-events", "Ex"},
    {"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 10 normal 1000 2000 3"},
    {"CONFIG", "SET", "save", "100 5"},
    {"CONFIG", "SET", "maxmemory", "3mb"},
    {"CONFIG", "SET", "slowlog-max-len", "128"},  // back to the default: the line stays
    {"CONFIG", "SET", "loglevel", "warning"},
    {"CONFIG", "SET", "maxmemory-clients", "5%"},
    {"CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.5"},
    {"CONFIG", "SET", "requirepass", ""},  // unset: the line goes
};

const std::vector<std::string> kChecked = {"hz",
                                           "maxmemory-policy",
                                           "hash-max-listpack-entries",
                                           "timeout",
                                           "notify-keyspace-events",
                                           "client-output-buffer-limit",
                                           "save",
                                           "maxmemory",
                                           "slowlog-max-len",
                                           "loglevel",
                                           "maxmemory-clients",
                                           "latency-tracking-info-percentiles",
                                           "requirepass"};

// Applies kChanges, rewrites, restarts from the file and returns the checked values.
std::map<std::string, std::string> change_rewrite_restart(ConfServer& s) {
  {
    Client c = s.client();
    REQUIRE(c.cmd({"AUTH", "secret"}) == status("OK"));
    for (const Cmd& cmd : kChanges) {
      CAPTURE(cmd_str(cmd));
      CHECK(c.cmd(cmd) == status("OK"));
    }
    CHECK(c.cmd({"CONFIG", "REWRITE"}) == status("OK"));
  }
  s.restart();
  Client c = s.client();
  std::map<std::string, std::string> values;
  for (const std::string& name : kChecked) values[name] = get1(c, name);
  return values;
}

struct Exit {
  int status = -1;
  std::string out, err;
};

// Runs a server that is expected to refuse to start; kills it if it starts anyway.
Exit run_to_exit(const std::string& binary, const std::vector<std::string>& args,
                 const fs::path& dir) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  fs::remove(dir / "out.log");
  fs::remove(dir / "err.log");
  pid_t pid = spawn(argv, dir, dir / "out.log", dir / "err.log");
  Exit e;
  for (int i = 0; i < 1000 && ::waitpid(pid, &e.status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  if (::waitpid(pid, &e.status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &e.status, 0);
    FAIL_CHECK(binary << " did not exit");
  }
  e.out = read_all(dir / "out.log");
  e.err = read_all(dir / "err.log");
  return e;
}

}  // namespace

TEST_SUITE("config rewrite") {
  TEST_CASE("CONFIG REWRITE keeps the file's shape and a restart reads the new values") {
    ConfServer s(server_binary(), kInitialBody);
    auto values = change_rewrite_restart(s);
    CHECK(values["hz"] == "25");
    CHECK(values["maxmemory-policy"] == "allkeys-lru");
    CHECK(values["hash-max-listpack-entries"] == "200");
    CHECK(values["timeout"] == "7");
    CHECK(values["notify-keyspace-events"] == "xE");
    CHECK(values["client-output-buffer-limit"] ==
          "normal 1000 2000 3 slave 268435456 67108864 60 pubsub 1048576 524288 10");
    CHECK(values["save"] == "100 5");
    CHECK(values["maxmemory"] == "3145728");
    CHECK(values["slowlog-max-len"] == "128");
    CHECK(values["loglevel"] == "warning");
    CHECK(values["maxmemory-clients"] == "5%");
    CHECK(values["latency-tracking-info-percentiles"] == "50 99.5");
    CHECK(values["requirepass"] == "");

    std::string text = s.conf_text();
    CAPTURE(text);
    CHECK(text.starts_with("# written by the test\n"));
    CHECK(contains_line(text, "# A comment that must stay."));
    CHECK(contains_line(text, "hz 25"));
    CHECK(contains_line(text, "hash-max-listpack-entries 200"));  // the alias line, renamed
    CHECK(text.find("ziplist") == std::string::npos);
    CHECK(contains_line(text, "save 100 5"));
    CHECK(text.find("save 300") == std::string::npos);
    CHECK(text.find("requirepass") == std::string::npos);
    CHECK(contains_line(text, "slowlog-max-len 128"));
    CHECK(contains_line(text, "maxmemory 3mb"));
    CHECK(contains_line(text, "# Generated by CONFIG REWRITE"));
    CHECK(text.find("# Generated by CONFIG REWRITE") < text.find("timeout 7"));
    CHECK(contains_line(text, "notify-keyspace-events \"xE\""));
    // Nothing but the file in its directory: the temporary file was renamed over it.
    size_t entries = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(s.conf().parent_path())) ++entries;
    CHECK(entries == 1);

    // Rewriting again may move lines around (Redis reuses a directive's lines in order: the
    // second client-output-buffer-limit line now states the replica class), but it states the
    // same values.
    {
      Client c = s.client();
      CHECK(c.cmd({"CONFIG", "REWRITE"}) == status("OK"));
    }
    s.restart();
    Client c = s.client();
    for (const std::string& name : kChecked) {
      CAPTURE(name);
      CHECK(get1(c, name) == values[name]);
    }
  }

  TEST_CASE("a restart after CONFIG REWRITE gives the values redis-server gives") {
    std::string oracle = oracle_binary();
    if (oracle.empty()) {
      MESSAGE("redis-server not installed: differential test skipped");
      return;
    }
    ConfServer ours(server_binary(), kInitialBody);
    ConfServer theirs(oracle, kInitialBody);
    auto a = change_rewrite_restart(ours);
    auto b = change_rewrite_restart(theirs);
    CHECK(a == b);
  }

  TEST_CASE("CONFIG REWRITE without a config file is an error, as in Redis") {
    Differential d;
    Reply r = d.ours().client().cmd({"CONFIG", "REWRITE"});
    CHECK(r == error("ERR The server is running without a config file"));
    if (d.available()) {
      d.same({"CONFIG", "REWRITE"});
      d.same({"CONFIG", "REWRITE", "extra"});
    }
  }

  TEST_CASE("CONFIG REWRITE reports a file it cannot write with Redis's error") {
    std::vector<std::string> binaries = {server_binary()};
    if (!oracle_binary().empty()) binaries.push_back(oracle_binary());
    for (const std::string& binary : binaries) {
      CAPTURE(binary);
      ConfServer s(binary, "");
      fs::remove_all(s.conf().parent_path());  // the temporary file has nowhere to go
      Client c = s.client();
      CHECK(c.cmd({"CONFIG", "REWRITE"}) ==
            error("ERR Rewriting config file: No such file or directory"));
    }
  }

  TEST_CASE("CONFIG REWRITE recreates a config file deleted since start-up") {
    ConfServer s(server_binary(), "hz 12\n");
    fs::remove(s.conf());
    Client c = s.client();
    CHECK(c.cmd({"CONFIG", "REWRITE"}) == status("OK"));
    std::string text = s.conf_text();
    CHECK(text.starts_with("# Generated by CONFIG REWRITE\n"));
    CHECK(contains_line(text, "hz 12"));
  }
}

TEST_SUITE("config errors") {
  struct Case {
    std::string name, file;
    std::vector<std::string> args;  // after the file's path
    std::string expected;           // what redis-server prints on stderr
    bool in_file;                   // the bad line is the file's (else the command line's)
  };

  // Postbox prints Redis's block, then a line naming where the bad line came from.
  std::string with_origin(const std::string& redis_text, const std::string& binary,
                          const std::string& origin) {
    if (binary == oracle_binary() || testing_real_redis()) return redis_text;
    return redis_text.substr(0, redis_text.size() - 1) + "\nin " + origin + "\n";
  }

  const Case kCases[] = {
      {"unknown directive",
       "port 1\nbind 127.0.0.1\nno-such-thing yes\n",
       {},
       "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
       "3\n>>> 'no-such-thing yes'\nBad directive or wrong number of arguments\n",
       true},
      {"invalid value",
       "bind 127.0.0.1\n\n   port abc  \n",
       {},
       "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
       "3\n>>> 'port abc'\nargument couldn't be parsed into an integer\n",
       true},
      {"wrong number of arguments",
       "bind 127.0.0.1\nhz 1 2\n",
       {},
       "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
       "2\n>>> 'hz 1 2'\nwrong number of arguments\n",
       true},
      {"unbalanced quotes",
       "bind 127.0.0.1\nlogfile \"x\n",
       {},
       "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
       "2\n>>> 'logfile \"x'\nUnbalanced quotes in configuration line\n",
       true},
      {"bad enumeration",
       "bind 127.0.0.1\nappendfsync sometimes\n",
       {},
       "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
       "2\n>>> 'appendfsync sometimes'\nargument(s) must be one of the following: everysec, "
       "always, no\n",
       true},
      {"bad command-line option",
       "bind 127.0.0.1\nport 1\n",
       {"--hz", "5", "--bogus", "3"},
       "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
       "5\n>>> 'bogus \"3\"'\nBad directive or wrong number of arguments\n",
       false},
      {"bad command-line value",
       "bind 127.0.0.1\nport 1",
       {"--maxmemory", "lots"},
       "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
       "3\n>>> 'maxmemory \"lots\"'\nargument must be a memory value\n",
       false},
  };

  TEST_CASE("bad lines stop the server with Redis's message, line number, file and exit status") {
    fs::path dir = make_temp_dir();
    std::string oracle = oracle_binary();
    for (const Case& k : kCases) {
      CAPTURE(k.name);
      write_file(dir / "bad.conf", k.file);
      std::vector<std::string> args = {(dir / "bad.conf").string()};
      args.insert(args.end(), k.args.begin(), k.args.end());
      Exit ours = run_to_exit(server_binary(), args, dir);
      REQUIRE(WIFEXITED(ours.status));
      CHECK(WEXITSTATUS(ours.status) == 1);
      std::string origin =
          k.in_file ? "config file '" + (dir / "bad.conf").lexically_normal().string() + "'"
                    : "the command-line options";
      CHECK(ours.err == with_origin(k.expected, server_binary(), origin));
      if (oracle.empty()) continue;
      Exit theirs = run_to_exit(oracle, args, dir);
      REQUIRE(WIFEXITED(theirs.status));
      CHECK(WEXITSTATUS(theirs.status) == 1);
      CHECK(theirs.err == k.expected);
    }
    fs::remove_all(dir);
  }

  TEST_CASE("a bad option without a config file is numbered from line 2, as in Redis") {
    fs::path dir = make_temp_dir();
    std::string expected =
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
        "3\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n";
    std::vector<std::string> binaries = {server_binary()};
    if (!oracle_binary().empty()) binaries.push_back(oracle_binary());
    for (const std::string& binary : binaries) {
      CAPTURE(binary);
      Exit e = run_to_exit(binary, {"--bind", "127.0.0.1", "--port", "abc"}, dir);
      REQUIRE(WIFEXITED(e.status));
      CHECK(WEXITSTATUS(e.status) == 1);
      CHECK(e.err == with_origin(expected, binary, "the command-line options"));
    }
    fs::remove_all(dir);
  }

  TEST_CASE("a config file that cannot be opened stops the server with its path and strerror") {
    fs::path dir = make_temp_dir();
    std::string missing = (dir / "missing.conf").string();
    std::string message =
        "Fatal error, can't open config file '" + missing + "': No such file or directory";
    std::vector<std::string> binaries = {server_binary()};
    if (!oracle_binary().empty()) binaries.push_back(oracle_binary());
    for (const std::string& binary : binaries) {
      CAPTURE(binary);
      Exit e = run_to_exit(binary, {missing}, dir);
      REQUIRE(WIFEXITED(e.status));
      CHECK(WEXITSTATUS(e.status) == 1);
      // redis-server logs it (stdout, with a log prefix); Postbox prints it on stderr.
      CHECK((e.out + e.err).find(message) != std::string::npos);
    }
    fs::remove_all(dir);
  }

  TEST_CASE("an error in an included file is reported with that file's line number") {
    fs::path dir = make_temp_dir();
    write_file(dir / "inc.conf", "hz 10\nhz ten\n");
    write_file(dir / "main.conf",
               "bind 127.0.0.1\nport 1\n\ninclude " + (dir / "inc.conf").string() + "\n");
    std::string expected =
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line "
        "2\n>>> 'hz ten'\nargument couldn't be parsed into an integer\n";
    std::vector<std::string> binaries = {server_binary()};
    if (!oracle_binary().empty()) binaries.push_back(oracle_binary());
    for (const std::string& binary : binaries) {
      CAPTURE(binary);
      Exit e = run_to_exit(binary, {(dir / "main.conf").string()}, dir);
      REQUIRE(WIFEXITED(e.status));
      CHECK(WEXITSTATUS(e.status) == 1);
      CHECK(e.err == with_origin(expected, binary,
                                 "included config file '" + (dir / "inc.conf").string() + "'"));
    }
    fs::remove_all(dir);
  }

  TEST_CASE("a value Postbox cannot honour stops it with the reason") {
    SKIP_UNLESS_POSTBOX();
    fs::path dir = make_temp_dir();
    write_file(dir / "d.conf", "bind 127.0.0.1\nport 1\ndaemonize yes\n");
    Exit e = run_to_exit(server_binary(), {(dir / "d.conf").string()}, dir);
    REQUIRE(WIFEXITED(e.status));
    CHECK(WEXITSTATUS(e.status) == 1);
    CHECK(e.err ==
          "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at "
          "line 3\n>>> 'daemonize yes'\nPostbox does not daemonize; run it in the foreground "
          "under a supervisor (only 'no' is accepted)\n");
    fs::remove_all(dir);
  }
}
