// The access document of a dataset (AccessService): validation before any write, merge by
// key, removal, no escalation, the stored policy source's invalidation, policies that follow
// renames and block drops, deletion with the dataset, and the policies authz explain lists.
#include "service/access_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/json.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/policy_json.h"
#include "service/dataset_service.h"
#include "service/stored_policy_source.h"
#include "test_backend.h"
#include "test_util.h"
#include "types/schema_evolution.h"

namespace strata::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

json::Value Json(std::string_view text) {
  Result<json::Value> value = json::Parse(text);
  EXPECT_TRUE(value.ok()) << text;
  return value.ok() ? std::move(value).value() : json::Value();
}

std::vector<std::string> Pointers(const Status& status) {
  std::vector<std::string> pointers;
  for (const ErrorDetail& error : status.errors()) pointers.push_back(error.where);
  return pointers;
}

class AccessServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    datasets_ = std::make_unique<DatasetService>(*store_, backend_.get(), authorizer_,
                                                 CursorCodec(std::string(32, 'c')));
    resolver_ = std::make_unique<security::PrincipalResolver>(*store_);
    identity_ = std::make_unique<IdentityService>(*store_, authorizer_, *resolver_,
                                                  CursorCodec(std::string(32, 'i')),
                                                  security::PasswordParams{256, 1, 1});
    source_ = std::make_unique<StoredPolicySource>(store_->identity());
    access_ = std::make_unique<AccessService>(*store_, authorizer_, *identity_, source_.get());
    CreatePeople();
    for (const char* name : {"ana", "bob"}) {
      AccountSpec spec;
      spec.name = name;
      spec.attributes = std::map<std::string, std::string>{{"region", "eu"}};
      ASSERT_OK(identity_->CreateUser(admin_, spec).status());
    }
  }

  void CreatePeople() {
    ASSERT_OK_AND_ASSIGN(DatasetSpec spec,
                         DecodeDatasetSpec(Json(R"({"id": "people", "time_field": "time",
        "fields": [{"name": "time", "type": "timestamp"},
                   {"name": "region", "type": "string"},
                   {"name": "email", "type": "string", "pii": true},
                   {"name": "salary", "type": "int64"}]})"),
                                           SpecKind::kCreate));
    ASSERT_OK(datasets_->Create(admin_, std::move(spec)).status());
  }

  meta::DatasetRecord People() {
    Result<meta::DatasetRecord> record = store_->GetDataset("people");
    EXPECT_TRUE(record.ok());
    return record.ok() ? *record : meta::DatasetRecord();
  }

  Result<meta::DatasetRecord> Evolve(std::string_view changes) {
    Result<std::vector<types::SchemaChange>> decoded = types::DecodeSchemaChanges(
        Json(std::string(R"({"changes":)") + std::string(changes) + "}"));
    if (!decoded.ok()) return decoded.status();
    return datasets_->EvolveSchema(admin_, "people", std::move(decoded).value(), Precondition{});
  }

  security::Authorizer authorizer_;
  strata::testing::TestBackend backend_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<DatasetService> datasets_;
  std::unique_ptr<security::PrincipalResolver> resolver_;
  std::unique_ptr<IdentityService> identity_;
  std::unique_ptr<StoredPolicySource> source_;
  std::unique_ptr<AccessService> access_;
  const security::Principal admin_{"user:root", {"admin"}, {}, {}};
};

