// Internal to src/config: the shape of one directive-table row and of the codecs that turn
// directive arguments into stored values and back into CONFIG GET text.
#pragma once

#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "util/status.h"

namespace postbox::config_detail {

using Args = std::vector<std::string>;

// Where a directive's value lives: a Config field, or `kept`, the canonical text of a no-op one.
struct Slot {
  Config& cfg;
  std::string& kept;
};
struct ConstSlot {
  const Config& cfg;
  const std::string& kept;
};

// CONFIG REWRITE: one config-file line stating (part of) a directive's value, and whether it is
// written even where the file does not mention the directive yet (Redis's `force`: the value is
// not the default, or the directive is one Redis always writes).
struct RewriteLine {
  std::string text;
  bool force = false;
};

struct RewriteInput {
  std::string_view name;          // canonical name: aliases in the file are rewritten under it
  ConstSlot slot;                 // the current value
  std::string_view default_text;  // the default, as get() shows it
  unsigned flags;                 // the row's Flag bits
};

// A codec validates with Redis's rules and wording; errors carry only the reason text
// ("argument must be 'yes' or 'no'"), the table adds the surrounding context.
class Codec {
 public:
  virtual ~Codec() = default;
  virtual Status set(Slot slot, const Args& args) const = 0;
  virtual std::string get(ConstSlot slot) const = 0;
  // The lines CONFIG REWRITE writes for the current value, in Redis 7.0's shape. The default is
  // `name value` as get() shows it, forced when it differs from the default. No lines means the
  // directive must not appear in the file: CONFIG REWRITE removes the lines it has there.
  virtual std::vector<RewriteLine> rewrite(const RewriteInput& in) const;
};

enum Flag : unsigned {
  kImmutable = 1u << 0,    // CONFIG SET answers "can't set immutable config"
  kProtected = 1u << 1,    // CONFIG SET answers "can't set protected config" (Redis 7 default)
  kNoop = 1u << 2,         // accepted, validated and kept; Postbox gives it no meaning
  kMultiArg = 1u << 3,     // a list: several arguments in a file, space-separated in CONFIG SET
  kRestricted = 1u << 4,   // only the default is accepted; Directive::why says why
  kAccumulate = 1u << 5,   // repeated lines in one load add up instead of replacing (Redis 'save')
  kEmptyIsNull = 1u << 6,  // empty means unset: CONFIG REWRITE removes the directive from the file
};

struct Directive {
  // A constructor rather than aggregate initialisation keeps the optional `why` optional.
  Directive(std::string_view name_, std::string_view alias_, unsigned flags_,
            std::string_view default_value_, std::shared_ptr<const Codec> codec_,
            std::string_view why_ = {})
      : name(name_),
        alias(alias_),
        flags(flags_),
        default_value(default_value_),
        codec(std::move(codec_)),
        why(why_) {}

  std::string_view name;
  std::string_view alias;
  unsigned flags = 0;
  std::string_view default_value;
  std::shared_ptr<const Codec> codec;
  std::string_view why;
};

const std::vector<Directive>& directives();
// The value a row's documented default stands for, as its codec's get() shows it.
std::string canonical_default(const Directive& d);
// The arguments a row's documented default stands for.
Args default_args(const Directive& d);
// Index of the directive called `name` (either spelling, any case); sets *is_alias. -1 if none.
int find_directive(std::string_view name, bool* is_alias = nullptr);

// ---- codec factories (codecs.cpp, special_codecs.cpp) ----

struct NumSpec {
  long long lo = 0;
  long long hi = LLONG_MAX;
  bool is_unsigned = false;        // bounds and printing as unsigned; hi == -1 means ULLONG_MAX
  bool memory = false;             // accepts 1k (1000), 1kb (1024), m, mb, g, gb suffixes
  bool percent = false;            // accepts "N%", kept as -N, as Redis does
  bool octal = false;              // parsed and printed in base 8 (unixsocketperm)
  long long clamp_lo = LLONG_MIN;  // accepted values are then silently clamped (Redis 'hz')
  long long clamp_hi = LLONG_MAX;
};

std::shared_ptr<const Codec> yes_no(bool Config::*field = nullptr);
std::shared_ptr<const Codec> number(NumSpec spec);
std::shared_ptr<const Codec> number(NumSpec spec, int Config::*field);
std::shared_ptr<const Codec> number(NumSpec spec, int64_t Config::*field);
std::shared_ptr<const Codec> text(std::string Config::*field = nullptr);
// One of `names` (case-insensitive); names past `listed` are accepted but left out of the error
// text, so an extension does not change Redis's message.
std::shared_ptr<const Codec> one_of(std::vector<std::string_view> names, size_t listed = SIZE_MAX);
// Names that stand for the same value as an earlier one ({"relative", "yes"}): stored, shown and
// rewritten as that one, as Redis shows the first name of an enum value.
std::shared_ptr<const Codec> one_of(
    std::vector<std::string_view> names,
    std::vector<std::pair<std::string_view, std::string_view>> synonyms);
std::shared_ptr<const Codec> fsync_policy();
std::shared_ptr<const Codec> log_level();

std::shared_ptr<const Codec> bind_list();
std::shared_ptr<const Codec> save_points();
std::shared_ptr<const Codec> output_buffer_limits();
std::shared_ptr<const Codec> data_dir();
std::shared_ptr<const Codec> keyspace_events();
std::shared_ptr<const Codec> oom_score_values();
std::shared_ptr<const Codec> percentiles();
std::shared_ptr<const Codec> shutdown_flags();
std::shared_ptr<const Codec> replica_of();
std::shared_ptr<const Codec> base_name(std::string_view error);
std::shared_ptr<const Codec> proc_title();

// ---- value parsers shared by codecs ----

// Redis's string2ll: optional '-', no '+', no spaces, no leading zeros, no overflow.
bool parse_strict_ll(std::string_view s, long long& out);
// Redis's memtoull: digits plus optional b/k/kb/m/mb/g/gb; overflow saturates, as Redis's does.
bool parse_memory(std::string_view s, unsigned long long& out);
// strtoll semantics (leading spaces and sign allowed) but the whole string must be consumed.
bool parse_loose_ll(const std::string& s, long long& out, int base = 10);
std::string join(const Args& args);
// `v` in double quotes with Redis's escapes (sdscatrepr), so split_args reads it back unchanged.
std::string quote(std::string_view v);
// `name "value"`, forced when not the default; nothing when empty and kEmptyIsNull. This is how
// Redis rewrites its string directives.
std::vector<RewriteLine> rewrite_quoted(const RewriteInput& in, const std::string& value);
// A byte count the way CONFIG REWRITE writes sizes: 1gb, 64mb, 4kb when exact, else plain bytes.
std::string format_memory(unsigned long long bytes);

}  // namespace postbox::config_detail
