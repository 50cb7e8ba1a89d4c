#include "service/identity_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/json.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "service/api_key_service.h"
#include "test_util.h"

namespace strata::service {
namespace {

using security::Permission;
using security::Principal;

json::Value Json(std::string_view text) {
  Result<json::Value> value = json::Parse(text);
  EXPECT_TRUE(value.ok()) << text;
  return value.ok() ? std::move(value).value() : json::Value();
}

class IdentityServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    resolver_ = std::make_unique<security::PrincipalResolver>(*store_);
    // Cheap hashing parameters keep the tests fast; production uses the OWASP defaults.
    identity_ = std::make_unique<IdentityService>(*store_, authorizer_, *resolver_,
                                                  CursorCodec(std::string(32, 'c')),
                                                  security::PasswordParams{256, 1, 1});
    keys_ = std::make_unique<ApiKeyService>(*store_, authorizer_);
  }

  meta::UserRecord MakeUser(const std::string& name) {
    AccountSpec spec;
    spec.name = name;
    Result<meta::UserRecord> user = identity_->CreateUser(admin_, spec);
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return user.ok() ? *user : meta::UserRecord();
  }

  security::Authorizer authorizer_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<security::PrincipalResolver> resolver_;
  std::unique_ptr<IdentityService> identity_;
  std::unique_ptr<ApiKeyService> keys_;
  const Principal admin_{"user:root", {"admin"}, {}, {}};
};

TEST_F(IdentityServiceTest, AccountSpecsAreStrict) {
  EXPECT_OK(DecodeAccountSpec(Json(R"({"name":"ana","password":"long enough pw"})"), true, false)
                .status());
  Result<AccountSpec> bad = DecodeAccountSpec(
      Json(R"({"name":"Ana!","password":"short","groups":[1],"extra":true})"), true, false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().errors().size(), 4u);
  EXPECT_FALSE(DecodeAccountSpec(Json(R"({"name":"x"})"), /*create=*/false, false).ok());
  EXPECT_FALSE(
      DecodeAccountSpec(Json(R"({"name":"x","password":"p"})"), true, /*service=*/true).ok());
}

