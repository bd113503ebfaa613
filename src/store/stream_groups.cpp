// Consumer groups: groups, consumers and the pending entries lists (PEL), on the records that
// stream_codec.h lays out. A PEL record lives twice: under the group (id order, for XPENDING and
// XAUTOCLAIM) and under its consumer (for XREADGROUP's history and XPENDING's consumer filter).
#include <cstring>
#include <vector>

#include "store/mdb_util.h"
#include "store/stream_store.h"

namespace postbox {
namespace {

bool has_prefix(const MDB_val& k, std::string_view prefix) {
  return k.mv_size >= prefix.size() && std::memcmp(k.mv_data, prefix.data(), prefix.size()) == 0;
}

}  // namespace

Status StreamStore::walk_records(std::string_view prefix, std::string_view from,
                                 FunctionRef<bool(std::string_view, std::string_view)> fn) {
  CursorGuard cur(env_.txn(), env_.elems_dbi());
  if (cur.rc()) return LmdbEnv::lmdb_error(cur.rc(), "opening cursor");
  MDB_val k = mdb_val(from), v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
  while (rc == 0 && has_prefix(k, prefix)) {
    if (!fn(view_of(k), view_of(v))) return Status::ok();
    rc = mdb_cursor_get(cur.get(), &k, &v, MDB_NEXT);
  }
  if (rc && rc != MDB_NOTFOUND) return LmdbEnv::lmdb_error(rc, "reading stream");
  return Status::ok();
}

Status StreamStore::put_group(std::string_view name, const GroupRecord& g) {
  stream_group_key(entry_.meta.id, name, k2_);
  encode_group(g, v_);
  Status s = put(k2_, v_);
  if (s) keys_.touched(entry_);
  return s;
}

Status StreamStore::put_consumer(uint64_t gid, std::string_view name, const ConsumerRecord& c) {
  stream_consumer_key(entry_.meta.id, gid, name, k2_);
  encode_consumer(c, v_);
  return put(k2_, v_);
}

Result<bool> StreamStore::group(std::string_view name, GroupRecord& g) {
  stream_group_key(entry_.meta.id, name, k_);
  std::string_view v;
  auto got = get(k_, v);
  if (!got || !*got) return got;
  if (!decode_group(v, g)) return Status::error("ERR corrupt consumer group record");
  return true;
}

Status StreamStore::each_group(FunctionRef<void(std::string_view, const GroupRecord&)> visit) {
  std::string prefix;
  stream_group_key(entry_.meta.id, "", prefix);
  return walk_records(prefix, prefix, [&](std::string_view k, std::string_view v) {
    GroupRecord g;
    if (decode_group(v, g)) visit(k.substr(prefix.size()), g);
    return true;
  });
}

Result<bool> StreamStore::create_group(std::string_view name, const StreamId& last_id,
                                       int64_t entries_read) {
  GroupRecord g;
  auto found = group(name, g);
  if (!found) return found.status();
  if (*found) return false;
  g = GroupRecord{};
  g.gid = head_.next_gid++;
  g.last_id = last_id;
  g.entries_read = entries_read;
  ++head_.groups;
  Status s = put_group(name, g);
  if (!s) return s;
  s = save_header();
  if (!s) return s;
  return true;
}

Result<bool> StreamStore::destroy_group(std::string_view name) {
  GroupRecord g;
  auto found = group(name, g);
  if (!found || !*found) return found;
  stream_group_key(entry_.meta.id, name, k_);
  Status s = del(k_);
  if (!s) return s;
  // The group's PEL, consumers and consumer PELs: three key ranges under its gid.
  std::vector<std::string> doomed;
  for (StreamTag tag :
       {StreamTag::Pel, StreamTag::Consumer, StreamTag::ConsumerPel, StreamTag::PelTime}) {
    std::string prefix;
    stream_pel_key(entry_.meta.id, g.gid, StreamId{}, prefix);
    prefix[8] = static_cast<char>(tag);
    prefix.resize(17);
    s = walk_records(prefix, prefix, [&](std::string_view k, std::string_view) {
      doomed.emplace_back(k);
      return true;
    });
    if (!s) return s;
  }
  for (const std::string& k : doomed) {
    s = del(k);
    if (!s) return s;
  }
  --head_.groups;
  s = save_header();
  if (!s) return s;
  return true;
}

Status StreamStore::set_group_id(std::string_view name, GroupRecord& g, const StreamId& last_id,
                                 int64_t entries_read) {
  g.last_id = last_id;
  g.entries_read = entries_read;
  return put_group(name, g);
}

Result<bool> StreamStore::consumer(const GroupRecord& g, std::string_view name, ConsumerRecord& c) {
  stream_consumer_key(entry_.meta.id, g.gid, name, k_);
  std::string_view v;
  auto got = get(k_, v);
  if (!got || !*got) return got;
  if (!decode_consumer(v, c)) return Status::error("ERR corrupt consumer record");
  return true;
}

Result<bool> StreamStore::touch_consumer(std::string_view group_name, GroupRecord& g,
                                         std::string_view name, int64_t now_ms, ConsumerRecord& c,
                                         bool refresh, bool create) {
  auto found = consumer(g, name, c);
  if (!found) return found.status();
  if (*found) {
    if (!refresh) return false;
    c.seen_ms = now_ms;
    Status s = put_consumer(g.gid, name, c);
    if (!s) return s;
    return false;
  }
  if (!create) return false;
  c = ConsumerRecord{};
  c.cid = g.next_cid++;
  c.seen_ms = now_ms;
  ++g.consumers;
  Status s = put_consumer(g.gid, name, c);
  if (!s) return s;
  s = put_group(group_name, g);
  if (!s) return s;
  return true;
}

Status StreamStore::each_consumer(
    const GroupRecord& g, FunctionRef<void(std::string_view, const ConsumerRecord&)> visit) {
  std::string prefix;
  stream_consumer_key(entry_.meta.id, g.gid, "", prefix);
  return walk_records(prefix, prefix, [&](std::string_view k, std::string_view v) {
    ConsumerRecord c;
    if (decode_consumer(v, c)) visit(k.substr(prefix.size()), c);
    return true;
  });
}

Result<int64_t> StreamStore::delete_consumer(std::string_view group_name, GroupRecord& g,
                                             std::string_view name) {
  ConsumerRecord c;
  auto found = consumer(g, name, c);
  if (!found) return found.status();
  if (!*found) return int64_t{-1};
  std::string prefix;
  stream_consumer_pel_key(entry_.meta.id, g.gid, c.cid, StreamId{}, prefix);
  prefix.resize(prefix.size() - 16);
  std::vector<std::string> doomed;
  Status s = walk_records(prefix, prefix, [&](std::string_view k, std::string_view) {
    doomed.emplace_back(k);
    return true;
  });
  if (!s) return s;
  for (const std::string& k : doomed) {
    StreamId id = stream_key_id(k);
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, id, rec, owner);
    if (!got) return got.status();
    if (*got) {
      stream_pel_time_key(entry_.meta.id, g.gid, true, rec.delivery_ms, id, k_);
      if (!(s = del(k_))) return s;
    }
    stream_pel_key(entry_.meta.id, g.gid, id, k_);
    if (!(s = del(k_)) || !(s = del(k))) return s;
  }
  g.pel_count -= std::min<uint64_t>(g.pel_count, doomed.size());
  --g.consumers;
  stream_consumer_key(entry_.meta.id, g.gid, name, k_);
  if (!(s = del(k_))) return s;
  if (!(s = put_group(group_name, g))) return s;
  return static_cast<int64_t>(c.pel_count);
}

