#include "security/jwt_verifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "common/strings.h"
#include "rsa_test_key.h"
#include "security/crypto.h"
#include "security/jwt.h"
#include "security/key_ring.h"
#include "test_util.h"

namespace strata::security {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr std::string_view kIssuer = "https://strata.example";
constexpr std::string_view kAudience = "strata";

// An RSA key standing in for an external OIDC issuer's.
struct RsaIssuerKey {
  EVP_PKEY* pkey = nullptr;
  std::string jwk;  // Public JWK with kid "rsa" and alg RS256.
  std::string pem;  // SubjectPublicKeyInfo PEM of the public key.
};

RsaIssuerKey MakeRsaKey(int bits) {
  const RsaTestKey made = MakeRsaTestKey(bits);
  return RsaIssuerKey{
      made.pkey,
      R"({"kty":"RSA","kid":"rsa","alg":"RS256","n":")" + made.n + R"(","e":")" + made.e + "\"}",
      made.pem};
}

const RsaIssuerKey& Rsa2048() {
  static const RsaIssuerKey key = MakeRsaKey(2048);
  return key;
}

// Claims of a token that is valid at kNow; `omit` leaves members out.
json::Value Claims(std::initializer_list<std::string_view> omit = {}) {
  json::Value claims = json::Value::Object();
  const auto set = [&](std::string_view name, json::Value value) {
    if (std::find(omit.begin(), omit.end(), name) == omit.end()) {
      claims.Set(std::string(name), std::move(value));
    }
  };
  set("iss", json::Value::String(std::string(kIssuer)));
  set("sub", json::Value::String("alice"));
  set("aud", json::Value::String(std::string(kAudience)));
  set("exp", json::Value::Int(kNow + 300));
  set("iat", json::Value::Int(kNow));
  set("jti", json::Value::String("t-1"));
  set("scope", json::Value::String("data:read datasets:read"));
  set("client_id", json::Value::String("console"));
  return claims;
}

json::Value With(json::Value claims, std::string_view name, json::Value value) {
  claims.Set(std::string(name), std::move(value));
  return claims;
}

// base64url(header) "." base64url(payload), the JWS signing input.
std::string SigningInput(std::string_view header_json, std::string_view payload_json) {
  return Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
}

std::string Compact(std::string_view signing_input, std::string_view signature) {
  return std::string(signing_input) + "." + Base64UrlEncode(signature);
}

// A token with any header, signed by `key` over exactly that header.
std::string SignWithHeader(const SigningKey& key, std::string_view header_json,
                           const json::Value& claims) {
  const std::string input = SigningInput(header_json, json::Serialize(claims));
  return Compact(input, key.Sign(input));
}

std::string Header(std::string_view alg, std::string_view kid, std::string_view typ = "at+jwt") {
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("alg", alg);
  if (!typ.empty()) writer.Member("typ", typ);
  if (!kid.empty()) writer.Member("kid", kid);
  writer.EndObject();
  return writer.Take();
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    es_ = SigningKey::Generate(JwtAlgorithm::kES256).value();
    ed_ = SigningKey::Generate(JwtAlgorithm::kEdDSA).value();
  }

  JwtVerifierOptions Options(std::vector<JwtPublicKey> keys) const {
    JwtVerifierOptions options;
    options.keys = std::move(keys);
    options.issuer = std::string(kIssuer);
    options.audiences = {std::string(kAudience)};
    options.types = {"at+jwt"};
    return options;
  }

  JwtVerifier Verifier(std::vector<JwtPublicKey> keys) const {
    return JwtVerifier::Create(Options(std::move(keys))).value();
  }
  JwtVerifier BothKeys() const { return Verifier({es_.public_key(), ed_.public_key()}); }

  // Expects Verify to fail as invalid_token with a message containing `reason`.
  static void ExpectInvalid(const JwtVerifier& verifier, std::string_view token,
                            std::string_view reason, int64_t now = kNow) {
    Result<VerifiedJwt> result = verifier.Verify(token, now);
    ASSERT_FALSE(result.ok()) << "accepted: " << token;
    EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(result.status().problem_code(), "invalid_token");
    EXPECT_NE(result.status().message().find(reason), std::string_view::npos)
        << result.status().message() << " (wanted: " << reason << ")";
    if (token.size() > 8) {
      // The reason never echoes the token or a part of it.
      EXPECT_EQ(result.status().message().find(token.substr(0, 8)), std::string_view::npos);
    }
  }

  SigningKey es_ = SigningKey::Generate(JwtAlgorithm::kES256).value();
  SigningKey ed_ = SigningKey::Generate(JwtAlgorithm::kEdDSA).value();
};

