#include "service/token_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/ids.h"
#include "common/json.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/crypto.h"
#include "security/encoding.h"
#include "security/password_hash.h"
#include "security/recovery_codes.h"
#include "security/totp.h"
#include "service/recording_audit_sink.h"
#include "test_util.h"

namespace strata::service {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kIssuer = "https://strata.test";
constexpr int64_t kSecond = 1'000'000;

// Cheap argon2id parameters: tests hash many passwords.
security::PasswordParams FastParams() {
  security::PasswordParams params;
  params.memory_kib = 64;
  params.iterations = 1;
  return params;
}

json::Value ClaimsOf(const std::string& token) {
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  std::optional<std::string> payload =
      security::Base64UrlDecodeStrict(token.substr(first + 1, second - first - 1));
  EXPECT_TRUE(payload.has_value());
  Result<json::Value> claims = json::Parse(payload.value_or("{}"));
  EXPECT_TRUE(claims.ok());
  return claims.ok() ? *claims : json::Value();
}

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    now_ = NowMicros();
    security::KeyRingOptions key_options;
    key_options.rotation_seconds = 0;
    ASSERT_OK_AND_ASSIGN(keys_, security::KeyRingStore::Open(*store_, key_options, now_ / kSecond));
    revoked_ = std::make_unique<security::RevokedTokenList>(*store_);
    security::AccessTokenOptions access;
    access.issuer = std::string(kIssuer);
    access.clock = [this] { return now_; };
    verifier_ = std::make_unique<security::AccessTokenVerifier>(*keys_, *revoked_, *store_,
                                                                authorizer_, access);
    LoginThrottleOptions throttle_options;
    throttle_options.max_failures = 3;
    throttle_options.max_failures_per_address = 50;
    throttle_ = std::make_unique<LoginThrottle>(throttle_options);
    ASSERT_OK_AND_ASSIGN(passwords_, PasswordChecker::Create(FastParams(), 2));
    options_.password_grant = true;
    options_.clock = [this] { return now_; };
    Rebuild();
    AddAccount("ana", "user", "ana-password", {"reader"});
    AddAccount("etl", "service", "etl-secret", {"writer"});
  }

  void Rebuild() {
    tokens_ = std::make_unique<TokenService>(*store_, authorizer_, *keys_, *verifier_, *throttle_,
                                             *passwords_, options_);
  }

  void AddAccount(const std::string& name, const std::string& kind, const std::string& secret,
                  const std::vector<std::string>& roles,
                  security::PasswordParams params = FastParams()) {
    meta::UserRecord user;
    user.name = name;
    user.kind = kind;
    ASSERT_OK_AND_ASSIGN(user.password_hash, security::HashPassword(secret, params));
    ASSERT_OK(store_->identity().CreateUser(user));
    for (const std::string& role : roles) {
      ASSERT_OK(store_->identity().CreateGrant({NewUlid(), kind + ":" + name, role, "*", "t", 0}));
    }
  }

  // Enables TOTP for `name` with a known secret and recovery codes.
  std::vector<std::string> EnableTotp(const std::string& name) {
    meta::UserRecord user = store_->identity().GetUser(name).value();
    user.totp_secret = totp_secret_;
    user.totp_enabled = true;
    std::vector<std::string> codes = security::GenerateRecoveryCodes(3);
    for (const std::string& code : codes) {
      user.recovery_code_hashes.push_back(security::HashRecoveryCode(code));
    }
    user.revision += 1;
    EXPECT_OK(store_->identity().UpdateUser(user, user.revision - 1));
    return codes;
  }

  std::string CurrentTotp() const {
    return security::TotpCode(totp_secret_, security::TotpStep(now_ / kSecond));
  }

  TokenRequest Password(std::string username, std::string password) {
    TokenRequest request;
    request.grant_type = "password";
    request.username = std::move(username);
    request.password = std::move(password);
    request.address = "192.0.2.1";
    return request;
  }

  TokenRequest Refresh(std::string token) {
    TokenRequest request;
    request.grant_type = "refresh_token";
    request.refresh_token = std::move(token);
    return request;
  }

  TokenRequest Client(std::string id, std::string secret,
                      ClientAuthentication how = ClientAuthentication::kBasic) {
    TokenRequest request;
    request.grant_type = "client_credentials";
    request.client_id = std::move(id);
    request.client_secret = std::move(secret);
    request.client_auth = how;
    return request;
  }

  void ExpectError(const Result<IssuedTokens>& result, std::string_view error,
                   std::string_view description_part = "") {
    ASSERT_FALSE(result.ok()) << "expected " << error;
    EXPECT_EQ(result.status().problem_code(), error) << result.status().ToString();
    if (!description_part.empty()) {
      EXPECT_THAT(std::string(result.status().message()), HasSubstr(description_part));
    }
  }

  std::unique_ptr<meta::MetaStore> store_;
  security::Authorizer authorizer_;
  int64_t now_ = 0;
  std::string totp_secret_ = std::string(20, 'k');
  std::unique_ptr<security::KeyRingStore> keys_;
  std::unique_ptr<security::RevokedTokenList> revoked_;
  std::unique_ptr<security::AccessTokenVerifier> verifier_;
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<PasswordChecker> passwords_;
  TokenServiceOptions options_;
  std::unique_ptr<TokenService> tokens_;
};

