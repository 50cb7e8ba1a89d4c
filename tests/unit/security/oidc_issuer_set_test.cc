// External OIDC issuers (security/oidc_issuer_set.h): tokens signed with keys made in the
// test, JWKS served by a fake fetcher, time from a fake clock. Covers the RFC 8725 checks per
// issuer, the mapping to a principal with its grants, and JWKS refetch/refresh.
#include "security/oidc_issuer_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "common/strings.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "rsa_test_key.h"
#include "security/crypto.h"
#include "security/jwt.h"
#include "security/signing_key.h"
#include "test_util.h"

namespace strata::security {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr int64_t kStart = 1'700'000'000;
constexpr std::string_view kCorpIssuer = "https://login.corp.example/";
constexpr std::string_view kCorpJwks = "https://login.corp.example/jwks";
constexpr std::string_view kPartnerIssuer = "https://partner.example";
constexpr std::string_view kPartnerJwks = "https://partner.example/keys";

// The RS256 key of the corp issuer.
struct RsaKey {
  RsaTestKey key;
  std::string kid = "rsa-1";
};

const RsaKey& Rsa() {
  static const RsaKey key{MakeRsaTestKey(2048)};
  return key;
}

// The public JWK of Rsa(); `with_alg` false leaves "alg" out, as some providers do.
std::string RsaJwk(bool with_alg = true) {
  return R"({"kty":"RSA","kid":")" + Rsa().kid + R"(","use":"sig",)" +
         (with_alg ? R"("alg":"RS256",)" : "") + R"("n":")" + Rsa().key.n + R"(","e":")" +
         Rsa().key.e + "\"}";
}

std::string RsaSign(std::string_view input) { return RsaSha256Sign(Rsa().key.pkey, input); }

std::string Jwks(const std::vector<std::string>& jwks) {
  std::string out = "{\"keys\":[";
  for (size_t key_idx = 0; key_idx < jwks.size(); ++key_idx) {
    out += (key_idx ? "," : "") + jwks[key_idx];
  }
  return out + "]}";
}

std::string Header(std::string_view alg, std::string_view kid, std::string_view typ = "JWT") {
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("alg", alg);
  if (!typ.empty()) writer.Member("typ", typ);
  if (!kid.empty()) writer.Member("kid", kid);
  writer.EndObject();
  return writer.Take();
}

std::string Input(std::string_view header, const json::Value& claims) {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(json::Serialize(claims));
}

std::string Sign(const SigningKey& key, const json::Value& claims, std::string_view typ = "JWT") {
  const std::string input = Input(Header(JwtAlgorithmName(key.alg()), key.kid(), typ), claims);
  return input + "." + Base64UrlEncode(key.Sign(input));
}

std::string SignRsa(const json::Value& claims, std::string_view kid = "rsa-1") {
  const std::string input = Input(Header("RS256", kid), claims);
  return input + "." + Base64UrlEncode(RsaSign(input));
}

// Claims valid at kStart from the corp issuer.
json::Value Claims(std::string_view iss = kCorpIssuer) {
  Result<json::Value> claims = json::Parse(R"({"sub":"alice","aud":["other","strata"],
      "jti":"t-1","groups":["eng","ops"],"region":"eu","scope":"data:read"})");
  json::Value out = std::move(claims).value();
  out.Set("iss", json::Value::String(std::string(iss)));
  out.Set("iat", json::Value::Int(kStart));
  out.Set("exp", json::Value::Int(kStart + 300));
  return out;
}

json::Value With(json::Value claims, std::string_view name, json::Value value) {
  claims.Set(std::string(name), std::move(value));
  return claims;
}

class OidcIssuerSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    resolver_ = std::make_unique<PrincipalResolver>(*store_);
    documents_[std::string(kCorpJwks)] = Jwks({es_.public_key().ToJwkJson(), RsaJwk()});
    documents_[std::string(kPartnerJwks)] = Jwks({ed_.public_key().ToJwkJson()});
  }

  static OidcIssuerConfig Corp() {
    OidcIssuerConfig issuer;
    issuer.name = "corp";
    issuer.issuer = std::string(kCorpIssuer);
    issuer.audiences = {"strata"};
    issuer.jwks_url = std::string(kCorpJwks);
    issuer.attribute_claims = {{"region", "region"}};
    return issuer;
  }

  static OidcIssuerConfig Partner() {
    OidcIssuerConfig issuer;
    issuer.name = "partner";
    issuer.issuer = std::string(kPartnerIssuer);
    issuer.audiences = {"strata"};
    issuer.jwks_url = std::string(kPartnerJwks);
    return issuer;
  }

  OidcIssuerSetOptions Options() {
    OidcIssuerSetOptions options;
    options.fetch_url = [this](const std::string& url) -> Result<std::string> {
      ++fetches_[url];
      if (fetch_fails_) return Status::Unavailable("connection refused");
      auto it = documents_.find(url);
      if (it == documents_.end()) return Status::Unavailable("HTTP 404");
      return it->second;
    };
    options.now_seconds = [this] { return now_; };
    return options;
  }

  std::unique_ptr<OidcIssuerSet> MakeSet(std::vector<OidcIssuerConfig> issuers) {
    Result<std::unique_ptr<OidcIssuerSet>> set =
        OidcIssuerSet::Create(std::move(issuers), *resolver_, Options());
    EXPECT_TRUE(set.ok()) << set.status().ToString();
    return set.ok() ? std::move(set).value() : nullptr;
  }

  static void ExpectInvalid(OidcIssuerSet& set, std::string_view token, std::string_view reason) {
    Result<Principal> result = set.Verify(token);
    ASSERT_FALSE(result.ok()) << "accepted a token that should fail with: " << reason;
    EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(result.status().problem_code(), "invalid_token");
    EXPECT_THAT(result.status().message(), HasSubstr(reason));
    EXPECT_EQ(result.status().message().find(token.substr(0, 12)), std::string_view::npos);
  }

  void Grant(std::string subject, std::string role, std::string resource) {
    ASSERT_OK(
        store_->identity().CreateGrant({"g" + std::to_string(++grants_), std::move(subject),
                                        std::move(role), std::move(resource), "test", kStart}));
  }

  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<PrincipalResolver> resolver_;
  SigningKey es_ = SigningKey::Generate(JwtAlgorithm::kES256).value();
  SigningKey ed_ = SigningKey::Generate(JwtAlgorithm::kEdDSA).value();
  std::map<std::string, std::string> documents_;
  std::map<std::string, int> fetches_;
  bool fetch_fails_ = false;
  int64_t now_ = kStart;
  int grants_ = 0;
};

TEST_F(OidcIssuerSetTest, ValidTokenBecomesAPrincipalThatHoldsNothingYet) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(fetches_[std::string(kCorpJwks)], 1);  // Fetched at start.
  EXPECT_TRUE(set->Trusts(kCorpIssuer));
  EXPECT_FALSE(set->Trusts("https://login.corp.example"));
  for (const std::string& token : {Sign(es_, Claims()), SignRsa(Claims())}) {
    ASSERT_OK_AND_ASSIGN(Principal principal, set->Verify(token));
    EXPECT_EQ(principal.ref, "oidc:corp:alice");
    EXPECT_THAT(principal.groups, ElementsAre("corp:eng", "corp:ops"));
    EXPECT_EQ(principal.attributes["region"], "eu");
    EXPECT_EQ(principal.credential, "oidc:corp:t-1");
    EXPECT_FALSE(principal.scopes.has_value());
    EXPECT_THAT(principal.roles, IsEmpty());
    EXPECT_THAT(principal.dataset_roles, IsEmpty());
  }
}

TEST_F(OidcIssuerSetTest, GrantsToTheSubjectOrItsGroupsApply) {
  Grant("oidc:corp:alice", "reader", "*");
  Grant("group:corp:eng", "writer", "cpu");
  Grant("group:eng", "admin", "*");           // An internal group of the same name: not theirs.
  Grant("oidc:partner:alice", "owner", "*");  // Same sub at another issuer: not theirs.
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  ASSERT_OK_AND_ASSIGN(Principal principal, set->Verify(Sign(es_, Claims())));
  EXPECT_THAT(principal.roles, ElementsAre("reader"));
  EXPECT_THAT(principal.dataset_roles["cpu"], ElementsAre("writer"));
}

TEST_F(OidcIssuerSetTest, MappedScopesNarrowThePrincipal) {
  OidcIssuerConfig corp = Corp();
  corp.map_scope = true;
  std::unique_ptr<OidcIssuerSet> set = MakeSet({corp});
  ASSERT_OK_AND_ASSIGN(Principal principal, set->Verify(Sign(es_, Claims())));
  ASSERT_TRUE(principal.scopes.has_value());
  EXPECT_THAT(*principal.scopes, ElementsAre("data:read"));
}

