#include "security/authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/api_key.h"
#include "security/crypto.h"
#include "test_util.h"

namespace strata::security {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    authenticator_ = std::make_unique<Authenticator>(*store_, authorizer_);
  }

  // Stores `key` directly, as a key-management API would.
  void StoreKey(const std::string& key, std::vector<std::string> roles, int64_t expires_at = 0,
                int64_t revoked_at = 0) {
    meta::ApiKeyRecord record;
    record.id = "id_" + key.substr(key.size() - 8);
    record.name = "test key";
    record.hash = Sha256(key);
    record.prefix = key.substr(0, 12);
    record.principal = "key:" + record.id;
    record.roles = std::move(roles);
    record.created_at = NowMicros();
    record.expires_at = expires_at;
    record.revoked_at = revoked_at;
    ASSERT_OK(store_->CreateApiKey(record));
  }

  void ExpectRefused(std::string_view authorization, std::string_view problem_code) {
    Result<Principal> result = authenticator_->Authenticate(authorization);
    ASSERT_FALSE(result.ok()) << "accepted '" << authorization << "'";
    EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(result.status().problem_code(), problem_code) << authorization;
  }

  // Stores a key owned by `owner` ("user:<name>").
  void StoreOwnedKey(const std::string& key, const std::string& owner,
                     std::vector<std::string> scopes = {}, std::vector<std::string> datasets = {}) {
    meta::ApiKeyRecord record;
    record.id = "id_" + key.substr(key.size() - 8);
    record.name = "owned key";
    record.hash = Sha256(key);
    record.prefix = key.substr(0, 12);
    record.principal = owner;
    record.scopes = std::move(scopes);
    record.datasets = std::move(datasets);
    record.created_at = NowMicros();
    ASSERT_OK(store_->CreateApiKey(record));
  }

  void StoreUser(const std::string& name, std::vector<std::string> groups = {},
                 bool disabled = false) {
    meta::UserRecord user;
    user.name = name;
    user.groups = std::move(groups);
    user.attributes = {{"region", "eu"}};
    user.disabled = disabled;
    ASSERT_OK(store_->identity().CreateUser(user));
  }

  void Grant(const std::string& subject, const std::string& role, const std::string& resource) {
    ASSERT_OK(store_->identity().CreateGrant(
        {subject + role + resource, subject, role, resource, "test", 1}));
    authorizer_.NoteIdentityChanged();
  }

  Authorizer authorizer_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<Authenticator> authenticator_;
};

TEST_F(AuthenticatorTest, BootstrapCreatesExactlyOneAdminKey) {
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> key, authenticator_->EnsureBootstrapAdmin(""));
  ASSERT_TRUE(key.has_value());
  EXPECT_THAT(*key, StartsWith("strata_"));
  EXPECT_TRUE(ApiKeyChecksumOk(*key));
  ASSERT_OK_AND_ASSIGN(std::vector<meta::ApiKeyRecord> keys, store_->ListApiKeys(""));
  EXPECT_EQ(keys.size(), 1u);

  ASSERT_OK_AND_ASSIGN(std::optional<meta::ApiKeyRecord> record,
                       store_->FindApiKeyByHash(Sha256(*key)));
  ASSERT_TRUE(record.has_value());
  EXPECT_TRUE(record->roles.empty());
  EXPECT_EQ(record->principal, "user:admin");
  ASSERT_OK(store_->identity().GetUser("admin").status());
  EXPECT_EQ(record->prefix, key->substr(0, 12));
  EXPECT_EQ(record->expires_at, 0);
  EXPECT_EQ(record->revoked_at, 0);

  // Restarts are no-ops, with or without an operator key.
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> again, authenticator_->EnsureBootstrapAdmin(""));
  EXPECT_FALSE(again.has_value());
  const std::string operator_key(40, 'k');
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> with_operator,
                       authenticator_->EnsureBootstrapAdmin(operator_key));
  EXPECT_FALSE(with_operator.has_value());
  ASSERT_OK_AND_ASSIGN(keys, store_->ListApiKeys(""));
  EXPECT_EQ(keys.size(), 1u);
  ExpectRefused("Bearer " + operator_key, "invalid_token");
}

TEST_F(AuthenticatorTest, BootstrapKeyAuthenticatesAsAdmin) {
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> key, authenticator_->EnsureBootstrapAdmin(""));
  ASSERT_TRUE(key.has_value());
  ASSERT_OK_AND_ASSIGN(Principal principal, authenticator_->Authenticate("Bearer " + *key));
  EXPECT_EQ(principal.roles, std::vector<std::string>{"admin"});
  EXPECT_EQ(principal.ref, "user:admin");
  EXPECT_THAT(principal.credential, StartsWith("key:"));
  EXPECT_FALSE(principal.scopes.has_value());
}

