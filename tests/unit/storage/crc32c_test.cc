#include "storage/encoding/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace strata::storage {
namespace {

TEST(Crc32cTest, MatchesRfc3720Vectors) {
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32cPortable("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, ExtendsAcrossSplits) {
  const std::string data = "The quick brown fox jumps over the lazy dog, twice over.";
  const uint32_t whole = Crc32c(data);
  for (size_t split = 0; split <= data.size(); ++split) {
    const std::string_view view(data);
    EXPECT_EQ(Crc32c(view.substr(split), Crc32c(view.substr(0, split))), whole) << split;
    EXPECT_EQ(Crc32cPortable(view.substr(split), Crc32cPortable(view.substr(0, split))), whole);
  }
}

TEST(Crc32cTest, HardwareMatchesPortableAtEveryLengthAndAlignment) {
  if (!Crc32cHasHardware()) GTEST_SKIP() << "no SSE4.2";
  std::mt19937_64 rng(42);
  std::string data(4096 + 16, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const std::string_view view(data);
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t len = 0; len < 300; ++len) {
      const std::string_view piece = view.substr(offset, len);
      ASSERT_EQ(Crc32cHardware(piece, 0x12345678), Crc32cPortable(piece, 0x12345678));
    }
    const std::string_view big = view.substr(offset, 4096);
    ASSERT_EQ(Crc32cHardware(big), Crc32cPortable(big));
  }
}

}  // namespace
}  // namespace strata::storage