TEST_F(JwtVerifierTest, RoundTripsEs256AndEdDsa) {
  const JwtVerifier verifier = BothKeys();
  for (const SigningKey* key : {&es_, &ed_}) {
    const std::string token = SignJwt(*key, "at+jwt", Claims());
    ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt, verifier.Verify(token, kNow));
    EXPECT_EQ(jwt.header.alg, key->alg());
    EXPECT_EQ(jwt.header.kid, key->kid());
    EXPECT_EQ(jwt.header.typ, "at+jwt");
    EXPECT_EQ(jwt.iss, kIssuer);
    EXPECT_EQ(jwt.sub, "alice");
    EXPECT_EQ(jwt.aud, std::vector<std::string>{"strata"});
    EXPECT_EQ(jwt.exp, kNow + 300);
    EXPECT_EQ(jwt.iat, kNow);
    EXPECT_EQ(jwt.nbf, std::nullopt);
    EXPECT_EQ(jwt.jti, "t-1");
    EXPECT_EQ(jwt.scope, "data:read datasets:read");
    ASSERT_NE(jwt.claims.Find("client_id"), nullptr);
    EXPECT_EQ(jwt.claims.Find("client_id")->string_value(), "console");
  }
}

TEST_F(JwtVerifierTest, SignJwtTakesJsonText) {
  JsonWriter claims;
  claims.BeginObject();
  claims.Member("iss", kIssuer);
  claims.Key("aud");
  claims.BeginArray();
  claims.String("other");
  claims.String("strata");
  claims.EndArray();
  claims.Member("exp", kNow + 10);
  claims.Key("groups");
  claims.BeginArray();
  claims.String("analysts");
  claims.EndArray();
  claims.EndObject();
  const std::string token = SignJwt(ed_, "at+jwt", claims.str());
  // The header is exactly alg, typ, kid.
  EXPECT_EQ(*Base64UrlDecode(token.substr(0, token.find('.'))),
            R"({"alg":"EdDSA","typ":"at+jwt","kid":")" + ed_.kid() + "\"}");
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt, BothKeys().Verify(token, kNow));
  EXPECT_EQ(jwt.aud, (std::vector<std::string>{"other", "strata"}));
  EXPECT_EQ(jwt.sub, "");
  EXPECT_EQ(jwt.iat, std::nullopt);
  ASSERT_NE(jwt.claims.Find("groups"), nullptr);
  EXPECT_EQ(jwt.claims.Find("groups")->items().size(), 1u);
}

TEST_F(JwtVerifierTest, RefusesAlgNone) {
  const JwtVerifier verifier = BothKeys();
  const std::string payload = json::Serialize(Claims());
  for (std::string_view alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string input = SigningInput(Header(alg, es_.kid()), payload);
    ExpectInvalid(verifier, input + ".", "unsigned");                      // No signature.
    ExpectInvalid(verifier, input, "three base64url parts");               // No second dot.
    ExpectInvalid(verifier, Compact(input, es_.Sign(input)), "alg none");  // A real signature.
    ExpectInvalid(verifier, Compact(input, "x"), "alg none");
    ExpectInvalid(verifier, Compact(SigningInput(Header(alg, ""), payload), "x"), "alg none");
  }
}

