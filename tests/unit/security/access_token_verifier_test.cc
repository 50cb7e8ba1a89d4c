#include "security/access_token_verifier.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "common/ids.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/bearer_token_chain.h"
#include "security/jwt.h"
#include "test_util.h"

namespace strata::security {
namespace {

constexpr std::string_view kIssuer = "https://strata.test";

struct Claims {
  std::string iss = std::string(kIssuer);
  std::string sub = "user:ana";
  std::string aud = "strata";
  int64_t exp_offset = 900;  // Seconds after now.
  std::string jti = "jti-1";
  std::string client_id = "strata";
  std::optional<std::string> scope;
  std::string typ = "at+jwt";
};

class AccessTokenVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    now_ = NowMicros();
    KeyRingOptions key_options;
    key_options.rotation_seconds = 0;
    ASSERT_OK_AND_ASSIGN(keys_, KeyRingStore::Open(*store_, key_options, Seconds()));
    revoked_ = std::make_unique<RevokedTokenList>(*store_);
    AccessTokenOptions options;
    options.issuer = std::string(kIssuer);
    options.clock = [this] { return now_; };
    verifier_ =
        std::make_unique<AccessTokenVerifier>(*keys_, *revoked_, *store_, authorizer_, options);
    AddUser("ana", "reader");
  }

  int64_t Seconds() const { return now_ / 1'000'000; }

  void AddUser(const std::string& name, const std::string& role) {
    meta::UserRecord user;
    user.name = name;
    user.groups = {"analysts"};
    ASSERT_OK(store_->identity().CreateUser(user));
    ASSERT_OK(store_->identity().CreateGrant({NewUlid(), "user:" + name, role, "*", "test", 0}));
  }

  std::string Sign(const Claims& claims, const SigningKey* key = nullptr) {
    JsonWriter writer;
    writer.BeginObject();
    writer.Member("iss", claims.iss);
    writer.Member("sub", claims.sub);
    writer.Member("aud", claims.aud);
    writer.Member("exp", Seconds() + claims.exp_offset);
    writer.Member("iat", Seconds());
    writer.Member("nbf", Seconds());
    if (!claims.jti.empty()) writer.Member("jti", claims.jti);
    if (!claims.client_id.empty()) writer.Member("client_id", claims.client_id);
    if (claims.scope) writer.Member("scope", *claims.scope);
    writer.EndObject();
    return SignJwt(key ? *key : keys_->Current()->ring.current(), claims.typ, writer.Take());
  }

  void ExpectInvalid(const std::string& token) {
    Result<Principal> result = verifier_->Verify(token);
    ASSERT_FALSE(result.ok()) << "accepted";
    EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(result.status().problem_code(), "invalid_token");
    EXPECT_FALSE(IsNotMyToken(result.status())) << result.status().ToString();
  }

  std::unique_ptr<meta::MetaStore> store_;
  Authorizer authorizer_;
  int64_t now_ = 0;
  std::unique_ptr<KeyRingStore> keys_;
  std::unique_ptr<RevokedTokenList> revoked_;
  std::unique_ptr<AccessTokenVerifier> verifier_;
};

TEST_F(AccessTokenVerifierTest, ValidTokenResolvesItsSubject) {
  ASSERT_OK_AND_ASSIGN(Principal principal, verifier_->Verify(Sign(Claims{})));
  EXPECT_EQ(principal.ref, "user:ana");
  EXPECT_EQ(principal.roles, std::vector<std::string>{"reader"});
  EXPECT_EQ(principal.groups, std::vector<std::string>{"analysts"});
  EXPECT_EQ(principal.credential, "token:jti-1");
  EXPECT_FALSE(principal.scopes.has_value());  // No scope claim: everything ana holds.
  EXPECT_TRUE(authorizer_.Has(principal, Permission::kDataRead));
}

TEST_F(AccessTokenVerifierTest, ScopeClaimNarrowsThePrincipal) {
  Claims claims;
  claims.jti = "jti-scoped";
  claims.scope = "datasets:read";
  ASSERT_OK_AND_ASSIGN(Principal principal, verifier_->Verify(Sign(claims)));
  ASSERT_TRUE(principal.scopes.has_value());
  EXPECT_EQ(*principal.scopes, std::vector<std::string>{"datasets:read"});
  EXPECT_TRUE(authorizer_.Has(principal, Permission::kDatasetsRead));
  EXPECT_FALSE(authorizer_.Has(principal, Permission::kDataRead));
}

TEST_F(AccessTokenVerifierTest, ExpiredTokenIsRefusedAfterTheLeeway) {
  const std::string token = Sign(Claims{});
  now_ += (900 + 59) * int64_t{1'000'000};
  EXPECT_TRUE(verifier_->Verify(token).ok());
  now_ += 2'000'000;
  ExpectInvalid(token);
}

TEST_F(AccessTokenVerifierTest, WrongAudienceTypeOrMissingClaimsAreRefused) {
  Claims wrong_aud;
  wrong_aud.aud = "another-service";
  ExpectInvalid(Sign(wrong_aud));
  Claims plain_jwt;
  plain_jwt.typ = "JWT";  // RFC 8725 §3.11: only at+jwt is an access token.
  ExpectInvalid(Sign(plain_jwt));
  Claims no_jti;
  no_jti.jti = "";
  ExpectInvalid(Sign(no_jti));
  Claims no_client;
  no_client.client_id = "";
  ExpectInvalid(Sign(no_client));
  const std::string good = Sign(Claims{});
  ExpectInvalid(good.substr(0, good.size() - 4) + "AAAA");  // Signature altered.
}

