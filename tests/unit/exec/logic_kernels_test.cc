// AND / OR / NOT truth tables (three-valued), IS [NOT] NULL, IN, LIKE / ILIKE.
#include <gtest/gtest.h>

#include "exec/like_pattern.h"
#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kBool = DataType::kBool;
constexpr DataType kInt = DataType::kInt64;
constexpr DataType kStr = DataType::kString;

// The 9 combinations of {true, false, NULL} x {true, false, NULL}.
const std::vector<Value> kLeft = {B(true),  B(true), B(true), B(false), B(false),
                                  B(false), kNull,   kNull,   kNull};
const std::vector<Value> kRight = {B(true), B(false), kNull,    B(true), B(false),
                                   kNull,   B(true),  B(false), kNull};

TEST(LogicKernelsTest, AndTruthTable) {
  EXPECT_EQ(Eval(*Call(FuncId::kAnd, kBool, Col(0, kBool), Col(1, kBool)),
                 {MakeVector(kBool, kLeft), MakeVector(kBool, kRight)}),
            (std::vector<Value>{B(true), B(false), kNull, B(false), B(false), B(false), kNull,
                                B(false), kNull}));
}

TEST(LogicKernelsTest, OrTruthTable) {
  EXPECT_EQ(Eval(*Call(FuncId::kOr, kBool, Col(0, kBool), Col(1, kBool)),
                 {MakeVector(kBool, kLeft), MakeVector(kBool, kRight)}),
            (std::vector<Value>{B(true), B(true), B(true), B(true), B(false), kNull, B(true), kNull,
                                kNull}));
}

TEST(LogicKernelsTest, AndOrWithScalars) {
  const ColumnVector column = MakeVector(kBool, {B(true), B(false), kNull});
  EXPECT_EQ(Eval(*Call(FuncId::kAnd, kBool, Col(0, kBool), Lit(kNull, kBool)), {column}),
            (std::vector<Value>{kNull, B(false), kNull}));
  EXPECT_EQ(Eval(*Call(FuncId::kOr, kBool, Lit(kNull, kBool), Col(0, kBool)), {column}),
            (std::vector<Value>{B(true), kNull, kNull}));
  EXPECT_EQ(Eval(*Call(FuncId::kAnd, kBool, Lit(B(false), kBool), Col(0, kBool)), {column}),
            (std::vector<Value>{B(false), B(false), B(false)}));
  EXPECT_EQ(Eval(*Call(FuncId::kOr, kBool, Col(0, kBool), Lit(B(true), kBool)), {column}),
            (std::vector<Value>{B(true), B(true), B(true)}));
  const Outcome outcome =
      RunBoth(*Call(FuncId::kOr, kBool, Col(0, kBool), Lit(B(true), kBool)), {column});
  EXPECT_FALSE(outcome.plain.has_nulls());  // No NULL result: no validity.
}

TEST(LogicKernelsTest, AndOfThreeArguments) {
  EXPECT_EQ(Eval(*Call(FuncId::kAnd, kBool, Col(0, kBool), Col(1, kBool), Lit(B(true), kBool)),
                 {MakeVector(kBool, kLeft), MakeVector(kBool, kRight)}),
            (std::vector<Value>{B(true), B(false), kNull, B(false), B(false), B(false), kNull,
                                B(false), kNull}));
}

TEST(LogicKernelsTest, NotKeepsNull) {
  EXPECT_EQ(Eval(*Call(FuncId::kNot, kBool, Col(0, kBool)),
                 {MakeVector(kBool, {B(true), B(false), kNull})}),
            (std::vector<Value>{B(false), B(true), kNull}));
}

TEST(LogicKernelsTest, IsNullAndIsNotNullAreNeverNull) {
  const ColumnVector column = MakeVector(kStr, {S("a"), kNull, S("")});
  const Outcome is_null = RunBoth(*Call(FuncId::kIsNull, kBool, Col(0, kStr)), {column});
  EXPECT_EQ(is_null.values, (std::vector<Value>{B(false), B(true), B(false)}));
  EXPECT_FALSE(is_null.plain.has_nulls());
  EXPECT_EQ(Eval(*Call(FuncId::kIsNotNull, kBool, Col(0, kStr)), {column}),
            (std::vector<Value>{B(true), B(false), B(true)}));
  EXPECT_EQ(Eval(*Call(FuncId::kIsNull, kBool, Lit(kNull, kInt)), {}, 2),
            (std::vector<Value>{B(true), B(true)}));
}