TEST_F(TokenServiceTest, PasswordGrantIssuesAnRfc9068AccessTokenAndARefreshToken) {
  ASSERT_OK_AND_ASSIGN(IssuedTokens issued, tokens_->Token(Password("ana", "ana-password")));
  EXPECT_EQ(issued.expires_in, 900);
  EXPECT_TRUE(StartsWith(issued.refresh_token, kRefreshTokenPrefix));
  EXPECT_EQ(issued.refresh_token.size(), kRefreshTokenPrefix.size() + 43);  // 256 bits.
  EXPECT_EQ(issued.scope, "");
  const json::Value claims = ClaimsOf(issued.access_token);
  EXPECT_EQ(claims.Find("iss")->string_value(), kIssuer);
  EXPECT_EQ(claims.Find("sub")->string_value(), "user:ana");
  EXPECT_EQ(claims.Find("aud")->string_value(), "strata");
  EXPECT_EQ(claims.Find("client_id")->string_value(), "strata");
  EXPECT_EQ(claims.Find("exp")->int64_value() - claims.Find("iat")->int64_value(), 900);
  EXPECT_NE(claims.Find("jti"), nullptr);
  EXPECT_EQ(claims.Find("scope"), nullptr);
  ASSERT_OK_AND_ASSIGN(security::Principal principal, verifier_->Verify(issued.access_token));
  EXPECT_EQ(principal.ref, "user:ana");
  // Only the hash of the refresh token is stored.
  ASSERT_OK_AND_ASSIGN(std::optional<meta::RefreshTokenRecord> record,
                       store_->identity().FindRefreshToken(security::Sha256(issued.refresh_token)));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->subject, "user:ana");
  EXPECT_EQ(record->expires_at - record->created_at, int64_t{30} * 86'400 * kSecond);
}

TEST_F(TokenServiceTest, WrongPasswordUnknownUserDisabledUserAndServiceAccountsGetOneAnswer) {
  ASSERT_OK_AND_ASSIGN(meta::UserRecord ana, store_->identity().GetUser("ana"));
  AddAccount("off", "user", "off-password", {"reader"});
  meta::UserRecord off = store_->identity().GetUser("off").value();
  off.disabled = true;
  off.revision += 1;
  ASSERT_OK(store_->identity().UpdateUser(off, off.revision - 1));
  meta::UserRecord nopass;
  nopass.name = "nopass";
  ASSERT_OK(store_->identity().CreateUser(nopass));
  const std::vector<TokenRequest> refused = {
      Password("ana", "wrong"), Password("nobody", "whatever"), Password("off", "off-password"),
      Password("etl", "etl-secret"), Password("nopass", "x")};
  std::string first_message;
  for (const TokenRequest& request : refused) {
    Result<IssuedTokens> result = tokens_->Token(request);
    ExpectError(result, "invalid_grant");
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    if (first_message.empty()) first_message = std::string(result.status().message());
    EXPECT_EQ(result.status().message(), first_message) << request.username;
  }
}

