// Field transforms and their keys: masking by code point, keyed hashes, reversible
// deterministic tokens bound to their dataset and field; HKDF and AES-SIV vectors.
#include "security/pii_transforms.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "common/strings.h"
#include "security/pii_crypto.h"

namespace strata::security {
namespace {

std::string Masked(std::string_view text) {
  std::string out;
  AppendMasked(text, out);
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

class PiiTransformsTest : public ::testing::Test {
 protected:
  PiiKeyring keyring_{std::string(32, 's')};
  FieldTransformKeys keys_ = keyring_.KeysFor("people", 1000);

  std::string Token(const FieldTransformKeys& keys, uint32_t field, std::string_view text) {
    std::string out;
    AppendToken(keys, field, text, out);
    return out;
  }
  std::string Hash(const FieldTransformKeys& keys, std::string_view text) {
    std::string out;
    AppendHashed(keys, text, out);
    return out;
  }
};

TEST(MaskTest, KeepsTheLastFourCodePoints) {
  EXPECT_EQ(Masked("alice@example.com"), "*************.com");
  EXPECT_EQ(Masked("12345"), "*2345");
  EXPECT_EQ(Masked("1234"), "****");
  EXPECT_EQ(Masked("ab"), "**");
  EXPECT_EQ(Masked(""), "");
  // Code points, not bytes: "é" is two bytes and one star; the kept tail stays intact.
  EXPECT_EQ(Masked("éééééé"), "**éééé");
  EXPECT_EQ(Masked("日本語の名前です"), "****名前です");
  EXPECT_EQ(Masked("日本語"), "***");
}

TEST_F(PiiTransformsTest, HashIsKeyedDeterministicHex) {
  const std::string hash = Hash(keys_, "alice@example.com");
  EXPECT_EQ(hash.size(), 32u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(Hash(keys_, "alice@example.com"), hash);
  EXPECT_NE(Hash(keys_, "bob@example.com"), hash);
  EXPECT_NE(Hash(keyring_.KeysFor("other", 1000), "alice@example.com"), hash);
  EXPECT_NE(Hash(keyring_.KeysFor("people", 1001), "alice@example.com"), hash)
      << "a dataset created again under the same id has new keys";
  EXPECT_NE(Hash(PiiKeyring(std::string(32, 't')).KeysFor("people", 1000), "alice@example.com"),
            hash);
}

TEST_F(PiiTransformsTest, TokensRoundTripAndAreDeterministic) {
  for (std::string_view text : {"alice@example.com", "", "42", "日本語", "tok_x"}) {
    const std::string token = Token(keys_, 5, text);
    EXPECT_TRUE(token.starts_with("tok_")) << token;
    EXPECT_EQ(Token(keys_, 5, text), token);
    std::optional<std::string> back = Detokenize(keys_, 5, token);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, text);
  }
  EXPECT_NE(Token(keys_, 5, "a"), Token(keys_, 5, "b"));
}

TEST_F(PiiTransformsTest, TokensAreBoundToTheirDatasetAndField) {
  const std::string token = Token(keys_, 5, "alice@example.com");
  EXPECT_NE(Token(keys_, 6, "alice@example.com"), token);
  const FieldTransformKeys other = keyring_.KeysFor("other", 1000);
  EXPECT_NE(Token(other, 5, "alice@example.com"), token);
  EXPECT_FALSE(Detokenize(keys_, 6, token).has_value()) << "another field";
  EXPECT_FALSE(Detokenize(other, 5, token).has_value()) << "another dataset";
  // The same key with another dataset id as associated data does not open it either.
  FieldTransformKeys renamed = keys_;
  renamed.dataset_id = "people2";
  EXPECT_FALSE(Detokenize(renamed, 5, token).has_value());
}

TEST_F(PiiTransformsTest, MalformedOrTamperedTokensDoNotOpen) {
  const std::string token = Token(keys_, 5, "alice@example.com");
  for (std::string bad :
       {std::string(""), std::string("tok_"), std::string("tok_!!"), token.substr(4),
        "tak_" + token.substr(4), token.substr(0, 20), token + "A"}) {
    EXPECT_FALSE(Detokenize(keys_, 5, bad).has_value()) << bad;
  }
  std::string flipped = token;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Detokenize(keys_, 5, flipped).has_value());
}

TEST_F(PiiTransformsTest, KeysIdentifyWithoutRevealing) {
  EXPECT_EQ(keys_.key_id.size(), 16u);
  EXPECT_EQ(keyring_.KeysFor("people", 1000).key_id, keys_.key_id);
  EXPECT_NE(keyring_.KeysFor("other", 1000).key_id, keys_.key_id);
  EXPECT_EQ(keys_.hash_key.size(), 32u);
  EXPECT_EQ(keys_.token_key.size(), kSivKeyBytes);
  EXPECT_NE(keys_.hash_key, keys_.token_key.substr(0, 32));
}

// RFC 5869 test case 1.
TEST(PiiCryptoTest, HkdfSha256MatchesRfc5869) {
  const std::string ikm(22, '\x0b');
  const std::string salt = Unhex("000102030405060708090a0b0c");
  const std::string info = Unhex("f0f1f2f3f4f5f6f7f8f9");
  EXPECT_EQ(HexEncode(HkdfSha256(ikm, salt, info, 42)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// AES-256-SIV: round trip, determinism, and authentication of the ciphertext and of every
// associated-data component.
TEST(PiiCryptoTest, SivIsDeterministicAndAuthenticated) {
  const std::string key(kSivKeyBytes, '\x42');
  const std::array<std::string_view, 2> ad = {"dataset", "5"};
  const std::string sealed = SivSeal(key, ad, "\x01hello");
  EXPECT_EQ(sealed.size(), kSivTagBytes + 6);
  EXPECT_EQ(SivSeal(key, ad, "\x01hello"), sealed);
  EXPECT_EQ(SivOpen(key, ad, sealed).value_or("?"), "\x01hello");
  const std::array<std::string_view, 2> other_ad = {"dataset", "6"};
  EXPECT_FALSE(SivOpen(key, other_ad, sealed).has_value());
  const std::array<std::string_view, 1> fewer_ad = {"dataset"};
  EXPECT_FALSE(SivOpen(key, fewer_ad, sealed).has_value());
  std::string tampered = sealed;
  tampered.back() ^= 1;
  EXPECT_FALSE(SivOpen(key, ad, tampered).has_value());
  EXPECT_FALSE(SivOpen(key, ad, sealed.substr(0, kSivTagBytes)).has_value());
  EXPECT_FALSE(SivOpen(std::string(kSivKeyBytes, '\x43'), ad, sealed).has_value());
}

}  // namespace
}  // namespace strata::security
