// Wall-clock time in microseconds since the Unix epoch (UTC) and RFC 3339 text.
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata {

int64_t NowMicros();

// "2024-05-01T12:00:00.123456Z": UTC, 'Z', with a fraction only when non-zero (trailing
// zeros trimmed to a multiple of three digits).
std::string FormatRfc3339(int64_t micros);
// FormatRfc3339, appended to `out` without a temporary.
void AppendRfc3339(std::string& out, int64_t micros);

// The most bytes FormatRfc3339 gives, plus room for Rfc3339Writer's fixed-size copies.
inline constexpr size_t kMaxRfc3339Bytes = 48;

// Writes FormatRfc3339 text into buffers, for many timestamps in a row: it keeps the date
// of the last day written, so timestamps of the same day skip the calendar conversion.
// Thread safety: one writer per thread.
class Rfc3339Writer {
 public:
  // Writes FormatRfc3339(micros) at p and returns its end. REQUIRES: kMaxRfc3339Bytes of
  // room at p (bytes past the end may be overwritten).
  char* Write(char* p, int64_t micros);

 private:
  int64_t day_ = INT64_MIN;  // The day date_ holds, days since 1970-01-01; none yet.
  char date_[24] = {};       // "YYYY-MM-DDT" (wider for years beyond 9999).
  size_t date_length_ = 0;
};

// Parses RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)", 'T'/'t' or ' ' as
// separator, 'Z'/'z'. Fractions beyond microseconds are truncated. Returns nullopt when
// `text` is not such a timestamp or is out of range.
std::optional<int64_t> ParseRfc3339(std::string_view text);

// Parses a duration "<n><unit>" with unit s, m, h, d or w ("30d", "12h") into seconds.
// Returns nullopt on anything else, on zero, or on overflow.
std::optional<int64_t> ParseDurationSeconds(std::string_view text);

}  // namespace strata
