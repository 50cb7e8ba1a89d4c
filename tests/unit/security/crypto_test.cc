#include "security/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/strings.h"

namespace strata::security {
namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256("abc").size(), 32u);
}

TEST(HmacSha256Test, Rfc4231Vectors) {
  // Test case 1.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256Test, KeyAndDataMatter) {
  EXPECT_NE(HmacSha256("k1", "data"), HmacSha256("k2", "data"));
  EXPECT_NE(HmacSha256("k", "data1"), HmacSha256("k", "data2"));
  EXPECT_EQ(HmacSha256("k", "data"), HmacSha256("k", "data"));
  EXPECT_EQ(HmacSha256("", "").size(), 32u);
}

TEST(HmacSha1Test, Rfc2202Vectors) {
  EXPECT_EQ(HexEncode(HmacSha1(std::string(20, '\x0b'), "Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(HexEncode(HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(HexEncode(HmacSha1(std::string(80, '\xaa'),
                               "Test Using Larger Than Block-Size Key - Hash Key First")),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST(RandomBytesTest, LengthAndVariety) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

TEST(RandomBase62Test, AlphabetAndLength) {
  for (size_t length : {size_t{0}, size_t{1}, size_t{40}, size_t{1000}}) {
    const std::string text = RandomBase62(length);
    EXPECT_EQ(text.size(), length);
    EXPECT_EQ(text.find_first_not_of(kBase62), std::string::npos) << text;
  }
  EXPECT_NE(RandomBase62(40), RandomBase62(40));
}

TEST(RandomBase62Test, UsesTheWholeAlphabet) {
  // 20000 draws miss one of 62 characters with probability about 62 * e^-322.
  const std::string text = RandomBase62(20000);
  const std::set<char> seen(text.begin(), text.end());
  EXPECT_EQ(seen.size(), kBase62.size());
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(Ed25519Test, Rfc8032Vectors) {
  // RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte).
  const std::string seed1 =
      FromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  EXPECT_EQ(HexEncode(Ed25519PublicKey(seed1)),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(HexEncode(Ed25519Sign(seed1, "")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  const std::string seed2 =
      FromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  EXPECT_EQ(HexEncode(Ed25519Sign(seed2, FromHex("72"))),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
}

TEST(Ed25519Test, VerifyRejectsAnyChange) {
  const Ed25519KeyPair pair = GenerateEd25519KeyPair();
  const std::string signature = Ed25519Sign(pair.private_key, "checkpoint 42");
  EXPECT_TRUE(Ed25519Verify(pair.public_key, "checkpoint 42", signature));
  EXPECT_FALSE(Ed25519Verify(pair.public_key, "checkpoint 43", signature));
  std::string flipped = signature;
  flipped[10] ^= 1;
  EXPECT_FALSE(Ed25519Verify(pair.public_key, "checkpoint 42", flipped));
  EXPECT_FALSE(Ed25519Verify(pair.public_key, "checkpoint 42", signature.substr(0, 63)));
  EXPECT_FALSE(Ed25519Verify(GenerateEd25519KeyPair().public_key, "checkpoint 42", signature));
  EXPECT_FALSE(Ed25519Verify("short", "checkpoint 42", signature));
}

TEST(ConstantTimeEqualsTest, Cases) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "Secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace strata::security
