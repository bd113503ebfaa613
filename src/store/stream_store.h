// Redis streams and consumer groups on the keyspace (layout in stream_codec.h). The command
// layer opens a stream, then works on it: one stream is open at a time, and every call that
// changes it writes its header back before returning.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "store/keyspace.h"
#include "store/stream_codec.h"
#include "util/function_ref.h"
#include "util/status.h"

namespace postbox {

struct StreamTrim {
  enum class Strategy { None, MaxLen, MinId };
  Strategy strategy = Strategy::None;
  bool approx = false;
  int64_t maxlen = 0;
  StreamId minid;
  int64_t limit = 0;  // 0: no limit on the entries removed
};

// SeqExhausted: "<ms>-*" when that millisecond's sequence is used up.
enum class AppendOutcome { Added, IdTooSmall, SeqExhausted, Exhausted };

// A visited entry: its id and fields (ok() false for an entry deleted since it was pending).
using EntryVisitor = FunctionRef<void(const StreamId&, EntryReader&)>;

// What the queue verbs did since the server started (INFO queues).
struct QueueStats {
  uint64_t delivered = 0, redelivered = 0, acked = 0, nacked = 0, dead_lettered = 0, redriven = 0;
};

// A redelivered entry: its id and fields, how long it had been idle and how many times it had
// been delivered before.
using ClaimVisitor =
    FunctionRef<void(const StreamId&, EntryReader&, int64_t idle_ms, uint64_t deliveries)>;

struct PendingView {
  StreamId id;
  PelRecord rec;
};

struct TrimCut;
struct RedeliveryPlan;

class StreamStore {
 public:
  // Drains trimmed entries through the keyspace's reclaim step (see stream_codec.h).
  StreamStore(LmdbEnv& env, Keyspace& keys);

  // New streams' idempotent-producer window (stream-idmp-duration / -maxsize).
  void set_idmp_defaults(uint64_t duration_s, uint64_t maxsize) {
    idmp_default_duration_ = duration_s;
    idmp_default_maxsize_ = maxsize;
  }
  // Redis's node limits (stream-node-max-bytes / -entries), for `~` trimming.
  void set_node_limits(uint64_t max_bytes, uint64_t max_entries) {
    node_max_bytes_ = max_bytes;
    node_max_entries_ = max_entries;
  }

  // Opens (db, key): true for a stream, false when absent, WRONGTYPE for another type.
  Result<bool> open(int db, std::string_view key, int64_t now_ms);
  // Creates an empty stream under the key open() reported absent, and opens it.
  Status create(int db, std::string_view key);
  const StreamHeader& header() const { return head_; }
  // The id of the last entry still in the stream (0-0 when empty); header().last_id may be
  // higher after XDEL or XSETID.
  StreamId last_entry_id();

  // ---- entries (stream_store.cpp) ----
  // Appends an entry with `id` (or the next id when !id_given; with !seq_given only the ms part
  // is fixed). `pairs` alternates fields and values.
  Result<AppendOutcome> append(const StreamId& id, bool id_given, bool seq_given,
                               std::span<const std::string_view> pairs, int64_t now_ms,
                               StreamId& added);
  // Removes entries as XTRIM / XADD's trimming options say; returns how many. The work is
  // bounded by the smaller of the parts removed and kept (plus a node, or LIMIT): the entries
  // go logically, under the header's floor, and their records are deleted later.
  Result<int64_t> trim(const StreamTrim& t);
  // Visits entries with start <= id <= end (reverse order when `rev`), at most `count`
  // (0: all). Returns how many it visited.
  Result<uint64_t> scan(const StreamId& start, const StreamId& end, uint64_t count, bool rev,
                        EntryVisitor visit);
  // Visits one entry if it exists.
  Result<bool> entry(const StreamId& id, EntryVisitor visit);
  // Whether the entry is in the stream (neither deleted nor trimmed).
  Result<bool> has_entry(const StreamId& id);
  // XDEL: deletes the entries that exist; returns how many.
  Result<int64_t> remove(std::span<const StreamId> ids);
  // XSETID, after the command checked the arguments against header().
  Status set_last_id(const StreamId& id, int64_t entries_added, const StreamId& max_deleted);
  // Redis's logical read counter of `id` (kEntriesReadInvalid when it cannot be known).
  int64_t estimate_read_counter(const StreamId& id) const;
  // XINFO's lag of a group, or false when it cannot be known.
  bool group_lag(const GroupRecord& g, int64_t& lag) const;
  // Whether XDELs left tombstones in [start, end].
  bool range_has_tombstones(const StreamId& start, const StreamId& end) const;

