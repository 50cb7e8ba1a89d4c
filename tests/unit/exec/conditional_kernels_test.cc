// CASE and COALESCE.
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kBool = DataType::kBool;
constexpr DataType kInt = DataType::kInt64;
constexpr DataType kStr = DataType::kString;

TEST(ConditionalKernelsTest, CaseTakesFirstTrueWhen) {
  // CASE WHEN x > 10 THEN 'big' WHEN x > 0 THEN 'small' ELSE label END
  BoundExprPtr expr =
      Call(FuncId::kCase, kStr, Call(FuncId::kGt, kBool, Col(0, kInt), Lit(I(10), kInt)),
           Lit(S("big"), kStr), Call(FuncId::kGt, kBool, Col(0, kInt), Lit(I(0), kInt)),
           Lit(S("small"), kStr), Col(1, kStr));
  expr->has_else = true;
  EXPECT_EQ(Eval(*expr, {MakeVector(kInt, {I(20), I(5), I(-1), kNull, I(-2)}),
                         MakeVector(kStr, {S("a"), S("b"), S("neg"), S("null"), kNull})}),
            (std::vector<Value>{S("big"), S("small"), S("neg"), S("null"), kNull}));
}

TEST(ConditionalKernelsTest, CaseWithoutElseIsNull) {
  BoundExprPtr expr = Call(FuncId::kCase, kInt, Col(0, kBool), Col(1, kInt));
  EXPECT_EQ(Eval(*expr, {MakeVector(kBool, {B(true), B(false), kNull}),
                         MakeVector(kInt, {I(1), I(2), I(3)})}),
            (std::vector<Value>{I(1), kNull, kNull}));
}

TEST(ConditionalKernelsTest, CaseWithScalarsOnly) {
  BoundExprPtr expr = Call(FuncId::kCase, DataType::kFloat64, Lit(B(false), kBool),
                           Lit(D(1), DataType::kFloat64), Lit(D(2.5), DataType::kFloat64));
  expr->has_else = true;
  EXPECT_EQ(Eval(*expr, {}, 2), (std::vector<Value>{D(2.5), D(2.5)}));
}

TEST(ConditionalKernelsTest, CoalesceTakesFirstNonNull) {
  BoundExprPtr expr =
      Call(FuncId::kCoalesce, kStr, Col(0, kStr), Col(1, kStr), Lit(S("none"), kStr));
  EXPECT_EQ(Eval(*expr, {MakeVector(kStr, {S("a"), kNull, kNull}),
                         MakeVector(kStr, {S("b"), S("c"), kNull})}),
            (std::vector<Value>{S("a"), S("c"), S("none")}));
}

TEST(ConditionalKernelsTest, CoalesceOfNullsIsNull) {
  const Outcome outcome = RunBoth(*Call(FuncId::kCoalesce, kInt, Col(0, kInt), Lit(kNull, kInt)),
                                  {MakeVector(kInt, {kNull, I(2)})});
  EXPECT_EQ(outcome.values, (std::vector<Value>{kNull, I(2)}));
  const Outcome all_valid = RunBoth(*Call(FuncId::kCoalesce, kInt, Col(0, kInt), Lit(I(0), kInt)),
                                    {MakeVector(kInt, {kNull, I(2)})});
  EXPECT_EQ(all_valid.values, (std::vector<Value>{I(0), I(2)}));
  EXPECT_FALSE(all_valid.plain.has_nulls());
}

}  // namespace
}  // namespace strata::exec::testing
