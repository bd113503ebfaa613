#include "reply.h"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

namespace postbox::it {

namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string join(const std::vector<Reply>& items, std::string_view open, std::string_view close,
                 bool pairs) {
  std::string out(open);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (pairs && i % 2 == 1) ? " => " : ", ";
    out += items[i].repr();
  }
  return out + std::string(close);
}

long long parse_length(std::string_view line) {
  long long v = 0;
  auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
  if (ec != std::errc() || p != line.data() + line.size()) {
    throw std::runtime_error(fmt::format("RESP: bad length/integer {}", quote(line)));
  }
  return v;
}

Reply make(ReplyType type, std::string str = {}, long long value = 0) {
  Reply r;
  r.type = type;
  r.str = std::move(str);
  r.integer = value;
  return r;
}

}  // namespace

bool Reply::is_aggregate() const {
  switch (type) {
    case ReplyType::Array:
    case ReplyType::Map:
    case ReplyType::Set:
    case ReplyType::Push:
    case ReplyType::Attribute:
      return true;
    default:
      return false;
  }
}

std::string Reply::repr() const {
  switch (type) {
    case ReplyType::Status:
      return "+" + str;
    case ReplyType::Error:
      return "-" + str;
    case ReplyType::String:
      return quote(str);
    case ReplyType::Integer:
      return fmt::format(":{}", integer);
    case ReplyType::NilBulk:
      return "nil";
    case ReplyType::NilArray:
      return "nil-array";
    case ReplyType::Null:
      return "null";
    case ReplyType::Array:
      return join(elements, "[", "]", false);
    case ReplyType::Map:
      return join(elements, "{", "}", true);
    case ReplyType::Set:
      return join(elements, "~{", "}", false);
    case ReplyType::Double:
      return "," + str;
    case ReplyType::Bool:
      return integer ? "#t" : "#f";
    case ReplyType::Push:
      return join(elements, ">[", "]", false);
    case ReplyType::Verbatim:
      return "=" + format + ":" + quote(str);
    case ReplyType::BigNumber:
      return "(" + str;
    case ReplyType::Attribute:
      return join(elements, "|{", "}", true);
  }
  return "?";
}

std::vector<std::string> Reply::strings() const {
  if (!is_aggregate()) throw std::runtime_error("strings() on non-aggregate reply " + repr());
  std::vector<std::string> out;
  for (const Reply& e : elements) {
    if (e.is_aggregate() || e.is_nil()) {
      throw std::runtime_error("strings(): element is not a string: " + repr());
    }
    out.push_back(e.type == ReplyType::Integer ? std::to_string(e.integer) : e.str);
  }
  return out;
}

const Reply* Reply::field(std::string_view key) const {
  if (type != ReplyType::Map && type != ReplyType::Array) return nullptr;
  for (size_t i = 0; i + 1 < elements.size(); i += 2) {
    if (elements[i].str == key) return &elements[i + 1];
  }
  return nullptr;
}

Reply Reply::at(std::string_view key) const {
  const Reply* v = field(key);
  return v ? *v : error("no field " + std::string(key) + " in " + repr());
}

std::ostream& operator<<(std::ostream& os, const Reply& r) {
  return os << r.repr();
}

Reply status(std::string s) {
  return make(ReplyType::Status, std::move(s));
}
Reply error(std::string s) {
  return make(ReplyType::Error, std::move(s));
}
Reply bulk(std::string s) {
  return make(ReplyType::String, std::move(s));
}
Reply integer(long long v) {
  return make(ReplyType::Integer, {}, v);
}
Reply nil() {
  return make(ReplyType::NilBulk);
}
Reply nil_array() {
  return make(ReplyType::NilArray);
}
Reply array(std::vector<Reply> elements) {
  Reply r = make(ReplyType::Array);
  r.elements = std::move(elements);
  return r;
}
Reply bulks(const std::vector<std::string>& items) {
  Reply r = make(ReplyType::Array);
  for (const auto& s : items) r.elements.push_back(bulk(s));
  return r;
}

