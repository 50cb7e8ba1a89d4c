// The binder under row and field policies: every clause reads transformed fields, denied
// fields are refused by name (403), row policies read stored values and come first.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sql/binder.h"
#include "sql/parser.h"
#include "sql/pushdown.h"
#include "test_util.h"

namespace strata::sql {
namespace {

using ::testing::HasSubstr;
using types::DataType;

class NamedTransform : public ValueTransform {
 public:
  explicit NamedTransform(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  void Apply(std::string_view text, std::string& out) const override {
    out += name_ + "(" + std::string(text) + ")";
  }

 private:
  std::string name_;
};

types::Field MakeField(uint32_t id, std::string name, DataType type) {
  types::Field field;
  field.id = id;
  field.name = std::move(name);
  field.type = type;
  field.nullable = true;
  return field;
}

class PolicyCatalog : public Catalog {
 public:
  std::optional<TableInfo> Find(std::string_view name) override {
    if (name != "people") return std::nullopt;
    TableInfo table;
    table.name = "people";
    table.schema.version = 3;
    table.schema.fields = {
        MakeField(1, "time", DataType::kTimestamp), MakeField(2, "region", DataType::kString),
        MakeField(3, "email", DataType::kString),   MakeField(4, "salary", DataType::kInt64),
        MakeField(5, "note", DataType::kString),    MakeField(6, "payload", DataType::kJson)};
    table.time_field_id = 1;
    table.policy.field_rules = rules;
    for (const std::string& text : filters) {
      table.policy.row_filters.push_back(ParseExpression(text).value());
    }
    return table;
  }
  std::vector<std::string> Names() override { return {"people"}; }

  std::map<uint32_t, FieldRule> rules;
  std::vector<std::string> filters;
};

class BinderPolicyTest : public ::testing::Test {
 protected:
  void Rule(uint32_t field_id, FieldAction action) {
    FieldRule rule;
    rule.action = action;
    if (action == FieldAction::kMask || action == FieldAction::kHash ||
        action == FieldAction::kTokenize) {
      rule.transform = std::make_shared<NamedTransform>(std::string(FieldActionName(action)));
    }
    catalog_.rules[field_id] = rule;
  }

  Result<BoundStatement> BindText(const std::string& sql) {
    sql_ = sql;
    STRATA_ASSIGN_OR_RETURN(Statement statement, ParseStatement(sql_));
    BindOptions options;
    options.catalog = &catalog_;
    options.params = &params_;
    options.now_micros = 1'000'000;
    options.sql = sql_;
    STRATA_ASSIGN_OR_RETURN(BoundStatement bound, Bind(statement, options));
    PushDownPredicates(bound.plan);
    return bound;
  }

  // The outputs of `plan` as "name:type=expr" with slots named by the scanned fields.
  static std::vector<std::string> Outputs(const QueryPlan& plan) {
    std::vector<std::string> names;
    for (const SourceColumn& column : plan.source_columns) names.push_back(column.name);
    std::vector<std::string> outputs;
    for (const OutputColumn& column : plan.outputs) {
      outputs.push_back(column.name + ":" + std::string(types::DataTypeName(column.type)) + "=" +
                        ToString(*column.expr, &names));
    }
    return outputs;
  }

  static std::string Filter(const QueryPlan& plan) {
    std::vector<std::string> names;
    for (const SourceColumn& column : plan.source_columns) names.push_back(column.name);
    return plan.filter ? ToString(*plan.filter, &names) : "";
  }

  // The message of the field_denied error of binding `sql`.
  std::string Denied(const std::string& sql) {
    Result<BoundStatement> bound = BindText(sql);
    EXPECT_FALSE(bound.ok()) << sql;
    if (bound.ok()) return "";
    EXPECT_EQ(bound.status().code(), StatusCode::kPermissionDenied) << sql;
    EXPECT_EQ(bound.status().problem_code(), "field_denied") << sql;
    return std::string(bound.status().message());
  }

