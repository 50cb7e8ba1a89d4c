#include "sql/parser.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"
#include "sql/interval.h"
#include "test_util.h"

namespace strata::sql {
namespace {

// The canonical form of a standalone expression, or "ERROR <message>".
std::string E(std::string_view text) {
  Result<ExprPtr> expr = ParseExpression(text);
  if (!expr.ok()) return "ERROR " + std::string(expr.status().message());
  return DebugString(**expr);
}

// The canonical form of a statement, or "ERROR <message>".
std::string S(std::string_view sql) {
  Result<Statement> statement = ParseStatement(sql);
  if (!statement.ok()) return "ERROR " + std::string(statement.status().message());
  return DebugString(*statement);
}

// The message of a statement that must not parse; checks its code and problem code.
std::string Error(std::string_view sql) {
  Result<Statement> statement = ParseStatement(sql);
  if (statement.ok()) return "parsed as " + DebugString(*statement);
  EXPECT_EQ(statement.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(statement.status().problem_code(), "sql_syntax");
  return std::string(statement.status().message());
}

std::string_view TextOf(std::string_view sql, const Expr& expr) {
  return sql.substr(expr.pos.offset, expr.end_offset - expr.pos.offset);
}

// ---- TSBS query shapes (bench/TSBS.md) ----

TEST(ParserTest, TsbsSingleGroupby) {
  EXPECT_EQ(S("SELECT time_bucket('60 seconds', time) AS minute, max(usage_user) AS max_usage_user "
              "FROM cpu WHERE hostname IN ('host_9', 'host_3') AND time >= "
              "'2016-01-01T08:05:58Z' AND time < '2016-01-01T09:05:58Z' GROUP BY minute ORDER "
              "BY minute"),
            "(select (items (AS (time_bucket '60 seconds' time) minute) (AS (max usage_user) "
            "max_usage_user)) (from cpu) (where (AND (AND (IN hostname 'host_9' 'host_3') (>= "
            "time '2016-01-01T08:05:58Z')) (< time '2016-01-01T09:05:58Z'))) (group-by minute) "
            "(order-by (minute)))");
}

TEST(ParserTest, TsbsDoubleGroupbyWithCommonTable) {
  EXPECT_EQ(S("WITH cpu_avg AS (SELECT time_bucket('3600 seconds', time) AS hour, hostname, "
              "avg(usage_user) AS mean_usage_user FROM cpu WHERE time >= '2016-01-01T00:00:00Z' "
              "AND time < '2016-01-01T12:00:00Z' GROUP BY 1, 2) SELECT hour, hostname, "
              "mean_usage_user FROM cpu_avg ORDER BY hour, hostname"),
            "(with (cpu_avg (select (items (AS (time_bucket '3600 seconds' time) hour) hostname "
            "(AS (avg usage_user) mean_usage_user)) (from cpu) (where (AND (>= time "
            "'2016-01-01T00:00:00Z') (< time '2016-01-01T12:00:00Z'))) (group-by 1 2)))) "
            "(select (items hour hostname mean_usage_user) (from cpu_avg) (order-by (hour) "
            "(hostname)))");
}

TEST(ParserTest, TsbsHighCpu) {
  EXPECT_EQ(S("SELECT * FROM cpu WHERE usage_user > 90.0 AND time >= '2016-01-01T00:00:00Z' AND "
              "time < '2016-01-01T12:00:00Z' AND hostname IN ('host_7')"),
            "(select (items *) (from cpu) (where (AND (AND (AND (> usage_user 90.0) (>= time "
            "'2016-01-01T00:00:00Z')) (< time '2016-01-01T12:00:00Z')) (IN hostname "
            "'host_7'))))");
}

TEST(ParserTest, TsbsLastpoint) {
  EXPECT_EQ(S("SELECT DISTINCT ON (hostname) * FROM cpu ORDER BY hostname, time DESC"),
            "(select (distinct-on hostname) (items *) (from cpu) (order-by (hostname) (time "
            "DESC)))");
}

TEST(ParserTest, TsbsGroupbyOrderbyLimit) {
  EXPECT_EQ(S("SELECT time_bucket('60 seconds', time) AS minute, max(usage_user) FROM cpu WHERE "
              "time < '2016-01-01T12:00:00Z' GROUP BY minute ORDER BY minute DESC LIMIT 5"),
            "(select (items (AS (time_bucket '60 seconds' time) minute) (max usage_user)) (from "
            "cpu) (where (< time '2016-01-01T12:00:00Z')) (group-by minute) (order-by (minute "
            "DESC)) (limit 5))");
}

// ---- Statements ----

TEST(ParserTest, SelectWithoutFrom) {
  ASSERT_OK_AND_ASSIGN(Statement statement, ParseStatement("SELECT 1+1"));
  EXPECT_FALSE(statement.select->has_from);
  EXPECT_EQ(DebugString(statement), "(select (items (+ 1 1)))");
}

TEST(ParserTest, EveryClause) {
  EXPECT_EQ(S("select distinct a, t.b AS \"B\", c d, t.* from ds as t where a > 1 group by a, 2 "
              "having count(*) > 3 order by a asc nulls first, 2 desc nulls last, d "
              "limit $lim offset 10;"),
            "(select distinct (items a (AS t.b B) (AS c d) t.*) (from ds t) (where (> a 1)) "
            "(group-by a 2) (having (> (count *) 3)) (order-by (a NULLS FIRST) (2 DESC NULLS "
            "LAST) (d)) (limit $lim) (offset 10))");
}

TEST(ParserTest, OffsetMayComeBeforeLimit) {
  EXPECT_EQ(S("SELECT a FROM t OFFSET :o LIMIT $1"),
            "(select (items a) (from t) (limit $1) (offset $o))");
}

TEST(ParserTest, SubqueryInFrom) {
  EXPECT_EQ(S("SELECT m FROM (SELECT max(x) AS m FROM t) AS s WHERE m > 0"),
            "(select (items m) (from (select (items (AS (max x) m)) (from t)) s) (where (> m "
            "0)))");
  EXPECT_EQ(S("SELECT * FROM (SELECT 1) sub"), "(select (items *) (from (select (items 1)) sub))");
  EXPECT_EQ(S("SELECT * FROM (SELECT 1)"), "(select (items *) (from (select (items 1))))");
}

TEST(ParserTest, SeveralCommonTables) {
  EXPECT_EQ(S("WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b"),
            "(with (a (select (items (AS 1 x)))) (b (select (items x) (from a)))) (select "
            "(items *) (from b))");
}

TEST(ParserTest, Explain) {
  ASSERT_OK_AND_ASSIGN(Statement analyzed, ParseStatement("EXPLAIN ANALYZE SELECT 1"));
  EXPECT_TRUE(analyzed.explain);
  EXPECT_TRUE(analyzed.analyze);
  ASSERT_OK_AND_ASSIGN(Statement plain, ParseStatement("explain select 1"));
  EXPECT_TRUE(plain.explain);
  EXPECT_FALSE(plain.analyze);
  EXPECT_EQ(S("EXPLAIN WITH w AS (SELECT 1) SELECT * FROM w"),
            "EXPLAIN (with (w (select (items 1)))) (select (items *) (from w))");
}

TEST(ParserTest, CommentsAndQuotedIdentifiers) {
  EXPECT_EQ(S("/* lead */ SELECT \"from\", -- a reserved word, quoted\n \"Avg \"\"x\"\"\" "
              "FROM \"my data\" /* trailing */"),
            "(select (items from \"Avg \"\"x\"\"\") (from \"my data\"))");
}

TEST(ParserTest, NonReservedKeywordsAreNames) {
  EXPECT_EQ(S("SELECT first(x), last(x), on, by, nulls, analyze FROM interval ORDER BY last"),
            "(select (items (first x) (last x) on by nulls analyze) (from interval) (order-by "
            "(last)))");
  EXPECT_EQ(S("SELECT x first FROM t last"), "(select (items (AS x first)) (from t last))");
  EXPECT_EQ(S("SELECT DISTINCT on FROM t"), "(select distinct (items on) (from t))");
  EXPECT_EQ(S("SELECT t.from, t.order FROM t"), "(select (items t.from t.order) (from t))");
}

TEST(ParserTest, StatementPositions) {
  constexpr std::string_view kSql = "WITH w AS (SELECT 1)\nSELECT  a  +  b*2 ,c FROM w AS x";
  ASSERT_OK_AND_ASSIGN(Statement statement, ParseStatement(kSql));
  EXPECT_EQ(statement.with[0].pos.column, 6u);
  EXPECT_EQ(statement.with[0].select->pos.column, 12u);
  const Select& select = *statement.select;
  EXPECT_EQ(select.pos.line, 2u);
  EXPECT_EQ(select.pos.column, 1u);
  EXPECT_EQ(TextOf(kSql, *select.items[0].expr), "a  +  b*2");
  EXPECT_EQ(TextOf(kSql, *select.items[1].expr), "c");
  EXPECT_EQ(select.from.pos.line, 2u);
  EXPECT_EQ(select.from.pos.column, 27u);
}

// ---- Expressions ----

TEST(ParserTest, Precedence) {
  EXPECT_EQ(E("a OR b AND NOT c = d + e * -f"), "(OR a (AND b (NOT (= c (+ d (* e (- f)))))))");
  EXPECT_EQ(E("a * b + c * d"), "(+ (* a b) (* c d))");
  EXPECT_EQ(E("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(E("a / b % c"), "(% (/ a b) c)");
  EXPECT_EQ(E("a || b + c"), "(|| a (+ b c))");
  EXPECT_EQ(E("a || b = c"), "(= (|| a b) c)");
  EXPECT_EQ(E("(a OR b) AND c"), "(AND (OR a b) c)");
  EXPECT_EQ(E("NOT a AND b"), "(AND (NOT a) b)");
  EXPECT_EQ(E("NOT NOT a"), "(NOT (NOT a))");
  EXPECT_EQ(E("a AND b OR c AND d"), "(OR (AND a b) (AND c d))");
  EXPECT_EQ(E("-a * b"), "(* (- a) b)");
  EXPECT_EQ(E("- -a"), "(- (- a))");
  EXPECT_EQ(E("+a"), "(+ a)");
  EXPECT_EQ(E("-x::int"), "(- (:: x int))");
  EXPECT_EQ(E("a + b::float"), "(+ a (:: b float))");
  EXPECT_EQ(E("j->'a'->>'b'"), "(->> (-> j 'a') 'b')");
  EXPECT_EQ(E("j->'a'::int"), "(:: (-> j 'a') int)");
  EXPECT_EQ(E("j::json->'a'"), "(-> (:: j json) 'a')");
  EXPECT_EQ(E("-j->'a'"), "(- (-> j 'a'))");
  EXPECT_EQ(E("a = b AND c <> d OR e != f"), "(OR (AND (= a b) (<> c d)) (<> e f))");
  EXPECT_EQ(E("a < b AND a <= b AND a > b AND a >= b"),
            "(AND (AND (AND (< a b) (<= a b)) (> a b)) (>= a b))");
}

TEST(ParserTest, Literals) {
  EXPECT_EQ(E("42"), "42");
  EXPECT_EQ(E("-42"), "-42");
  EXPECT_EQ(E("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(E("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(E("1.5"), "1.5");
  EXPECT_EQ(E(".5"), "0.5");
  EXPECT_EQ(E("1e3"), "1000.0");
  EXPECT_EQ(E("2.5E-3"), "0.0025");
  EXPECT_EQ(E("-1.5"), "-1.5");
  EXPECT_EQ(E("'it''s'"), "'it''s'");
  EXPECT_EQ(E("TRUE"), "TRUE");
  EXPECT_EQ(E("false"), "FALSE");
  EXPECT_EQ(E("NULL"), "NULL");
  EXPECT_EQ(E("1 - -2"), "(- 1 -2)");
  EXPECT_EQ(E("a-1"), "(- a 1)");
  ASSERT_OK_AND_ASSIGN(ExprPtr integer, ParseExpression("-9223372036854775808"));
  EXPECT_EQ(integer->literal_kind, LiteralKind::kInt);
  EXPECT_EQ(std::get<int64_t>(integer->value), INT64_MIN);
  ASSERT_OK_AND_ASSIGN(ExprPtr real, ParseExpression("1e3"));
  EXPECT_EQ(real->literal_kind, LiteralKind::kFloat);
  ASSERT_OK_AND_ASSIGN(ExprPtr null, ParseExpression("null"));
  EXPECT_EQ(null->literal_kind, LiteralKind::kNull);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(null->value));
}

TEST(ParserTest, Intervals) {
  EXPECT_EQ(E("INTERVAL '5 minutes'"), "(interval 300000000)");
  EXPECT_EQ(E("interval '1 hour 30 minutes'"), "(interval 5400000000)");
  EXPECT_EQ(E("INTERVAL '1h30m'"), "(interval 5400000000)");
  EXPECT_EQ(E("INTERVAL '250 ms'"), "(interval 250000)");
  EXPECT_EQ(E("INTERVAL '1.5 s'"), "(interval 1500000)");
  EXPECT_EQ(E("INTERVAL '2 weeks'"), "(interval 1209600000000)");
  EXPECT_EQ(E("INTERVAL '-1 day'"), "(interval -86400000000)");
  EXPECT_EQ(E("now() - INTERVAL '10 us'"), "(- (now) (interval 10))");
  ASSERT_OK_AND_ASSIGN(ExprPtr interval, ParseExpression("INTERVAL '1 d'"));
  EXPECT_EQ(interval->literal_kind, LiteralKind::kInterval);
  EXPECT_EQ(std::get<int64_t>(interval->value), int64_t{86'400'000'000});
}

TEST(ParserTest, IntervalUnits) {
  const std::pair<std::string_view, int64_t> kCases[] = {
      {"1 microsecond", 1},     {"2 microseconds", 2},        {"3us", 3},
      {"1 millisecond", 1'000}, {"2 milliseconds", 2'000},    {"3 MS", 3'000},
      {"1 second", 1'000'000},  {"2 seconds", 2'000'000},     {"3s", 3'000'000},
      {"1 minute", 60'000'000}, {"2 minutes", 120'000'000},   {"1 m", 60'000'000},
      {"1 min", 60'000'000},    {"1 hour", 3'600'000'000},    {"2 hours", 7'200'000'000},
      {"1h", 3'600'000'000},    {"1 day", 86'400'000'000},    {"2 days", 172'800'000'000},
      {"1d", 86'400'000'000},   {"1 week", 604'800'000'000},  {"1w", 604'800'000'000},
      {"0.000001 s", 1},        {" 1 d 2 h ", 93'600'000'000}};
  for (const auto& [text, micros] : kCases) {
    std::string error;
    const std::optional<int64_t> parsed = ParseIntervalMicros(text, error);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << error;
    EXPECT_EQ(*parsed, micros) << text;
  }
}

TEST(ParserTest, Parameters) {
  EXPECT_EQ(E("x = $1 AND y = :name AND z = $user.region"),
            "(AND (AND (= x $1) (= y $name)) (= z $user.region))");
}

TEST(ParserTest, Predicates) {
  EXPECT_EQ(E("a IN (1, 2, 3)"), "(IN a 1 2 3)");
  EXPECT_EQ(E("a NOT IN ('x')"), "(NOT IN a 'x')");
  EXPECT_EQ(E("a BETWEEN 1 AND 2"), "(BETWEEN a 1 2)");
  EXPECT_EQ(E("a NOT BETWEEN b + 1 AND c * 2 AND d"), "(AND (NOT BETWEEN a (+ b 1) (* c 2)) d)");
  EXPECT_EQ(E("a LIKE 'x%'"), "(LIKE a 'x%')");
  EXPECT_EQ(E("a NOT ILIKE 'x%' || y"), "(NOT ILIKE a (|| 'x%' y))");
  EXPECT_EQ(E("a IS NULL"), "(IS NULL a)");
  EXPECT_EQ(E("a + 1 IS NOT NULL"), "(IS NOT NULL (+ a 1))");
  EXPECT_EQ(E("NOT a IS NULL"), "(NOT (IS NULL a))");
  EXPECT_EQ(E("(a = b) = c"), "(= (= a b) c)");
}

TEST(ParserTest, PredicateFlags) {
  ASSERT_OK_AND_ASSIGN(ExprPtr like, ParseExpression("a NOT ILIKE 'x'"));
  EXPECT_EQ(like->kind, ExprKind::kLike);
  EXPECT_TRUE(like->negated);
  EXPECT_TRUE(like->case_insensitive);
  ASSERT_OK_AND_ASSIGN(ExprPtr json, ParseExpression("a->>'k'"));
  EXPECT_EQ(json->kind, ExprKind::kJsonAccess);
  EXPECT_TRUE(json->json_text);
}

TEST(ParserTest, FunctionsAndCasts) {
  EXPECT_EQ(E("now()"), "(now)");
  EXPECT_EQ(E("COUNT(*)"), "(count *)");
  EXPECT_EQ(E("count(DISTINCT hostname)"), "(count DISTINCT hostname)");
  EXPECT_EQ(E("Quantile(x, 0.99)"), "(quantile x 0.99)");
  EXPECT_EQ(E("coalesce(a, b, 'c')"), "(coalesce a b 'c')");
  EXPECT_EQ(E("CAST(x AS BIGINT)"), "(:: x bigint)");
  EXPECT_EQ(E("cast(x + 1 as Float64)"), "(:: (+ x 1) float64)");
  EXPECT_EQ(E("'1'::INT + 2"), "(+ (:: '1' int) 2)");
  EXPECT_EQ(E("x::text::json"), "(:: (:: x text) json)");
  EXPECT_EQ(E("EXTRACT(HOUR FROM time)"), "(extract 'hour' time)");
  EXPECT_EQ(E("extract(epoch from now() - t)"), "(extract 'epoch' (- (now) t))");
  ASSERT_OK_AND_ASSIGN(ExprPtr cast, ParseExpression("CAST(x AS Timestamp)"));
  EXPECT_EQ(cast->kind, ExprKind::kCast);
  EXPECT_EQ(cast->type_name, "timestamp");
}

TEST(ParserTest, CaseExpressions) {
  EXPECT_EQ(E("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END"),
            "(CASE (WHEN (> a 1) 'big') (WHEN (> a 0) 'small') (ELSE 'none'))");
  EXPECT_EQ(E("CASE region WHEN 'us' THEN 1 END"), "(CASE region (WHEN 'us' 1))");
  ASSERT_OK_AND_ASSIGN(ExprPtr simple, ParseExpression("CASE x WHEN 1 THEN 2 ELSE 3 END"));
  EXPECT_TRUE(simple->has_operand);
  EXPECT_TRUE(simple->has_else);
  EXPECT_EQ(simple->children.size(), 4u);
  ASSERT_OK_AND_ASSIGN(ExprPtr searched, ParseExpression("CASE WHEN b THEN 2 END"));
  EXPECT_FALSE(searched->has_operand);
  EXPECT_FALSE(searched->has_else);
  EXPECT_EQ(searched->children.size(), 2u);
}

TEST(ParserTest, ColumnsAndQualifiers) {
  ASSERT_OK_AND_ASSIGN(ExprPtr qualified, ParseExpression("\"T\".\"Col x\""));
  EXPECT_EQ(qualified->kind, ExprKind::kColumn);
  EXPECT_EQ(qualified->qualifier, "T");
  EXPECT_EQ(qualified->name, "Col x");
  ASSERT_OK_AND_ASSIGN(ExprPtr plain, ParseExpression("HostName"));
  EXPECT_EQ(plain->name, "HostName");  // As written; the binder matches names.
  EXPECT_TRUE(plain->qualifier.empty());
}

TEST(ParserTest, NodePositionsSpanTheirText) {
  constexpr std::string_view kText = "(a + b) * f(c, -1)  =  x::int";
  ASSERT_OK_AND_ASSIGN(ExprPtr expr, ParseExpression(kText));
  EXPECT_EQ(TextOf(kText, *expr), kText);
  const Expr& product = *expr->children[0];
  EXPECT_EQ(TextOf(kText, product), "(a + b) * f(c, -1)");
  EXPECT_EQ(TextOf(kText, *product.children[0]), "(a + b)");
  EXPECT_EQ(TextOf(kText, *product.children[0]->children[1]), "b");
  EXPECT_EQ(TextOf(kText, *product.children[1]), "f(c, -1)");
  EXPECT_EQ(TextOf(kText, *product.children[1]->children[1]), "-1");
  EXPECT_EQ(TextOf(kText, *expr->children[1]), "x::int");
  EXPECT_EQ(expr->pos.column, 1u);
  EXPECT_EQ(expr->children[1]->pos.column, 24u);
}

TEST(ParserTest, PositionsOfPredicatesAndLiterals) {
  constexpr std::string_view kText =
      "a NOT IN (1, 2) AND b IS NOT NULL AND c BETWEEN 1 AND 2 AND CASE WHEN d THEN 1 END = "
      "INTERVAL '1 s' AND e->>'k' LIKE 'x' AND CAST(f AS int) > $1";
  ASSERT_OK_AND_ASSIGN(ExprPtr expr, ParseExpression(kText));
  std::vector<std::string_view> conjuncts;
  const Expr* node = expr.get();
  while (node->kind == ExprKind::kBinary && node->op == Op::kAnd) {
    conjuncts.insert(conjuncts.begin(), TextOf(kText, *node->children[1]));
    node = node->children[0].get();
  }
  conjuncts.insert(conjuncts.begin(), TextOf(kText, *node));
  EXPECT_EQ(conjuncts,
            (std::vector<std::string_view>{"a NOT IN (1, 2)", "b IS NOT NULL", "c BETWEEN 1 AND 2",
                                           "CASE WHEN d THEN 1 END = INTERVAL '1 s'",
                                           "e->>'k' LIKE 'x'", "CAST(f AS int) > $1"}));
}

TEST(ParserTest, MultiLinePositions) {
  ASSERT_OK_AND_ASSIGN(Statement statement, ParseStatement("SELECT\n  a,\n\tbb + 1\nFROM t"));
  const Expr& second = *statement.select->items[1].expr;
  EXPECT_EQ(second.pos.line, 3u);
  EXPECT_EQ(second.pos.column, 2u);
  EXPECT_EQ(second.pos.offset, 13u);
  EXPECT_EQ(second.end_offset, 19u);
}

TEST(ParserTest, DeepButAllowedNesting) {
  std::string text;
  for (int level = 0; level < 200; ++level) text += "(";
  text += "1";
  for (int level = 0; level < 200; ++level) text += ")";
  EXPECT_EQ(E(text), "1");
  std::string sum = "1";
  for (int term = 0; term < 200; ++term) sum += " + 1";
  EXPECT_TRUE(ParseExpression(sum).ok());
  std::string in_list = "x IN (0";
  for (int value = 1; value < 100'000; ++value) in_list += ", " + std::to_string(value);
  in_list += ")";
  EXPECT_TRUE(ParseExpression(in_list).ok());  // Wide is fine; only depth is limited.
}

// ---- Errors: each says what was expected and what was found, where ----

TEST(ParserErrorTest, StatementShape) {
  EXPECT_EQ(Error(""), "line 1, column 1: empty statement");
  EXPECT_EQ(Error("  -- nothing\n ;"), "line 2, column 2: empty statement");
  EXPECT_EQ(Error("SELECT"), "line 1, column 7: expected an expression, found end of input");
  EXPECT_EQ(Error("SELECT FROM cpu"), "line 1, column 8: expected an expression, found 'FROM'");
  EXPECT_EQ(Error("SELECT * FROM"),
            "line 1, column 14: expected a dataset name or a subquery, found end of input");
  EXPECT_EQ(Error("SELECT * FROM WHERE x = 1"),
            "line 1, column 15: expected a dataset name or a subquery, found 'WHERE'");
  EXPECT_EQ(Error("SELECT 1 FROM t garbage more"),
            "line 1, column 25: expected end of statement, found 'more'");
  EXPECT_EQ(Error("SELECT 1; SELECT 2"),
            "line 1, column 11: expected end of input after ';' (one statement at a time), "
            "found 'SELECT'");
  EXPECT_EQ(Error("UPDATE t SET x = 1"), "line 1, column 1: expected SELECT, found 'UPDATE'");
  EXPECT_EQ(Error("SELECT * FROM t LIMIT 5 WHERE x = 1"),
            "line 1, column 25: expected end of statement, found 'WHERE'; clauses go in the "
            "order FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET, each at most once");
  EXPECT_EQ(Error("SELECT a FROM t GROUP a"), "line 1, column 23: expected BY, found 'a'");
  EXPECT_EQ(Error("SELECT a FROM t ORDER BY a NULLS"),
            "line 1, column 33: expected FIRST or LAST, found end of input");
  EXPECT_EQ(Error("WITH w AS SELECT 1 SELECT 2"),
            "line 1, column 11: expected '(', found 'SELECT'");
  EXPECT_EQ(Error("WITH w AS (SELECT 1) w2 AS (SELECT 2) SELECT 3"),
            "line 1, column 22: expected SELECT, found 'w2'");
  EXPECT_EQ(Error("SELECT * FROM (VALUES 1)"),
            "line 1, column 16: expected SELECT, found 'VALUES'");
  EXPECT_EQ(Error("SELECT DISTINCT ON (a SELECT"),
            "line 1, column 23: expected ',' or ')', found 'SELECT'");
  EXPECT_EQ(Error("SELECT * AS x FROM t"),
            "line 1, column 10: expected end of statement, found 'AS'");
}

TEST(ParserErrorTest, Expressions) {
  EXPECT_EQ(Error("SELECT 1 +"), "line 1, column 11: expected an expression, found end of input");
  EXPECT_EQ(Error("SELECT a = = b FROM t"), "line 1, column 12: expected an expression, found '='");
  EXPECT_EQ(Error("SELECT (1 + 2 FROM t"), "line 1, column 15: expected ')', found 'FROM'");
  EXPECT_EQ(Error("SELECT (1 + 2))"), "line 1, column 15: expected end of statement, found ')'");
  EXPECT_EQ(Error("SELECT f(a, b FROM t"), "line 1, column 15: expected ',' or ')', found 'FROM'");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a = b = c"),
            "line 1, column 29: expected end of comparison, found '='; comparisons do not "
            "chain, combine them with AND or parentheses");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a NOT BETWEEN 1 OR 2"),
            "line 1, column 39: expected AND after NOT BETWEEN x, found 'OR'");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a BETWEEN 1"),
            "line 1, column 34: expected AND after BETWEEN x, found end of input");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a IN 1"),
            "line 1, column 28: expected '(' after IN, found '1'");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a IN ()"),
            "line 1, column 29: expected an expression, found ')'");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a IS 5"),
            "line 1, column 28: expected NULL or NOT after IS, found '5'");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a IS NOT TRUE"),
            "line 1, column 32: expected NULL after IS NOT, found 'TRUE'");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a NOT b"),
            "line 1, column 25: expected end of statement, found 'NOT'");
  EXPECT_EQ(Error("SELECT CASE WHEN a THEN 1"),
            "line 1, column 26: expected WHEN, ELSE or END, found end of input");
  EXPECT_EQ(Error("SELECT CASE a END"), "line 1, column 15: expected WHEN, found 'END'");
  EXPECT_EQ(Error("SELECT CASE WHEN a 1 END"), "line 1, column 20: expected THEN, found '1'");
  EXPECT_EQ(Error("SELECT CAST(a AS) FROM t"),
            "line 1, column 17: expected a type name such as int, float, text or timestamp, "
            "found ')'");
  EXPECT_EQ(Error("SELECT CAST(a, int)"), "line 1, column 14: expected AS, found ','");
  EXPECT_EQ(Error("SELECT a:: FROM t"),
            "line 1, column 12: expected a type name such as int, float, text or timestamp, "
            "found 'FROM'");
  EXPECT_EQ(Error("SELECT EXTRACT(FROM t)"),
            "line 1, column 16: expected a field such as hour or epoch, found 'FROM'");
  EXPECT_EQ(Error("SELECT EXTRACT(hour t)"), "line 1, column 21: expected FROM, found 't'");
  EXPECT_EQ(Error("SELECT t.* + 1 FROM t"),
            "line 1, column 12: expected end of statement, found '+'");
  EXPECT_EQ(Error("SELECT a + * FROM t"), "line 1, column 12: expected an expression, found '*'");
  EXPECT_EQ(Error("SELECT t."),
            "line 1, column 10: expected a column name after 't.', found end of input");
  EXPECT_EQ(Error("SELECT count(DISTINCT *) FROM t"),
            "line 1, column 23: expected an expression, found '*'");
  EXPECT_EQ(Error("SELECT a FROM t WHERE a IN (SELECT b FROM u)"),
            "line 1, column 29: subqueries are only supported in FROM; list the values instead");
  EXPECT_EQ(Error("SELECT (SELECT 1)"), "line 1, column 9: subqueries are only supported in FROM");
}

TEST(ParserErrorTest, LiteralsAndLexicalErrors) {
  EXPECT_EQ(Error("SELECT 'abc FROM t"),
            "line 1, column 8: unterminated string: missing closing '");
  EXPECT_EQ(Error("SELECT a FORM t WHERE x = 'oops"),
            "line 1, column 10: expected end of statement, found 'FORM'; did you mean FROM?");
  EXPECT_EQ(Error("SELECT 9223372036854775808"),
            "line 1, column 8: integer 9223372036854775808 is out of range for int64");
  EXPECT_EQ(Error("SELECT -9223372036854775809"),
            "line 1, column 8: integer -9223372036854775809 is out of range for int64");
  EXPECT_EQ(Error("SELECT 1e999"), "line 1, column 8: number 1e999 is out of range for float64");
  EXPECT_EQ(Error("SELECT 123456789012345678901234567890123456789012345678901234567890"),
            "line 1, column 8: integer 1234567890123456789012345678901234567890... is out of "
            "range for int64");
  EXPECT_EQ(Error("SELECT a FROM t LIMIT 'x'"),
            "line 1, column 23: expected a non-negative integer or a parameter after LIMIT, "
            "found string 'x'");
  EXPECT_EQ(Error("SELECT a FROM t LIMIT -1"),
            "line 1, column 23: expected a non-negative integer or a parameter after LIMIT, "
            "found '-'");
  EXPECT_EQ(Error("SELECT a FROM t OFFSET a"),
            "line 1, column 24: expected a non-negative integer or a parameter after OFFSET, "
            "found 'a'");
  EXPECT_EQ(Error("SELECT a FROM t LIMIT 1 LIMIT 2"),
            "line 1, column 25: expected end of statement, found 'LIMIT'; clauses go in the "
            "order FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET, each at most once");
}

TEST(ParserErrorTest, Intervals) {
  EXPECT_EQ(Error("SELECT INTERVAL '5 fortnights'"),
            "line 1, column 17: invalid interval '5 fortnights': unknown unit 'fortnights'; use "
            "us, ms, s, m, h, d or w, or their full names");
  EXPECT_EQ(Error("SELECT INTERVAL '5 minuts'"),
            "line 1, column 17: invalid interval '5 minuts': unknown unit 'minuts' (did you "
            "mean 'minutes'?); use us, ms, s, m, h, d or w, or their full names");
  EXPECT_EQ(Error("SELECT INTERVAL '1 month'"),
            "line 1, column 17: invalid interval '1 month': interval units must be "
            "fixed-length; 'month' varies, use days or weeks");
  EXPECT_EQ(Error("SELECT INTERVAL '2 YEARS'"),
            "line 1, column 17: invalid interval '2 YEARS': interval units must be "
            "fixed-length; 'YEARS' varies, use days or weeks");
  EXPECT_EQ(Error("SELECT INTERVAL '5'"),
            "line 1, column 17: invalid interval '5': expected a unit after the number, e.g. "
            "'5 s'");
  EXPECT_EQ(Error("SELECT INTERVAL ''"),
            "line 1, column 17: invalid interval '': empty; write e.g. '5 minutes'");
  EXPECT_EQ(Error("SELECT INTERVAL 'minutes'"),
            "line 1, column 17: invalid interval 'minutes': expected a number, e.g. '5 "
            "minutes'");
  EXPECT_EQ(Error("SELECT INTERVAL '99999999999 weeks'"),
            "line 1, column 17: invalid interval '99999999999 weeks': out of range");
  EXPECT_EQ(Error("SELECT INTERVAL 5 minutes"),
            "line 1, column 17: expected a quoted interval after INTERVAL, such as INTERVAL "
            "'5 minutes', found '5'");
}

TEST(ParserErrorTest, ReservedWordsGetAQuotingHint) {
  EXPECT_EQ(Error("SELECT from FROM t"),
            "line 1, column 8: expected an expression, found 'from'; 'from' is a reserved word; "
            "quote it as \"from\"");
  EXPECT_EQ(Error("SELECT a, order FROM t"),
            "line 1, column 11: expected an expression, found 'order'; 'order' is a reserved "
            "word; quote it as \"order\"");
  EXPECT_EQ(Error("SELECT a FROM t WHERE end > 5"),
            "line 1, column 23: expected an expression, found 'end'; 'end' is a reserved word; "
            "quote it as \"end\"");
  EXPECT_EQ(Error("SELECT a AS select FROM t"),
            "line 1, column 13: expected an alias, found 'select'; 'select' is a reserved "
            "word; quote it as \"select\"");
  EXPECT_EQ(Error("SELECT a FROM group"),
            "line 1, column 15: expected a dataset name or a subquery, found 'group'; 'group' "
            "is a reserved word; quote it as \"group\"");
  EXPECT_EQ(Error("WITH limit AS (SELECT 1) SELECT 1"),
            "line 1, column 6: expected a name for the WITH query, found 'limit'; 'limit' is "
            "a reserved word; quote it as \"limit\"");
}

TEST(ParserErrorTest, MisspelledKeywordsGetASuggestion) {
  EXPECT_EQ(Error("SELECT * FORM cpu"),
            "line 1, column 10: expected end of statement, found 'FORM'; did you mean FROM?");
  EXPECT_EQ(Error("SELECT x FORM cpu"),
            "line 1, column 10: expected end of statement, found 'FORM'; did you mean FROM?");
  EXPECT_EQ(Error("SELECT x FROM cpu WHRE x > 1"),
            "line 1, column 19: expected end of statement, found 'WHRE'; did you mean WHERE?");
  EXPECT_EQ(Error("SELECT x FROM cpu GROPU BY x"),
            "line 1, column 19: expected end of statement, found 'GROPU'; did you mean GROUP?");
  EXPECT_EQ(Error("SELECT x FROM cpu ORDER BY x LIMT 5"),
            "line 1, column 30: expected end of statement, found 'LIMT'; did you mean LIMIT?");
  EXPECT_EQ(Error("SELCT * FROM cpu"),
            "line 1, column 1: expected SELECT, found 'SELCT'; did you mean SELECT?");
  EXPECT_EQ(Error("SELECT CASE WHEN a THNE 1 END"),
            "line 1, column 20: expected THEN, found 'THNE'; did you mean THEN?");
  // A real alias is not mistaken for a keyword.
  EXPECT_EQ(S("SELECT x form FROM cpu"), "(select (items (AS x form)) (from cpu))");
}

TEST(ParserErrorTest, ErrorsAfterNewlinesCountLines) {
  EXPECT_EQ(Error("SELECT a,\n       b\n  FROM t\n WHERE a = "),
            "line 4, column 12: expected an expression, found end of input");
  EXPECT_EQ(Error("SELECT a\n  FROM 't'"),
            "line 2, column 8: expected a dataset name or a subquery, found string 't'");
}

std::string TooDeepAt(int column) {
  return "line 1, column " + std::to_string(column) +
         ": expression nested too deeply (more than 256 levels)";
}

// The statement and its select list take two of the 256 levels.
TEST(ParserErrorTest, DeepNestingIsAnErrorNotACrash) {
  const std::string parens(100'000, '(');
  EXPECT_EQ(Error("SELECT " + parens + "1"), TooDeepAt(7 + 256));  // At the 256th '('.
  std::string nots;
  for (int level = 0; level < 100'000; ++level) nots += "NOT ";
  EXPECT_EQ(Error("SELECT " + nots + "x"), TooDeepAt(7 + 255 * 4 + 1));  // The 256th NOT.
  std::string calls;
  for (int level = 0; level < 100'000; ++level) calls += "f(";
  EXPECT_EQ(Error("SELECT " + calls), TooDeepAt(7 + 255 * 2 + 1));  // The 256th f.
  std::string subqueries = "SELECT * FROM ";
  for (int level = 0; level < 100'000; ++level) subqueries += "(SELECT * FROM ";
  EXPECT_EQ(Error(subqueries + "t"), TooDeepAt(14 + 255 * 15 + 2));  // The 256th SELECT.
  std::string cases;
  for (int level = 0; level < 300; ++level) cases += "CASE WHEN ";
  EXPECT_EQ(Error("SELECT " + cases), TooDeepAt(7 + 255 * 10 + 1));  // The 256th CASE.
}

// A long chain of left-associative operators needs no recursion to parse, but makes a tree as
// deep as it is long, which later recursive passes would walk.
TEST(ParserErrorTest, TreeHeightIsLimitedToo) {
  std::string sum = "1";
  for (int term = 0; term < 100'000; ++term) sum += "+1";
  EXPECT_EQ(Error("SELECT " + sum), TooDeepAt(8 + 256 * 2));  // The operand of the 256th '+'.
  std::string casts = "x";
  for (int term = 0; term < 300; ++term) casts += "::int";
  EXPECT_EQ(E(casts), "ERROR " + TooDeepAt(1 + 255 * 5 + 3));  // The type of the 256th cast.
  std::string nested = "x";
  for (int level = 0; level < 200; ++level) nested = "(" + nested + " + 1)";
  nested += " * 2";
  for (int level = 0; level < 100; ++level) nested += " * 2";
  EXPECT_NE(E(nested).find("nested too deeply"), std::string::npos);
}

TEST(ParserErrorTest, StandaloneExpressions) {
  Result<ExprPtr> empty = ParseExpression("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(),
            "line 1, column 1: expected an expression, found end of input");
  EXPECT_EQ(empty.status().problem_code(), "sql_syntax");
  EXPECT_EQ(E("a = 1 b"), "ERROR line 1, column 7: expected end of expression, found 'b'");
  EXPECT_EQ(E("a = 1;"), "ERROR line 1, column 6: expected end of expression, found ';'");
  EXPECT_EQ(E("*"), "ERROR line 1, column 1: expected an expression, found '*'");
  EXPECT_EQ(E("region = 'x"), "ERROR line 1, column 10: unterminated string: missing closing '");
}

// Every node of a parsed tree lies inside the text, after its parent's start.
void ExpectSpansInside(std::string_view text, const Expr& expr, uint32_t parent_start) {
  EXPECT_GE(expr.pos.offset, parent_start) << text;
  EXPECT_LE(expr.pos.offset, expr.end_offset) << text;
  EXPECT_LE(expr.end_offset, text.size()) << text;
  for (const ExprPtr& child : expr.children) ExpectSpansInside(text, *child, expr.pos.offset);
}

// Random token soup: the parser answers with a tree or a positioned sql_syntax error.
TEST(ParserFuzzTest, RandomTokensNeverCrash) {
  const std::vector<std::string_view> kPieces = {
      "SELECT", "FROM",  "WHERE",    "GROUP",    "BY",    "ORDER", "LIMIT", "AS",   "AND",  "OR",
      "NOT",    "IN",    "BETWEEN",  "LIKE",     "IS",    "NULL",  "CASE",  "WHEN", "THEN", "ELSE",
      "END",    "CAST",  "INTERVAL", "DISTINCT", "ON",    "WITH",  "first", "x",    "t",    "f",
      "1",      "2.5",   "'s'",      "'5 m'",    "$1",    ":p",    "(",     ")",    ",",    ".",
      "*",      "+",     "-",        "/",        "=",     "<>",    "::",    "->",   "->>",  "||",
      ";",      "--c\n", "/*",       "*/",       "\"q\"", "'"};
  std::mt19937 random(7);
  std::uniform_int_distribution<size_t> piece(0, kPieces.size() - 1);
  std::uniform_int_distribution<int> length(1, 24);
  int parsed = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string text = round % 2 == 0 ? "SELECT " : "";
    for (int count = length(random); count > 0; --count) {
      text += kPieces[piece(random)];
      text += ' ';
    }
    Result<ExprPtr> expr = ParseExpression(text);
    if (expr.ok()) {
      ++parsed;
      ExpectSpansInside(text, **expr, 0);
      EXPECT_FALSE(DebugString(**expr).empty());
    } else {
      EXPECT_EQ(expr.status().problem_code(), "sql_syntax") << text;
      EXPECT_TRUE(StartsWith(expr.status().message(), "line ")) << text;
    }
    Result<Statement> statement = ParseStatement(text);
    if (statement.ok()) {
      ++parsed;
      EXPECT_FALSE(DebugString(*statement).empty());
    } else {
      EXPECT_EQ(statement.status().problem_code(), "sql_syntax") << text;
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(SqlErrorTest, FormatsPositionAndProblemCode) {
  const Status status = SemanticError(SourcePos{10, 2, 3}, "column 'x' does not exist");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.problem_code(), "sql_semantic");
  EXPECT_EQ(status.message(), "line 2, column 3: column 'x' does not exist");
}

TEST(AstTest, OpSymbols) {
  EXPECT_EQ(OpSymbol(Op::kNe), "<>");
  EXPECT_EQ(OpSymbol(Op::kConcat), "||");
  EXPECT_EQ(OpSymbol(Op::kNot), "NOT");
  EXPECT_EQ(OpSymbol(Op::kMod), "%");
  EXPECT_EQ(OpSymbol(Op::kNone), "");
}

}  // namespace
}  // namespace strata::sql
