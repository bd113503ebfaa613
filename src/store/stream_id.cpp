#include "store/stream_id.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "store/key_codec.h"
#include "util/strconv.h"

namespace postbox {

bool stream_id_next(StreamId& id) {
  if (id.seq != UINT64_MAX) {
    ++id.seq;
    return true;
  }
  if (id.ms == UINT64_MAX) return false;
  ++id.ms;
  id.seq = 0;
  return true;
}

bool stream_id_prev(StreamId& id) {
  if (id.seq != 0) {
    --id.seq;
    return true;
  }
  if (id.ms == 0) return false;
  --id.ms;
  id.seq = UINT64_MAX;
  return true;
}

std::string_view format_stream_id(const StreamId& id, char* buf) {
  char* p = std::to_chars(buf, buf + 20, id.ms).ptr;
  *p++ = '-';
  p = std::to_chars(p, p + 20, id.seq).ptr;
  return {buf, static_cast<size_t>(p - buf)};
}

std::string stream_id_string(const StreamId& id) {
  char buf[kStreamIdTextMax];
  return std::string(format_stream_id(id, buf));
}

namespace {

// Redis's string2ull: a canonical int64 that is not negative, or whatever strtoull accepts in
// full without a range error (which admits "+5" and numbers above INT64_MAX).
bool parse_u64(std::string_view s, uint64_t& out) {
  int64_t v;
  if (parse_int64(s, v)) {
    if (v < 0) return false;
    out = static_cast<uint64_t>(v);
    return true;
  }
  if (s.empty() || s.size() > 127) return false;
  char buf[128];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  unsigned long long u = std::strtoull(buf, &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  out = u;
  return true;
}

}  // namespace

bool parse_stream_id(std::string_view text, uint64_t missing_seq, bool strict, StreamId& out,
                     bool* seq_given) {
  if (text.size() > 127) return false;
  if (seq_given) *seq_given = true;
  if (text == "-" || text == "+") {
    if (strict) return false;
    out = text == "-" ? StreamId{} : StreamId::max();
    return true;
  }
  size_t dash = text.find('-');
  StreamId id;
  if (!parse_u64(text.substr(0, dash), id.ms)) return false;
  if (dash == std::string_view::npos) {
    id.seq = missing_seq;
  } else {
    std::string_view seq = text.substr(dash + 1);
    if (seq_given && seq == "*") {
      id.seq = 0;
      *seq_given = false;
    } else if (!parse_u64(seq, id.seq)) {
      return false;
    }
  }
  out = id;
  return true;
}

void encode_stream_id(const StreamId& id, char out[16]) {
  put_u64_be(out, id.ms);
  put_u64_be(out + 8, id.seq);
}

StreamId decode_stream_id(const char* p) {
  return {get_u64_be(p), get_u64_be(p + 8)};
}

}  // namespace postbox
