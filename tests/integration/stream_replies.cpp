#include "stream_replies.h"

#include <doctest/doctest.h>

namespace postbox::it {

std::ostream& operator<<(std::ostream& os, const Strings& v) {
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  return os << "]";
}

std::ostream& operator<<(std::ostream& os, const Entry& e) {
  os << e.id << " {";
  for (size_t i = 0; i < e.fields.size(); ++i) os << (i ? " " : "") << e.fields[i];
  return os << "}";
}

std::ostream& operator<<(std::ostream& os, const Entries& v) {
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  return os << "]";
}

Entries entries_of(const Reply& r) {
  REQUIRE_MESSAGE(r.type == ReplyType::Array, r.repr());
  Entries out;
  for (const Reply& e : r.elements) {
    REQUIRE_MESSAGE((e.type == ReplyType::Array && e.elements.size() == 2), e.repr());
    out.push_back({e.elements[0].str, e.elements[1].strings()});
  }
  return out;
}

Entries read_entries(const Reply& r) {
  if (r.is_nil()) return {};
  REQUIRE_MESSAGE(
      (r.type == ReplyType::Array && r.elements.size() == 1 && r.elements[0].elements.size() == 2),
      r.repr());
  return entries_of(r.elements[0].elements[1]);
}

Reply entry(const std::string& id, const std::vector<std::string>& fields) {
  return array({bulk(id), bulks(fields)});
}

Reply group_info(Client& c, const std::string& key, const std::string& name) {
  Reply groups = c.cmd({"XINFO", "GROUPS", key});
  REQUIRE_MESSAGE(groups.type == ReplyType::Array, groups.repr());
  for (const Reply& g : groups.elements) {
    const Reply* n = g.field("name");
    if (n && n->str == name) return g;
  }
  FAIL("no group ", name, " in ", groups.repr());
  return {};
}

std::vector<std::string> keys_of(const Reply& r) {
  std::vector<std::string> out;
  for (size_t i = 0; i < r.elements.size(); i += 2) out.push_back(r.elements[i].str);
  return out;
}

StreamId parse_id(const std::string& id) {
  size_t dash = id.find('-');
  REQUIRE_MESSAGE(dash != std::string::npos, "not a stream id: ", id);
  return {std::stoull(id.substr(0, dash)), std::stoull(id.substr(dash + 1))};
}

}  // namespace postbox::it
