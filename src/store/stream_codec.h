// How a stream lives in LMDB. Every record sits in the elems table under the key's data id, so
// deleting a stream reclaims it all by prefix, like a list:
//
//   [id:8][0x00]                               header: length, last/first/max-deleted ids,
//                                              entries added, group count, node emulation
//   [id:8][0x01][entry id:16]                  entry: [node][n]([len][field][len][value])*
//   [id:8][0x02][group name]                   group: gid, last-delivered id, entries-read,
//                                              PEL size, consumer count
//   [id:8][0x03][gid:8][entry id:16]           group PEL: delivery time, delivery count, owner
//   [id:8][0x04][gid:8][consumer name]         consumer: cid, seen/active time, PEL size
//   [id:8][0x05][gid:8][cid:8][entry id:16]    the consumer's own PEL (an index, empty value)
//   [id:8][0x07][h(pid):8]                     IDMP producer: iid count, FIFO head/tail, pid
//   [id:8][0x08][h(pid):8][h(iid):16]          IDMP iid -> the entry id it was added as
//   [id:8][0x09][h(pid):8][seq:8]              the producer's iids in insertion order
//   [id:8][0x06][gid:8][owned:1][time:8][entry id:16]
//                                              the group's PEL in redelivery order: first the
//                                              entries XNACK released (owned 0, time = when
//                                              they may go out again), then owned ones by last
//                                              delivery, so those idle longest (VISIBILITY,
//                                              CLAIM) are found without scanning the PEL
//
// Entry ids are 16 bytes big endian, so a cursor walks a stream, a PEL or a consumer's PEL in id
// order: XADD, XACK and every entry XREADGROUP hands out cost O(log N); ranges and PEL scans are
// cursor walks that never load more than they return. Groups and consumers sort by name, the
// order Redis's radix trees give them.
//
// Redis stores entries in listpack "nodes" of at most stream-node-max-entries entries and about
// stream-node-max-bytes bytes, and `~` trimming only drops whole nodes. Each entry records the
// node Redis would have put it in (estimated from the same limits), so approximate trimming
// removes what Redis removes. Node numbers only grow: an entry goes to the node of a live entry
// or to a new node numbered above every record of the stream.
//
// Trimming is logical: it moves the header's floor, and every entry record at or below it is
// gone, whatever its id. The floor is a (node, id) pair compared in that order: live entries sit
// above it in both, since they were added after the trimmed ones, and so does an entry added
// after XSETID moved an empty stream's last id below the floor id (it opens a new node). No live
// entry has an id at or below the floor id, so reads start just above it. The records below the
// floor are deleted later, a bounded number per loop iteration, from a record in the keyspace's
// reclaim table (see keyspace.h):
//
//   [id:8][0x01] -> [type:1][floor node:8][floor id:16][from id:16][to id:16]
//                   entry records in [from, to] at or below the floor are still to be deleted
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/stream_id.h"

namespace postbox {

enum class StreamTag : uint8_t {
  Header = 0,
  Entry = 1,
  Group = 2,
  Pel = 3,
  Consumer = 4,
  ConsumerPel = 5,
  PelTime = 6,
  IdmpProducer = 7,
  IdmpIid = 8,
  IdmpOrder = 9
};

// Entry records at or below the floor, comparing (node, id), are trimmed (see above).
struct TrimFloor {
  uint64_t node = 0;
  StreamId id;

  bool covers(uint64_t entry_node, const StreamId& entry_id) const {
    return entry_node < node || (entry_node == node && entry_id <= id);
  }
  bool is_zero() const { return node == 0 && id.is_zero(); }
};

struct StreamHeader {
  uint64_t length = 0;
  uint64_t entries_added = 0;
  StreamId last_id, first_id, max_deleted;
  uint64_t groups = 0;
  uint64_t next_gid = 1;
  // Node emulation: the tail node's number, entries (live and deleted), estimated listpack
  // bytes and master fields; how many nodes hold live entries.
  uint64_t nodes = 0;
  uint64_t tail_node = 0;
  uint64_t tail_entries = 0;
  uint64_t tail_bytes = 0;
  StreamId tail_master;  // the id the tail node's entries are delta-encoded against
  // Idempotent producers (XADD IDMP, Redis 8.6): the window and what it saw.
  uint64_t idmp_duration_s = 100;
  uint64_t idmp_maxsize = 100;
  uint64_t pids_tracked = 0, iids_tracked = 0, iids_added = 0, iids_duplicates = 0;
  uint64_t idmp_used = 0;   // XINFO STREAM shows the IDMP fields once a stream used them
  std::string tail_fields;  // the node's master field names, as entry_fields encodes them
  // Encoded after tail_fields, and only when set: a header without it has floor 0-0 in node 0,
  // below every entry.
  TrimFloor floor;
};

// What is left to delete of a stream's trimmed entries (the reclaim record above).
struct TrimReclaim {
  TrimFloor floor;
  StreamId from, to;
};

constexpr int64_t kEntriesReadInvalid = -1;
// A released entry's time below this is its release sequence number, not a clock time: Redis
// shows such entries with delivery time 0.
constexpr int64_t kReleaseOrderLimit = int64_t{1} << 40;

struct GroupRecord {
  uint64_t gid = 0;
  StreamId last_id;
  int64_t entries_read = kEntriesReadInvalid;
  uint64_t pel_count = 0;
  uint64_t consumers = 0;
  uint64_t next_cid = 1;
  // Postbox's queue policy (0: off) and what it did.
  int64_t visibility_ms = 0;
  int64_t max_deliveries = 0;
  uint64_t dead_lettered = 0;
  // Entries XNACK released (no owner), and the sequence that keeps them in release order.
  uint64_t released = 0;
  uint64_t release_seq = 0;
  std::string deadletter;  // the dead-letter stream; empty: "<key>:dlq"