TEST_F(AuthenticatorTest, OperatorKeyIsUsedAsIs) {
  const std::string operator_key = "operator-chosen-bootstrap-key-32";  // Exactly 32.
  ASSERT_EQ(operator_key.size(), kMinOperatorKeyLength);
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> key,
                       authenticator_->EnsureBootstrapAdmin(operator_key));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(*key, operator_key);
  ASSERT_OK_AND_ASSIGN(Principal principal, authenticator_->Authenticate("Bearer " + operator_key));
  EXPECT_EQ(principal.roles, std::vector<std::string>{"admin"});
  ASSERT_OK_AND_ASSIGN(std::optional<meta::ApiKeyRecord> record,
                       store_->FindApiKeyByHash(Sha256(operator_key)));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->prefix.find(operator_key.substr(8)), std::string::npos)
      << "the stored prefix must not reveal the key";
}

TEST_F(AuthenticatorTest, ShortOperatorKeyIsRefused) {
  Result<std::optional<std::string>> result =
      authenticator_->EnsureBootstrapAdmin(std::string(31, 'k'));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("at least 32"));
  ASSERT_OK_AND_ASSIGN(std::vector<meta::ApiKeyRecord> keys, store_->ListApiKeys(""));
  EXPECT_TRUE(keys.empty());
}

TEST_F(AuthenticatorTest, MalformedStrataOperatorKeyIsRefused) {
  std::string key = GenerateApiKey().key;
  key.back() = key.back() == 'A' ? 'B' : 'A';  // Breaks the checksum.
  Result<std::optional<std::string>> result = authenticator_->EnsureBootstrapAdmin(key);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("strata_"));
  ASSERT_OK_AND_ASSIGN(std::vector<meta::ApiKeyRecord> keys, store_->ListApiKeys(""));
  EXPECT_TRUE(keys.empty());
}

TEST_F(AuthenticatorTest, GeneratedStrataOperatorKeyIsAccepted) {
  const std::string key = GenerateApiKey().key;
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> created,
                       authenticator_->EnsureBootstrapAdmin(key));
  EXPECT_EQ(created, key);
}

TEST_F(AuthenticatorTest, BootstrapAgainWhenTheOnlyAdminKeyIsRevoked) {
  StoreKey(GenerateApiKey().key, {"admin"}, 0, /*revoked_at=*/NowMicros() - 1);
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> key, authenticator_->EnsureBootstrapAdmin(""));
  EXPECT_TRUE(key.has_value());
}

TEST_F(AuthenticatorTest, MissingCredentials) {
  ExpectRefused("", "missing_credentials");
  ExpectRefused("   ", "missing_credentials");
  ExpectRefused("\t", "missing_credentials");
}

TEST_F(AuthenticatorTest, MalformedAuthorizationIsInvalidToken) {
  ExpectRefused("Basic dXNlcjpwYXNz", "invalid_token");
  ExpectRefused("Basic x", "invalid_token");
  ExpectRefused("Bearer", "invalid_token");
  ExpectRefused("Bearer ", "invalid_token");
  ExpectRefused("Bearer    ", "invalid_token");
  ExpectRefused("Bearerstrata_abc", "invalid_token");
  ExpectRefused("Token abc", "invalid_token");
  ExpectRefused("Token", "invalid_token");
  ExpectRefused("Token   ", "invalid_token");
  ExpectRefused("Tokenstrata_abc", "invalid_token");
  ExpectRefused("Bearer strata_tooshort", "invalid_token");
  ExpectRefused("Token strata_tooshort", "invalid_token");
}

TEST_F(AuthenticatorTest, UnknownKeyIsInvalidToken) {
  ExpectRefused("Bearer " + GenerateApiKey().key, "invalid_token");
  ExpectRefused("Bearer some-operator-style-key-nobody-stored", "invalid_token");
}

TEST_F(AuthenticatorTest, SchemeIsCaseInsensitiveAndSpacesAreTrimmed) {
  const std::string key = GenerateApiKey().key;
  StoreKey(key, {"reader"});
  for (const std::string& header :
       {"Bearer " + key, "bearer " + key, "BEARER " + key, "Bearer   " + key + "  "}) {
    Result<Principal> principal = authenticator_->Authenticate(header);
    ASSERT_TRUE(principal.ok()) << header << ": " << principal.status().ToString();
    EXPECT_EQ(principal->roles, std::vector<std::string>{"reader"});
    EXPECT_THAT(principal->ref, StartsWith("key:id_"));
  }
}

// InfluxDB clients and Telegraf send "Authorization: Token <token>"; it is the same key.
TEST_F(AuthenticatorTest, TokenSchemeIsAcceptedLikeBearer) {
  const std::string key = GenerateApiKey().key;
  StoreKey(key, {"writer"});
  for (const std::string& header :
       {"Token " + key, "token " + key, "TOKEN " + key, "Token   " + key + "  "}) {
    Result<Principal> principal = authenticator_->Authenticate(header);
    ASSERT_TRUE(principal.ok()) << header << ": " << principal.status().ToString();
    EXPECT_EQ(principal->roles, std::vector<std::string>{"writer"});
  }
  ExpectRefused("Token " + GenerateApiKey().key, "invalid_token");
}

