#include "store/store.h"

namespace postbox {

Status Store::open(const StoreOptions& opts) {
  opts_ = opts;
  Status s = env_.open(opts.dir, opts.initial_map_size, opts.sync);
  if (!s) return s;
  s = env_.begin();
  if (!s) return s;
  s = keys_.load(opts.databases);
  if (!s) return s;
  s = streams_.load_queue_stats();
  if (!s) return s;
  return env_.commit();
}

void Store::close() {
  env_.close();
}

Status Store::begin() {
  return env_.begin();
}

Status Store::commit() {
  Status s = streams_.save_queue_stats();  // INFO queues counters go with the batch
  if (!s) return s;
  return env_.commit();
}

void Store::abort() {
  env_.abort();
  // SWAPDB changes the in-memory db map; reload it from what is committed.
  if (env_.begin()) {
    keys_.load(opts_.databases);
    streams_.reset_queue_stats();
    streams_.load_queue_stats();  // counters of the aborted writes go too
    env_.abort();
  }
}

}  // namespace postbox
