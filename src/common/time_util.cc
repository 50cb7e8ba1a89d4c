#include "common/time_util.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace strata {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool Digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

}  // namespace

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

char* Rfc3339Writer::Write(char* p, int64_t micros) {
  int64_t seconds = micros / 1'000'000;
  int64_t frac = micros % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    seconds -= 1;
  }
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  const auto two = [&p](unsigned v) {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
  };
  if (days != day_) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, y, m, d);
    char* const start = p;
    if (y >= 0 && y <= 9999) {
      two(static_cast<unsigned>(y / 100));
      two(static_cast<unsigned>(y % 100));
    } else {
      p += std::snprintf(p, 16, "%04lld", static_cast<long long>(y));
    }
    *p++ = '-';
    two(m);
    *p++ = '-';
    two(d);
    *p++ = 'T';
    date_length_ = static_cast<size_t>(p - start);
    std::memcpy(date_, start, date_length_);
    day_ = days;
  } else {
    std::memcpy(p, date_, sizeof(date_));  // Fixed size: the bytes beyond are overwritten.
    p += date_length_;
  }
  two(static_cast<unsigned>(rem / 3600));
  *p++ = ':';
  two(static_cast<unsigned>(rem / 60 % 60));
  *p++ = ':';
  two(static_cast<unsigned>(rem % 60));
  if (frac != 0) {
    *p++ = '.';
    const bool millis = frac % 1000 == 0;
    int64_t value = millis ? frac / 1000 : frac;
    const int digits = millis ? 3 : 6;
    for (int i = digits - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    p += digits;
  }
  *p++ = 'Z';
  return p;
}

void AppendRfc3339(std::string& out, int64_t micros) {
  char buf[kMaxRfc3339Bytes];
  Rfc3339Writer writer;
  out.append(buf, static_cast<size_t>(writer.Write(buf, micros) - buf));
}

std::string FormatRfc3339(int64_t micros) {
  std::string out;
  AppendRfc3339(out, micros);
  return out;
}

std::optional<int64_t> ParseRfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (text.size() < 20) return std::nullopt;
  if (!Digits(text, 0, 4, year) || text[4] != '-' || !Digits(text, 5, 2, month) || text[7] != '-' ||
      !Digits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  if (!Digits(text, 11, 2, hour) || text[13] != ':' || !Digits(text, 14, 2, minute) ||
      text[16] != ':' || !Digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month)) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  if (second == 60) second = 59;  // Leap second: clamp, as POSIX time has none.
  size_t pos = 19;
  int64_t frac_micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) frac_micros = frac_micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 6; ++i) frac_micros *= 10;
  }
  if (pos >= text.size()) return std::nullopt;
  int64_t offset_seconds = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh, om;
    if (!Digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !Digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * 1'000'000 + frac_micros;
}

std::optional<int64_t> ParseDurationSeconds(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t unit;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return std::nullopt;
  }
  int64_t count = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size() - 1;
  auto [ptr, ec] = std::from_chars(begin, end, count);
  if (ec != std::errc() || ptr != end || count <= 0) return std::nullopt;
  if (count > INT64_MAX / unit) return std::nullopt;
  return count * unit;
}

}  // namespace strata
