#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

#include <filesystem>
#include <memory>
#include <string>

#include "meta/meta_store.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "test_util.h"

namespace strata::meta {
namespace {

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::TempDir() + "strata_identity_XXXXXX";
    dir_ = mkdtemp(name.data());
    ASSERT_OK_AND_ASSIGN(store_, OpenSqliteMetaStore(dir_ + "/meta.db"));
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  IdentityStore& identity() { return store_->identity(); }

  static UserRecord User(std::string name) {
    UserRecord user;
    user.name = std::move(name);
    user.display_name = "Ana";
    user.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    user.groups = {"analysts", "eu"};
    user.attributes = {{"region", "eu"}, {"team", "a\"b"}};
    user.created_at = 10;
    user.updated_at = 10;
    return user;
  }

  std::string dir_;
  std::unique_ptr<MetaStore> store_;
};

TEST_F(IdentityStoreTest, UsersRoundTripAndUpdateWithRevision) {
  ASSERT_OK(identity().CreateUser(User("ana")));
  EXPECT_EQ(identity().CreateUser(User("ana")).code(), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(UserRecord stored, identity().GetUser("ana"));
  EXPECT_EQ(stored.kind, "user");
  EXPECT_EQ(stored.groups, (std::vector<std::string>{"analysts", "eu"}));
  EXPECT_EQ(stored.attributes.at("team"), "a\"b");
  EXPECT_EQ(stored.revision, 1u);

  UserRecord changed = stored;
  changed.totp_secret = std::string("\0\x01\xff", 3);
  changed.totp_enabled = true;
  changed.totp_last_step = 42;
  changed.recovery_code_hashes = {"aa", "bb"};
  changed.revision = 2;
  ASSERT_OK(identity().UpdateUser(changed, 1));
  EXPECT_EQ(identity().UpdateUser(changed, 1).code(), StatusCode::kConflict);
  ASSERT_OK_AND_ASSIGN(UserRecord again, identity().GetUser("ana"));
  EXPECT_EQ(again.totp_secret, std::string("\0\x01\xff", 3));
  EXPECT_TRUE(again.totp_enabled);
  EXPECT_EQ(again.totp_last_step, 42);
  EXPECT_EQ(again.recovery_code_hashes.size(), 2u);
  EXPECT_EQ(identity().GetUser("bob").status().code(), StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, ListUsersByKindWithKeyset) {
  for (const char* name : {"c", "a", "b"}) ASSERT_OK(identity().CreateUser(User(name)));
  UserRecord service = User("svc");
  service.kind = "service";
  ASSERT_OK(identity().CreateUser(service));
  ASSERT_OK_AND_ASSIGN(auto users, identity().ListUsers("user", "a", 10));
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "b");
  EXPECT_EQ(users[1].name, "c");
  ASSERT_OK_AND_ASSIGN(auto services, identity().ListUsers("service", "", 10));
  ASSERT_EQ(services.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto all, identity().ListUsers("", "", 2));
  EXPECT_EQ(all.size(), 2u);
}

TEST_F(IdentityStoreTest, GrantsAreUniqueFilteredAndRemovedWithTheirUser) {
  ASSERT_OK(identity().CreateUser(User("ana")));
  ASSERT_OK(identity().CreateGrant({"g1", "user:ana", "reader", "*", "user:admin", 1}));
  ASSERT_OK(identity().CreateGrant({"g2", "group:eu", "writer", "events", "user:admin", 2}));
  ASSERT_OK(identity().CreateGrant({"g3", "user:bob", "owner", "events", "user:admin", 3}));
  EXPECT_EQ(identity().CreateGrant({"g4", "user:ana", "reader", "*", "x", 4}).code(),
            StatusCode::kAlreadyExists);

  GrantFilter mine;
  mine.subjects = {"user:ana", "group:eu"};
  ASSERT_OK_AND_ASSIGN(auto grants, identity().ListGrants(mine));
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[0].id, "g1");
  EXPECT_EQ(grants[1].role, "writer");
  GrantFilter on_events;
  on_events.resource = "events";
  ASSERT_OK_AND_ASSIGN(auto events, identity().ListGrants(on_events));
  EXPECT_EQ(events.size(), 2u);

  ASSERT_OK(identity().DeleteUser("ana"));
  ASSERT_OK_AND_ASSIGN(auto left, identity().ListGrants({}));
  EXPECT_EQ(left.size(), 2u);
  ASSERT_OK_AND_ASSIGN(GrantRecord removed, identity().DeleteGrant("g2"));
  EXPECT_EQ(removed.subject, "group:eu");
  EXPECT_EQ(identity().DeleteGrant("g2").status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::optional<GrantRecord> gone, identity().FindGrant("g2"));
  EXPECT_FALSE(gone.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<GrantRecord> kept, identity().FindGrant("g3"));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->role, "owner");
  ASSERT_OK(identity().DeleteGrantsOn("events"));
  ASSERT_OK_AND_ASSIGN(auto none, identity().ListGrants({}));
  EXPECT_TRUE(none.empty());
}

