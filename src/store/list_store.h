// Redis lists on the keyspace. A list is a key of type List whose meta holds the index range
// [a, b) in use; element i lives at [id:8 BE][a + i] in the elems table. Push and pop at either
// end touch one element and the meta record: O(1) whatever the length. LINDEX is O(1), LRANGE
// a cursor walk from the first index asked for.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "store/keyspace.h"
#include "util/function_ref.h"
#include "util/status.h"

namespace postbox {

enum class ListEnd { Head, Tail };

extern const char* const kWrongTypeError;

class ListStore {
 public:
  ListStore(LmdbEnv& env, Keyspace& keys) : env_(env), keys_(keys) {}

  // Appends at one end; with only_if_exists an absent key stays absent and 0 is returned.
  Result<int64_t> push(int db, std::string_view key, ListEnd end,
                       std::span<const std::string_view> values, bool only_if_exists,
                       int64_t now_ms);
  // Removes up to `count` elements from one end. `on_count` gets the number about to be popped
  // (-1 when the key is absent), then `on_elem` each element before it is deleted, so callers
  // can write replies without copying. Deletes the key when the list empties.
  Status pop(int db, std::string_view key, ListEnd end, int64_t count, int64_t now_ms,
             FunctionRef<void(int64_t)> on_count, FunctionRef<void(std::string_view)> on_elem);
  Result<int64_t> length(int db, std::string_view key, int64_t now_ms);
  // Visits elements start..stop (Redis's inclusive, negative-from-the-end indexes).
  Status range(int db, std::string_view key, int64_t start, int64_t stop, int64_t now_ms,
               FunctionRef<void(int64_t)> on_count, FunctionRef<void(std::string_view)> on_elem);
  // Calls on_elem with element `index` if it exists; returns whether it did.
  Result<bool> index(int db, std::string_view key, int64_t index, int64_t now_ms,
                     FunctionRef<void(std::string_view)> on_elem);

 private:
  // Finds the key and checks its type; e.found is false for an absent key.
  Status find_list(int db, std::string_view key, int64_t now_ms);

  LmdbEnv& env_;
  Keyspace& keys_;
  KeyEntry entry_;  // reused between calls: no allocation per command
};

}  // namespace postbox
