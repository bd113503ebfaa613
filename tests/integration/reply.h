// Reply values and an incremental RESP2/RESP3 reader for the integration tests.
//
// hiredis 0.14 (Debian's) predates RESP3 and rejects '%', '~', '_' and friends, so replies are
// decoded here instead: one reader for both protocols keeps RESP2 and RESP3 tests comparable.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace postbox::it {

enum class ReplyType {
  Status,     // +OK
  Error,      // -ERR ...
  String,     // $3 abc
  Integer,    // :1
  NilBulk,    // $-1 (RESP2 null bulk string)
  NilArray,   // *-1 (RESP2 null array, e.g. BLPOP timeout)
  Null,       // _ (RESP3)
  Array,      // *n
  Map,        // %n, elements hold key, value, key, value, ...
  Set,        // ~n
  Double,     // ,1.5 (str keeps the exact text)
  Bool,       // #t / #f (integer is 1 or 0)
  Push,       // >n
  Verbatim,   // =n txt:... (format holds "txt", str the payload)
  BigNumber,  // (1234... (str keeps the digits)
  Attribute,  // |n, returned as a value of its own before the reply it annotates
};

struct Reply {
  ReplyType type = ReplyType::NilBulk;
  std::string str;
  long long integer = 0;
  std::string format;
  std::vector<Reply> elements;

  bool operator==(const Reply&) const = default;

  bool is_error() const { return type == ReplyType::Error; }
  bool is_nil() const {
    return type == ReplyType::NilBulk || type == ReplyType::NilArray || type == ReplyType::Null;
  }
  bool is_aggregate() const;
  // One-line printable form, unambiguous enough to compare replies as strings:
  // +OK  -ERR x  "bulk"  :1  nil  nil-array  null  [a, b]  {k => v}  ~{a}  ,1.5  #t  >[...]
  std::string repr() const;
  // Elements of an array/set/push as plain strings (bulk payloads); fails on nested aggregates.
  std::vector<std::string> strings() const;
  // Value of a map entry whose key is the bulk/status `key`, or nullptr.
  const Reply* field(std::string_view key) const;
  // field(key) by value for assertions: a missing field (or an error reply) gives an error
  // naming it, which fails the CHECK it is compared in instead of dereferencing null.
  Reply at(std::string_view key) const;
};

// Lets doctest print both sides of a failed CHECK(reply == expected).
std::ostream& operator<<(std::ostream& os, const Reply& r);

// Builders for expected values in assertions.
Reply status(std::string s);
Reply error(std::string s);
Reply bulk(std::string s);
Reply integer(long long v);
Reply nil();
Reply nil_array();
Reply array(std::vector<Reply> elements);
Reply bulks(const std::vector<std::string>& items);  // array of bulk strings

// Incremental decoder: feed bytes as they arrive, take complete replies out. Aggregates are built
// on an explicit stack, so a multi-megabyte reply arriving in many reads is parsed in linear time.
class ReplyReader {
 public:
  void feed(std::string_view bytes);
  // A complete reply if one is buffered; throws std::runtime_error on malformed input.
  std::optional<Reply> next();
  bool has_buffered_bytes() const { return pos_ < buf_.size(); }

 private:
  struct Frame {
    Reply value;
    long long remaining;
  };
  // Parses one header/leaf at pos_. Returns false when more bytes are needed.
  bool parse_token(std::optional<Reply>& complete);
  std::optional<Reply> attach(Reply value);

  std::string buf_;
  size_t pos_ = 0;
  std::vector<Frame> stack_;
};

}  // namespace postbox::it