TEST_F(AccessServiceTest, EverythingIsValidatedBeforeAnythingIsWritten) {
  ASSERT_OK_AND_ASSIGN(AccessDocument before, access_->Get(admin_, "people"));
  Result<AccessDocument> refused = access_->Update(admin_, "people", Json(R"({
      "grants": [{"principal": "user:ana", "role": "reader"},
                 {"principal": "user:zed", "role": "reader"}],
      "row_policies": [{"name": "own", "filter": "regoin = $user.region",
                        "applies_to": ["role:reader"]},
                       {"name": "agg", "filter": "count(*) > 1", "applies_to": ["*"]}],
      "field_policies": [{"field": "emial", "action": "mask", "applies_to": ["*"]},
                         {"field": "salary", "action": "hide", "applies_to": ["*"]}]})"));
  ASSERT_EQ(refused.status().code(), StatusCode::kValidationFailed);
  // The decoder reports the bad action; the other problems need the schema and the store.
  EXPECT_THAT(Pointers(refused.status()), ElementsAre("/field_policies/1/action"));

  refused = access_->Update(admin_, "people", Json(R"({
      "grants": [{"principal": "user:ana", "role": "reader"},
                 {"principal": "user:zed", "role": "reader"}],
      "row_policies": [{"name": "own", "filter": "regoin = $user.region",
                        "applies_to": ["role:reader"]},
                       {"name": "agg", "filter": "sum(salary) > 1", "applies_to": ["*"]}],
      "field_policies": [{"field": "emial", "action": "mask", "applies_to": ["*"]}]})"));
  ASSERT_EQ(refused.status().code(), StatusCode::kValidationFailed);
  EXPECT_THAT(Pointers(refused.status()),
              ElementsAre("/grants/1/principal", "/row_policies/0/filter", "/row_policies/1/filter",
                          "/field_policies/0/field"));
  EXPECT_THAT(refused.status().errors()[1].detail, HasSubstr("did you mean 'region'"));
  EXPECT_THAT(refused.status().errors()[3].detail, HasSubstr("did you mean 'email'"));

  ASSERT_OK_AND_ASSIGN(AccessDocument after, access_->Get(admin_, "people"));
  EXPECT_EQ(after.version, before.version) << "nothing was written";
  EXPECT_EQ(after.grants.size(), before.grants.size());
  EXPECT_TRUE(after.policies.empty());

  // Unknown roles, malformed grants, the old single-grant shorthand and empty bodies.
  EXPECT_THAT(Pointers(access_
                           ->Update(admin_, "people", Json(R"({"grants": [{"principal": "user:ana",
                                                             "role": "ghost"}]})"))
                           .status()),
              ElementsAre("/grants/0/role"));
  EXPECT_THAT(
      Pointers(access_->Update(admin_, "people", Json(R"({"grants": [{"role": 1}]})")).status()),
      ElementsAre("/grants/0/principal", "/grants/0/role"));
  Result<AccessDocument> shorthand =
      access_->Update(admin_, "people", Json(R"({"subject": "user:ana", "role": "reader"})"));
  EXPECT_THAT(Pointers(shorthand.status()), ElementsAre("/subject", "/role"));
  EXPECT_THAT(shorthand.status().errors()[0].detail, HasSubstr("{\"grants\": [{\"principal\""));
  EXPECT_EQ(access_->Update(admin_, "people", Json("{}")).status().code(),
            StatusCode::kValidationFailed);
  EXPECT_THAT(Pointers(access_
                           ->Update(admin_, "people", Json(R"({"field_policies": [
                  {"field": "email", "action": "mask", "applies_to": ["*"]},
                  {"field": "email", "action": "deny", "applies_to": ["user:bob"]}]})"))
                           .status()),
              ElementsAre("/field_policies/1/field"))
      << "two unnamed policies of one field would replace each other";
}

