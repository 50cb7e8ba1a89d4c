#include "storage/encoding/string_encoding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "storage/encoding/int_encoding.h"
#include "test_util.h"

namespace strata::storage {
namespace {

struct Strings {
  std::vector<uint32_t> offsets = {0};
  std::string chars;

  void Add(std::string_view value) {
    chars.append(value);
    offsets.push_back(static_cast<uint32_t>(chars.size()));
  }
  size_t count() const { return offsets.size() - 1; }
};

Strings FromList(const std::vector<std::string>& list) {
  Strings strings;
  for (const std::string& value : list) strings.Add(value);
  return strings;
}

std::pair<StringEncoding, size_t> RoundTrip(const Strings& strings) {
  ByteWriter writer;
  const StringEncoding encoding = EncodeStrings(strings.offsets, strings.chars, writer);
  const size_t size = writer.size();
  writer.PutBytes("sentinel");
  ByteReader reader(writer.buffer());
  std::vector<uint32_t> offsets = {5, 6};  // Stale contents must be replaced.
  std::string chars = "stale";
  const Status status = DecodeStrings(reader, strings.count(), offsets, chars);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(offsets, strings.offsets) << StringEncodingName(encoding);
  EXPECT_EQ(chars, strings.chars) << StringEncodingName(encoding);
  EXPECT_EQ(reader.rest(), "sentinel");
  return {encoding, size};
}

std::string RandomString(std::mt19937_64& rng, size_t max_len) {
  std::string value(rng() % (max_len + 1), '\0');
  for (char& c : value) c = static_cast<char>(rng());  // Embedded NULs included.
  return value;
}

TEST(StringEncodingTest, RoundTripsAtEverySize) {
  std::mt19937_64 rng(1);
  for (size_t n : {0, 1, 2, 63, 64, 65, 1000, 100000}) {
    SCOPED_TRACE(n);
    Strings distinct;
    Strings low_cardinality;
    Strings empty;
    for (size_t i = 0; i < n; ++i) {
      distinct.Add(RandomString(rng, 12) + std::to_string(i));
      low_cardinality.Add("value-" + std::to_string(rng() % 5));
      empty.Add("");
    }
    RoundTrip(distinct);
    RoundTrip(low_cardinality);
    RoundTrip(empty);
  }
}

TEST(StringEncodingTest, ChoosesDictionaryForLowCardinality) {
  std::mt19937_64 rng(2);
  Strings strings;
  const std::vector<std::string> hosts = {"web-01.example.com", "web-02.example.com",
                                          "db-01.example.com", "cache-01.example.com"};
  for (int i = 0; i < 10000; ++i) strings.Add(hosts[rng() % hosts.size()]);
  const auto [encoding, size] = RoundTrip(strings);
  EXPECT_EQ(encoding, StringEncoding::kDictionary);
  EXPECT_LT(size, 10000u / 4 + 200);  // 2 bits per code.
}

TEST(StringEncodingTest, AllEqualIsTiny) {
  Strings strings;
  for (int i = 0; i < 100000; ++i) strings.Add("the same string");
  const auto [encoding, size] = RoundTrip(strings);
  EXPECT_EQ(encoding, StringEncoding::kDictionary);
  EXPECT_LT(size, 40u);
}

TEST(StringEncodingTest, ChoosesPlainForDistinctStrings) {
  std::mt19937_64 rng(3);
  Strings strings;
  for (int i = 0; i < 1000; ++i) strings.Add(RandomString(rng, 30));
  EXPECT_EQ(RoundTrip(strings).first, StringEncoding::kPlain);
}

TEST(StringEncodingTest, EmptyAndVeryLongStrings) {
  std::mt19937_64 rng(4);
  const std::string big = RandomString(rng, 0) + std::string(1 << 20, 'x') + "end";
  RoundTrip(FromList({""}));
  RoundTrip(FromList({"", "", ""}));
  RoundTrip(FromList({big}));
  RoundTrip(FromList({"", big, "", "a", big}));
}

TEST(StringEncodingTest, HonoursNonzeroFirstOffset) {
  const std::string chars = "xxhelloworldhello";
  const std::vector<uint32_t> offsets = {2, 7, 12, 17};  // hello, world, hello.
  ByteWriter writer;
  EncodeStrings(offsets, chars, writer);
  ByteReader reader(writer.buffer());
  std::vector<uint32_t> decoded_offsets;
  std::string decoded_chars;
  ASSERT_OK(DecodeStrings(reader, 3, decoded_offsets, decoded_chars));
  EXPECT_EQ(decoded_offsets, (std::vector<uint32_t>{0, 5, 10, 15}));
  EXPECT_EQ(decoded_chars, "helloworldhello");
}

Status DecodeBytes(const std::string& bytes, size_t count) {
  ByteReader reader(bytes);
  std::vector<uint32_t> offsets;
  std::string chars;
  return DecodeStrings(reader, count, offsets, chars);
}

TEST(StringEncodingTest, RejectsDictionaryCodeOutOfRange) {
  ByteWriter writer;
  writer.PutU8(static_cast<uint8_t>(StringEncoding::kDictionary));
  writer.PutVarint64(1);
  const std::vector<int64_t> lengths = {1};
  EncodeInts(lengths, writer);
  writer.PutBytes("a");
  const std::vector<int64_t> codes = {0, 1};
  EncodeInts(codes, writer);
  EXPECT_EQ(DecodeBytes(writer.buffer(), 2).code(), StatusCode::kCorruption);
}

TEST(StringEncodingTest, RejectsMalformedHeaders) {
  EXPECT_EQ(DecodeBytes("", 1).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeBytes("\x03", 1).code(), StatusCode::kCorruption);
  // Dictionary larger than the number of strings.
  EXPECT_EQ(DecodeBytes("\x01\x05", 2).code(), StatusCode::kCorruption);
  // Negative length.
  ByteWriter writer;
  writer.PutU8(static_cast<uint8_t>(StringEncoding::kPlain));
  const std::vector<int64_t> lengths = {-1};
  EncodeInts(lengths, writer);
  EXPECT_EQ(DecodeBytes(writer.buffer(), 1).code(), StatusCode::kCorruption);
}

std::vector<Strings> FuzzInputs() {
  std::mt19937_64 rng(5);
  std::vector<Strings> inputs(3);
  for (int i = 0; i < 150; ++i) {
    inputs[0].Add(RandomString(rng, 10));
    inputs[1].Add(i % 7 == 0 ? "seven" : "other");
    inputs[2].Add(std::to_string(i / 10));
  }
  return inputs;
}

TEST(StringEncodingTest, EveryTruncationIsCorruption) {
  for (const Strings& strings : FuzzInputs()) {
    ByteWriter writer;
    const StringEncoding encoding = EncodeStrings(strings.offsets, strings.chars, writer);
    for (size_t len = 0; len < writer.size(); ++len) {
      ASSERT_EQ(DecodeBytes(writer.buffer().substr(0, len), strings.count()).code(),
                StatusCode::kCorruption)
          << StringEncodingName(encoding) << " len=" << len;
    }
  }
}

TEST(StringEncodingTest, RandomByteFlipsNeverCrash) {
  std::mt19937_64 rng(6);
  for (const Strings& strings : FuzzInputs()) {
    ByteWriter writer;
    EncodeStrings(strings.offsets, strings.chars, writer);
    for (int trial = 0; trial < 300; ++trial) {
      std::string bytes = writer.buffer();
      bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      const Status status = DecodeBytes(bytes, strings.count());
      EXPECT_TRUE(status.ok() || status.code() == StatusCode::kCorruption);
    }
  }
}

}  // namespace
}  // namespace strata::storage

