#include "security/key_ring.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace strata::security {
namespace {

TEST(KeyRingTest, RotateKeepsRetiredKeysForVerification) {
  ASSERT_OK_AND_ASSIGN(KeyRing ring, KeyRing::Create(JwtAlgorithm::kEdDSA));
  const std::string first = ring.current().kid();
  ring.Rotate(1000);
  const std::string second = ring.current().kid();
  EXPECT_NE(first, second);
  EXPECT_EQ(ring.current().alg(), JwtAlgorithm::kEdDSA);
  ASSERT_OK(ring.Rotate(JwtAlgorithm::kES256, 2000));
  EXPECT_EQ(ring.current().alg(), JwtAlgorithm::kES256);
  EXPECT_FALSE(ring.Rotate(JwtAlgorithm::kRS256, 3000).ok());

  ASSERT_EQ(ring.retired().size(), 2u);
  EXPECT_EQ(ring.retired()[0].key.kid(), first);
  EXPECT_EQ(ring.retired()[0].retired_at, 1000);
  EXPECT_EQ(ring.retired()[1].key.kid(), second);
  const std::vector<JwtPublicKey> keys = ring.VerificationKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].kid(), ring.current().kid());  // Current first, then newest retired.
  EXPECT_EQ(keys[1].kid(), second);
  EXPECT_EQ(keys[2].kid(), first);

  EXPECT_EQ(ring.DropRetiredBefore(1000), 0u);
  EXPECT_EQ(ring.DropRetiredBefore(1001), 1u);
  ASSERT_EQ(ring.retired().size(), 1u);
  EXPECT_EQ(ring.retired()[0].key.kid(), second);
  EXPECT_EQ(ring.DropRetiredBefore(1'000'000), 1u);
  EXPECT_EQ(ring.VerificationKeys().size(), 1u);
}

TEST(KeyRingTest, CurrentSinceIsSetByCreateAndRotateAndSerialized) {
  ASSERT_OK_AND_ASSIGN(KeyRing ring, KeyRing::Create(JwtAlgorithm::kEdDSA, 500));
  EXPECT_EQ(ring.current_since(), 500);
  ring.Rotate(900);
  EXPECT_EQ(ring.current_since(), 900);
  ASSERT_OK_AND_ASSIGN(KeyRing parsed, KeyRing::Parse(ring.Serialize()));
  EXPECT_EQ(parsed.current_since(), 900);
  ASSERT_OK_AND_ASSIGN(KeyRing unknown, KeyRing::Create(JwtAlgorithm::kEdDSA));
  EXPECT_EQ(unknown.current_since(), 0);
  EXPECT_EQ(unknown.Serialize().find("current_since"), std::string::npos);
}

TEST(KeyRingTest, JwksListsPublicKeysOnly) {
  ASSERT_OK_AND_ASSIGN(KeyRing ring, KeyRing::Create(JwtAlgorithm::kES256));
  ring.Rotate(10);
  const std::string jwks = ring.JwksJson();
  EXPECT_EQ(jwks.find("\"d\""), std::string::npos);
  ASSERT_OK_AND_ASSIGN(ParsedJwks parsed, ParseJwks(jwks));
  ASSERT_EQ(parsed.keys.size(), 2u);
  EXPECT_EQ(parsed.keys[0].kid(), ring.current().kid());
  EXPECT_EQ(parsed.keys[1].kid(), ring.retired()[0].key.kid());
  EXPECT_TRUE(parsed.keys[0].VerifySignature("m", ring.current().Sign("m")));
}

TEST(KeyRingTest, SerializeRoundTrips) {
  ASSERT_OK_AND_ASSIGN(KeyRing ring, KeyRing::Create(JwtAlgorithm::kES256));
  ring.Rotate(100);
  ASSERT_OK(ring.Rotate(JwtAlgorithm::kEdDSA, 200));
  const std::string stored = ring.Serialize();
  ASSERT_OK_AND_ASSIGN(KeyRing parsed, KeyRing::Parse(stored));
  EXPECT_EQ(parsed.Serialize(), stored);
  EXPECT_EQ(parsed.current().kid(), ring.current().kid());
  ASSERT_EQ(parsed.retired().size(), 2u);
  EXPECT_EQ(parsed.retired()[1].retired_at, 200);
  EXPECT_EQ(parsed.JwksJson(), ring.JwksJson());
  EXPECT_TRUE(ring.current().public_key().VerifySignature("m", parsed.current().Sign("m")));
}

TEST(KeyRingTest, ParseRefusesMalformedRings) {
  ASSERT_OK_AND_ASSIGN(KeyRing ring, KeyRing::Create(JwtAlgorithm::kEdDSA));
  const std::string current = ring.current().Serialize();
  const std::vector<std::string> bad = {
      "",
      "{}",
      R"({"version":2,"current":)" + current + R"(,"retired":[]})",
      R"({"version":1,"retired":[]})",
      R"({"version":1,"current":)" + current + "}",
      R"({"version":1,"current":)" + current + R"(,"retired":[{"key":)" + current + "}]}",
      // The current key again among the retired: duplicate kid.
      R"({"version":1,"current":)" + current + R"(,"retired":[{"retired_at":1,"key":)" + current +
          "}]}",
      R"({"version":1,"current":{"kty":"OKP"},"retired":[]})",
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(KeyRing::Parse(text).ok()) << text;
  }
  EXPECT_TRUE(KeyRing::Parse(R"({"version":1,"current":)" + current + R"(,"retired":[]})").ok());
}

}  // namespace
}  // namespace strata::security