TEST_F(AccessServiceTest, PoliciesMergeByKeyAndAreRemovedOneByOne) {
  ASSERT_OK_AND_ASSIGN(AccessDocument first, access_->Update(admin_, "people", Json(R"({
      "grants": [{"principal": "user:ana", "role": "reader"}],
      "row_policies": [{"name": "own", "filter": "region = $user.region",
                        "applies_to": ["role:reader"]}],
      "field_policies": [{"field": "email", "action": "mask", "applies_to": ["role:reader"]},
                         {"name": "salary_bob", "field": "salary", "action": "deny",
                          "applies_to": ["user:bob"]}]})")));
  ASSERT_EQ(first.policies.row.size(), 1u);
  ASSERT_EQ(first.policies.field.size(), 2u);
  EXPECT_EQ(first.policies.field[0].name, "email") << "named after its field";
  EXPECT_NE(first.policies.field[0].field_id, 0u);
  EXPECT_TRUE(first.policies.row[0].field_ids.empty()) << "internal; not shown";
  const std::string own_id = first.policies.row[0].id;
  EXPECT_FALSE(own_id.empty());

  // The same grant again changes nothing; a policy with an existing key replaces it.
  ASSERT_OK_AND_ASSIGN(AccessDocument second, access_->Update(admin_, "people", Json(R"({
      "grants": [{"principal": "user:ana", "role": "reader"}],
      "row_policies": [{"name": "own", "filter": "salary < 100", "applies_to": ["*"]}],
      "field_policies": [{"field": "email", "action": "hash", "applies_to": ["*"]}]})")));
  EXPECT_GT(second.version, first.version);
  EXPECT_EQ(second.grants.size(), first.grants.size());
  ASSERT_EQ(second.policies.row.size(), 1u);
  EXPECT_EQ(second.policies.row[0].filter, "salary < 100");
  EXPECT_EQ(second.policies.row[0].id, own_id) << "a replaced policy keeps its id";
  ASSERT_EQ(second.policies.field.size(), 2u);
  EXPECT_EQ(second.policies.field[0].action, security::FieldPolicyAction::kHash);

  EXPECT_EQ(access_->Remove(admin_, "people", "row_policies", "nope").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(access_->Remove(admin_, "people", "policies", "own").code(), StatusCode::kNotFound);
  ASSERT_OK(access_->Remove(admin_, "people", "row_policies", "own"));
  ASSERT_OK(access_->Remove(admin_, "people", "field_policies", "salary_bob"));
  std::string ana_grant;
  for (const meta::GrantRecord& grant : second.grants) {
    if (grant.subject == "user:ana") ana_grant = grant.id;
  }
  ASSERT_FALSE(ana_grant.empty());
  ASSERT_OK(access_->Remove(admin_, "people", "grants", ana_grant));
  EXPECT_EQ(access_->Remove(admin_, "people", "grants", ana_grant).code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(AccessDocument third, access_->Get(admin_, "people"));
  EXPECT_TRUE(third.policies.row.empty());
  ASSERT_EQ(third.policies.field.size(), 1u);
  EXPECT_EQ(third.policies.field[0].name, "email");
  for (const meta::GrantRecord& grant : third.grants) EXPECT_NE(grant.subject, "user:ana");
}

TEST_F(AccessServiceTest, NobodyGrantsOrLiftsWhatItMayNot) {
  // A manager of the dataset's access that is not an owner there.
  authorizer_.SetCustomRoles(
      {{"steward",
        {security::Permission::kAccessRead, security::Permission::kAccessManage,
         security::Permission::kDatasetsRead, security::Permission::kDataRead}}});
  security::Principal steward{"user:steward", {}, {}, {}};
  steward.dataset_roles["people"] = {"steward"};
  Result<AccessDocument> owner = access_->Update(
      steward, "people", Json(R"({"grants": [{"principal": "user:ana", "role": "owner"}],
                                   "row_policies": [{"name": "x", "filter": "salary > 0",
                                                     "applies_to": ["*"]}]})"));
  EXPECT_EQ(owner.status().code(), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(AccessDocument unchanged, access_->Get(steward, "people"));
  EXPECT_TRUE(unchanged.policies.empty()) << "a refused request writes none of its parts";
  ASSERT_OK(access_
                ->Update(steward, "people",
                         Json(R"({"grants": [{"principal": "user:ana", "role": "reader"}]})"))
                .status());

  const security::Principal stranger{"user:bob", {}, {}, {}};
  EXPECT_EQ(access_->Get(stranger, "people").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(access_->Update(stranger, "people", Json(R"({"grants": []})")).status().code(),
            StatusCode::kNotFound);
  security::Principal reader{"user:bob", {}, {}, {}};
  reader.dataset_roles["people"] = {"reader"};
  EXPECT_EQ(access_->Get(reader, "people").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(access_->Remove(reader, "people", "row_policies", "x").code(),
            StatusCode::kPermissionDenied);
}

TEST_F(AccessServiceTest, WritesInvalidateTheStoredSource) {
  const meta::DatasetRecord people = People();
  ASSERT_OK_AND_ASSIGN(auto none, source_->PoliciesFor(people));
  EXPECT_TRUE(none->empty());
  ASSERT_OK_AND_ASSIGN(auto cached, source_->PoliciesFor(people));
  EXPECT_EQ(cached, none) << "a second read is served from the cache";
  EXPECT_EQ(source_->LoadsForTest(), 1u);

  ASSERT_OK(access_
                ->Update(admin_, "people", Json(R"({"row_policies": [
      {"name": "own", "filter": "region = $user.region", "applies_to": ["*"]}]})"))
                .status());
  ASSERT_OK_AND_ASSIGN(auto added, source_->PoliciesFor(people));
  ASSERT_EQ(added->row.size(), 1u) << "the write took effect on the next read";
  EXPECT_EQ(source_->LoadsForTest(), 2u);
  ASSERT_OK(access_->Remove(admin_, "people", "row_policies", "own"));
  ASSERT_OK_AND_ASSIGN(auto removed, source_->PoliciesFor(people));
  EXPECT_TRUE(removed->row.empty());

  // Another incarnation of the id never reads its predecessor's entry.
  ASSERT_OK(access_
                ->Update(admin_, "people", Json(R"({"field_policies": [
      {"field": "salary", "action": "deny", "applies_to": ["*"]}]})"))
                .status());
  ASSERT_OK_AND_ASSIGN(auto old, source_->PoliciesFor(People()));
  EXPECT_EQ(old->field.size(), 1u);
  ASSERT_OK(datasets_->Delete(admin_, "people", Precondition{}));
  ASSERT_OK_AND_ASSIGN(meta::DatasetPoliciesRecord gone,
                       store_->identity().GetDatasetPolicies("people"));
  EXPECT_EQ(gone.revision, 0u) << "the dataset's policies went with it";
  CreatePeople();
  ASSERT_OK_AND_ASSIGN(auto fresh, source_->PoliciesFor(People()));
  EXPECT_TRUE(fresh->empty());
  ASSERT_OK_AND_ASSIGN(AccessDocument document, access_->Get(admin_, "people"));
  EXPECT_TRUE(document.policies.empty());
}

TEST_F(AccessServiceTest, PoliciesFollowRenamesAndBlockDrops) {
  ASSERT_OK(access_
                ->Update(admin_, "people", Json(R"({
      "row_policies": [{"name": "own", "filter": "region = $user.region AND salary >= 0",
                        "applies_to": ["role:reader"]}],
      "field_policies": [{"field": "email", "action": "mask", "applies_to": ["*"]}]})"))
                .status());
  ASSERT_OK(Evolve(R"([{"op": "rename", "name": "region", "to": "zone"},
                       {"op": "rename", "name": "email", "to": "mail"}])")
                .status());
  ASSERT_OK_AND_ASSIGN(AccessDocument renamed, access_->Get(admin_, "people"));
  EXPECT_EQ(renamed.policies.row[0].filter, "zone = $user.region AND salary >= 0");
  EXPECT_EQ(renamed.policies.field[0].field, "mail");
  EXPECT_EQ(renamed.policies.field[0].name, "email") << "the key does not change";

  // A drop of a field a policy uses is refused, naming the policy; nothing changes.
  Result<meta::DatasetRecord> dropped = Evolve(R"([{"op": "drop", "name": "salary"}])");
  ASSERT_EQ(dropped.status().code(), StatusCode::kConflict);
  EXPECT_EQ(dropped.status().problem_code(), "field_in_use");
  EXPECT_THAT(std::string(dropped.status().message()), HasSubstr("row policy 'own'"));
  EXPECT_THAT(Pointers(dropped.status()), ElementsAre("/changes/0/name"));
  dropped = Evolve(R"([{"op": "drop", "name": "mail"}])");
  EXPECT_THAT(std::string(dropped.status().message()), HasSubstr("field policy 'email'"));
  EXPECT_NE(People().schema.Find("mail"), nullptr);

  ASSERT_OK(access_->Remove(admin_, "people", "field_policies", "email"));
  ASSERT_OK(Evolve(R"([{"op": "drop", "name": "mail"}])").status());
  EXPECT_EQ(People().schema.Find("mail"), nullptr);
}

TEST_F(AccessServiceTest, ExplainListsThePoliciesThatApply) {
  ASSERT_OK(access_
                ->Update(admin_, "people", Json(R"({
      "grants": [{"principal": "user:ana", "role": "reader"}],
      "row_policies": [{"name": "own", "filter": "region = $user.region",
                        "applies_to": ["role:reader"]},
                       {"name": "bobs", "filter": "salary < 10", "applies_to": ["user:bob"]}],
      "field_policies": [{"field": "salary", "action": "null", "applies_to": ["role:reader"]}]})"))
                .status());
  ASSERT_OK_AND_ASSIGN(
      AuthzExplanation explanation,
      access_->Explain(admin_, Json(R"({"principal": "user:ana", "action": "data:read",
                                        "resource": "people"})")));
  EXPECT_TRUE(explanation.decision.allowed);
  ASSERT_TRUE(explanation.policies.has_value());
  ASSERT_EQ(explanation.policies->row.size(), 1u) << "the role held on this dataset counts";
  EXPECT_EQ(explanation.policies->row[0].name, "own");
  ASSERT_EQ(explanation.policies->field.size(), 1u);
  EXPECT_EQ(explanation.policies->field[0].action, security::FieldPolicyAction::kNull);
  EXPECT_THAT(explanation.policies->pii_masked, ElementsAre("email"));
  JsonWriter writer;
  WriteExplanationJson(writer, explanation);
  const std::string text = writer.Take();
  EXPECT_THAT(text,
              HasSubstr(R"("row_policies":[{"name":"own","filter":"region = $user.region"}])"));
  EXPECT_THAT(text, HasSubstr(R"("pii_masked":["email"])"));

  // Not for other actions, nor for the admin's own data reads beyond the pii default.
  ASSERT_OK_AND_ASSIGN(explanation, access_->Explain(admin_, Json(R"({"principal": "user:ana",
                                                         "action": "access:read",
                                                         "resource": "people"})")));
  EXPECT_FALSE(explanation.policies.has_value());
  ASSERT_OK_AND_ASSIGN(explanation, access_->Explain(admin_, Json(R"({"action": "data:read",
                                                         "resource": "people"})")));
  ASSERT_TRUE(explanation.policies.has_value());
  EXPECT_TRUE(explanation.policies->row.empty());
  EXPECT_TRUE(explanation.policies->pii_masked.empty()) << "admins hold pii:read";
}

}  // namespace
}  // namespace strata::service
