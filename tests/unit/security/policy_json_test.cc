// Row and field policies: JSON decoding (strict, with pointers), round trips, and matching.
#include "security/policy_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json.h"
#include "test_util.h"

namespace strata::security {
namespace {

using ::testing::HasSubstr;

json::Value Json(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? std::move(parsed).value() : json::Value();
}

// "pointer: detail" of every error of decoding `text`.
std::vector<std::string> Errors(std::string_view text,
                                PolicyJsonMode mode = PolicyJsonMode::kRequest) {
  Result<DatasetPolicies> decoded = DecodeDatasetPolicies(Json(text), mode);
  std::vector<std::string> errors;
  if (decoded.ok()) return errors;
  EXPECT_EQ(decoded.status().code(), StatusCode::kValidationFailed);
  for (const ErrorDetail& error : decoded.status().errors()) {
    errors.push_back(error.where + ": " + error.detail);
  }
  return errors;
}

TEST(PolicyJsonTest, DecodesTheDocumentOfTheDesign) {
  ASSERT_OK_AND_ASSIGN(
      DatasetPolicies policies,
      DecodeDatasetPolicies(
          Json(R"({"row_policies": [{"name": "fr_only", "filter": "country = $user.country",
                                      "applies_to": ["user:ana", "group:analysts"]}],
                   "field_policies": [{"field": "email", "action": "mask",
                                       "applies_to": ["role:reader"],
                                       "except": ["user:boss"]}]})"),
          PolicyJsonMode::kRequest));
  ASSERT_EQ(policies.row.size(), 1u);
  EXPECT_EQ(policies.row[0].name, "fr_only");
  EXPECT_EQ(policies.row[0].filter, "country = $user.country");
  EXPECT_EQ(policies.row[0].applies_to, (std::vector<std::string>{"user:ana", "group:analysts"}));
  EXPECT_TRUE(policies.row[0].except.empty());
  ASSERT_EQ(policies.field.size(), 1u);
  EXPECT_EQ(policies.field[0].field, "email");
  EXPECT_EQ(policies.field[0].action, FieldPolicyAction::kMask);
  EXPECT_EQ(policies.field[0].except, (std::vector<std::string>{"user:boss"}));
  EXPECT_EQ(policies.field[0].field_id, 0u);
}

TEST(PolicyJsonTest, EveryActionParses) {
  for (std::string_view action : {"deny", "mask", "hash", "tokenize", "null"}) {
    const std::string text = R"({"field_policies": [{"field": "f", "action": ")" +
                             std::string(action) + R"(", "applies_to": ["*"]}]})";
    ASSERT_OK_AND_ASSIGN(DatasetPolicies policies,
                         DecodeDatasetPolicies(Json(text), PolicyJsonMode::kRequest));
    EXPECT_EQ(FieldPolicyActionName(policies.field[0].action), action);
  }
}

TEST(PolicyJsonTest, RejectsUnknownMembersWithPointers) {
  EXPECT_THAT(Errors(R"({"row_polices": []})"),
              ::testing::ElementsAre("/row_polices: unknown member 'row_polices' (did you mean "
                                     "'row_policies'?)"));
  EXPECT_THAT(Errors(R"({"row_policies": [{"name": "a", "filter": "x = 1",
                                            "applies_to": ["*"], "aplies": 1}]})"),
              ::testing::ElementsAre("/row_policies/0/aplies: unknown member 'aplies'"));
  EXPECT_THAT(Errors(R"({"field_policies": [{"field": "f", "action": "deny",
                                              "applies_to": ["*"], "id": "x"}]})"),
              ::testing::ElementsAre("/field_policies/0/id: 'id' is assigned by the server"));
  EXPECT_THAT(
      Errors(R"({"field_policies": [{"field": "f", "action": "deny",
                                              "applies_to": ["*"], "field_id": 3}]})"),
      ::testing::ElementsAre("/field_policies/0/field_id: 'field_id' is assigned by the server"));
}

TEST(PolicyJsonTest, OtherMembersCanBeLeftToTheCaller) {
  const std::string_view grants[] = {"grants"};
  EXPECT_TRUE(DecodeDatasetPolicies(Json(R"({"grants": [], "row_policies": []})"),
                                    PolicyJsonMode::kRequest, grants)
                  .ok());
  EXPECT_FALSE(DecodeDatasetPolicies(Json(R"({"grants": []})"), PolicyJsonMode::kRequest).ok());
}

TEST(PolicyJsonTest, RejectsBadActionsWithASuggestion) {
  EXPECT_THAT(Errors(R"({"field_policies": [{"field": "f", "action": "mask2",
                                              "applies_to": ["*"]}]})"),
              ::testing::ElementsAre("/field_policies/0/action: unknown action 'mask2' (did you "
                                     "mean 'mask'?); actions are deny, mask, hash, tokenize, "
                                     "null"));
  EXPECT_THAT(Errors(R"({"field_policies": [{"field": "f", "action": 3, "applies_to": ["*"]}]})"),
              ::testing::ElementsAre("/field_policies/0/action: expected a string, got number"));
}

