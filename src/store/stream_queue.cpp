// Postbox's queue policy on consumer groups: redelivery of entries idle past the group's
// VISIBILITY (or an XREADGROUP ... CLAIM), dead-lettering past MAXDELIVERIES, and XREDRIVE.
// The group's PEL is indexed by last delivery time (stream_codec.h), so finding the entries
// idle longest costs O(log N) plus what is returned, whatever the PEL's size.
#include <charconv>
#include <map>
#include <string>
#include <vector>

#include "store/mdb_util.h"
#include "store/stream_store.h"

namespace postbox {
namespace {

constexpr std::string_view kDlqFields[] = {"dlq-stream", "dlq-group", "dlq-id", "dlq-deliveries",
                                           "dlq-consumer"};

struct Copied {
  StreamId id;
  std::vector<std::string> pairs;
};

void copy_pairs(EntryReader& r, std::vector<std::string>& out) {
  std::string_view f, v;
  while (r.next(f, v)) {
    out.emplace_back(f);
    out.emplace_back(v);
  }
}

}  // namespace

namespace {
constexpr std::string_view kQueueStatsKey = "queues";
}

Status StreamStore::load_queue_stats() {
  MDB_val k = mdb_val(kQueueStatsKey), v;
  int rc = mdb_get(env_.txn(), env_.sys_dbi(), &k, &v);
  if (rc == MDB_NOTFOUND) return Status::ok();
  if (rc) return LmdbEnv::lmdb_error(rc, "reading queue counters");
  std::string_view s = view_of(v);
  uint64_t* fields[] = {&queue_stats_.delivered,     &queue_stats_.redelivered,
                        &queue_stats_.acked,         &queue_stats_.nacked,
                        &queue_stats_.dead_lettered, &queue_stats_.redriven};
  for (size_t i = 0; i < std::size(fields) && s.size() >= (i + 1) * 8; ++i) {
    *fields[i] = get_u64_be(s.data() + i * 8);
  }
  return Status::ok();
}

Status StreamStore::save_queue_stats() {
  if (!stats_dirty_ || !env_.in_txn()) return Status::ok();
  std::string v;
  for (uint64_t f : {queue_stats_.delivered, queue_stats_.redelivered, queue_stats_.acked,
                     queue_stats_.nacked, queue_stats_.dead_lettered, queue_stats_.redriven}) {
    char b[8];
    put_u64_be(b, f);
    v.append(b, 8);
  }
  MDB_val k = mdb_val(kQueueStatsKey), val = mdb_val(v);
  int rc = mdb_put(env_.txn(), env_.sys_dbi(), &k, &val, 0);
  if (rc) return LmdbEnv::lmdb_error(rc, "writing queue counters");
  stats_dirty_ = false;
  return Status::ok();
}

std::string StreamStore::deadletter_key(const GroupRecord& g) const {
  return g.deadletter.empty() ? key_ + ":dlq" : g.deadletter;
}

// The first record of one zone of the group's redelivery index, if any: its time.
Result<bool> StreamStore::first_due(const GroupRecord& g, bool owned, int64_t& time) {
  std::string from;
  stream_pel_time_key(entry_.meta.id, g.gid, owned, 0, StreamId{}, from);
  std::string_view prefix(from.data(), from.size() - 24);
  bool found = false;
  Status s = walk_records(prefix, from, [&](std::string_view k, std::string_view) {
    time = static_cast<int64_t>(get_u64_be(k.data() + prefix.size()));
    found = true;
    return false;
  });
  if (!s) return s;
  return found;
}

Result<bool> StreamStore::has_redeliverable(const GroupRecord& g, int64_t min_idle_ms,
                                            int64_t now_ms) {
  int64_t t;
  auto released = first_due(g, false, t);
  if (!released || (*released && t <= now_ms)) return released;
  auto owned = first_due(g, true, t);
  if (!owned) return owned;
  return *owned && t <= now_ms - min_idle_ms;
}

// What a redelivery will do, decided from a read-only walk of the redelivery index before the
// PEL changes: entries to hand out (with the time they have waited since), entries due for the
// dead letters, and pending ids whose entries were deleted.
struct RedeliveryPlan {
  struct Candidate {
    StreamId id;
    int64_t since_ms;
  };
  std::vector<Candidate> take;
  std::vector<StreamId> doomed, gone;
};

// Released entries (XNACK) come first, once their time has come; then owned ones idle long
// enough.
Status StreamStore::plan_redelivery(const GroupRecord& g, uint64_t count, int64_t min_idle_ms,
                                    bool drop_deleted, int64_t now_ms, RedeliveryPlan& plan) {
  std::string key;
  for (bool owned : {false, true}) {
    if (count && plan.take.size() == count) break;
    std::string from;
    stream_pel_time_key(entry_.meta.id, g.gid, owned, 0, StreamId{}, from);
    std::string_view prefix(from.data(), from.size() - 24);
    int64_t due_by = owned ? now_ms - min_idle_ms : now_ms;
    Status s = walk_records(prefix, from, [&](std::string_view k, std::string_view) {
      auto t = static_cast<int64_t>(get_u64_be(k.data() + prefix.size()));
      if (t > due_by) return false;
      StreamId id = stream_key_id(k);
      auto live = has_entry(id);
      if (!live || !*live) {
        if (drop_deleted) plan.gone.push_back(id);
        return true;
      }
      if (g.max_deliveries > 0) {
        stream_pel_key(entry_.meta.id, g.gid, id, key);
        MDB_val pk = mdb_val(key), pv;
        PelRecord rec;
        if (mdb_get(env_.txn(), env_.elems_dbi(), &pk, &pv) == 0 && decode_pel(view_of(pv), rec) &&
            rec.delivery_count >= static_cast<uint64_t>(g.max_deliveries)) {
          plan.doomed.push_back(id);
          return true;
        }
      }
      plan.take.push_back({id, owned || t >= kReleaseOrderLimit ? t : 0});
      return plan.take.size() != count;
    });
    if (!s) return s;
  }
  return Status::ok();
}

Result<uint64_t> StreamStore::redeliver(std::string_view group_name, GroupRecord& g,
                                        std::string_view consumer_name, uint64_t count,
                                        int64_t min_idle_ms, bool drop_deleted, int64_t now_ms,
                                        ClaimVisitor visit) {
  RedeliveryPlan plan;
  Status s = plan_redelivery(g, count, min_idle_ms, drop_deleted, now_ms, plan);
  if (!s) return s;
  auto& [take, doomed, gone] = plan;
  if (!doomed.empty()) {
    // While the dead-letter key holds another type, entries due for it stay pending (not
    // delivered either) rather than failing the read: the queue keeps flowing.
    auto ok = deadletter_writable(g, now_ms);
    if (!ok) return ok.status();
    if (!*ok) doomed.clear();
  }
  for (const StreamId& id : gone) {
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, id, rec, owner);
    if (!got) return got.status();
    if (*got && !(s = drop_pending(g, id, rec))) return s;
  }
  ConsumerRecord c;
  if (!take.empty()) {
    auto created = touch_consumer(group_name, g, consumer_name, now_ms, c);
    if (!created) return created.status();
  }
  for (const RedeliveryPlan::Candidate& cand : take) {
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, cand.id, rec, owner);
    if (!got) return got.status();
    if (!*got) continue;
    uint64_t before = rec.delivery_count;
    uint64_t after = before == INT64_MAX ? before : before + 1;
    if (!(s = reassign(g, cand.id, &rec, consumer_name, c, now_ms, now_ms, after))) return s;
    auto shown = entry(cand.id, [&](const StreamId& id, EntryReader& r) {
      visit(id, r, now_ms - cand.since_ms, before);
    });
    if (!shown) return shown.status();
  }
  queue_stats_.redelivered += take.size();
  stats_dirty_ = true;
  if (!gone.empty() || !take.empty()) {
    if (!(s = put_group(group_name, g))) return s;
  }
  if (!doomed.empty() && !(s = dead_letter(group_name, g, doomed, now_ms))) return s;
  return static_cast<uint64_t>(take.size());
}

