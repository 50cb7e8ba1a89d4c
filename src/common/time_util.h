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

// Parses RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)", 'T'/'t' or ' ' as
// separator, 'Z'/'z'. Fractions beyond microseconds are truncated. Returns nullopt when
// `text` is not such a timestamp or is out of range.
std::optional<int64_t> ParseRfc3339(std::string_view text);

// Parses a duration "<n><unit>" with unit s, m, h, d or w ("30d", "12h") into seconds.
// Returns nullopt on anything else, on zero, or on overflow.
std::optional<int64_t> ParseDurationSeconds(std::string_view text);

}  // namespace strata