TEST_F(TokenServiceTest, RepeatedFailuresBackOffForKnownAndUnknownUsersAlike) {
  for (const char* name : {"ana", "ghost"}) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      ExpectError(tokens_->Token(Password(name, "wrong")), "invalid_grant");
    }
    Result<IssuedTokens> blocked = tokens_->Token(Password(name, "ana-password"));
    ExpectError(blocked, "slow_down");
    EXPECT_EQ(blocked.status().code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(ThrottledRetryAfter(blocked.status()), 1) << name;
  }
  now_ += 2 * kSecond;  // The block is over; the right password works again.
  ASSERT_OK(tokens_->Token(Password("ana", "ana-password")).status());
}

TEST_F(TokenServiceTest, PasswordGrantCanBeDisabled) {
  options_.password_grant = false;
  Rebuild();
  ExpectError(tokens_->Token(Password("ana", "ana-password")), "unsupported_grant_type");
  EXPECT_FALSE(tokens_->password_grant_enabled());
}

TEST_F(TokenServiceTest, MissingOrUnknownParametersAreRfc6749Errors) {
  TokenRequest empty;
  ExpectError(tokens_->Token(empty), "invalid_request", "grant_type");
  TokenRequest unknown;
  unknown.grant_type = "authorization_code";
  ExpectError(tokens_->Token(unknown), "unsupported_grant_type");
  ExpectError(tokens_->Token(Password("ana", "")), "invalid_request");
  ExpectError(tokens_->Token(Password("", "x")), "invalid_request");
  ExpectError(tokens_->Token(Refresh("")), "invalid_request");
  TokenRequest bad_client = Password("ana", "ana-password");
  bad_client.client_id = std::string(200, 'c');
  ExpectError(tokens_->Token(bad_client), "invalid_request", "client_id");
}

TEST_F(TokenServiceTest, ScopeMustBeASubsetOfWhatTheAccountHolds) {
  TokenRequest narrowed = Password("ana", "ana-password");
  narrowed.scope = "datasets:read";
  ASSERT_OK_AND_ASSIGN(IssuedTokens issued, tokens_->Token(narrowed));
  EXPECT_EQ(issued.scope, "datasets:read");
  EXPECT_EQ(ClaimsOf(issued.access_token).Find("scope")->string_value(), "datasets:read");
  ASSERT_OK_AND_ASSIGN(security::Principal principal, verifier_->Verify(issued.access_token));
  EXPECT_FALSE(authorizer_.Has(principal, security::Permission::kDataRead));

  TokenRequest too_much = Password("ana", "ana-password");
  too_much.scope = "datasets:read datasets:delete";  // A reader cannot delete.
  ExpectError(tokens_->Token(too_much), "invalid_scope", "datasets:delete");
  TokenRequest unknown = Password("ana", "ana-password");
  unknown.scope = "read-everything";
  ExpectError(tokens_->Token(unknown), "invalid_scope");
}

TEST_F(TokenServiceTest, RefreshRotatesAndReuseRevokesTheFamily) {
  ASSERT_OK_AND_ASSIGN(IssuedTokens first, tokens_->Token(Password("ana", "ana-password")));
  ASSERT_OK_AND_ASSIGN(IssuedTokens second, tokens_->Token(Refresh(first.refresh_token)));
  EXPECT_NE(second.refresh_token, first.refresh_token);
  EXPECT_TRUE(second.access_token != first.access_token);
  ASSERT_OK_AND_ASSIGN(IssuedTokens third, tokens_->Token(Refresh(second.refresh_token)));

  // An attacker replays the first token: refused, and the live one dies with it.
  ExpectError(tokens_->Token(Refresh(first.refresh_token)), "invalid_grant", "used already");
  ExpectError(tokens_->Token(Refresh(third.refresh_token)), "invalid_grant");
  ASSERT_OK_AND_ASSIGN(std::optional<meta::RefreshTokenRecord> record,
                       store_->identity().FindRefreshToken(security::Sha256(third.refresh_token)));
  EXPECT_NE(record->revoked_at, 0);

  // Another sign-in is another family and is unaffected.
  ASSERT_OK_AND_ASSIGN(IssuedTokens other, tokens_->Token(Password("ana", "ana-password")));
  ASSERT_OK(tokens_->Token(Refresh(other.refresh_token)).status());
}

