#include "security/encoding.h"

#include <gtest/gtest.h>

#include <string>

#include "security/crypto.h"

namespace strata::security {
namespace {

TEST(Base32Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [bytes, text] : vectors) {
    EXPECT_EQ(Base32Encode(bytes), text);
    EXPECT_EQ(Base32Decode(text), bytes) << text;
  }
}

TEST(Base32Test, DecodeIsCaseInsensitiveAndTakesPadding) {
  EXPECT_EQ(Base32Decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(Base32Decode("MzXw6YtBoI"), "foobar");
  EXPECT_EQ(Base32Decode("MY======"), "f");
  EXPECT_EQ(Base32Decode("MZXQ===="), "fo");
  EXPECT_EQ(Base32Decode("MZXW6==="), "foo");
  EXPECT_EQ(Base32Decode("MZXW6YQ="), "foob");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======"), "foobar");
}

TEST(Base32Test, RoundTripsRandomBytes) {
  for (size_t size = 0; size < 64; ++size) {
    const std::string bytes = RandomBytes(size);
    const std::string text = Base32Encode(bytes);
    EXPECT_EQ(text.find('='), std::string::npos);
    EXPECT_EQ(Base32Decode(text), bytes);
  }
}

TEST(Base32Test, RejectsBadInput) {
  for (const char* text : {
           "MZXW6YTBO1",        // '1' is not in the alphabet.
           "MZXW6YTBO8",        // Nor is '8'.
           "MZXW 6YTBOI",       // No spaces.
           "MZX-W6",            // No dashes.
           "M",                 // 1, 3 and 6 characters are never produced.
           "MZX",               //
           "MZXW6Y",            //
           "MZ",                // Unused trailing bits must be zero ("MY" is 'f').
           "MY=====",           // Padding must fill the group exactly.
           "MY=======",         //
           "MZXW6YTB========",  // A full group takes no padding.
           "=MY=====",          // Padding only at the end.
           "MY==a===",          //
       }) {
    EXPECT_FALSE(Base32Decode(text).has_value()) << text;
  }
}

TEST(Base64UrlDecodeStrictTest, AcceptsOnlyTheCanonicalSpelling) {
  EXPECT_EQ(Base64UrlDecodeStrict(""), "");
  EXPECT_EQ(Base64UrlDecodeStrict("Zg"), "f");
  EXPECT_EQ(Base64UrlDecodeStrict("Zm9vYmFy"), "foobar");
  EXPECT_EQ(Base64UrlDecodeStrict("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64UrlDecodeStrict("Zg==").has_value());  // No padding.
  EXPECT_FALSE(Base64UrlDecodeStrict("Zh").has_value());    // Non-zero trailing bits.
  EXPECT_FALSE(Base64UrlDecodeStrict("Z").has_value());     // Impossible length.
  EXPECT_FALSE(Base64UrlDecodeStrict("+/8").has_value());   // The base64 alphabet.
  EXPECT_FALSE(Base64UrlDecodeStrict("Zm9v YmFy").has_value());
  EXPECT_FALSE(Base64UrlDecodeStrict("Zm9v\nYmFy").has_value());
}

TEST(Base64UnpaddedTest, RoundTripAndStrictness) {
  EXPECT_EQ(Base64EncodeUnpadded("somesalt"), "c29tZXNhbHQ");
  EXPECT_EQ(Base64EncodeUnpadded("\xfb\xff"), "+/8");
  EXPECT_EQ(Base64DecodeUnpaddedStrict("+/8"), "\xfb\xff");
  EXPECT_EQ(Base64DecodeUnpaddedStrict("c29tZXNhbHQ"), "somesalt");
  for (size_t size = 0; size < 40; ++size) {
    const std::string bytes = RandomBytes(size);
    EXPECT_EQ(Base64DecodeUnpaddedStrict(Base64EncodeUnpadded(bytes)), bytes);
  }
  EXPECT_FALSE(Base64DecodeUnpaddedStrict("-_8").has_value());  // The base64url alphabet.
  EXPECT_FALSE(Base64DecodeUnpaddedStrict("c29tZXNhbHQ=").has_value());
  EXPECT_FALSE(Base64DecodeUnpaddedStrict("c29tZXNhbHR").has_value());  // Trailing bits.
}

}  // namespace
}  // namespace strata::security
