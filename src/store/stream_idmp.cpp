// Idempotent producers (Redis 8.6's XADD IDMP / IDMPAUTO): a producer retrying a publish gets
// the first id back and nothing is stored twice. Per stream, each producer keeps its last
// `idmp_maxsize` idempotent ids, each for `idmp_duration_s` seconds after the entry it made
// (judged by that entry id's milliseconds, as Redis does). Records are keyed by hashes of the
// producer and idempotent ids (they may be up to 64 KB; LMDB keys stop at 511 bytes) and keep
// the full strings, so a hash collision is never taken for a duplicate.
#include <cstring>
#include <vector>

#include "store/mdb_util.h"
#include "store/stream_store.h"

namespace postbox {
namespace {

void idmp_key(uint64_t data_id, StreamTag tag, uint64_t pid_hash, std::string& out) {
  out.resize(9);
  put_u64_be(out.data(), data_id);
  out[8] = static_cast<char>(tag);
  append_u64(out, pid_hash);
}

void iid_key(uint64_t data_id, uint64_t pid_hash, std::string_view iid, std::string& out) {
  idmp_key(data_id, StreamTag::IdmpIid, pid_hash, out);
  append_u64(out, seeded_hash(iid, 1));
  append_u64(out, seeded_hash(iid, 2));
}

// Producer value: [count:8][head seq:8][next seq:8][pid]
struct Producer {
  uint64_t count = 0, head = 0, next = 0;
  std::string_view pid;
  bool decode(std::string_view v) {
    if (v.size() < 24) return false;
    count = get_u64_be(v.data());
    head = get_u64_be(v.data() + 8);
    next = get_u64_be(v.data() + 16);
    pid = v.substr(24);
    return true;
  }
  void encode(std::string& out, std::string_view name) const {
    out.clear();
    append_u64(out, count);
    append_u64(out, head);
    append_u64(out, next);
    out.append(name);
  }
};

// Iid value: [entry id:16][seq:8][iid]
bool iid_matches(std::string_view v, std::string_view iid, StreamId& id, uint64_t& seq) {
  if (v.size() < 24 || v.substr(24) != iid) return false;
  id = decode_stream_id(v.data());
  seq = get_u64_be(v.data() + 16);
  return true;
}

}  // namespace

std::string StreamStore::idmp_auto_iid(std::span<const std::string_view> pairs) {
  // Each pair hashed on its own, combined by sum and xor: the order of pairs does not matter.
  uint64_t sum1 = 0, sum2 = 0, x1 = 0, x2 = 0;
  std::string buf;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) {
    buf.assign(pairs[i]);
    append_u64(buf, pairs[i].size());
    buf.append(pairs[i + 1]);
    uint64_t a = seeded_hash(buf, 3), b = seeded_hash(buf, 4);
    sum1 += a;
    sum2 += b;
    x1 ^= a;
    x2 ^= b;
  }
  std::string out;
  append_u64(out, sum1 ^ (x2 << 1));
  append_u64(out, sum2 ^ (x1 << 1));
  return out;
}

Result<bool> StreamStore::idmp_find(std::string_view pid, std::string_view iid, int64_t now_ms,
                                    StreamId& first) {
  uint64_t ph = seeded_hash(pid, 0);
  iid_key(entry_.meta.id, ph, iid, k_);
  std::string_view v;
  auto got = get(k_, v);
  if (!got || !*got) return got;
  uint64_t seq;
  if (!iid_matches(v, iid, first, seq)) return false;
  auto window_ms = static_cast<int64_t>(head_.idmp_duration_s * 1000);
  if (static_cast<int64_t>(first.ms) <= now_ms - window_ms) return false;  // out of the window
  ++head_.iids_duplicates;
  Status s = save_header();
  if (!s) return s;
  return true;
}

Status StreamStore::idmp_evict_head(uint64_t pid_hash, std::string& producer_value) {
  Producer p;
  if (!p.decode(producer_value)) return Status::error("ERR corrupt IDMP producer record");
  std::string name(p.pid);
  idmp_key(entry_.meta.id, StreamTag::IdmpOrder, pid_hash, k_);
  append_u64(k_, p.head);
  std::string_view order;
  auto got = get(k_, order);
  if (!got) return got.status();
  Status s;
  if (*got && order.size() == 16) {
    std::string doomed;
    idmp_key(entry_.meta.id, StreamTag::IdmpIid, pid_hash, doomed);
    doomed.append(order);
    if (!(s = del(doomed))) return s;
  }
  if (!(s = del(k_))) return s;
  ++p.head;
  --p.count;
  --head_.iids_tracked;
  p.encode(producer_value, name);
  return Status::ok();
}