  bool has_policy() const {
    return visibility_ms || max_deliveries || dead_lettered || !deadletter.empty();
  }
};

struct ConsumerRecord {
  uint64_t cid = 0;
  int64_t seen_ms = 0;
  int64_t active_ms = -1;  // -1: never did anything but exist
  uint64_t pel_count = 0;
};

struct PelRecord {
  int64_t delivery_ms = 0;
  uint64_t delivery_count = 0;
  std::string_view consumer;
};

// Record keys. `out` is overwritten.
void stream_header_key(uint64_t data_id, std::string& out);
void stream_entry_key(uint64_t data_id, const StreamId& id, std::string& out);
void stream_group_key(uint64_t data_id, std::string_view group, std::string& out);
void stream_pel_key(uint64_t data_id, uint64_t gid, const StreamId& id, std::string& out);
void stream_consumer_key(uint64_t data_id, uint64_t gid, std::string_view name, std::string& out);
void stream_pel_time_key(uint64_t data_id, uint64_t gid, bool owned, int64_t time_ms,
                         const StreamId& id, std::string& out);
void stream_consumer_pel_key(uint64_t data_id, uint64_t gid, uint64_t cid, const StreamId& id,
                             std::string& out);
// The reclaim table key of a stream's trimmed entries: the prefix of its entry keys.
void stream_trim_reclaim_key(uint64_t data_id, std::string& out);
// The id at the end of an entry / PEL / consumer-PEL key.
StreamId stream_key_id(std::string_view key);

void encode_stream_header(const StreamHeader& h, std::string& out);
bool decode_stream_header(std::string_view v, StreamHeader& h);
void encode_group(const GroupRecord& g, std::string& out);
bool decode_group(std::string_view v, GroupRecord& g);
void encode_consumer(const ConsumerRecord& c, std::string& out);
bool decode_consumer(std::string_view v, ConsumerRecord& c);
void encode_pel(int64_t delivery_ms, uint64_t count, std::string_view consumer, std::string& out);
bool decode_pel(std::string_view v, PelRecord& p);
void encode_trim_reclaim(const TrimReclaim& r, std::string& out);
bool decode_trim_reclaim(std::string_view v, TrimReclaim& r);

// Entry values: the node number, then the field/value pairs.
void encode_entry(uint64_t node, const std::string_view* pairs, size_t n_pairs, std::string& out);
// Reads an encoded entry: node(), then next() for each pair until it returns false.
class EntryReader {
 public:
  explicit EntryReader(std::string_view v);
  bool ok() const { return ok_; }
  uint64_t node() const { return node_; }
  uint64_t pairs() const { return pairs_; }
  bool next(std::string_view& field, std::string_view& value);

 private:
  bool read_bytes(std::string_view& out);
  std::string_view rest_;
  uint64_t node_ = 0, pairs_ = 0, read_ = 0;
  bool ok_ = true;
};

// The field names of an entry, encoded for comparison with a node's master fields.
void entry_fields(const std::string_view* pairs, size_t n_pairs, std::string& out);
// How many leading bytes of `encoded` entry_fields wrote; npos when they are not its encoding.
size_t entry_fields_size(std::string_view encoded);
// About how many bytes Redis's listpack needs for an entry: with its field names, or (when they
// equal the node's master fields) without; and for a new node's header and master entry.
size_t listpack_entry_bytes(const std::string_view* pairs, size_t n_pairs, bool same_fields,
                            const StreamId& id, const StreamId& master);
size_t listpack_node_bytes(const std::string_view* pairs, size_t n_pairs);

}  // namespace postbox