TEST_F(OidcIssuerSetTest, UnsignedTokensAreRefused) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  const std::string input = Input(Header("none", ""), Claims());
  ExpectInvalid(*set, input + ".", "unsigned");
  ExpectInvalid(*set,
                Input(Header("none", es_.kid()), Claims()) + "." + Base64UrlEncode(es_.Sign(input)),
                "alg none");
  ExpectInvalid(*set, Input(Header("NONE", ""), Claims()) + ".AAAA", "alg none");
}

TEST_F(OidcIssuerSetTest, HmacWithThePublicKeyIsRefused) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  // The classic confusion: HS256 "signed" with a public key the attacker knows.
  for (const std::string& secret : {Rsa().key.pem, RsaJwk(), es_.public_key().ToJwkJson()}) {
    for (std::string_view kid : {std::string_view("rsa-1"), std::string_view(es_.kid())}) {
      const std::string input = Input(Header("HS256", kid), Claims());
      ExpectInvalid(*set, input + "." + Base64UrlEncode(HmacSha256(secret, input)),
                    "token alg is not supported");
    }
  }
}

TEST_F(OidcIssuerSetTest, AlgorithmOutsideTheIssuersAllowListIsRefused) {
  OidcIssuerConfig corp = Corp();
  corp.algorithms = {"ES256"};
  std::unique_ptr<OidcIssuerSet> set = MakeSet({corp});
  EXPECT_EQ(set->FindForTest("corp")->key_count(), 1u);  // The RSA key is left out.
  ASSERT_OK(set->Verify(Sign(es_, Claims())).status());
  ExpectInvalid(*set, SignRsa(Claims()), "token alg is not allowed for this issuer");
  EXPECT_EQ(fetches_[std::string(kCorpJwks)], 1);  // Refused before any key lookup.
}

TEST_F(OidcIssuerSetTest, AlgorithmMustMatchTheKey) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  // An ES256 signature presented as EdDSA under the ES256 key's kid.
  const std::string input = Input(Header("EdDSA", es_.kid()), Claims());
  ExpectInvalid(*set, input + "." + Base64UrlEncode(es_.Sign(input)),
                "token alg does not match its key");
}

TEST_F(OidcIssuerSetTest, IssuerMustMatchExactly) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  ExpectInvalid(*set, Sign(es_, Claims("https://login.corp.example")),
                "the token's issuer is not trusted");
  ExpectInvalid(*set, Sign(es_, Claims("https://evil.example/")),
                "the token's issuer is not trusted");
  json::Value no_iss = json::Parse(R"({"sub":"a","aud":"strata"})").value();
  no_iss.Set("exp", json::Value::Int(kStart + 60));
  ExpectInvalid(*set, Sign(es_, no_iss), "token has no issuer");
  ExpectInvalid(*set, Sign(es_, With(Claims(), "iss", json::Value::Int(1))), "token has no issuer");
  ExpectInvalid(*set, "not-a-jwt", "token has no issuer");
}

TEST_F(OidcIssuerSetTest, AudienceMustBeOurs) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  ExpectInvalid(*set, Sign(es_, With(Claims(), "aud", json::Value::String("other"))),
                "audience (aud) does not include this service");
  ExpectInvalid(*set, Sign(es_, With(Claims(), "aud", json::Value::String("Strata"))), "audience");
  ASSERT_OK(set->Verify(Sign(es_, With(Claims(), "aud", json::Value::String("strata")))).status());
}

TEST_F(OidcIssuerSetTest, ExpiryAndNotBeforeWithLeeway) {
  OidcIssuerConfig corp = Corp();
  corp.leeway_seconds = 30;
  std::unique_ptr<OidcIssuerSet> set = MakeSet({corp});
  const std::string token = Sign(es_, With(Claims(), "exp", json::Value::Int(kStart + 100)));
  now_ = kStart + 129;
  ASSERT_OK(set->Verify(token).status());  // Within the leeway.
  now_ = kStart + 130;
  ExpectInvalid(*set, token, "token has expired");
  now_ = kStart;
  ExpectInvalid(*set, Sign(es_, With(Claims(), "nbf", json::Value::Int(kStart + 31))),
                "not valid yet (nbf)");
  ASSERT_OK(set->Verify(Sign(es_, With(Claims(), "nbf", json::Value::Int(kStart + 30)))).status());
  json::Value no_exp = json::Parse(R"({"sub":"a","aud":"strata"})").value();
  no_exp.Set("iss", json::Value::String(std::string(kCorpIssuer)));
  ExpectInvalid(*set, Sign(es_, no_exp), "no expiry");
}

