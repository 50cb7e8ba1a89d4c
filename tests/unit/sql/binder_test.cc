// Binder: name resolution, typing, aggregation rules, policies, and pushdown of the result.
#include "sql/binder.h"

#include <gtest/gtest.h>

#include "sql/parser.h"
#include "sql/pushdown.h"
#include "test_util.h"

namespace strata::sql {
namespace {

using types::DataType;

class FakeCatalog : public Catalog {
 public:
  FakeCatalog() {
    TableInfo cpu;
    cpu.name = "cpu";
    cpu.schema.version = 1;
    cpu.schema.fields = {
        Field(1, "time", DataType::kTimestamp),   Field(2, "hostname", DataType::kString),
        Field(3, "usage_user", DataType::kInt64), Field(4, "usage_system", DataType::kFloat64),
        Field(5, "email", DataType::kString),     Field(6, "payload", DataType::kJson),
        Field(7, "country", DataType::kString)};
    cpu.time_field_id = 1;
    tables.push_back(std::move(cpu));
  }

  static types::Field Field(uint32_t id, std::string name, DataType type) {
    types::Field field;
    field.id = id;
    field.name = std::move(name);
    field.type = type;
    field.nullable = true;
    return field;
  }

  std::optional<TableInfo> Find(std::string_view name) override {
    for (const TableInfo& table : tables) {
      if (table.name == name) {
        TableInfo copy;
        copy.name = table.name;
        copy.schema = table.schema;
        copy.time_field_id = table.time_field_id;
        copy.policy.field_rules = table.policy.field_rules;
        for (size_t i = 0; i < table.policy.row_filters.size(); ++i) {
          copy.policy.row_filters.push_back(ParseExpression(filter_text).value());
        }
        return copy;
      }
    }
    return std::nullopt;
  }
  std::vector<std::string> Names() override { return {"cpu"}; }

  std::vector<TableInfo> tables;
  std::string filter_text;
};

class BinderTest : public ::testing::Test {
 protected:
  Result<BoundStatement> BindText(const std::string& sql) {
    sql_ = sql;
    STRATA_ASSIGN_OR_RETURN(Statement statement, ParseStatement(sql_));
    BindOptions options;
    options.catalog = &catalog_;
    options.params = &params_;
    options.now_micros = 1'000'000;
    options.sql = sql_;
    return Bind(statement, options);
  }

  std::string ErrorOf(const std::string& sql) {
    Result<BoundStatement> bound = BindText(sql);
    EXPECT_FALSE(bound.ok()) << sql;
    if (bound.ok()) return "";
    EXPECT_EQ(bound.status().problem_code(), "sql_semantic") << bound.status().ToString();
    return std::string(bound.status().message());
  }

  FakeCatalog catalog_;
  ParamMap params_;
  std::string sql_;
};

TEST_F(BinderTest, ResolvesColumnsToScanSlotsInFirstUseOrder) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT usage_user, hostname FROM cpu WHERE usage_user > 3"));
  const QueryPlan& plan = bound.plan;
  EXPECT_EQ(plan.dataset, "cpu");
  EXPECT_EQ(plan.scan.field_ids, (std::vector<uint32_t>{3, 2}));
  ASSERT_EQ(plan.visible_columns, 2u);
  EXPECT_EQ(plan.outputs[0].name, "usage_user");
  EXPECT_EQ(plan.outputs[0].type, DataType::kInt64);
  EXPECT_EQ(ToString(*plan.filter), "(#0 > 3)");
}

TEST_F(BinderTest, StarExpandsInSchemaOrder) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound, BindText("SELECT * FROM cpu"));
  ASSERT_EQ(bound.plan.visible_columns, 7u);
  EXPECT_EQ(bound.plan.outputs[1].name, "hostname");
  EXPECT_EQ(bound.plan.outputs[6].name, "country");
}

