// + - * / % and unary minus: every vector/scalar combination, NULLs, overflow, division by
// zero, float64 and timestamp arithmetic, and the dispatcher's scalar and empty cases.
#include <gtest/gtest.h>

#include <random>

#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kInt = DataType::kInt64;
constexpr DataType kFloat = DataType::kFloat64;
constexpr DataType kTs = DataType::kTimestamp;

std::vector<Value> IntBinary(FuncId func, std::vector<Value> lhs, std::vector<Value> rhs) {
  return Eval(*Call(func, kInt, Col(0, kInt), Col(1, kInt)),
              {MakeVector(kInt, lhs), MakeVector(kInt, rhs)});
}

TEST(ArithmeticKernelsTest, IntegerOperationsPropagateNull) {
  const std::vector<Value> lhs = {I(7), I(-7), kNull, I(10)};
  const std::vector<Value> rhs = {I(2), I(2), I(3), kNull};
  EXPECT_EQ(IntBinary(FuncId::kAdd, lhs, rhs), (std::vector<Value>{I(9), I(-5), kNull, kNull}));
  EXPECT_EQ(IntBinary(FuncId::kSub, lhs, rhs), (std::vector<Value>{I(5), I(-9), kNull, kNull}));
  EXPECT_EQ(IntBinary(FuncId::kMul, lhs, rhs), (std::vector<Value>{I(14), I(-14), kNull, kNull}));
  // Division truncates toward zero; the remainder takes the dividend's sign.
  EXPECT_EQ(IntBinary(FuncId::kDiv, lhs, rhs), (std::vector<Value>{I(3), I(-3), kNull, kNull}));
  EXPECT_EQ(IntBinary(FuncId::kMod, lhs, rhs), (std::vector<Value>{I(1), I(-1), kNull, kNull}));
}

TEST(ArithmeticKernelsTest, VectorScalarCombinationsAgree) {
  const ColumnVector column = MakeVector(kInt, {I(1), I(2), kNull, I(4)});
  EXPECT_EQ(Eval(*Call(FuncId::kSub, kInt, Col(0, kInt), Lit(I(10), kInt)), {column}),
            (std::vector<Value>{I(-9), I(-8), kNull, I(-6)}));
  EXPECT_EQ(Eval(*Call(FuncId::kSub, kInt, Lit(I(10), kInt), Col(0, kInt)), {column}),
            (std::vector<Value>{I(9), I(8), kNull, I(6)}));
  EXPECT_EQ(Eval(*Call(FuncId::kMul, kInt, Col(0, kInt), Col(0, kInt)), {column}),
            (std::vector<Value>{I(1), I(4), kNull, I(16)}));
}

TEST(ArithmeticKernelsTest, AllScalarArgumentsStillGiveEveryRow) {
  const Outcome outcome =
      RunBoth(*Call(FuncId::kAdd, kInt, Lit(I(2), kInt), Lit(I(3), kInt)), {}, 3);
  EXPECT_EQ(outcome.values, (std::vector<Value>{I(5), I(5), I(5)}));
  EXPECT_FALSE(outcome.plain.has_nulls());
  EXPECT_EQ(Eval(*Call(FuncId::kAdd, kInt, Lit(kNull, kInt), Lit(I(3), kInt)), {}, 2),
            (std::vector<Value>{kNull, kNull}));
  EXPECT_TRUE(Eval(*Call(FuncId::kAdd, kInt, Lit(I(2), kInt), Lit(I(3), kInt)), {}, 0).empty());
}

TEST(ArithmeticKernelsTest, NullScalarMakesEveryRowNull) {
  EXPECT_EQ(Eval(*Call(FuncId::kAdd, kInt, Col(0, kInt), Lit(kNull, kInt)),
                 {MakeVector(kInt, {I(1), I(2)})}),
            (std::vector<Value>{kNull, kNull}));
}

TEST(ArithmeticKernelsTest, ResultHasNoValidityWithoutNulls) {
  const Outcome outcome = RunBoth(*Call(FuncId::kAdd, kInt, Col(0, kInt), Col(1, kInt)),
                                  {MakeVector(kInt, {I(1), I(2)}), MakeVector(kInt, {I(3), I(4)})});
  EXPECT_FALSE(outcome.plain.has_nulls());
  EXPECT_TRUE(outcome.plain.validity().empty());
}

