// Stream ids: the textual forms Redis accepts (streamGenericParseIDOrReply with string2ull), the
// neighbours of an id, its text, and the 16-byte key encoding whose byte order is id order.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "store/stream_id.h"

using namespace postbox;

namespace {

constexpr uint64_t kMax = UINT64_MAX;

// Parses `text` non-strictly with missing_seq 0; the id as "<ms>-<seq>", or "invalid".
std::string parsed(std::string_view text, uint64_t missing_seq = 0, bool strict = false) {
  StreamId id{123, 456};
  if (!parse_stream_id(text, missing_seq, strict, id)) return "invalid";
  return stream_id_string(id);
}

std::string encoded(const StreamId& id) {
  char b[16];
  encode_stream_id(id, b);
  return std::string(b, 16);
}

}  // namespace

TEST_SUITE("stream id") {
  TEST_CASE("ms-seq and ms alone, the sequence then being missing_seq") {
    CHECK(parsed("5-3") == "5-3");
    CHECK(parsed("0-0") == "0-0");
    CHECK(parsed("1526919030474-55") == "1526919030474-55");
    CHECK(parsed("5", 0) == "5-0");
    CHECK(parsed("5", kMax) == "5-18446744073709551615");
    CHECK(parsed("5-7", kMax) == "5-7");  // missing_seq only fills a missing sequence
  }

  TEST_CASE("'-' and '+' are the extremes unless strict") {
    StreamId id{9, 9};
    REQUIRE(parse_stream_id("-", 0, false, id));
    CHECK(id == StreamId{0, 0});
    REQUIRE(parse_stream_id("+", 0, false, id));
    CHECK(id == StreamId::max());

    id = StreamId{9, 9};
    CHECK_FALSE(parse_stream_id("-", 0, true, id));
    CHECK_FALSE(parse_stream_id("+", 0, true, id));
    CHECK(id == StreamId{9, 9});  // untouched on failure
    // Strict parsing still takes plain ids.
    CHECK(parsed("3-4", 0, true) == "3-4");
    CHECK(parsed("3", kMax, true) == "3-18446744073709551615");
  }

  TEST_CASE("'<ms>-*' only when the caller asks for seq_given") {
    StreamId id;
    bool given = true;
    REQUIRE(parse_stream_id("7-*", 0, true, id, &given));
    CHECK(id == StreamId{7, 0});
    CHECK_FALSE(given);

    given = false;
    REQUIRE(parse_stream_id("7-3", 0, true, id, &given));
    CHECK(id == StreamId{7, 3});
    CHECK(given);
    given = false;
    REQUIRE(parse_stream_id("7", 0, true, id, &given));
    CHECK(id == StreamId{7, 0});
    CHECK(given);

    CHECK(parsed("7-*") == "invalid");  // without seq_given '*' is no number
    CHECK_FALSE(parse_stream_id("7-**", 0, true, id, &given));
    CHECK_FALSE(parse_stream_id("7-*1", 0, true, id, &given));
    CHECK_FALSE(parse_stream_id("*-1", 0, true, id, &given));
    CHECK_FALSE(parse_stream_id("*", 0, true, id, &given));
  }

  TEST_CASE("malformed ids are rejected") {
    for (const char* bad : {"", "1-", "-1", "1-2-3", "abc", "1-a", "a-1", "1.5", "1 -2", "--", "-+",
                            "1--1", "5 ", "0x10", "1-0x1"}) {
      CAPTURE(bad);
      CHECK(parsed(bad) == "invalid");
    }
    // The same with '-' taken as a dash of "<ms>-<seq>" when strict.
    CHECK(parsed("-", 0, true) == "invalid");
  }

  TEST_CASE("numbers are full unsigned 64-bit values with no overflow") {
    CHECK(parsed("18446744073709551615-18446744073709551615") ==
          "18446744073709551615-18446744073709551615");
    CHECK(parsed("18446744073709551615") == "18446744073709551615-0");
    CHECK(parsed("9223372036854775808-1") == "9223372036854775808-1");  // above INT64_MAX
    CHECK(parsed("18446744073709551616") == "invalid");
    CHECK(parsed("18446744073709551616-0") == "invalid");
    CHECK(parsed("0-18446744073709551616") == "invalid");
    CHECK(parsed("99999999999999999999999-1") == "invalid");
  }

  TEST_CASE("what strtoull accepts in full is accepted, as with Redis's string2ull") {
    CHECK(parsed("+5") == "5-0");
    CHECK(parsed("+5-+7") == "5-7");
    CHECK(parsed("007-010") == "7-10");  // not canonical, but strtoull reads it
    CHECK(parsed("1--0") == "1-0");      // "-0": strtoull gives 0 without a range error
  }

  TEST_CASE("ids longer than 127 bytes are rejected") {
    // 64 + 1 + 62 = 127 bytes of zeros: accepted; one more byte is not.
    std::string ok = std::string(64, '0') + "-" + std::string(62, '0');
    REQUIRE(ok.size() == 127);
    CHECK(parsed(ok) == "0-0");
    CHECK(parsed(ok + "0") == "invalid");
  }

  // Redis copies up to 127 bytes and hands each part to strtoull whatever its length, so
  // "1-" + 70 zeros + "5" (73 bytes) is 1-5 there. parse_u64 refuses parts above 64 bytes.
  TEST_CASE("a long zero-padded part within 127 bytes parses like Redis") {
    CHECK(parsed("1-" + std::string(70, '0') + "5") == "1-5");
    CHECK(parsed(std::string(80, '0') + "9-1") == "9-1");
  }

  TEST_CASE("next and prev step over sequence boundaries and stop at the extremes") {
    StreamId id{1, 5};
    REQUIRE(stream_id_next(id));
    CHECK(id == StreamId{1, 6});
    id = {1, kMax};
    REQUIRE(stream_id_next(id));
    CHECK(id == StreamId{2, 0});
    id = {kMax, kMax - 1};
    REQUIRE(stream_id_next(id));
    CHECK(id == StreamId::max());
    CHECK_FALSE(stream_id_next(id));
    CHECK(id == StreamId::max());

    id = {2, 0};
    REQUIRE(stream_id_prev(id));
    CHECK(id == StreamId{1, kMax});
    id = {2, 7};
    REQUIRE(stream_id_prev(id));
    CHECK(id == StreamId{2, 6});
    id = {0, 1};
    REQUIRE(stream_id_prev(id));
    CHECK(id.is_zero());
    CHECK_FALSE(stream_id_prev(id));
    CHECK(id.is_zero());
  }

  TEST_CASE("format_stream_id writes <ms>-<seq> and fits the largest id") {
    char buf[kStreamIdTextMax];
    CHECK(format_stream_id({0, 0}, buf) == "0-0");
    CHECK(format_stream_id({1526919030474, 55}, buf) == "1526919030474-55");
    std::string_view big = format_stream_id(StreamId::max(), buf);
    CHECK(big == "18446744073709551615-18446744073709551615");
    CHECK(big.size() < kStreamIdTextMax);
    CHECK(stream_id_string({42, 0}) == "42-0");
    // Text round trip.
    StreamId back;
    REQUIRE(parse_stream_id(big, 0, true, back));
    CHECK(back == StreamId::max());
  }

  TEST_CASE("ids compare by ms, then seq") {
    CHECK(StreamId{1, kMax} < StreamId{2, 0});
    CHECK(StreamId{2, 1} > StreamId{2, 0});
    CHECK(StreamId{3, 3} == StreamId{3, 3});
    CHECK(StreamId{}.is_zero());
    CHECK_FALSE(StreamId{0, 1}.is_zero());
  }

  TEST_CASE("the 16-byte encoding is big endian, round trips and sorts like the ids") {
    CHECK(encoded({0x0102030405060708ull, 0x090a0b0c0d0e0f10ull}) ==
          std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));

    std::vector<StreamId> ids = {{0, 0},
                                 {0, 1},
                                 {0, 255},
                                 {0, 256},
                                 {0, kMax},
                                 {1, 0},
                                 {1, kMax},
                                 {2, 0},
                                 {255, kMax},
                                 {256, 0},
                                 {0x80, 0},
                                 {0x7f, 5},
                                 {1ull << 63, 0},
                                 {(1ull << 63) - 1, kMax},
                                 {kMax - 1, 3},
                                 {kMax, 0},
                                 {kMax, kMax - 1},
                                 {kMax, kMax},
                                 {1526919030474, 55}};
    for (const StreamId& id : ids) {
      std::string e = encoded(id);
      CHECK(decode_stream_id(e.data()) == id);
    }
    std::sort(ids.begin(), ids.end());
    for (size_t i = 0; i + 1 < ids.size(); ++i) {
      std::string a = encoded(ids[i]), b = encoded(ids[i + 1]);
      CAPTURE(i);
      CHECK(std::memcmp(a.data(), b.data(), 16) < 0);
    }
  }
}
