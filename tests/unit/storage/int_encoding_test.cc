#include "storage/encoding/int_encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace strata::storage {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
const std::vector<size_t> kSizes = {0, 1, 2, 3, 63, 64, 65, 127, 128, 129, 1000, 100000};

// Encodes, checks that decoding gives back `values` and consumes exactly the block (a
// trailing sentinel must remain), and returns the encoding and the encoded size.
std::pair<IntEncoding, size_t> RoundTrip(const std::vector<int64_t>& values) {
  ByteWriter writer;
  writer.PutU8(0x5A);  // Blocks need not start at offset 0.
  const IntEncoding encoding = EncodeInts(values, writer);
  const size_t size = writer.size() - 1;
  writer.PutBytes("sentinel");
  ByteReader reader(writer.buffer());
  EXPECT_TRUE(reader.Skip(1));
  std::vector<int64_t> decoded(values.size() + 1, 77);
  const Status status = DecodeInts(reader, values.size(), decoded.data());
  EXPECT_TRUE(status.ok()) << status.ToString() << " " << IntEncodingName(encoding);
  decoded.pop_back();
  EXPECT_EQ(decoded, values) << IntEncodingName(encoding) << " n=" << values.size();
  EXPECT_EQ(reader.rest(), "sentinel") << IntEncodingName(encoding);
  return {encoding, size};
}

// As RoundTrip, with `encoding` forced; returns the encoded size.
size_t RoundTripAs(IntEncoding encoding, const std::vector<int64_t>& values) {
  ByteWriter writer;
  writer.PutU8(0x5A);
  EncodeIntsAs(encoding, values, writer);
  const size_t size = writer.size() - 1;
  writer.PutBytes("sentinel");
  ByteReader reader(writer.buffer());
  EXPECT_TRUE(reader.Skip(1));
  std::vector<int64_t> decoded(values.size() + 1, 77);
  const Status status = DecodeInts(reader, values.size(), decoded.data());
  EXPECT_TRUE(status.ok()) << status.ToString() << " " << IntEncodingName(encoding);
  decoded.pop_back();
  EXPECT_EQ(decoded, values) << IntEncodingName(encoding) << " n=" << values.size();
  EXPECT_EQ(reader.rest(), "sentinel") << IntEncodingName(encoding);
  return size;
}

constexpr IntEncoding kAllEncodings[] = {
    IntEncoding::kPlain,        IntEncoding::kFrameOfReference,
    IntEncoding::kDelta,        IntEncoding::kDeltaOfDelta,
    IntEncoding::kRunLength,    IntEncoding::kGroupedFrameOfReference,
    IntEncoding::kGroupedDelta, IntEncoding::kGroupedDeltaOfDelta,
};
constexpr IntEncoding kGroupedEncodings[] = {
    IntEncoding::kGroupedFrameOfReference,
    IntEncoding::kGroupedDelta,
    IntEncoding::kGroupedDeltaOfDelta,
};

bool IsGrouped(IntEncoding encoding) {
  return encoding == IntEncoding::kGroupedFrameOfReference ||
         encoding == IntEncoding::kGroupedDelta || encoding == IntEncoding::kGroupedDeltaOfDelta;
}

// A chunk of a column sorted by (host, time): runs of `rows_per_host` values per host, the
// first run entered mid-way. Inside a run value(t) = start(host) + step(t); at each run
// boundary the value jumps back.
std::vector<int64_t> HostSorted(size_t n, size_t rows_per_host,
                                const std::function<int64_t(size_t host, size_t tick)>& value) {
  std::vector<int64_t> values(n);
  const size_t offset = rows_per_host / 3;  // The chunk starts inside a host.
  for (size_t row_idx = 0; row_idx < n; ++row_idx) {
    const size_t row = row_idx + offset;
    values[row_idx] = value(row / rows_per_host, row % rows_per_host);
  }
  return values;
}

using Generator = std::function<int64_t(size_t row_idx, std::mt19937_64& rng)>;

struct Pattern {
  const char* name;
  Generator generate;
};