TEST(ArithmeticKernelsTest, IntegerOverflowIsAnError) {
  const Status add = EvalError(*Call(FuncId::kAdd, kInt, Col(0, kInt), Lit(I(1), kInt)),
                               {MakeVector(kInt, {I(1), I(INT64_MAX)})});
  EXPECT_EQ(add.problem_code(), "numeric_overflow");
  EXPECT_EQ(add.message(), "integer overflow in +");
  EXPECT_EQ(EvalError(*Call(FuncId::kSub, kInt, Lit(I(INT64_MIN), kInt), Col(0, kInt)),
                      {MakeVector(kInt, {I(1)})})
                .problem_code(),
            "numeric_overflow");
  EXPECT_EQ(EvalError(*Call(FuncId::kMul, kInt, Col(0, kInt), Col(0, kInt)),
                      {MakeVector(kInt, {I(int64_t{1} << 32)})})
                .message(),
            "integer overflow in *");
  EXPECT_EQ(EvalError(*Call(FuncId::kDiv, kInt, Col(0, kInt), Lit(I(-1), kInt)),
                      {MakeVector(kInt, {I(INT64_MIN)})})
                .problem_code(),
            "numeric_overflow");
  EXPECT_EQ(EvalError(*Call(FuncId::kNeg, kInt, Col(0, kInt)), {MakeVector(kInt, {I(INT64_MIN)})})
                .problem_code(),
            "numeric_overflow");
}

TEST(ArithmeticKernelsTest, OverflowInNullRowIsNotAnError) {
  // The NULL row's slot holds 0, and 0 - INT64_MIN overflows: that row is NULL, no error.
  EXPECT_EQ(Eval(*Call(FuncId::kSub, kInt, Col(0, kInt), Col(1, kInt)),
                 {MakeVector(kInt, {kNull, I(5)}), MakeVector(kInt, {I(INT64_MIN), I(1)})}),
            (std::vector<Value>{kNull, I(4)}));
  EXPECT_EQ(Eval(*Call(FuncId::kDiv, kInt, Col(0, kInt), Col(1, kInt)),
                 {MakeVector(kInt, {I(INT64_MIN), I(6)}), MakeVector(kInt, {kNull, I(-1)})}),
            (std::vector<Value>{kNull, I(-6)}));
}

TEST(ArithmeticKernelsTest, ModuloOfMinByMinusOneIsZero) {
  EXPECT_EQ(IntBinary(FuncId::kMod, {I(INT64_MIN)}, {I(-1)}), (std::vector<Value>{I(0)}));
}

TEST(ArithmeticKernelsTest, DivisionByZeroIsNull) {
  EXPECT_EQ(IntBinary(FuncId::kDiv, {I(1), I(4), I(0)}, {I(0), I(2), I(0)}),
            (std::vector<Value>{kNull, I(2), kNull}));
  EXPECT_EQ(IntBinary(FuncId::kMod, {I(1), I(5)}, {I(0), I(3)}), (std::vector<Value>{kNull, I(2)}));
  EXPECT_EQ(Eval(*Call(FuncId::kDiv, kInt, Col(0, kInt), Lit(I(0), kInt)),
                 {MakeVector(kInt, {I(1), I(2)})}),
            (std::vector<Value>{kNull, kNull}));
  EXPECT_EQ(Eval(*Call(FuncId::kDiv, kFloat, Col(0, kFloat), Col(1, kFloat)),
                 {MakeVector(kFloat, {D(1), D(3)}), MakeVector(kFloat, {D(0), D(2)})}),
            (std::vector<Value>{kNull, D(1.5)}));
  EXPECT_EQ(Eval(*Call(FuncId::kMod, kFloat, Col(0, kFloat), Lit(D(0), kFloat)),
                 {MakeVector(kFloat, {D(1)})}),
            (std::vector<Value>{kNull}));
}