  // ---- idempotent producers (stream_idmp.cpp) ----
  // IDMPAUTO's idempotent id: a 128-bit hash of the field/value pairs, whatever their order.
  static std::string idmp_auto_iid(std::span<const std::string_view> pairs);
  // The entry id `iid` of `pid` was first added as, if it is still inside the window; counts the
  // duplicate.
  Result<bool> idmp_find(std::string_view pid, std::string_view iid, int64_t now_ms,
                         StreamId& first);
  // Records that `iid` of `pid` was added as `id`, evicting what falls out of the window.
  Status idmp_record(std::string_view pid, std::string_view iid, const StreamId& id,
                     int64_t now_ms);
  // XCFGSET: a changed value clears every producer's history (the counters stay).
  Status idmp_configure(int64_t duration_s, int64_t maxsize);

  // ---- groups and consumers (stream_groups.cpp) ----
  Result<bool> group(std::string_view name, GroupRecord& g);
  Status save_group(std::string_view name, const GroupRecord& g) { return put_group(name, g); }
  // Visits groups in name order.
  Status each_group(FunctionRef<void(std::string_view name, const GroupRecord&)> visit);
  // False when the group exists already.
  Result<bool> create_group(std::string_view name, const StreamId& last_id, int64_t entries_read);
  Result<bool> destroy_group(std::string_view name);
  Status set_group_id(std::string_view name, GroupRecord& g, const StreamId& last_id,
                      int64_t entries_read);
  Result<bool> consumer(const GroupRecord& g, std::string_view name, ConsumerRecord& c);
  // Creates the consumer if missing (true when it did, only if `create`); refreshes its seen
  // time otherwise.
  Result<bool> touch_consumer(std::string_view group_name, GroupRecord& g, std::string_view name,
                              int64_t now_ms, ConsumerRecord& c, bool refresh = true,
                              bool create = true);
  Status each_consumer(const GroupRecord& g,
                       FunctionRef<void(std::string_view name, const ConsumerRecord&)> visit);
  // Deletes a consumer and its pending entries; returns how many it had, -1 when absent.
  Result<int64_t> delete_consumer(std::string_view group_name, GroupRecord& g,
                                  std::string_view name);

  // XREADGROUP ... >: hands out up to `count` (0: all) entries after the group's last id to the
  // consumer, recording them as pending unless `noack`.
  Result<uint64_t> deliver_new(std::string_view group_name, GroupRecord& g,
                               std::string_view consumer, uint64_t count, bool noack,
                               int64_t now_ms, EntryVisitor visit);
  // XREADGROUP with an id: the consumer's pending entries after `after`, delivery counts
  // bumped; entries deleted from the stream are visited with a reader whose ok() is false.
  Result<uint64_t> deliver_history(std::string_view group_name, GroupRecord& g,
                                   std::string_view consumer, const StreamId& after, uint64_t count,
                                   int64_t now_ms, EntryVisitor visit);
  // XACK: removes the ids from the PEL; returns how many were pending.
  Result<int64_t> ack(std::string_view group_name, GroupRecord& g, std::span<const StreamId> ids);
  // Visits the group's PEL from `start` to `end`, or one consumer's (cid != 0), at most `count`.
  Status pending(const GroupRecord& g, uint64_t cid, const StreamId& start, const StreamId& end,
                 uint64_t count, FunctionRef<bool(const PendingView&)> visit);
  // First and last pending ids; false when the PEL is empty.
  Result<bool> pending_bounds(const GroupRecord& g, StreamId& first, StreamId& last);