TEST_F(BinderTest, UnknownNamesSuggestNearOnes) {
  EXPECT_EQ(ErrorOf("SELECT usr FROM cpu"), "line 1, column 8: unknown column 'usr'");
  EXPECT_EQ(ErrorOf("SELECT hostnme FROM cpu"),
            "line 1, column 8: unknown column 'hostnme'; did you mean 'hostname'?");
  EXPECT_EQ(ErrorOf("SELECT 1 FROM cpx"),
            "line 1, column 15: dataset 'cpx' does not exist; did you mean 'cpu'?");
  EXPECT_EQ(ErrorOf("SELECT maxx(usage_user) FROM cpu"),
            "line 1, column 8: unknown function 'maxx'; did you mean 'max'?");
}

TEST_F(BinderTest, TypesAndCoercions) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT usage_user + usage_system, usage_user / 2, "
                                "time + INTERVAL '1 minute', time - time FROM cpu"));
  EXPECT_EQ(bound.plan.outputs[0].type, DataType::kFloat64);
  EXPECT_EQ(bound.plan.outputs[1].type, DataType::kInt64);
  EXPECT_EQ(bound.plan.outputs[2].type, DataType::kTimestamp);
  EXPECT_EQ(bound.plan.outputs[3].type, DataType::kInt64);
  EXPECT_EQ(ErrorOf("SELECT hostname + 1 FROM cpu"),
            "line 1, column 8: operator '+' cannot combine string and int64");
  EXPECT_EQ(ErrorOf("SELECT 1 FROM cpu WHERE hostname = 3"),
            "line 1, column 36: cannot use a value of type int64 where string is expected");
  EXPECT_EQ(ErrorOf("SELECT 1 FROM cpu WHERE usage_user"),
            "line 1, column 25: WHERE must be a boolean expression, not int64");
  EXPECT_EQ(ErrorOf("SELECT 1 FROM cpu WHERE time > 'yesterday'"),
            "line 1, column 32: 'yesterday' is not an RFC 3339 timestamp");
}

TEST_F(BinderTest, IntColumnAgainstFloatConstantStaysAnIntegerComparison) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT 1 FROM cpu WHERE usage_user > 90.0 AND usage_user >= 9.5"));
  EXPECT_EQ(ToString(*bound.plan.filter), "((#0 > 90) AND (#0 >= 10))");
}

// Regression (differential test against SQLite): x = 1.5 and x <> 1.5 on an int64 x answered
// false for NULL rows, so NOT (x = 1.5) kept them. The answer must not depend on x's value,
// but must stay NULL for NULL rows.
TEST_F(BinderTest, IntAgainstNonIntegralConstantKeepsNullRowsNull) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT usage_user = 1.5, usage_user <> 1.5, 1.5 != usage_user "
                                "FROM cpu"));
  ASSERT_EQ(bound.plan.outputs.size(), 3u);
  EXPECT_EQ(ToString(*bound.plan.outputs[0].expr), "((#0 IS NULL) AND NULL)");
  EXPECT_EQ(ToString(*bound.plan.outputs[1].expr), "((#0 IS NOT NULL) OR NULL)");
  EXPECT_EQ(ToString(*bound.plan.outputs[2].expr), "((#0 IS NOT NULL) OR NULL)");
}

TEST_F(BinderTest, ParametersAreBoundAsValues) {
  params_["from"] = std::string("2016-01-01T00:00:00Z");
  params_["1"] = std::string("host_1' OR '1'='1");
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT 1 FROM cpu WHERE time >= $from AND hostname = $1"));
  EXPECT_EQ(ToString(*bound.plan.filter),
            "((#0 >= 1451606400000000::timestamp) AND (#1 = 'host_1'' OR ''1''=''1'))");
  EXPECT_EQ(ErrorOf("SELECT $2 FROM cpu"),
            "line 1, column 8: parameter $2 has no value; pass it in \"params\" (an array: $1 "
            "is its first element)");
}