TEST_F(JwtVerifierTest, RefusesHs256SignedWithThePublicKey) {
  const RsaIssuerKey& rsa = Rsa2048();
  ASSERT_OK_AND_ASSIGN(JwtPublicKey rsa_key, JwtPublicKey::FromJwkJson(rsa.jwk));
  const JwtVerifier verifier = Verifier({es_.public_key(), ed_.public_key(), rsa_key});
  const std::string payload = json::Serialize(Claims());
  const std::string es_point =
      "\x04" +
      *Base64UrlDecode(json::Parse(es_.public_key().ToJwkJson())->Find("x")->string_value()) +
      *Base64UrlDecode(json::Parse(es_.public_key().ToJwkJson())->Find("y")->string_value());
  const std::string ed_raw =
      *Base64UrlDecode(json::Parse(ed_.public_key().ToJwkJson())->Find("x")->string_value());
  const struct {
    std::string kid;
    std::string secret;
  } attempts[] = {
      {"rsa", rsa.pem},                           // The classic RS256 -> HS256 confusion.
      {"rsa", rsa.jwk},                           //
      {es_.kid(), es_point},                      // Raw public key bytes.
      {es_.kid(), es_.public_key().ToJwkJson()},  // The published JWK.
      {ed_.kid(), ed_raw},                        //
      {ed_.kid(), ed_.public_key().ToJwkJson()},  //
  };
  for (const auto& attempt : attempts) {
    for (std::string_view alg : {"HS256", "HS384", "HS512"}) {
      const std::string input = SigningInput(Header(alg, attempt.kid), payload);
      ExpectInvalid(verifier, Compact(input, HmacSha256(attempt.secret, input)),
                    "alg is not supported");
    }
  }
}

TEST_F(JwtVerifierTest, RefusesAlgorithmSwaps) {
  const RsaIssuerKey& rsa = Rsa2048();
  ASSERT_OK_AND_ASSIGN(JwtPublicKey rsa_key, JwtPublicKey::FromJwkJson(rsa.jwk));
  const JwtVerifier verifier = Verifier({es_.public_key(), ed_.public_key(), rsa_key});
  // The Ed25519 key's kid with alg ES256, signed by the P-256 key, and the reverse.
  ExpectInvalid(verifier, SignWithHeader(es_, Header("ES256", ed_.kid()), Claims()),
                "alg does not match its key");
  ExpectInvalid(verifier, SignWithHeader(ed_, Header("EdDSA", es_.kid()), Claims()),
                "alg does not match its key");
  // Each key's kid with its own key's signature but the other algorithm's name.
  ExpectInvalid(verifier, SignWithHeader(es_, Header("EdDSA", es_.kid()), Claims()),
                "alg does not match its key");
  ExpectInvalid(verifier, SignWithHeader(ed_, Header("ES256", ed_.kid()), Claims()),
                "alg does not match its key");
  // RS256 against an EC key and ES256 against the RSA key.
  ExpectInvalid(verifier, SignWithHeader(es_, Header("RS256", es_.kid()), Claims()),
                "alg does not match its key");
  ExpectInvalid(verifier, SignWithHeader(es_, Header("ES256", "rsa"), Claims()),
                "alg does not match its key");
  // Algorithms outside the three.
  for (std::string_view alg : {"PS256", "ES384", "ES512", "RS512", "Ed25519", "es256", ""}) {
    ExpectInvalid(verifier, SignWithHeader(es_, Header(alg, es_.kid()), Claims()),
                  "alg is not supported");
  }
}

