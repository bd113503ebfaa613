#include "util/split_args.h"

namespace postbox {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char escaped(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// Reads one double-quoted token starting after the opening quote; returns the index after the
// closing quote, or npos when the quote is unbalanced or glued to the next token.
size_t read_double_quoted(std::string_view s, size_t i, std::string& tok) {
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\' && i + 3 < s.size() + 0 && s[i + 1] == 'x' && hex_value(s[i + 2]) >= 0 &&
        hex_value(s[i + 3]) >= 0) {
      tok.push_back(static_cast<char>(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3])));
      i += 4;
    } else if (c == '\\' && i + 1 < s.size()) {
      tok.push_back(escaped(s[i + 1]));
      i += 2;
    } else if (c == '"') {
      if (i + 1 < s.size() && !is_space(s[i + 1])) return std::string_view::npos;
      return i + 1;
    } else {
      tok.push_back(c);
      ++i;
    }
  }
  return std::string_view::npos;
}

size_t read_single_quoted(std::string_view s, size_t i, std::string& tok) {
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && s[i + 1] == '\'') {
      tok.push_back('\'');
      i += 2;
    } else if (c == '\'') {
      if (i + 1 < s.size() && !is_space(s[i + 1])) return std::string_view::npos;
      return i + 1;
    } else {
      tok.push_back(c);
      ++i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool split_args(std::string_view s, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size()) return true;
    std::string tok;
    bool in_token = true;
    while (in_token && i < s.size()) {
      char c = s[i];
      if (c == '"' || c == '\'') {
        size_t next =
            c == '"' ? read_double_quoted(s, i + 1, tok) : read_single_quoted(s, i + 1, tok);
        if (next == std::string_view::npos) {
          out.clear();
          return false;
        }
        i = next;
        in_token = false;
      } else if (is_space(c)) {
        in_token = false;
      } else {
        tok.push_back(c);
        ++i;
      }
    }
    out.push_back(std::move(tok));
  }
}

}  // namespace postbox
