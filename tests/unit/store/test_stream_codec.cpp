// The stream records' encodings: header, group, consumer and PEL values round trip; record keys
// sort by tag then id; entry values read back pair by pair (binary and empty ones included, a
// truncated one detected); the listpack size estimate behind `~` trimming.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "store/stream_codec.h"

using namespace postbox;

namespace {

using Pairs = std::vector<std::string_view>;

struct ReadPair {
  std::string field, value;
  bool operator==(const ReadPair&) const = default;
};

std::vector<ReadPair> read_all(EntryReader& r) {
  std::vector<ReadPair> out;
  std::string_view f, v;
  while (r.next(f, v)) out.push_back({std::string(f), std::string(v)});
  return out;
}

std::string entry_value(uint64_t node, const Pairs& pairs) {
  std::string out = "garbage";
  encode_entry(node, pairs.data(), pairs.size() / 2, out);
  return out;
}

}  // namespace

TEST_SUITE("stream codec") {
  TEST_CASE("the header round trips every field, binary master fields included") {
    StreamHeader h;
    h.length = 12345;
    h.entries_added = 99999;
    h.last_id = {1700000000000, 17};
    h.first_id = {1600000000000, 0};
    h.max_deleted = {1650000000000, UINT64_MAX};
    h.groups = 3;
    h.next_gid = 8;
    h.nodes = 124;
    h.tail_node = 130;
    h.tail_entries = 42;
    h.tail_bytes = 3999;
    h.tail_master = {1699999999999, 2};
    h.tail_fields = std::string(
        "\x02\x01"
        "a\x00\xff",
        5);
    std::string v = "stale";
    encode_stream_header(h, v);

    StreamHeader d;
    REQUIRE(decode_stream_header(v, d));
    CHECK(d.length == 12345);
    CHECK(d.entries_added == 99999);
    CHECK(d.last_id == h.last_id);
    CHECK(d.first_id == h.first_id);
    CHECK(d.max_deleted == h.max_deleted);
    CHECK(d.groups == 3);
    CHECK(d.next_gid == 8);
    CHECK(d.nodes == 124);
    CHECK(d.tail_node == 130);
    CHECK(d.tail_entries == 42);
    CHECK(d.tail_bytes == 3999);
    CHECK(d.tail_master == h.tail_master);
    CHECK(d.tail_fields == h.tail_fields);

    // Without master fields, the header still decodes (and clears stale ones).
    h.tail_fields.clear();
    encode_stream_header(h, v);
    REQUIRE(decode_stream_header(v, d));
    CHECK(d.tail_fields.empty());
    // A value cut inside the fixed part does not.
    CHECK_FALSE(decode_stream_header(std::string_view(v).substr(0, v.size() - 1), d));
    CHECK_FALSE(decode_stream_header("", d));
  }

  TEST_CASE("the trim floor follows the master fields, and a header without it has floor 0") {
    StreamHeader h;
    h.length = 3;
    std::vector<std::string_view> pairs = {"f\x00", "v", "", "w"};
    entry_fields(pairs.data(), 2, h.tail_fields);
    std::string v;
    encode_stream_header(h, v);
    // Floor 0 is written as versions before it wrote headers: the master fields end the value.
    CHECK(v.size() == 184 + h.tail_fields.size());
    CHECK(v.substr(184) == h.tail_fields);
    StreamHeader d;
    d.floor = {9, {9, 9}};
    REQUIRE(decode_stream_header(v, d));
    CHECK(d.floor.is_zero());
    CHECK(d.tail_fields == h.tail_fields);

    h.floor = {77, {1700000000000, UINT64_MAX}};
    encode_stream_header(h, v);
    REQUIRE(decode_stream_header(v, d));
    CHECK(d.floor.node == 77);
    CHECK(d.floor.id == h.floor.id);
    CHECK(d.tail_fields == h.tail_fields);
    CHECK(d.length == 3);

    // No entry ever added: no master fields, and the floor still reads back.
    h.tail_fields.clear();
    encode_stream_header(h, v);
    REQUIRE(decode_stream_header(v, d));
    CHECK(d.tail_fields.empty());
    CHECK(d.floor.node == 77);
    CHECK(d.floor.id == h.floor.id);
  }

  TEST_CASE("the floor covers records by node first, then by id") {
    TrimFloor f{5, {100, 0}};
    CHECK(f.covers(4, {900, 0}));
    CHECK(f.covers(5, {100, 0}));
    CHECK(f.covers(5, {99, 7}));
    CHECK_FALSE(f.covers(5, {100, 1}));
    CHECK_FALSE(f.covers(6, {1, 0}));
    CHECK_FALSE(TrimFloor{}.covers(1, {0, 1}));
  }

  TEST_CASE("a trim reclaim record round trips") {
    TrimReclaim r{{3, {10, 2}}, {4, 0}, {10, 2}};
    std::string v;
    encode_trim_reclaim(r, v);
    TrimReclaim d;
    REQUIRE(decode_trim_reclaim(v, d));
    CHECK(d.floor.node == 3);
    CHECK(d.floor.id == r.floor.id);
    CHECK(d.from == r.from);
    CHECK(d.to == r.to);
    CHECK_FALSE(decode_trim_reclaim(std::string_view(v).substr(0, v.size() - 1), d));
    CHECK_FALSE(decode_trim_reclaim("", d));
  }

  TEST_CASE("group records round trip, an invalid entries-read counter included") {
    GroupRecord g;
    g.gid = 7;
    g.last_id = {1000, 3};
    g.entries_read = kEntriesReadInvalid;
    g.pel_count = 55;
    g.consumers = 4;
    g.next_cid = 9;
    std::string v;
    encode_group(g, v);
    GroupRecord d;
    REQUIRE(decode_group(v, d));
    CHECK(d.gid == 7);
    CHECK(d.last_id == StreamId{1000, 3});
    CHECK(d.entries_read == kEntriesReadInvalid);
    CHECK(d.pel_count == 55);
    CHECK(d.consumers == 4);
    CHECK(d.next_cid == 9);

    g.entries_read = 123456789012;
    encode_group(g, v);
    REQUIRE(decode_group(v, d));
    CHECK(d.entries_read == 123456789012);
    CHECK_FALSE(decode_group(std::string_view(v).substr(0, 20), d));
  }

  TEST_CASE("consumer records round trip, negative times included") {
    ConsumerRecord c;
    c.cid = 3;
    c.seen_ms = 1700000000123;
    c.active_ms = -1;
    c.pel_count = 12;
    std::string v;
    encode_consumer(c, v);
    ConsumerRecord d;
    REQUIRE(decode_consumer(v, d));
    CHECK(d.cid == 3);
    CHECK(d.seen_ms == 1700000000123);
    CHECK(d.active_ms == -1);
    CHECK(d.pel_count == 12);
    CHECK_FALSE(decode_consumer(std::string_view(v).substr(0, 31), d));
  }

  TEST_CASE("PEL records round trip with the owner's name, binary or empty") {
    std::string v;
    std::string name("con\x00sumer\xff", 10);
    encode_pel(1700000000999, 4, name, v);
    PelRecord p;
    REQUIRE(decode_pel(v, p));
    CHECK(p.delivery_ms == 1700000000999);
    CHECK(p.delivery_count == 4);
    CHECK(p.consumer == name);

    encode_pel(-5, 1, "", v);  // a FORCEd record owned by nobody yet
    REQUIRE(decode_pel(v, p));
    CHECK(p.delivery_ms == -5);
    CHECK(p.delivery_count == 1);
    CHECK(p.consumer.empty());
    CHECK_FALSE(decode_pel(std::string_view(v).substr(0, 15), p));
  }

  TEST_CASE("record keys carry their id at the end and sort by tag, then id") {
    std::string header, e1, e2, group, pel, consumer, cpel;
    stream_header_key(5, header);
    stream_entry_key(5, {1, UINT64_MAX}, e1);
    stream_entry_key(5, {2, 0}, e2);
    stream_group_key(5, "grp", group);
    stream_pel_key(5, 1, {9, 9}, pel);
    stream_consumer_key(5, 1, "alice", consumer);
    stream_consumer_pel_key(5, 1, 2, {8, 8}, cpel);
    CHECK(header.size() == 9);
    CHECK(e1.size() == 25);
    CHECK(pel.size() == 33);
    CHECK(cpel.size() == 41);
    CHECK(group.substr(9) == "grp");
    CHECK(consumer.substr(17) == "alice");
    CHECK(stream_key_id(e1) == StreamId{1, UINT64_MAX});
    CHECK(stream_key_id(pel) == StreamId{9, 9});
    CHECK(stream_key_id(cpel) == StreamId{8, 8});
    CHECK(header < e1);
    CHECK(e1 < e2);
    CHECK(e2 < group);
    CHECK(group < pel);
    CHECK(pel < consumer);
    CHECK(consumer < cpel);
    // Another stream's records never interleave.
    std::string other;
    stream_header_key(6, other);
    CHECK(cpel < other);
    // Keys are overwritten, not appended to.
    stream_entry_key(5, {3, 0}, e1);
    CHECK(e1.size() == 25);
    CHECK(stream_key_id(e1) == StreamId{3, 0});
  }

  TEST_CASE("an encoded entry reads back pair by pair, binary and empty values included") {
    std::string big(300, 'x');
    std::string bin("\x00\x01\xff\x80", 4);
    Pairs pairs = {"name", "", bin, big, "", "empty-field"};
    std::string v = entry_value(300, pairs);
    EntryReader r(v);
    REQUIRE(r.ok());
    CHECK(r.node() == 300);
    CHECK(r.pairs() == 3);
    auto got = read_all(r);
    CHECK(r.ok());
    REQUIRE(got.size() == 3);
    CHECK(got[0] == ReadPair{"name", ""});
    CHECK(got[1] == ReadPair{bin, big});
    CHECK(got[2] == ReadPair{"", "empty-field"});
    // Once done, next() keeps saying so.
    std::string_view f, val;
    CHECK_FALSE(r.next(f, val));
    CHECK(r.ok());
  }

  TEST_CASE("an entry without pairs and a huge node number") {
    std::string v = entry_value(UINT64_MAX, {});
    EntryReader r(v);
    REQUIRE(r.ok());
    CHECK(r.node() == UINT64_MAX);
    CHECK(r.pairs() == 0);
    CHECK(read_all(r).empty());
    CHECK(r.ok());
  }

  TEST_CASE("a truncated or empty entry value is detected") {
    Pairs pairs = {"a", "1", "b", "some longer value"};
    std::string v = entry_value(1, pairs);
    std::string cut = v.substr(0, v.size() - 3);
    EntryReader r(cut);
    REQUIRE(r.ok());  // the head is intact
    std::string_view f, val;
    REQUIRE(r.next(f, val));
    CHECK(f == "a");
    CHECK(val == "1");
    CHECK_FALSE(r.next(f, val));
    CHECK_FALSE(r.ok());

    // Cut just after the last field's name.
    cut = v.substr(0, v.size() - std::string_view("some longer value").size() - 1);
    EntryReader r2(cut);
    REQUIRE(r2.next(f, val));
    CHECK_FALSE(r2.next(f, val));
    CHECK_FALSE(r2.ok());

    // No value at all: what a deleted entry's reader looks like.
    EntryReader gone("");
    CHECK_FALSE(gone.ok());
    CHECK_FALSE(gone.next(f, val));
  }

  TEST_CASE("entry_fields depends on the field names only") {
    Pairs a = {"f1", "v1", "f2", "v2"}, b = {"f1", "other", "f2", "values"},
          c = {"f1", "v1", "f3", "v2"}, d = {"f1", "v1"};
    std::string fa, fb, fc, fd;
    entry_fields(a.data(), 2, fa);
    entry_fields(b.data(), 2, fb);
    entry_fields(c.data(), 2, fc);
    entry_fields(d.data(), 1, fd);
    CHECK(fa == fb);
    CHECK(fa != fc);
    CHECK(fa != fd);
    // Names are length-prefixed: ("ab","c") differs from ("a","bc").
    Pairs e = {"ab", "1", "c", "2"}, f = {"a", "1", "bc", "2"};
    std::string fe, ff;
    entry_fields(e.data(), 2, fe);
    entry_fields(f.data(), 2, ff);
    CHECK(fe != ff);
  }

  TEST_CASE("listpack estimate: master fields and integers make entries smaller") {
    StreamId master{1000, 0}, id{1000, 1};
    Pairs p = {"temperature", "hot", "humidity", "high"};
    size_t same = listpack_entry_bytes(p.data(), 2, true, id, master);
    size_t own = listpack_entry_bytes(p.data(), 2, false, id, master);
    CHECK(same < own);
    // Without the names: the field names' bytes plus the field count and the longer lp-count.
    CHECK(own - same >=
          std::string_view("temperature").size() + std::string_view("humidity").size());

    // A canonical integer takes less than a string of the same length.
    Pairs num = {"f", "12345"}, str = {"f", "abcde"};
    CHECK(listpack_entry_bytes(num.data(), 1, true, id, master) <
          listpack_entry_bytes(str.data(), 1, true, id, master));
    Pairs num_field = {"123", "v"}, str_field = {"abc", "v"};
    CHECK(listpack_node_bytes(num_field.data(), 1) < listpack_node_bytes(str_field.data(), 1));
    // A non-canonical number is a string.
    Pairs padded = {"f", "01234"};
    CHECK(listpack_entry_bytes(padded.data(), 1, true, id, master) ==
          listpack_entry_bytes(str.data(), 1, true, id, master));

    // Ids far from the master cost more than close ones.
    CHECK(listpack_entry_bytes(p.data(), 2, true, {1000, 1}, master) <
          listpack_entry_bytes(p.data(), 2, true, {1000 + 100000000, 0}, master));
    // Longer values cost more, and a node grows with its master fields.
    Pairs longer = {"temperature",
                    std::string_view("a value of some length, well over 63 bytes "
                                     "so its header takes two bytes"),
                    "humidity", "high"};
    CHECK(listpack_entry_bytes(longer.data(), 2, true, id, master) > same + 60);
    CHECK(listpack_node_bytes(p.data(), 2) > listpack_node_bytes(p.data(), 1));
    CHECK(listpack_node_bytes(p.data(), 2) >= 7 + 11 + 8);
  }
}
