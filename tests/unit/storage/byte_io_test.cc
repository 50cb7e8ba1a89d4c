#include "storage/encoding/byte_io.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace strata::storage {
namespace {

TEST(ByteIoTest, RoundTripsEveryType) {
  ByteWriter writer;
  writer.PutU8(0xAB);
  writer.PutFixed32(0xDEADBEEF);
  writer.PutFixed64(0x0123456789ABCDEFULL);
  writer.PutVarint32(300);
  writer.PutVarint64(std::numeric_limits<uint64_t>::max());
  writer.PutZigzag64(std::numeric_limits<int64_t>::min());
  writer.PutZigzag64(-1);
  writer.PutBytes("raw");
  writer.PutLengthPrefixed("prefixed");
  writer.PutLengthPrefixed("");

  const std::string buffer = writer.Release();
  EXPECT_EQ(writer.size(), 0u);
  ByteReader reader(buffer);
  uint8_t u8 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  int64_t i64 = 0;
  std::string_view bytes;
  ASSERT_TRUE(reader.GetU8(&u8));
  EXPECT_EQ(u8, 0xAB);
  ASSERT_TRUE(reader.GetFixed32(&u32));
  EXPECT_EQ(u32, 0xDEADBEEF);
  ASSERT_TRUE(reader.GetFixed64(&u64));
  EXPECT_EQ(u64, 0x0123456789ABCDEFULL);
  ASSERT_TRUE(reader.GetVarint32(&u32));
  EXPECT_EQ(u32, 300u);
  ASSERT_TRUE(reader.GetVarint64(&u64));
  EXPECT_EQ(u64, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(reader.GetZigzag64(&i64));
  EXPECT_EQ(i64, std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(reader.GetZigzag64(&i64));
  EXPECT_EQ(i64, -1);
  ASSERT_TRUE(reader.GetBytes(3, &bytes));
  EXPECT_EQ(bytes, "raw");
  ASSERT_TRUE(reader.GetLengthPrefixed(&bytes));
  EXPECT_EQ(bytes, "prefixed");
  ASSERT_TRUE(reader.GetLengthPrefixed(&bytes));
  EXPECT_EQ(bytes, "");
  EXPECT_TRUE(reader.empty());
  EXPECT_EQ(reader.position(), buffer.size());
  EXPECT_FALSE(reader.GetU8(&u8));
}

TEST(ByteIoTest, FixedWidthIsLittleEndian) {
  ByteWriter writer;
  writer.PutFixed32(0x04030201);
  EXPECT_EQ(writer.buffer(), std::string("\x01\x02\x03\x04", 4));
}

TEST(ByteIoTest, VarintLengthsAndBoundaries) {
  const std::vector<uint64_t> values = {
      0, 1, 127, 128, 16383, 16384, UINT32_MAX, uint64_t{1} << 63, UINT64_MAX, UINT64_MAX - 1};
  for (uint64_t value : values) {
    ByteWriter writer;
    writer.PutVarint64(value);
    EXPECT_EQ(writer.size(), VarintLength(value)) << value;
    ByteReader reader(writer.buffer());
    uint64_t decoded = 0;
    ASSERT_TRUE(reader.GetVarint64(&decoded));
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(reader.empty());
    // Every strict prefix is truncated.
    for (size_t len = 0; len < writer.size(); ++len) {
      ByteReader prefix(std::string_view(writer.buffer()).substr(0, len));
      EXPECT_FALSE(prefix.GetVarint64(&decoded));
    }
  }
}

TEST(ByteIoTest, ZigzagMapsSmallMagnitudesToSmallCodes) {
  EXPECT_EQ(ZigzagEncode64(0), 0u);
  EXPECT_EQ(ZigzagEncode64(-1), 1u);
  EXPECT_EQ(ZigzagEncode64(1), 2u);
  EXPECT_EQ(ZigzagEncode64(-2), 3u);
  for (int64_t value : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                        int64_t{0}, int64_t{-123456789}}) {
    EXPECT_EQ(ZigzagDecode64(ZigzagEncode64(value)), value);
  }
}

TEST(ByteIoTest, RejectsOverlongAndOverflowingVarints) {
  uint64_t u64 = 0;
  uint32_t u32 = 0;
  const std::string eleven(11, '\x80');
  ByteReader overlong(eleven);
  EXPECT_FALSE(overlong.GetVarint64(&u64));
  // Ten bytes whose last carries bits beyond 64.
  const std::string too_big = std::string(9, '\xFF') + '\x02';
  ByteReader overflow(too_big);
  EXPECT_FALSE(overflow.GetVarint64(&u64));
  ByteWriter writer;
  writer.PutVarint64(uint64_t{UINT32_MAX} + 1);
  ByteReader reader32(writer.buffer());
  EXPECT_FALSE(reader32.GetVarint32(&u32));
}

TEST(ByteIoTest, TruncatedReadsFail) {
  const std::string three = "abc";
  ByteReader reader(three);
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  std::string_view bytes;
  EXPECT_FALSE(reader.GetFixed32(&u32));
  EXPECT_FALSE(reader.GetFixed64(&u64));
  EXPECT_FALSE(reader.GetBytes(4, &bytes));
  EXPECT_FALSE(reader.Skip(4));
  ASSERT_TRUE(reader.Skip(1));
  EXPECT_EQ(reader.rest(), "bc");
  EXPECT_EQ(reader.remaining(), 2u);
  EXPECT_EQ(reader.position(), 1u);

  ByteWriter writer;
  writer.PutVarint64(10);  // Claims 10 bytes; only 2 follow.
  writer.PutBytes("xy");
  ByteReader prefixed(writer.buffer());
  EXPECT_FALSE(prefixed.GetLengthPrefixed(&bytes));
}

}  // namespace
}  // namespace strata::storage