TEST_F(AccessTokenVerifierTest, TokenOfAnotherIssuerIsNotMine) {
  Claims foreign;
  foreign.iss = "https://idp.example.com";
  Result<Principal> result = verifier_->Verify(Sign(foreign));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(IsNotMyToken(result.status()));
  EXPECT_EQ(result.status().problem_code(), "invalid_token");  // Still a refusal on its own.
}

// Answers for tokens of one foreign issuer, as an OIDC verifier would.
class FakeOidcVerifier final : public BearerTokenVerifier {
 public:
  Result<Principal> Verify(std::string_view) override {
    ++calls;
    Principal principal;
    principal.ref = "oidc:idp:alice";
    return principal;
  }
  int calls = 0;
};

TEST_F(AccessTokenVerifierTest, ChainPassesForeignTokensToTheNextVerifier) {
  FakeOidcVerifier oidc;
  BearerTokenChain chain;
  chain.Add(verifier_.get());
  chain.Add(&oidc);
  ASSERT_OK_AND_ASSIGN(Principal ours, chain.Verify(Sign(Claims{})));
  EXPECT_EQ(ours.ref, "user:ana");
  EXPECT_EQ(oidc.calls, 0);
  Claims foreign;
  foreign.iss = "https://idp.example.com";
  ASSERT_OK_AND_ASSIGN(Principal theirs, chain.Verify(Sign(foreign)));
  EXPECT_EQ(theirs.ref, "oidc:idp:alice");
  EXPECT_EQ(oidc.calls, 1);
  // Our own token with a bad signature is refused by us and never offered to the next one.
  const std::string good = Sign(Claims{});
  EXPECT_FALSE(chain.Verify(good.substr(0, good.size() - 4) + "AAAA").ok());
  EXPECT_EQ(oidc.calls, 1);

  BearerTokenChain alone;
  alone.Add(verifier_.get());
  Result<Principal> refused = alone.Verify(Sign(foreign));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().problem_code(), "invalid_token");
}

TEST_F(AccessTokenVerifierTest, RevokedTokenIsRefusedUntilItExpires) {
  const std::string token = Sign(Claims{});
  ASSERT_OK(verifier_->Verify(token).status());  // Cached now.
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt, verifier_->VerifyToken(token));
  ASSERT_OK(verifier_->Revoke(jwt));
  ExpectInvalid(token);
  EXPECT_TRUE(verifier_->VerifyToken(token, /*check_revoked=*/false).ok());
  // Survives a restart: a fresh list reads the store.
  RevokedTokenList fresh(*store_);
  EXPECT_TRUE(fresh.IsRevoked("jti-1", now_));
  EXPECT_FALSE(fresh.IsRevoked("jti-2", now_));
}

TEST_F(AccessTokenVerifierTest, DisabledOrDeletedSubjectIsRefused) {
  AddUser("bob", "reader");
  Claims bob;
  bob.sub = "user:bob";
  bob.jti = "jti-bob";
  const std::string token = Sign(bob);
  ASSERT_OK(verifier_->Verify(token).status());
  ASSERT_OK_AND_ASSIGN(meta::UserRecord user, store_->identity().GetUser("bob"));
  user.disabled = true;
  user.revision += 1;
  ASSERT_OK(store_->identity().UpdateUser(user, user.revision - 1));
  authorizer_.NoteIdentityChanged();  // As the identity service does.
  ExpectInvalid(token);
  ASSERT_OK(store_->identity().DeleteUser("bob"));
  ExpectInvalid(token);
  Claims nobody;
  nobody.sub = "user:nobody";
  ExpectInvalid(Sign(nobody));
}

TEST_F(AccessTokenVerifierTest, OldTokensVerifyUntilTheirRetiredKeyIsDropped) {
  const std::string old_token = Sign(Claims{});
  ASSERT_OK(keys_->Rotate(Seconds()));
  Claims fresh;
  fresh.jti = "jti-new";
  ASSERT_OK(verifier_->Verify(Sign(fresh)).status());
  ASSERT_OK(verifier_->Verify(old_token).status());
  ASSERT_OK(keys_->Maintain(Seconds() + keys_->options().retire_after_seconds + 1));
  ExpectInvalid(old_token);
}

TEST_F(AccessTokenVerifierTest, KeyOutsideTheRingIsRefused) {
  ASSERT_OK_AND_ASSIGN(SigningKey stranger, SigningKey::Generate(JwtAlgorithm::kEdDSA));
  ExpectInvalid(Sign(Claims{}, &stranger));
}

TEST_F(AccessTokenVerifierTest, UnknownKidReloadsTheRingRotatedElsewhere) {
  KeyRingOptions options;
  options.rotation_seconds = 0;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KeyRingStore> other,
                       KeyRingStore::Open(*store_, options, Seconds()));
  ASSERT_OK(other->Rotate(Seconds()));
  Claims claims;
  claims.jti = "jti-other-node";
  ASSERT_OK(verifier_->Verify(Sign(claims, &other->Current()->ring.current())).status());
}

}  // namespace
}  // namespace strata::security
