// CAST between bool, int64, float64, string, timestamp and json.
#include <gtest/gtest.h>

#include <cmath>

#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kBool = DataType::kBool;
constexpr DataType kInt = DataType::kInt64;
constexpr DataType kFloat = DataType::kFloat64;
constexpr DataType kStr = DataType::kString;
constexpr DataType kTs = DataType::kTimestamp;
constexpr DataType kJson = DataType::kJson;

std::vector<Value> Cast(DataType from, DataType to, const std::vector<Value>& values) {
  return Eval(*Call(FuncId::kCast, to, Col(0, from)), {MakeVector(from, values)});
}

Status CastError(DataType from, DataType to, const std::vector<Value>& values) {
  return EvalError(*Call(FuncId::kCast, to, Col(0, from)), {MakeVector(from, values)});
}

TEST(CastKernelsTest, FromBool) {
  const std::vector<Value> in = {B(true), B(false), kNull};
  EXPECT_EQ(Cast(kBool, kInt, in), (std::vector<Value>{I(1), I(0), kNull}));
  EXPECT_EQ(Cast(kBool, kFloat, in), (std::vector<Value>{D(1), D(0), kNull}));
  EXPECT_EQ(Cast(kBool, kStr, in), (std::vector<Value>{S("true"), S("false"), kNull}));
  EXPECT_EQ(Cast(kBool, kJson, in), (std::vector<Value>{S("true"), S("false"), kNull}));
  EXPECT_EQ(Cast(kBool, kBool, in), in);
}

TEST(CastKernelsTest, FromInt64) {
  const std::vector<Value> in = {I(0), I(-42), kNull, I(1'000'000)};
  EXPECT_EQ(Cast(kInt, kBool, in), (std::vector<Value>{B(false), B(true), kNull, B(true)}));
  EXPECT_EQ(Cast(kInt, kFloat, in), (std::vector<Value>{D(0), D(-42), kNull, D(1e6)}));
  EXPECT_EQ(Cast(kInt, kStr, in), (std::vector<Value>{S("0"), S("-42"), kNull, S("1000000")}));
  EXPECT_EQ(Cast(kInt, kJson, in), (std::vector<Value>{S("0"), S("-42"), kNull, S("1000000")}));
  // int64 -> timestamp reads microseconds since the epoch.
  EXPECT_EQ(Cast(kInt, kTs, in),
            (std::vector<Value>{Ts("1970-01-01T00:00:00Z"), Ts("1969-12-31T23:59:59.999958Z"),
                                kNull, Ts("1970-01-01T00:00:01Z")}));
}

TEST(CastKernelsTest, FloatToIntRoundsHalfAwayFromZero) {
  EXPECT_EQ(Cast(kFloat, kInt, {D(2.5), D(-2.5), D(2.4), D(-0.5), kNull, D(1e18)}),
            (std::vector<Value>{I(3), I(-3), I(2), I(-1), kNull, I(1'000'000'000'000'000'000)}));
}

TEST(CastKernelsTest, FloatToIntFailsOnNanAndOutOfRange) {
  const Status nan = CastError(kFloat, kInt, {D(1), D(std::nan(""))});
  EXPECT_EQ(nan.problem_code(), "invalid_cast");
  EXPECT_NE(nan.message().find("NaN"), std::string_view::npos);
  const Status big = CastError(kFloat, kInt, {D(9.3e18)});
  EXPECT_EQ(big.problem_code(), "numeric_overflow");
  EXPECT_NE(big.message().find("9.3e+18"), std::string_view::npos) << big.message();
  EXPECT_EQ(CastError(kFloat, kInt, {D(-INFINITY)}).problem_code(), "numeric_overflow");
  // -2^63 itself fits.
  EXPECT_EQ(Cast(kFloat, kInt, {D(-9223372036854775808.0)}), (std::vector<Value>{I(INT64_MIN)}));
}

TEST(CastKernelsTest, FloatToText) {
  EXPECT_EQ(
      Cast(kFloat, kStr, {D(1.5), D(0.1), D(1e300), D(-0.0), D(NAN), D(INFINITY), D(-INFINITY)}),
      (std::vector<Value>{S("1.5"), S("0.1"), S("1e+300"), S("-0"), S("NaN"), S("Infinity"),
                          S("-Infinity")}));
  EXPECT_EQ(Cast(kFloat, kJson, {D(1.5), D(NAN)}), (std::vector<Value>{S("1.5"), S("null")}));
}

TEST(CastKernelsTest, FromTimestamp) {
  const std::vector<Value> in = {Ts("2016-01-01T13:45:12.345678Z"), kNull,
                                 Ts("1969-12-31T23:59:59Z")};
  EXPECT_EQ(Cast(kTs, kStr, in), (std::vector<Value>{S("2016-01-01T13:45:12.345678Z"), kNull,
                                                     S("1969-12-31T23:59:59Z")}));
  EXPECT_EQ(Cast(kTs, kInt, in), (std::vector<Value>{I(1451655912345678), kNull, I(-1'000'000)}));
  EXPECT_EQ(Cast(kTs, kJson, in), (std::vector<Value>{S("\"2016-01-01T13:45:12.345678Z\""), kNull,
                                                      S("\"1969-12-31T23:59:59Z\"")}));
}

