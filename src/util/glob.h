// Redis-compatible glob matching, used by KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE and COMMAND
// LIST.
//
// Semantics follow Redis 7.0's stringmatchlen byte for byte, quirks included:
//   *        any run of bytes          ?       exactly one byte
//   [abc]    one of the set            [^abc]  one byte not in the set
//   [a-z]    a range (ends may be given in either order; bytes compare as signed char, as in Redis)
//   \x       the byte x literally, also inside a set (where it is compared case-sensitively even
//            when nocase is set, as Redis does)
// A set left unclosed runs to the end of the pattern, and "[a-]" is a range from 'a' to ']'.
// An empty subject matches only the empty pattern: glob_match("*", "") is false, exactly like
// Redis; KEYS and SCAN special-case the lone "*" before calling the matcher, and so must callers.
//
// Matching is iterative with single-star backtracking: O(pattern x subject) time, constant stack,
// so a hostile pattern such as "a*a*a*a*...b" cannot blow up time or stack.
#pragma once

#include <string_view>

namespace postbox {

bool glob_match(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace postbox
