#include "security/jwk.h"

#include <gtest/gtest.h>

#include <string>

#include "common/strings.h"
#include "security/signing_key.h"
#include "test_util.h"

namespace strata::security {
namespace {

// RFC 7515 Appendix A.3 (ES256).
constexpr std::string_view kA3X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
constexpr std::string_view kA3Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
constexpr std::string_view kA3Input =
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxl"
    "LmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view kA3Signature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// RFC 8037 Appendix A (Ed25519).
constexpr std::string_view kEdX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr std::string_view kEdInput = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
constexpr std::string_view kEdSignature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

std::string EcJwk(std::string_view extra = "") {
  return std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(kA3X) + R"(","y":")" +
         std::string(kA3Y) + "\"" + std::string(extra) + "}";
}
std::string OkpJwk(std::string_view extra = "") {
  return std::string(R"({"kty":"OKP","crv":"Ed25519","x":")") + std::string(kEdX) + "\"" +
         std::string(extra) + "}";
}

std::string Decoded(std::string_view base64url) { return *Base64UrlDecode(base64url); }

TEST(JwtAlgorithmTest, Names) {
  for (JwtAlgorithm alg : {JwtAlgorithm::kES256, JwtAlgorithm::kEdDSA, JwtAlgorithm::kRS256}) {
    EXPECT_EQ(JwtAlgorithmFromName(JwtAlgorithmName(alg)), alg);
  }
  for (const char* name : {"none", "None", "HS256", "HS384", "HS512", "RS384", "PS256", "ES384",
                           "ES256K", "es256", "eddsa", "Ed25519", ""}) {
    EXPECT_FALSE(JwtAlgorithmFromName(name).has_value()) << name;
  }
}

TEST(JwkTest, VerifiesRfc7515AppendixA3) {
  ASSERT_OK_AND_ASSIGN(JwtPublicKey key, JwtPublicKey::FromJwkJson(EcJwk()));
  EXPECT_EQ(key.alg(), JwtAlgorithm::kES256);  // Inferred from the curve.
  EXPECT_EQ(key.kid(), "");
  EXPECT_TRUE(key.VerifySignature(kA3Input, Decoded(kA3Signature)));
  EXPECT_FALSE(key.VerifySignature(std::string(kA3Input) + "x", Decoded(kA3Signature)));
  std::string flipped = Decoded(kA3Signature);
  flipped[40] ^= 1;
  EXPECT_FALSE(key.VerifySignature(kA3Input, flipped));
  EXPECT_FALSE(key.VerifySignature(kA3Input, Decoded(kA3Signature).substr(0, 63)));
  EXPECT_FALSE(key.VerifySignature(kA3Input, Decoded(kA3Signature) + std::string(1, '\0')));
  EXPECT_FALSE(key.VerifySignature(kA3Input, std::string(64, '\0')));
  EXPECT_FALSE(key.VerifySignature(kA3Input, std::string(64, '\xff')));
  EXPECT_FALSE(key.VerifySignature(kA3Input, ""));
}

TEST(JwkTest, VerifiesRfc8037AppendixA4AndThumbprint) {
  ASSERT_OK_AND_ASSIGN(JwtPublicKey key, JwtPublicKey::FromJwkJson(OkpJwk()));
  EXPECT_EQ(key.alg(), JwtAlgorithm::kEdDSA);
  EXPECT_TRUE(key.VerifySignature(kEdInput, Decoded(kEdSignature)));
  EXPECT_FALSE(key.VerifySignature(std::string(kEdInput) + ".", Decoded(kEdSignature)));
  // RFC 8037 Appendix A.3.
  EXPECT_EQ(key.Thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(JwkTest, PublicJwkRoundTrips) {
  ASSERT_OK_AND_ASSIGN(JwtPublicKey ec, JwtPublicKey::FromJwkJson(EcJwk(R"(,"kid":"k1")")));
  EXPECT_EQ(ec.ToJwkJson(), std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(kA3X) +
                                R"(","y":")" + std::string(kA3Y) +
                                R"(","kid":"k1","use":"sig","alg":"ES256"})");
  ASSERT_OK_AND_ASSIGN(JwtPublicKey again, JwtPublicKey::FromJwkJson(ec.ToJwkJson()));
  EXPECT_EQ(again.ToJwkJson(), ec.ToJwkJson());
  ASSERT_OK_AND_ASSIGN(JwtPublicKey okp, JwtPublicKey::FromJwkJson(OkpJwk()));
  EXPECT_EQ(okp.ToJwkJson(), std::string(R"({"kty":"OKP","crv":"Ed25519","x":")") +
                                 std::string(kEdX) + R"(","use":"sig","alg":"EdDSA"})");
}

TEST(JwkTest, AlgorithmComesFromAlgThenConfigurationThenCurve) {
  ASSERT_OK_AND_ASSIGN(JwtPublicKey explicit_alg,
                       JwtPublicKey::FromJwkJson(EcJwk(R"(,"alg":"ES256")")));
  EXPECT_EQ(explicit_alg.alg(), JwtAlgorithm::kES256);
  ASSERT_OK_AND_ASSIGN(JwtPublicKey configured,
                       JwtPublicKey::FromJwkJson(EcJwk(), JwtAlgorithm::kES256));
  EXPECT_EQ(configured.alg(), JwtAlgorithm::kES256);
  // A configured algorithm that does not fit the key, or that the key's alg contradicts.
  EXPECT_FALSE(JwtPublicKey::FromJwkJson(EcJwk(), JwtAlgorithm::kRS256).ok());
  EXPECT_FALSE(JwtPublicKey::FromJwkJson(OkpJwk(R"(,"alg":"EdDSA")"), JwtAlgorithm::kES256).ok());
  // An alg that does not fit the key type.
  EXPECT_FALSE(JwtPublicKey::FromJwkJson(EcJwk(R"(,"alg":"EdDSA")")).ok());
  EXPECT_FALSE(JwtPublicKey::FromJwkJson(OkpJwk(R"(,"alg":"ES256")")).ok());
  EXPECT_FALSE(JwtPublicKey::FromJwkJson(EcJwk(R"(,"alg":"RS256")")).ok());
}

TEST(JwkTest, RefusesUnusableKeys) {
  const std::vector<std::string> bad = {
      "[]", "\"EC\"", R"({})", R"({"kty":"oct","k":"c2VjcmV0"})", R"({"kty":"ec","crv":"P-256"})",
      EcJwk(R"(,"alg":"HS256")"), EcJwk(R"(,"alg":"none")"), EcJwk(R"(,"alg":"ES384")"),
      EcJwk(R"(,"alg":7)"), EcJwk(R"(,"use":"enc")"), EcJwk(R"(,"key_ops":["sign"])"),
      EcJwk(R"(,"key_ops":"verify")"),
      EcJwk(R"(,"d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI")"), EcJwk(R"(,"kid":5)"),
      std::string(R"({"kty":"EC","crv":"P-384","x":")") + std::string(kA3X) + R"(","y":")" +
          std::string(kA3Y) + "\"}",
      std::string(R"({"kty":"EC","x":")") + std::string(kA3X) + R"(","y":")" + std::string(kA3Y) +
          "\"}",
      std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(kA3X) + "\"}",
      // Not on the curve: y changed.
      std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(kA3X) +
          R"(","y":"y_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})",
      // Coordinates of the wrong length.
      std::string(R"({"kty":"EC","crv":"P-256","x":")") + std::string(kA3X.substr(0, 42)) +
          R"(","y":")" + std::string(kA3Y) + "\"}",
      std::string(R"({"kty":"EC","crv":"P-256","x":"AAAA)") + std::string(kA3X) + R"(","y":")" +
          std::string(kA3Y) + "\"}",
      // Padded or non-base64url members.
      std::string(R"({"kty":"OKP","crv":"Ed25519","x":")") + std::string(kEdX) + "=\"}",
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
      R"({"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ"})",
      R"({"kty":"RSA","n":"AQAB","e":"AQAB"})",                // No alg for RSA.
      R"({"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"})",  // 17-bit modulus.
  };
  for (const std::string& jwk : bad) {
    EXPECT_FALSE(JwtPublicKey::FromJwkJson(jwk).ok()) << jwk;
  }
  // Accepted variations.
  EXPECT_TRUE(JwtPublicKey::FromJwkJson(EcJwk(R"(,"use":"sig","key_ops":["verify"])")).ok());
  EXPECT_TRUE(JwtPublicKey::FromJwkJson(EcJwk(R"(,"x5c":["ignored"],"ext":true)")).ok());
}

TEST(JwksTest, ParsesKeysAndSkipsTheUnusable) {
  const std::string jwks = "{\"keys\":[" + EcJwk(R"(,"kid":"ec")") + "," +
                           OkpJwk(R"(,"kid":"ed")") + "," + EcJwk(R"(,"kid":"enc","use":"enc")") +
                           "," + R"({"kty":"oct","kid":"hmac","k":"c2VjcmV0"})" + "," +
                           R"({"kty":"XYZ","kid":"future"})" + "," + EcJwk(R"(,"kid":"ed")") + "," +
                           EcJwk(R"(,"kid":"hs","alg":"HS256")") + "]}";
  ASSERT_OK_AND_ASSIGN(ParsedJwks parsed, ParseJwks(jwks));
  ASSERT_EQ(parsed.keys.size(), 2u);
  EXPECT_EQ(parsed.keys[0].kid(), "ec");
  EXPECT_EQ(parsed.keys[0].alg(), JwtAlgorithm::kES256);
  EXPECT_EQ(parsed.keys[1].kid(), "ed");
  EXPECT_EQ(parsed.keys[1].alg(), JwtAlgorithm::kEdDSA);
  ASSERT_EQ(parsed.skipped.size(), 5u);
  EXPECT_EQ(parsed.skipped[0], "keys[2] (kid 'enc'): key is not for signatures (use)");
  EXPECT_EQ(parsed.skipped[1], "keys[3] (kid 'hmac'): unsupported kty");
  EXPECT_EQ(parsed.skipped[2], "keys[4] (kid 'future'): unsupported kty");
  EXPECT_EQ(parsed.skipped[3], "keys[5] (kid 'ed'): duplicate kid");
  EXPECT_EQ(parsed.skipped[4], "keys[6] (kid 'hs'): unsupported alg");

  const std::string published = JwksJson(parsed.keys);
  ASSERT_OK_AND_ASSIGN(ParsedJwks again, ParseJwks(published));
  EXPECT_EQ(again.keys.size(), 2u);
  EXPECT_TRUE(again.skipped.empty());
  EXPECT_EQ(JwksJson(again.keys), published);
}

TEST(JwksTest, RefusesMalformedDocuments) {
  for (const char* text : {"", "{", "[]", "{}", R"({"keys":{}})", R"({"keys":"x"})", "null"}) {
    EXPECT_FALSE(ParseJwks(text).ok()) << text;
  }
  std::string many = "{\"keys\":[";
  for (size_t key_idx = 0; key_idx <= kMaxJwksKeys; ++key_idx) {
    many += (key_idx > 0 ? "," : "") + OkpJwk();
  }
  many += "]}";
  EXPECT_FALSE(ParseJwks(many).ok());
  ASSERT_OK_AND_ASSIGN(ParsedJwks empty, ParseJwks(R"({"keys":[]})"));
  EXPECT_TRUE(empty.keys.empty());
}

}  // namespace
}  // namespace strata::security