TEST_F(TokenServiceTest, RefreshScopeIsASubsetOfTheOriginalGrant) {
  TokenRequest narrowed = Password("ana", "ana-password");
  narrowed.scope = "datasets:read data:read";
  ASSERT_OK_AND_ASSIGN(IssuedTokens issued, tokens_->Token(narrowed));
  TokenRequest wider = Refresh(issued.refresh_token);
  wider.scope = "datasets:read data:read pii:read";
  ExpectError(tokens_->Token(wider), "invalid_scope");
  // The failed request consumed nothing: the token still refreshes.
  TokenRequest narrower = Refresh(issued.refresh_token);
  narrower.scope = "data:read";
  ASSERT_OK_AND_ASSIGN(IssuedTokens refreshed, tokens_->Token(narrower));
  EXPECT_EQ(refreshed.scope, "data:read");
  // The new refresh token keeps the original scope (RFC 6749 §6).
  ASSERT_OK_AND_ASSIGN(IssuedTokens again, tokens_->Token(Refresh(refreshed.refresh_token)));
  EXPECT_EQ(again.scope, "datasets:read data:read");
}

TEST_F(TokenServiceTest, RefreshFailsForUnknownExpiredRevokedOrDisabled) {
  ExpectError(tokens_->Token(Refresh("strata_rt_nope")), "invalid_grant");
  ExpectError(tokens_->Token(Refresh("not-even-ours")), "invalid_grant");
  ASSERT_OK_AND_ASSIGN(IssuedTokens issued, tokens_->Token(Password("ana", "ana-password")));
  TokenRequest other_client = Refresh(issued.refresh_token);
  other_client.client_id = "someone-else";
  ExpectError(tokens_->Token(other_client), "invalid_grant", "another client");

  now_ += int64_t{31} * 86'400 * kSecond;
  ExpectError(tokens_->Token(Refresh(issued.refresh_token)), "invalid_grant");
  now_ -= int64_t{31} * 86'400 * kSecond;

  ASSERT_OK_AND_ASSIGN(IssuedTokens live, tokens_->Token(Password("ana", "ana-password")));
  meta::UserRecord ana = store_->identity().GetUser("ana").value();
  ana.disabled = true;
  ana.revision += 1;
  ASSERT_OK(store_->identity().UpdateUser(ana, ana.revision - 1));
  ExpectError(tokens_->Token(Refresh(live.refresh_token)), "invalid_grant");
}

TEST_F(TokenServiceTest, ClientCredentialsForServiceAccounts) {
  for (ClientAuthentication how : {ClientAuthentication::kBasic, ClientAuthentication::kPost}) {
    ASSERT_OK_AND_ASSIGN(IssuedTokens issued, tokens_->Token(Client("etl", "etl-secret", how)));
    EXPECT_TRUE(issued.refresh_token.empty());
    const json::Value claims = ClaimsOf(issued.access_token);
    EXPECT_EQ(claims.Find("sub")->string_value(), "service:etl");
    EXPECT_EQ(claims.Find("client_id")->string_value(), "etl");
    ASSERT_OK_AND_ASSIGN(security::Principal principal, verifier_->Verify(issued.access_token));
    EXPECT_EQ(principal.ref, "service:etl");
  }
  Result<IssuedTokens> wrong = tokens_->Token(Client("etl", "wrong"));
  ExpectError(wrong, "invalid_client");
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  ExpectError(tokens_->Token(Client("ana", "ana-password")), "invalid_client");  // A user.
  ExpectError(tokens_->Token(Client("ghost", "x")), "invalid_client");
  ExpectError(tokens_->Token(Client("etl", "")), "invalid_client");
  TokenRequest scoped = Client("etl", "etl-secret");
  scoped.scope = "admin";
  ExpectError(tokens_->Token(scoped), "invalid_scope");
}

