#include "stream_norm.h"

#include <cctype>
#include <functional>
#include <string>

namespace postbox::it {

namespace {

std::string upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

bool is_cmd(const Cmd& c, const char* name) {
  return !c.empty() && upper(c[0]) == name;
}
bool sub_is(const Cmd& c, const char* name) {
  return c.size() > 1 && upper(c[1]) == name;
}

// Replaces an integer by a marker: the value may differ, but it must be an integer.
void mask_int(Reply& r) {
  if (r.type == ReplyType::Integer) r = status("<int>");
}

// Calls fn on every key/value pair of a RESP2 flat array or a RESP3 map.
void for_each_field(Reply& r, const std::function<void(const std::string&, Reply&)>& fn) {
  if (r.type != ReplyType::Array && r.type != ReplyType::Map) return;
  if (r.elements.size() % 2 != 0) return;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const Reply& key = r.elements[i];
    if (key.type != ReplyType::String && key.type != ReplyType::Status) return;
    fn(key.str, r.elements[i + 1]);
  }
}

void drop_field(Reply& r, const std::string& name) {
  if (r.type != ReplyType::Array && r.type != ReplyType::Map) return;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const Reply& key = r.elements[i];
    if (key.type == ReplyType::String && key.str == name) {
      r.elements.erase(r.elements.begin() + i, r.elements.begin() + i + 2);
      return;
    }
  }
}

}  // namespace

void stream_norm(const Cmd& cmd, Reply& r) {
  if (r.is_error()) return;
  if (is_cmd(cmd, "HELLO")) {
    r = status("<hello>");
  } else if (is_cmd(cmd, "XPENDING") && cmd.size() > 3) {
    for (Reply& p : r.elements)
      if (p.elements.size() == 4) mask_int(p.elements[2]);
  } else if (is_cmd(cmd, "XINFO") && sub_is(cmd, "CONSUMERS")) {
    for (Reply& consumer : r.elements) {
      drop_field(consumer, "inactive");
      for_each_field(consumer, [](const std::string& key, Reply& value) {
        if (key == "idle" || key == "inactive") mask_int(value);
      });
    }
  } else if (is_cmd(cmd, "XINFO") && sub_is(cmd, "STREAM")) {
    for_each_field(r, [](const std::string& key, Reply& value) {
      if (key == "radix-tree-keys" || key == "radix-tree-nodes") mask_int(value);
      if (key != "groups" || !value.is_aggregate()) return;
      for (Reply& group : value.elements) {
        for_each_field(group, [](const std::string& gkey, Reply& gvalue) {
          if (gkey == "pending") {
            for (Reply& p : gvalue.elements)
              if (p.elements.size() == 4) mask_int(p.elements[2]);
          } else if (gkey == "consumers") {
            for (Reply& consumer : gvalue.elements) {
              drop_field(consumer, "active-time");
              for_each_field(consumer, [](const std::string& ckey, Reply& cvalue) {
                if (ckey == "seen-time" || ckey == "active-time") mask_int(cvalue);
                if (ckey == "pending")
                  for (Reply& p : cvalue.elements)
                    if (p.elements.size() == 3) mask_int(p.elements[1]);
              });
            }
          }
        });
      }
    });
  }
}

}  // namespace postbox::it