Result<int64_t> StreamStore::nack(std::string_view group_name, GroupRecord& g, NackMode mode,
                                  std::span<const StreamId> ids, int64_t retry_count, bool force,
                                  int64_t delay_ms, int64_t now_ms) {
  int64_t nacked = 0;
  std::vector<StreamId> doomed;
  bool dead_letters = g.max_deliveries > 0 || !g.deadletter.empty();
  // Released entries go out again in release order: without a DELAY their time in the
  // redelivery index is the group's release sequence (far below any clock time, so due at once).
  auto ready_at = [&]() {
    return delay_ms > 0 ? now_ms + delay_ms : static_cast<int64_t>(++g.release_seq);
  };
  Status s;
  // FATAL in a group that dead-letters: refuse before changing anything if the dead-letter key
  // cannot take the entries.
  if (mode == NackMode::Fatal && dead_letters) {
    auto ok = deadletter_writable(g, now_ms);
    if (!ok) return ok.status();
    if (!*ok) {
      return Status::error("ERR dead-letter key '" + deadletter_key(g) +
                           "' holds the wrong kind of value");
    }
  }
  for (const StreamId& id : ids) {
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, id, rec, owner);
    if (!got) return got.status();
    bool pending = *got;
    if (!pending) {
      auto exists = has_entry(id);
      if (!exists) return exists.status();
      if (!force || !*exists) continue;
      rec = PelRecord{};
      ++g.pel_count;
    } else if (mode == NackMode::Fatal && dead_letters) {
      // Straight to the dead letters, with the owner and delivery count it had.
      doomed.push_back(id);
      ++nacked;
      continue;
    }
    uint64_t n = rec.delivery_count;
    if (retry_count >= 0) {
      n = static_cast<uint64_t>(retry_count);
    } else if (mode == NackMode::Silent) {
      n = n ? n - 1 : 0;
    } else if (mode == NackMode::Fatal) {
      n = INT64_MAX;
    }
    if (!rec.consumer.empty() && !(s = detach(g, id, rec.consumer))) return s;
    if (!(s = write_pending(g, id, pending ? &rec : nullptr, ready_at(), n, ""))) return s;
    ++nacked;
    if (mode == NackMode::Fatal && dead_letters) doomed.push_back(id);  // a FORCE-made record
  }
  queue_stats_.nacked += static_cast<uint64_t>(nacked);
  stats_dirty_ = true;
  if (nacked && !(s = put_group(group_name, g))) return s;
  if (!doomed.empty() && !(s = dead_letter(group_name, g, doomed, now_ms))) return s;
  return nacked;
}