TEST_F(OidcIssuerSetTest, TypeMustBeAccepted) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  ASSERT_OK(set->Verify(Sign(es_, Claims(), "at+jwt")).status());
  ASSERT_OK(set->Verify(Sign(es_, Claims(), "application/at+JWT")).status());
  ExpectInvalid(*set, Sign(es_, Claims(), "secevent+jwt"), "typ");
  ExpectInvalid(*set, Sign(es_, Claims(), ""), "typ");  // Absent: refused by default.

  OidcIssuerConfig lenient = Corp();
  lenient.types = {"JWT", ""};
  std::unique_ptr<OidcIssuerSet> accepting = MakeSet({lenient});
  ASSERT_OK(accepting->Verify(Sign(es_, Claims(), "")).status());
  ExpectInvalid(*accepting, Sign(es_, Claims(), "at+jwt"), "typ");
}

TEST_F(OidcIssuerSetTest, MalformedGroupsClaimRefusesTheToken) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  ExpectInvalid(*set, Sign(es_, With(Claims(), "groups", json::Value::Int(3))),
                "groups claim must be a string or an array of strings");
  ExpectInvalid(*set, Sign(es_, With(Claims(), "sub", json::Value::Int(3))),
                "claim 'sub' must be a string");
}

TEST_F(OidcIssuerSetTest, TwoIssuersCannotSignForEachOther) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp(), Partner()});
  ASSERT_OK_AND_ASSIGN(Principal partner, set->Verify(Sign(ed_, Claims(kPartnerIssuer))));
  EXPECT_EQ(partner.ref, "oidc:partner:alice");
  EXPECT_THAT(partner.groups, ElementsAre("partner:eng", "partner:ops"));
  EXPECT_TRUE(partner.attributes.empty());  // Partner maps no attributes.

  // Partner's key claiming to be corp: corp does not know that kid, even after a refetch.
  ExpectInvalid(*set, Sign(ed_, Claims(kCorpIssuer)), "unknown key");
  // ...nor under the kid of corp's own key.
  const std::string input = Input(Header("EdDSA", es_.kid()), Claims());
  ExpectInvalid(*set, input + "." + Base64UrlEncode(ed_.Sign(input)), "does not match its key");
  // Corp's key claiming to be partner.
  ExpectInvalid(*set, Sign(es_, Claims(kPartnerIssuer)), "unknown key");
  ExpectInvalid(*set, SignRsa(Claims(kPartnerIssuer)), "unknown key");
}

TEST_F(OidcIssuerSetTest, UnknownKidRefetchesThenFails) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  const SigningKey stranger = SigningKey::Generate(JwtAlgorithm::kES256).value();
  ExpectInvalid(*set, Sign(stranger, Claims()), "token is signed by an unknown key");
  EXPECT_EQ(fetches_[std::string(kCorpJwks)], 2);  // Start, then one refetch.
}

TEST_F(OidcIssuerSetTest, RotatedKeyIsPickedUpAtItsFirstUse) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  const SigningKey rotated = SigningKey::Generate(JwtAlgorithm::kEdDSA).value();
  documents_[std::string(kCorpJwks)] = Jwks({rotated.public_key().ToJwkJson()});
  now_ += 5;
  ASSERT_OK_AND_ASSIGN(Principal principal, set->Verify(Sign(rotated, Claims())));
  EXPECT_EQ(principal.ref, "oidc:corp:alice");
  EXPECT_EQ(fetches_[std::string(kCorpJwks)], 2);
  // The retired key is gone with the refetch.
  ExpectInvalid(*set, Sign(es_, Claims()), "unknown key");
}

