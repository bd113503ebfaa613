// postbox-server [configfile] [--directive value ...], exactly like redis-server.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "net/server.h"
#include "util/log.h"

int main(int argc, char** argv) {
  using namespace postbox;
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