TEST_F(BinderTest, AggregationRules) {
  ASSERT_OK_AND_ASSIGN(
      BoundStatement bound,
      BindText("SELECT time_bucket('60 seconds', time) AS minute, max(usage_user), "
               "max(usage_user) + 1 FROM cpu WHERE hostname IN ('a', 'b') GROUP BY minute "
               "ORDER BY minute"));
  const QueryPlan& plan = bound.plan;
  EXPECT_TRUE(plan.aggregate);
  ASSERT_EQ(plan.group_keys.size(), 1u);
  EXPECT_EQ(ToString(*plan.group_keys[0]), "time_bucket(60000000, #1)");  // WHERE bound first.
  ASSERT_EQ(plan.aggregates.size(), 1u) << "max(usage_user) is computed once";
  EXPECT_EQ(ToString(*plan.outputs[0].expr), "#0");
  EXPECT_EQ(ToString(*plan.outputs[2].expr), "(#1 + 1)");
  EXPECT_EQ(plan.outputs[1].name, "max(usage_user)");
  ASSERT_EQ(plan.order_by.size(), 1u);
  EXPECT_EQ(plan.order_by[0].column, 0);

  EXPECT_EQ(ErrorOf("SELECT hostname, count(*) FROM cpu"),
            "line 1, column 8: column 'hostname' must appear in GROUP BY or be used in an "
            "aggregate function");
  EXPECT_EQ(ErrorOf("SELECT 1 FROM cpu WHERE max(usage_user) > 1"),
            "line 1, column 25: aggregate function max() is not allowed in WHERE");
  EXPECT_EQ(ErrorOf("SELECT max(min(usage_user)) FROM cpu"),
            "line 1, column 12: aggregate calls cannot be nested");
  EXPECT_EQ(ErrorOf("SELECT sum(hostname) FROM cpu"),
            "line 1, column 12: sum() needs a number, not string");
}

TEST_F(BinderTest, GroupByPositionAndExpressionMatching) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT lower(hostname), count(*) FROM cpu GROUP BY 1 "
                                "HAVING count(*) > 2 ORDER BY 2 DESC"));
  EXPECT_EQ(ToString(*bound.plan.outputs[0].expr), "#0");
  EXPECT_EQ(ToString(*bound.plan.having), "(#1 > 2)");
  EXPECT_TRUE(bound.plan.order_by[0].descending);
  EXPECT_TRUE(bound.plan.order_by[0].nulls_first);
}

TEST_F(BinderTest, CountStarScansOneColumn) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound, BindText("SELECT count(*) FROM cpu"));
  EXPECT_EQ(bound.plan.scan.field_ids, (std::vector<uint32_t>{1}));
}

TEST_F(BinderTest, WithAndSubqueryBecomeInnerPlans) {
  ASSERT_OK_AND_ASSIGN(
      BoundStatement bound,
      BindText("WITH cpu_avg AS (SELECT time_bucket('3600 seconds', time) AS hour, hostname, "
               "avg(usage_user) AS mean_usage_user FROM cpu GROUP BY 1, 2) "
               "SELECT hour, hostname, mean_usage_user FROM cpu_avg ORDER BY hour, hostname"));
  ASSERT_NE(bound.plan.inner, nullptr);
  EXPECT_TRUE(bound.plan.inner->aggregate);
  EXPECT_EQ(bound.plan.source_columns.size(), 3u);
  EXPECT_EQ(bound.plan.outputs[2].type, DataType::kFloat64);
}

TEST_F(BinderTest, DistinctOnAddsHiddenSortKeys) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT DISTINCT ON (hostname) hostname, usage_user FROM cpu "
                                "ORDER BY hostname, time DESC"));
  EXPECT_EQ(bound.plan.distinct_on, (std::vector<int>{0}));
  ASSERT_EQ(bound.plan.outputs.size(), 3u);
  EXPECT_EQ(bound.plan.visible_columns, 2u);
  EXPECT_EQ(bound.plan.order_by[1].column, 2);
}

