#include "store/lmdb_env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "util/clock.h"

namespace postbox {
namespace {

// Growth keeps this much headroom above the committed size plus the open batch.
constexpr uint64_t kHeadroom = 64ull << 20;

}  // namespace

Status LmdbEnv::lmdb_error(int rc, std::string_view what) {
  return Status::error("ERR " + std::string(what) + ": " + mdb_strerror(rc));
}

LmdbEnv::~LmdbEnv() {
  close();
}

Status LmdbEnv::open(const std::string& dir, uint64_t initial_map_size, SyncMode mode) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error("ERR cannot create data directory '" + dir + "': " + ec.message());
  int rc = mdb_env_create(&env_);
  if (rc) return lmdb_error(rc, "mdb_env_create");
  mdb_env_set_maxdbs(env_, 8);
  // Readers are never used concurrently with the loop's own transaction; a few slots suffice.
  mdb_env_set_maxreaders(env_, 16);
  unsigned flags = MDB_NOTLS | (mode == SyncMode::Always ? 0u : unsigned(MDB_NOMETASYNC));
  rc = mdb_env_open(env_, dir.c_str(), flags, 0644);
  if (rc) {
    mdb_env_close(env_);
    env_ = nullptr;
    return lmdb_error(rc, "cannot open LMDB environment in '" + dir + "'");
  }
  mode_ = mode;
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  map_size_ = info.me_mapsize;
  // The map must hold what is already on disk; a smaller configured size would fail to open.
  uint64_t used = (info.me_last_pgno + 1) * 4096ull;
  uint64_t want = std::max<uint64_t>(initial_map_size, used * 2 + kHeadroom);
  if (want > map_size_) {
    rc = mdb_env_set_mapsize(env_, want);
    if (rc) return lmdb_error(rc, "mdb_env_set_mapsize");
    map_size_ = want;
  }
  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc) return lmdb_error(rc, "mdb_txn_begin");
  struct {
    const char* name;
    MDB_dbi* dbi;
  } tables[] = {{"meta", &meta_},
                {"elems", &elems_},
                {"expires", &expires_},
                {"sys", &sys_},
                {"reclaim", &reclaim_}};
  for (auto& t : tables) {
    rc = mdb_dbi_open(txn, t.name, MDB_CREATE, t.dbi);
    if (rc) {
      mdb_txn_abort(txn);
      return lmdb_error(rc, std::string("mdb_dbi_open ") + t.name);
    }
  }
  rc = mdb_txn_commit(txn);
  if (rc) return lmdb_error(rc, "mdb_txn_commit");
  return Status::ok();
}

void LmdbEnv::close() {
  if (!env_) return;
  if (txn_) abort();
  mdb_env_sync(env_, 1);
  mdb_env_close(env_);
  env_ = nullptr;
}

Status LmdbEnv::snapshot_to(const std::string& path) const {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::error("ERR cannot create '" + tmp + "': " + std::strerror(errno));
  int rc = mdb_env_copyfd2(env_, fd, MDB_CP_COMPACT);
  if (rc == 0 && ::fsync(fd) != 0) rc = errno;
  ::close(fd);
  if (rc == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) rc = errno;
  if (rc != 0) {
    ::unlink(tmp.c_str());
    return Status::error("ERR snapshot to '" + path + "' failed: " + mdb_strerror(rc));
  }
  // The rename itself must survive a crash: sync the directory.
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

Status LmdbEnv::begin() {
  if (txn_) return Status::ok();
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn_);
  if (rc) {
    txn_ = nullptr;
    return lmdb_error(rc, "mdb_txn_begin");
  }
  batch_estimate_ = 0;
  return Status::ok();
}

Status LmdbEnv::commit() {
  if (!txn_) return Status::ok();
  MDB_txn* txn = txn_;
  txn_ = nullptr;
  batch_estimate_ = 0;
  int rc = mdb_txn_commit(txn);  // frees txn whatever the outcome
  if (rc) {
    ++commit_failures_;
    return lmdb_error(rc, "write failed, nothing from this batch was stored");
  }
  ++commits_;
  last_commit_ms_ = wall_ms();
  if (mode_ == SyncMode::Always) {
    ++syncs_;
    last_sync_ms_ = last_commit_ms_;
  }
  return Status::ok();
}

void LmdbEnv::abort() {
  if (!txn_) return;
  mdb_txn_abort(txn_);
  txn_ = nullptr;
  batch_estimate_ = 0;
}

bool LmdbEnv::needs_room(size_t upcoming) const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  uint64_t used = (info.me_last_pgno + 1) * 4096ull;
  return used + batch_estimate_ + upcoming + kHeadroom > map_size_;
}

Status LmdbEnv::grow_map() {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  uint64_t used = (info.me_last_pgno + 1) * 4096ull;
  uint64_t want = std::max<uint64_t>(map_size_ * 2, used * 2 + kHeadroom);
  int rc = mdb_env_set_mapsize(env_, want);
  if (rc) return lmdb_error(rc, "cannot grow the LMDB map");
  map_size_ = want;
  return Status::ok();
}

Status LmdbEnv::set_sync_mode(SyncMode mode) {
  int rc = mdb_env_set_flags(env_, MDB_NOMETASYNC, mode == SyncMode::Always ? 0 : 1);
  if (rc) return lmdb_error(rc, "mdb_env_set_flags");
  mode_ = mode;
  return Status::ok();
}

Status LmdbEnv::sync_now() {
  int rc = mdb_env_sync(env_, 1);
  if (rc) return lmdb_error(rc, "mdb_env_sync");
  ++syncs_;
  last_sync_ms_ = wall_ms();
  return Status::ok();
}

EnvStats LmdbEnv::stats() const {
  EnvStats s;
  s.commits = commits_;
  s.syncs = syncs_;
  s.commit_failures = commit_failures_;
  s.last_commit_ms = last_commit_ms_;
  s.last_sync_ms = last_sync_ms_;
  s.map_size = map_size_;
  if (env_) {
    MDB_envinfo info;
    mdb_env_info(env_, &info);
    s.used_bytes = (info.me_last_pgno + 1) * 4096ull;
  }
  return s;
}

}  // namespace postbox