// ---- delivery -------------------------------------------------------------------------------

Result<uint64_t> StreamStore::deliver_new(std::string_view group_name, GroupRecord& g,
                                          std::string_view consumer_name, uint64_t count,
                                          bool noack, int64_t now_ms, EntryVisitor visit) {
  StreamId from = g.last_id;
  if (!stream_id_next(from)) return uint64_t{0};
  // Read first (replies are written as entries are read), write the PEL after: no cursor
  // walks a table while it is being changed.
  std::vector<StreamId> delivered;
  uint64_t n = 0;
  auto walked = walk(from, StreamId::max(), false, [&](const StreamId& id, std::string_view v) {
    if (id > g.last_id) {
      if (g.entries_read != kEntriesReadInvalid && !range_has_tombstones(id, StreamId::max())) {
        ++g.entries_read;
      } else if (head_.entries_added) {
        g.entries_read = estimate_read_counter(id);
      }
      g.last_id = id;
    }
    EntryReader r(v);
    visit(id, r);
    if (!noack) delivered.push_back(id);
    return ++n != count;
  });
  if (!walked) return walked.status();
  // Redis makes the consumer when something is delivered to it, not for a read that finds
  // nothing.
  ConsumerRecord c;
  auto created = touch_consumer(group_name, g, consumer_name, now_ms, c, true, n > 0);
  if (!created) return created.status();
  if (n == 0) return n;
  // Only entries taken into the PEL make the read a successful interaction (not NOACK).
  if (!delivered.empty()) c.active_ms = now_ms;
  for (const StreamId& id : delivered) {
    PelRecord rec;
    std::string owner_name;
    auto busy = load_pending(g, id, rec, owner_name);
    if (!busy) return busy.status();
    if (*busy) {
      // XGROUP SETID moved the group back over pending entries: the new reader takes them.
      Status s = reassign(g, id, &rec, consumer_name, c, now_ms, now_ms, 1);
      if (!s) return s;
      continue;
    }
    Status s = write_pending(g, id, nullptr, now_ms, 1, consumer_name);
    if (!s) return s;
    stream_consumer_pel_key(entry_.meta.id, g.gid, c.cid, id, k_);
    if (!(s = put(k_, ""))) return s;
    ++c.pel_count;
    ++g.pel_count;
  }
  Status s = put_consumer(g.gid, consumer_name, c);
  if (!s) return s;
  if (!(s = put_group(group_name, g))) return s;
  queue_stats_.delivered += n;
  stats_dirty_ = true;
  return n;
}

