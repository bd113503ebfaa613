// Entry point of postbox-integration. Runs against $POSTBOX_SERVER (default: the postbox-server
// built alongside); set POSTBOX_SERVER=/usr/bin/redis-server to check the suite against Redis.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <signal.h>

#include <cstdio>

#include "harness.h"

namespace {

// A server that closes a connection mid-write must fail a test, not kill the runner.
const bool kSetUp = [] {
  ::signal(SIGPIPE, SIG_IGN);
  std::string oracle = postbox::it::oracle_binary();
  std::fprintf(stderr, "postbox-integration: server under test %s; oracle %s\n",
               postbox::it::server_binary().c_str(), oracle.empty() ? "(none)" : oracle.c_str());
  return true;
}();

}  // namespace
