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
    authenticator_ = std::make_unique<Authenticator>(*store_);
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

  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<Authenticator> authenticator_;
};

TEST_F(AuthenticatorTest, BootstrapCreatesExactlyOneAdminKey) {
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> key, authenticator_->EnsureBootstrapAdmin(""));
  ASSERT_TRUE(key.has_value());
  EXPECT_THAT(*key, StartsWith("strata_"));
  EXPECT_TRUE(ApiKeyChecksumOk(*key));
  ASSERT_OK_AND_ASSIGN(int64_t admins, store_->CountAdminKeys(NowMicros()));
  EXPECT_EQ(admins, 1);

  ASSERT_OK_AND_ASSIGN(std::optional<meta::ApiKeyRecord> record,
                       store_->FindApiKeyByHash(Sha256(*key)));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->roles, std::vector<std::string>{"admin"});
  EXPECT_EQ(record->principal, "key:" + record->id);
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
  ASSERT_OK_AND_ASSIGN(admins, store_->CountAdminKeys(NowMicros()));
  EXPECT_EQ(admins, 1);
  ExpectRefused("Bearer " + operator_key, "invalid_token");
}

TEST_F(AuthenticatorTest, BootstrapKeyAuthenticatesAsAdmin) {
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> key, authenticator_->EnsureBootstrapAdmin(""));
  ASSERT_TRUE(key.has_value());
  ASSERT_OK_AND_ASSIGN(Principal principal, authenticator_->Authenticate("Bearer " + *key));
  EXPECT_EQ(principal.roles, std::vector<std::string>{"admin"});
  EXPECT_THAT(principal.ref, StartsWith("key:"));
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
  ASSERT_OK_AND_ASSIGN(int64_t admins, store_->CountAdminKeys(NowMicros()));
  EXPECT_EQ(admins, 0);
}

TEST_F(AuthenticatorTest, MalformedStrataOperatorKeyIsRefused) {
  std::string key = GenerateApiKey().key;
  key.back() = key.back() == 'A' ? 'B' : 'A';  // Breaks the checksum.
  Result<std::optional<std::string>> result = authenticator_->EnsureBootstrapAdmin(key);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("strata_"));
  ASSERT_OK_AND_ASSIGN(int64_t admins, store_->CountAdminKeys(NowMicros()));
  EXPECT_EQ(admins, 0);
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

TEST_F(AuthenticatorTest, RevokedKeyIsRefused) {
  const std::string key = GenerateApiKey().key;
  StoreKey(key, {"admin"}, 0, /*revoked_at=*/NowMicros() - 1);
  Result<Principal> result = authenticator_->Authenticate("Bearer " + key);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().problem_code(), "invalid_token");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("revoked"));
}

TEST_F(AuthenticatorTest, ExpiredKeyIsRefused) {
  const std::string key = GenerateApiKey().key;
  StoreKey(key, {"admin"}, /*expires_at=*/NowMicros() - 1);
  Result<Principal> result = authenticator_->Authenticate("Bearer " + key);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().problem_code(), "invalid_token");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("expired"));
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