TEST_F(JwtVerifierTest, ChoosesTheKeyByKid) {
  const JwtVerifier verifier = BothKeys();
  // Unknown kid: a distinct reason, so the caller can refetch the JWKS.
  const std::string unknown = SignWithHeader(es_, Header("ES256", "rotated-away"), Claims());
  Result<VerifiedJwt> result = verifier.Verify(unknown, kNow);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(IsUnknownJwtKey(result.status()));
  EXPECT_EQ(result.status().problem_code(), "invalid_token");
  // Other failures are not "unknown key".
  Result<VerifiedJwt> expired = verifier.Verify(SignJwt(es_, "at+jwt", Claims()), kNow + 100'000);
  ASSERT_FALSE(expired.ok());
  EXPECT_FALSE(IsUnknownJwtKey(expired.status()));
  // Several keys and no kid.
  ExpectInvalid(verifier, SignWithHeader(es_, Header("ES256", ""), Claims()), "no kid");
  // A kid that is not a string.
  ExpectInvalid(verifier,
                SignWithHeader(es_, R"({"alg":"ES256","typ":"at+jwt","kid":1})", Claims()),
                "kid must be a string");
  // The kid of another key of the same algorithm.
  ASSERT_OK_AND_ASSIGN(SigningKey es2, SigningKey::Generate(JwtAlgorithm::kES256));
  const JwtVerifier two_es = Verifier({es_.public_key(), es2.public_key()});
  ExpectInvalid(two_es, SignWithHeader(es2, Header("ES256", es_.kid()), Claims()),
                "signature is invalid");
  // With exactly one key, a token without kid uses it.
  const JwtVerifier single = Verifier({ed_.public_key()});
  EXPECT_OK(single.Verify(SignWithHeader(ed_, Header("EdDSA", ""), Claims()), kNow).status());
  ExpectInvalid(single, SignWithHeader(es_, Header("ES256", ""), Claims()),
                "alg does not match its key");
  // With no keys at all, every token is signed by an unknown key.
  const JwtVerifier none = Verifier({});
  EXPECT_TRUE(IsUnknownJwtKey(none.Verify(SignJwt(ed_, "at+jwt", Claims()), kNow).status()));
  EXPECT_TRUE(IsUnknownJwtKey(
      none.Verify(SignWithHeader(ed_, Header("EdDSA", ""), Claims()), kNow).status()));
}

TEST_F(JwtVerifierTest, IgnoresKeysCarriedInTheHeader) {
  ASSERT_OK_AND_ASSIGN(SigningKey attacker, SigningKey::Generate(JwtAlgorithm::kES256));
  const std::string embedded = attacker.public_key().ToJwkJson();
  const JwtVerifier single = Verifier({es_.public_key()});
  for (const std::string& header : {
           R"({"alg":"ES256","typ":"at+jwt","jwk":)" + embedded + "}",
           R"({"alg":"ES256","typ":"at+jwt","kid":")" + es_.kid() + R"(","jwk":)" + embedded + "}",
           std::string(R"({"alg":"ES256","typ":"at+jwt","jku":"https://attacker.example/jwks"})"),
           std::string(R"({"alg":"ES256","typ":"at+jwt","x5u":"https://attacker.example/c.pem"})"),
       }) {
    ExpectInvalid(single, SignWithHeader(attacker, header, Claims()), "signature is invalid");
  }
  // The same headers on a token our key signed are harmless.
  EXPECT_OK(
      single
          .Verify(SignWithHeader(es_, R"({"alg":"ES256","typ":"at+jwt","jku":"https://x.example"})",
                                 Claims()),
                  kNow)
          .status());
}

TEST_F(JwtVerifierTest, RefusesCrit) {
  ExpectInvalid(BothKeys(),
                SignWithHeader(es_,
                               R"({"alg":"ES256","typ":"at+jwt","kid":")" + es_.kid() +
                                   R"(","crit":["b64"],"b64":false})",
                               Claims()),
                "crit");
}

TEST_F(JwtVerifierTest, ExpiryAndLeewayEdges) {
  const JwtVerifier verifier = BothKeys();
  const auto token = [&](std::string_view name, int64_t value) {
    return SignJwt(es_, "at+jwt", With(Claims(), name, json::Value::Int(value)));
  };
  // exp: valid while now < exp + 60.
  EXPECT_OK(verifier.Verify(token("exp", kNow - 59), kNow).status());
  ExpectInvalid(verifier, token("exp", kNow - 60), "expired");
  ExpectInvalid(verifier, token("exp", kNow - 61), "expired");
  ExpectInvalid(verifier, token("exp", 0), "expired");
  // nbf: valid once now >= nbf - 60.
  EXPECT_OK(verifier.Verify(token("nbf", kNow + 60), kNow).status());
  ExpectInvalid(verifier, token("nbf", kNow + 61), "not valid yet");
  EXPECT_OK(verifier.Verify(token("nbf", kNow - 1000), kNow).status());
  // iat: at most 60 s in the future.
  EXPECT_OK(verifier.Verify(token("iat", kNow + 60), kNow).status());
  ExpectInvalid(verifier, token("iat", kNow + 61), "issued in the future");
  // Far-future values do not overflow.
  EXPECT_OK(verifier.Verify(token("exp", INT64_MAX), kNow).status());
  ExpectInvalid(verifier, token("nbf", INT64_MAX), "not valid yet");

  // Without leeway the edges move to now.
  JwtVerifierOptions strict = Options({es_.public_key()});
  strict.leeway_seconds = 0;
  ASSERT_OK_AND_ASSIGN(JwtVerifier no_leeway, JwtVerifier::Create(strict));
  ExpectInvalid(no_leeway, token("exp", kNow), "expired");
  EXPECT_OK(no_leeway.Verify(token("exp", kNow + 1), kNow).status());
  ExpectInvalid(no_leeway, token("nbf", kNow + 1), "not valid yet");
  EXPECT_OK(no_leeway.Verify(token("nbf", kNow), kNow).status());
  ExpectInvalid(no_leeway, token("iat", kNow + 1), "issued in the future");
}