TEST(ArithmeticKernelsTest, FloatOperations) {
  const std::vector<ColumnVector> columns = {MakeVector(kFloat, {D(1.5), kNull, D(-3)}),
                                             MakeVector(kFloat, {D(0.5), D(1), D(2)})};
  EXPECT_EQ(Eval(*Call(FuncId::kAdd, kFloat, Col(0, kFloat), Col(1, kFloat)), columns),
            (std::vector<Value>{D(2), kNull, D(-1)}));
  EXPECT_EQ(Eval(*Call(FuncId::kSub, kFloat, Col(0, kFloat), Col(1, kFloat)), columns),
            (std::vector<Value>{D(1), kNull, D(-5)}));
  EXPECT_EQ(Eval(*Call(FuncId::kMul, kFloat, Col(0, kFloat), Col(1, kFloat)), columns),
            (std::vector<Value>{D(0.75), kNull, D(-6)}));
  EXPECT_EQ(Eval(*Call(FuncId::kDiv, kFloat, Col(0, kFloat), Col(1, kFloat)), columns),
            (std::vector<Value>{D(3), kNull, D(-1.5)}));
  EXPECT_EQ(Eval(*Call(FuncId::kMod, kFloat, Col(0, kFloat), Col(1, kFloat)), columns),
            (std::vector<Value>{D(0), kNull, D(-1)}));
  EXPECT_EQ(Eval(*Call(FuncId::kNeg, kFloat, Col(0, kFloat)), columns),
            (std::vector<Value>{D(-1.5), kNull, D(3)}));
  // A float64 constant may hold an integer Value.
  EXPECT_EQ(Eval(*Call(FuncId::kMul, kFloat, Col(0, kFloat), Lit(I(2), kFloat)), columns),
            (std::vector<Value>{D(3), kNull, D(-6)}));
}

TEST(ArithmeticKernelsTest, TimestampArithmetic) {
  const ColumnVector ts = MakeVector(kTs, {Ts("2024-01-01T00:00:00Z"), kNull});
  EXPECT_EQ(Eval(*Call(FuncId::kAdd, kTs, Col(0, kTs), Lit(I(90'000'000), kInt)), {ts}),
            (std::vector<Value>{Ts("2024-01-01T00:01:30Z"), kNull}));
  EXPECT_EQ(Eval(*Call(FuncId::kAdd, kTs, Lit(I(-1), kInt), Col(0, kTs)), {ts}),
            (std::vector<Value>{Ts("2023-12-31T23:59:59.999999Z"), kNull}));
  EXPECT_EQ(Eval(*Call(FuncId::kSub, kTs, Col(0, kTs), Lit(I(86'400'000'000), kInt)), {ts}),
            (std::vector<Value>{Ts("2023-12-31T00:00:00Z"), kNull}));
  EXPECT_EQ(
      Eval(*Call(FuncId::kSub, kInt, Col(0, kTs), Lit(Ts("2023-12-31T23:00:00Z"), kTs)), {ts}),
      (std::vector<Value>{I(3'600'000'000), kNull}));
}

TEST(ArithmeticKernelsTest, Negation) {
  EXPECT_EQ(Eval(*Call(FuncId::kNeg, kInt, Col(0, kInt)), {MakeVector(kInt, {I(3), kNull, I(0)})}),
            (std::vector<Value>{I(-3), kNull, I(0)}));
}

TEST(ArithmeticKernelsTest, LongVectorsMatchRowByRowArithmetic) {
  std::mt19937_64 rng(42);
  std::vector<Value> lhs, rhs;
  for (int row = 0; row < 1000; ++row) {
    lhs.push_back(rng() % 7 == 0 ? kNull : I(static_cast<int64_t>(rng() % 2001) - 1000));
    rhs.push_back(rng() % 11 == 0 ? kNull : I(static_cast<int64_t>(rng() % 21) - 10));
  }
  for (FuncId func : {FuncId::kAdd, FuncId::kSub, FuncId::kMul, FuncId::kDiv, FuncId::kMod}) {
    const std::vector<Value> result = IntBinary(func, lhs, rhs);
    ASSERT_EQ(result.size(), lhs.size());
    for (size_t row = 0; row < lhs.size(); ++row) {
      if (lhs[row] == kNull || rhs[row] == kNull ||
          ((func == FuncId::kDiv || func == FuncId::kMod) && std::get<int64_t>(rhs[row]) == 0)) {
        EXPECT_EQ(result[row], kNull) << row;
        continue;
      }
      const int64_t a = std::get<int64_t>(lhs[row]), b = std::get<int64_t>(rhs[row]);
      const int64_t expected = func == FuncId::kAdd   ? a + b
                               : func == FuncId::kSub ? a - b
                               : func == FuncId::kMul ? a * b
                               : func == FuncId::kDiv ? a / b
                                                      : a % b;
      EXPECT_EQ(result[row], I(expected)) << row;
    }
  }
}

}  // namespace
}  // namespace strata::exec::testing
