#include "storage/encoding/bool_encoding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace strata::storage {
namespace {

size_t RoundTrip(const std::vector<uint8_t>& values) {
  ByteWriter writer;
  EncodeBools(values, writer);
  const size_t size = writer.size();
  writer.PutBytes("sentinel");
  ByteReader reader(writer.buffer());
  std::vector<uint8_t> decoded(values.size(), 9);
  EXPECT_OK(DecodeBools(reader, values.size(), decoded.data()));
  std::vector<uint8_t> expected(values.size());
  for (size_t i = 0; i < values.size(); ++i) expected[i] = values[i] != 0 ? 1 : 0;
  EXPECT_EQ(decoded, expected);
  EXPECT_EQ(reader.rest(), "sentinel");
  return size;
}

TEST(BoolEncodingTest, RoundTripsAtEverySize) {
  std::mt19937_64 rng(1);
  for (size_t n : {0, 1, 2, 7, 8, 9, 63, 64, 65, 1000, 100000}) {
    SCOPED_TRACE(n);
    std::vector<uint8_t> values(n);
    for (uint8_t& value : values) value = rng() & 1;
    const size_t size = RoundTrip(values);
    if (n > 20) {
      EXPECT_EQ(size, 1 + (n + 7) / 8);
    }
    EXPECT_EQ(RoundTrip(std::vector<uint8_t>(n, 0)), 2u);
    EXPECT_EQ(RoundTrip(std::vector<uint8_t>(n, 1)), 2u);
    for (uint8_t& value : values) value = (rng() % 100) == 0;  // Sparse.
    RoundTrip(values);
  }
}

TEST(BoolEncodingTest, TreatsNonzeroAsTrue) {
  EXPECT_EQ(RoundTrip({0, 2, 255, 0, 1}), 2u);
  EXPECT_EQ(RoundTrip({7, 7, 7}), 2u);
}

Status DecodeBytes(const std::string& bytes, size_t count) {
  ByteReader reader(bytes);
  std::vector<uint8_t> out(count);
  return DecodeBools(reader, count, out.data());
}

TEST(BoolEncodingTest, RejectsMalformedInput) {
  EXPECT_EQ(DecodeBytes("", 1).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeBytes("\x05", 1).code(), StatusCode::kCorruption);      // Unknown tag.
  EXPECT_EQ(DecodeBytes("\x01\x02", 1).code(), StatusCode::kCorruption);  // Constant 2.
  EXPECT_EQ(DecodeBytes(std::string("\x00\xFF", 2), 9).code(), StatusCode::kCorruption);
  std::vector<uint8_t> values(100);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i % 3 == 0;
  ByteWriter writer;
  EncodeBools(values, writer);
  for (size_t len = 0; len < writer.size(); ++len) {
    EXPECT_EQ(DecodeBytes(writer.buffer().substr(0, len), values.size()).code(),
              StatusCode::kCorruption);
  }
}

}  // namespace
}  // namespace strata::storage
