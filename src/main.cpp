// postbox-server [configfile] [--directive value ...], exactly like redis-server.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "commands/server_info.h"
#include "config/config.h"
#include "net/server.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace postbox;
  if (argc == 2 &&
      (std::string_view(argv[1]) == "-v" || std::string_view(argv[1]) == "--version")) {
    std::printf("Postbox server v=%s (speaks Redis %s)\n", kPostboxVersion, kRedisCompatVersion);
    return 0;
  }
  if (argc == 2 && (std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help")) {
    std::printf(
        "Usage: postbox-server [/path/to/postbox.conf] [--directive value ...]\n"
        "       postbox-server -v | --version\n"
        "Directives are those of conf/postbox.conf (redis.conf syntax); command-line ones\n"
        "override the file, e.g. postbox-server --port 7000 --appendfsync everysec\n");
    return 0;
  }
  Config config;
  ConfigTable table(config);
  Status s = table.load_args(argc, argv);
  if (!s) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  log_configure(static_cast<LogSeverity>(config.loglevel), config.logfile);
  if (!config.pidfile.empty()) {
    std::ofstream(config.pidfile) << getpid() << "\n";
  }
  std::error_code ec;
  std::string exe = std::filesystem::canonical("/proc/self/exe", ec).string();
  Server server(config, table);
  if (!server.start(exe)) return 1;
  int rc = server.run();
  if (!config.pidfile.empty()) std::filesystem::remove(config.pidfile, ec);
  return rc;
}
