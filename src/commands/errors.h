// Error texts shared by the commands, verbatim from Redis 7.0 so clients that match on them
// keep working. One constant per mistake: the same mistake gives the same text everywhere.
#pragma once

namespace postbox::err {

inline constexpr const char* kSyntax = "ERR syntax error";
inline constexpr const char* kNotInteger = "ERR value is not an integer or out of range";
inline constexpr const char* kTimeoutNotFloat = "ERR timeout is not a float or out of range";
inline constexpr const char* kTimeoutNegative = "ERR timeout is negative";
inline constexpr const char* kTimeoutOutOfRange = "ERR timeout is out of range";
inline constexpr const char* kMustBePositive = "ERR value is out of range, must be positive";
inline constexpr const char* kDbIndexRange = "ERR DB index is out of range";
inline constexpr const char* kInvalidDbIndex = "ERR invalid first DB index";
inline constexpr const char* kInvalidSecondDbIndex = "ERR invalid second DB index";
inline constexpr const char* kNoSuchKey = "ERR no such key";
inline constexpr const char* kIndexRange = "ERR index out of range";
inline constexpr const char* kInvalidCursor = "ERR invalid cursor";
inline constexpr const char* kNoAuth = "NOAUTH Authentication required.";
inline constexpr const char* kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr const char* kNoProto = "NOPROTO unsupported protocol version";
inline constexpr const char* kNxXxGtLt =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr const char* kGtLt = "ERR GT and LT options at the same time are not compatible";
inline constexpr const char* kMaxClients = "ERR max number of clients reached";
inline constexpr const char* kLposRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
inline constexpr const char* kLposCountNegative = "ERR COUNT can't be negative";
inline constexpr const char* kLposMaxlenNegative = "ERR MAXLEN can't be negative";

}  // namespace postbox::err