void ReplyReader::feed(std::string_view bytes) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > (1 << 20) && pos_ > buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(bytes);
}

std::optional<Reply> ReplyReader::next() {
  while (true) {
    std::optional<Reply> complete;
    if (!parse_token(complete)) return std::nullopt;
    if (complete) {
      if (auto done = attach(std::move(*complete))) return done;
    }
  }
}

// Appends a finished value to the innermost open aggregate, closing every aggregate it completes.
std::optional<Reply> ReplyReader::attach(Reply value) {
  while (true) {
    if (stack_.empty()) return value;
    Frame& top = stack_.back();
    top.value.elements.push_back(std::move(value));
    if (--top.remaining > 0) return std::nullopt;
    value = std::move(top.value);
    stack_.pop_back();
  }
}

bool ReplyReader::parse_token(std::optional<Reply>& complete) {
  size_t eol = buf_.find("\r\n", pos_);
  if (eol == std::string::npos) return false;
  const char kind = buf_[pos_];
  std::string_view line(buf_.data() + pos_ + 1, eol - pos_ - 1);
  size_t after = eol + 2;
  auto leaf = [&](ReplyType t) {
    complete = make(t, std::string(line));
    pos_ = after;
    return true;
  };
  switch (kind) {
    case '+':
      return leaf(ReplyType::Status);
    case '-':
      return leaf(ReplyType::Error);
    case ',':
      return leaf(ReplyType::Double);
    case '(':
      return leaf(ReplyType::BigNumber);
    case ':':
      complete = integer(parse_length(line));
      pos_ = after;
      return true;
    case '_':
      if (!line.empty()) throw std::runtime_error("RESP: junk after '_'");
      complete = make(ReplyType::Null);
      pos_ = after;
      return true;
    case '#':
      if (line != "t" && line != "f") throw std::runtime_error("RESP: bad boolean");
      complete = make(ReplyType::Bool, {}, line == "t" ? 1 : 0);
      pos_ = after;
      return true;
    case '$':
    case '=':
    case '!': {
      long long len = parse_length(line);
      if (len < 0) {
        if (kind != '$' || len != -1) throw std::runtime_error("RESP: bad bulk length");
        complete = nil();
        pos_ = after;
        return true;
      }
      if (buf_.size() < after + len + 2) return false;
      if (buf_.compare(after + len, 2, "\r\n") != 0) {
        throw std::runtime_error("RESP: bulk payload not followed by CRLF");
      }
      std::string payload = buf_.substr(after, len);
      pos_ = after + len + 2;
      if (kind == '$') {
        complete = bulk(std::move(payload));
      } else if (kind == '!') {
        complete = error(std::move(payload));
      } else {
        if (payload.size() < 4 || payload[3] != ':') throw std::runtime_error("RESP: verbatim");
        complete = make(ReplyType::Verbatim, payload.substr(4));
        complete->format = payload.substr(0, 3);
      }
      return true;
    }
    case '*':
    case '%':
    case '~':
    case '>':
    case '|': {
      long long n = parse_length(line);
      pos_ = after;
      if (n < 0) {
        if (kind != '*' || n != -1) throw std::runtime_error("RESP: bad aggregate length");
        complete = nil_array();
        return true;
      }
      ReplyType t = kind == '*'   ? ReplyType::Array
                    : kind == '%' ? ReplyType::Map
                    : kind == '~' ? ReplyType::Set
                    : kind == '>' ? ReplyType::Push
                                  : ReplyType::Attribute;
      if (kind == '%' || kind == '|') n *= 2;
      Reply agg = make(t);
      if (n == 0) {
        complete = std::move(agg);
      } else {
        agg.elements.reserve(static_cast<size_t>(std::min<long long>(n, 1 << 16)));
        stack_.push_back(Frame{std::move(agg), n});
      }
      return true;
    }
    default:
      throw std::runtime_error(fmt::format("RESP: unexpected type byte {}", quote({&kind, 1})));
  }
}

}  // namespace postbox::it