TEST_F(TokenServiceTest, ServiceAccountsMayNotUseOtherGrants) {
  TokenRequest password = Password("ana", "ana-password");
  password.client_id = "etl";
  password.client_secret = "etl-secret";
  password.client_auth = ClientAuthentication::kBasic;
  ExpectError(tokens_->Token(password), "unauthorized_client");
  password.client_secret = "wrong";
  ExpectError(tokens_->Token(password), "invalid_client");
}

TEST_F(TokenServiceTest, TotpUsersNeedASecondFactorWhichWorksOnce) {
  const std::vector<std::string> recovery = EnableTotp("ana");
  ExpectError(tokens_->Token(Password("ana", "ana-password")), "invalid_grant", "mfa_required");
  TokenRequest with_code = Password("ana", "ana-password");
  with_code.totp = CurrentTotp();
  ASSERT_OK_AND_ASSIGN(IssuedTokens issued, tokens_->Token(with_code));
  const json::Value claims = ClaimsOf(issued.access_token);
  const json::Value* amr = claims.Find("amr");
  ASSERT_NE(amr, nullptr);
  EXPECT_EQ(json::Serialize(*amr), "[\"pwd\",\"otp\"]");
  // The same code again (a replay) is refused.
  ExpectError(tokens_->Token(with_code), "invalid_grant", "mfa_code_invalid");
  // A recovery code works once.
  TokenRequest with_recovery = Password("ana", "ana-password");
  with_recovery.recovery_code = ToLower(recovery[0]);
  ASSERT_OK(tokens_->Token(with_recovery).status());
  ExpectError(tokens_->Token(with_recovery), "invalid_grant", "mfa_code_invalid");
  EXPECT_EQ(store_->identity().GetUser("ana")->recovery_code_hashes.size(), 2u);
  // The next step's code is accepted.
  now_ += 30 * kSecond;
  with_code.totp = CurrentTotp();
  ASSERT_OK(tokens_->Token(with_code).status());
}

TEST_F(TokenServiceTest, WrongSecondFactorsCountAsFailures) {
  EnableTotp("ana");
  TokenRequest wrong = Password("ana", "ana-password");
  wrong.totp = "000000" == CurrentTotp() ? "111111" : "000000";
  for (int attempt = 0; attempt < 3; ++attempt) {
    ExpectError(tokens_->Token(wrong), "invalid_grant", "mfa_code_invalid");
  }
  ExpectError(tokens_->Token(wrong), "slow_down");
}

TEST_F(TokenServiceTest, MfaRequiredRolesNeedEnrolment) {
  AddAccount("root", "user", "root-password", {"admin"});
  ExpectError(tokens_->Token(Password("root", "root-password")), "invalid_grant",
              "mfa_enrolment_required");
  EnableTotp("root");
  TokenRequest with_code = Password("root", "root-password");
  with_code.totp = CurrentTotp();
  ASSERT_OK(tokens_->Token(with_code).status());
  // With the role list emptied, no MFA is required of admins without TOTP.
  options_.mfa_required_roles = {};
  Rebuild();
  AddAccount("root2", "user", "root2-password", {"admin"});
  ASSERT_OK(tokens_->Token(Password("root2", "root2-password")).status());
}

TEST_F(TokenServiceTest, WeakHashesAreUpgradedOnSignIn) {
  security::PasswordParams weak = FastParams();
  weak.memory_kib = 32;  // Below the checker's 64.
  AddAccount("old", "user", "old-password", {"reader"}, weak);
  const std::string before = store_->identity().GetUser("old")->password_hash;
  ASSERT_OK(tokens_->Token(Password("old", "old-password")).status());
  const std::string after = store_->identity().GetUser("old")->password_hash;
  EXPECT_NE(after, before);
  ASSERT_OK_AND_ASSIGN(security::PasswordParams params, security::ParsePasswordParams(after));
  EXPECT_EQ(params, FastParams());
  EXPECT_TRUE(security::VerifyPassword("old-password", after));
  // Current hashes are left alone.
  const std::string ana = store_->identity().GetUser("ana")->password_hash;
  ASSERT_OK(tokens_->Token(Password("ana", "ana-password")).status());
  EXPECT_EQ(store_->identity().GetUser("ana")->password_hash, ana);
}

