#include "sql/interval.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/strings.h"

namespace strata::sql {
namespace {

struct Unit {
  std::string_view name;
  int64_t micros;  // 0: a unit of varying length (months, years).
};

constexpr int64_t kSecond = 1'000'000;
constexpr std::array kUnits = {
    Unit{"us", 1},
    Unit{"microsecond", 1},
    Unit{"microseconds", 1},
    Unit{"ms", 1'000},
    Unit{"millisecond", 1'000},
    Unit{"milliseconds", 1'000},
    Unit{"s", kSecond},
    Unit{"sec", kSecond},
    Unit{"secs", kSecond},
    Unit{"second", kSecond},
    Unit{"seconds", kSecond},
    Unit{"m", 60 * kSecond},
    Unit{"min", 60 * kSecond},
    Unit{"mins", 60 * kSecond},
    Unit{"minute", 60 * kSecond},
    Unit{"minutes", 60 * kSecond},
    Unit{"h", 3600 * kSecond},
    Unit{"hr", 3600 * kSecond},
    Unit{"hrs", 3600 * kSecond},
    Unit{"hour", 3600 * kSecond},
    Unit{"hours", 3600 * kSecond},
    Unit{"d", 86400 * kSecond},
    Unit{"day", 86400 * kSecond},
    Unit{"days", 86400 * kSecond},
    Unit{"w", 7 * 86400 * kSecond},
    Unit{"week", 7 * 86400 * kSecond},
    Unit{"weeks", 7 * 86400 * kSecond},
    Unit{"mon", 0},
    Unit{"mons", 0},
    Unit{"month", 0},
    Unit{"months", 0},
    Unit{"quarter", 0},
    Unit{"quarters", 0},
    Unit{"y", 0},
    Unit{"yr", 0},
    Unit{"yrs", 0},
    Unit{"year", 0},
    Unit{"years", 0},
    Unit{"decade", 0},
    Unit{"decades", 0},
    Unit{"century", 0},
    Unit{"centuries", 0},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string IntervalError(std::string_view text, std::string_view problem) {
  return "invalid interval '" + std::string(text) + "': " + std::string(problem);
}

// The length of unit `word` in microseconds, or nullopt with `error` set.
std::optional<int64_t> LookupUnit(std::string_view text, std::string_view word,
                                  std::string& error) {
  const std::string lower = ToLower(word);
  for (const Unit& unit : kUnits) {
    if (unit.name != lower) continue;
    if (unit.micros == 0) {
      error = IntervalError(text, "interval units must be fixed-length; '" + std::string(word) +
                                      "' varies, use days or weeks");
      return std::nullopt;
    }
    return unit.micros;
  }
  std::vector<std::string_view> fixed;
  for (auto unit = kUnits.rbegin(); unit != kUnits.rend(); ++unit) {  // Plurals first.
    if (unit->micros != 0 && unit->name.size() > 3) fixed.push_back(unit->name);
  }
  error = IntervalError(text, "unknown unit '" + std::string(word) + "'" + DidYouMean(word, fixed) +
                                  "; use us, ms, s, m, h, d or w, or their full names");
  return std::nullopt;
}

// Sets `micros` to integer.fraction (decimal digits) times `unit`, rounded to the nearest
// microsecond; false when that exceeds int64. REQUIRES: both hold only digits.
bool ScaleNumber(std::string_view integer, std::string_view fraction, int64_t unit,
                 int64_t& micros) {
  __int128 value = 0;
  for (char c : integer) {
    value = value * 10 + (c - '0');
    if (value > INT64_MAX) return false;
  }
  value *= unit;
  if (value > INT64_MAX) return false;
  const std::string_view kept = fraction.substr(0, 18);  // 18 digits of 10^-18 are plenty.
  __int128 numerator = 0, denominator = 1;
  for (char c : kept) {
    numerator = numerator * 10 + (c - '0');
    denominator *= 10;
  }
  value += (numerator * unit + denominator / 2) / denominator;
  if (value > INT64_MAX) return false;
  micros = static_cast<int64_t>(value);
  return true;
}

// The signed length of the part `[+|-]number unit` at text[pos...], which must not start with
// a space; advances `pos` past it and the spaces after it.
std::optional<int64_t> ParsePart(std::string_view text, size_t& pos, std::string& error) {
  const bool negative = text[pos] == '-';
  if (text[pos] == '-' || text[pos] == '+') ++pos;
  const size_t integer_start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  const std::string_view integer = text.substr(integer_start, pos - integer_start);
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    const size_t fraction_start = ++pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    fraction = text.substr(fraction_start, pos - fraction_start);
  }
  if (integer.empty() && fraction.empty()) {
    error = IntervalError(text, "expected a number, e.g. '5 minutes'");
    return std::nullopt;
  }
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  const size_t unit_start = pos;
  while (pos < text.size() && IsLetter(text[pos])) ++pos;
  const std::string_view word = text.substr(unit_start, pos - unit_start);
  if (word.empty()) {
    error = IntervalError(text, "expected a unit after the number, e.g. '5 s'");
    return std::nullopt;
  }
  const std::optional<int64_t> unit = LookupUnit(text, word, error);
  if (!unit) return std::nullopt;
  int64_t micros = 0;
  if (!ScaleNumber(integer, fraction, *unit, micros)) {
    error = IntervalError(text, "out of range");
    return std::nullopt;
  }
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  return negative ? -micros : micros;
}

}  // namespace

std::optional<int64_t> ParseIntervalMicros(std::string_view text, std::string& error) {
  size_t pos = 0;
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  if (pos == text.size()) {
    error = IntervalError(text, "empty; write e.g. '5 minutes'");
    return std::nullopt;
  }
  __int128 total = 0;
  while (pos < text.size()) {
    const std::optional<int64_t> part = ParsePart(text, pos, error);
    if (!part) return std::nullopt;
    total += *part;
    if (total > INT64_MAX || total < INT64_MIN) {
      error = IntervalError(text, "out of range");
      return std::nullopt;
    }
  }
  return static_cast<int64_t>(total);
}

}  // namespace strata::sql