Result<uint64_t> StreamStore::deliver_history(std::string_view group_name, GroupRecord& g,
                                              std::string_view consumer_name, const StreamId& after,
                                              uint64_t count, int64_t now_ms, EntryVisitor visit) {
  ConsumerRecord c;
  auto created = touch_consumer(group_name, g, consumer_name, now_ms, c);
  if (!created) return created.status();
  StreamId from = after;
  if (!stream_id_next(from)) return uint64_t{0};
  std::string prefix, start;
  stream_consumer_pel_key(entry_.meta.id, g.gid, c.cid, from, start);
  prefix.assign(start, 0, start.size() - 16);
  std::vector<StreamId> ids;
  Status s = walk_records(prefix, start, [&](std::string_view k, std::string_view) {
    ids.push_back(stream_key_id(k));
    return ids.size() != count;
  });
  if (!s) return s;
  for (const StreamId& id : ids) {
    auto found = entry(id, visit);
    if (!found) return found.status();
    if (!*found) {
      // Deleted from the stream: shown as nil, still pending, its delivery not counted.
      EntryReader gone("");
      visit(id, gone);
      continue;
    }
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, id, rec, owner);
    if (!got) return got.status();
    if (!*got) continue;
    if (!(s = write_pending(g, id, &rec, now_ms, rec.delivery_count + 1, owner))) return s;
  }
  return static_cast<uint64_t>(ids.size());
}

Result<bool> StreamStore::load_pending(const GroupRecord& g, const StreamId& id, PelRecord& rec,
                                       std::string& owner) {
  stream_pel_key(entry_.meta.id, g.gid, id, k2_);
  std::string_view v;
  auto got = get(k2_, v);
  if (!got || !*got) return got;
  if (!decode_pel(v, rec)) return false;
  owner.assign(rec.consumer);
  rec.consumer = owner;
  return true;
}

Status StreamStore::write_pending(GroupRecord& g, const StreamId& id, const PelRecord* old,
                                  int64_t delivery_ms, uint64_t count,
                                  std::string_view consumer_name) {
  Status s;
  bool was_released = old && old->consumer.empty(), released = consumer_name.empty();
  if (released && !was_released) ++g.released;
  if (was_released && !released && g.released) --g.released;
  if (old) {
    stream_pel_time_key(entry_.meta.id, g.gid, !old->consumer.empty(), old->delivery_ms, id, k_);
    if (!(s = del(k_))) return s;
  }
  stream_pel_time_key(entry_.meta.id, g.gid, !consumer_name.empty(), delivery_ms, id, k_);
  if (!(s = put(k_, ""))) return s;
  stream_pel_key(entry_.meta.id, g.gid, id, k_);
  encode_pel(delivery_ms, count, consumer_name, v_);
  return put(k_, v_);
}

Status StreamStore::drop_pending(GroupRecord& g, const StreamId& id, const PelRecord& rec) {
  stream_pel_time_key(entry_.meta.id, g.gid, !rec.consumer.empty(), rec.delivery_ms, id, k_);
  Status s = del(k_);
  if (!s) return s;
  stream_pel_key(entry_.meta.id, g.gid, id, k_);
  if (!(s = del(k_))) return s;
  if (g.pel_count) --g.pel_count;
  if (rec.consumer.empty() && g.released) --g.released;
  ConsumerRecord c;
  std::string owner(rec.consumer);
  auto found = consumer(g, owner, c);
  if (!found) return found.status();
  if (!*found) return Status::ok();
  stream_consumer_pel_key(entry_.meta.id, g.gid, c.cid, id, k_);
  if (!(s = del(k_))) return s;
  if (c.pel_count) --c.pel_count;
  return put_consumer(g.gid, owner, c);
}

