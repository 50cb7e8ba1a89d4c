// = <> < <= > >= over every comparable type, in every vector/scalar combination, with
// dictionary-form strings compared once per entry.
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kBool = DataType::kBool;
constexpr FuncId kOps[] = {FuncId::kEq, FuncId::kNe, FuncId::kLt,
                           FuncId::kLe, FuncId::kGt, FuncId::kGe};

bool Expected(FuncId func, int order) {  // order: <0, 0, >0 for a vs b.
  switch (func) {
    case FuncId::kEq: return order == 0;
    case FuncId::kNe: return order != 0;
    case FuncId::kLt: return order < 0;
    case FuncId::kLe: return order <= 0;
    case FuncId::kGt: return order > 0;
    default: return order >= 0;
  }
}

// Checks every operator on pairs (a[i], b[i]) whose order is order[i], in every
// vector/scalar combination. NULL rows of either side give NULL.
void CheckAllOperators(DataType type, const std::vector<Value>& a, const std::vector<Value>& b) {
  const ColumnVector lhs = MakeVector(type, a);
  const ColumnVector rhs = MakeVector(type, b);
  for (FuncId func : kOps) {
    std::vector<Value> expected;
    for (size_t row = 0; row < a.size(); ++row) {
      if (a[row] == kNull || b[row] == kNull) {
        expected.push_back(kNull);
      } else {
        expected.push_back(B(Expected(func, a[row] < b[row] ? -1 : b[row] < a[row] ? 1 : 0)));
      }
    }
    SCOPED_TRACE(std::string(sql::FuncName(func)) + " on " +
                 std::string(types::DataTypeName(type)));
    EXPECT_EQ(Eval(*Call(func, kBool, Col(0, type), Col(1, type)), {lhs, rhs}), expected);
    // Vector op scalar and scalar op vector, one scalar per row of the other side.
    for (size_t row = 0; row < a.size(); ++row) {
      std::vector<Value> column_expected;
      for (size_t other = 0; other < a.size(); ++other) {
        if (a[other] == kNull || b[row] == kNull) {
          column_expected.push_back(kNull);
        } else {
          column_expected.push_back(B(Expected(func, a[other] < b[row]   ? -1
                                                     : b[row] < a[other] ? 1
                                                                         : 0)));
        }
      }
      EXPECT_EQ(Eval(*Call(func, kBool, Col(0, type), Lit(b[row], type)), {lhs}), column_expected);
      std::vector<Value> mirrored;
      for (size_t other = 0; other < a.size(); ++other) {
        if (a[other] == kNull || b[row] == kNull) {
          mirrored.push_back(kNull);
        } else {
          mirrored.push_back(B(Expected(func, b[row] < a[other] ? -1 : a[other] < b[row] ? 1 : 0)));
        }
      }
      EXPECT_EQ(Eval(*Call(func, kBool, Lit(b[row], type), Col(0, type)), {lhs}), mirrored);
    }
  }
}

TEST(ComparisonKernelsTest, Int64) {
  CheckAllOperators(DataType::kInt64, {I(1), I(2), I(3), kNull, I(INT64_MIN)},
                    {I(2), I(2), I(-3), I(1), I(INT64_MAX)});
}

TEST(ComparisonKernelsTest, Float64) {
  CheckAllOperators(DataType::kFloat64, {D(1.5), D(-0.0), D(3), kNull},
                    {D(2), D(0.0), D(-3), D(1)});
}

TEST(ComparisonKernelsTest, BoolOrdersFalseBeforeTrue) {
  CheckAllOperators(kBool, {B(false), B(true), B(true), kNull},
                    {B(true), B(true), B(false), B(false)});
}

TEST(ComparisonKernelsTest, Timestamp) {
  CheckAllOperators(DataType::kTimestamp, {Ts("1969-12-31T23:59:59Z"), Ts("2024-02-29T00:00:00Z")},
                    {Ts("1970-01-01T00:00:00Z"), Ts("2024-02-29T00:00:00Z")});
}

TEST(ComparisonKernelsTest, StringsCompareBytewise) {
  // Upper case sorts before lower case; UTF-8 sorts by code point ("é" > "z").
  CheckAllOperators(DataType::kString, {S("a"), S("B"), S("é"), S(""), kNull, S("ab"), S("a")},
                    {S("b"), S("a"), S("z"), S(""), S("x"), S("a"), S("a")});
}

TEST(ComparisonKernelsTest, JsonComparesText) {
  CheckAllOperators(DataType::kJson, {S("{\"a\":1}"), S("[1]")}, {S("{\"a\":1}"), S("[2]")});
}

TEST(ComparisonKernelsTest, DictionaryWithUnusedEntriesMatchesPlain) {
  ColumnVector column = MakeVector(DataType::kString, {S("x"), S("y"), S("z"), S("w"), S("x")});
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  column.Truncate(2);  // Entries "z" and "w" stay, unused: the dictionary outgrows the rows.
  EXPECT_EQ(
      Eval(*Call(FuncId::kEq, kBool, Col(0, DataType::kString), Lit(S("y"), DataType::kString)),
           {column}),
      (std::vector<Value>{B(false), B(true)}));
}

TEST(ComparisonKernelsTest, DictionaryVectorAgainstScalarComparesEachEntryOnce) {
  ColumnVector column = MakeVector(DataType::kString, {S("b"), S("a"), kNull, S("b"), S("c")});
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  EXPECT_EQ(
      Eval(*Call(FuncId::kGe, kBool, Col(0, DataType::kString), Lit(S("b"), DataType::kString)),
           {column}),
      (std::vector<Value>{B(true), B(false), kNull, B(true), B(true)}));
  EXPECT_EQ(
      Eval(*Call(FuncId::kGe, kBool, Lit(S("b"), DataType::kString), Col(0, DataType::kString)),
           {column}),
      (std::vector<Value>{B(true), B(true), kNull, B(true), B(false)}));
}

TEST(ComparisonKernelsTest, NullScalarGivesNull) {
  EXPECT_EQ(Eval(*Call(FuncId::kEq, kBool, Col(0, DataType::kInt64), Lit(kNull, DataType::kInt64)),
                 {MakeVector(DataType::kInt64, {I(1), I(2)})}),
            (std::vector<Value>{kNull, kNull}));
}

TEST(ComparisonKernelsTest, MismatchedTypesAreAnInternalError) {
  const Status status =
      EvalError(*Call(FuncId::kEq, kBool, Col(0, DataType::kInt64), Col(1, DataType::kString)),
                {MakeVector(DataType::kInt64, {I(1)}), MakeVector(DataType::kString, {S("1")})});
  EXPECT_EQ(status.code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace strata::exec::testing