// Unknown, revoked and expired keys, and keys of disabled owners, get one answer.
TEST_F(AuthenticatorTest, RevokedExpiredUnknownAndDisabledAnswerAlike) {
  const std::string revoked = GenerateApiKey().key;
  StoreKey(revoked, {"admin"}, 0, /*revoked_at=*/NowMicros() - 1);
  const std::string expired = GenerateApiKey().key;
  StoreKey(expired, {"admin"}, /*expires_at=*/NowMicros() - 1);
  StoreUser("gone", {}, /*disabled=*/true);
  const std::string disabled = GenerateApiKey().key;
  StoreOwnedKey(disabled, "user:gone");
  const std::string orphan = GenerateApiKey().key;
  StoreOwnedKey(orphan, "user:nobody");
  std::string first_message;
  for (const std::string& key : {revoked, expired, disabled, orphan, GenerateApiKey().key}) {
    Result<Principal> result = authenticator_->Authenticate("Bearer " + key);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().problem_code(), "invalid_token");
    if (first_message.empty()) first_message = std::string(result.status().message());
    EXPECT_EQ(std::string(result.status().message()), first_message);
  }
}

TEST_F(AuthenticatorTest, OwnedKeyCarriesTheOwnersGrantsAndItsScope) {
  StoreUser("ana", {"analysts"});
  Grant("user:ana", "reader", "*");
  Grant("group:analysts", "editor", "events");
  const std::string key = GenerateApiKey().key;
  StoreOwnedKey(key, "user:ana", {"data:read"}, {"events"});
  ASSERT_OK_AND_ASSIGN(Principal principal, authenticator_->Authenticate("Bearer " + key));
  EXPECT_EQ(principal.ref, "user:ana");
  EXPECT_EQ(principal.roles, std::vector<std::string>{"reader"});
  EXPECT_EQ(principal.dataset_roles.at("events"), std::vector<std::string>{"editor"});
  EXPECT_EQ(principal.groups, std::vector<std::string>{"analysts"});
  EXPECT_EQ(principal.attributes.at("region"), "eu");
  ASSERT_TRUE(principal.scopes.has_value());
  EXPECT_EQ(*principal.scopes, std::vector<std::string>{"data:read"});
  EXPECT_EQ(principal.scope_datasets, std::vector<std::string>{"events"});
  EXPECT_TRUE(authorizer_.HasOn(principal, Permission::kDataRead, "events"));
  EXPECT_FALSE(authorizer_.HasOn(principal, Permission::kDataWrite, "events"));  // Scope.
  EXPECT_FALSE(authorizer_.HasOn(principal, Permission::kDataRead, "other"));    // Datasets.
}

TEST_F(AuthenticatorTest, GrantChangesReachCachedPrincipalsAtOnce) {
  StoreUser("ana");
  const std::string key = GenerateApiKey().key;
  StoreOwnedKey(key, "user:ana");
  ASSERT_OK_AND_ASSIGN(Principal before, authenticator_->Authenticate("Bearer " + key));
  EXPECT_TRUE(before.roles.empty());
  Grant("user:ana", "writer", "*");
  ASSERT_OK_AND_ASSIGN(Principal after, authenticator_->Authenticate("Bearer " + key));
  EXPECT_EQ(after.roles, std::vector<std::string>{"writer"});
}

TEST_F(AuthenticatorTest, KeyWithFutureExpiryWorks) {
  const std::string key = GenerateApiKey().key;
  StoreKey(key, {"writer"}, /*expires_at=*/NowMicros() + 3'600'000'000);
  ASSERT_OK_AND_ASSIGN(Principal principal, authenticator_->Authenticate("Bearer " + key));
  EXPECT_EQ(principal.roles, std::vector<std::string>{"writer"});
}

TEST_F(AuthenticatorTest, CachedKeyStillExpiresOnTime) {
  const std::string key = GenerateApiKey().key;
  StoreKey(key, {"admin"}, /*expires_at=*/NowMicros() + 300'000);
  ASSERT_OK(authenticator_->Authenticate("Bearer " + key).status());  // Now cached.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  Result<Principal> later = authenticator_->Authenticate("Bearer " + key);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.status().problem_code(), "invalid_token");
}

TEST_F(AuthenticatorTest, RepeatedAndClearedCacheGiveTheSamePrincipal) {
  const std::string key = GenerateApiKey().key;
  StoreKey(key, {"editor"});
  ASSERT_OK_AND_ASSIGN(Principal first, authenticator_->Authenticate("Bearer " + key));
  ASSERT_OK_AND_ASSIGN(Principal cached, authenticator_->Authenticate("Bearer " + key));
  authenticator_->ClearCache();
  ASSERT_OK_AND_ASSIGN(Principal reread, authenticator_->Authenticate("Bearer " + key));
  EXPECT_EQ(first.ref, cached.ref);
  EXPECT_EQ(first.ref, reread.ref);
  EXPECT_EQ(reread.roles, std::vector<std::string>{"editor"});
}

}  // namespace
}  // namespace strata::security
