#include "store/key_codec.h"

#include <cstring>

namespace postbox {

std::string_view type_name(KeyType t) {
  switch (t) {
    case KeyType::String:
      return "string";
    case KeyType::List:
      return "list";
    case KeyType::Hash:
      return "hash";
    case KeyType::Set:
      return "set";
    case KeyType::ZSet:
      return "zset";
    case KeyType::Stream:
      return "stream";
    default:
      return "none";
  }
}

// FNV-1a with a final avalanche: stable across builds and restarts (it is persisted), and
// collisions are handled, so it needs to spread keys, not resist attackers.
uint64_t key_hash(std::string_view key) {
  return seeded_hash(key, 0);
}

uint64_t seeded_hash(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

void put_u64_be(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t get_u64_be(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

static void put_i64_le(char* p, int64_t v) {
  std::memcpy(p, &v, 8);
}
static int64_t get_i64_le(const char* p) {
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

void encode_meta_key(uint8_t phys_db, std::string_view key, uint8_t seq, std::string& out) {
  bool is_long = key.size() > kShortKeyMax;
  out.resize(kMetaKeyHeader + (is_long ? kShortKeyMax + 1 : key.size()));
  out[0] = static_cast<char>(phys_db);
  put_u64_be(out.data() + 1, key_hash(key));
  if (is_long) {
    std::memcpy(out.data() + kMetaKeyHeader, key.data(), kShortKeyMax);
    out[kMetaKeyHeader + kShortKeyMax] = static_cast<char>(seq);
  } else if (!key.empty()) {
    std::memcpy(out.data() + kMetaKeyHeader, key.data(), key.size());
  }
}

void encode_meta_value(const KeyMeta& m, std::string_view long_key, std::string& out) {
  out.resize(kMetaValueHeader + long_key.size());
  out[0] = static_cast<char>(m.type);
  put_i64_le(out.data() + 1, m.expire_at_ms);
  std::memcpy(out.data() + 9, &m.id, 8);
  put_i64_le(out.data() + 17, m.a);
  put_i64_le(out.data() + 25, m.b);
  if (!long_key.empty())
    std::memcpy(out.data() + kMetaValueHeader, long_key.data(), long_key.size());
}

bool decode_meta_value(std::string_view v, KeyMeta& m) {
  if (v.size() < kMetaValueHeader) return false;
  m.type = static_cast<KeyType>(v[0]);
  m.expire_at_ms = get_i64_le(v.data() + 1);
  std::memcpy(&m.id, v.data() + 9, 8);
  m.a = get_i64_le(v.data() + 17);
  m.b = get_i64_le(v.data() + 25);
  return true;
}

std::string_view user_key_of(std::string_view meta_key, std::string_view meta_value) {
  if (is_long_meta_key(meta_key)) return meta_value.substr(kMetaValueHeader);
  return meta_key.substr(kMetaKeyHeader);
}

void encode_expire_key(int64_t at_ms, std::string_view meta_key, std::string& out) {
  out.resize(8 + meta_key.size());
  put_u64_be(out.data(), static_cast<uint64_t>(at_ms));
  std::memcpy(out.data() + 8, meta_key.data(), meta_key.size());
}

void encode_elem_key(uint64_t id, int64_t index, char out[16]) {
  put_u64_be(out, id);
  put_u64_be(out + 8, static_cast<uint64_t>(index) ^ (1ull << 63));
}

}  // namespace postbox
