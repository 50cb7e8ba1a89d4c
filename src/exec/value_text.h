// Text forms of values, as CAST(x AS string) and concat() write them, and the parsers of
// CAST(string AS x). Formats: bool "true"/"false"; int64 decimal; float64 the shortest text
// that reads back to the same value, "NaN", "Infinity", "-Infinity"; timestamp RFC 3339
// (FormatRfc3339); string and json their own text.
// Thread safety: stateless.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exec/datum.h"

namespace strata::exec::internal {

void AppendDoubleText(std::string& out, double value);
void AppendIntText(std::string& out, int64_t value);
// Appends the text of row `row_idx` of `arg`. REQUIRES: the row is not NULL.
void AppendValueText(std::string& out, const Datum& arg, size_t row_idx);

// Parsers accept surrounding spaces and tabs, and return nullopt on anything else.
// Booleans: true/false, t/f, yes/no, y/n, on/off, 1/0, in any letter case.
std::optional<bool> ParseBoolText(std::string_view text);
// An optional sign and decimal digits, within int64.
std::optional<int64_t> ParseInt64Text(std::string_view text);
// A decimal or exponent number within float64 range, inf, infinity or nan (any case, signed).
std::optional<double> ParseFloat64Text(std::string_view text);

}  // namespace strata::exec::internal