TEST_F(TokenServiceTest, RevocationOfAccessAndRefreshTokens) {
  ASSERT_OK_AND_ASSIGN(IssuedTokens issued, tokens_->Token(Password("ana", "ana-password")));
  ASSERT_OK_AND_ASSIGN(security::Principal ana, verifier_->Verify(issued.access_token));
  AddAccount("bob", "user", "bob-password", {"reader"});
  ASSERT_OK_AND_ASSIGN(IssuedTokens bobs, tokens_->Token(Password("bob", "bob-password")));
  ASSERT_OK_AND_ASSIGN(security::Principal bob, verifier_->Verify(bobs.access_token));

  // Another user's token, unknown tokens and garbage: 200, nothing happens.
  ASSERT_OK(tokens_->Revoke(bob, issued.access_token));
  ASSERT_OK(tokens_->Revoke(bob, issued.refresh_token));
  ASSERT_OK(tokens_->Revoke(bob, "strata_rt_unknown"));
  ASSERT_OK(tokens_->Revoke(bob, "garbage"));
  ASSERT_OK(verifier_->Verify(issued.access_token).status());

  ASSERT_OK(tokens_->Revoke(ana, issued.access_token));
  EXPECT_FALSE(verifier_->Verify(issued.access_token).ok());
  ASSERT_OK(tokens_->Revoke(ana, issued.refresh_token));
  ExpectError(tokens_->Token(Refresh(issued.refresh_token)), "invalid_grant");
  ASSERT_OK(tokens_->Revoke(ana, issued.access_token));  // Again: still fine.
}

TEST_F(TokenServiceTest, IntrospectionIsForTheSubjectOrAdmins) {
  TokenRequest scoped = Password("ana", "ana-password");
  scoped.scope = "datasets:read";
  ASSERT_OK_AND_ASSIGN(IssuedTokens issued, tokens_->Token(scoped));
  ASSERT_OK_AND_ASSIGN(security::Principal ana, verifier_->Verify(issued.access_token));
  ASSERT_OK_AND_ASSIGN(TokenIntrospection state, tokens_->Introspect(ana, issued.access_token));
  EXPECT_TRUE(state.active);
  EXPECT_EQ(state.token_type, "Bearer");
  EXPECT_EQ(state.scope, "datasets:read");
  EXPECT_EQ(state.client_id, "strata");
  EXPECT_EQ(state.username, "ana");
  EXPECT_EQ(state.sub, "user:ana");
  EXPECT_EQ(state.aud, "strata");
  EXPECT_EQ(state.iss, kIssuer);
  EXPECT_FALSE(state.jti.empty());
  EXPECT_EQ(state.exp - state.iat, 900);

  ASSERT_OK_AND_ASSIGN(state, tokens_->Introspect(ana, issued.refresh_token));
  EXPECT_TRUE(state.active);
  EXPECT_EQ(state.token_type, "refresh_token");
  EXPECT_EQ(state.scope, "datasets:read");

  security::Principal stranger;
  stranger.ref = "user:bob";
  stranger.roles = {"reader"};
  ASSERT_OK_AND_ASSIGN(state, tokens_->Introspect(stranger, issued.access_token));
  EXPECT_FALSE(state.active);
  EXPECT_TRUE(state.sub.empty());
  security::Principal admin;
  admin.ref = "user:root";
  admin.roles = {"admin"};
  ASSERT_OK_AND_ASSIGN(state, tokens_->Introspect(admin, issued.access_token));
  EXPECT_TRUE(state.active);

  for (const char* junk : {"", "garbage", "strata_rt_nope", "eyJ.eyJ.sig"}) {
    ASSERT_OK_AND_ASSIGN(state, tokens_->Introspect(admin, junk));
    EXPECT_FALSE(state.active) << junk;
  }
  ASSERT_OK(tokens_->Revoke(ana, issued.access_token));
  ASSERT_OK_AND_ASSIGN(state, tokens_->Introspect(admin, issued.access_token));
  EXPECT_FALSE(state.active);
  ASSERT_OK(tokens_->Token(Refresh(issued.refresh_token)).status());  // Consumed now.
  ASSERT_OK_AND_ASSIGN(state, tokens_->Introspect(admin, issued.refresh_token));
  EXPECT_FALSE(state.active);
  now_ += 1000 * kSecond;
  ASSERT_OK_AND_ASSIGN(IssuedTokens later, tokens_->Token(Password("ana", "ana-password")));
  now_ += 1000 * kSecond;  // Expired.
  ASSERT_OK_AND_ASSIGN(state, tokens_->Introspect(admin, later.access_token));
  EXPECT_FALSE(state.active);
}

