#include "storage/encoding/float_encoding.h"

#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace strata::storage {
namespace {

const std::vector<size_t> kSizes = {0, 1, 2, 63, 64, 65, 1000, 100000};

double FromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

std::pair<FloatEncoding, size_t> RoundTrip(const std::vector<double>& values) {
  ByteWriter writer;
  const FloatEncoding encoding = EncodeDoubles(values, writer);
  const size_t size = writer.size();
  writer.PutBytes("sentinel");
  ByteReader reader(writer.buffer());
  std::vector<double> decoded(values.size());
  const Status status = DecodeDoubles(reader, values.size(), decoded.data());
  EXPECT_TRUE(status.ok()) << status.ToString();
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::bit_cast<uint64_t>(decoded[i]) != std::bit_cast<uint64_t>(values[i])) {
      ADD_FAILURE() << FloatEncodingName(encoding) << " differs at " << i << ": " << values[i]
                    << " vs " << decoded[i];
      break;
    }
  }
  EXPECT_EQ(reader.rest(), "sentinel") << FloatEncodingName(encoding);
  return {encoding, size};
}

std::vector<double> Specials() {
  return {std::numeric_limits<double>::quiet_NaN(),
          -std::numeric_limits<double>::quiet_NaN(),
          FromBits(0x7FF0000000000001ULL),  // Signaling NaN with payload 1.
          FromBits(0x7FF8DEADBEEF1234ULL),  // Quiet NaN with a payload.
          FromBits(0xFFF4000000000BADULL),
          0.0,
          -0.0,
          std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::denorm_min(),
          -std::numeric_limits<double>::denorm_min(),
          FromBits(0x000FFFFFFFFFFFFFULL),  // Largest denormal.
          DBL_MAX,
          -DBL_MAX,
          DBL_MIN,
          -DBL_MIN,
          DBL_EPSILON,
          1.0,
          -1.0,
          0.1,
          9007199254740992.0,  // 2^53.
          9007199254740994.0,  // 2^53 + 2: integral but beyond the int range we accept.
          -9007199254740992.0};
}

TEST(FloatEncodingTest, SpecialValuesRoundTripBitExact) {
  const std::vector<double> specials = Specials();
  RoundTrip(specials);
  // Specials mixed into smooth and integral data, so every encoding sees them.
  for (double special : specials) {
    std::vector<double> smooth(100);
    for (size_t i = 0; i < smooth.size(); ++i) smooth[i] = 20.0 + 0.25 * double(i % 5);
    smooth[50] = special;
    RoundTrip(smooth);
    std::vector<double> integral(100, 3.0);
    integral[0] = special;
    RoundTrip(integral);
  }
}

TEST(FloatEncodingTest, RoundTripsPatternsAtEverySize) {
  std::mt19937_64 rng(1);
  for (size_t n : kSizes) {
    SCOPED_TRACE(n);
    std::vector<double> values(n);
    for (double& value : values) value = FromBits(rng());  // Any bits, NaNs included.
    RoundTrip(values);
    for (double& value : values) value = std::uniform_real_distribution<double>(-1, 1)(rng);
    RoundTrip(values);
    for (size_t i = 0; i < n; ++i) values[i] = 100.0 + std::sin(double(i) / 50.0);
    RoundTrip(values);
    for (size_t i = 0; i < n; ++i) values[i] = double(int64_t(rng() % 2000) - 1000);
    RoundTrip(values);
    for (size_t i = 0; i < n; ++i) values[i] = 0.5 * double(i / 10);
    RoundTrip(values);
    const std::vector<double> specials = Specials();
    for (size_t i = 0; i < n; ++i) values[i] = specials[rng() % specials.size()];
    RoundTrip(values);
  }
}

TEST(FloatEncodingTest, ChoosesIntegralForWholeNumbers) {
  std::vector<double> values(10000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = double(i % 100) - 50;
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_EQ(encoding, FloatEncoding::kIntegral);
  EXPECT_LE(size, values.size() + 16);  // 7 bits per value.
}

TEST(FloatEncodingTest, NegativeZeroAndHugeValuesAreNotIntegral) {
  std::vector<double> values(1000, 7.0);
  values[10] = -0.0;
  EXPECT_NE(RoundTrip(values).first, FloatEncoding::kIntegral);
  values[10] = 9007199254740994.0;
  EXPECT_NE(RoundTrip(values).first, FloatEncoding::kIntegral);
  values[10] = -9007199254740992.0;
  EXPECT_EQ(RoundTrip(values).first, FloatEncoding::kIntegral);
}

TEST(FloatEncodingTest, ChoosesXorForSlowlyChangingValues) {
  std::vector<double> values(10000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 21.3 + (i / 100 % 3) * 0.1;
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_EQ(encoding, FloatEncoding::kXor);
  EXPECT_LT(size, values.size() / 2);
}

TEST(FloatEncodingTest, ChoosesPlainForNoise) {
  std::mt19937_64 rng(2);
  std::vector<double> values(1000);
  for (double& value : values) value = FromBits(rng());
  const auto [encoding, size] = RoundTrip(values);
  EXPECT_EQ(encoding, FloatEncoding::kPlain);
  EXPECT_EQ(size, 1 + values.size() * 8);
}

Status DecodeBytes(const std::string& bytes, size_t count) {
  ByteReader reader(bytes);
  std::vector<double> out(count);
  return DecodeDoubles(reader, count, out.data());
}

TEST(FloatEncodingTest, RejectsMalformedInput) {
  EXPECT_EQ(DecodeBytes("", 1).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeBytes("\x07", 1).code(), StatusCode::kCorruption);
  // Xor stream whose second value reuses a window that was never set: bits '1' '0'.
  std::string reuse(1, '\x01');
  reuse += std::string(8, '\0');
  reuse += '\x01';
  reuse += std::string(8, '\0');
  EXPECT_EQ(DecodeBytes(reuse, 2).code(), StatusCode::kCorruption);
}

std::vector<std::vector<double>> FuzzInputs() {
  std::mt19937_64 rng(3);
  std::vector<std::vector<double>> inputs(4, std::vector<double>(200));
  for (size_t i = 0; i < 200; ++i) {
    inputs[0][i] = FromBits(rng());
    inputs[1][i] = 21.3 + (i / 10 % 3) * 0.1;
    inputs[2][i] = double(i * 3);
    inputs[3][i] = 1.0 / double(i + 1);
  }
  return inputs;
}

TEST(FloatEncodingTest, EveryTruncationIsCorruption) {
  for (const std::vector<double>& values : FuzzInputs()) {
    ByteWriter writer;
    const FloatEncoding encoding = EncodeDoubles(values, writer);
    const std::string& full = writer.buffer();
    for (size_t len = 0; len < full.size(); ++len) {
      ASSERT_EQ(DecodeBytes(full.substr(0, len), values.size()).code(), StatusCode::kCorruption)
          << FloatEncodingName(encoding) << " len=" << len;
    }
  }
}

TEST(FloatEncodingTest, RandomByteFlipsNeverCrash) {
  std::mt19937_64 rng(4);
  for (const std::vector<double>& values : FuzzInputs()) {
    ByteWriter writer;
    EncodeDoubles(values, writer);
    for (int trial = 0; trial < 300; ++trial) {
      std::string bytes = writer.buffer();
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      const Status status = DecodeBytes(bytes, values.size());
      EXPECT_TRUE(status.ok() || status.code() == StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace strata::storage