Result<bool> StreamStore::referenced(const StreamId& id) {
  std::vector<GroupRecord> groups;
  Status s = each_group([&](std::string_view, const GroupRecord& g) { groups.push_back(g); });
  if (!s) return s;
  for (const GroupRecord& g : groups) {
    if (id > g.last_id) return true;
    stream_pel_key(entry_.meta.id, g.gid, id, k_);
    std::string_view v;
    auto got = get(k_, v);
    if (!got || *got) return got;
  }
  return false;
}

Status StreamStore::drop_references(const StreamId& id) {
  std::vector<std::pair<std::string, GroupRecord>> groups;
  Status s = each_group([&](std::string_view name, const GroupRecord& g) {
    groups.emplace_back(std::string(name), g);
  });
  if (!s) return s;
  for (auto& [name, g] : groups) {
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, id, rec, owner);
    if (!got) return got.status();
    if (!*got) continue;
    if (!(s = drop_pending(g, id, rec)) || !(s = put_group(name, g))) return s;
  }
  return Status::ok();
}

Result<bool> StreamStore::deadletter_writable(const GroupRecord& g, int64_t now_ms) {
  const int src_db = db_;
  const std::string src_key = key_;
  auto dlq = open(src_db, deadletter_key(g), now_ms);
  auto back = open(src_db, src_key, now_ms);
  if (!back) return back.status();
  return dlq.is_ok();
}

Status StreamStore::dead_letter(std::string_view group_name_in, GroupRecord& g,
                                std::span<const StreamId> ids, int64_t now_ms) {
  if (ids.empty()) return Status::ok();
  const int src_db = db_;
  const std::string src_key = key_, group_name(group_name_in), dlq = deadletter_key(g);
  struct Item {
    Copied entry;
    uint64_t deliveries;
    std::string owner;
  };
  std::vector<Item> items;
  for (const StreamId& id : ids) {
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, id, rec, owner);
    if (!got) return got.status();
    if (!*got) continue;
    Item item{{id, {}}, rec.delivery_count, owner};
    auto found =
        entry(id, [&](const StreamId&, EntryReader& r) { copy_pairs(r, item.entry.pairs); });
    if (!found) return found.status();
    items.push_back(std::move(item));
  }
  // Write the dead-letter stream first: if it cannot take them, the entries stay pending.
  auto open_dlq = open(src_db, dlq, now_ms);
  if (open_dlq && !*open_dlq) open_dlq = Result<bool>(create(src_db, dlq).is_ok());
  if (!open_dlq || !*open_dlq) {
    auto back = open(src_db, src_key, now_ms);
    if (!back) return back.status();
    return Status::error("ERR dead-letter key '" + dlq +
                         "' holds the wrong kind of value or cannot be written");
  }
  for (const Item& item : items) {
    std::vector<std::string> extra = {src_key, group_name, stream_id_string(item.entry.id),
                                      std::to_string(item.deliveries), item.owner};
    std::vector<std::string_view> pairs(item.entry.pairs.begin(), item.entry.pairs.end());
    for (size_t i = 0; i < extra.size(); ++i) {
      pairs.push_back(kDlqFields[i]);
      pairs.push_back(extra[i]);
    }
    StreamId added;
    auto out = append(StreamId{}, false, true, pairs, now_ms, added);
    if (!out) return out.status();
  }
  auto back = open(src_db, src_key, now_ms);
  if (!back) return back.status();
  for (const Item& item : items) {
    PelRecord rec;
    std::string owner;
    auto got = load_pending(g, item.entry.id, rec, owner);
    if (!got) return got.status();
    if (!*got) continue;
    Status s = drop_pending(g, item.entry.id, rec);
    if (!s) return s;
    ++g.dead_lettered;
    ++queue_stats_.dead_lettered;
    stats_dirty_ = true;
  }
  return put_group(group_name, g);
}