TEST_F(JwtVerifierTest, DatesMustBeNumericDates) {
  const JwtVerifier verifier = BothKeys();
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", Claims({"exp"})), "no expiry");
  ExpectInvalid(verifier,
                SignJwt(es_, "at+jwt", With(Claims(), "exp", json::Value::String("9999999999"))),
                "NumericDate");
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", With(Claims(), "exp", json::Value())),
                "NumericDate");
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", With(Claims(), "nbf", json::Value::Bool(true))),
                "NumericDate");
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", With(Claims(), "iat", json::Value::Double(1e300))),
                "NumericDate");
  // Fractional seconds are allowed (RFC 7519 §2).
  ASSERT_OK_AND_ASSIGN(
      VerifiedJwt jwt,
      verifier.Verify(
          SignJwt(es_, "at+jwt", With(Claims(), "exp", json::Value::Double(kNow + 10.75))), kNow));
  EXPECT_EQ(jwt.exp, kNow + 10);
}

TEST_F(JwtVerifierTest, ChecksAudience) {
  const JwtVerifier verifier = BothKeys();
  const auto with_aud = [&](json::Value aud) {
    return SignJwt(es_, "at+jwt", With(Claims(), "aud", std::move(aud)));
  };
  ExpectInvalid(verifier, with_aud(json::Value::String("other")), "audience");
  ExpectInvalid(verifier, with_aud(json::Value::String("Strata")), "audience");
  ExpectInvalid(verifier, with_aud(json::Value::Array()), "audience");
  ExpectInvalid(verifier,
                with_aud(json::Value::Array({json::Value::String("a"), json::Value::String("b")})),
                "audience");
  ExpectInvalid(verifier,
                with_aud(json::Value::Array({json::Value::String("strata"), json::Value::Int(1)})),
                "'aud' must be");
  ExpectInvalid(verifier, with_aud(json::Value::Int(1)), "'aud' must be");
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", Claims({"aud"})), "no audience");
  EXPECT_OK(verifier
                .Verify(with_aud(json::Value::Array(
                            {json::Value::String("a"), json::Value::String("strata")})),
                        kNow)
                .status());
  // Any of several accepted audiences.
  JwtVerifierOptions options = Options({es_.public_key()});
  options.audiences = {"api://strata", "strata-console"};
  ASSERT_OK_AND_ASSIGN(JwtVerifier several, JwtVerifier::Create(options));
  EXPECT_OK(several.Verify(with_aud(json::Value::String("strata-console")), kNow).status());
  ExpectInvalid(several, with_aud(json::Value::String("strata")), "audience");
}

TEST_F(JwtVerifierTest, ChecksIssuerExactly) {
  const JwtVerifier verifier = BothKeys();
  for (std::string_view iss : {"https://strata.example/", "https://STRATA.example",
                               "https://strata.example.evil", "", "https://other.example"}) {
    ExpectInvalid(
        verifier,
        SignJwt(es_, "at+jwt", With(Claims(), "iss", json::Value::String(std::string(iss)))),
        "issuer");
  }
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", Claims({"iss"})), "issuer");
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", With(Claims(), "iss", json::Value::Int(1))),
                "'iss' must be a string");
}

TEST_F(JwtVerifierTest, ChecksType) {
  const JwtVerifier access = BothKeys();  // Accepts at+jwt only.
  EXPECT_OK(access.Verify(SignJwt(es_, "application/at+jwt", Claims()), kNow).status());
  EXPECT_OK(access.Verify(SignJwt(es_, "AT+JWT", Claims()), kNow).status());
  ExpectInvalid(access, SignJwt(es_, "JWT", Claims()), "typ");
  ExpectInvalid(access, SignJwt(es_, "rt+jwt", Claims()), "typ");
  ExpectInvalid(access, SignJwt(es_, "application/jwt", Claims()), "typ");
  ExpectInvalid(access, SignWithHeader(es_, Header("ES256", es_.kid(), ""), Claims()), "typ");
  ExpectInvalid(
      access,
      SignWithHeader(es_, R"({"alg":"ES256","typ":7,"kid":")" + es_.kid() + "\"}", Claims()),
      "typ must be a string");

  // A verifier that names no types takes plain JWTs only, never an access token.
  JwtVerifierOptions options = Options({es_.public_key()});
  options.types.clear();
  ASSERT_OK_AND_ASSIGN(JwtVerifier plain, JwtVerifier::Create(options));
  EXPECT_OK(plain.Verify(SignJwt(es_, "JWT", Claims()), kNow).status());
  EXPECT_OK(plain.Verify(SignJwt(es_, "application/jwt", Claims()), kNow).status());
  EXPECT_OK(
      plain.Verify(SignWithHeader(es_, Header("ES256", es_.kid(), ""), Claims()), kNow).status());
  ExpectInvalid(plain, SignJwt(es_, "at+jwt", Claims()), "typ");
}

