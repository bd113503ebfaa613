// glob_match must answer exactly as Redis 7.0's stringmatchlen; these cases pin its rules and
// quirks (checked against redis-server with KEYS over a few hundred pattern/key pairs).
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "util/glob.h"

using postbox::glob_match;

TEST_CASE("a pattern without special characters matches only the identical string") {
  CHECK(glob_match("hello", "hello"));
  CHECK_FALSE(glob_match("hello", "hell"));
  CHECK_FALSE(glob_match("hello", "helloo"));
  CHECK_FALSE(glob_match("hello", "Hello"));
}

TEST_CASE("star matches any run of bytes, including none") {
  CHECK(glob_match("h*llo", "hllo"));
  CHECK(glob_match("h*llo", "heeeello"));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("a*", "a"));
  CHECK(glob_match("*c", "abc"));
  CHECK(glob_match("a**c", "ac"));
  CHECK(glob_match("*a*b*c*", "xxaxxbxxcxx"));
  CHECK_FALSE(glob_match("*a*b*c*", "xxcxxbxxaxx"));
  CHECK_FALSE(glob_match("a*c", "abcd"));
}

TEST_CASE("an empty subject matches only an empty pattern, not even a star, as in Redis") {
  CHECK(glob_match("", ""));
  CHECK_FALSE(glob_match("*", ""));
  CHECK_FALSE(glob_match("**", ""));
  CHECK_FALSE(glob_match("?", ""));
  CHECK_FALSE(glob_match("", "a"));
}

TEST_CASE("question mark matches exactly one byte") {
  CHECK(glob_match("h?llo", "hallo"));
  CHECK(glob_match("h?llo", "h\x7fllo"));
  CHECK_FALSE(glob_match("h?llo", "hllo"));
  CHECK(glob_match("???*", "abc"));
  CHECK_FALSE(glob_match("???*", "ab"));
}

TEST_CASE("a set matches one byte from its members") {
  CHECK(glob_match("h[ae]llo", "hello"));
  CHECK(glob_match("h[ae]llo", "hallo"));
  CHECK_FALSE(glob_match("h[ae]llo", "hillo"));
}

TEST_CASE("a caret at the start of a set negates it") {
  CHECK(glob_match("h[^e]llo", "hallo"));
  CHECK_FALSE(glob_match("h[^e]llo", "hello"));
  CHECK(glob_match("[^^]*", "a^"));
  CHECK_FALSE(glob_match("[^^]*", "^a"));
}

TEST_CASE("a range matches bytes between its ends, written in either order") {
  CHECK(glob_match("a[a-z]c", "abc"));
  CHECK(glob_match("a[z-a]c", "abc"));
  CHECK_FALSE(glob_match("a[b-d]c", "aac"));
  CHECK(glob_match("[0-9]*", "7up"));
}

TEST_CASE("range ends compare as signed chars, so ranges across 0x80 behave as in Redis") {
  CHECK_FALSE(glob_match("[a-\xff]", "b"));  // 0xff is -1: the range is [-1, 'a']
  CHECK(glob_match("[a-\xff]", "A"));
  CHECK(glob_match("[\x80-\xff]", "\xe9"));
  CHECK_FALSE(glob_match("[\x80-\xff]", "a"));
}

TEST_CASE("a backslash makes the next byte literal") {
  CHECK(glob_match("a\\*c", "a*c"));
  CHECK_FALSE(glob_match("a\\*c", "abc"));
  CHECK(glob_match("\\?", "?"));
  CHECK(glob_match("a[\\]]c", "a]c"));
  CHECK(glob_match("[\\-]", "-"));
  CHECK_FALSE(glob_match("[a\\-z]", "b"));
}

TEST_CASE("a trailing backslash matches a backslash") {
  CHECK(glob_match("a\\", "a\\"));
  CHECK_FALSE(glob_match("a\\", "a"));
}

TEST_CASE("a set left unclosed runs to the end of the pattern") {
  CHECK(glob_match("[ab", "a"));
  CHECK(glob_match("[ab", "b"));
  CHECK_FALSE(glob_match("[ab", "ab"));
  CHECK_FALSE(glob_match("[", "a"));
  CHECK(glob_match("[^", "x"));  // an empty negated set accepts any byte
}

TEST_CASE("a dash before the closing bracket starts a range ending at the bracket") {
  // "[a-]" is the range ']'..'a' followed by an unclosed, empty rest: Redis's reading.
  CHECK(glob_match("[a-]", "^"));
  CHECK(glob_match("[a-]", "a"));
  CHECK_FALSE(glob_match("[a-]", "-"));
  CHECK_FALSE(glob_match("[a-]c", "ac"));
}

TEST_CASE("nocase folds ASCII letters in literals, sets and ranges") {
  CHECK(glob_match("HELLO", "hello", true));
  CHECK(glob_match("h[AE]llo", "hello", true));
  CHECK(glob_match("[A-Z]*", "port", true));
  CHECK_FALSE(glob_match("HELLO", "hello", false));
  CHECK(glob_match("\xc9", "\xc9", true));
  CHECK_FALSE(glob_match("\xc9", "\xe9", true));  // only ASCII folds
}

TEST_CASE("nocase does not fold an escaped member of a set, as in Redis") {
  CHECK_FALSE(glob_match("[\\A]", "a", true));
  CHECK(glob_match("[\\A]", "A", true));
  CHECK(glob_match("\\A", "a", true));  // outside a set the escaped byte does fold
}

TEST_CASE("pathological patterns finish quickly") {
  std::string subject(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "a*";
  pattern += "b";
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(glob_match(pattern, subject));
  CHECK_FALSE(glob_match(std::string(3000, '*') + "b", subject));
  CHECK(glob_match(pattern.substr(0, pattern.size() - 1), subject));
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(2));
}

TEST_CASE("a very long pattern does not exhaust the stack") {
  std::string pattern;
  for (int i = 0; i < 100000; ++i) pattern += "?*";
  CHECK(glob_match(pattern, std::string(100000, 'x')));
  CHECK_FALSE(glob_match(pattern, std::string(99999, 'x')));
}

TEST_CASE("embedded NUL bytes are ordinary bytes") {
  using namespace std::string_view_literals;
  CHECK(glob_match("a?c"sv, "a\0c"sv));
  CHECK(glob_match("a\0*"sv, "a\0zzz"sv));
  CHECK_FALSE(glob_match("a\0"sv, "a"sv));
}
