// Stream entry ids (<ms>-<seq>, two unsigned 64-bit parts) and the textual forms Redis accepts
// for them. Kept free of RESP and LMDB so the command layer and the store share one definition.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace postbox {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static constexpr StreamId max() { return {UINT64_MAX, UINT64_MAX}; }
  bool is_zero() const { return ms == 0 && seq == 0; }
  friend constexpr auto operator<=>(const StreamId&, const StreamId&) = default;
};

// The id right after / before `id`; false when there is none (the maximum / 0-0).
bool stream_id_next(StreamId& id);
bool stream_id_prev(StreamId& id);

// "<ms>-<seq>" into `buf` (at least kStreamIdTextMax bytes); returns the text.
constexpr size_t kStreamIdTextMax = 42;
std::string_view format_stream_id(const StreamId& id, char* buf);
std::string stream_id_string(const StreamId& id);

// Parses an id the way Redis does:
//  - "<ms>-<seq>", or "<ms>" alone, whose sequence is then `missing_seq`;
//  - unless `strict`, "-" (0-0) and "+" (the maximum);
//  - when `seq_given` is not null, "<ms>-*" too (XADD: sequence chosen by the server), and
//    *seq_given tells whether the sequence was explicit.
// Numbers follow Redis's string2ull: plain decimal digits, no overflow.
bool parse_stream_id(std::string_view text, uint64_t missing_seq, bool strict, StreamId& out,
                     bool* seq_given = nullptr);

// 16 bytes, big endian ms then seq, so byte order is id order (LMDB keys).
void encode_stream_id(const StreamId& id, char out[16]);
StreamId decode_stream_id(const char* p);

}  // namespace postbox