TEST_F(OidcIssuerSetTest, UnknownKidRefetchIsRateLimitedPerIssuer) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp(), Partner()});
  const SigningKey next = SigningKey::Generate(JwtAlgorithm::kES256).value();
  ExpectInvalid(*set, Sign(next, Claims()), "unknown key");
  EXPECT_EQ(fetches_[std::string(kCorpJwks)], 2);
  // The issuer publishes the key now, but a refetch just happened.
  documents_[std::string(kCorpJwks)] =
      Jwks({es_.public_key().ToJwkJson(), next.public_key().ToJwkJson()});
  for (int attempt = 0; attempt < 5; ++attempt) {
    ExpectInvalid(*set, Sign(next, Claims()), "unknown key");
  }
  now_ += 29;
  ExpectInvalid(*set, Sign(next, Claims()), "unknown key");
  EXPECT_EQ(fetches_[std::string(kCorpJwks)], 2);
  // The other issuer has a budget of its own.
  ExpectInvalid(*set, Sign(next, Claims(kPartnerIssuer)), "unknown key");
  EXPECT_EQ(fetches_[std::string(kPartnerJwks)], 2);
  now_ += 1;  // 30 s after the refetch.
  ASSERT_OK(set->Verify(Sign(next, Claims())).status());
  EXPECT_EQ(fetches_[std::string(kCorpJwks)], 3);
}

TEST_F(OidcIssuerSetTest, FailedFetchKeepsThePreviousKeys) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  fetch_fails_ = true;
  OidcIssuer* corp = set->FindForTest("corp");
  EXPECT_FALSE(corp->Refresh(now_).ok());
  ASSERT_OK(set->Verify(Sign(es_, Claims())).status());
  fetch_fails_ = false;
  documents_[std::string(kCorpJwks)] = "{\"keys\":[]}";  // No usable key: kept as well.
  EXPECT_FALSE(corp->Refresh(now_).ok());
  documents_[std::string(kCorpJwks)] = "<html>";
  EXPECT_FALSE(corp->Refresh(now_).ok());
  ASSERT_OK(set->Verify(Sign(es_, Claims())).status());
  EXPECT_EQ(corp->key_count(), 2u);
}

TEST_F(OidcIssuerSetTest, PeriodicRefreshAndRetryAfterFailure) {
  OidcIssuerConfig corp = Corp();
  corp.jwks_refresh_seconds = 100;
  std::unique_ptr<OidcIssuerSet> set = MakeSet({corp});
  const std::string url(kCorpJwks);
  EXPECT_EQ(set->FindForTest("corp")->next_refresh_at(), kStart + 100);
  now_ = kStart + 99;
  set->RefreshDue();
  EXPECT_EQ(fetches_[url], 1);
  now_ = kStart + 100;
  set->RefreshDue();
  EXPECT_EQ(fetches_[url], 2);
  fetch_fails_ = true;
  now_ = kStart + 200;
  set->RefreshDue();
  EXPECT_EQ(fetches_[url], 3);
  EXPECT_EQ(set->FindForTest("corp")->next_refresh_at(), kStart + 230);  // Retry in 30 s.
  ASSERT_OK(set->Verify(Sign(es_, Claims())).status());
}

TEST_F(OidcIssuerSetTest, UnreachableJwksAtStartIsRetriedLater) {
  fetch_fails_ = true;
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->FindForTest("corp")->key_count(), 0u);
  fetch_fails_ = false;
  ASSERT_OK(set->Verify(Sign(es_, Claims())).status());  // The unknown kid refetches.
}

TEST_F(OidcIssuerSetTest, RsaKeyWithoutAlgIsUsedWithRs256WhenAllowed) {
  documents_[std::string(kCorpJwks)] = Jwks({RsaJwk(/*with_alg=*/false)});
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  ASSERT_OK(set->Verify(SignRsa(Claims())).status());

  OidcIssuerConfig es_only = Corp();
  es_only.algorithms = {"ES256", "EdDSA"};
  documents_[std::string(kCorpJwks)] =
      Jwks({RsaJwk(/*with_alg=*/false), es_.public_key().ToJwkJson()});
  std::unique_ptr<OidcIssuerSet> strict = MakeSet({es_only});
  EXPECT_EQ(strict->FindForTest("corp")->key_count(), 1u);
}

TEST_F(OidcIssuerSetTest, IssuerKeysComeOnlyFromTheConfiguredSource) {
  std::unique_ptr<OidcIssuerSet> set = MakeSet({Corp()});
  const SigningKey attacker = SigningKey::Generate(JwtAlgorithm::kES256).value();
  // A header that carries its own key (jwk) or points at one (jku): ignored.
  JsonWriter header;
  header.BeginObject();
  header.Member("alg", "ES256");
  header.Member("typ", "JWT");
  header.Member("kid", attacker.kid());
  header.Member("jku", "https://evil.example/jwks");
  header.Key("jwk");
  attacker.public_key().WriteJwk(header);
  header.EndObject();
  const std::string input = Input(header.Take(), Claims());
  ExpectInvalid(*set, input + "." + Base64UrlEncode(attacker.Sign(input)), "unknown key");
  EXPECT_EQ(fetches_.count("https://evil.example/jwks"), 0u);
}

