#include "ingest/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace strata::ingest {
namespace {

constexpr size_t kNpos = std::string_view::npos;

// Reference: decodes by the definition (code point ranges), not by byte tables.
size_t ReferenceFindInvalid(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const uint8_t lead = static_cast<uint8_t>(text[i]);
    size_t length;
    uint32_t code_point;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      const uint8_t byte = static_cast<uint8_t>(text[i + k]);
      if ((byte & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (byte & 0x3F);
    }
    const uint32_t min = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code_point < min || code_point > 0x10FFFF) return i;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) return i;
    i += length;
  }
  return kNpos;
}

TEST(Utf8Test, Basics) {
  EXPECT_EQ(FindInvalidUtf8(""), kNpos);
  EXPECT_EQ(FindInvalidUtf8("plain ascii, longer than eight bytes"), kNpos);
  EXPECT_EQ(FindInvalidUtf8(std::string("nul\0inside", 10)), kNpos);
  EXPECT_EQ(FindInvalidUtf8("\xF4\x8F\xBF\xBF"), kNpos);
  EXPECT_EQ(FindInvalidUtf8("abcdefghij\xF4\x90\x80\x80"), 10u);
  EXPECT_EQ(FindInvalidUtf8("abcdefgh\xC3"), 8u);
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));
}

TEST(Utf8Test, MatchesReferenceOnAllOneTwoAndThreeByteInputs) {
  std::string text(3, '\0');
  for (int a = 0; a < 256; ++a) {
    text.resize(1);
    text[0] = static_cast<char>(a);
    ASSERT_EQ(FindInvalidUtf8(text), ReferenceFindInvalid(text)) << a;
    for (int b = 0; b < 256; ++b) {
      text.resize(2);
      text[1] = static_cast<char>(b);
      ASSERT_EQ(FindInvalidUtf8(text), ReferenceFindInvalid(text)) << a << " " << b;
      if (a < 0xE0 || a > 0xF4) continue;  // Three bytes matter for 3- and 4-byte leads.
      for (int c = 0; c < 256; c += (c >= 0x70 && c < 0xC8) ? 1 : 13) {
        text.resize(3);
        text[2] = static_cast<char>(c);
        ASSERT_EQ(FindInvalidUtf8(text), ReferenceFindInvalid(text)) << a << " " << b << " " << c;
      }
    }
  }
}

TEST(Utf8Test, MatchesReferenceOnRandomStrings) {
  std::mt19937_64 rng(3);
  const std::string pieces[] = {"a",
                                "abcdefgh",
                                "\xC3\xA9",
                                "\xE2\x82\xAC",
                                "\xF0\x9F\x98\x80",
                                "\xED\x9F\xBF",
                                "\xF4\x8F\xBF\xBF"};
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string text;
    const size_t count = rng() % 12;
    for (size_t k = 0; k < count; ++k) text += pieces[rng() % std::size(pieces)];
    if (iteration % 2 == 0 && !text.empty()) {
      text[rng() % text.size()] = static_cast<char>(rng());  // Maybe break it.
    }
    ASSERT_EQ(FindInvalidUtf8(text), ReferenceFindInvalid(text)) << testing::PrintToString(text);
  }
}

}  // namespace
}  // namespace strata::ingest