TEST_F(JwtVerifierTest, RefusesStrippedAlteredOrMalformedTokens) {
  const JwtVerifier verifier = BothKeys();
  for (const SigningKey* key : {&es_, &ed_}) {
    const std::string token = SignJwt(*key, "at+jwt", Claims());
    ASSERT_OK(verifier.Verify(token, kNow).status());
    const size_t first_dot = token.find('.');
    const size_t second_dot = token.rfind('.');
    const std::string input = token.substr(0, second_dot);
    const std::string signature = *Base64UrlDecode(token.substr(second_dot + 1));

    // Stripped signature.
    ExpectInvalid(verifier, input + ".", "unsigned");
    ExpectInvalid(verifier, input, "three base64url parts");
    // Altered signature: every bit position of the first and last byte, and truncation.
    for (size_t byte_idx : {size_t{0}, signature.size() / 2, signature.size() - 1}) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string altered = signature;
        altered[byte_idx] = static_cast<char>(altered[byte_idx] ^ (1 << bit));
        ExpectInvalid(verifier, Compact(input, altered), "signature is invalid");
      }
    }
    ExpectInvalid(verifier, Compact(input, signature.substr(0, 63)), "signature is invalid");
    ExpectInvalid(verifier, Compact(input, signature + '\0'), "signature is invalid");
    // Altered payload under the original signature.
    const std::string header_b64 = token.substr(0, first_dot);
    const std::string richer =
        json::Serialize(With(Claims(), "scope", json::Value::String("admin")));
    ExpectInvalid(verifier, header_b64 + "." + Base64UrlEncode(richer) + token.substr(second_dot),
                  "signature is invalid");
    ExpectInvalid(
        verifier,
        header_b64 + "." +
            Base64UrlEncode(json::Serialize(With(Claims(), "exp", json::Value::Int(kNow + 1e6)))) +
            token.substr(second_dot),
        "signature is invalid");
    // Altered header under the original signature.
    ExpectInvalid(verifier,
                  Base64UrlEncode(R"({"alg":")" + std::string(JwtAlgorithmName(key->alg())) +
                                  R"(","typ":"at+jwt","kid":")" + key->kid() + R"(","x":1})") +
                      token.substr(first_dot),
                  "signature is invalid");
  }
}

TEST_F(JwtVerifierTest, RefusesNonBase64UrlCharacters) {
  const JwtVerifier verifier = BothKeys();
  const std::string token = SignJwt(es_, "at+jwt", Claims());
  const size_t first_dot = token.find('.');
  const size_t second_dot = token.rfind('.');
  // One character replaced in each part, then padding and whitespace added.
  for (size_t at : {size_t{3}, first_dot + 3, second_dot + 3}) {
    for (char c : {'+', '/', '=', ' ', '!', '\n', '\0', '*'}) {
      std::string altered = token;
      altered[at] = c;
      ExpectInvalid(verifier, altered, "");
    }
  }
  ExpectInvalid(verifier, token + "=", "signature is not base64url");
  ExpectInvalid(verifier, token + " ", "signature is not base64url");
  ExpectInvalid(verifier, " " + token, "header is not base64url");
  ExpectInvalid(verifier, token.substr(0, first_dot) + "=" + token.substr(first_dot),
                "header is not base64url");
  ExpectInvalid(verifier, "", "three base64url parts");
  ExpectInvalid(verifier, "..", "header is not base64url");
  ExpectInvalid(verifier, token + ".", "three base64url parts");
  ExpectInvalid(verifier, token + ".x.y", "three base64url parts");  // JWE-shaped.
  ExpectInvalid(verifier, "Bearer " + token, "");
}

