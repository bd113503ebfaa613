#include "resp/request_parser.h"

#include <climits>
#include <cstring>

#include "util/split_args.h"
#include "util/strconv.h"

namespace postbox {
void RequestParser::reset() {
  mode_ = Mode::Unknown;
  pos_ = 0;
  multibulk_ = -1;
  bulk_len_ = -1;
  spans_.clear();
  args_.clear();
  consumed_ = 0;
}

size_t RequestParser::pending_bulk_bytes() const {
  if (mode_ != Mode::Multibulk || bulk_len_ < 0) return 0;
  return static_cast<size_t>(bulk_len_) + 2;
}

RequestParser::Outcome RequestParser::fail(std::string message) {
  error_ = std::move(message);
  return Outcome::Error;
}

RequestParser::Outcome RequestParser::parse(std::string_view buf, const Limits& limits) {
  if (mode_ == Mode::Unknown) {
    if (buf.empty()) return Outcome::NeedMore;
    mode_ = buf[0] == '*' ? Mode::Multibulk : Mode::Inline;
  }
  return mode_ == Mode::Inline ? parse_inline(buf) : parse_multibulk(buf, limits);
}

RequestParser::Outcome RequestParser::parse_inline(std::string_view buf) {
  size_t nl = buf.find('\n', pos_);
  if (nl == std::string_view::npos) {
    if (buf.size() > kInlineMax) return fail("Protocol error: too big inline request");
    pos_ = buf.size();
    return Outcome::NeedMore;
  }
  size_t end = nl;
  if (end > 0 && buf[end - 1] == '\r') --end;
  if (!split_args(buf.substr(0, end), inline_args_)) {
    return fail("Protocol error: unbalanced quotes in request");
  }
  args_.clear();
  for (const auto& a : inline_args_) args_.emplace_back(a);
  consumed_ = nl + 1;
  return Outcome::Complete;
}

RequestParser::Outcome RequestParser::parse_multibulk(std::string_view buf, const Limits& limits) {
  if (multibulk_ < 0) {
    size_t cr = buf.find('\r', pos_);
    if (cr == std::string_view::npos) {
      if (buf.size() > kInlineMax) return fail("Protocol error: too big mbulk count string");
      pos_ = buf.size();
      return Outcome::NeedMore;
    }
    if (cr + 1 >= buf.size()) {  // the '\n' after the count has not arrived yet
      pos_ = cr;
      return Outcome::NeedMore;
    }
    int64_t n = 0;
    if (!parse_int64(buf.substr(1, cr - 1), n) || n > INT_MAX) {
      return fail("Protocol error: invalid multibulk length");
    }
    if (!limits.authenticated && n > 10) {
      return fail("Protocol error: unauthenticated multibulk length");
    }
    pos_ = cr + 2;
    if (n <= 0) {  // "*0" and "*-1" are empty requests that Redis silently skips
      args_.clear();
      consumed_ = pos_;
      return Outcome::Complete;
    }
    multibulk_ = n;
    spans_.reserve(static_cast<size_t>(n < 1024 ? n : 1024));
  }
  while (static_cast<int64_t>(spans_.size()) < multibulk_) {
    if (bulk_len_ < 0) {
      size_t cr = buf.find('\r', pos_);
      if (cr == std::string_view::npos || cr + 1 >= buf.size()) {
        if (buf.size() - pos_ > kInlineMax) {
          return fail("Protocol error: too big bulk count string");
        }
        return Outcome::NeedMore;
      }
      if (buf[pos_] != '$') {
        return fail(std::string("Protocol error: expected '$', got '") + buf[pos_] + "'");
      }
      int64_t len = 0;
      if (!parse_int64(buf.substr(pos_ + 1, cr - pos_ - 1), len) || len < 0 ||
          len > limits.max_bulk_len) {
        return fail("Protocol error: invalid bulk length");
      }
      if (!limits.authenticated && len > 16384) {
        return fail("Protocol error: unauthenticated bulk length");
      }
      bulk_len_ = len;
      pos_ = cr + 2;
    }
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (buf.size() - pos_ < need) return Outcome::NeedMore;
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += need;  // Redis does not check that the bulk is followed by CRLF, nor do we
    bulk_len_ = -1;
  }
  args_.clear();
  for (auto [off, len] : spans_) args_.emplace_back(buf.data() + off, len);
  consumed_ = pos_;
  return Outcome::Complete;
}

}  // namespace postbox