// -- jwks_file ----------------------------------------------------------------------------

class JwksFileTest : public OidcIssuerSetTest {
 protected:
  void SetUp() override {
    OidcIssuerSetTest::SetUp();
    std::string dir_template = ::testing::TempDir() + "strata_oidc_XXXXXX";
    dir_ = mkdtemp(dir_template.data());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Write(std::string_view name, std::string_view contents) {
    const std::string path = dir_ + "/" + std::string(name);
    std::ofstream(path) << contents;
    return path;
  }

  OidcIssuerConfig FileIssuer(std::string path) {
    OidcIssuerConfig issuer = Corp();
    issuer.jwks_url.clear();
    issuer.jwks_file = std::move(path);
    return issuer;
  }

  std::string dir_;
};

TEST_F(JwksFileTest, LoadsAndRereadsOnUnknownKid) {
  const std::string path = Write("jwks.json", Jwks({es_.public_key().ToJwkJson()}));
  std::unique_ptr<OidcIssuerSet> set = MakeSet({FileIssuer(path)});
  ASSERT_OK(set->Verify(Sign(es_, Claims())).status());
  EXPECT_EQ(set->FindForTest("corp")->next_refresh_at(), std::numeric_limits<int64_t>::max());
  Write("jwks.json", Jwks({es_.public_key().ToJwkJson(), ed_.public_key().ToJwkJson()}));
  ASSERT_OK(set->Verify(Sign(ed_, Claims())).status());
}

TEST_F(JwksFileTest, UnusableFileFailsTheStartNamingIssuerAndOption) {
  const std::string missing = dir_ + "/absent.json";
  const std::string empty = Write("empty.json", "{\"keys\":[]}");
  const std::string garbage = Write("garbage.json", "not json");
  const std::string private_only =
      Write("private.json", Jwks({R"({"kty":"oct","k":"c2VjcmV0","kid":"h"})"}));
  for (const std::string& path : {missing, empty, garbage, private_only}) {
    Result<std::unique_ptr<OidcIssuerSet>> set =
        OidcIssuerSet::Create({FileIssuer(path)}, *resolver_, Options());
    ASSERT_FALSE(set.ok()) << path;
    EXPECT_THAT(set.status().message(), HasSubstr("auth.oidc.issuers 'corp'")) << path;
    EXPECT_THAT(set.status().message(), HasSubstr("option jwks_file " + path)) << path;
  }
}

TEST_F(JwksFileTest, CreateRefusesInvalidConfigurations) {
  OidcIssuerConfig hmac = Corp();
  hmac.algorithms = {"HS256"};
  Result<std::unique_ptr<OidcIssuerSet>> set = OidcIssuerSet::Create({hmac}, *resolver_, Options());
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), HasSubstr("option algorithms"));

  set = OidcIssuerSet::Create({Corp(), Corp()}, *resolver_, Options());
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), HasSubstr("also used by 'corp'"));

  set = OidcIssuerSet::Create({Corp()}, *resolver_, OidcIssuerSetOptions{});
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), HasSubstr("no fetcher"));
}

TEST(UnverifiedIssuerTest, ReadsIssWithoutTrustingIt) {
  const std::string payload = Base64UrlEncode(R"({"iss":"https://a.example","sub":"x"})");
  EXPECT_EQ(UnverifiedIssuer("eyJhbGciOiJub25lIn0." + payload + ".sig"), "https://a.example");
  EXPECT_EQ(UnverifiedIssuer("eyJhbGciOiJub25lIn0." + payload + "."), "https://a.example");
  EXPECT_EQ(UnverifiedIssuer("a." + payload), std::nullopt);
  EXPECT_EQ(UnverifiedIssuer("a." + payload + ".b.c"), std::nullopt);
  EXPECT_EQ(UnverifiedIssuer("a.!!!.b"), std::nullopt);
  EXPECT_EQ(UnverifiedIssuer("a." + Base64UrlEncode("[1]") + ".b"), std::nullopt);
  EXPECT_EQ(UnverifiedIssuer("a." + Base64UrlEncode(R"({"iss":1})") + ".b"), std::nullopt);
  EXPECT_EQ(UnverifiedIssuer("a." + std::string(kMaxJwtBytes, 'A') + ".b"), std::nullopt);
}

}  // namespace
}  // namespace strata::security
