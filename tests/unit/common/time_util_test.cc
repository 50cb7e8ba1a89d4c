#include "common/time_util.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace strata {
namespace {

constexpr int64_t kMicros = 1'000'000;
constexpr int64_t k2024May1Noon = 1714564800;  // 2024-05-01T12:00:00Z in seconds.

TEST(ParseRfc3339Test, EpochAndUtc) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00Z"), k2024May1Noon * kMicros);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z"), -kMicros);
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z"), int64_t{-62135596800} * kMicros);
  EXPECT_EQ(ParseRfc3339("9999-12-31T23:59:59Z"), int64_t{253402300799} * kMicros);
}

TEST(ParseRfc3339Test, Offsets) {
  EXPECT_EQ(ParseRfc3339("2024-05-01T14:00:00+02:00"), k2024May1Noon * kMicros);
  EXPECT_EQ(ParseRfc3339("2024-05-01T06:30:00-05:30"), k2024May1Noon * kMicros);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00+00:00"), k2024May1Noon * kMicros);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00-00:00"), k2024May1Noon * kMicros);
  // An offset can move the instant across a day boundary.
  EXPECT_EQ(ParseRfc3339("2024-05-02T01:00:00+13:00"), k2024May1Noon * kMicros);
  EXPECT_EQ(ParseRfc3339("2024-05-01T00:00:00-12:00"), k2024May1Noon * kMicros);
}

TEST(ParseRfc3339Test, MalformedOffsets) {
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00+24:00"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00+02:60"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00+0200"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00+02"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00+02:0"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00+"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00"), std::nullopt);  // No zone at all.
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00UTC"), std::nullopt);
}

TEST(ParseRfc3339Test, FractionsOfOneToNineDigits) {
  const int64_t base = k2024May1Noon * kMicros;
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.1Z"), base + 100000);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.12Z"), base + 120000);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.123Z"), base + 123000);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.1234Z"), base + 123400);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.12345Z"), base + 123450);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.123456Z"), base + 123456);
  // Beyond microseconds the digits are truncated, not rounded.
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.1234567Z"), base + 123456);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.12345678Z"), base + 123456);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.999999999Z"), base + 999999);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.000001Z"), base + 1);
  EXPECT_EQ(ParseRfc3339("2024-05-01T14:00:00.5+02:00"), base + 500000);
}

TEST(ParseRfc3339Test, FractionNeedsDigits) {
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00."), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00,5Z"), std::nullopt);
}

TEST(ParseRfc3339Test, PreEpochFractionsCountForward) {
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.5Z"), -500000);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.999999Z"), -1);
}

TEST(ParseRfc3339Test, LowercaseAndSpaceSeparator) {
  const std::optional<int64_t> expected = k2024May1Noon * kMicros;
  EXPECT_EQ(ParseRfc3339("2024-05-01t12:00:00z"), expected);
  EXPECT_EQ(ParseRfc3339("2024-05-01 12:00:00Z"), expected);
  EXPECT_EQ(ParseRfc3339("2024-05-01 12:00:00+00:00"), expected);
  EXPECT_EQ(ParseRfc3339("2024-05-01_12:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01x12:00:00Z"), std::nullopt);
}

