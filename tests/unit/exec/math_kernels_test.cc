// abs, round, floor, ceil.
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kInt = DataType::kInt64;
constexpr DataType kFloat = DataType::kFloat64;

std::vector<Value> Unary(FuncId func, DataType type, const std::vector<Value>& values) {
  return Eval(*Call(func, type, Col(0, type)), {MakeVector(type, values)});
}

std::vector<Value> RoundTo(DataType type, const std::vector<Value>& values, int64_t digits) {
  return Eval(*Call(FuncId::kRound, type, Col(0, type), Lit(I(digits), kInt)),
              {MakeVector(type, values)});
}

TEST(MathKernelsTest, Abs) {
  EXPECT_EQ(Unary(FuncId::kAbs, kInt, {I(-3), I(3), kNull, I(INT64_MAX), I(-INT64_MAX)}),
            (std::vector<Value>{I(3), I(3), kNull, I(INT64_MAX), I(INT64_MAX)}));
  EXPECT_EQ(Unary(FuncId::kAbs, kFloat, {D(-1.5), D(-0.0), kNull}),
            (std::vector<Value>{D(1.5), D(0), kNull}));
}

TEST(MathKernelsTest, AbsOfInt64MinOverflows) {
  const Status status =
      EvalError(*Call(FuncId::kAbs, kInt, Col(0, kInt)), {MakeVector(kInt, {I(1), I(INT64_MIN)})});
  EXPECT_EQ(status.problem_code(), "numeric_overflow");
  EXPECT_EQ(status.message(), "integer overflow in abs");
}

TEST(MathKernelsTest, RoundHalfAwayFromZero) {
  EXPECT_EQ(Unary(FuncId::kRound, kFloat, {D(2.5), D(-2.5), D(0.49), D(-0.5), kNull}),
            (std::vector<Value>{D(3), D(-3), D(0), D(-1), kNull}));
  EXPECT_EQ(Unary(FuncId::kRound, kInt, {I(7), kNull}), (std::vector<Value>{I(7), kNull}));
}

TEST(MathKernelsTest, RoundToDigits) {
  EXPECT_EQ(RoundTo(kFloat, {D(3.14159), D(-3.14159), D(2.5)}, 2),
            (std::vector<Value>{D(3.14), D(-3.14), D(2.5)}));
  EXPECT_EQ(RoundTo(kFloat, {D(1250), D(-1250), D(1249.9)}, -2),
            (std::vector<Value>{D(1300), D(-1300), D(1200)}));
  EXPECT_EQ(RoundTo(kFloat, {D(1e300), D(0.125)}, 400), (std::vector<Value>{D(1e300), D(0.125)}));
  EXPECT_EQ(RoundTo(kFloat, {D(123.0)}, -400), (std::vector<Value>{D(0)}));
  EXPECT_EQ(RoundTo(kInt, {I(1250), I(-1250), I(1249), I(7)}, -2),
            (std::vector<Value>{I(1300), I(-1300), I(1200), I(0)}));
  EXPECT_EQ(RoundTo(kInt, {I(1234)}, 3), (std::vector<Value>{I(1234)}));
  EXPECT_EQ(RoundTo(kInt, {I(INT64_MAX)}, -40), (std::vector<Value>{I(0)}));
  EXPECT_EQ(RoundTo(kInt, {I(INT64_MAX)}, INT64_MIN), (std::vector<Value>{I(0)}));
}

TEST(MathKernelsTest, RoundIntegerPastInt64Overflows) {
  const Status status = EvalError(*Call(FuncId::kRound, kInt, Col(0, kInt), Lit(I(-1), kInt)),
                                  {MakeVector(kInt, {I(INT64_MAX)})});
  EXPECT_EQ(status.problem_code(), "numeric_overflow");
}

TEST(MathKernelsTest, RoundDigitsPerRowAndNull) {
  EXPECT_EQ(Eval(*Call(FuncId::kRound, kFloat, Col(0, kFloat), Col(1, kInt)),
                 {MakeVector(kFloat, {D(1.55), D(1.55), D(1.55)}),
                  MakeVector(kInt, {I(0), I(1), kNull})}),
            (std::vector<Value>{D(2), D(1.6), kNull}));
}

TEST(MathKernelsTest, FloorAndCeil) {
  EXPECT_EQ(Unary(FuncId::kFloor, kFloat, {D(1.5), D(-1.5), kNull}),
            (std::vector<Value>{D(1), D(-2), kNull}));
  EXPECT_EQ(Unary(FuncId::kCeil, kFloat, {D(1.5), D(-1.5), kNull}),
            (std::vector<Value>{D(2), D(-1), kNull}));
  EXPECT_EQ(Unary(FuncId::kFloor, kInt, {I(-3), kNull}), (std::vector<Value>{I(-3), kNull}));
  EXPECT_EQ(Unary(FuncId::kCeil, kInt, {I(INT64_MIN)}), (std::vector<Value>{I(INT64_MIN)}));
}

}  // namespace
}  // namespace strata::exec::testing
