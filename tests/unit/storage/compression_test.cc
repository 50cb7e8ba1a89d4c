#include "storage/encoding/compression.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "test_util.h"

namespace strata::storage {
namespace {

std::string Compressible(size_t size) {
  std::string text;
  for (size_t i = 0; text.size() < size; ++i) {
    text += "timestamp=" + std::to_string(1700000000 + i % 97) + " host=web-0" +
            std::to_string(i % 3) + " level=info\n";
  }
  text.resize(size);
  return text;
}

std::string Random(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  return data;
}

TEST(CompressionTest, NamesRoundTrip) {
  for (Compression codec : {Compression::kNone, Compression::kLz4, Compression::kZstd}) {
    EXPECT_EQ(ParseCompression(CompressionName(codec)), codec);
  }
  EXPECT_EQ(CompressionName(Compression::kLz4), "lz4");
  EXPECT_EQ(ParseCompression("gzip"), std::nullopt);
  EXPECT_EQ(ParseCompression("LZ4"), std::nullopt);
}

TEST(CompressionTest, RoundTripsCompressibleData) {
  for (Compression codec : {Compression::kLz4, Compression::kZstd}) {
    for (size_t size : {256, 1000, 100000, 1 << 20}) {
      const std::string input = Compressible(size);
      std::string compressed = "stale";
      ASSERT_EQ(Compress(codec, input, compressed), codec) << CompressionName(codec) << size;
      EXPECT_LE(compressed.size(), input.size() - input.size() / 8);
      std::string output = "stale";
      ASSERT_OK(Decompress(codec, compressed, input.size(), output));
      EXPECT_EQ(output, input);
    }
  }
}

TEST(CompressionTest, ZstdLevelsRoundTrip) {
  const std::string input = Compressible(50000);
  for (int level : {-5, 1, 3, 19}) {
    std::string compressed;
    ASSERT_EQ(Compress(Compression::kZstd, input, compressed, level), Compression::kZstd);
    std::string output;
    ASSERT_OK(Decompress(Compression::kZstd, compressed, input.size(), output));
    EXPECT_EQ(output, input);
  }
}

TEST(CompressionTest, FallsBackToNoneWhenNotWorthIt) {
  for (Compression codec : {Compression::kNone, Compression::kLz4, Compression::kZstd}) {
    for (const std::string& input : {Random(10000, 1), Compressible(40), std::string()}) {
      std::string out = "stale";
      EXPECT_EQ(Compress(codec, input, out), Compression::kNone);
      EXPECT_EQ(out, input);
      std::string decompressed;
      ASSERT_OK(Decompress(Compression::kNone, out, input.size(), decompressed));
      EXPECT_EQ(decompressed, input);
    }
  }
}

TEST(CompressionTest, RejectsGarbageTruncationAndWrongSizes) {
  const std::string input = Compressible(10000);
  std::string out;
  EXPECT_EQ(Decompress(Compression::kNone, "abc", 4, out).code(), StatusCode::kCorruption);
  EXPECT_EQ(Decompress(static_cast<Compression>(9), "abc", 3, out).code(), StatusCode::kCorruption);
  for (Compression codec : {Compression::kLz4, Compression::kZstd}) {
    SCOPED_TRACE(CompressionName(codec));
    std::string compressed;
    ASSERT_EQ(Compress(codec, input, compressed), codec);
    EXPECT_EQ(Decompress(codec, compressed, input.size() + 1, out).code(), StatusCode::kCorruption);
    EXPECT_EQ(Decompress(codec, compressed, input.size() - 1, out).code(), StatusCode::kCorruption);
    EXPECT_EQ(
        Decompress(codec, compressed.substr(0, compressed.size() / 2), input.size(), out).code(),
        StatusCode::kCorruption);
    EXPECT_EQ(Decompress(codec, "", input.size(), out).code(), StatusCode::kCorruption);
    EXPECT_EQ(Decompress(codec, Random(500, 2), input.size(), out).code(), StatusCode::kCorruption);
    // A claimed size far beyond what the input could hold is rejected without allocating.
    EXPECT_EQ(Decompress(codec, compressed, size_t{1} << 40, out).code(), StatusCode::kCorruption);
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 200; ++trial) {
      std::string flipped = compressed;
      flipped[rng() % flipped.size()] ^= static_cast<char>(1 + rng() % 255);
      const Status status = Decompress(codec, flipped, input.size(), out);
      EXPECT_TRUE(status.ok() || status.code() == StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace strata::storage