namespace {

struct RedriveItem {
  Copied entry;
  std::string target;
};

// Reads up to `count` dead letters of the open stream, each split from the dlq-* metadata that
// dead_letter() added (the last five pairs) into its origin; an entry without it is an error.
Status collect_dead_letters(StreamStore& s, const std::string& dlq, uint64_t count,
                            std::vector<RedriveItem>& items) {
  std::string bad;
  auto walked =
      s.scan(StreamId{}, StreamId::max(), count, false, [&](const StreamId& id, EntryReader& r) {
        RedriveItem item{{id, {}}, {}};
        copy_pairs(r, item.entry.pairs);
        auto& p = item.entry.pairs;
        size_t meta = std::size(kDlqFields) * 2;
        if (p.size() < meta || p[p.size() - meta] != kDlqFields[0]) {
          if (bad.empty()) bad = stream_id_string(id);
          return;
        }
        item.target = p[p.size() - meta + 1];
        p.resize(p.size() - meta);
        items.push_back(std::move(item));
      });
  if (!walked) return walked.status();
  if (!bad.empty()) {
    return Status::error("ERR entry " + bad + " of '" + dlq +
                         "' is not a dead-lettered entry (no dlq-* fields)");
  }
  return Status::ok();
}

// Every origin must take its entries before anything moves: a redrive either happens or errors
// (a command's error does not undo its earlier writes in the batch).
Status check_redrive_targets(StreamStore& s, int db, const std::vector<RedriveItem>& items,
                             int64_t now_ms) {
  std::map<std::string_view, uint64_t> per_target;
  for (const RedriveItem& item : items) ++per_target[item.target];
  for (const auto& [target, n] : per_target) {
    auto o = s.open(db, target, now_ms);
    if (!o) {
      const std::string& why = o.status().message();
      return Status::error("ERR cannot redrive to '" + std::string(target) +
                           "': " + why.substr(why.find(' ') + 1));
    }
    // Automatic ids run out only in the last millisecond there is.
    const StreamId& last = s.header().last_id;
    if (*o && last.ms == UINT64_MAX && UINT64_MAX - last.seq < n) {
      return Status::error("ERR cannot redrive to '" + std::string(target) +
                           "': its last id is at the maximum");
    }
  }
  return Status::ok();
}

}  // namespace

Result<uint64_t> StreamStore::redrive(int db, std::string_view dlq_in, uint64_t count,
                                      int64_t now_ms,
                                      FunctionRef<void(std::string_view key)> on_target) {
  const std::string dlq(dlq_in);
  auto opened = open(db, dlq, now_ms);
  if (!opened) return opened.status();
  if (!*opened) return uint64_t{0};
  std::vector<RedriveItem> items;
  Status s = collect_dead_letters(*this, dlq, count, items);
  if (!s) return s;
  if (!(s = check_redrive_targets(*this, db, items, now_ms))) return s;
  std::vector<StreamId> moved;
  for (const RedriveItem& item : items) {
    auto o = open(db, item.target, now_ms);
    if (!o) return o.status();
    if (!*o && !(s = create(db, item.target))) return s;  // a deleted origin is recreated
    std::vector<std::string_view> pairs(item.entry.pairs.begin(), item.entry.pairs.end());
    StreamId added;
    auto out = append(StreamId{}, false, true, pairs, now_ms, added);
    if (!out) return out.status();
    if (*out != AppendOutcome::Added) {
      return Status::error("ERR cannot redrive to '" + item.target +
                           "': its last id is at the maximum");
    }
    on_target(item.target);
    moved.push_back(item.entry.id);
  }
  auto back = open(db, dlq, now_ms);
  if (!back) return back.status();
  if (*back) {
    auto removed = remove(moved);
    if (!removed) return removed.status();
  }
  queue_stats_.redriven += moved.size();
  stats_dirty_ = true;
  return static_cast<uint64_t>(moved.size());
}

}  // namespace postbox