TEST(LogicKernelsTest, InIntegers) {
  const ColumnVector column = MakeVector(kInt, {I(1), I(2), kNull, I(4)});
  EXPECT_EQ(
      Eval(*Call(FuncId::kIn, kBool, Col(0, kInt), Lit(I(4), kInt), Lit(I(1), kInt)), {column}),
      (std::vector<Value>{B(true), B(false), kNull, B(true)}));
}

TEST(LogicKernelsTest, InWithNullInListIsTrueOrNull) {
  const ColumnVector column = MakeVector(kInt, {I(1), I(2)});
  EXPECT_EQ(
      Eval(*Call(FuncId::kIn, kBool, Col(0, kInt), Lit(I(1), kInt), Lit(kNull, kInt)), {column}),
      (std::vector<Value>{B(true), kNull}));
}

TEST(LogicKernelsTest, InStringsPlainAndDictionary) {
  const ColumnVector column = MakeVector(kStr, {S("fr"), S("de"), kNull, S("fr"), S("")});
  EXPECT_EQ(
      Eval(*Call(FuncId::kIn, kBool, Col(0, kStr), Lit(S("fr"), kStr), Lit(S(""), kStr)), {column}),
      (std::vector<Value>{B(true), B(false), kNull, B(true), B(true)}));
}

TEST(LogicKernelsTest, InFloatsAndBools) {
  EXPECT_EQ(
      Eval(*Call(FuncId::kIn, kBool, Col(0, DataType::kFloat64), Lit(D(0.5), DataType::kFloat64)),
           {MakeVector(DataType::kFloat64, {D(0.5), D(1)})}),
      (std::vector<Value>{B(true), B(false)}));
  EXPECT_EQ(Eval(*Call(FuncId::kIn, kBool, Col(0, kBool), Lit(B(false), kBool)),
                 {MakeVector(kBool, {B(true), B(false)})}),
            (std::vector<Value>{B(false), B(true)}));
}

TEST(LogicKernelsTest, InWithColumnsInTheListComparesRowByRow) {
  EXPECT_EQ(Eval(*Call(FuncId::kIn, kBool, Col(0, kInt), Col(1, kInt), Lit(I(7), kInt)),
                 {MakeVector(kInt, {I(1), I(7), I(3), I(4)}),
                  MakeVector(kInt, {I(1), I(2), kNull, I(5)})}),
            (std::vector<Value>{B(true), B(true), kNull, B(false)}));
}

// LIKE over one column of texts with a constant pattern.
std::vector<Value> Like(std::string pattern, const std::vector<Value>& texts,
                        bool case_insensitive = false) {
  BoundExprPtr expr = Call(FuncId::kLike, kBool, Col(0, kStr), Lit(S(std::move(pattern)), kStr));
  expr->case_insensitive = case_insensitive;
  return Eval(*expr, {MakeVector(kStr, texts)});
}

TEST(LogicKernelsTest, LikeWildcards) {
  const std::vector<Value> texts = {S("abc"), S("ab"), S(""), S("xabcx"), kNull, S("aXc")};
  EXPECT_EQ(Like("abc", texts),
            (std::vector<Value>{B(true), B(false), B(false), B(false), kNull, B(false)}));
  EXPECT_EQ(Like("ab%", texts),
            (std::vector<Value>{B(true), B(true), B(false), B(false), kNull, B(false)}));
  EXPECT_EQ(Like("%bc", texts),
            (std::vector<Value>{B(true), B(false), B(false), B(false), kNull, B(false)}));
  EXPECT_EQ(Like("%b%", texts),
            (std::vector<Value>{B(true), B(true), B(false), B(true), kNull, B(false)}));
  EXPECT_EQ(Like("a_c", texts),
            (std::vector<Value>{B(true), B(false), B(false), B(false), kNull, B(true)}));
  EXPECT_EQ(Like("%", texts),
            (std::vector<Value>{B(true), B(true), B(true), B(true), kNull, B(true)}));
  EXPECT_EQ(Like("%%", texts),
            (std::vector<Value>{B(true), B(true), B(true), B(true), kNull, B(true)}));
  EXPECT_EQ(Like("", texts),
            (std::vector<Value>{B(false), B(false), B(true), B(false), kNull, B(false)}));
  EXPECT_EQ(Like("_", texts),
            (std::vector<Value>{B(false), B(false), B(false), B(false), kNull, B(false)}));
  EXPECT_EQ(Like("%a%c%", texts),
            (std::vector<Value>{B(true), B(false), B(false), B(true), kNull, B(true)}));
  EXPECT_EQ(Like("a%c", texts),
            (std::vector<Value>{B(true), B(false), B(false), B(false), kNull, B(true)}));
}