  // ---- queue policy (stream_queue.cpp) ----
  // XREADGROUP ... > in a group with VISIBILITY, or with CLAIM: hands the consumer up to `count`
  // (0: all) pending entries idle for at least `min_idle_ms`, longest idle first, before any new
  // entry. Entries past the group's MAXDELIVERIES are dead-lettered instead; entries deleted
  // from the stream leave the PEL.
  // `drop_deleted`: entries deleted from the stream leave the PEL (else they are skipped, as
  // Redis's CLAIM does).
  Result<uint64_t> redeliver(std::string_view group_name, GroupRecord& g, std::string_view consumer,
                             uint64_t count, int64_t min_idle_ms, bool drop_deleted, int64_t now_ms,
                             ClaimVisitor visit);
  // XNACK: releases pending entries from their consumers (SILENT gives the delivery back, FAIL
  // keeps it, FATAL marks the entry failed for good and dead-letters it in a group with a
  // dead-letter policy). Released entries go out again `delay_ms` from now (0: at once) to the
  // next reader that redelivers. Returns how many were released.
  enum class NackMode { Silent, Fail, Fatal };
  Result<int64_t> nack(std::string_view group_name, GroupRecord& g, NackMode mode,
                       std::span<const StreamId> ids, int64_t retry_count, bool force,
                       int64_t delay_ms, int64_t now_ms);
  // Whether redeliver() would find something now.
  Result<bool> has_redeliverable(const GroupRecord& g, int64_t min_idle_ms, int64_t now_ms);
  // Moves pending entries to the group's dead-letter stream with their fields and dlq-*
  // metadata and removes them from the PEL, in the same transaction.
  Status dead_letter(std::string_view group_name, GroupRecord& g, std::span<const StreamId> ids,
                     int64_t now_ms);
  // XREDRIVE: moves up to `count` (0: all) entries of the dead-letter stream `dlq`, oldest
  // first, back to the streams they came from. `on_target` hears each stream written to.
  Result<uint64_t> redrive(int db, std::string_view dlq, uint64_t count, int64_t now_ms,
                           FunctionRef<void(std::string_view key)> on_target);
  QueueStats& queue_stats() { return queue_stats_; }
  // The counters are kept in the sys table, written with the batch that changed them.
  Status load_queue_stats();
  void clear_queue_stats() {
    queue_stats_ = QueueStats{};
    stats_dirty_ = true;  // the zeros go to disk with the batch
  }
  void reset_queue_stats() {
    queue_stats_ = QueueStats{};
    stats_dirty_ = false;
  }
  Status save_queue_stats();
  // XACKDEL/XDELEX ... ACKED: whether a group still needs the entry (some group has not had it
  // delivered yet, or it is pending somewhere).
  Result<bool> referenced(const StreamId& id);
  // ... DELREF: removes the entry from every group's PEL.
  Status drop_references(const StreamId& id);
  // The stream dead-lettered entries of `g` go to, and whether it can take them (absent, or a
  // stream).
  std::string deadletter_key(const GroupRecord& g) const;
  Result<bool> deadletter_writable(const GroupRecord& g, int64_t now_ms);

  struct ClaimOptions {
    int64_t min_idle_ms = 0;
    int64_t delivery_ms = -1;  // -1: now
    int64_t retry_count = -1;  // -1: increment (unless justid)
    bool force = false;
    bool justid = false;
  };
  // XCLAIM of one id. Returns Claimed, Skipped (not pending, or not idle long enough), or
  // Deleted (the entry is gone from the stream: its PEL record was dropped). `owner` receives the
  // claimer's consumer record, reloaded for every id.
  enum class ClaimOutcome { Claimed, Skipped, Deleted };
  Result<ClaimOutcome> claim(std::string_view group_name, GroupRecord& g, std::string_view consumer,
                             const StreamId& id, const ClaimOptions& opts, int64_t now_ms,
                             ConsumerRecord& owner);
  // XAUTOCLAIM's walk: from `start`, at most `count` claimed or deleted, `attempts` PEL records
  // looked at. Visits claimed ids (deleted ones go to on_deleted); returns the next cursor.
  Result<StreamId> autoclaim(std::string_view group_name, GroupRecord& g, std::string_view consumer,
                             const StreamId& start, uint64_t count, uint64_t attempts,
                             const ClaimOptions& opts, int64_t now_ms,
                             FunctionRef<void(const StreamId&)> on_claimed,
                             FunctionRef<void(const StreamId&)> on_deleted);

