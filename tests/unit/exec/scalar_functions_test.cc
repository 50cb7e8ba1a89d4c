// The dispatcher's shared rules: scalar-only calls, NULL scalars, empty input, argument
// checks, and long inputs with NULLs in every bitmap word compared against row-by-row
// reference results.
#include <gtest/gtest.h>

#include <random>

#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kBool = DataType::kBool;
constexpr DataType kInt = DataType::kInt64;
constexpr DataType kStr = DataType::kString;

TEST(ScalarFunctionsTest, ScalarStringResultIsRepeatedInDictionaryForm) {
  const Outcome outcome =
      RunBoth(*Call(FuncId::kConcat, kStr, Lit(S("a"), kStr), Lit(S("b"), kStr)), {}, 1000);
  ASSERT_EQ(outcome.values.size(), 1000u);
  EXPECT_EQ(outcome.values[999], S("ab"));
  EXPECT_TRUE(outcome.plain.is_dictionary());
  EXPECT_EQ(outcome.plain.dictionary_size(), 1u);
}

TEST(ScalarFunctionsTest, NullScalarOfStringFunctionFillsNulls) {
  const Outcome outcome = RunBoth(*Call(FuncId::kLower, kStr, Lit(kNull, kStr)), {}, 10);
  EXPECT_EQ(outcome.values, std::vector<Value>(10, kNull));
  EXPECT_EQ(outcome.plain.NullCount(), 10u);
}

TEST(ScalarFunctionsTest, EmptyInputGivesEmptyResultOfTheType) {
  const Outcome outcome =
      RunBoth(*Call(FuncId::kLength, kInt, Col(0, kStr)), {MakeVector(kStr, {})});
  EXPECT_TRUE(outcome.values.empty());
  EXPECT_EQ(outcome.plain.type(), kInt);
}

TEST(ScalarFunctionsTest, VectorOfWrongLengthIsAnInternalError) {
  const ColumnVector column = MakeVector(kInt, {I(1), I(2)});
  BoundExprPtr expr = Call(FuncId::kNeg, kInt, Col(0, kInt));
  const Datum arg{&column, nullptr, kInt};
  ColumnVector out;
  EXPECT_EQ(EvalScalarFunction(*expr, {&arg, 1}, 3, out).code(), StatusCode::kInternal);
  EXPECT_EQ(EvalScalarFunction(*expr, {}, 2, out).code(), StatusCode::kInternal);
}

TEST(ScalarFunctionsTest, WrongArgumentTypesAreAnInternalErrorNotACrash) {
  const Status status = EvalError(*Call(FuncId::kAdd, kInt, Col(0, kStr), Col(1, kInt)),
                                  {MakeVector(kStr, {S("a")}), MakeVector(kInt, {I(1)})});
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.message(), "no kernel for +(string, int64) -> int64");
}

// Random bools, ints and strings with NULLs, long enough to span many validity words.
struct RandomColumns {
  std::vector<Value> bools, ints, strings;
};

RandomColumns MakeRandom(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* const kWords[] = {"apple", "Apple", "banana", "", "cherry", "é"};
  RandomColumns columns;
  for (size_t row = 0; row < rows; ++row) {
    columns.bools.push_back(rng() % 5 == 0 ? kNull : B(rng() % 2 == 0));
    columns.ints.push_back(rng() % 6 == 0 ? kNull : I(static_cast<int64_t>(rng() % 9) - 4));
    columns.strings.push_back(rng() % 7 == 0 ? kNull : S(kWords[rng() % 6]));
  }
  return columns;
}

std::optional<bool> AsTristate(const Value& value) {
  if (value == kNull) return std::nullopt;
  return std::get<bool>(value);
}

TEST(ScalarFunctionsTest, LongInputsMatchRowByRowReference) {
  const RandomColumns a = MakeRandom(777, 1), b = MakeRandom(777, 2);
  const std::vector<ColumnVector> columns = {
      MakeVector(kBool, a.bools), MakeVector(kBool, b.bools),  MakeVector(kInt, a.ints),
      MakeVector(kInt, b.ints),   MakeVector(kStr, a.strings), MakeVector(kStr, b.strings)};
  const std::vector<Value> and_result =
      Eval(*Call(FuncId::kAnd, kBool, Col(0, kBool), Col(1, kBool)), columns);
  const std::vector<Value> or_result =
      Eval(*Call(FuncId::kOr, kBool, Col(0, kBool), Col(1, kBool)), columns);
  const std::vector<Value> lt_ints =
      Eval(*Call(FuncId::kLt, kBool, Col(2, kInt), Col(3, kInt)), columns);
  const std::vector<Value> eq_strings =
      Eval(*Call(FuncId::kEq, kBool, Col(4, kStr), Col(5, kStr)), columns);
  const std::vector<Value> ge_scalar =
      Eval(*Call(FuncId::kGe, kBool, Col(4, kStr), Lit(S("banana"), kStr)), columns);
  for (size_t row = 0; row < a.bools.size(); ++row) {
    SCOPED_TRACE(row);
    const std::optional<bool> x = AsTristate(a.bools[row]), y = AsTristate(b.bools[row]);
    const Value expected_and = (x == false || y == false) ? B(false) : (x && y) ? B(true) : kNull;
    const Value expected_or = (x == true || y == true) ? B(true) : (x && y) ? B(false) : kNull;
    EXPECT_EQ(and_result[row], expected_and);
    EXPECT_EQ(or_result[row], expected_or);
    const bool ints_null = a.ints[row] == kNull || b.ints[row] == kNull;
    EXPECT_EQ(lt_ints[row], ints_null ? kNull : B(a.ints[row] < b.ints[row]));
    const bool strings_null = a.strings[row] == kNull || b.strings[row] == kNull;
    EXPECT_EQ(eq_strings[row], strings_null ? kNull : B(a.strings[row] == b.strings[row]));
    EXPECT_EQ(ge_scalar[row], a.strings[row] == kNull ? kNull : B(a.strings[row] >= S("banana")));
  }
}

}  // namespace
}  // namespace strata::exec::testing