  PolicyCatalog catalog_;
  ParamMap params_;
  std::string sql_;
};

TEST_F(BinderPolicyTest, StarShowsTransformedFieldsAndOmitsDeniedOnes) {
  Rule(3, FieldAction::kMask);
  Rule(4, FieldAction::kHash);
  Rule(5, FieldAction::kDeny);
  Rule(6, FieldAction::kTokenize);
  Rule(2, FieldAction::kNull);
  ASSERT_OK_AND_ASSIGN(BoundStatement bound, BindText("SELECT * FROM people"));
  EXPECT_THAT(Outputs(bound.plan),
              ::testing::ElementsAre("time:timestamp=time", "region:string=NULL",
                                     "email:string=mask(email)", "salary:string=hash(salary)",
                                     "payload:string=tokenize(payload)"));
}

TEST_F(BinderPolicyTest, MaskOfANonStringReadsAsNullOfItsType) {
  Rule(4, FieldAction::kMask);
  Rule(6, FieldAction::kMask);
  ASSERT_OK_AND_ASSIGN(BoundStatement bound, BindText("SELECT salary, payload FROM people"));
  EXPECT_THAT(Outputs(bound.plan),
              ::testing::ElementsAre("salary:int64=NULL", "payload:json=NULL"));
}

TEST_F(BinderPolicyTest, EveryClauseReadsTheTransformedValue) {
  Rule(3, FieldAction::kMask);
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT email FROM people WHERE email = 'x' AND email LIKE '%.com'"
                                " ORDER BY email"));
  EXPECT_EQ(Filter(bound.plan), "((mask(email) = 'x') AND (mask(email) LIKE '%.com'))");
  EXPECT_TRUE(bound.plan.scan.predicates.empty()) << "a transformed field is not pushed down";
  EXPECT_THAT(Outputs(bound.plan), ::testing::ElementsAre("email:string=mask(email)"));
  EXPECT_EQ(bound.plan.order_by[0].column, 0);

  ASSERT_OK_AND_ASSIGN(bound, BindText("SELECT email, count(*) FROM people GROUP BY email "
                                       "HAVING min(email) <> 'a' ORDER BY 1"));
  ASSERT_EQ(bound.plan.group_keys.size(), 1u);
  EXPECT_EQ(ToString(*bound.plan.group_keys[0]), "mask(#0)");
  EXPECT_EQ(ToString(*bound.plan.aggregates[1].args[0]), "mask(#0)");

  ASSERT_OK_AND_ASSIGN(bound, BindText("SELECT DISTINCT ON (email) email, time FROM people "
                                       "ORDER BY email, time DESC"));
  EXPECT_EQ(bound.plan.distinct_on, (std::vector<int>{0}));
  EXPECT_THAT(Outputs(bound.plan),
              ::testing::ElementsAre("email:string=mask(email)", "time:timestamp=time"));

