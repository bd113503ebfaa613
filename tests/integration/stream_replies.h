// Reading and building stream replies in tests: entries as values, XREADGROUP's one-stream
// reply, XINFO GROUPS lookups and stream ids that compare as ids.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

namespace postbox::it {

// A list of strings that doctest can print, so that a failed CHECK shows both sides.
struct Strings : std::vector<std::string> {
  using vector::vector;
  Strings(std::vector<std::string> v) : vector(std::move(v)) {}  // NOLINT: implicit on purpose
};
std::ostream& operator<<(std::ostream& os, const Strings& v);

// One stream entry of an XRANGE / XREADGROUP / XCLAIM reply.
struct Entry {
  std::string id;
  Strings fields;
  bool operator==(const Entry&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Entry& e);

struct Entries : std::vector<Entry> {
  using vector::vector;
};
std::ostream& operator<<(std::ostream& os, const Entries& v);

// Entries in the plain shape [id, [field, value, ...]]; fails on any other shape.
Entries entries_of(const Reply& r);
// The entries of an XREADGROUP reply on the one stream it read; empty when it returned nil.
Entries read_entries(const Reply& r);

// The expected form of one entry: [id, [field, value, ...]].
Reply entry(const std::string& id, const std::vector<std::string>& fields);

// The group called `name` in XINFO GROUPS `key`; fails the test when there is none.
Reply group_info(Client& c, const std::string& key, const std::string& name);

// The field names of a flat RESP2 field/value reply, in order.
std::vector<std::string> keys_of(const Reply& r);

// A stream id "ms-seq" as a pair that sorts like ids do; fails the test on anything else.
using StreamId = std::pair<unsigned long long, unsigned long long>;
StreamId parse_id(const std::string& id);

}  // namespace postbox::it
