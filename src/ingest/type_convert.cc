#include "ingest/type_convert.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace strata::ingest {
namespace {

bool InRange(int64_t micros) {
  return micros >= kMinTimestampMicros && micros <= kMaxTimestampMicros;
}

std::optional<int64_t> Checked(int64_t micros) {
  return InRange(micros) ? std::optional<int64_t>(micros) : std::nullopt;
}

// Microseconds per unit as a multiplier (seconds, millis, micros); nanos divide instead.
int64_t MicrosPer(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kSeconds: return 1000000;
    case TimeUnit::kMillis: return 1000;
    default: return 1;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string_view TimeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kAuto: return "auto";
    case TimeUnit::kSeconds: return "seconds";
    case TimeUnit::kMillis: return "milliseconds";
    case TimeUnit::kMicros: return "microseconds";
    case TimeUnit::kNanos: return "nanoseconds";
  }
  return "auto";
}

TimeUnit ResolveEpochUnit(TimeUnit unit, double magnitude) {
  if (unit != TimeUnit::kAuto) return unit;
  if (magnitude < 1e11) return TimeUnit::kSeconds;
  if (magnitude < 1e14) return TimeUnit::kMillis;
  if (magnitude < 1e17) return TimeUnit::kMicros;
  return TimeUnit::kNanos;
}

std::optional<int64_t> EpochToMicros(int64_t value, TimeUnit unit) {
  // |INT64_MIN| as a double is exact; std::abs(INT64_MIN) would overflow.
  unit = ResolveEpochUnit(unit, std::fabs(static_cast<double>(value)));
  if (unit == TimeUnit::kNanos) {
    int64_t micros = value / 1000;
    if (value % 1000 < 0) --micros;  // Floor, not truncation toward zero.
    return Checked(micros);
  }
  int64_t micros;
  if (__builtin_mul_overflow(value, MicrosPer(unit), &micros)) return std::nullopt;
  return Checked(micros);
}

std::optional<int64_t> EpochToMicros(uint64_t value, TimeUnit unit) {
  if (value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return EpochToMicros(static_cast<int64_t>(value), unit);
  }
  // Above INT64_MAX only nanoseconds can be in range.
  if (ResolveEpochUnit(unit, static_cast<double>(value)) != TimeUnit::kNanos) return std::nullopt;
  return Checked(static_cast<int64_t>(value / 1000));
}

std::optional<int64_t> EpochToMicros(double value, TimeUnit unit) {
  if (!std::isfinite(value)) return std::nullopt;
  unit = ResolveEpochUnit(unit, std::fabs(value));
  double micros = value;
  switch (unit) {
    case TimeUnit::kSeconds: micros = value * 1e6; break;
    case TimeUnit::kMillis: micros = value * 1e3; break;
    case TimeUnit::kNanos: micros = std::floor(value / 1e3); break;
    default: break;
  }
  micros = std::nearbyint(micros);
  // Compare as doubles before converting: the conversion of an out-of-range double is UB.
  if (!(micros >= static_cast<double>(kMinTimestampMicros) &&
        micros <= static_cast<double>(kMaxTimestampMicros))) {
    return std::nullopt;
  }
  return Checked(static_cast<int64_t>(micros));
}

bool IsJsonNumber(std::string_view text) {
  size_t pos = 0;
  const size_t n = text.size();
  if (pos < n && text[pos] == '-') ++pos;
  if (pos >= n) return false;
  if (text[pos] == '0') {
    ++pos;
  } else if (text[pos] >= '1' && text[pos] <= '9') {
    while (pos < n && IsDigit(text[pos])) ++pos;
  } else {
    return false;
  }
  if (pos < n && text[pos] == '.') {
    ++pos;
    if (pos >= n || !IsDigit(text[pos])) return false;
    while (pos < n && IsDigit(text[pos])) ++pos;
  }
  if (pos < n && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < n && (text[pos] == '+' || text[pos] == '-')) ++pos;
    if (pos >= n || !IsDigit(text[pos])) return false;
    while (pos < n && IsDigit(text[pos])) ++pos;
  }
  return pos == n;
}

TextNumber ParseTextNumber(std::string_view text) {
  TextNumber out;
  if (!IsJsonNumber(text)) return out;
  const char* begin = text.data();
  const char* end = begin + text.size();
  out.integral_text = text.find_first_of(".eE") == std::string_view::npos;
  if (out.integral_text) {
    auto [ptr, ec] = std::from_chars(begin, end, out.int_value);
    if (ec == std::errc() && ptr == end) {
      out.kind = TextNumber::Kind::kInt;
      return out;
    }
    if (text[0] != '-') {
      auto [uptr, uec] = std::from_chars(begin, end, out.uint_value);
      if (uec == std::errc() && uptr == end) {
        out.kind = TextNumber::Kind::kUInt;
        return out;
      }
    }
  }
  // '+' and "inf"/"nan" were refused above, so from_chars sees JSON syntax only.
  auto [ptr, ec] = std::from_chars(begin, end, out.double_value);
  if (ec == std::errc::result_out_of_range) {
    // Overflow is out of range; underflow (1e-400) reads as zero, as JSON parsers do.
    const size_t exp = text.find_first_of("eE");
    if (exp != std::string_view::npos && exp + 1 < text.size() && text[exp + 1] == '-') {
      out.double_value = text[0] == '-' ? -0.0 : 0.0;
      out.kind = TextNumber::Kind::kDouble;
      return out;
    }
    out.kind = TextNumber::Kind::kOutOfRange;
    return out;
  }
  if (ec != std::errc() || ptr != end || !std::isfinite(out.double_value)) {
    out.kind = TextNumber::Kind::kOutOfRange;
    return out;
  }
  out.kind = TextNumber::Kind::kDouble;
  return out;
}

std::optional<bool> ParseTextBool(std::string_view text) {
  const auto equals = [&](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
      if (c != word[i]) return false;
    }
    return true;
  };
  if (equals("true")) return true;
  if (equals("false")) return false;
  return std::nullopt;
}

}  // namespace strata::ingest