TEST_F(IdentityStoreTest, RolesCannotBeDeletedWhileGranted) {
  ASSERT_OK(identity().CreateRole({"analyst", "reads", {"data:read", "datasets:read"}, 1}));
  EXPECT_EQ(identity().CreateRole({"analyst", "", {}, 1}).code(), StatusCode::kAlreadyExists);
  ASSERT_OK(identity().CreateGrant({"g1", "user:ana", "analyst", "*", "x", 1}));
  EXPECT_EQ(identity().DeleteRole("analyst").code(), StatusCode::kConflict);
  ASSERT_OK(identity().DeleteGrant("g1").status());
  ASSERT_OK(identity().DeleteRole("analyst"));
  EXPECT_EQ(identity().DeleteRole("analyst").code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto roles, identity().ListRoles());
  EXPECT_TRUE(roles.empty());
}

TEST_F(IdentityStoreTest, RefreshTokensAreConsumedOnceAndRevokedByFamily) {
  RefreshTokenRecord first{
      "t1", "fam", std::string(32, 'a'), "user:ana", "cli", "data:read", 1, 1000, 0, 0};
  RefreshTokenRecord second = first;
  second.id = "t2";
  second.hash = std::string(32, 'b');
  ASSERT_OK(identity().CreateRefreshToken(first));
  ASSERT_OK(identity().CreateRefreshToken(second));
  ASSERT_OK_AND_ASSIGN(auto found, identity().FindRefreshToken(std::string(32, 'a')));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->family, "fam");
  ASSERT_OK_AND_ASSIGN(bool consumed, identity().ConsumeRefreshToken("t1", 5));
  EXPECT_TRUE(consumed);
  ASSERT_OK_AND_ASSIGN(bool replayed, identity().ConsumeRefreshToken("t1", 6));
  EXPECT_FALSE(replayed);
  ASSERT_OK_AND_ASSIGN(int64_t revoked, identity().RevokeTokenFamily("fam", 7));
  EXPECT_EQ(revoked, 2);
  ASSERT_OK_AND_ASSIGN(auto after, identity().FindRefreshToken(std::string(32, 'b')));
  EXPECT_EQ(after->revoked_at, 7);
  ASSERT_OK_AND_ASSIGN(int64_t expired, identity().DeleteExpiredRefreshTokens(2000));
  EXPECT_EQ(expired, 2);
  ASSERT_OK_AND_ASSIGN(auto gone, identity().FindRefreshToken(std::string(32, 'a')));
  EXPECT_FALSE(gone.has_value());
}

