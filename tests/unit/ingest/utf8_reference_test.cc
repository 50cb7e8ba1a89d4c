#include "ingest/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace strata::ingest {
namespace {

// FindInvalidUtf8 with text.size() for valid text, as the reference decoder below answers.
size_t FindOrSize(std::string_view text) {
  const size_t bad = FindInvalidUtf8(text);
  return bad == std::string_view::npos ? text.size() : bad;
}

// Reference: decodes one sequence at `pos` the slow way and returns its length, or 0 when it
// is ill-formed (overlong, surrogate, above U+10FFFF, bad or missing continuation bytes).
size_t ReferenceSequenceLength(const std::string& text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(pos);
  size_t len;
  uint32_t cp;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07;
  } else {
    return 0;
  }
  if (pos + len > text.size()) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len]) return 0;         // Overlong.
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;  // Surrogate.
  if (cp > 0x10FFFF) return 0;                 // Beyond Unicode.
  return len;
}

size_t ReferenceFindInvalid(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t len = ReferenceSequenceLength(text, pos);
    if (len == 0) return pos;
    pos += len;
  }
  return text.size();
}

TEST(Utf8ReferenceTest, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
  EXPECT_TRUE(IsValidUtf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));          // U+0080.
  EXPECT_TRUE(IsValidUtf8("\xDF\xBF"));          // U+07FF.
  EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));      // U+0800.
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF.
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));      // U+E000.
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBF"));      // U+FFFF.
  EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));  // U+10000.
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF.
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(Utf8ReferenceTest, ReportsTheLeadByteOfTheFirstIllFormedSequence) {
  EXPECT_EQ(FindOrSize("ab\x80"), 2u);            // Stray continuation.
  EXPECT_EQ(FindOrSize("abc\xC0\xAF"), 3u);       // Overlong '/'.
  EXPECT_EQ(FindOrSize("\xC1\xBF"), 0u);          // Overlong.
  EXPECT_EQ(FindOrSize("\xE0\x80\xAF"), 0u);      // Overlong 3-byte.
  EXPECT_EQ(FindOrSize("\xE0\x9F\xBF"), 0u);      // Overlong U+07FF.
  EXPECT_EQ(FindOrSize("\xF0\x80\x80\xAF"), 0u);  // Overlong 4-byte.
  EXPECT_EQ(FindOrSize("\xF0\x8F\xBF\xBF"), 0u);  // Overlong U+FFFF.
  EXPECT_EQ(FindOrSize("x\xED\xA0\x80"), 1u);     // U+D800.
  EXPECT_EQ(FindOrSize("x\xED\xBF\xBF"), 1u);     // U+DFFF.
  EXPECT_EQ(FindOrSize("\xF4\x90\x80\x80"), 0u);  // U+110000.
  EXPECT_EQ(FindOrSize("\xF5\x80\x80\x80"), 0u);  // Lead F5.
  EXPECT_EQ(FindOrSize("\xFF"), 0u);
  EXPECT_EQ(FindOrSize("\xFE"), 0u);
  EXPECT_EQ(FindOrSize("ok\xE2\x82"), 2u);   // Truncated at the end.
  EXPECT_EQ(FindOrSize("ok\xE2\x82z"), 2u);  // Truncated mid-text.
  EXPECT_EQ(FindOrSize("\xF0\x9F\x98"), 0u);
  EXPECT_EQ(FindOrSize("12345678\xC3"), 8u);  // After a full ASCII word.
  EXPECT_EQ(FindOrSize("1234567\xC3\xA9"
                       "89abcdef\x80"),
            17u);
}

TEST(Utf8ReferenceTest, MatchesReferenceOnEveryTwoAndThreeByteSequence) {
  std::string text;
  for (int a = 0x80; a <= 0xFF; ++a) {
    for (int b = 0; b <= 0xFF; ++b) {
      text.assign({static_cast<char>(a), static_cast<char>(b)});
      ASSERT_EQ(FindOrSize(text), ReferenceFindInvalid(text)) << a << " " << b;
      for (int c : {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF}) {
        text.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        ASSERT_EQ(FindOrSize(text), ReferenceFindInvalid(text)) << a << " " << b << " " << c;
      }
    }
  }
}

TEST(Utf8ReferenceTest, MatchesReferenceOnEveryFourByteLead) {
  std::string text;
  const int interesting[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0};
  for (int a = 0xF0; a <= 0xFF; ++a) {
    for (int b = 0x70; b <= 0xC0; ++b) {
      for (int c : interesting) {
        for (int d : interesting) {
          text.assign({'x', static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                       static_cast<char>(d), 'y'});
          ASSERT_EQ(FindOrSize(text), ReferenceFindInvalid(text));
        }
      }
    }
  }
}

TEST(Utf8ReferenceTest, MatchesReferenceOnRandomMixes) {
  std::mt19937 rng(7);
  const std::string pieces[] = {
      "a",    "bcdefghij",    "\xC3\xA9", "\xE2\x82\xAC",     "\xF0\x9F\x98\x80",
      "\x80", "\xED\xA0\x80", "\xC0\x80", "\xF4\x90\x80\x80", "\xE2\x82",
      " ",    "\x7F"};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      if (rng() % 4 == 0) {
        text.push_back(static_cast<char>(rng()));
      } else {
        text += pieces[rng() % std::size(pieces)];
      }
    }
    ASSERT_EQ(FindOrSize(text), ReferenceFindInvalid(text)) << iter;
  }
}

}  // namespace
}  // namespace strata::ingest
