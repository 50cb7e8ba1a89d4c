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
    P::kUsersManage,    P::kWebhooksManage, P::kPiiRead,        P::kPiiDetokenize,  P::kAdmin};

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
  for (Permission permission :
       {P::kDatasetsCreate, P::kDatasetsUpdate, P::kDatasetsDelete, P::kDataWrite, P::kDataDelete,
        P::kPiiRead, P::kPiiDetokenize, P::kAdmin}) {
    EXPECT_FALSE(authorizer.Has(reader, permission)) << PermissionName(permission);
  }
}

TEST(AuthorizerTest, BuiltInRoles) {
  Authorizer authorizer;
  EXPECT_TRUE(authorizer.Has(With({"owner"}), P::kDatasetsDelete));
  EXPECT_TRUE(authorizer.Has(With({"owner"}), P::kPiiRead));
  // Reversing tokens is the owner's (and admin's) alone.
  EXPECT_TRUE(authorizer.Has(With({"owner"}), P::kPiiDetokenize));
  for (std::string role : {"editor", "writer", "reader", "auditor"}) {
    EXPECT_FALSE(authorizer.Has(With({role}), P::kPiiDetokenize)) << role;
  }
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
  EXPECT_EQ(PermissionName(P::kPiiDetokenize), "pii:detokenize");
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

TEST(AuthorizerTest, PermissionNamesRoundTrip) {
  EXPECT_EQ(AllPermissions().size(), std::size(kAll));
  for (Permission permission : kAll) {
    EXPECT_EQ(ParsePermission(PermissionName(permission)), permission);
  }
  EXPECT_FALSE(ParsePermission("data:everything").has_value());
}

TEST(AuthorizerTest, DatasetRolesHoldOnlyOnTheirDataset) {
  Authorizer authorizer;
  Principal ana = With({});
  ana.dataset_roles["events"] = {"reader"};
  EXPECT_TRUE(authorizer.HasOn(ana, P::kDataRead, "events"));
  EXPECT_FALSE(authorizer.HasOn(ana, P::kDataRead, "payments"));
  EXPECT_FALSE(authorizer.Has(ana, P::kDataRead));
  EXPECT_TRUE(authorizer.CanSee(ana, "events"));
  EXPECT_FALSE(authorizer.CanSee(ana, "payments"));
  // Invisible: NotFound, as if the dataset did not exist. Visible: PermissionDenied.
  EXPECT_EQ(authorizer.RequireOn(ana, P::kDataRead, "payments").code(), StatusCode::kNotFound);
  EXPECT_EQ(authorizer.RequireOn(ana, P::kDataWrite, "events").code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(authorizer.RequireOn(ana, P::kDataRead, "events").ok());
}

TEST(AuthorizerTest, GlobalRolesHoldOnEveryDataset) {
  Authorizer authorizer;
  const Principal reader = With({"reader"});
  EXPECT_TRUE(authorizer.HasOn(reader, P::kDataRead, "anything"));
  EXPECT_TRUE(authorizer.CanSee(reader, "anything"));
  // Global-only permissions are never granted by a role on one dataset.
  Principal owner_of_one = With({});
  owner_of_one.dataset_roles["events"] = {"admin"};
  EXPECT_FALSE(authorizer.Has(owner_of_one, P::kUsersManage));
  EXPECT_TRUE(authorizer.HasOn(owner_of_one, P::kDataDelete, "events"));
}

TEST(AuthorizerTest, ScopesNarrowButNeverWiden) {
  Authorizer authorizer;
  Principal key = With({"editor"});
  key.scopes = std::vector<std::string>{"data:read", "data:delete", "audit:read"};
  EXPECT_TRUE(authorizer.HasOn(key, P::kDataRead, "events"));
  EXPECT_FALSE(authorizer.HasOn(key, P::kDataWrite, "events"));  // Not in scope.
  EXPECT_FALSE(authorizer.Has(key, P::kAuditRead));              // In scope, not held.
  key.scope_datasets = {"events"};
  EXPECT_TRUE(authorizer.HasOn(key, P::kDataRead, "events"));
  EXPECT_FALSE(authorizer.HasOn(key, P::kDataRead, "payments"));
  EXPECT_FALSE(authorizer.CanSee(key, "payments"));
  EXPECT_FALSE(authorizer.Has(key, P::kDataRead));  // Not on every dataset.
  const Decision decision = authorizer.Explain(key, P::kDataWrite, "events");
  EXPECT_FALSE(decision.allowed);
  EXPECT_THAT(decision.denied_because, ::testing::HasSubstr("scope"));
}

TEST(AuthorizerTest, CustomRolesAndExplain) {
  Authorizer authorizer;
  authorizer.SetCustomRoles({{"analyst", {P::kDatasetsRead, P::kDataRead}},
                             {"admin", {P::kDataRead}}});  // Built-in names are ignored.
  Principal ana = With({"analyst"});
  ana.dataset_roles["events"] = {"writer"};
  EXPECT_TRUE(authorizer.HasOn(ana, P::kDataRead, "payments"));
  EXPECT_TRUE(authorizer.Has(With({"admin"}), P::kUsersManage));
  const Decision decision = authorizer.Explain(ana, P::kDatasetsRead, "events");
  EXPECT_TRUE(decision.allowed);
  ASSERT_EQ(decision.granted_by.size(), 2u);
  EXPECT_EQ(decision.granted_by[0], (std::pair<std::string, std::string>{"analyst", "*"}));
  EXPECT_EQ(decision.granted_by[1], (std::pair<std::string, std::string>{"writer", "events"}));
  EXPECT_TRUE(authorizer.CoversRoleEverywhere(With({"admin"}), "owner"));
  EXPECT_FALSE(authorizer.CoversRoleEverywhere(ana, "owner"));
  authorizer.SetCustomRoles({});
  EXPECT_FALSE(authorizer.HasOn(With({"analyst"}), P::kDataRead, "payments"));
}

}  // namespace
}  // namespace strata::security