TEST_F(JwtVerifierTest, RefusesMalformedJson) {
  const JwtVerifier verifier = Verifier({es_.public_key()});
  const auto sign = [&](std::string_view header, std::string_view payload) {
    const std::string input = SigningInput(header, payload);
    return Compact(input, es_.Sign(input));
  };
  const std::string header = Header("ES256", es_.kid());
  ExpectInvalid(verifier, sign("not json", json::Serialize(Claims())), "header is not a JSON");
  ExpectInvalid(verifier, sign("[1]", json::Serialize(Claims())), "header is not a JSON");
  ExpectInvalid(verifier, sign(R"({"typ":"at+jwt"})", json::Serialize(Claims())), "no alg");
  ExpectInvalid(verifier, sign(R"({"alg":["ES256"]})", json::Serialize(Claims())), "no alg");
  ExpectInvalid(verifier,
                sign(R"({"alg":"ES256","alg":"none","typ":"at+jwt"})", json::Serialize(Claims())),
                "header is not a JSON");  // Duplicate members.
  ExpectInvalid(verifier, sign(header, "not json"), "claims are not a JSON object");
  ExpectInvalid(verifier, sign(header, "[]"), "claims are not a JSON object");
  ExpectInvalid(verifier, sign(header, "\"text\""), "claims are not a JSON object");
  ExpectInvalid(verifier,
                sign(header, R"({"iss":"https://strata.example","iss":"x","aud":"strata",)"
                             R"("exp":9999999999})"),
                "claims are not a JSON object");  // Duplicate claims.
  ExpectInvalid(verifier, sign(header, std::string("{\"iss\":\"\xff\"}")),
                "claims are not a JSON object");  // Invalid UTF-8.
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", With(Claims(), "sub", json::Value::Int(5))),
                "'sub' must be a string");
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", With(Claims(), "scope", json::Value::Array())),
                "'scope' must be a string");
}

TEST_F(JwtVerifierTest, RefusesOversizeTokens) {
  const JwtVerifier verifier = BothKeys();
  // Just under the limit passes; over it fails before anything is decoded.
  const std::string base = SignJwt(es_, "at+jwt", Claims());
  const size_t room = (kMaxJwtBytes - base.size()) * 3 / 4 - 16;
  const std::string fits =
      SignJwt(es_, "at+jwt", With(Claims(), "pad", json::Value::String(std::string(room, 'p'))));
  ASSERT_LE(fits.size(), kMaxJwtBytes);
  EXPECT_OK(verifier.Verify(fits, kNow).status());
  const std::string big = SignJwt(
      es_, "at+jwt", With(Claims(), "pad", json::Value::String(std::string(kMaxJwtBytes, 'p'))));
  ExpectInvalid(verifier, big, "too large");
  ExpectInvalid(verifier, std::string(1 << 20, 'a'), "too large");
}

TEST_F(JwtVerifierTest, RequiredClaims) {
  JwtVerifierOptions options = Options({es_.public_key()});
  options.required_claims = {"sub", "client_id", "iat", "jti"};  // RFC 9068 §2.2.
  ASSERT_OK_AND_ASSIGN(JwtVerifier verifier, JwtVerifier::Create(options));
  EXPECT_OK(verifier.Verify(SignJwt(es_, "at+jwt", Claims()), kNow).status());
  for (std::string_view name : {"sub", "client_id", "iat", "jti"}) {
    ExpectInvalid(verifier, SignJwt(es_, "at+jwt", Claims({name})), "required claim");
  }
  ExpectInvalid(verifier, SignJwt(es_, "at+jwt", With(Claims(), "client_id", json::Value())),
                "required claim");
}

TEST_F(JwtVerifierTest, TokensOfARotatedOutKeyFailOnceTheRingDropsIt) {
  ASSERT_OK_AND_ASSIGN(KeyRing ring, KeyRing::Create(JwtAlgorithm::kES256));
  const std::string old_token = SignJwt(ring.current(), "at+jwt", Claims());
  ring.Rotate(kNow);
  const std::string new_token = SignJwt(ring.current(), "at+jwt", Claims());

  const JwtVerifier during = Verifier(ring.VerificationKeys());
  EXPECT_OK(during.Verify(old_token, kNow).status());
  EXPECT_OK(during.Verify(new_token, kNow).status());

  EXPECT_EQ(ring.DropRetiredBefore(kNow + 1), 1u);
  const JwtVerifier after = Verifier(ring.VerificationKeys());
  Result<VerifiedJwt> result = after.Verify(old_token, kNow);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(IsUnknownJwtKey(result.status()));
  EXPECT_OK(after.Verify(new_token, kNow).status());
}