namespace strata::storage {
namespace {

// Strings in dictionary form: `entries` plus one code per string.
struct DictionaryStrings {
  Strings entries;
  std::vector<uint32_t> codes;
  Strings Expanded() const {
    Strings strings;
    for (uint32_t code : codes) {
      strings.Add(
          std::string_view(entries.chars)
              .substr(entries.offsets[code], entries.offsets[code + 1] - entries.offsets[code]));
    }
    return strings;
  }
};

TEST(StringEncodingTest, DictionaryInputEncodesLikeItsStrings) {
  std::mt19937_64 rng(9);
  for (size_t n : {0, 1, 2, 100, 5000}) {
    for (size_t distinct : {1, 3, 50, 4000}) {
      SCOPED_TRACE(std::to_string(n) + " rows, " + std::to_string(distinct) + " entries");
      DictionaryStrings input;
      for (size_t e = 0; e < distinct; ++e) input.entries.Add("entry-" + std::to_string(e * 7919));
      for (size_t i = 0; i < n; ++i) input.codes.push_back(static_cast<uint32_t>(rng() % distinct));
      const Strings expanded = input.Expanded();
      ByteWriter from_codes;
      const StringEncoding encoding = EncodeDictionaryStrings(
          input.entries.offsets, input.entries.chars, input.codes, from_codes);
      ByteWriter from_strings;
      const StringEncoding plain_choice =
          EncodeStrings(expanded.offsets, expanded.chars, from_strings);
      // Both see the same strings, so they choose the same encoding and bytes.
      EXPECT_EQ(encoding, plain_choice);
      EXPECT_EQ(from_codes.buffer(), from_strings.buffer());
      ByteReader reader(from_codes.buffer());
      std::vector<uint32_t> offsets;
      std::string chars;
      ASSERT_OK(DecodeStrings(reader, n, offsets, chars));
      EXPECT_EQ(offsets, expanded.offsets);
      EXPECT_EQ(chars, expanded.chars);
    }
  }
}

TEST(StringEncodingTest, DecodingCanKeepTheDictionary) {
  Strings strings;
  for (int i = 0; i < 1000; ++i) strings.Add(i % 3 == 0 ? "alpha" : "beta");
  ByteWriter writer;
  ASSERT_EQ(EncodeStrings(strings.offsets, strings.chars, writer), StringEncoding::kDictionary);
  ByteReader reader(writer.buffer());
  std::vector<uint32_t> offsets;
  std::string chars;
  std::vector<uint32_t> codes;
  ASSERT_OK_AND_ASSIGN(bool dictionary,
                       DecodeStringsKeepingDictionary(reader, 1000, offsets, chars, codes));
  EXPECT_TRUE(dictionary);
  EXPECT_EQ(chars, "alphabeta");
  EXPECT_EQ(offsets, (std::vector<uint32_t>{0, 5, 9}));
  ASSERT_EQ(codes.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(codes[i], i % 3 == 0 ? 0u : 1u);

  // A plain block decodes to strings, and says so.
  Strings distinct = FromList({"a", "bb", "ccc"});
  ByteWriter plain;
  ASSERT_EQ(EncodeStrings(distinct.offsets, distinct.chars, plain), StringEncoding::kPlain);
  ByteReader plain_reader(plain.buffer());
  ASSERT_OK_AND_ASSIGN(dictionary,
                       DecodeStringsKeepingDictionary(plain_reader, 3, offsets, chars, codes));
  EXPECT_FALSE(dictionary);
  EXPECT_EQ(offsets, distinct.offsets);
  EXPECT_TRUE(codes.empty());
}

TEST(StringEncodingTest, KeptDictionaryRejectsCodesOutOfRange) {
  ByteWriter writer;
  writer.PutU8(static_cast<uint8_t>(StringEncoding::kDictionary));
  writer.PutVarint64(1);
  EncodeInts(std::vector<int64_t>{1}, writer);
  writer.PutBytes("x");
  EncodeInts(std::vector<int64_t>{0, 1}, writer);  // Code 1 of a one-entry dictionary.
  ByteReader reader(writer.buffer());
  std::vector<uint32_t> offsets;
  std::string chars;
  std::vector<uint32_t> codes;
  EXPECT_EQ(DecodeStringsKeepingDictionary(reader, 2, offsets, chars, codes).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace strata::storage
