#include "commands/context.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include "commands/errors.h"

namespace postbox {

std::optional<int64_t> arg_int64(CommandContext& ctx, size_t i) {
  int64_t v;
  if (!parse_int64(ctx.arg(i), v)) {
    ctx.reply.error(err::kNotInteger);
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> arg_timeout_deadline(CommandContext& ctx, size_t i) {
  std::string_view s = ctx.arg(i);
  // Redis parses the timeout as a long double: anything strtold takes whole, but no spaces,
  // no NaN and no infinity.
  std::string text(s);
  char* end = nullptr;
  long double secs = text.empty() || std::isspace(static_cast<unsigned char>(text[0]))
                         ? NAN
                         : std::strtold(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || std::isnan(secs)) {
    ctx.reply.error(err::kTimeoutNotFloat);
    return std::nullopt;
  }
  // Redis truncates to whole milliseconds, so "0.0001" means 0: wait forever.
  long double ms = std::trunc(secs * 1000.0L);
  // Redis converts to a 64-bit integer without a range check, so a value beyond it (inf, 1e30)
  // wraps to a negative number there: report it the way Redis does.
  if (ms < 0 || ms >= 9.2233720368547758e18L) {
    ctx.reply.error(err::kTimeoutNegative);
    return std::nullopt;
  }
  if (ms > static_cast<long double>(INT64_MAX - ctx.now_ms)) {
    ctx.reply.error(err::kTimeoutOutOfRange);
    return std::nullopt;
  }
  if (ms == 0) return int64_t{0};
  return ctx.now_ms + static_cast<int64_t>(ms);
}

void reply_help(ReplyBuilder& reply, std::span<const char* const> lines) {
  reply.array(lines.size());
  for (const char* l : lines) reply.simple(l);
}

}  // namespace postbox
