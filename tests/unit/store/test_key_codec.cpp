#include <doctest/doctest.h>

#include <string>

#include "store/key_codec.h"

using namespace postbox;

TEST_CASE("short keys are stored verbatim after the db and hash") {
  std::string mk;
  encode_meta_key(3, "queue:jobs", 0, mk);
  CHECK(mk.size() == kMetaKeyHeader + 10);
  CHECK(meta_key_db(mk) == 3);
  CHECK(meta_key_hash(mk) == key_hash("queue:jobs"));
  CHECK(user_key_of(mk, "") == "queue:jobs");
  CHECK_FALSE(is_long_meta_key(mk));
}

TEST_CASE("keys beyond LMDB's 511-byte limit map to bounded meta keys") {
  std::string key(100000, 'k');
  std::string mk;
  encode_meta_key(0, key, 7, mk);
  CHECK(mk.size() < 511);
  CHECK(is_long_meta_key(mk));
  CHECK(static_cast<unsigned char>(mk.back()) == 7);
  KeyMeta m;
  m.type = KeyType::List;
  std::string value;
  encode_meta_value(m, key, value);
  CHECK(user_key_of(mk, value) == key);
}

TEST_CASE("meta values round-trip every field") {
  KeyMeta m;
  m.type = KeyType::List;
  m.expire_at_ms = 1700000000123;
  m.id = 99;
  m.a = -5;
  m.b = 12;
  std::string v;
  encode_meta_value(m, "", v);
  KeyMeta back;
  REQUIRE(decode_meta_value(v, back));
  CHECK(back.type == KeyType::List);
  CHECK(back.expire_at_ms == m.expire_at_ms);
  CHECK(back.id == 99);
  CHECK(back.a == -5);
  CHECK(back.b == 12);
}

TEST_CASE("element keys sort by list id, then by signed index") {
  char a[16], b[16], c[16];
  encode_elem_key(1, -3, a);
  encode_elem_key(1, 2, b);
  encode_elem_key(2, -100, c);
  CHECK(std::string(a, 16) < std::string(b, 16));
  CHECK(std::string(b, 16) < std::string(c, 16));
}

TEST_CASE("the key hash is stable across builds") {
  // Persisted on disk: changing the function would orphan every stored key.
  CHECK(key_hash("") == key_hash(""));
  CHECK(key_hash("a") != key_hash("b"));
  CHECK(key_hash("mylist") == 5434841281236914945ull);
}
