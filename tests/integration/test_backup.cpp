// Backups: SAVE / BGSAVE write a compacted, consistent copy of the LMDB environment to
// <dir>/snapshot.mdb while the server keeps serving; a fresh server opens it as its data.mdb.
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "harness.h"

using namespace postbox::it;
namespace fs = std::filesystem;

namespace {

std::string info_field(Client& c, const std::string& field) {
  Reply info = c.cmd({"INFO", "persistence"});
  size_t at = info.str.find(field + ":");
  if (at == std::string::npos) return "";
  size_t end = info.str.find("\r\n", at);
  return info.str.substr(at + field.size() + 1, end - at - field.size() - 1);
}

void await_save_done(Client& c) {
  bool done = eventually([&] { return info_field(c, "rdb_bgsave_in_progress") == "0"; }, 10000ms);
  REQUIRE(done);
}

// A server over a copy of `snapshot`, as the README says to restore one.
fs::path restore_dir(const fs::path& snapshot) {
  fs::path dir = fs::temp_directory_path() / ("postbox-restore-" + std::to_string(::getpid()) +
                                              "-" + std::to_string(std::rand()));
  fs::create_directories(dir);
  fs::copy_file(snapshot, dir / "data.mdb");
  return dir;
}

}  // namespace

TEST_SUITE("backup") {
  TEST_CASE(
      "BGSAVE under load writes a snapshot a fresh server opens, holding a consistent prefix") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client writer = server.client(), admin = server.client();
    for (int i = 0; i < 1000; ++i) writer.send({"RPUSH", "seq", std::to_string(i)});
    writer.flush();
    for (int i = 0; i < 1000; ++i) writer.read();
    // More pushes in flight while the snapshot starts.
    for (int i = 1000; i < 6000; ++i) writer.send({"RPUSH", "seq", std::to_string(i)});
    writer.flush();
    CHECK(admin.cmd({"BGSAVE"}) == status("Background saving started"));
    for (int i = 1000; i < 6000; ++i) writer.read();
    await_save_done(admin);
    CHECK(info_field(admin, "rdb_last_bgsave_status") == "ok");
    fs::path snapshot = server.dir() / "snapshot.mdb";
    REQUIRE(fs::exists(snapshot));
    fs::path dir = restore_dir(snapshot);
    {
      Server restored({"--dir", dir.string()});
      Client c = restored.client();
      Reply all = c.cmd({"LRANGE", "seq", "0", "-1"});
      REQUIRE(all.type == ReplyType::Array);
      size_t k = all.elements.size();
      CHECK(k >= 1000);  // everything acknowledged before BGSAVE
      CHECK(k <= 6000);
      bool prefix = true;
      for (size_t i = 0; i < k; ++i) prefix &= all.elements[i].str == std::to_string(i);
      CHECK(prefix);  // a point in time: no gaps, nothing reordered
    }
    fs::remove_all(dir);
    CHECK(admin.cmd({"LLEN", "seq"}) == integer(6000));  // the live data went on
  }

  TEST_CASE("BGSAVE holds the writes pipelined before it, also inside MULTI/EXEC") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    // One read (under 64 KB): the pushes and BGSAVE share a batch, and the pushes after BGSAVE
    // keep that batch open a while, so a snapshot taken at once would miss the first ones.
    for (int i = 0; i < 300; ++i) c.send({"RPUSH", "before", std::to_string(i)});
    c.send({"BGSAVE"});
    for (int i = 0; i < 1000; ++i) c.send({"RPUSH", "after", "x"});
    c.flush();
    for (int i = 0; i < 300; ++i) CHECK(c.read() == integer(i + 1));
    CHECK(c.read() == status("Background saving started"));
    for (int i = 0; i < 1000; ++i) c.read();
    await_save_done(c);
    // In a transaction: the EXEC stays one commit, the snapshot holds all of it.
    c.send({"MULTI"});
    c.send({"RPUSH", "tx", "a"});
    c.send({"BGSAVE", "SCHEDULE"});
    c.send({"RPUSH", "tx", "b"});
    c.send({"EXEC"});
    c.flush();
    CHECK(c.read() == status("OK"));
    CHECK(c.read() == status("QUEUED"));
    CHECK(c.read() == status("QUEUED"));
    CHECK(c.read() == status("QUEUED"));
    CHECK(c.read() == array({integer(1), status("Background saving started"), integer(2)}));
    await_save_done(c);
    CHECK(info_field(c, "rdb_saves") == "2");
    fs::path dir = restore_dir(server.dir() / "snapshot.mdb");
    {
      Server restored({"--dir", dir.string()});
      Client r = restored.client();
      CHECK(r.cmd({"LLEN", "before"}) == integer(300));
      CHECK(r.cmd({"LRANGE", "tx", "0", "-1"}) == bulks({"a", "b"}));
    }
    fs::remove_all(dir);
  }

  TEST_CASE("A second BGSAVE while one runs gets Redis's error, SCHEDULE queues one") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    c.cmd({"RPUSH", "k", "v"});
    // Both in one read: the first snapshot cannot have finished when the second arrives.
    c.send({"BGSAVE"});
    c.send({"BGSAVE"});
    c.send({"BGSAVE", "SCHEDULE"});
    c.send({"BGSAVE", "NOW"});
    c.flush();
    CHECK(c.read() == status("Background saving started"));
    CHECK(c.read() == error("ERR Background save already in progress"));
    CHECK(c.read() == status("Background saving scheduled"));
    CHECK(c.read() == error("ERR syntax error"));
    await_save_done(c);
    bool two = eventually([&] { return info_field(c, "rdb_saves") == "2"; }, 10000ms);
    CHECK(two);  // the scheduled one ran after the first
  }

  TEST_CASE("SAVE snapshots synchronously, LASTSAVE and INFO persistence report it") {
    SKIP_UNLESS_POSTBOX();
    Server server;
    Client c = server.client();
    Reply before = c.cmd({"LASTSAVE"});
    REQUIRE(before.type == ReplyType::Integer);
    c.cmd({"RPUSH", "k", "a", "b"});
    usleep(1100 * 1000);
    CHECK(c.cmd({"SAVE"}) == status("OK"));
    Reply after = c.cmd({"LASTSAVE"});
    CHECK(after.integer > before.integer);
    CHECK(info_field(c, "rdb_saves") == "1");
    CHECK(info_field(c, "rdb_last_save_time") == std::to_string(after.integer));
    c.cmd({"MULTI"});
    CHECK(c.cmd({"SAVE"}) == error("ERR Command not allowed inside a transaction"));
    c.cmd({"DISCARD"});
    fs::path dir = restore_dir(server.dir() / "snapshot.mdb");
    {
      Server restored({"--dir", dir.string()});
      Client r = restored.client();
      CHECK(r.cmd({"LRANGE", "k", "0", "-1"}) == bulks({"a", "b"}));
    }
    fs::remove_all(dir);
  }

  TEST_CASE("A full disk during BGSAVE reports the error and leaves the live data untouched") {
    SKIP_UNLESS_POSTBOX();
    fs::path mnt = fs::temp_directory_path() / ("postbox-bgsave-" + std::to_string(::getpid()));
    fs::create_directories(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=8m") != 0) {
      MESSAGE("mount refused: full-disk snapshot test skipped");
      fs::remove_all(mnt);
      return;
    }
    {
      Server server({"--dir", (mnt / "data").string(), "--lmdb-map-size", "1mb"});
      Client c = server.client();
      std::string value(50000, 'x');
      for (int i = 0; i < 100; ++i) c.send({"RPUSH", "big", value});  // ~5 MB: no room for a copy
      c.flush();
      long long ok = 0;
      for (int i = 0; i < 100; ++i) ok += c.read().type == ReplyType::Integer;
      REQUIRE(ok > 50);
      CHECK(c.cmd({"BGSAVE"}) == status("Background saving started"));
      await_save_done(c);
      CHECK(info_field(c, "rdb_last_bgsave_status") == "err");
      CHECK_FALSE(fs::exists(mnt / "data" / "snapshot.mdb"));
      CHECK_FALSE(fs::exists(mnt / "data" / "snapshot.mdb.tmp"));  // its space is given back
      CHECK(c.cmd({"LLEN", "big"}) == integer(ok));
      CHECK(c.cmd({"SAVE"}).type == ReplyType::Error);
      server.kill9();
      server.start();
      Client after = server.client();
      CHECK(after.cmd({"LLEN", "big"}) == integer(ok));
    }
    ::umount(mnt.c_str());
    fs::remove_all(mnt);
  }
}
