// postbox-commit-floor: what one durable group commit costs on this disk, LMDB against an
// append-only file. It explains the ceiling on Postbox's throughput against `redis-server
// --appendfsync always` with closed-loop clients (redis-benchmark -c 50): there, every client
// waits for the commit of its batch, so the cost of one commit, not CPU, sets the rate.
//
//   aof        write() of a batch of small records at the end of a growing file, fdatasync():
//              what Redis's appendfsync always does once per event-loop iteration.
//   lmdb       mdb_txn_commit of a batch of small puts with LMDB's default (synced) commit:
//              data pages written and flushed, then the meta page written and flushed. What
//              Postbox's appendfsync always does; the second flush is what keeps a power loss
//              from exposing a meta page whose pages never reached the disk.
//   lmdb-meta  the same with MDB_NOMETASYNC: one flush, but the meta page of this commit is
//              not durable until the next one, so a reply sent after it could be lost.
//
// Usage: postbox-commit-floor [DIR] [--commits N] [--batch B]
// DIR must be on the disk to measure (default: the current directory).
#include <fcntl.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string dir = ".";
  int commits = 400;
  int batch = 32;
};

[[noreturn]] void fail(const char* what, int rc) {
  std::fprintf(stderr, "postbox-commit-floor: %s: %s\n", what,
               rc > 0 ? std::strerror(rc) : mdb_strerror(rc));
  std::exit(1);
}

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<double> aof(const std::string& path, const Options& o) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail("open aof", errno);
  // One RESP-encoded LPUSH of a 3-byte value, as redis-benchmark sends it.
  std::string record = "*3\r\n$5\r\nLPUSH\r\n$6\r\nmylist\r\n$3\r\nxxx\r\n";
  std::string buf;
  for (int i = 0; i < o.batch; ++i) buf += record;
  std::vector<double> ms;
  for (int i = 0; i < o.commits; ++i) {
    auto t0 = Clock::now();
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) {
      fail("write", errno);
    }
    if (::fdatasync(fd) != 0) fail("fdatasync", errno);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  return ms;
}

std::vector<double> lmdb(const std::string& dir, const Options& o, unsigned flags) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc) fail("mdb_env_create", rc);
  mdb_env_set_mapsize(env, 1ull << 30);
  mdb_env_set_maxdbs(env, 4);
  if ((rc = mdb_env_open(env, dir.c_str(), flags, 0644))) fail("mdb_env_open", rc);
  MDB_txn* txn = nullptr;
  MDB_dbi dbi;
  if ((rc = mdb_txn_begin(env, nullptr, 0, &txn))) fail("mdb_txn_begin", rc);
  if ((rc = mdb_dbi_open(txn, "elems", MDB_CREATE, &dbi))) fail("mdb_dbi_open", rc);
  if ((rc = mdb_txn_commit(txn))) fail("mdb_txn_commit", rc);
  std::vector<double> ms;
  uint64_t next = 0;
  for (int i = 0; i < o.commits; ++i) {
    auto t0 = Clock::now();
    if ((rc = mdb_txn_begin(env, nullptr, 0, &txn))) fail("mdb_txn_begin", rc);
    // Appends at the tail of one list: the cheapest write pattern there is (one leaf page).
    for (int b = 0; b < o.batch; ++b) {
      uint64_t k = __builtin_bswap64(next++);
      char v[3] = {'x', 'x', 'x'};
      MDB_val key{sizeof k, &k}, val{sizeof v, v};
      if ((rc = mdb_put(txn, dbi, &key, &val, MDB_APPEND))) fail("mdb_put", rc);
    }
    if ((rc = mdb_txn_commit(txn))) fail("mdb_txn_commit", rc);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  mdb_env_close(env);
  std::filesystem::remove_all(dir);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--commits" && i + 1 < argc) {
      o.commits = std::max(10, std::atoi(argv[++i]));
    } else if (a == "--batch" && i + 1 < argc) {
      o.batch = std::max(1, std::atoi(argv[++i]));
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "usage: postbox-commit-floor [DIR] [--commits N] [--batch B]\n");
      return 2;
    } else {
      o.dir = a;
    }
  }
  std::string base = o.dir + "/postbox-commit-floor." + std::to_string(::getpid());
  double a = median_ms(aof(base + ".aof", o));
  double l = median_ms(lmdb(base + ".lmdb", o, MDB_NOTLS));
  double m = median_ms(lmdb(base + ".lmdb", o, MDB_NOTLS | MDB_NOMETASYNC));
  std::printf("commit\tmedian_ms\n");
  std::printf("aof\t%.3f\n", a);
  std::printf("lmdb\t%.3f\n", l);
  std::printf("lmdb-meta\t%.3f\n", m);
  // With closed-loop clients each round trip waits for one commit, so the best ratio Postbox
  // can reach against redis-server --appendfsync always is about aof / lmdb.
  std::printf("ceiling vs redis-always (aof/lmdb)\t%.2f\n", a / l);
  return 0;
}
