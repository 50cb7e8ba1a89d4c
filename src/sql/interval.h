// Interval text: "5 minutes", "1 hour 30 minutes", "60 seconds", "1h30m", "250ms", "1.5 h": the
// body of INTERVAL '...' literals and of interval strings such as the first argument of
// time_bucket('60 seconds', time).
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::sql {

// The sum of one or more `[+|-]number unit` parts in microseconds (spaces optional, units
// case-insensitive). Units: microsecond(s)/us, millisecond(s)/ms, second(s)/sec(s)/s,
// minute(s)/min(s)/m, hour(s)/hr(s)/h, day(s)/d, week(s)/w. A number may carry a fraction,
// rounded to the nearest microsecond. Months and years have no fixed length and are refused.
// On failure, `error` says why (naming the bad part, with no position).
std::optional<int64_t> ParseIntervalMicros(std::string_view text, std::string& error);

}  // namespace strata::sql
