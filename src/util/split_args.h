// Splits a line into arguments the way redis-cli, inline commands and redis.conf do:
// whitespace separates, "double quotes" honour \n \r \t \b \a \\ \" and \xHH escapes,
// 'single quotes' honour only \'. A closing quote must be followed by space or the end.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postbox {

// Returns false on unbalanced quotes; `out` is cleared first and reused to avoid allocation.
bool split_args(std::string_view line, std::vector<std::string>& out);

}  // namespace postbox
