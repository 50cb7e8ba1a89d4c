// Conversions shared by every ingest format: epoch numbers to timestamps, and the text forms
// of numbers and booleans (CSV cells, line protocol, coerced JSON strings).
// docs/ingest.md states the rules; these functions are their single implementation.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace strata::ingest {

// Unit of epoch numbers given for timestamp fields.
enum class TimeUnit { kAuto, kSeconds, kMillis, kMicros, kNanos };

std::string_view TimeUnitName(TimeUnit unit);  // "auto", "seconds", ...

// Timestamps are int64 microseconds; ingest accepts the RFC 3339 years 0000..9999 only:
// [0000-01-01T00:00:00Z, 9999-12-31T23:59:59.999999Z].
inline constexpr int64_t kMinTimestampMicros = -62167219200000000;
inline constexpr int64_t kMaxTimestampMicros = 253402300799999999;

// The unit kAuto picks for an epoch value of magnitude |value|: < 1e11 seconds, < 1e14
// milliseconds, < 1e17 microseconds, else nanoseconds. Other units are returned unchanged.
TimeUnit ResolveEpochUnit(TimeUnit unit, double magnitude);

// Epoch numbers to microseconds, or nullopt outside [kMinTimestampMicros,
// kMaxTimestampMicros] (or non-finite). Nanoseconds round toward negative infinity; fractional
// doubles round to the nearest microsecond.
std::optional<int64_t> EpochToMicros(int64_t value, TimeUnit unit);
std::optional<int64_t> EpochToMicros(uint64_t value, TimeUnit unit);
std::optional<int64_t> EpochToMicros(double value, TimeUnit unit);

// True when `text` is a number in JSON syntax (RFC 8259 section 6): -?int frac? exp?,
// no leading '+', no leading zeros, no "NaN"/"Infinity".
bool IsJsonNumber(std::string_view text);

// A number parsed from text in JSON syntax.
struct TextNumber {
  enum class Kind {
    kInvalid,     // Not JSON number syntax.
    kInt,         // Integer syntax within int64: int_value.
    kUInt,        // Integer syntax in (INT64_MAX, UINT64_MAX]: uint_value.
    kDouble,      // Anything else in float64 range: double_value (integral_text tells which).
    kOutOfRange,  // Beyond float64 (e.g. 1e400).
  };
  Kind kind = Kind::kInvalid;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double double_value = 0;
  bool integral_text = false;  // No fraction and no exponent in the text.
};
TextNumber ParseTextNumber(std::string_view text);

// "true" / "false", ASCII case-insensitive. nullopt for anything else (also "1", "yes").
std::optional<bool> ParseTextBool(std::string_view text);

}  // namespace strata::ingest
