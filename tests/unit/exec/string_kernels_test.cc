// lower, upper, length, substring, concat over UTF-8, in plain and dictionary form.
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kInt = DataType::kInt64;
constexpr DataType kStr = DataType::kString;

std::vector<Value> Unary(FuncId func, DataType type, const std::vector<Value>& values) {
  return Eval(*Call(func, type, Col(0, kStr)), {MakeVector(kStr, values)});
}

TEST(StringKernelsTest, LowerAndUpperMapAsciiOnly) {
  const std::vector<Value> in = {S("Hello World"), S("ÄbC"), kNull, S(""), S("123-_")};
  EXPECT_EQ(Unary(FuncId::kLower, kStr, in),
            (std::vector<Value>{S("hello world"), S("Äbc"), kNull, S(""), S("123-_")}));
  EXPECT_EQ(Unary(FuncId::kUpper, kStr, in),
            (std::vector<Value>{S("HELLO WORLD"), S("ÄBC"), kNull, S(""), S("123-_")}));
}

TEST(StringKernelsTest, LowerOfDictionaryIsDictionaryWithDistinctEntries) {
  ColumnVector column = MakeVector(kStr, {S("A"), S("a"), kNull, S("B"), S("A")});
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  const Outcome outcome = RunBoth(*Call(FuncId::kLower, kStr, Col(0, kStr)), {column});
  EXPECT_EQ(outcome.values, (std::vector<Value>{S("a"), S("a"), kNull, S("b"), S("a")}));
  ASSERT_TRUE(outcome.plain.is_dictionary());
  EXPECT_EQ(outcome.plain.dictionary_size(), 3u);  // "a", "", "b": "A" and "a" merge.
  EXPECT_EQ(outcome.plain.codes()[0], outcome.plain.codes()[1]);
}

TEST(StringKernelsTest, DictionaryLargerThanRowsIsProcessedPerRow) {
  ColumnVector column = MakeVector(kStr, {S("Q"), S("R"), S("S"), S("T")});
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  column.Truncate(1);  // Four entries, one row.
  const Outcome outcome = RunBoth(*Call(FuncId::kLower, kStr, Col(0, kStr)), {column});
  EXPECT_EQ(outcome.values, (std::vector<Value>{S("q")}));
}

TEST(StringKernelsTest, LengthCountsCodePoints) {
  EXPECT_EQ(Unary(FuncId::kLength, kInt, {S("hello"), S("héllo"), S(""), S("😀!"), kNull}),
            (std::vector<Value>{I(5), I(5), I(0), I(2), kNull}));
}

std::vector<Value> Substring(const std::vector<Value>& texts, int64_t start,
                             std::optional<int64_t> count) {
  BoundExprPtr expr = count ? Call(FuncId::kSubstring, kStr, Col(0, kStr), Lit(I(start), kInt),
                                   Lit(I(*count), kInt))
                            : Call(FuncId::kSubstring, kStr, Col(0, kStr), Lit(I(start), kInt));
  return Eval(*expr, {MakeVector(kStr, texts)});
}

TEST(StringKernelsTest, SubstringFollowsPostgres) {
  const std::vector<Value> hello = {S("hello")};
  EXPECT_EQ(Substring(hello, 2, 3), (std::vector<Value>{S("ell")}));
  EXPECT_EQ(Substring(hello, 1, 0), (std::vector<Value>{S("")}));
  EXPECT_EQ(Substring(hello, 0, 3), (std::vector<Value>{S("he")}));  // Positions 0..2.
  EXPECT_EQ(Substring(hello, -1, 3), (std::vector<Value>{S("h")}));  // Positions -1..1.
  EXPECT_EQ(Substring(hello, -5, 3), (std::vector<Value>{S("")}));
  EXPECT_EQ(Substring(hello, 3, std::nullopt), (std::vector<Value>{S("llo")}));
  EXPECT_EQ(Substring(hello, -3, std::nullopt), (std::vector<Value>{S("hello")}));
  EXPECT_EQ(Substring(hello, 10, std::nullopt), (std::vector<Value>{S("")}));
  EXPECT_EQ(Substring(hello, 4, 100), (std::vector<Value>{S("lo")}));
  EXPECT_EQ(Substring(hello, 2, INT64_MAX), (std::vector<Value>{S("ello")}));  // No overflow.
  EXPECT_EQ(Substring(hello, INT64_MIN, INT64_MAX), (std::vector<Value>{S("")}));
}

