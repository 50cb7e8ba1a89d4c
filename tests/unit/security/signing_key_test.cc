#include "security/signing_key.h"

#include <gtest/gtest.h>

#include <string>

#include "common/strings.h"
#include "test_util.h"

namespace strata::security {
namespace {

// RFC 7515 Appendix A.3 and RFC 8037 Appendix A key pairs.
constexpr std::string_view kA3PrivateJwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",)"
    R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","kid":"a3","alg":"ES256"})";
constexpr std::string_view kEdPrivateJwk =
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",)"
    R"("d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","kid":"ed","alg":"EdDSA"})";

std::string Replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return out.replace(at, from.size(), to);
}

TEST(SigningKeyTest, GenerateSignVerify) {
  for (JwtAlgorithm alg : {JwtAlgorithm::kES256, JwtAlgorithm::kEdDSA}) {
    ASSERT_OK_AND_ASSIGN(SigningKey key, SigningKey::Generate(alg));
    EXPECT_EQ(key.alg(), alg);
    EXPECT_EQ(key.kid(), key.public_key().Thumbprint());
    const std::string signature = key.Sign("header.payload");
    EXPECT_EQ(signature.size(), 64u);
    EXPECT_TRUE(key.public_key().VerifySignature("header.payload", signature));
    EXPECT_FALSE(key.public_key().VerifySignature("header.payloaD", signature));
    ASSERT_OK_AND_ASSIGN(SigningKey other, SigningKey::Generate(alg));
    EXPECT_NE(other.kid(), key.kid());
    EXPECT_FALSE(other.public_key().VerifySignature("header.payload", signature));
  }
  EXPECT_FALSE(SigningKey::Generate(JwtAlgorithm::kRS256).ok());
}

TEST(SigningKeyTest, SerializeRoundTrips) {
  for (JwtAlgorithm alg : {JwtAlgorithm::kES256, JwtAlgorithm::kEdDSA}) {
    ASSERT_OK_AND_ASSIGN(SigningKey key, SigningKey::Generate(alg));
    const std::string stored = key.Serialize();
    EXPECT_NE(stored.find("\"d\":\""), std::string::npos);
    EXPECT_EQ(key.public_key().ToJwkJson().find("\"d\""), std::string::npos);
    ASSERT_OK_AND_ASSIGN(SigningKey parsed, SigningKey::Parse(stored));
    EXPECT_EQ(parsed.kid(), key.kid());
    EXPECT_EQ(parsed.alg(), key.alg());
    EXPECT_EQ(parsed.Serialize(), stored);
    EXPECT_TRUE(key.public_key().VerifySignature("m", parsed.Sign("m")));
    EXPECT_TRUE(parsed.public_key().VerifySignature("m", key.Sign("m")));
    // The public JWK of a private key is refused as a trusted key: it holds "d".
    EXPECT_FALSE(JwtPublicKey::FromJwkJson(stored).ok());
  }
}

TEST(SigningKeyTest, ParsesRfcKeys) {
  ASSERT_OK_AND_ASSIGN(SigningKey ec, SigningKey::Parse(kA3PrivateJwk));
  EXPECT_EQ(ec.kid(), "a3");
  EXPECT_TRUE(ec.public_key().VerifySignature("x", ec.Sign("x")));
  ASSERT_OK_AND_ASSIGN(SigningKey ed, SigningKey::Parse(kEdPrivateJwk));
  // Ed25519 is deterministic: RFC 8037 Appendix A.4's signature.
  EXPECT_EQ(
      Base64UrlEncode(ed.Sign("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc")),
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
}

TEST(SigningKeyTest, RefusesMalformedOrMismatchedKeys) {
  const std::vector<std::string> bad = {
      "",
      "[]",
      "{}",
      // A private scalar that does not belong to the point.
      Replace(kA3PrivateJwk, "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI",
              "kpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"),
      Replace(kEdPrivateJwk, "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
              "mWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"),
      // The scalar 0 and one of the wrong length.
      Replace(kA3PrivateJwk, "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI",
              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
      Replace(kA3PrivateJwk, "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI", "jpsQ"),
      Replace(kEdPrivateJwk, "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", "nWGx"),
      // Missing members.
      Replace(kA3PrivateJwk, R"(,"kid":"a3")", ""),
      Replace(kA3PrivateJwk, R"(,"kid":"a3")", R"(,"kid":"")"),
      Replace(kA3PrivateJwk, R"(,"alg":"ES256")", ""),
      Replace(kA3PrivateJwk, R"("d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI",)", ""),
      // Wrong algorithm or key type.
      Replace(kA3PrivateJwk, R"("alg":"ES256")", R"("alg":"RS256")"),
      Replace(kA3PrivateJwk, R"("alg":"ES256")", R"("alg":"EdDSA")"),
      Replace(kA3PrivateJwk, R"("alg":"ES256")", R"("alg":"HS256")"),
      Replace(kEdPrivateJwk, R"("alg":"EdDSA")", R"("alg":"ES256")"),
      Replace(kEdPrivateJwk, R"("crv":"Ed25519")", R"("crv":"Ed448")"),
  };
  for (const std::string& jwk : bad) {
    EXPECT_FALSE(SigningKey::Parse(jwk).ok()) << jwk;
  }
}

}  // namespace
}  // namespace strata::security