std::vector<Pattern> Patterns() {
  return {
      {"random_full_range", [](size_t, std::mt19937_64& rng) { return int64_t(rng()); }},
      {"all_equal", [](size_t, std::mt19937_64&) { return int64_t{-42}; }},
      {"all_distinct", [](size_t i, std::mt19937_64&) { return int64_t(i * 7919 % 100003); }},
      {"monotonic", [](size_t i, std::mt19937_64&) { return int64_t(i) * 3 + 1000; }},
      {"random_walk",
       [walk = int64_t{0}](size_t, std::mt19937_64& rng) mutable {
         return walk += int64_t(rng() % 21) - 10;
       }},
      {"negative", [](size_t, std::mt19937_64& rng) { return -int64_t(rng() % 1000) - 1; }},
      {"extremes",
       [](size_t, std::mt19937_64& rng) {
         const int64_t choices[] = {kMin, kMax, 0, -1, kMin + 1, kMax - 1};
         return choices[rng() % 6];
       }},
      {"min_max_alternating", [](size_t i, std::mt19937_64&) { return i % 2 ? kMin : kMax; }},
      {"timestamps",
       [](size_t i, std::mt19937_64&) { return int64_t{1700000000000000000} + int64_t(i) * 1000; }},
      {"jittered_timestamps",
       [](size_t i, std::mt19937_64& rng) {
         return int64_t{1700000000000000000} + int64_t(i) * 1000000 + int64_t(rng() % 50);
       }},
      {"quadratic", [](size_t i, std::mt19937_64&) { return int64_t(i * i); }},
      {"runs", [](size_t i, std::mt19937_64&) { return int64_t((i / 100) * 7777777); }},
      {"small_range", [](size_t, std::mt19937_64& rng) { return 5000 + int64_t(rng() % 16); }},
      {"wrapping_deltas",
       [](size_t i, std::mt19937_64&) {
         return static_cast<int64_t>(uint64_t(i) * 0x9E3779B97F4A7C15ULL);
       }},
  };
}