TEST(PolicyJsonTest, RejectsEmptyFiltersAndMissingMembers) {
  EXPECT_THAT(Errors(R"({"row_policies": [{"name": "a", "filter": "  ", "applies_to": ["*"]}]})"),
              ::testing::ElementsAre(HasSubstr("/row_policies/0/filter: must not be empty")));
  EXPECT_THAT(
      Errors(R"({"row_policies": [{}]})"),
      ::testing::ElementsAre("/row_policies/0/name: required", "/row_policies/0/filter: required",
                             HasSubstr("/row_policies/0/applies_to: required")));
  EXPECT_THAT(
      Errors(R"({"field_policies": [{"field": "not a name", "action": "deny",
                                              "applies_to": ["*"]}]})"),
      ::testing::ElementsAre("/field_policies/0/field: 'not a name' is not a valid field name"));
  EXPECT_THAT(Errors(R"({"row_policies": {}})"),
              ::testing::ElementsAre("/row_policies: expected an array, got object"));
  EXPECT_THAT(Errors(R"([])"), ::testing::ElementsAre(": expected an object, got array"));
}

TEST(PolicyJsonTest, ValidatesPrincipalPatterns) {
  EXPECT_THAT(Errors(R"({"row_policies": [{"name": "a", "filter": "x = 1", "applies_to": []}]})"),
              ::testing::ElementsAre(HasSubstr("/row_policies/0/applies_to: must name at least")));
  EXPECT_THAT(Errors(R"({"row_policies": [{"name": "a", "filter": "x = 1",
                                            "applies_to": ["ana", "team:x", "user:", 5,
                                                           "user:a b"]}]})"),
              ::testing::ElementsAre(HasSubstr("/row_policies/0/applies_to/0: expected '*'"),
                                     HasSubstr("/row_policies/0/applies_to/1: expected '*'"),
                                     HasSubstr("/row_policies/0/applies_to/2: expected '*'"),
                                     "/row_policies/0/applies_to/3: expected a string, got number",
                                     HasSubstr("/row_policies/0/applies_to/4: must not contain")));
  EXPECT_THAT(Errors(R"({"field_policies": [{"field": "f", "action": "deny", "applies_to": ["*"],
                                              "except": ["*"]}]})"),
              ::testing::ElementsAre(HasSubstr("/field_policies/0/except/0: '*' cannot be")));
  EXPECT_TRUE(Errors(R"({"row_policies": [{"name": "a", "filter": "x = 1",
                                           "applies_to": ["key:01J", "service:etl",
                                                          "oidc:https://id.example:42",
                                                          "role:reader", "group:g", "*"]}]})")
                  .empty());
}

TEST(PolicyJsonTest, RejectsDuplicateNamesAndBadNames) {
  EXPECT_THAT(Errors(R"({"row_policies": [
                  {"name": "a", "filter": "x = 1", "applies_to": ["*"]},
                  {"name": "a", "filter": "x = 2", "applies_to": ["*"]}]})"),
              ::testing::ElementsAre("/row_policies/1/name: another row policy is named 'a'"));
  EXPECT_THAT(Errors(R"({"row_policies": [{"name": "-a", "filter": "x = 1",
                                            "applies_to": ["*"]}]})"),
              ::testing::ElementsAre(HasSubstr("/row_policies/0/name: expected 1 to 64")));
}

TEST(PolicyJsonTest, StoredFormRoundTrips) {
  DatasetPolicies policies;
  policies.row.push_back(
      {"r1", "fr", "country = $user.country", {"group:g"}, {"role:owner"}, {{"country", 7}}});
  FieldPolicy field;
  field.id = "f1";
  field.name = "mask_email";
  field.field = "email";
  field.field_id = 5;
  field.action = FieldPolicyAction::kTokenize;
  field.applies_to = {"*"};
  policies.field.push_back(field);
  const std::string stored = DatasetPoliciesToJson(policies);
  ASSERT_OK_AND_ASSIGN(DatasetPolicies read, DatasetPoliciesFromJson(stored));
  EXPECT_EQ(read, policies);
  EXPECT_EQ(DatasetPoliciesFromJson("{").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DatasetPoliciesFromJson(R"({"row_policies": 1})").status().code(),
            StatusCode::kCorruption);
}

TEST(PolicyMatchingTest, PatternsNameUsersGroupsRolesAndEveryone) {
  PolicySubject ana;
  ana.ref = "user:ana";
  ana.groups = {"analysts"};
  ana.roles = {"reader"};
  EXPECT_TRUE(PatternMatches("*", ana));
  EXPECT_TRUE(PatternMatches("user:ana", ana));
  EXPECT_FALSE(PatternMatches("user:an", ana));
  EXPECT_TRUE(PatternMatches("group:analysts", ana));
  EXPECT_FALSE(PatternMatches("group:reader", ana));
  EXPECT_TRUE(PatternMatches("role:reader", ana));
  EXPECT_FALSE(PatternMatches("role:analysts", ana));
  EXPECT_FALSE(PatternMatches("key:ana", ana));
  EXPECT_TRUE(PolicyApplies({"group:analysts"}, {}, ana));
  EXPECT_FALSE(PolicyApplies({"group:analysts"}, {"user:ana"}, ana)) << "except wins";
  EXPECT_FALSE(PolicyApplies({}, {}, ana));
  PolicySubject nobody;
  EXPECT_FALSE(PatternMatches("user:", nobody));
  EXPECT_TRUE(PatternMatches("*", nobody));
}

TEST(PolicyMatchingTest, StricterOrdersActions) {
  using A = FieldPolicyAction;
  EXPECT_EQ(Stricter(A::kTokenize, A::kHash), A::kHash);
  EXPECT_EQ(Stricter(A::kMask, A::kHash), A::kMask);
  EXPECT_EQ(Stricter(A::kMask, A::kNull), A::kNull);
  EXPECT_EQ(Stricter(A::kDeny, A::kNull), A::kDeny);
  EXPECT_EQ(Stricter(A::kTokenize, A::kTokenize), A::kTokenize);
}

}  // namespace
}  // namespace strata::security
