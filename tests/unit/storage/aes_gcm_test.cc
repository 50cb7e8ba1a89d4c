#include "storage/crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace strata::storage {
namespace {

Key TestKey(uint8_t seed) {
  Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed + i);
  return key;
}

Nonce TestNonce(uint8_t seed) {
  Nonce nonce;
  for (size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<uint8_t>(seed * 7 + i);
  return nonce;
}

TEST(AesGcmTest, RoundTripEmptyPlaintext) {
  std::string sealed;
  ASSERT_OK(Seal(TestKey(1), TestNonce(1), "aad", "", sealed));
  EXPECT_EQ(sealed.size(), kTagBytes);
  std::string opened = "stale";
  ASSERT_OK(Open(TestKey(1), TestNonce(1), "aad", sealed, opened));
  EXPECT_EQ(opened, "");
}

TEST(AesGcmTest, RoundTripOneMegabyte) {
  std::string plaintext(1 << 20, '\0');
  for (size_t i = 0; i < plaintext.size(); ++i) plaintext[i] = static_cast<char>(i * 31 + 7);
  std::string sealed;
  ASSERT_OK(Seal(TestKey(2), TestNonce(2), "", plaintext, sealed));
  ASSERT_EQ(sealed.size(), plaintext.size() + kTagBytes);
  EXPECT_NE(sealed.substr(0, 64), plaintext.substr(0, 64));
  std::string opened;
  ASSERT_OK(Open(TestKey(2), TestNonce(2), "", sealed, opened));
  EXPECT_EQ(opened, plaintext);
}

TEST(AesGcmTest, SealAppends) {
  std::string out = "header";
  ASSERT_OK(Seal(TestKey(3), TestNonce(3), "a", "hello", out));
  ASSERT_EQ(out.size(), 6 + 5 + kTagBytes);
  EXPECT_EQ(out.substr(0, 6), "header");
  std::string opened;
  ASSERT_OK(Open(TestKey(3), TestNonce(3), "a", std::string_view(out).substr(6), opened));
  EXPECT_EQ(opened, "hello");
}

TEST(AesGcmTest, MatchesKnownAnswer) {
  // Test case 14 of the GCM specification (McGrew and Viega): zero key, nonce and block.
  Key key{};
  Nonce nonce{};
  std::string sealed;
  ASSERT_OK(Seal(key, nonce, "", std::string(16, '\0'), sealed));
  const unsigned char expected[] = {0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e,
                                    0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18,
                                    0xd0, 0xd1, 0xc8, 0xa7, 0x99, 0x99, 0x6b, 0xf0,
                                    0x26, 0x5b, 0x98, 0xb5, 0xd4, 0x8a, 0xb9, 0x19};
  EXPECT_EQ(sealed, std::string(reinterpret_cast<const char*>(expected), sizeof(expected)));
}

void ExpectAuthFailure(const Status& status) {
  EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.ToString();
  EXPECT_NE(status.message().find("authentication failed"), std::string_view::npos)
      << status.ToString();
}

TEST(AesGcmTest, WrongKeyNonceOrAadFails) {
  std::string sealed;
  ASSERT_OK(Seal(TestKey(4), TestNonce(4), "block 1", "secret payload", sealed));
  std::string opened = "stale";
  ExpectAuthFailure(Open(TestKey(5), TestNonce(4), "block 1", sealed, opened));
  EXPECT_TRUE(opened.empty());
  ExpectAuthFailure(Open(TestKey(4), TestNonce(5), "block 1", sealed, opened));
  ExpectAuthFailure(Open(TestKey(4), TestNonce(4), "block 2", sealed, opened));
  ExpectAuthFailure(Open(TestKey(4), TestNonce(4), "", sealed, opened));
  EXPECT_TRUE(opened.empty());
}

TEST(AesGcmTest, EveryFlippedBitIsDetected) {
  std::string sealed;
  ASSERT_OK(Seal(TestKey(6), TestNonce(6), "aad", "tiny block", sealed));
  for (size_t byte_idx = 0; byte_idx < sealed.size(); ++byte_idx) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = sealed;
      tampered[byte_idx] = static_cast<char>(tampered[byte_idx] ^ (1 << bit));
      std::string opened;
      const Status status = Open(TestKey(6), TestNonce(6), "aad", tampered, opened);
      EXPECT_EQ(status.code(), StatusCode::kCorruption) << "byte " << byte_idx << " bit " << bit;
      EXPECT_TRUE(opened.empty());
    }
  }
}

TEST(AesGcmTest, TruncatedInputFails) {
  std::string sealed;
  ASSERT_OK(Seal(TestKey(7), TestNonce(7), "", "payload", sealed));
  std::string opened;
  for (size_t len = 0; len < sealed.size(); ++len) {
    ExpectAuthFailure(Open(TestKey(7), TestNonce(7), "", sealed.substr(0, len), opened));
  }
}

TEST(AesGcmTest, RandomBytesDiffer) {
  Key a{}, b{};
  ASSERT_OK(RandomBytes(a.data(), a.size()));
  ASSERT_OK(RandomBytes(b.data(), b.size()));
  EXPECT_NE(a, b);
  ASSERT_OK(RandomBytes(nullptr, 0));
}

}  // namespace
}  // namespace strata::storage