TEST_F(JwtVerifierTest, VerifiesRs256FromAnExternalIssuer) {
  const RsaIssuerKey& rsa = Rsa2048();
  ASSERT_OK_AND_ASSIGN(ParsedJwks jwks, ParseJwks("{\"keys\":[" + rsa.jwk + "]}"));
  ASSERT_EQ(jwks.keys.size(), 1u);
  EXPECT_EQ(jwks.keys[0].alg(), JwtAlgorithm::kRS256);
  JwtVerifierOptions options = Options(jwks.keys);
  options.types.clear();  // OIDC ID tokens: typ "JWT" or absent.
  ASSERT_OK_AND_ASSIGN(JwtVerifier verifier, JwtVerifier::Create(options));

  const std::string input =
      SigningInput(R"({"alg":"RS256","typ":"JWT","kid":"rsa"})", json::Serialize(Claims()));
  const std::string token = Compact(input, RsaSha256Sign(rsa.pkey, input));
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt, verifier.Verify(token, kNow));
  EXPECT_EQ(jwt.header.alg, JwtAlgorithm::kRS256);
  EXPECT_EQ(jwt.sub, "alice");

  std::string altered = RsaSha256Sign(rsa.pkey, input);
  altered[10] ^= 0x20;
  ExpectInvalid(verifier, Compact(input, altered), "signature is invalid");
  ExpectInvalid(verifier, Compact(input, RsaSha256Sign(rsa.pkey, input).substr(1)),
                "signature is invalid");
  const std::string other_payload =
      SigningInput(R"({"alg":"RS256","typ":"JWT","kid":"rsa"})",
                   json::Serialize(With(Claims(), "sub", json::Value::String("mallory"))));
  ExpectInvalid(verifier, Compact(other_payload, RsaSha256Sign(rsa.pkey, input)),
                "signature is invalid");
  // The RSA JWK parsed without alg needs a configured algorithm.
  std::string no_alg = rsa.jwk;
  no_alg.erase(no_alg.find(R"("alg":"RS256",)"), std::string_view(R"("alg":"RS256",)").size());
  EXPECT_FALSE(JwtPublicKey::FromJwkJson(no_alg).ok());
  EXPECT_TRUE(JwtPublicKey::FromJwkJson(no_alg, JwtAlgorithm::kRS256).ok());
}

TEST_F(JwtVerifierTest, RefusesSmallRsaKeys) {
  const RsaIssuerKey small = MakeRsaKey(1024);
  EXPECT_FALSE(JwtPublicKey::FromJwkJson(small.jwk).ok());
  ASSERT_OK_AND_ASSIGN(ParsedJwks jwks, ParseJwks("{\"keys\":[" + small.jwk + "]}"));
  EXPECT_TRUE(jwks.keys.empty());
  ASSERT_EQ(jwks.skipped.size(), 1u);
  EXPECT_NE(jwks.skipped[0].find("2048"), std::string::npos) << jwks.skipped[0];
  EVP_PKEY_free(small.pkey);
}

TEST_F(JwtVerifierTest, CreateRefusesUnsafeOptions) {
  JwtVerifierOptions options = Options({es_.public_key()});
  options.issuer.clear();
  EXPECT_FALSE(JwtVerifier::Create(options).ok());
  options = Options({es_.public_key()});
  options.audiences.clear();
  EXPECT_FALSE(JwtVerifier::Create(options).ok());
  for (int64_t leeway : {-1, 61, 3600}) {
    options = Options({es_.public_key()});
    options.leeway_seconds = leeway;
    EXPECT_FALSE(JwtVerifier::Create(options).ok()) << leeway;
  }
  options = Options({es_.public_key(), es_.public_key()});
  EXPECT_FALSE(JwtVerifier::Create(options).ok());
  options = Options({es_.public_key()});
  EXPECT_EQ(options.leeway_seconds, 60);
  EXPECT_TRUE(JwtVerifier::Create(options).ok());
}

}  // namespace
}  // namespace strata::security
