// Storage limits: the LMDB map grows by itself, and a genuinely full disk turns writes into
// errors while reads keep working and nothing stored is lost.
#include <doctest/doctest.h>
#include <sys/mount.h>

#include <filesystem>
#include <string>

#include "harness.h"

using namespace postbox::it;

namespace {

// Pushes `count` values of `size` bytes in pipelined batches; returns how many were acknowledged.
long long push_many(Client& c, const std::string& key, int count, size_t size) {
  std::string value(size, 'v');
  long long ok = 0;
  for (int sent = 0; sent < count; sent += 50) {
    for (int i = 0; i < 50; ++i) c.send({"RPUSH", key, value});
    c.flush();
    for (int i = 0; i < 50; ++i) ok += c.read().type == ReplyType::Integer;
  }
  return ok;
}

}  // namespace

TEST_SUITE("storage") {
  TEST_CASE("The map grows by itself far beyond lmdb-map-size") {
    SKIP_UNLESS_POSTBOX();
    Server server({"--lmdb-map-size", "1mb"});
    Client c = server.client();
    CHECK(push_many(c, "big", 2000, 20000) == 2000);  // 40 MB through a 1 MB initial map
    CHECK(c.cmd({"LLEN", "big"}) == integer(2000));
    server.restart();
    Client again = server.client();
    CHECK(again.cmd({"LLEN", "big"}) == integer(2000));
  }

  TEST_CASE("A full disk refuses writes with -ERR, keeps reads working and loses nothing") {
    SKIP_UNLESS_POSTBOX();
    auto mnt =
        std::filesystem::temp_directory_path() / ("postbox-full-" + std::to_string(::getpid()));
    std::filesystem::create_directories(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=8m") != 0) {
      MESSAGE("mount refused: full-disk test skipped");
      std::filesystem::remove_all(mnt);
      return;
    }
    {
      Server server({"--dir", (mnt / "data").string()});
      Client c = server.client();
      CHECK(c.cmd({"RPUSH", "keep", "a", "b", "c"}) == integer(3));
      long long ok = push_many(c, "filler", 200, 100000);  // 20 MB into 8 MB
      CHECK(ok < 200);
      Reply refused = c.cmd({"RPUSH", "keep", "d"});
      CHECK(refused.type == ReplyType::Error);
      CHECK(c.cmd({"LRANGE", "keep", "0", "-1"}) == bulks({"a", "b", "c"}));
      CHECK(c.cmd({"LLEN", "filler"}) == integer(ok));
      server.kill9();
      server.start();
      Client after = server.client();
      CHECK(after.cmd({"LRANGE", "keep", "0", "-1"}) == bulks({"a", "b", "c"}));
      CHECK(after.cmd({"LLEN", "filler"}) == integer(ok));
    }
    ::umount(mnt.c_str());
    std::filesystem::remove_all(mnt);
  }
}