TEST_F(IdentityServiceTest, PasswordsAreHashedAndOwnChangesNeedTheCurrentOne) {
  AccountSpec spec;
  spec.name = "ana";
  spec.password = "first password";
  ASSERT_OK_AND_ASSIGN(meta::UserRecord ana, identity_->CreateUser(admin_, spec));
  EXPECT_THAT(ana.password_hash, ::testing::StartsWith("$argon2id$"));
  const Principal self{"user:ana", {}, {}, {}};
  AccountSpec change;
  change.password = "second password";
  EXPECT_EQ(identity_->UpdateAccount(self, "user", "ana", change).status().code(),
            StatusCode::kPermissionDenied);
  change.current_password = "first password";
  ASSERT_OK(identity_->UpdateAccount(self, "user", "ana", change).status());
  AccountSpec widen;
  widen.groups = std::vector<std::string>{"admins"};
  EXPECT_EQ(identity_->UpdateAccount(self, "user", "ana", widen).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(IdentityServiceTest, NobodyGrantsWhatItDoesNotHold) {
  MakeUser("ana");
  authorizer_.SetCustomRoles({{"user-admin", {Permission::kUsersManage}}});
  const Principal manager{"user:mgr", {"user-admin"}, {}, {}};
  // users:manage alone cannot hand out admin, nor reader (it lacks data:read itself).
  for (const char* role : {"admin", "reader"}) {
    Result<meta::GrantRecord> grant = identity_->CreateGrant(
        manager,
        Json(std::string(R"({"subject":"user:ana","role":")") + role + R"(","resource":"*"})"),
        std::nullopt);
    EXPECT_EQ(grant.status().code(), StatusCode::kPermissionDenied) << role;
  }
  // Creating a role with permissions one lacks is refused too.
  EXPECT_EQ(identity_->CreateRole(manager, Json(R"({"name":"r","permissions":["admin"]})"))
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  ASSERT_OK(identity_
                ->CreateGrant(admin_,
                              Json(R"({"subject":"user:ana","role":"reader","resource":"*"})"),
                              std::nullopt)
                .status());
  // Unknown subjects and roles are refused.
  EXPECT_EQ(
      identity_
          ->CreateGrant(admin_, Json(R"({"subject":"user:zed","role":"reader","resource":"*"})"),
                        std::nullopt)
          .status()
          .code(),
      StatusCode::kValidationFailed);
  EXPECT_EQ(
      identity_
          ->CreateGrant(admin_, Json(R"({"subject":"user:ana","role":"ghost","resource":"*"})"),
                        std::nullopt)
          .status()
          .code(),
      StatusCode::kValidationFailed);
}

// Regression (OWASP API1): deleting a grant on a dataset the caller cannot see answered 404
// "dataset '<id>' does not exist" where a missing grant answers 403, so any grant id could be
// probed and its dataset named. Such a grant now answers as a missing one.
TEST_F(IdentityServiceTest, GrantOnAnInvisibleDatasetAnswersLikeAMissingGrant) {
  MakeUser("ana");
  ASSERT_OK(store_->identity().CreateGrant(
      meta::GrantRecord{"g-hidden", "user:ana", "reader", "secret", "user:root", 1}));
  const Principal stranger{"user:sam", {}, {}, {}, {{"public", {"owner"}}}};
  const Status hidden = identity_->DeleteGrant(stranger, "g-hidden", std::nullopt);
  const Status missing = identity_->DeleteGrant(stranger, "g-nope", std::nullopt);
  EXPECT_EQ(hidden.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(hidden.message(), missing.message());
  // Through another dataset's access route it does not exist either.
  EXPECT_EQ(identity_->DeleteGrant(stranger, "g-hidden", "public").code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::optional<meta::GrantRecord> kept,
                       store_->identity().FindGrant("g-hidden"));
  EXPECT_TRUE(kept.has_value());
}

TEST_F(IdentityServiceTest, ScopedCredentialsMintOnlyNarrowerKeys) {
  Principal scoped{"user:ana", {"editor"}, {}, {}};
  scoped.scopes = std::vector<std::string>{"data:read", "data:write"};
  scoped.scope_datasets = {"cpu"};
  EXPECT_EQ(keys_->Create(scoped, Json(R"({"name":"k"})")).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(
      keys_->Create(scoped, Json(R"({"name":"k","scopes":["data:delete"],"datasets":["cpu"]})"))
          .status()
          .code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(keys_->Create(scoped, Json(R"({"name":"k","scopes":["data:read"]})")).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(CreatedApiKey key,
                       keys_->Create(scoped, Json(R"({"name":"k","scopes":["data:read"],
                                                      "datasets":["cpu"]})")));
  EXPECT_EQ(key.record.principal, "user:ana");
  EXPECT_EQ(key.record.scopes, std::vector<std::string>{"data:read"});
  // Only admins issue keys for others.
  MakeUser("bob");
  const Principal manager{"user:mgr", {}, {}, {}};
  EXPECT_EQ(keys_->Create(manager, Json(R"({"name":"k","owner":"user:bob"})")).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(CreatedApiKey for_bob,
                       keys_->Create(admin_, Json(R"({"name":"k","owner":"user:bob"})")));
  EXPECT_EQ(for_bob.record.principal, "user:bob");
  EXPECT_EQ(keys_->Create(admin_, Json(R"({"name":"k","owner":"user:nobody"})")).status().code(),
            StatusCode::kValidationFailed);
  // Others' keys: invisible without users:manage.
  EXPECT_EQ(keys_->Revoke(scoped, for_bob.record.id).code(), StatusCode::kPermissionDenied);
  ASSERT_OK(keys_->Revoke(admin_, for_bob.record.id));
}

TEST_F(IdentityServiceTest, ExplainNamesTheGrants) {
  MakeUser("ana");
  ASSERT_OK(store_->identity().CreateGrant({"g1", "user:ana", "reader", "cpu", "t", 1}));
  ASSERT_OK_AND_ASSIGN(AuthzExplanation explanation,
                       identity_->Explain(admin_, Json(R"({"principal":"user:ana",
                                                           "action":"data:read",
                                                           "resource":"cpu"})")));
  EXPECT_TRUE(explanation.decision.allowed);
  ASSERT_EQ(explanation.decision.granted_by.size(), 1u);
  EXPECT_EQ(explanation.decision.granted_by[0].first, "reader");
  EXPECT_EQ(explanation.decision.granted_by[0].second, "cpu");
  ASSERT_OK_AND_ASSIGN(explanation, identity_->Explain(admin_, Json(R"({"principal":"user:ana",
                                                           "action":"data:write",
                                                           "resource":"cpu"})")));
  EXPECT_FALSE(explanation.decision.allowed);
  const Principal ana{"user:ana", {}, {}, {}};
  EXPECT_EQ(identity_->Explain(ana, Json(R"({"principal":"user:root","action":"admin"})"))
                .status()
                .code(),
            StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace strata::service