TEST(StringKernelsTest, SubstringCountsCodePoints) {
  EXPECT_EQ(Substring({S("héllo wörld"), kNull}, 2, 3), (std::vector<Value>{S("éll"), kNull}));
  EXPECT_EQ(Substring({S("😀a😀b")}, 3, 2), (std::vector<Value>{S("😀b")}));
}

TEST(StringKernelsTest, SubstringOfDictionaryIsDictionary) {
  ColumnVector column = MakeVector(kStr, {S("abc"), S("abd"), S("abc"), kNull});
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  const Outcome outcome = RunBoth(
      *Call(FuncId::kSubstring, kStr, Col(0, kStr), Lit(I(1), kInt), Lit(I(2), kInt)), {column});
  EXPECT_EQ(outcome.values, (std::vector<Value>{S("ab"), S("ab"), S("ab"), kNull}));
  EXPECT_TRUE(outcome.plain.is_dictionary());
}

TEST(StringKernelsTest, SubstringWithPerRowPositions) {
  EXPECT_EQ(Eval(*Call(FuncId::kSubstring, kStr, Col(0, kStr), Col(1, kInt), Col(2, kInt)),
                 {MakeVector(kStr, {S("abcdef"), S("abcdef"), S("abc")}),
                  MakeVector(kInt, {I(2), kNull, I(1)}), MakeVector(kInt, {I(2), I(1), I(1)})}),
            (std::vector<Value>{S("bc"), kNull, S("a")}));
}

TEST(StringKernelsTest, SubstringNegativeLengthIsAnError) {
  const Status status =
      EvalError(*Call(FuncId::kSubstring, kStr, Col(0, kStr), Lit(I(1), kInt), Lit(I(-1), kInt)),
                {MakeVector(kStr, {kNull, S("abc")})});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  // Only NULL rows: nothing to complain about.
  EXPECT_EQ(Eval(*Call(FuncId::kSubstring, kStr, Col(0, kStr), Lit(I(1), kInt), Lit(I(-1), kInt)),
                 {MakeVector(kStr, {kNull})}),
            (std::vector<Value>{kNull}));
}

TEST(StringKernelsTest, ConcatSkipsNullsAndFormatsOtherTypes) {
  EXPECT_EQ(
      Eval(*Call(FuncId::kConcat, kStr, Col(0, kStr), Lit(S("-"), kStr), Col(1, kInt),
                 Lit(B(true), DataType::kBool)),
           {MakeVector(kStr, {S("a"), kNull, S("é")}), MakeVector(kInt, {I(1), I(2), kNull})}),
      (std::vector<Value>{S("a-1true"), S("-2true"), S("é-true")}));
}

TEST(StringKernelsTest, ConcatOfNullsIsEmpty) {
  const Outcome outcome = RunBoth(*Call(FuncId::kConcat, kStr, Col(0, kStr), Lit(kNull, kStr)),
                                  {MakeVector(kStr, {kNull, S("x")})});
  EXPECT_EQ(outcome.values, (std::vector<Value>{S(""), S("x")}));
  EXPECT_FALSE(outcome.plain.has_nulls());
}

TEST(StringKernelsTest, ScalarArgument) {
  EXPECT_EQ(Eval(*Call(FuncId::kUpper, kStr, Lit(S("ab"), kStr)), {}, 2),
            (std::vector<Value>{S("AB"), S("AB")}));
  EXPECT_EQ(Eval(*Call(FuncId::kLength, kInt, Lit(kNull, kStr)), {}, 2),
            (std::vector<Value>{kNull, kNull}));
}

}  // namespace
}  // namespace strata::exec::testing