 private:
  Status save_header();
  // Walks records whose key starts with `prefix`, from `from` on; fn returns false to stop.
  Status walk_records(std::string_view prefix, std::string_view from,
                      FunctionRef<bool(std::string_view key, std::string_view value)> fn);
  // Walks entries from start to end (or back); fn returns false to stop. Returns the number seen.
  Result<uint64_t> walk(const StreamId& start, const StreamId& end, bool rev,
                        FunctionRef<bool(const StreamId&, std::string_view value)> fn);
  Status put(const std::string& k, std::string_view v);
  Status del(const std::string& k);
  Result<bool> get(const std::string& k, std::string_view& v);
  Status put_group(std::string_view name, const GroupRecord& g);
  Status put_consumer(uint64_t gid, std::string_view name, const ConsumerRecord& c);
  Status delete_entry_record(const StreamId& id);
  // Moves a pending entry to `consumer` (`old` null: a record made from scratch), fixing both
  // consumers' PEL indexes and counts, and marks the owner active at `now_ms`.
  Status reassign(GroupRecord& g, const StreamId& id, const PelRecord* old,
                  std::string_view consumer, ConsumerRecord& owner, int64_t now_ms,
                  int64_t delivery_ms, uint64_t delivery_count);
  // Loads the PEL record of `id`, copying the owner's name into `owner` (LMDB's memory does not
  // outlive the next write) and pointing rec.consumer at it.
  Result<bool> load_pending(const GroupRecord& g, const StreamId& id, PelRecord& rec,
                            std::string& owner);
  // Writes a PEL record and its delivery-time index entry, replacing `old`'s index entry.
  Status write_pending(GroupRecord& g, const StreamId& id, const PelRecord* old,
                       int64_t delivery_ms, uint64_t count, std::string_view consumer);
  // Removes a pending entry from its consumer's own PEL (the group PEL keeps it).
  Status detach(const GroupRecord& g, const StreamId& id, std::string_view consumer);
  Result<bool> first_due(const GroupRecord& g, bool owned, int64_t& time);
  Status drop_pending(GroupRecord& g, const StreamId& id, const PelRecord& rec);
  void first_id_after_removal();
  // The node of a live entry, 0 when there is no such entry.
  uint64_t node_of(const StreamId& id);
  // Redelivery (stream_queue.cpp): what is due, from a read-only walk before the PEL changes.
  Status plan_redelivery(const GroupRecord& g, uint64_t count, int64_t min_idle_ms,
                         bool drop_deleted, int64_t now_ms, RedeliveryPlan& plan);
  // Trimming (stream_trim.cpp): where the cut falls, walking in from both ends at once or (for
  // LIMIT) node by node from the first; then the records under the new floor are deleted at once
  // when few, else queued for reclaim.
  Status find_cut(const StreamTrim& t, TrimCut& cut);
  Status cut_by_nodes(const StreamTrim& t, TrimCut& cut);
  Status drop_trimmed(const StreamId& old_floor, uint64_t removed);
  Result<bool> delete_trimmed(uint64_t data_id, TrimReclaim& r, size_t budget);
  // The keyspace's reclaim hook for a stream's trimmed entries.
  bool reclaim_trimmed(std::string_view key, std::string_view value, size_t budget,
                       std::string& resume);

  LmdbEnv& env_;
  Keyspace& keys_;
  KeyEntry entry_;
  StreamHeader head_;
  int db_ = 0;
  std::string key_;  // the open stream, to return to after writing to a dead-letter stream
  QueueStats queue_stats_;
  bool stats_dirty_ = false;
  uint64_t node_max_bytes_ = 4096, node_max_entries_ = 100;
  uint64_t idmp_default_duration_ = 100, idmp_default_maxsize_ = 100;
  Status idmp_evict_head(uint64_t pid_hash, std::string& producer_value);
  Status idmp_evict_due(uint64_t pid_hash, std::string& producer_value, int64_t now_ms);
  std::string k_, v_, k2_, ek_, fields_;  // scratch: no allocation per command once warm
};

}  // namespace postbox