// Evicts a producer's oldest ids past the size limit, and whatever at its head has left the time
// window.
Status StreamStore::idmp_evict_due(uint64_t ph, std::string& pval, int64_t now_ms) {
  auto window_ms = static_cast<int64_t>(head_.idmp_duration_s * 1000);
  while (true) {
    Producer cur;
    cur.decode(pval);
    if (cur.count == 0) break;
    bool too_many = cur.count > head_.idmp_maxsize;
    bool too_old = false;
    if (!too_many) {
      idmp_key(entry_.meta.id, StreamTag::IdmpOrder, ph, k_);
      append_u64(k_, cur.head);
      std::string_view order;
      auto o = get(k_, order);
      if (!o) return o.status();
      std::string ik;
      idmp_key(entry_.meta.id, StreamTag::IdmpIid, ph, ik);
      ik.append(order);
      std::string_view row;
      auto r = *o ? get(ik, row) : Result<bool>(false);
      if (!r) return r.status();
      too_old = *r && row.size() >= 16 &&
                static_cast<int64_t>(decode_stream_id(row.data()).ms) <= now_ms - window_ms;
    }
    if (!too_many && !too_old) break;
    Status s = idmp_evict_head(ph, pval);
    if (!s) return s;
  }
  return Status::ok();
}

Status StreamStore::idmp_record(std::string_view pid, std::string_view iid, const StreamId& id,
                                int64_t now_ms) {
  uint64_t ph = seeded_hash(pid, 0);
  std::string pkey, pval;
  idmp_key(entry_.meta.id, StreamTag::IdmpProducer, ph, pkey);
  std::string_view v;
  auto got = get(pkey, v);
  if (!got) return got.status();
  Producer p;
  if (*got && p.decode(v) && p.pid == pid) {
    pval.assign(v);
  } else {
    Producer fresh;
    fresh.encode(pval, pid);
    ++head_.pids_tracked;
  }
  p.decode(pval);
  // A stale row for this iid (out of the window) goes with its FIFO slot before the new one.
  iid_key(entry_.meta.id, ph, iid, k_);
  std::string_view old_row;
  auto had = get(k_, old_row);
  if (!had) return had.status();
  StreamId old_id;
  uint64_t old_seq;
  if (*had && iid_matches(old_row, iid, old_id, old_seq)) {
    std::string slot;
    idmp_key(entry_.meta.id, StreamTag::IdmpOrder, ph, slot);
    append_u64(slot, old_seq);
    Status ds = del(slot);
    if (!ds) return ds;
    if (p.count) --p.count;
    if (head_.iids_tracked) --head_.iids_tracked;
    p.encode(pval, pid);
    iid_key(entry_.meta.id, ph, iid, k_);
  }
  std::string iv;
  char idb[16];
  encode_stream_id(id, idb);
  iv.append(idb, 16);
  append_u64(iv, p.next);
  iv.append(iid);
  Status s = put(k_, iv);
  if (!s) return s;
  std::string hashes = k_.substr(17);
  idmp_key(entry_.meta.id, StreamTag::IdmpOrder, ph, k_);
  append_u64(k_, p.next);
  if (!(s = put(k_, hashes))) return s;
  p.count++;
  p.next++;
  p.encode(pval, pid);
  ++head_.iids_tracked;
  ++head_.iids_added;
  head_.idmp_used = 1;
  if (!(s = idmp_evict_due(ph, pval, now_ms))) return s;
  if (!(s = put(pkey, pval))) return s;
  return save_header();
}

Status StreamStore::idmp_configure(int64_t duration_s, int64_t maxsize) {
  bool changed = false;
  if (duration_s > 0 && static_cast<uint64_t>(duration_s) != head_.idmp_duration_s) {
    head_.idmp_duration_s = static_cast<uint64_t>(duration_s);
    changed = true;
  }
  if (maxsize > 0 && static_cast<uint64_t>(maxsize) != head_.idmp_maxsize) {
    head_.idmp_maxsize = static_cast<uint64_t>(maxsize);
    changed = true;
  }
  head_.idmp_used = 1;
  if (changed) {
    std::vector<std::string> doomed;
    for (StreamTag tag : {StreamTag::IdmpProducer, StreamTag::IdmpIid, StreamTag::IdmpOrder}) {
      std::string prefix(9, '\0');
      put_u64_be(prefix.data(), entry_.meta.id);
      prefix[8] = static_cast<char>(tag);
      Status s = walk_records(prefix, prefix, [&](std::string_view k, std::string_view) {
        doomed.emplace_back(k);
        return true;
      });
      if (!s) return s;
    }
    for (const std::string& k : doomed) {
      Status s = del(k);
      if (!s) return s;
    }
    head_.pids_tracked = 0;
    head_.iids_tracked = 0;
  }
  return save_header();
}

}  // namespace postbox
