#include "resp/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace postbox {

void ReplyBuilder::prefixed(char type, int64_t v) {
  char* start = out_->reserve_tail(24);
  char* p = start;
  *p++ = type;
  p = std::to_chars(p, p + 21, v).ptr;
  *p++ = '\r';
  *p++ = '\n';
  out_->commit_tail(static_cast<size_t>(p - start));
}

void ReplyBuilder::header_at(size_t mark, char type, size_t n) {
  char buf[24];
  char* p = buf;
  *p++ = type;
  p = std::to_chars(p, p + 21, n).ptr;
  *p++ = '\r';
  *p++ = '\n';
  out_->insert(mark, std::string_view(buf, static_cast<size_t>(p - buf)));
}

void ReplyBuilder::simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::error(std::string_view message) {
  out_->push_back('-');
  // An error line cannot carry newlines; Redis replaces them with spaces for the same reason.
  size_t start = out_->size();
  out_->append(message);
  char* p = out_->data() + start;
  for (size_t i = 0; i < message.size(); ++i) {
    if (p[i] == '\r' || p[i] == '\n') p[i] = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyBuilder::bulk(std::string_view s) {
  prefixed('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::bulk_int(int64_t v) {
  char buf[24];
  auto* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  bulk(std::string_view(buf, static_cast<size_t>(end - buf)));
}

void ReplyBuilder::null() {
  raw(resp3_ ? "_\r\n" : "$-1\r\n");
}

void ReplyBuilder::null_array() {
  raw(resp3_ ? "_\r\n" : "*-1\r\n");
}

void ReplyBuilder::map(size_t pairs) {
  if (resp3_) {
    prefixed('%', static_cast<int64_t>(pairs));
  } else {
    prefixed('*', static_cast<int64_t>(pairs * 2));
  }
}

void ReplyBuilder::boolean(bool b) {
  if (resp3_) {
    raw(b ? "#t\r\n" : "#f\r\n");
  } else {
    raw(b ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyBuilder::dbl(double d) {
  char buf[64];
  int n;
  if (std::isinf(d)) {
    n = std::snprintf(buf, sizeof buf, "%s", d > 0 ? "inf" : "-inf");
  } else {
    n = std::snprintf(buf, sizeof buf, "%.17g", d);
  }
  std::string_view text(buf, static_cast<size_t>(n));
  if (resp3_) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n", 2);
  } else {
    bulk(text);
  }
}

void ReplyBuilder::verbatim(std::string_view text) {
  if (!resp3_) return bulk(text);
  prefixed('=', static_cast<int64_t>(text.size() + 4));
  out_->append("txt:", 4);
  out_->append(text);
  out_->append("\r\n", 2);
}

}  // namespace postbox