TEST_F(TokenServiceTest, TokensSignedBeforeARotationStayValid) {
  ASSERT_OK_AND_ASSIGN(IssuedTokens before, tokens_->Token(Password("ana", "ana-password")));
  ASSERT_OK(keys_->Rotate(now_ / kSecond));
  ASSERT_OK_AND_ASSIGN(IssuedTokens after, tokens_->Token(Password("ana", "ana-password")));
  EXPECT_NE(ClaimsOf(before.access_token).Find("jti")->string_value(),
            ClaimsOf(after.access_token).Find("jti")->string_value());
  ASSERT_OK(verifier_->Verify(before.access_token).status());
  ASSERT_OK(verifier_->Verify(after.access_token).status());
  EXPECT_NE(tokens_->keys()->jwks_json.find(keys_->Current()->ring.retired()[0].key.kid()),
            std::string::npos);
}

TEST_F(TokenServiceTest, EveryTokenRequestIsAuditedWithoutItsSecrets) {
  RecordingAuditSink sink;
  tokens_->SetAuditSink(&sink);
  audit::RequestIds ids;
  ids.request_id = "req-1";
  ids.resource = "/v1/auth/token";

  ASSERT_OK(tokens_->Token(Password("ana", "ana-password"), &ids).status());
  ExpectError(tokens_->Token(Password("ana", "wrong-password"), &ids), "invalid_grant");
  ASSERT_OK(tokens_->Token(Client("etl", "etl-secret"), &ids).status());
  ASSERT_OK(tokens_->Token(Password("ana", "ana-password")).status());  // No ids: no entry.

  ASSERT_EQ(sink.events.size(), 3u);
  const audit::AuditEvent& granted = sink.events[0];
  EXPECT_EQ(granted.action, "auth.token");
  EXPECT_EQ(granted.principal, "user:ana");
  EXPECT_EQ(granted.outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(granted.request_id, "req-1");
  EXPECT_EQ(granted.details.Find("grant_type")->string_value(), "password");
  EXPECT_TRUE(granted.details.Find("refresh_token")->bool_value());

  const audit::AuditEvent& refused = sink.events[1];
  EXPECT_EQ(refused.principal, audit::kUnknownPrincipal);
  EXPECT_EQ(refused.outcome, audit::Outcome::kDenied);
  EXPECT_EQ(refused.details.Find("username")->string_value(), "ana");
  EXPECT_EQ(refused.details.Find("error")->string_value(), "invalid_grant");

  EXPECT_EQ(sink.events[2].principal, "service:etl");
  for (const audit::AuditEvent& event : sink.events) {
    const std::string text = json::Serialize(event.details);
    EXPECT_EQ(text.find("ana-password"), std::string::npos) << text;
    EXPECT_EQ(text.find("wrong-password"), std::string::npos) << text;
    EXPECT_EQ(text.find("etl-secret"), std::string::npos) << text;
  }
}

TEST_F(TokenServiceTest, NoTokenIsIssuedWhenItsAuditEntryCannotBeWritten) {
  RecordingAuditSink sink;
  sink.append_error = audit::AuditUnavailable("disk full");
  tokens_->SetAuditSink(&sink);
  audit::RequestIds ids;
  Result<IssuedTokens> refused = tokens_->Token(Password("ana", "ana-password"), &ids);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().problem_code(), "audit_unavailable");
}

}  // namespace
}  // namespace strata::service
