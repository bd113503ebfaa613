// The (db, key) pair as one string, the map key of the per-key registries (blocked clients,
// WATCH). Written into a caller's buffer so lookups on the hot path allocate nothing.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

namespace postbox {

inline const std::string& encode_db_key(int db, std::string_view key, std::string& out) {
  out.resize(sizeof db + key.size());
  std::memcpy(out.data(), &db, sizeof db);
  if (!key.empty()) std::memcpy(out.data() + sizeof db, key.data(), key.size());
  return out;
}

inline int db_of(std::string_view encoded) {
  int db;
  std::memcpy(&db, encoded.data(), sizeof db);
  return db;
}

inline std::string_view key_of(std::string_view encoded) {
  return encoded.substr(sizeof(int));
}

}  // namespace postbox