TEST_F(IdentityStoreTest, RevokedAccessTokensAreListedUntilTheyExpire) {
  ASSERT_OK(identity().RevokeAccessToken("jti-a", 1000));
  ASSERT_OK(identity().RevokeAccessToken("jti-b", 2000));
  ASSERT_OK(identity().RevokeAccessToken("jti-a", 500));  // Keeps the later expiry.
  ASSERT_OK_AND_ASSIGN(auto listed, identity().ListRevokedAccessTokens(0));
  std::sort(listed.begin(), listed.end());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0], std::make_pair(std::string("jti-a"), int64_t{1000}));
  EXPECT_EQ(listed[1], std::make_pair(std::string("jti-b"), int64_t{2000}));
  ASSERT_OK_AND_ASSIGN(listed, identity().ListRevokedAccessTokens(1500));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].first, "jti-b");
  ASSERT_OK_AND_ASSIGN(int64_t deleted, identity().DeleteExpiredAccessTokenRevocations(1500));
  EXPECT_EQ(deleted, 1);
  ASSERT_OK_AND_ASSIGN(listed, identity().ListRevokedAccessTokens(0));
  EXPECT_EQ(listed.size(), 1u);
}

TEST_F(IdentityStoreTest, DatasetPoliciesUseRevisions) {
  ASSERT_OK_AND_ASSIGN(DatasetPoliciesRecord empty, identity().GetDatasetPolicies("events"));
  EXPECT_EQ(empty.revision, 0u);
  DatasetRecord dataset;
  dataset.id = "events";
  dataset.owner = "user:ana";
  SchemaVersionRecord version;
  version.version = 1;
  version.changes_json = "[]";
  version.schema.version = 1;
  ASSERT_OK(store_->CreateDataset(dataset, version));
  DatasetPoliciesRecord record{"events", R"({"row_policies":[],"field_policies":[]})", "user:ana",
                               5, 1};
  ASSERT_OK(identity().PutDatasetPolicies(record, 0));
  EXPECT_EQ(identity().PutDatasetPolicies(record, 0).code(), StatusCode::kConflict);
  ASSERT_OK_AND_ASSIGN(DatasetPoliciesRecord stored, identity().GetDatasetPolicies("events"));
  EXPECT_EQ(stored.revision, 1u);
  EXPECT_EQ(stored.updated_by, "user:ana");
  // Deleting the dataset deletes its policies and the grants on it.
  ASSERT_OK(identity().CreateGrant({"g1", "user:bob", "reader", "events", "x", 1}));
  ASSERT_OK(store_->DeleteDataset("events", std::nullopt));
  ASSERT_OK_AND_ASSIGN(DatasetPoliciesRecord after, identity().GetDatasetPolicies("events"));
  EXPECT_EQ(after.revision, 0u);
  ASSERT_OK_AND_ASSIGN(auto grants, identity().ListGrants({}));
  EXPECT_TRUE(grants.empty());
}

