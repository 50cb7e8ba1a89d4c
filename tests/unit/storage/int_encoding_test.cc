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