Result<int64_t> StreamStore::ack(std::string_view group_name, GroupRecord& g,
                                 std::span<const StreamId> ids) {
  int64_t acked = 0;
  for (const StreamId& id : ids) {
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, id, rec, owner);
    if (!got) return got.status();
    if (!*got) continue;
    Status s = drop_pending(g, id, rec);
    if (!s) return s;
    ++acked;
  }
  if (acked) {
    Status s = put_group(group_name, g);
    if (!s) return s;
    queue_stats_.acked += static_cast<uint64_t>(acked);
    stats_dirty_ = true;
  }
  return acked;
}

Status StreamStore::detach(const GroupRecord& g, const StreamId& id,
                           std::string_view consumer_name) {
  ConsumerRecord prev;
  std::string prev_name(consumer_name);
  auto found = consumer(g, prev_name, prev);
  if (!found) return found.status();
  if (!*found) return Status::ok();
  stream_consumer_pel_key(entry_.meta.id, g.gid, prev.cid, id, k_);
  Status s = del(k_);
  if (!s) return s;
  if (prev.pel_count) --prev.pel_count;
  return put_consumer(g.gid, prev_name, prev);
}

Status StreamStore::reassign(GroupRecord& g, const StreamId& id, const PelRecord* old,
                             std::string_view consumer_name, ConsumerRecord& owner, int64_t now_ms,
                             int64_t delivery_ms, uint64_t delivery_count) {
  Status s;
  bool moving = !old || old->consumer != consumer_name;
  if (old && moving && !old->consumer.empty() && !(s = detach(g, id, old->consumer))) return s;
  if (moving) {
    stream_consumer_pel_key(entry_.meta.id, g.gid, owner.cid, id, k_);
    if (!(s = put(k_, ""))) return s;
    ++owner.pel_count;
  }
  // Taking an entry is the consumer's last successful interaction (XINFO's `inactive`). The
  // record is written only when it changed: a claim loop in one millisecond writes it once.
  bool refreshed = owner.active_ms != now_ms;
  owner.active_ms = now_ms;
  if ((moving || refreshed) && !(s = put_consumer(g.gid, consumer_name, owner))) return s;
  return write_pending(g, id, old, delivery_ms, delivery_count, consumer_name);
}

// ---- inspection -----------------------------------------------------------------------------

Status StreamStore::pending(const GroupRecord& g, uint64_t cid, const StreamId& start,
                            const StreamId& end, uint64_t count,
                            FunctionRef<bool(const PendingView&)> visit) {
  if (start > end) return Status::ok();
  std::string from, prefix;
  if (cid == 0) {
    stream_pel_key(entry_.meta.id, g.gid, start, from);
  } else {
    stream_consumer_pel_key(entry_.meta.id, g.gid, cid, start, from);
  }
  prefix.assign(from, 0, from.size() - 16);
  uint64_t n = 0;
  std::string pel_key;
  return walk_records(prefix, from, [&](std::string_view k, std::string_view v) {
    PendingView p;
    p.id = stream_key_id(k);
    if (p.id > end) return false;
    if (cid != 0) {
      stream_pel_key(entry_.meta.id, g.gid, p.id, pel_key);
      MDB_val pk = mdb_val(pel_key), pv;
      if (mdb_get(env_.txn(), env_.elems_dbi(), &pk, &pv) != 0) return true;
      v = view_of(pv);
    }
    if (!decode_pel(v, p.rec)) return true;
    if (!visit(p)) return false;
    return ++n != count;
  });
}

Result<bool> StreamStore::pending_bounds(const GroupRecord& g, StreamId& first, StreamId& last) {
  bool any = false;
  Status s = pending(g, 0, StreamId{}, StreamId::max(), 1, [&](const PendingView& p) {
    first = p.id;
    any = true;
    return false;
  });
  if (!s) return s;
  if (!any) return false;
  // The last one: position just past the group's PEL range and step back.
  std::string past;
  stream_pel_key(entry_.meta.id, g.gid + 1, StreamId{}, past);
  past[8] = static_cast<char>(StreamTag::Pel);
  CursorGuard cur(env_.txn(), env_.elems_dbi());
  MDB_val k = mdb_val(past), v;
  int rc = mdb_cursor_get(cur.get(), &k, &v, MDB_SET_RANGE);
  rc = rc == MDB_NOTFOUND ? mdb_cursor_get(cur.get(), &k, &v, MDB_LAST)
                          : mdb_cursor_get(cur.get(), &k, &v, MDB_PREV);
  if (rc) return LmdbEnv::lmdb_error(rc, "reading pending entries");
  last = stream_key_id(view_of(k));
  return true;
}