TEST(IntEncodingTest, RoundTripsEveryPatternAndSize) {
  for (const Pattern& pattern : Patterns()) {
    for (size_t n : kSizes) {
      SCOPED_TRACE(std::string(pattern.name) + " n=" + std::to_string(n));
      std::mt19937_64 rng(n);
      Generator generate = pattern.generate;  // Fresh state per size.
      std::vector<int64_t> values(n);
      for (size_t i = 0; i < n; ++i) values[i] = generate(i, rng);
      RoundTrip(values);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(IntEncodingTest, RoundTripsEveryBitWidth) {
  std::mt19937_64 rng(7);
  for (int width = 0; width <= 64; ++width) {
    const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
    for (size_t n : {size_t{1}, size_t{64}, size_t{200}, size_t{1000 + 17}}) {
      SCOPED_TRACE("width=" + std::to_string(width) + " n=" + std::to_string(n));
      // Frame of reference around a negative base.
      std::vector<int64_t> values(n);
      for (int64_t& value : values) value = static_cast<int64_t>(uint64_t(-12345) + (rng() & mask));
      if (n > 1) values[0] = -12345;
      RoundTrip(values);
      // Deltas of that width: a random walk.
      uint64_t walk = 99;
      for (int64_t& value : values) value = static_cast<int64_t>(walk += (rng() & mask));
      RoundTrip(values);
      // Second differences of that width.
      uint64_t step = 5;
      for (int64_t& value : values) {
        step += rng() & mask;
        value = static_cast<int64_t>(walk += step);
      }
      RoundTrip(values);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(IntEncodingTest, ForcedEncodingsRoundTripEverySizeUpTo1000) {
  std::vector<Pattern> patterns;
  for (const Pattern& pattern : Patterns()) {
    const std::string name = pattern.name;
    if (name == "random_walk" || name == "extremes" || name == "min_max_alternating" ||
        name == "runs" || name == "jittered_timestamps") {
      patterns.push_back(pattern);
    }
  }
  for (const Pattern& pattern : patterns) {
    for (size_t n = 0; n <= 1000; ++n) {
      std::mt19937_64 rng(n);
      Generator generate = pattern.generate;
      std::vector<int64_t> values(n);
      for (size_t i = 0; i < n; ++i) values[i] = generate(i, rng);
      for (IntEncoding encoding : kAllEncodings) {
        SCOPED_TRACE(std::string(pattern.name) + " n=" + std::to_string(n) + " " +
                     std::string(IntEncodingName(encoding)));
        RoundTripAs(encoding, values);
      }
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// Streams whose 64-value groups have different widths (group 0 has `width`, the others
// cycle through all widths) and bases (some repeated, some far apart), as the values,
// the differences or the second differences of the column.
TEST(IntEncodingTest, GroupedRoundTripsEveryGroupWidth) {
  std::mt19937_64 rng(8);
  for (int width = 0; width <= 64; ++width) {
    for (size_t n : {size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{64 * 9 + 17}}) {
      SCOPED_TRACE("width=" + std::to_string(width) + " n=" + std::to_string(n));
      std::vector<uint64_t> stream(n);
      uint64_t base = 0;
      for (size_t i = 0; i < n; ++i) {
        const size_t group = i / 64;
        if (i % 64 == 0 && group % 3 != 1) base = rng();  // Every third group keeps its base.
        const int group_width = group == 0 ? width : static_cast<int>((width + 23 * group) % 65);
        const uint64_t mask = group_width == 64 ? ~uint64_t{0} : (uint64_t{1} << group_width) - 1;
        stream[i] = base + (rng() & mask);
      }
      std::vector<int64_t> values(n);
      for (size_t i = 0; i < n; ++i) values[i] = static_cast<int64_t>(stream[i]);
      RoundTripAs(IntEncoding::kGroupedFrameOfReference, values);
      RoundTrip(values);
      uint64_t walk = rng();
      for (size_t i = 0; i < n; ++i) {
        values[i] = static_cast<int64_t>(walk);
        walk += stream[i];
      }
      RoundTripAs(IntEncoding::kGroupedDelta, values);
      RoundTrip(values);
      uint64_t step = rng();
      walk = rng();
      for (size_t i = 0; i < n; ++i) {
        values[i] = static_cast<int64_t>(walk);
        walk += step;
        step += stream[i];
      }
      RoundTripAs(IntEncoding::kGroupedDeltaOfDelta, values);
      RoundTrip(values);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(IntEncodingTest, GroupedHandlesInt64Extremes) {
  std::vector<int64_t> values;
  for (int group = 0; group < 6; ++group) {
    for (int i = 0; i < 64; ++i) {
      switch (group) {
        case 0: values.push_back(kMin); break;
        case 1: values.push_back(kMax); break;
        case 2: values.push_back(i % 2 ? kMin : kMax); break;
        case 3: values.push_back(kMin + i); break;
        case 4: values.push_back(kMax - i); break;
        default: values.push_back(i % 3 == 0 ? kMin : i % 3 == 1 ? 0 : kMax); break;
      }
    }
  }
  values.push_back(kMin);
  for (IntEncoding encoding : kGroupedEncodings) {
    SCOPED_TRACE(IntEncodingName(encoding));
    RoundTripAs(encoding, values);
  }
  RoundTrip(values);
}

// The chunk of issue "host-sorted TSBS": 65,536 rows over ~8 hosts of 8,640 ticks. Single
// bit widths were set by the ~8 boundary jumps; grouped widths confine them to their groups.
TEST(IntEncodingTest, ChoosesGroupedForHostSortedColumns) {
  constexpr size_t kRows = 65536;
  constexpr size_t kTicks = 8640;
  const auto single_size = [](const std::vector<int64_t>& values) {
    return std::min(RoundTripAs(IntEncoding::kFrameOfReference, values),
                    RoundTripAs(IntEncoding::kDelta, values));
  };
  // seq: +1000 per tick within a host (1000 hosts per tick), back ~8.6M at a boundary.
  const std::vector<int64_t> seq = HostSorted(kRows, kTicks, [](size_t host, size_t tick) {
    return int64_t(1000000 + tick * 1000 + host);
  });
  // time: +10 s per tick (in microseconds), back a day at a boundary.
  const std::vector<int64_t> time = HostSorted(kRows, kTicks, [](size_t, size_t tick) {
    return int64_t{1451606400000000} + int64_t(tick) * 10000000;
  });
  // usage: a random walk in [0, 100] with steps of -3..3, restarting anywhere per host.
  std::mt19937_64 rng(9);
  std::vector<int64_t> usage;
  for (size_t host = 0; usage.size() < kRows; ++host) {
    int64_t walk = int64_t(rng() % 101);
    for (size_t tick = (host == 0 ? kTicks / 3 : 0); tick < kTicks && usage.size() < kRows;
         ++tick) {
      walk = std::clamp<int64_t>(walk + int64_t(rng() % 7) - 3, 0, 100);
      usage.push_back(walk);
    }
  }

  const auto [seq_encoding, seq_size] = RoundTrip(seq);
  EXPECT_TRUE(IsGrouped(seq_encoding)) << IntEncodingName(seq_encoding);
  EXPECT_LT(seq_size, kRows / 16);  // < 0.5 bits per value; was 24.
  EXPECT_LT(seq_size * 20, single_size(seq));

  const auto [time_encoding, time_size] = RoundTrip(time);
  EXPECT_TRUE(IsGrouped(time_encoding)) << IntEncodingName(time_encoding);
  EXPECT_LT(time_size, kRows / 16);  // Was 37 bits per value.
  EXPECT_LT(time_size * 20, single_size(time));

  const auto [usage_encoding, usage_size] = RoundTrip(usage);
  EXPECT_EQ(usage_encoding, IntEncoding::kGroupedDelta) << IntEncodingName(usage_encoding);
  EXPECT_LT(usage_size, kRows * 7 / 16);              // < 3.5 bits per value; was 7.
  EXPECT_LT(usage_size * 9, single_size(usage) * 5);  // 3.1 vs 6 bits per value.
}

TEST(IntEncodingTest, EmptyInputIsOneByte) {
  const auto [encoding, size] = RoundTrip({});
  EXPECT_EQ(encoding, IntEncoding::kPlain);
  EXPECT_EQ(size, 1u);
}

TEST(IntEncodingTest, ChoosesDeltaForConstantStrideTimestamps) {
  std::vector<int64_t> values(100000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 1700000000000000000 + int64_t(i) * 1000;
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_TRUE(encoding == IntEncoding::kDelta || encoding == IntEncoding::kDeltaOfDelta)
      << IntEncodingName(encoding);
  EXPECT_LT(size, 32u);
}

TEST(IntEncodingTest, ChoosesDeltaOfDeltaForSmoothlyChangingSteps) {
  std::vector<int64_t> values(10000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = int64_t(i * i) * 3 + 17;
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_EQ(encoding, IntEncoding::kDeltaOfDelta);
  EXPECT_LT(size, 32u);
}

TEST(IntEncodingTest, ChoosesFrameOfReferenceForSmallRange) {
  std::mt19937_64 rng(3);
  std::vector<int64_t> values(10000);
  for (int64_t& value : values) value = -1000000 + int64_t(rng() % 16);
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_EQ(encoding, IntEncoding::kFrameOfReference);
  EXPECT_LE(size, values.size() / 2 + 16);  // 4 bits per value.
}

TEST(IntEncodingTest, ChoosesDeltaForSmallSteps) {
  std::mt19937_64 rng(4);
  std::vector<int64_t> values(10000);
  int64_t walk = 1 << 30;
  for (int64_t& value : values) value = walk += int64_t(rng() % 7) - 3;
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_EQ(encoding, IntEncoding::kDelta);
  EXPECT_LE(size, values.size() * 3 / 8 + 16);  // 3 bits per value.
}

TEST(IntEncodingTest, ChoosesRunLengthForRuns) {
  std::mt19937_64 rng(5);
  std::vector<int64_t> values;
  while (values.size() < 100000) {
    values.insert(values.end(), 50 + rng() % 150, int64_t(rng()));
  }
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_EQ(encoding, IntEncoding::kRunLength);
  EXPECT_LT(size, values.size() / 5);
}

TEST(IntEncodingTest, ChoosesPlainForRandomValues) {
  std::mt19937_64 rng(6);
  std::vector<int64_t> values(1000);
  for (int64_t& value : values) value = int64_t(rng());
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_EQ(encoding, IntEncoding::kPlain);
  EXPECT_EQ(size, 1 + values.size() * 8);
}

TEST(IntEncodingTest, AllEqualIsTiny) {
  const std::vector<int64_t> values(100000, kMin);
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_LE(size, 16u) << IntEncodingName(encoding);
}

TEST(IntEncodingTest, FullRangeUsesWidth64) {
  std::vector<int64_t> values(64);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i % 2 ? kMin : kMax;
  values[7] = 12345;
  RoundTrip(values);
}

TEST(IntEncodingTest, NamesAreStable) {
  EXPECT_EQ(IntEncodingName(IntEncoding::kPlain), "plain");
  EXPECT_EQ(IntEncodingName(IntEncoding::kFrameOfReference), "for");
  EXPECT_EQ(IntEncodingName(IntEncoding::kDelta), "delta");
  EXPECT_EQ(IntEncodingName(IntEncoding::kDeltaOfDelta), "delta_of_delta");
  EXPECT_EQ(IntEncodingName(IntEncoding::kRunLength), "rle");
  EXPECT_EQ(IntEncodingName(IntEncoding::kGroupedFrameOfReference), "grouped_for");
  EXPECT_EQ(IntEncodingName(IntEncoding::kGroupedDelta), "grouped_delta");
  EXPECT_EQ(IntEncodingName(IntEncoding::kGroupedDeltaOfDelta), "grouped_delta_of_delta");
  // Tags are stored on disk: never renumbered.
  EXPECT_EQ(static_cast<int>(IntEncoding::kRunLength), 4);
  EXPECT_EQ(static_cast<int>(IntEncoding::kGroupedFrameOfReference), 5);
  EXPECT_EQ(static_cast<int>(IntEncoding::kGroupedDelta), 6);
  EXPECT_EQ(static_cast<int>(IntEncoding::kGroupedDeltaOfDelta), 7);
}

TEST(IntEncodingTest, DecodesConsecutiveBlocks) {
  const std::vector<int64_t> a = {1, 2, 3, 4, 5};
  const std::vector<int64_t> b(100, 9);
  const std::vector<int64_t> c = {kMin, kMax};
  ByteWriter writer;
  EncodeInts(a, writer);
  EncodeInts(b, writer);
  EncodeInts(c, writer);
  ByteReader reader(writer.buffer());
  std::vector<int64_t> out(100);
  ASSERT_OK(DecodeInts(reader, a.size(), out.data()));
  EXPECT_TRUE(std::equal(a.begin(), a.end(), out.begin()));
  ASSERT_OK(DecodeInts(reader, b.size(), out.data()));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), out.begin()));
  ASSERT_OK(DecodeInts(reader, c.size(), out.data()));
  EXPECT_TRUE(std::equal(c.begin(), c.end(), out.begin()));
  EXPECT_TRUE(reader.empty());
}

Status DecodeBytes(const std::string& bytes, size_t count) {
  ByteReader reader(bytes);
  std::vector<int64_t> out(count);
  return DecodeInts(reader, count, out.data());
}

TEST(IntEncodingTest, RejectsMalformedHeaders) {
  EXPECT_EQ(DecodeBytes("", 1).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeBytes("\x09", 1).code(), StatusCode::kCorruption);  // Unknown tag.
  // Frame of reference with width 65.
  EXPECT_EQ(DecodeBytes(std::string("\x01\x00\x41", 3), 1).code(), StatusCode::kCorruption);
  // Run of length zero, then a run longer than count.
  EXPECT_EQ(DecodeBytes(std::string("\x04\x02\x00", 3), 1).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeBytes(std::string("\x04\x02\x03", 3), 2).code(), StatusCode::kCorruption);
  // A valid width-0 block decodes any count without reading more.
  EXPECT_OK(DecodeBytes(std::string("\x01\x02\x00", 3), 1000));
  // Grouped: widths 65 and 127, with and without a base.
  EXPECT_EQ(DecodeBytes(std::string("\x05\x41", 2), 1).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeBytes(std::string("\x05\xC1\x02", 3), 1).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeBytes(std::string("\x05\x7F", 2), 1).code(), StatusCode::kCorruption);
  // Grouped base varint longer than 10 bytes, and with bits beyond 64.
  EXPECT_EQ(DecodeBytes(std::string("\x05\x80") + std::string(11, '\xFF') + '\x00', 1).code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DecodeBytes(std::string("\x05\x80") + std::string(9, '\xFF') + '\x02', 1).code(),
            StatusCode::kCorruption);
  // Width-0 groups need one header byte per 64 values: 2 groups, not 3.
  EXPECT_OK(DecodeBytes(std::string("\x05\x80\x06\x00", 4), 128));
  EXPECT_EQ(DecodeBytes(std::string("\x05\x80\x06\x00", 4), 129).code(), StatusCode::kCorruption);
  // Grouped delta: first value 3, one group of deltas with base 1, width 0.
  {
    ByteReader reader(std::string_view("\x06\x06\x80\x02", 4));
    std::vector<int64_t> out(65);
    ASSERT_OK(DecodeInts(reader, out.size(), out.data()));
    for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], int64_t(3 + i));
  }
}

std::vector<std::vector<int64_t>> FuzzInputs() {
  std::vector<std::vector<int64_t>> inputs;
  for (const Pattern& pattern : Patterns()) {
    std::mt19937_64 rng(11);
    Generator generate = pattern.generate;
    std::vector<int64_t> values(300);
    for (size_t i = 0; i < values.size(); ++i) values[i] = generate(i, rng);
    inputs.push_back(std::move(values));
  }
  return inputs;
}

TEST(IntEncodingTest, EveryTruncationIsCorruption) {
  for (const std::vector<int64_t>& values : FuzzInputs()) {
    ByteWriter writer;
    const IntEncoding encoding = EncodeInts(values, writer);
    const std::string& full = writer.buffer();
    for (size_t len = 0; len < full.size(); ++len) {
      const Status status = DecodeBytes(full.substr(0, len), values.size());
      ASSERT_EQ(status.code(), StatusCode::kCorruption)
          << IntEncodingName(encoding) << " len=" << len;
    }
  }
}

TEST(IntEncodingTest, EveryTruncationOfAGroupedBodyIsCorruption) {
  std::vector<std::vector<int64_t>> inputs = FuzzInputs();
  inputs.push_back(
      HostSorted(1000, 300, [](size_t host, size_t tick) { return int64_t(tick * 1000 + host); }));
  for (const std::vector<int64_t>& values : inputs) {
    for (IntEncoding encoding : kGroupedEncodings) {
      ByteWriter writer;
      EncodeIntsAs(encoding, values, writer);
      const std::string& full = writer.buffer();
      ASSERT_OK(DecodeBytes(full, values.size()));
      for (size_t len = 0; len < full.size(); ++len) {
        const Status status = DecodeBytes(full.substr(0, len), values.size());
        ASSERT_EQ(status.code(), StatusCode::kCorruption)
            << IntEncodingName(encoding) << " len=" << len;
      }
    }
  }
}

TEST(IntEncodingTest, GroupedByteFlipsGiveOkOrCorruption) {
  std::mt19937_64 rng(13);
  for (const std::vector<int64_t>& values : FuzzInputs()) {
    for (IntEncoding encoding : kGroupedEncodings) {
      ByteWriter writer;
      EncodeIntsAs(encoding, values, writer);
      for (int trial = 0; trial < 200; ++trial) {
        std::string bytes = writer.buffer();
        const int flips = 1 + int(rng() % 3);
        for (int flip = 0; flip < flips; ++flip) {
          bytes[1 + rng() % (bytes.size() - 1)] ^= static_cast<char>(1 + rng() % 255);
        }
        const Status status = DecodeBytes(bytes, values.size());
        EXPECT_TRUE(status.ok() || status.code() == StatusCode::kCorruption);
        // Also with a count larger than encoded: must run out of input, not read past it.
        const Status longer = DecodeBytes(bytes, values.size() + 100);
        EXPECT_TRUE(longer.ok() || longer.code() == StatusCode::kCorruption);
      }
    }
  }
}

TEST(IntEncodingTest, RandomByteFlipsNeverCrash) {
  std::mt19937_64 rng(12);
  for (const std::vector<int64_t>& values : FuzzInputs()) {
    ByteWriter writer;
    EncodeInts(values, writer);
    for (int trial = 0; trial < 300; ++trial) {
      std::string bytes = writer.buffer();
      const int flips = 1 + int(rng() % 3);
      for (int flip = 0; flip < flips; ++flip) {
        bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      }
      const Status status = DecodeBytes(bytes, values.size());
      EXPECT_TRUE(status.ok() || status.code() == StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace strata::storage