TEST(LogicKernelsTest, LikeBacktracksAcrossRepeatedPrefixes) {
  EXPECT_EQ(Like("%aab", {S("aaab"), S("aaba"), S("aab")}),
            (std::vector<Value>{B(true), B(false), B(true)}));
  EXPECT_EQ(Like("a%b%c", {S("abbbc"), S("acb"), S("abcbc")}),
            (std::vector<Value>{B(true), B(false), B(true)}));
}

TEST(LogicKernelsTest, LikeEscapes) {
  const std::vector<Value> texts = {S("100%"), S("1000"), S("a_b"), S("axb"), S("a\\b")};
  EXPECT_EQ(Like("100\\%", texts),
            (std::vector<Value>{B(true), B(false), B(false), B(false), B(false)}));
  EXPECT_EQ(Like("a\\_b", texts),
            (std::vector<Value>{B(false), B(false), B(true), B(false), B(false)}));
  EXPECT_EQ(Like("a\\\\b", texts),
            (std::vector<Value>{B(false), B(false), B(false), B(false), B(true)}));
  EXPECT_EQ(Like("%\\%", texts),
            (std::vector<Value>{B(true), B(false), B(false), B(false), B(false)}));
  // "\\a" is a literal "a"; "_" then matches any character, the backslash included.
  EXPECT_EQ(Like("\\a_b", texts),
            (std::vector<Value>{B(false), B(false), B(true), B(true), B(true)}));
}

TEST(LogicKernelsTest, LikePatternEndingInEscapeIsAnError) {
  const Status status = EvalError(*Call(FuncId::kLike, kBool, Col(0, kStr), Lit(S("ab\\"), kStr)),
                                  {MakeVector(kStr, {S("ab")})});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("escape"), std::string_view::npos);
}

TEST(LogicKernelsTest, LikeUnderscoreMatchesOneCodePoint) {
  EXPECT_EQ(Like("caf_", {S("café"), S("cafe"), S("caf")}),
            (std::vector<Value>{B(true), B(true), B(false)}));
  EXPECT_EQ(Like("_", {S("€"), S("😀"), S("ab")}), (std::vector<Value>{B(true), B(true), B(false)}));
  EXPECT_EQ(Like("%_é", {S("aé"), S("é")}), (std::vector<Value>{B(true), B(false)}));
}

TEST(LogicKernelsTest, IlikeFoldsAsciiCase) {
  const std::vector<Value> texts = {S("Hello"), S("HELLO"), S("hELLo world"), S("ÉCOLE")};
  EXPECT_EQ(Like("hello", texts, true), (std::vector<Value>{B(true), B(true), B(false), B(false)}));
  EXPECT_EQ(Like("HE%", texts, true), (std::vector<Value>{B(true), B(true), B(true), B(false)}));
  EXPECT_EQ(Like("%cole", texts, true),
            (std::vector<Value>{B(false), B(false), B(false), B(true)}));
  EXPECT_EQ(Like("écol_", texts, true),
            (std::vector<Value>{B(false), B(false), B(false), B(false)}));
  EXPECT_EQ(Like("Écol_", texts, true),
            (std::vector<Value>{B(false), B(false), B(false), B(true)}));
  EXPECT_EQ(Like("hello", texts, false),
            (std::vector<Value>{B(false), B(false), B(false), B(false)}));
}

TEST(LogicKernelsTest, LikeWithPatternPerRow) {
  EXPECT_EQ(Eval(*Call(FuncId::kLike, kBool, Col(0, kStr), Col(1, kStr)),
                 {MakeVector(kStr, {S("abc"), S("abc"), S("x")}),
                  MakeVector(kStr, {S("a%"), S("b%"), kNull})}),
            (std::vector<Value>{B(true), B(false), kNull}));
}

TEST(LikePatternTest, MatchesAgainstSimpleReference) {
  struct Case {
    std::string_view pattern, text;
    bool match;
  };
  const Case cases[] = {
      {"", "", true},          {"", "a", false},          {"%", "", true},
      {"_%", "", false},       {"%_", "a", true},         {"a%a", "a", false},
      {"a%a", "aa", true},     {"%ab%ab%", "abab", true}, {"%ab%ab%", "aba", false},
      {"_b_", "abc", true},    {"%%%a", "ba", true},      {"a_%_b", "axyb", true},
      {"a_%_b", "axb", false},
  };
  for (const Case& c : cases) {
    Result<LikePattern> pattern = LikePattern::Compile(c.pattern, false);
    ASSERT_TRUE(pattern.ok());
    EXPECT_EQ(pattern.value().Matches(c.text), c.match) << c.pattern << " ~ " << c.text;
  }
}

}  // namespace
}  // namespace strata::exec::testing
