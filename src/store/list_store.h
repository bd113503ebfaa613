// Redis lists on the keyspace. A list is a key of type List whose meta holds the index range
// [a, b) in use; element i lives at [id:8 BE][a + i] in the elems table. Push and pop at either
// end touch one element and the meta record: O(1) whatever the length. LINDEX is O(1), LRANGE
// a cursor walk from the first index asked for.
//
// Editing in the middle (list_edit.cpp) keeps the indexes contiguous by shifting whichever side
// needs fewer rewrites:
//
//   LINSERT N before c, in a b c d e f      LREM x, in a x b c d e x f
//   slot  a-1  a  a+1 a+2 a+3 ...           slot  a  a+1 a+2 a+3 a+4 a+5 a+6 a+7
//   was    -   a   b   c   d                was   a   x   b   c   d   e   x   f
//   now    a   b   N   c   d                now   -   a   b   c   d   e   f   -
//   (a and b move down one slot: a - 1)     (b..e, the longest run, stay put)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "store/keyspace.h"
#include "util/function_ref.h"
#include "util/status.h"

namespace postbox {

enum class ListEnd { Head, Tail };
enum class ListSetResult { Done, NoSuchKey, OutOfRange };

// LPOS options, already validated: rank != 0 (negative searches from the tail), count 0 means
// every match, maxlen 0 means no limit on the elements compared.
struct ListPosQuery {
  int64_t rank = 1;
  int64_t count = 1;
  int64_t maxlen = 0;
};

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

  // The editing commands (list_edit.cpp). Indexes follow Redis: negative counts from the end.
  // Overwrites element `index` in O(1).
  Result<ListSetResult> set(int db, std::string_view key, int64_t index, std::string_view value,
                            int64_t now_ms);
  // Inserts `value` before (Head) or after (Tail) the first element equal to `pivot`. Returns
  // the new length, 0 when the key is absent, -1 when no element equals the pivot.
  Result<int64_t> insert(int db, std::string_view key, ListEnd side, std::string_view pivot,
                         std::string_view value, int64_t now_ms);
  // Removes elements equal to `value`: the first `count` from the head (count > 0), the last
  // -count from the tail (count < 0) or all (0). Returns how many; deletes an emptied list.
  Result<int64_t> remove(int db, std::string_view key, int64_t count, std::string_view value,
                         int64_t now_ms);
  // Keeps elements start..stop (inclusive), deleting the others; deletes an emptied list. An
  // absent key is fine (nothing to do).
  Status trim(int db, std::string_view key, int64_t start, int64_t stop, int64_t now_ms);
  // Calls on_match with the head-based index of each match LPOS reports, in search order.
  Status positions(int db, std::string_view key, std::string_view value, const ListPosQuery& q,
                   int64_t now_ms, FunctionRef<void(int64_t)> on_match);

 private:
  // Finds the key and checks its type; e.found is false for an absent key.
  Status find_list(int db, std::string_view key, int64_t now_ms);

  LmdbEnv& env_;
  Keyspace& keys_;
  KeyEntry entry_;     // reused between calls: no allocation per command
  std::string moved_;  // an element being moved: LMDB's pointer dies with the next write
};

}  // namespace postbox