TEST_F(BinderTest, FieldPoliciesDenyAndNull) {
  catalog_.tables[0].policy.field_rules[5].action = FieldAction::kDeny;  // email
  catalog_.tables[0].policy.field_rules[7].action = FieldAction::kNull;  // country
  ASSERT_OK_AND_ASSIGN(BoundStatement bound, BindText("SELECT * FROM cpu"));
  EXPECT_EQ(bound.plan.visible_columns, 6u) << "a denied field is not part of *";
  for (const OutputColumn& column : bound.plan.outputs) EXPECT_NE(column.name, "email");
  Result<BoundStatement> denied = BindText("SELECT email FROM cpu");
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().problem_code(), "field_denied");
  EXPECT_EQ(denied.status().message(),
            "line 1, column 8: access to field 'email' is denied by a field policy");
  ASSERT_OK_AND_ASSIGN(bound, BindText("SELECT country FROM cpu WHERE country = 'FR'"));
  EXPECT_EQ(ToString(*bound.plan.outputs[0].expr), "NULL");
  EXPECT_TRUE(bound.plan.scan.field_ids.size() == 1) << "only the counted column is read";
}

TEST_F(BinderTest, RowPoliciesComeBeforeWhereAndSeeRawValues) {
  catalog_.filter_text = "country = 'FR'";
  catalog_.tables[0].policy.row_filters.push_back(ParseExpression("country = 'FR'").value());
  catalog_.tables[0].policy.field_rules[7].action = FieldAction::kDeny;
  ASSERT_OK_AND_ASSIGN(BoundStatement bound,
                       BindText("SELECT count(*) FROM cpu WHERE usage_user > 1"));
  EXPECT_EQ(ToString(*bound.plan.filter), "((#1 = 'FR') AND (#0 > 1))");
}

TEST_F(BinderTest, PushdownMovesTimeBoundsAndSimplePredicatesIntoTheScan) {
  ASSERT_OK_AND_ASSIGN(
      BoundStatement bound,
      BindText("SELECT max(usage_user) FROM cpu WHERE hostname IN ('host_1', 'host_2') AND "
               "time >= '2016-01-01T00:00:00Z' AND time < '2016-01-01T01:00:00Z' AND "
               "usage_user > 90 AND lower(hostname) = 'x'"));
  PushDownPredicates(bound.plan);
  const QueryPlan& plan = bound.plan;
  EXPECT_EQ(plan.scan.min_time, 1451606400000000);
  EXPECT_EQ(plan.scan.max_time, 1451610000000000);
  ASSERT_EQ(plan.scan.predicates.size(), 2u);
  EXPECT_EQ(plan.scan.predicates[0].op, types::CompareOp::kIn);
  EXPECT_EQ(plan.scan.predicates[1].op, types::CompareOp::kGt);
  ASSERT_NE(plan.filter, nullptr);
  EXPECT_EQ(ToString(*plan.filter), "(lower(#0) = 'x')");
}

TEST_F(BinderTest, LimitAndOffsetNeedNonNegativeIntegers) {
  params_["n"] = int64_t{5};
  ASSERT_OK_AND_ASSIGN(BoundStatement bound, BindText("SELECT 1 FROM cpu LIMIT $n OFFSET 2"));
  EXPECT_EQ(bound.plan.limit, 5);
  EXPECT_EQ(bound.plan.offset, 2);
  params_["neg"] = int64_t{-1};
  EXPECT_EQ(ErrorOf("SELECT 1 FROM cpu LIMIT $neg"),
            "line 1, column 25: LIMIT needs a non-negative integer");
}

TEST_F(BinderTest, SelectWithoutFrom) {
  ASSERT_OK_AND_ASSIGN(BoundStatement bound, BindText("SELECT 1 + 1 AS two, now()"));
  EXPECT_TRUE(bound.plan.dataset.empty());
  EXPECT_EQ(bound.plan.outputs[1].type, DataType::kTimestamp);
}

}  // namespace
}  // namespace strata::sql
