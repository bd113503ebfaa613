#include "store/stream_codec.h"

#include <cstring>

#include "store/key_codec.h"
#include "util/strconv.h"

namespace postbox {
namespace {

void key_prefix(uint64_t data_id, StreamTag tag, std::string& out) {
  out.resize(9);
  put_u64_be(out.data(), data_id);
  out[8] = static_cast<char>(tag);
}

void append_id(std::string& out, const StreamId& id) {
  char b[16];
  encode_stream_id(id, b);
  out.append(b, 16);
}

void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool read_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    auto b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Fixed-width fields read in order; a short value leaves the remaining fields at their
// defaults, so records written by older versions still decode.
struct FixedReader {
  std::string_view in;
  bool u64(uint64_t& v) {
    if (in.size() < 8) return false;
    v = get_u64_be(in.data());
    in.remove_prefix(8);
    return true;
  }
  bool i64(int64_t& v) {
    uint64_t u;
    if (!u64(u)) return false;
    v = static_cast<int64_t>(u);
    return true;
  }
  bool id(StreamId& v) {
    if (in.size() < 16) return false;
    v = decode_stream_id(in.data());
    in.remove_prefix(16);
    return true;
  }
};

}  // namespace

void stream_header_key(uint64_t data_id, std::string& out) {
  key_prefix(data_id, StreamTag::Header, out);
}

void stream_entry_key(uint64_t data_id, const StreamId& id, std::string& out) {
  key_prefix(data_id, StreamTag::Entry, out);
  append_id(out, id);
}

void stream_group_key(uint64_t data_id, std::string_view group, std::string& out) {
  key_prefix(data_id, StreamTag::Group, out);
  out.append(group);
}

void stream_pel_key(uint64_t data_id, uint64_t gid, const StreamId& id, std::string& out) {
  key_prefix(data_id, StreamTag::Pel, out);
  append_u64(out, gid);
  append_id(out, id);
}

void stream_consumer_key(uint64_t data_id, uint64_t gid, std::string_view name, std::string& out) {
  key_prefix(data_id, StreamTag::Consumer, out);
  append_u64(out, gid);
  out.append(name);
}

void stream_pel_time_key(uint64_t data_id, uint64_t gid, bool owned, int64_t time_ms,
                         const StreamId& id, std::string& out) {
  key_prefix(data_id, StreamTag::PelTime, out);
  append_u64(out, gid);
  out.push_back(owned ? 1 : 0);
  append_u64(out, static_cast<uint64_t>(time_ms < 0 ? 0 : time_ms));
  append_id(out, id);
}

void stream_consumer_pel_key(uint64_t data_id, uint64_t gid, uint64_t cid, const StreamId& id,
                             std::string& out) {
  key_prefix(data_id, StreamTag::ConsumerPel, out);
  append_u64(out, gid);
  append_u64(out, cid);
  append_id(out, id);
}

void stream_trim_reclaim_key(uint64_t data_id, std::string& out) {
  key_prefix(data_id, StreamTag::Entry, out);
}

StreamId stream_key_id(std::string_view key) {
  return decode_stream_id(key.data() + key.size() - 16);
}

void encode_stream_header(const StreamHeader& h, std::string& out) {
  out.clear();
  append_u64(out, h.length);
  append_u64(out, h.entries_added);
  append_id(out, h.last_id);
  append_id(out, h.first_id);
  append_id(out, h.max_deleted);
  append_u64(out, h.groups);
  append_u64(out, h.next_gid);
  append_u64(out, h.nodes);
  append_u64(out, h.tail_node);
  append_u64(out, h.tail_entries);
  append_u64(out, h.tail_bytes);
  append_id(out, h.tail_master);
  for (uint64_t v : {h.idmp_duration_s, h.idmp_maxsize, h.pids_tracked, h.iids_tracked,
                     h.iids_added, h.iids_duplicates, h.idmp_used}) {
    append_u64(out, v);
  }
  if (h.floor.is_zero()) {
    out.append(h.tail_fields);  // byte for byte what versions without the floor wrote
    return;
  }
  // The floor follows the field names, which entry_fields delimits itself; a stream that never
  // had an entry has none, written as zero names so that the floor still starts where it should.
  out.append(h.tail_fields.empty() ? std::string_view("\0", 1) : std::string_view(h.tail_fields));
  append_u64(out, h.floor.node);
  append_id(out, h.floor.id);
}

bool decode_stream_header(std::string_view v, StreamHeader& h) {
  FixedReader r{v};
  bool ok = r.u64(h.length) && r.u64(h.entries_added) && r.id(h.last_id) && r.id(h.first_id) &&
            r.id(h.max_deleted) && r.u64(h.groups) && r.u64(h.next_gid) && r.u64(h.nodes) &&
            r.u64(h.tail_node) && r.u64(h.tail_entries) && r.u64(h.tail_bytes) &&
            r.id(h.tail_master) && r.u64(h.idmp_duration_s) && r.u64(h.idmp_maxsize) &&
            r.u64(h.pids_tracked) && r.u64(h.iids_tracked) && r.u64(h.iids_added) &&
            r.u64(h.iids_duplicates) && r.u64(h.idmp_used);
  if (!ok) return false;
  std::string_view rest = r.in;
  size_t names = entry_fields_size(rest);
  h.floor = TrimFloor{};
  if (names != std::string_view::npos && rest.size() - names == 24) {
    FixedReader fr{rest.substr(names)};
    fr.u64(h.floor.node);
    fr.id(h.floor.id);
    rest = rest.substr(0, names);
    if (rest.size() == 1 && rest[0] == 0) rest = {};  // no entry ever added (see encode)
  }
  h.tail_fields.assign(rest);
  return true;
}

void encode_group(const GroupRecord& g, std::string& out) {
  out.clear();
  append_u64(out, g.gid);
  append_id(out, g.last_id);
  append_u64(out, static_cast<uint64_t>(g.entries_read));
  append_u64(out, g.pel_count);
  append_u64(out, g.consumers);
  append_u64(out, g.next_cid);
  append_u64(out, static_cast<uint64_t>(g.visibility_ms));
  append_u64(out, static_cast<uint64_t>(g.max_deliveries));
  append_u64(out, g.dead_lettered);
  append_u64(out, g.released);
  append_u64(out, g.release_seq);
  out.append(g.deadletter);
}

bool decode_group(std::string_view v, GroupRecord& g) {
  FixedReader r{v};
  if (!(r.u64(g.gid) && r.id(g.last_id) && r.i64(g.entries_read) && r.u64(g.pel_count) &&
        r.u64(g.consumers) && r.u64(g.next_cid))) {
    return false;
  }
  // The policy fields came later: a record without them is a group without a policy.
  if (r.i64(g.visibility_ms) && r.i64(g.max_deliveries) && r.u64(g.dead_lettered) &&
      r.u64(g.released) && r.u64(g.release_seq)) {
    g.deadletter.assign(r.in);
  }
  return true;
}

void encode_consumer(const ConsumerRecord& c, std::string& out) {
  out.clear();
  append_u64(out, c.cid);
  append_u64(out, static_cast<uint64_t>(c.seen_ms));
  append_u64(out, static_cast<uint64_t>(c.active_ms));
  append_u64(out, c.pel_count);
}

bool decode_consumer(std::string_view v, ConsumerRecord& c) {
  FixedReader r{v};
  return r.u64(c.cid) && r.i64(c.seen_ms) && r.i64(c.active_ms) && r.u64(c.pel_count);
}

void encode_pel(int64_t delivery_ms, uint64_t count, std::string_view consumer, std::string& out) {
  out.clear();
  append_u64(out, static_cast<uint64_t>(delivery_ms));
  append_u64(out, count);
  out.append(consumer);
}

bool decode_pel(std::string_view v, PelRecord& p) {
  FixedReader r{v};
  if (!r.i64(p.delivery_ms) || !r.u64(p.delivery_count)) return false;
  p.consumer = r.in;
  return true;
}

void encode_trim_reclaim(const TrimReclaim& r, std::string& out) {
  out.assign(1, static_cast<char>(KeyType::Stream));
  append_u64(out, r.floor.node);
  append_id(out, r.floor.id);
  append_id(out, r.from);
  append_id(out, r.to);
}

bool decode_trim_reclaim(std::string_view v, TrimReclaim& r) {
  if (v.empty() || v[0] != static_cast<char>(KeyType::Stream)) return false;
  FixedReader fr{v.substr(1)};
  return fr.u64(r.floor.node) && fr.id(r.floor.id) && fr.id(r.from) && fr.id(r.to);
}

void encode_entry(uint64_t node, const std::string_view* pairs, size_t n_pairs, std::string& out) {
  out.clear();
  append_varint(out, node);
  append_varint(out, n_pairs);
  for (size_t i = 0; i < n_pairs * 2; ++i) {
    append_varint(out, pairs[i].size());
    out.append(pairs[i]);
  }
}

EntryReader::EntryReader(std::string_view v) : rest_(v) {
  ok_ = read_varint(rest_, node_) && read_varint(rest_, pairs_);
}

bool EntryReader::read_bytes(std::string_view& out) {
  uint64_t n;
  if (!read_varint(rest_, n) || n > rest_.size()) return ok_ = false;
  out = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return true;
}

bool EntryReader::next(std::string_view& field, std::string_view& value) {
  if (!ok_ || read_ == pairs_) return false;
  if (!read_bytes(field) || !read_bytes(value)) return false;
  ++read_;
  return true;
}

size_t entry_fields_size(std::string_view encoded) {
  std::string_view in = encoded;
  uint64_t n, len;
  if (!read_varint(in, n)) return std::string_view::npos;
  for (uint64_t i = 0; i < n; ++i) {
    if (!read_varint(in, len) || len > in.size()) return std::string_view::npos;
    in.remove_prefix(len);
  }
  return encoded.size() - in.size();
}

void entry_fields(const std::string_view* pairs, size_t n_pairs, std::string& out) {
  out.clear();
  append_varint(out, n_pairs);
  for (size_t i = 0; i < n_pairs; ++i) {
    append_varint(out, pairs[2 * i].size());
    out.append(pairs[2 * i]);
  }
}

// ---- listpack size estimate (Redis's listpack.c encodings) ----------------------------------

namespace {

size_t backlen_bytes(size_t l) {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

size_t lp_int_bytes(int64_t v) {
  size_t enc = (v >= 0 && v <= 127)                        ? 1
               : (v >= -4096 && v <= 4095)                 ? 2
               : (v >= -32768 && v <= 32767)               ? 3
               : (v >= -8388608 && v <= 8388607)           ? 4
               : (v >= -2147483648LL && v <= 2147483647LL) ? 5
                                                           : 9;
  return enc + backlen_bytes(enc);
}

// Listpacks store strings that are canonical integers as integers.
size_t lp_elem_bytes(std::string_view s) {
  int64_t v;
  if (parse_int64(s, v)) return lp_int_bytes(v);
  size_t hdr = s.size() <= 63 ? 1 : s.size() <= 4095 ? 2 : 5;
  size_t enc = hdr + s.size();
  return enc + backlen_bytes(enc);
}

size_t lp_diff_bytes(uint64_t a, uint64_t b) {
  // Redis appends the difference as a signed 64-bit integer.
  return lp_int_bytes(static_cast<int64_t>(a - b));
}

}  // namespace

size_t listpack_entry_bytes(const std::string_view* pairs, size_t n_pairs, bool same_fields,
                            const StreamId& id, const StreamId& master) {
  size_t n = lp_int_bytes(same_fields ? 2 : 0);  // flags
  n += lp_diff_bytes(id.ms, master.ms) + lp_diff_bytes(id.seq, master.seq);
  if (!same_fields) n += lp_int_bytes(static_cast<int64_t>(n_pairs));
  size_t pieces = n_pairs + 3;
  for (size_t i = 0; i < n_pairs; ++i) {
    if (!same_fields) n += lp_elem_bytes(pairs[2 * i]);
    n += lp_elem_bytes(pairs[2 * i + 1]);
  }
  if (!same_fields) pieces += n_pairs + 1;
  return n + lp_int_bytes(static_cast<int64_t>(pieces));
}

size_t listpack_node_bytes(const std::string_view* pairs, size_t n_pairs) {
  size_t n = 6 + 1;                        // listpack header and end byte
  n += lp_int_bytes(1) + lp_int_bytes(0);  // count, deleted
  n += lp_int_bytes(static_cast<int64_t>(n_pairs));
  for (size_t i = 0; i < n_pairs; ++i) n += lp_elem_bytes(pairs[2 * i]);
  return n + lp_int_bytes(0);  // master terminator
}

}  // namespace postbox
