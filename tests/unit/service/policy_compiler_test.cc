// Policies checked against a schema when written, and compiled for one caller: matching,
// AND of row policies, $user substitution (missing and hostile values), precedence, the pii
// default, fingerprints.
#include "service/policy_compiler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "sql/ast.h"
#include "test_util.h"

namespace strata::service {
namespace {

using security::DatasetPolicies;
using security::FieldPolicy;
using security::FieldPolicyAction;
using security::PolicySubject;
using security::RowPolicy;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using types::DataType;

types::Field MakeField(uint32_t id, std::string name, DataType type, bool pii = false) {
  types::Field field;
  field.id = id;
  field.name = std::move(name);
  field.type = type;
  field.nullable = true;
  field.pii = pii;
  return field;
}

types::Schema PeopleSchema() {
  types::Schema schema;
  schema.version = 1;
  schema.next_field_id = 7;
  schema.fields = {
      MakeField(1, "time", DataType::kTimestamp),     MakeField(2, "region", DataType::kString),
      MakeField(3, "email", DataType::kString, true), MakeField(4, "salary", DataType::kInt64),
      MakeField(5, "level", DataType::kInt64),        MakeField(6, "note", DataType::kString)};
  return schema;
}

RowPolicy Row(std::string name, std::string filter, std::vector<std::string> applies_to,
              std::vector<std::string> except = {}) {
  return RowPolicy{"", std::move(name), std::move(filter), std::move(applies_to), std::move(except),
                   {}};
}

FieldPolicy FieldRule(std::string field, FieldPolicyAction action,
                      std::vector<std::string> applies_to, std::vector<std::string> except = {}) {
  FieldPolicy policy;
  policy.field = std::move(field);
  policy.action = action;
  policy.applies_to = std::move(applies_to);
  policy.except = std::move(except);
  return policy;
}

class PolicyCompilerTest : public ::testing::Test {
 protected:
  PolicyCompilerTest() {
    ana_.ref = "user:ana";
    ana_.groups = {"analysts"};
    ana_.roles = {"reader"};
    ana_.attributes = {{"region", "eu"}, {"level", "3"}};
    keys_.dataset_id = "people";
    keys_.hash_key = std::string(32, 'h');
    keys_.token_key = std::string(64, 't');
    keys_.key_id = "00112233aabbccdd";
  }

  sql::PolicyContext Compile(const DatasetPolicies& policies, const PolicySubject& subject) {
    Result<sql::PolicyContext> compiled = CompilePolicies(schema_, policies, subject, keys_);
    EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
    return compiled.ok() ? std::move(compiled).value() : sql::PolicyContext();
  }

  static std::vector<std::string> Filters(const sql::PolicyContext& context) {
    std::vector<std::string> filters;
    for (const sql::ExprPtr& filter : context.row_filters) {
      filters.push_back(sql::DebugString(*filter));
    }
    return filters;
  }

  static sql::FieldAction ActionOf(const sql::PolicyContext& context, uint32_t id) {
    return context.RuleFor(id).action;
  }

  std::vector<std::string> ValidationErrors(DatasetPolicies policies) {
    Status status = ValidatePolicies(policies, schema_);
    std::vector<std::string> errors;
    if (status.ok()) return errors;
    EXPECT_EQ(status.code(), StatusCode::kValidationFailed);
    for (const ErrorDetail& error : status.errors()) {
      errors.push_back(error.where + ": " + error.detail);
    }
    return errors;
  }