TEST(CastKernelsTest, StringToScalars) {
  EXPECT_EQ(Cast(kStr, kInt, {S("42"), S(" -7 "), S("+3"), kNull}),
            (std::vector<Value>{I(42), I(-7), I(3), kNull}));
  EXPECT_EQ(Cast(kStr, kFloat, {S("1.5"), S("-1e3"), S(" 2 "), S("inf"), S("-Infinity")}),
            (std::vector<Value>{D(1.5), D(-1000), D(2), D(INFINITY), D(-INFINITY)}));
  EXPECT_EQ(Cast(kStr, kBool, {S("true"), S("F"), S("yes"), S("off"), S("1"), S("0")}),
            (std::vector<Value>{B(true), B(false), B(true), B(false), B(true), B(false)}));
  EXPECT_EQ(Cast(kStr, kTs, {S("2024-02-29T12:00:00Z"), S("2024-02-29T12:00:00+02:00")}),
            (std::vector<Value>{Ts("2024-02-29T12:00:00Z"), Ts("2024-02-29T10:00:00Z")}));
  EXPECT_EQ(Cast(kStr, kStr, {S("x"), kNull}), (std::vector<Value>{S("x"), kNull}));
}

TEST(CastKernelsTest, StringThatDoesNotConvertIsAnInvalidCast) {
  const Status status = CastError(kStr, kInt, {S("12"), S("12abc")});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.problem_code(), "invalid_cast");
  EXPECT_EQ(status.message(), "cannot cast string \"12abc\" to int64");
  EXPECT_EQ(CastError(kStr, kInt, {S("99999999999999999999")}).problem_code(), "invalid_cast");
  EXPECT_EQ(CastError(kStr, kInt, {S("")}).problem_code(), "invalid_cast");
  EXPECT_EQ(CastError(kStr, kInt, {S("1.5")}).problem_code(), "invalid_cast");
  EXPECT_EQ(CastError(kStr, kFloat, {S("1,5")}).problem_code(), "invalid_cast");
  EXPECT_EQ(CastError(kStr, kBool, {S("maybe")}).problem_code(), "invalid_cast");
  const Status ts = CastError(kStr, kTs, {S("2024-02-30T00:00:00Z")});
  EXPECT_EQ(ts.problem_code(), "invalid_cast");
  EXPECT_NE(ts.message().find("\"2024-02-30T00:00:00Z\""), std::string_view::npos);
  EXPECT_EQ(CastError(kStr, kJson, {S("{bad")}).problem_code(), "invalid_cast");
}

TEST(CastKernelsTest, LongValuesAreCutInMessages) {
  const Status status = CastError(kStr, kInt, {S(std::string(200, 'x'))});
  EXPECT_LT(status.message().size(), 100u);
  EXPECT_NE(status.message().find("...\""), std::string_view::npos);
}

TEST(CastKernelsTest, NullRowsAreNotConverted) {
  EXPECT_EQ(Cast(kStr, kInt, {kNull, S("5")}), (std::vector<Value>{kNull, I(5)}));
  EXPECT_EQ(Cast(kFloat, kInt, {kNull}), (std::vector<Value>{kNull}));
}

TEST(CastKernelsTest, UnusedDictionaryEntriesAreNotConverted) {
  ColumnVector column = MakeVector(kStr, {S("1"), S("2"), S("oops")});
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  column.Truncate(2);  // "oops" stays in the dictionary, used by no row.
  EXPECT_EQ(Eval(*Call(FuncId::kCast, kInt, Col(0, kStr)), {column}),
            (std::vector<Value>{I(1), I(2)}));
}

TEST(CastKernelsTest, StringToJsonParsesAndCompacts) {
  EXPECT_EQ(Cast(kStr, kJson, {S(" { \"a\" : [1, 2] } "), S("\"x\""), S("null")}),
            (std::vector<Value>{S("{\"a\":[1,2]}"), S("\"x\""), S("null")}));
}

TEST(CastKernelsTest, FromJson) {
  const std::vector<Value> in = {S("{\"a\":1}"), S("\"2024-01-01T00:00:00Z\""), kNull};
  EXPECT_EQ(Cast(kJson, kStr, in), in);  // Its text.
  EXPECT_EQ(Cast(kJson, kInt, {S("12"), S("null"), S("3.0")}),
            (std::vector<Value>{I(12), kNull, I(3)}));
  EXPECT_EQ(Cast(kJson, kFloat, {S("1.5")}), (std::vector<Value>{D(1.5)}));
  EXPECT_EQ(Cast(kJson, kBool, {S("true")}), (std::vector<Value>{B(true)}));
  EXPECT_EQ(Cast(kJson, kTs, {S("\"2024-01-01T00:00:00Z\"")}),
            (std::vector<Value>{Ts("2024-01-01T00:00:00Z")}));
  const Status status = CastError(kJson, kInt, {S("\"12\"")});
  EXPECT_EQ(status.problem_code(), "invalid_cast");
  EXPECT_NE(status.message().find("expected int64, got string"), std::string_view::npos)
      << status.message();
}

TEST(CastKernelsTest, UnsupportedPairIsAnInvalidCast) {
  EXPECT_EQ(CastError(kFloat, kTs, {D(1)}).problem_code(), "invalid_cast");
  EXPECT_EQ(CastError(kTs, kBool, {Ts("2024-01-01T00:00:00Z")}).problem_code(), "invalid_cast");
}

TEST(CastKernelsTest, ScalarArgument) {
  EXPECT_EQ(Eval(*Call(FuncId::kCast, kInt, Lit(S("7"), kStr)), {}, 3),
            (std::vector<Value>{I(7), I(7), I(7)}));
  EXPECT_EQ(EvalError(*Call(FuncId::kCast, kInt, Lit(S("x"), kStr)), {}, 3).problem_code(),
            "invalid_cast");
}

}  // namespace
}  // namespace strata::exec::testing