TEST(ParseRfc3339Test, LeapDays) {
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z"), int64_t{1709164800} * kMicros);
  EXPECT_NE(ParseRfc3339("2000-02-29T00:00:00Z"), std::nullopt);  // Divisible by 400.
  EXPECT_EQ(ParseRfc3339("2023-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("1900-02-29T00:00:00Z"), std::nullopt);  // Divisible by 100.
  EXPECT_EQ(ParseRfc3339("2024-02-30T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-03-01T00:00:00Z"), (int64_t{1709164800} + 86400) * kMicros);
}

TEST(ParseRfc3339Test, OutOfRangeComponents) {
  EXPECT_EQ(ParseRfc3339("2024-13-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-00-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-01-00T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-01-32T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-04-31T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T24:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:60:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:61Z"), std::nullopt);
}

TEST(ParseRfc3339Test, LeapSecondClampsToFiftyNine) {
  EXPECT_EQ(ParseRfc3339("2016-12-31T23:59:60Z"), ParseRfc3339("2016-12-31T23:59:59Z"));
  EXPECT_EQ(ParseRfc3339("2016-12-31T23:59:60.5Z"), ParseRfc3339("2016-12-31T23:59:59.5Z"));
  EXPECT_NE(ParseRfc3339("2016-12-31T23:59:60Z"), std::nullopt);
}

TEST(ParseRfc3339Test, RefusesNegativeAndExpandedYears) {
  EXPECT_EQ(ParseRfc3339("-0001-01-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("+2024-05-01T12:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("12024-05-01T12:00:00Z"), std::nullopt);
}

TEST(ParseRfc3339Test, TrailingJunkAndTruncation) {
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00Z "), std::nullopt);
  EXPECT_EQ(ParseRfc3339(" 2024-05-01T12:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00Zx"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00ZZ"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00+02:00x"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:00.5Zjunk"), std::nullopt);
  EXPECT_EQ(ParseRfc3339(""), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12:00:0Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-5-01T12:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024/05/01T12:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2024-05-01T12-00-00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("abcd-ef-ghTij:kl:mnZ"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("1714564800"), std::nullopt);
}

TEST(FormatRfc3339Test, WholeSecondsHaveNoFraction) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(k2024May1Noon * kMicros), "2024-05-01T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(int64_t{1709164800} * kMicros), "2024-02-29T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(int64_t{253402300799} * kMicros), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(int64_t{-62135596800} * kMicros), "0001-01-01T00:00:00Z");
}

TEST(FormatRfc3339Test, FractionsUseMillisecondsOrMicroseconds) {
  EXPECT_EQ(FormatRfc3339(1'500'000), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(FormatRfc3339(120'000), "1970-01-01T00:00:00.120Z");
  EXPECT_EQ(FormatRfc3339(1'000), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(FormatRfc3339(1), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatRfc3339(123'456), "1970-01-01T00:00:00.123456Z");
  EXPECT_EQ(FormatRfc3339(123'450), "1970-01-01T00:00:00.123450Z");
}

TEST(FormatRfc3339Test, NegativeMicrosBorrowFromTheSecond) {
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(-1'000), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(-500'000), "1969-12-31T23:59:59.500Z");
  EXPECT_EQ(FormatRfc3339(-1'000'000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(-86'400'000'000), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(-86'400'000'001), "1969-12-30T23:59:59.999999Z");
}

TEST(FormatRfc3339Test, RoundTripsThroughParse) {
  std::mt19937_64 random(20240501);
  const int64_t lo = int64_t{-62135596800} * kMicros;      // 0001-01-01.
  const int64_t hi = int64_t{253402300800} * kMicros - 1;  // End of 9999.
  std::uniform_int_distribution<int64_t> any(lo, hi);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    int64_t micros = any(random);
    switch (iteration % 4) {
      case 0: micros -= micros % kMicros; break;  // Whole seconds.
      case 1: micros -= micros % 1000; break;     // Milliseconds.
      default: break;
    }
    const std::string text = FormatRfc3339(micros);
    ASSERT_EQ(ParseRfc3339(text), micros) << text;
  }
  for (int64_t micros : {int64_t{0}, int64_t{-1}, int64_t{1}, lo, hi, int64_t{-999'999}}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(micros)), micros) << FormatRfc3339(micros);
  }
}

TEST(NowMicrosTest, IsAfter2024AndMonotonicEnough) {
  const int64_t first = NowMicros();
  EXPECT_GT(first, k2024May1Noon * kMicros);
  EXPECT_GE(NowMicros(), first);
}

TEST(ParseDurationSecondsTest, Units) {
  EXPECT_EQ(ParseDurationSeconds("30s"), 30);
  EXPECT_EQ(ParseDurationSeconds("5m"), 300);
  EXPECT_EQ(ParseDurationSeconds("12h"), 43200);
  EXPECT_EQ(ParseDurationSeconds("30d"), 2592000);
  EXPECT_EQ(ParseDurationSeconds("2w"), 1209600);
  EXPECT_EQ(ParseDurationSeconds("1s"), 1);
  EXPECT_EQ(ParseDurationSeconds("007d"), 7 * 86400);
}

TEST(ParseDurationSecondsTest, ZeroAndNegativeAreRefused) {
  EXPECT_EQ(ParseDurationSeconds("0s"), std::nullopt);
  EXPECT_EQ(ParseDurationSeconds("0d"), std::nullopt);
  EXPECT_EQ(ParseDurationSeconds("-1h"), std::nullopt);
}

TEST(ParseDurationSecondsTest, Overflow) {
  EXPECT_EQ(ParseDurationSeconds("9223372036854775807s"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseDurationSeconds("9223372036854775808s"), std::nullopt);
  EXPECT_EQ(ParseDurationSeconds("15250284452471w"), int64_t{15250284452471} * 604800);
  EXPECT_EQ(ParseDurationSeconds("15250284452472w"), std::nullopt);
  EXPECT_EQ(ParseDurationSeconds("106751991167300d"), int64_t{106751991167300} * 86400);
  EXPECT_EQ(ParseDurationSeconds("106751991167301d"), std::nullopt);
  EXPECT_EQ(ParseDurationSeconds("99999999999999999999999h"), std::nullopt);
}

TEST(ParseDurationSecondsTest, Junk) {
  for (std::string_view text : {"", "s", "1", "10", "1x", "1H", "1D", "+1h", " 1h", "1h ", "1 h",
                                "1.5h", "1e3s", "h1", "1hh", "1h30m", "0x10s", "abc"}) {
    EXPECT_EQ(ParseDurationSeconds(text), std::nullopt) << "'" << text << "'";
  }
}

// One writer over a sequence: same-day runs reuse the date, day and year changes (both
// ways, before 1970 and beyond 9999) recompute it, and each text equals FormatRfc3339.
TEST(Rfc3339WriterTest, SequencesMatchFormatRfc3339) {
  const int64_t day = 86400 * kMicros;
  std::vector<int64_t> times = {0,
                                1,
                                day - 1,
                                day,
                                day + 10 * kMicros,
                                -1,
                                -day,
                                k2024May1Noon * kMicros,
                                k2024May1Noon * kMicros + 1'500'000,
                                int64_t{253402300799} * kMicros,
                                int64_t{253402300800} * kMicros,  // Year 10000.
                                int64_t{-62135596800} * kMicros - 1,
                                std::numeric_limits<int64_t>::max(),
                                std::numeric_limits<int64_t>::min(),
                                k2024May1Noon * kMicros};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    times.push_back(k2024May1Noon * kMicros + static_cast<int64_t>(rng() % (3 * day)) - day);
  }
  Rfc3339Writer writer;
  for (const int64_t micros : times) {
    char buf[kMaxRfc3339Bytes];
    const std::string text(buf, writer.Write(buf, micros));
    ASSERT_EQ(text, FormatRfc3339(micros)) << micros;
  }
  EXPECT_EQ(FormatRfc3339(int64_t{253402300800} * kMicros), "10000-01-01T00:00:00Z");
}

}  // namespace
}  // namespace strata
