#include "util/glob.h"

#include <cstddef>

namespace postbox {
namespace {

// Redis compares pattern and subject bytes as plain (signed) chars, so ranges reaching past 0x7f
// behave as they do there; only ASCII letters fold, as with tolower() in the C locale.
int byte_value(char c) {
  return static_cast<signed char>(c);
}

int fold(int c, bool nocase) {
  return nocase && c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

// Matches the set starting just after '[' at p[i] against c. Returns whether c is accepted and
// leaves `i` on the first pattern byte after the set.
bool match_set(std::string_view p, size_t& i, char c, bool nocase) {
  bool negate = i < p.size() && p[i] == '^';
  if (negate) ++i;
  bool hit = false;
  const int sc = byte_value(c);
  while (i < p.size() && p[i] != ']') {
    size_t left = p.size() - i;
    if (p[i] == '\\' && left >= 2) {
      ++i;
      if (p[i] == c) hit = true;  // escaped members never fold, as in Redis
    } else if (left >= 3 && p[i + 1] == '-') {
      int lo = byte_value(p[i]);
      int hi = byte_value(p[i + 2]);
      if (lo > hi) std::swap(lo, hi);
      int x = fold(sc, nocase);
      if (x >= fold(lo, nocase) && x <= fold(hi, nocase)) hit = true;
      i += 2;
    } else if (fold(byte_value(p[i]), nocase) == fold(sc, nocase)) {
      hit = true;
    }
    ++i;
  }
  if (i < p.size()) ++i;  // the closing ']'; an unclosed set simply ends with the pattern
  return hit != negate;
}

// Matches the single non-star token at p[i] against c; on success `i` moves past the token.
bool match_token(std::string_view p, size_t& i, char c, bool nocase) {
  switch (p[i]) {
    case '?':
      ++i;
      return true;
    case '[':
      ++i;
      return match_set(p, i, c, nocase);
    case '\\':
      if (p.size() - i >= 2) ++i;
      [[fallthrough]];
    default: {
      bool ok = fold(byte_value(p[i]), nocase) == fold(byte_value(c), nocase);
      ++i;
      return ok;
    }
  }
}

}  // namespace

bool glob_match(std::string_view p, std::string_view s, bool nocase) {
  // Redis never enters its matching loop for an empty subject, so not even "*" matches it.
  if (s.empty()) return p.empty();
  size_t pi = 0, si = 0;
  size_t star = std::string_view::npos;  // pattern index just after the last '*' seen
  size_t resume = 0;                     // subject index that '*' will swallow up to next
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      while (pi < p.size() && p[pi] == '*') ++pi;
      if (pi == p.size()) return true;
      star = pi;
      resume = si;
      continue;
    }
    size_t next = pi;
    if (pi < p.size() && match_token(p, next, s[si], nocase)) {
      pi = next;
      ++si;
      continue;
    }
    // Backtracking to the latest star is enough: every token consumes exactly one byte, so an
    // earlier star could only re-create alignments the latest one already tries.
    if (star == std::string_view::npos) return false;
    pi = star;
    si = ++resume;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace postbox