  ASSERT_OK_AND_ASSIGN(bound, BindText("SELECT count(DISTINCT email), max(length(email)) "
                                       "FROM people"));
  EXPECT_EQ(ToString(*bound.plan.aggregates[0].args[0]), "mask(#0)");
  EXPECT_EQ(ToString(*bound.plan.aggregates[1].args[0]), "length(mask(#0))");
}

TEST_F(BinderPolicyTest, SubqueriesWithAndExplainSeeTheTransformToo) {
  Rule(3, FieldAction::kTokenize);
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT e FROM (SELECT email AS e FROM people) t WHERE e = 'x'"));
  ASSERT_NE(bound.plan.inner, nullptr);
  EXPECT_THAT(Outputs(*bound.plan.inner), ::testing::ElementsAre("e:string=tokenize(email)"));
  ASSERT_OK_AND_ASSIGN(bound, BindText("WITH t AS (SELECT * FROM people) SELECT email FROM t"));
  EXPECT_THAT(Outputs(*bound.plan.inner), ::testing::Contains("email:string=tokenize(email)"));
  ASSERT_OK_AND_ASSIGN(bound, BindText("EXPLAIN SELECT email FROM people GROUP BY email"));
  EXPECT_TRUE(bound.explain);
  EXPECT_EQ(ToString(*bound.plan.group_keys[0]), "tokenize(#0)");
  // A denied field stays denied inside subqueries and WITH.
  Rule(5, FieldAction::kDeny);
  EXPECT_THAT(Denied("SELECT * FROM (SELECT note FROM people) t"), HasSubstr("denied"));
  EXPECT_THAT(Denied("WITH t AS (SELECT note FROM people) SELECT * FROM t"), HasSubstr("denied"));
  EXPECT_THAT(Denied("EXPLAIN SELECT note FROM people"), HasSubstr("denied"));
}

TEST_F(BinderPolicyTest, HashAndTokenizeAreStringsWhateverTheFieldType) {
  Rule(4, FieldAction::kHash);
  Rule(1, FieldAction::kTokenize);
  ASSERT_OK_AND_ASSIGN(BoundStatement bound, BindText("SELECT salary, time FROM people"));
  EXPECT_THAT(Outputs(bound.plan),
              ::testing::ElementsAre("salary:string=hash(salary)", "time:string=tokenize(time)"));
  Result<BoundStatement> compared = BindText("SELECT 1 FROM people WHERE salary > 100");
  ASSERT_FALSE(compared.ok());
  EXPECT_EQ(compared.status().problem_code(), "sql_semantic");
  EXPECT_THAT(std::string(compared.status().message()),
              HasSubstr("cannot use a value of type int64 where string is expected"));
}

TEST_F(BinderPolicyTest, DeniedFieldsAreRefusedByNameInEveryClause) {
  Rule(3, FieldAction::kDeny);
  EXPECT_EQ(Denied("SELECT email FROM people"),
            "line 1, column 8: access to field 'email' is denied by a field policy");
  EXPECT_THAT(Denied("SELECT 1 FROM people WHERE email = 'a@b.c'"), HasSubstr("denied"));
  EXPECT_THAT(Denied("SELECT count(*) FROM people GROUP BY email"), HasSubstr("denied"));
  EXPECT_THAT(Denied("SELECT time FROM people ORDER BY email"), HasSubstr("denied"));
  EXPECT_THAT(Denied("SELECT region FROM people GROUP BY region HAVING max(email) > 'a'"),
              HasSubstr("denied"));
  EXPECT_THAT(Denied("SELECT DISTINCT ON (email) time FROM people"), HasSubstr("denied"));
  EXPECT_THAT(Denied("SELECT count(email) FROM people"), HasSubstr("denied"));
  EXPECT_THAT(Denied("SELECT people.email FROM people"), HasSubstr("denied"));
  ASSERT_OK(BindText("SELECT count(*) FROM people").status());
  // Suggestions do not offer a denied field.
  Result<BoundStatement> unknown = BindText("SELECT emial FROM people");
  EXPECT_EQ(unknown.status().message(), "line 1, column 8: unknown column 'emial'");
}

TEST_F(BinderPolicyTest, RowPoliciesReadStoredValuesBeforeTheStatementsFilter) {
  Rule(2, FieldAction::kHash);
  Rule(3, FieldAction::kDeny);
  catalog_.filters = {"region = 'eu'", "email LIKE '%@corp.example'"};
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT region FROM people WHERE length(region) > 3"));
  // The stored region and email decide visibility; the caller's WHERE sees the hash, and
  // is evaluated only on rows the policies let through (it is the last AND operand).
  EXPECT_EQ(Filter(bound.plan), "((email LIKE '%@corp.example') AND (length(hash(region)) > 3))");
  ASSERT_EQ(bound.plan.scan.predicates.size(), 1u) << "region = 'eu' moves into the scan";
  EXPECT_THAT(Outputs(bound.plan), ::testing::ElementsAre("region:string=hash(region)"));
}

TEST_F(BinderPolicyTest, ARowPolicyThatNoLongerBindsFailsClosedWithoutShowingItself) {
  catalog_.filters = {"secret_field = 'classified-value'"};
  Result<BoundStatement> bound = BindText("SELECT count(*) FROM people");
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.status().code(), StatusCode::kConflict);
  EXPECT_EQ(bound.status().problem_code(), "row_policy_invalid");
  EXPECT_THAT(std::string(bound.status().message()), ::testing::Not(HasSubstr("classified")));
  EXPECT_THAT(std::string(bound.status().message()), ::testing::Not(HasSubstr("secret_field")));
}

TEST_F(BinderPolicyTest, UserAttributesAreNotParametersOfAStatement) {
  params_["user.region"] = std::string("eu");
  Result<BoundStatement> bound = BindText("SELECT 1 FROM people WHERE region = $user.region");
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.status().problem_code(), "sql_semantic");
  EXPECT_THAT(std::string(bound.status().message()),
              HasSubstr("$user.region is only available in row policies"));
}

TEST_F(BinderPolicyTest, FirstAndLastNeedAReadableTimeField) {
  ASSERT_OK(BindText("SELECT first(salary) FROM people").status());
  Rule(1, FieldAction::kHash);
  Result<BoundStatement> bound = BindText("SELECT first(salary) FROM people");
  EXPECT_THAT(std::string(bound.status().message()), HasSubstr("first() needs a time"));
}

TEST_F(BinderPolicyTest, ATransformingRuleWithoutItsTransformIsAnInternalError) {
  catalog_.rules[3].action = FieldAction::kTokenize;
  EXPECT_EQ(BindText("SELECT email FROM people").status().code(), StatusCode::kInternal);
  EXPECT_EQ(BindText("SELECT * FROM people").status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace strata::sql