  types::Schema schema_ = PeopleSchema();
  PolicySubject ana_;
  security::FieldTransformKeys keys_;
};

TEST_F(PolicyCompilerTest, ValidationAcceptsGoodPoliciesAndResolvesFieldIds) {
  DatasetPolicies policies;
  policies.row.push_back(
      Row("eu", "region = $user.region AND time > now() - INTERVAL '30 days'", {"*"}));
  policies.row.push_back(Row("levels", "level <= CAST($user.level AS int64)", {"*"}));
  policies.field.push_back(FieldRule("salary", FieldPolicyAction::kNull, {"role:reader"}));
  ASSERT_OK(ValidatePolicies(policies, schema_));
  EXPECT_EQ(policies.field[0].field_id, 4u);
}

TEST_F(PolicyCompilerTest, ValidationRefusesBadFiltersWithPointers) {
  DatasetPolicies policies;
  policies.row.push_back(Row("syntax", "region = ", {"*"}));
  policies.row.push_back(Row("unknown", "regoin = 'eu'", {"*"}));
  policies.row.push_back(Row("param", "region = $1", {"*"}));
  policies.row.push_back(Row("aggregate", "sum(level) > 1", {"*"}));
  policies.row.push_back(Row("types", "salary > $user.level", {"*"}));
  policies.row.push_back(Row("not_bool", "salary + 1", {"*"}));
  policies.field.push_back(FieldRule("emial", FieldPolicyAction::kMask, {"*"}));
  EXPECT_THAT(
      ValidationErrors(policies),
      ElementsAre(HasSubstr("/row_policies/0/filter: line 1, column 10: expected an expression"),
                  "/row_policies/1/filter: line 1, column 1: unknown field 'regoin' (did you "
                  "mean 'region'?)",
                  HasSubstr("/row_policies/2/filter: line 1, column 10: $1: a row policy reads "
                            "only the caller's attributes"),
                  HasSubstr("/row_policies/3/filter: line 1, column 1: a row policy filters "
                            "single rows; sum() is an aggregate"),
                  HasSubstr("/row_policies/4/filter: line 1, column"),
                  HasSubstr("/row_policies/5/filter: line 1, column 1: WHERE must be a boolean"),
                  "/field_policies/0/field: unknown field 'emial' (did you mean 'email'?)"));
}

TEST_F(PolicyCompilerTest, RowPoliciesApplyByPrincipalGroupRoleAndEveryone) {
  DatasetPolicies policies;
  policies.row.push_back(Row("by_user", "level = 1", {"user:ana"}));
  policies.row.push_back(Row("by_group", "level = 2", {"group:analysts"}));
  policies.row.push_back(Row("by_role", "level = 3", {"role:reader"}));
  policies.row.push_back(Row("everyone", "level = 4", {"*"}));
  policies.row.push_back(Row("others", "level = 5", {"user:bob", "group:admins", "role:owner"}));
  policies.row.push_back(Row("excepted", "level = 6", {"*"}, {"group:analysts"}));
  EXPECT_THAT(Filters(Compile(policies, ana_)),
              ElementsAre("(= level 1)", "(= level 2)", "(= level 3)", "(= level 4)"));
  PolicySubject bob;
  bob.ref = "user:bob";
  EXPECT_THAT(Filters(Compile(policies, bob)),
              ElementsAre("(= level 4)", "(= level 5)", "(= level 6)"));
}

TEST_F(PolicyCompilerTest, AttributesBecomeLiteralsNeverText) {
  DatasetPolicies policies;
  policies.row.push_back(Row("eu", "region = $user.region", {"*"}));
  EXPECT_THAT(Filters(Compile(policies, ana_)), ElementsAre("(= region 'eu')"));
  PolicySubject hostile = ana_;
  hostile.attributes["region"] = "' OR 1=1 --";
  EXPECT_THAT(Filters(Compile(policies, hostile)), ElementsAre("(= region ''' OR 1=1 --')"));
  hostile.attributes["region"] = "x') OR (1=1";
  EXPECT_THAT(Filters(Compile(policies, hostile)), ElementsAre("(= region 'x'') OR (1=1')"));
  hostile.attributes["region"] = "$user.region";
  EXPECT_THAT(Filters(Compile(policies, hostile)), ElementsAre("(= region '$user.region')"));
}

TEST_F(PolicyCompilerTest, AMissingAttributeMatchesNoRows) {
  DatasetPolicies policies;
  // Even a filter that would hold for a NULL attribute holds for no row without it.
  policies.row.push_back(Row("eu", "region = $user.region OR $user.team IS NULL", {"*"}));
  EXPECT_THAT(Filters(Compile(policies, ana_)), ElementsAre("FALSE"));
  PolicySubject bare;
  bare.ref = "user:bare";
  policies.row[0].filter = "region = $user.region";
  EXPECT_THAT(Filters(Compile(policies, bare)), ElementsAre("FALSE"));
}

TEST_F(PolicyCompilerTest, AnAttributeThatDoesNotConvertMatchesNoRows) {
  DatasetPolicies policies;
  policies.row.push_back(Row("levels", "level <= CAST($user.level AS int64)", {"*"}));
  EXPECT_THAT(Filters(Compile(policies, ana_)), ElementsAre("(<= level (:: '3' int64))"));
  PolicySubject odd = ana_;
  odd.attributes["level"] = "three";
  EXPECT_THAT(Filters(Compile(policies, odd)), ElementsAre("FALSE"));
}

TEST_F(PolicyCompilerTest, AStoredFilterThatNoLongerParsesFailsClosed) {
  DatasetPolicies policies;
  policies.row.push_back(Row("broken", "region = ", {"*"}));
  Result<sql::PolicyContext> compiled = CompilePolicies(schema_, policies, ana_, keys_);
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().problem_code(), "row_policy_invalid");
  EXPECT_THAT(std::string(compiled.status().message()), ::testing::Not(HasSubstr("region")));
}

TEST_F(PolicyCompilerTest, TheStrictestFieldActionWins) {
  DatasetPolicies policies;
  policies.field.push_back(FieldRule("note", FieldPolicyAction::kTokenize, {"*"}));
  policies.field.push_back(FieldRule("note", FieldPolicyAction::kHash, {"role:reader"}));
  policies.field.push_back(FieldRule("salary", FieldPolicyAction::kMask, {"*"}));
  policies.field.push_back(FieldRule("salary", FieldPolicyAction::kNull, {"group:analysts"}));
  policies.field.push_back(FieldRule("level", FieldPolicyAction::kNull, {"*"}));
  policies.field.push_back(FieldRule("level", FieldPolicyAction::kDeny, {"user:ana"}));
  policies.field.push_back(FieldRule("region", FieldPolicyAction::kDeny, {"*"}, {"user:ana"}));
  const sql::PolicyContext context = Compile(policies, ana_);
  EXPECT_EQ(ActionOf(context, 6), sql::FieldAction::kHash);
  EXPECT_EQ(ActionOf(context, 4), sql::FieldAction::kNull);
  EXPECT_EQ(ActionOf(context, 5), sql::FieldAction::kDeny);
  EXPECT_EQ(ActionOf(context, 2), sql::FieldAction::kAllow) << "excepted";
  EXPECT_EQ(ActionOf(context, 3), sql::FieldAction::kMask) << "pii without pii:read";
  EXPECT_EQ(context.RuleFor(6).transform->name(), "hash");
  EXPECT_EQ(context.RuleFor(3).transform->name(), "mask");
  EXPECT_EQ(context.RuleFor(4).transform, nullptr);
}

TEST_F(PolicyCompilerTest, PiiFieldsAreMaskedWithoutPiiRead) {
  DatasetPolicies none;
  EXPECT_EQ(ActionOf(Compile(none, ana_), 3), sql::FieldAction::kMask);
  PolicySubject reader = ana_;
  reader.pii_read = true;
  const sql::PolicyContext open = Compile(none, reader);
  EXPECT_EQ(ActionOf(open, 3), sql::FieldAction::kAllow);
  EXPECT_TRUE(open.fingerprint.empty()) << "nothing restricts a pii:read holder";
  // A stricter policy still applies; a laxer one (tokenize) does not lift the mask.
  DatasetPolicies policies;
  policies.field.push_back(FieldRule("email", FieldPolicyAction::kTokenize, {"*"}));
  EXPECT_EQ(ActionOf(Compile(policies, ana_), 3), sql::FieldAction::kMask);
  EXPECT_EQ(ActionOf(Compile(policies, reader), 3), sql::FieldAction::kTokenize);
  policies.field[0].action = FieldPolicyAction::kDeny;
  EXPECT_EQ(ActionOf(Compile(policies, ana_), 3), sql::FieldAction::kDeny);
}

TEST_F(PolicyCompilerTest, FieldPoliciesFollowTheirFieldIdThroughRenames) {
  DatasetPolicies policies;
  policies.field.push_back(FieldRule("note", FieldPolicyAction::kNull, {"*"}));
  ASSERT_OK(ValidatePolicies(policies, schema_));
  schema_.Find("note")->name = "remark";
  EXPECT_EQ(ActionOf(Compile(policies, ana_), 6), sql::FieldAction::kNull);
  // A policy of a dropped field protects nothing, and does not fail reads.
  schema_.fields.pop_back();
  EXPECT_EQ(Compile(policies, ana_).field_rules.count(6), 0u);
}

TEST_F(PolicyCompilerTest, RowPoliciesFollowTheirFieldsThroughRenames) {
  DatasetPolicies policies;
  policies.row.push_back(Row("eu", "region = $user.region AND \"level\" > 0", {"*"}));
  ASSERT_OK(ValidatePolicies(policies, schema_));
  EXPECT_EQ(policies.row[0].field_ids,
            (std::map<std::string, uint32_t>{{"level", 5}, {"region", 2}}));
  schema_.Find("region")->name = "zone";
  schema_.Find("level")->name = "from";  // A keyword: shown quoted.
  EXPECT_THAT(Filters(Compile(policies, ana_)), ElementsAre("(AND (= zone 'eu') (> from 0))"));
  EXPECT_EQ(FilterWithCurrentNames(policies.row[0], schema_),
            "zone = $user.region AND \"from\" > 0");
  // A field a policy reads or transforms cannot be dropped while it does.
  DatasetPolicies added;  // Validated on its own, as a later request is.
  added.field.push_back(FieldRule("note", FieldPolicyAction::kHash, {"*"}));
  ASSERT_OK(ValidatePolicies(added, schema_));
  policies.field = added.field;
  EXPECT_THAT(PoliciesUsingField(policies, *schema_.Find("zone")), ElementsAre("row policy 'eu'"));
  EXPECT_THAT(PoliciesUsingField(policies, *schema_.Find("note")),
              ElementsAre("field policy 'note'"));
  EXPECT_TRUE(PoliciesUsingField(policies, *schema_.Find("salary")).empty());
}

TEST_F(PolicyCompilerTest, FingerprintsShareWhatIsSeenAndSeparateWhatIsNot) {
  DatasetPolicies policies;
  policies.row.push_back(Row("eu", "region = $user.region", {"*"}));
  policies.field.push_back(FieldRule("note", FieldPolicyAction::kHash, {"role:reader"}));
  PolicySubject carl = ana_;
  carl.ref = "user:carl";
  carl.groups = {};
  const std::string ana = Compile(policies, ana_).fingerprint;
  EXPECT_EQ(ana.size(), 32u);
  EXPECT_EQ(Compile(policies, carl).fingerprint, ana) << "the same view, the same fingerprint";
  PolicySubject us = ana_;
  us.attributes["region"] = "us";
  EXPECT_NE(Compile(policies, us).fingerprint, ana);
  PolicySubject no_role = ana_;
  no_role.roles = {};
  EXPECT_NE(Compile(policies, no_role).fingerprint, ana);
  keys_.key_id = "ffffffffffffffff";
  EXPECT_NE(Compile(policies, ana_).fingerprint, ana) << "hashes under another key differ";
}

TEST_F(PolicyCompilerTest, KeyedTransformsNeedKeys) {
  DatasetPolicies policies;
  policies.field.push_back(FieldRule("note", FieldPolicyAction::kTokenize, {"*"}));
  Result<sql::PolicyContext> compiled =
      CompilePolicies(schema_, policies, ana_, security::FieldTransformKeys());
  EXPECT_EQ(compiled.status().code(), StatusCode::kInternal);
  policies.field[0].action = FieldPolicyAction::kMask;
  EXPECT_TRUE(CompilePolicies(schema_, policies, ana_, security::FieldTransformKeys()).ok());
}

}  // namespace
}  // namespace strata::service