// ---- claiming -------------------------------------------------------------------------------

Result<StreamStore::ClaimOutcome> StreamStore::claim(std::string_view group_name, GroupRecord& g,
                                                     std::string_view consumer_name,
                                                     const StreamId& id, const ClaimOptions& o,
                                                     int64_t now_ms, ConsumerRecord& owner) {
  PelRecord rec;
  std::string old_owner;
  auto got = load_pending(g, id, rec, old_owner);
  if (!got) return got.status();
  bool pending = *got;
  auto exists = has_entry(id);
  if (!exists) return exists.status();
  if (!*exists) {
    if (!pending) return ClaimOutcome::Skipped;
    Status s = drop_pending(g, id, rec);
    if (!s) return s;
    return ClaimOutcome::Deleted;
  }
  if (!pending) {
    if (!o.force) return ClaimOutcome::Skipped;
    // FORCE makes a PEL record from scratch, as if delivered once to nobody.
    rec = PelRecord{now_ms, 1, {}};
    ++g.pel_count;
  } else if (rec.consumer.empty() ? rec.delivery_ms > now_ms
                                  : o.min_idle_ms && now_ms - rec.delivery_ms < o.min_idle_ms) {
    // Released (XNACK) entries have no owner: claimable at once, or once their DELAY is over.
    return ClaimOutcome::Skipped;
  }
  // Loaded afresh for every id: an earlier id of the same command may have changed the
  // claimer's record (dropping a deleted entry it owned).
  auto created = touch_consumer(group_name, g, consumer_name, now_ms, owner);
  if (!created) return created.status();
  uint64_t count = rec.delivery_count;
  if (o.retry_count >= 0) {
    count = static_cast<uint64_t>(o.retry_count);
  } else if (!o.justid && count < static_cast<uint64_t>(INT64_MAX)) {
    ++count;  // a FATAL entry's count stays at the maximum
  }
  int64_t when = o.delivery_ms < 0 ? now_ms : o.delivery_ms;
  // A forced record is new: no previous owner to detach from, and not a released entry.
  Status s = reassign(g, id, pending ? &rec : nullptr, consumer_name, owner, now_ms, when, count);
  if (!s) return s;
  return ClaimOutcome::Claimed;
}

Result<StreamId> StreamStore::autoclaim(std::string_view group_name, GroupRecord& g,
                                        std::string_view consumer_name, const StreamId& start,
                                        uint64_t count, uint64_t attempts, const ClaimOptions& o,
                                        int64_t now_ms,
                                        FunctionRef<void(const StreamId&)> on_claimed,
                                        FunctionRef<void(const StreamId&)> on_deleted) {
  // Decide while walking the PEL (reads only), then change it.
  struct Step {
    StreamId id;
    bool deleted;
  };
  std::vector<Step> steps;
  StreamId cursor;
  Status s = pending(g, 0, start, StreamId::max(), 0, [&](const PendingView& p) {
    if (attempts == 0 || count == 0) {
      cursor = p.id;
      return false;
    }
    --attempts;
    auto live = has_entry(p.id);
    if (!live || !*live) {
      steps.push_back({p.id, true});
      --count;
      return true;
    }
    // Released (XNACK) entries are claimable at once, or once their DELAY is over.
    bool owned = !p.rec.consumer.empty();
    if (!owned && p.rec.delivery_ms > now_ms) return true;
    if (o.min_idle_ms && owned && now_ms - p.rec.delivery_ms < o.min_idle_ms) return true;
    steps.push_back({p.id, false});
    --count;
    return true;
  });
  if (!s) return s;
  ConsumerRecord owner;
  ClaimOptions each = o;
  each.min_idle_ms = 0;  // already checked above
  each.force = false;
  for (const Step& st : steps) {
    auto outcome = claim(group_name, g, consumer_name, st.id, each, now_ms, owner);
    if (!outcome) return outcome.status();
    if (*outcome == ClaimOutcome::Claimed) on_claimed(st.id);
    if (*outcome == ClaimOutcome::Deleted) on_deleted(st.id);
  }
  return cursor;
}

}  // namespace postbox