TEST_F(IdentityStoreTest, DatasetAccessChangesAreAtomicAndVersioned) {
  DatasetRecord dataset;
  dataset.id = "events";
  dataset.schema.version = 3;
  SchemaVersionRecord version;
  version.version = 3;
  version.changes_json = "[]";
  version.schema.version = 3;
  ASSERT_OK(store_->CreateDataset(dataset, version));
  ASSERT_OK(identity().CreateGrant({"g1", "user:ana", "reader", "events", "user:root", 1}));
  ASSERT_OK_AND_ASSIGN(DatasetAccessRecord access, identity().GetDatasetAccess("events"));
  EXPECT_EQ(access.policies.revision, 1u) << "a grant on the dataset advances its access";
  ASSERT_EQ(access.grants.size(), 1u);

  const std::string body = R"({"row_policies":[],"field_policies":[{"name":"x"}]})";
  DatasetAccessChange change;
  change.dataset_id = "events";
  change.schema_version = 3;
  change.expected_revision = 1;
  change.add_grants = {{"g2", "user:bob", "reader", "events", "user:root", 2},
                       {"g3", "user:ana", "reader", "events", "user:root", 2}};
  change.policies_body = body;
  change.updated_by = "user:root";
  // g3 exists already (as g1): nothing of the change is written.
  EXPECT_EQ(identity().UpdateDatasetAccess(change).status().code(), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(access, identity().GetDatasetAccess("events"));
  EXPECT_EQ(access.grants.size(), 1u);
  EXPECT_EQ(access.policies.revision, 1u);
  EXPECT_NE(access.policies.body, body);

  change.add_grants.pop_back();
  change.schema_version = 2;  // Validated against an older schema.
  EXPECT_EQ(identity().UpdateDatasetAccess(change).status().code(), StatusCode::kConflict);
  change.schema_version = 3;
  change.expected_revision = 0;  // Computed from an older access.
  EXPECT_EQ(identity().UpdateDatasetAccess(change).status().code(), StatusCode::kConflict);
  change.expected_revision = 1;
  ASSERT_OK_AND_ASSIGN(uint64_t revision, identity().UpdateDatasetAccess(change));
  EXPECT_EQ(revision, 2u);
  ASSERT_OK_AND_ASSIGN(access, identity().GetDatasetAccess("events"));
  EXPECT_EQ(access.grants.size(), 2u);
  EXPECT_EQ(access.policies.body, body);

  DatasetAccessChange removal;
  removal.dataset_id = "events";
  removal.expected_revision = 2;
  removal.remove_grants = {"g2", "nope"};
  EXPECT_EQ(identity().UpdateDatasetAccess(removal).status().code(), StatusCode::kNotFound);
  removal.remove_grants = {"g2"};
  ASSERT_OK_AND_ASSIGN(revision, identity().UpdateDatasetAccess(removal));
  EXPECT_EQ(revision, 3u);
  ASSERT_OK(identity().DeleteGrant("g1").status());
  ASSERT_OK_AND_ASSIGN(access, identity().GetDatasetAccess("events"));
  EXPECT_TRUE(access.grants.empty());
  EXPECT_EQ(access.policies.revision, 4u);

  // A schema change checked against the access is refused once the access moved on.
  ASSERT_OK_AND_ASSIGN(DatasetRecord stored, store_->GetDataset("events"));
  DatasetRecord next = stored;
  next.revision = stored.revision + 1;
  EXPECT_EQ(store_->UpdateDataset(next, stored.revision, nullptr, 3).code(), StatusCode::kConflict);
  ASSERT_OK(store_->UpdateDataset(next, stored.revision, nullptr, 4));
  EXPECT_EQ(identity().GetDatasetAccess("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, ApiKeysCarryScopesAndCanBeRevoked) {
  ApiKeyRecord key;
  key.id = "k1";
  key.name = "ci";
  key.hash = std::string(32, 'h');
  key.prefix = "strata_abcd";
  key.principal = "user:ana";
  key.scopes = {"data:read"};
  key.datasets = {"events"};
  key.created_at = 1;
  ASSERT_OK(store_->CreateApiKey(key));
  ASSERT_OK_AND_ASSIGN(ApiKeyRecord stored, store_->GetApiKey("k1"));
  EXPECT_EQ(stored.scopes, (std::vector<std::string>{"data:read"}));
  EXPECT_EQ(stored.datasets, (std::vector<std::string>{"events"}));
  ASSERT_OK(store_->TouchApiKey("k1", 99));
  ASSERT_OK(store_->RevokeApiKey("k1", 100));
  ASSERT_OK(store_->RevokeApiKey("k1", 200));  // Revoking twice keeps the first time.
  ASSERT_OK_AND_ASSIGN(auto keys, store_->ListApiKeys("user:ana"));
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].last_used_at, 99);
  EXPECT_EQ(keys[0].revoked_at, 100);
  ASSERT_OK_AND_ASSIGN(auto others, store_->ListApiKeys("user:bob"));
  EXPECT_TRUE(others.empty());
  EXPECT_EQ(store_->RevokeApiKey("nope", 1).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace strata::meta
