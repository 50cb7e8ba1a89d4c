#include "security/authorizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace strata::security {
namespace {

using P = Permission;

constexpr Permission kAll[] = {
    P::kDatasetsCreate, P::kDatasetsRead,   P::kDatasetsUpdate, P::kDatasetsDelete, P::kDataWrite,
    P::kDataRead,       P::kDataDelete,     P::kAccessRead,     P::kAccessManage,   P::kAuditRead,
    P::kUsersManage,    P::kWebhooksManage, P::kPiiRead,        P::kAdmin};

Principal With(std::vector<std::string> roles) {
  return Principal{"user:test", std::move(roles), {}, {}};
}

TEST(AuthorizerTest, AdminHasEverything) {
  Authorizer authorizer;
  for (Permission permission : kAll) {
    EXPECT_TRUE(authorizer.Has(With({"admin"}), permission)) << PermissionName(permission);
    EXPECT_TRUE(authorizer.Require(With({"reader", "admin"}), permission).ok());
  }
}

TEST(AuthorizerTest, ReaderReadsOnly) {
  Authorizer authorizer;
  const Principal reader = With({"reader"});
  EXPECT_TRUE(authorizer.Has(reader, P::kDatasetsRead));
  EXPECT_TRUE(authorizer.Has(reader, P::kDataRead));
  for (Permission permission : {P::kDatasetsCreate, P::kDatasetsUpdate, P::kDatasetsDelete,
                                P::kDataWrite, P::kDataDelete, P::kPiiRead, P::kAdmin}) {
    EXPECT_FALSE(authorizer.Has(reader, permission)) << PermissionName(permission);
  }
}

TEST(AuthorizerTest, BuiltInRoles) {
  Authorizer authorizer;
  EXPECT_TRUE(authorizer.Has(With({"owner"}), P::kDatasetsDelete));
  EXPECT_TRUE(authorizer.Has(With({"owner"}), P::kPiiRead));
  EXPECT_FALSE(authorizer.Has(With({"owner"}), P::kUsersManage));
  EXPECT_TRUE(authorizer.Has(With({"editor"}), P::kDatasetsUpdate));
  EXPECT_FALSE(authorizer.Has(With({"editor"}), P::kDatasetsDelete));
  EXPECT_TRUE(authorizer.Has(With({"writer"}), P::kDataWrite));
  EXPECT_FALSE(authorizer.Has(With({"writer"}), P::kDataRead));
  EXPECT_TRUE(authorizer.Has(With({"auditor"}), P::kAuditRead));
  EXPECT_FALSE(authorizer.Has(With({"auditor"}), P::kDataRead));
}

TEST(AuthorizerTest, RolesAddUp) {
  Authorizer authorizer;
  const Principal both = With({"writer", "reader"});
  EXPECT_TRUE(authorizer.Has(both, P::kDataWrite));
  EXPECT_TRUE(authorizer.Has(both, P::kDataRead));
  EXPECT_FALSE(authorizer.Has(both, P::kDatasetsUpdate));
}

TEST(AuthorizerTest, UnknownOrNoRoleHasNothing) {
  Authorizer authorizer;
  for (Permission permission : kAll) {
    EXPECT_FALSE(authorizer.Has(With({"superuser"}), permission));
    EXPECT_FALSE(authorizer.Has(With({"Admin"}), permission));  // Role names are exact.
    EXPECT_FALSE(authorizer.Has(With({}), permission));
    EXPECT_FALSE(authorizer.Has(Principal{}, permission));
  }
}

TEST(AuthorizerTest, RequireNamesTheMissingPermission) {
  Authorizer authorizer;
  Status denied = authorizer.Require(With({"reader"}), P::kDatasetsUpdate);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(denied.message()), ::testing::HasSubstr("datasets:update"));
  EXPECT_TRUE(authorizer.Require(With({"reader"}), P::kDatasetsRead).ok());
}

TEST(AuthorizerTest, PermissionNamesAreDistinct) {
  std::set<std::string_view> names;
  for (Permission permission : kAll) names.insert(PermissionName(permission));
  EXPECT_EQ(names.size(), std::size(kAll));
  EXPECT_EQ(PermissionName(P::kDatasetsCreate), "datasets:create");
  EXPECT_EQ(PermissionName(P::kDataWrite), "data:write");
  EXPECT_EQ(PermissionName(P::kPiiRead), "pii:read");
  EXPECT_EQ(PermissionName(P::kAdmin), "admin");
}

TEST(AuthorizerTest, BuiltInRoleNames) {
  for (std::string_view role : {"admin", "owner", "editor", "writer", "reader", "auditor"}) {
    EXPECT_TRUE(IsBuiltInRole(role)) << role;
  }
  for (std::string_view role : {"", "Admin", "root", "readers"}) {
    EXPECT_FALSE(IsBuiltInRole(role)) << role;
  }
}

}  // namespace
}  // namespace strata::security
