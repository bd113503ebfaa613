// How a user key and its metadata are laid out in LMDB.
//
// LMDB keys stop at 511 bytes and Redis keys do not, and SCAN needs a cursor that survives
// inserts. Both are solved by ordering the keyspace by a stable 64-bit hash of the key:
//
//   meta table key   = [phys db:1][hash:8 BE][user key]              user key <= 400 bytes
//                    = [phys db:1][hash:8 BE][first 400 bytes][seq:1] longer keys
//   meta table value = [type:1][expire at ms:8][id:8][a:8][b:8][full key, long keys only]
//   expires key      = [expire at ms:8 BE][meta table key]  -> empty value
//
// A SCAN cursor is simply the next hash to visit, so keys present for the whole iteration are
// always returned. Long keys that share hash and 400-byte prefix are told apart by `seq` and
// the full key stored in the value. `id` names the key's data in the type tables (list
// elements live under [id:8 BE][index]); ids are never reused, so data of a deleted key can be
// reclaimed lazily without ever clashing with a new key of the same name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace postbox {

enum class KeyType : uint8_t {
  None = 0,
  String = 1,
  List = 2,
  Hash = 3,
  Set = 4,
  ZSet = 5,
  Stream = 6
};

std::string_view type_name(KeyType t);

struct KeyMeta {
  KeyType type = KeyType::None;
  int64_t expire_at_ms = 0;  // 0: no expiry
  uint64_t id = 0;
  int64_t a = 0, b = 0;  // type-specific; lists: [a, b) is the index range in use
};

constexpr size_t kShortKeyMax = 400;
constexpr size_t kMetaKeyHeader = 9;  // phys db + hash
constexpr size_t kMetaValueHeader = 33;

// The keyspace's order: stored on disk, so it must never change. Equal to seeded_hash(key, 0).
uint64_t key_hash(std::string_view key);
// The same hash with a seed, for independent hashes of one string (IDMP records).
uint64_t seeded_hash(std::string_view s, uint64_t seed);

void put_u64_be(char* p, uint64_t v);
uint64_t get_u64_be(const char* p);
inline void append_u64(std::string& out, uint64_t v) {
  char b[8];
  put_u64_be(b, v);
  out.append(b, 8);
}

// The meta key for `key`; `seq` only matters for long keys.
void encode_meta_key(uint8_t phys_db, std::string_view key, uint8_t seq, std::string& out);
inline bool is_long_meta_key(std::string_view meta_key) {
  return meta_key.size() == kMetaKeyHeader + kShortKeyMax + 1;
}
inline uint8_t meta_key_db(std::string_view meta_key) {
  return static_cast<uint8_t>(meta_key[0]);
}
inline uint64_t meta_key_hash(std::string_view meta_key) {
  return get_u64_be(meta_key.data() + 1);
}

void encode_meta_value(const KeyMeta& m, std::string_view long_key, std::string& out);
bool decode_meta_value(std::string_view v, KeyMeta& m);
// The user key, from the LMDB key for short keys or the value for long ones.
std::string_view user_key_of(std::string_view meta_key, std::string_view meta_value);

void encode_expire_key(int64_t at_ms, std::string_view meta_key, std::string& out);

// List element key: [id:8 BE][index:8 BE, sign bit flipped so negative indexes sort first].
void encode_elem_key(uint64_t id, int64_t index, char out[16]);

}  // namespace postbox
