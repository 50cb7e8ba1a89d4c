#include "common/strings.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

namespace strata {
namespace {

TEST(Base64UrlTest, KnownVectors) {
  // RFC 4648 §10 vectors, unpadded.
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  // The URL-safe alphabet: 62 is '-', 63 is '_'.
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlEncode(std::string("\0\0\0", 3)), "AAAA");
}

TEST(Base64UrlTest, RoundTripsRandomBytesOfEveryLength) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t length = 0; length <= 64; ++length) {
    for (int sample = 0; sample < 8; ++sample) {
      std::string bytes;
      for (size_t i = 0; i < length; ++i) bytes.push_back(static_cast<char>(byte(random)));
      const std::string encoded = Base64UrlEncode(bytes);
      EXPECT_EQ(encoded.size(), (length * 4 + 2) / 3) << length;
      EXPECT_EQ(encoded.find_first_not_of(
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                std::string::npos)
          << encoded;
      const std::optional<std::string> decoded = Base64UrlDecode(encoded);
      ASSERT_TRUE(decoded.has_value()) << encoded;
      EXPECT_EQ(*decoded, bytes);
    }
  }
}

TEST(Base64UrlTest, AcceptsPaddedInput) {
  EXPECT_EQ(Base64UrlDecode("Zg=="), "f");
  EXPECT_EQ(Base64UrlDecode("Zm8="), "fo");
  EXPECT_EQ(Base64UrlDecode("Zm9v"), "foo");
  EXPECT_EQ(Base64UrlDecode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64UrlDecode(""), "");
}

TEST(Base64UrlTest, RefusesCharactersOutsideTheAlphabet) {
  EXPECT_EQ(Base64UrlDecode("Zm9v+g"), std::nullopt);  // Standard base64, not url.
  EXPECT_EQ(Base64UrlDecode("Zm/v"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm 9v"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm9v\n"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zg==Zg"), std::nullopt);  // Padding only at the end.
  EXPECT_EQ(Base64UrlDecode("Zm9v."), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("\xc3\xa9"), std::nullopt);
}

TEST(Base64UrlTest, RefusesImpossibleLengths) {
  EXPECT_EQ(Base64UrlDecode("Z"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zm9vY"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Z==="), std::nullopt);
}

TEST(HexEncodeTest, LowerCase) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
}

TEST(EditDistanceTest, CountsEditsAndSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("same", "same"), 0u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("sitting", "kitten"), 3u);
  EXPECT_EQ(EditDistance("flaw", "lawn"), 2u);
  EXPECT_EQ(EditDistance("ab", "ba"), 1u);  // A swap of adjacent characters costs one.
  EXPECT_EQ(EditDistance("hots", "host"), 1u);
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);  // Optimal string alignment, not Damerau.
  EXPECT_EQ(EditDistance("limit", "limt"), 1u);
  EXPECT_EQ(EditDistance("Limit", "limit"), 1u);  // Case-sensitive.
}

TEST(SuggestNameTest, FindsTheClosestLikelyTypo) {
  const std::vector<std::string_view> candidates = {"server.listen", "server.grpc_listen",
                                                    "storage.data_dir"};
  EXPECT_EQ(SuggestName("server.lisen", candidates), "server.listen");
  EXPECT_EQ(SuggestName("storage.datadir", candidates), "storage.data_dir");
  EXPECT_EQ(SuggestName("SERVER.LISTEN", candidates), "server.listen");  // Case-insensitive.
  EXPECT_EQ(SuggestName("completely.different", candidates), std::nullopt);
  EXPECT_EQ(SuggestName("anything", {}), std::nullopt);
}

TEST(SuggestNameTest, DistanceThresholds) {
  EXPECT_EQ(SuggestName("limt", {"limit"}), "limit");        // Distance 1.
  EXPECT_EQ(SuggestName("lumut", {"limit"}), "limit");       // Distance 2.
  EXPECT_EQ(SuggestName("lxxxt", {"limit"}), std::nullopt);  // Distance 3 is too far.
  // The distance must also be less than half the length of the name.
  EXPECT_EQ(SuggestName("ab", {"ac"}), std::nullopt);      // 1 is not < 2/2.
  EXPECT_EQ(SuggestName("abc", {"abd"}), "abd");           // 1 < 3/2.
  EXPECT_EQ(SuggestName("abcd", {"abxy"}), std::nullopt);  // 2 is not < 4/2.
  EXPECT_EQ(SuggestName("abcde", {"abxye"}), "abxye");     // 2 < 5/2.
  EXPECT_EQ(SuggestName("a", {"b"}), std::nullopt);
  EXPECT_EQ(SuggestName("a", {"a"}), "a");  // An exact match is distance 0.
}

TEST(SuggestNameTest, PrefersTheSmallestDistanceThenTheFirstCandidate) {
  EXPECT_EQ(SuggestName("cursr", {"curse", "cursor"}), "curse");  // Both 1: first wins.
  EXPECT_EQ(SuggestName("limits", {"limit_x", "limit"}), "limit");
}

TEST(DidYouMeanTest, FormatsTheSuggestion) {
  EXPECT_EQ(DidYouMean("limt", {"limit", "cursor"}), " (did you mean 'limit'?)");
  EXPECT_EQ(DidYouMean("zzzzzz", {"limit", "cursor"}), "");
}

TEST(StringsTest, StartsWith) {
  EXPECT_TRUE(StartsWith("strata_key", "strata_"));
  EXPECT_TRUE(StartsWith("abc", ""));
  EXPECT_TRUE(StartsWith("abc", "abc"));
  EXPECT_FALSE(StartsWith("ab", "abc"));
  EXPECT_FALSE(StartsWith("xabc", "abc"));
}

TEST(StringsTest, ToLowerOnlyTouchesAsciiLetters) {
  EXPECT_EQ(ToLower("Bearer ABC-xyz_09"), "bearer abc-xyz_09");
  EXPECT_EQ(ToLower(""), "");
  EXPECT_EQ(ToLower("\xc3\x89"), "\xc3\x89");  // 'É' in UTF-8 is left as is.
  EXPECT_EQ(ToLower("@[`{"), "@[`{");          // Neighbours of the letter ranges.
}

TEST(StringsTest, TrimRemovesSpacesAndTabsOnly) {
  EXPECT_EQ(Trim("  a b \t"), "a b");
  EXPECT_EQ(Trim("\t\t"), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("x"), "x");
  EXPECT_EQ(Trim("\na\n"), "\na\n");
  EXPECT_EQ(Trim(" \r "), "\r");
}

}  // namespace
}  // namespace strata
