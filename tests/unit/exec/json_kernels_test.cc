// -> and ->> over objects and arrays.
#include <gtest/gtest.h>

#include "kernel_test_util.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kJson = DataType::kJson;
constexpr DataType kStr = DataType::kString;
constexpr DataType kInt = DataType::kInt64;

const std::vector<Value> kDocs = {S(R"({"a":"x","n":1.5,"o":{"k":[1,2]},"z":null})"),
                                  S(R"({"b":1})"), S("[10,\"s\",null]"), S("\"text\""), kNull};

std::vector<Value> Get(FuncId func, Value key, DataType key_type) {
  const DataType type = func == FuncId::kJsonGet ? kJson : kStr;
  return Eval(*Call(func, type, Col(0, kJson), Lit(std::move(key), key_type)),
              {MakeVector(kJson, kDocs)});
}

TEST(JsonKernelsTest, ArrowReturnsJson) {
  EXPECT_EQ(Get(FuncId::kJsonGet, S("a"), kStr),
            (std::vector<Value>{S("\"x\""), kNull, kNull, kNull, kNull}));
  EXPECT_EQ(Get(FuncId::kJsonGet, S("o"), kStr),
            (std::vector<Value>{S(R"({"k":[1,2]})"), kNull, kNull, kNull, kNull}));
  EXPECT_EQ(Get(FuncId::kJsonGet, S("z"), kStr),
            (std::vector<Value>{S("null"), kNull, kNull, kNull, kNull}));
}

TEST(JsonKernelsTest, ArrowTextReturnsStringContents) {
  EXPECT_EQ(Get(FuncId::kJsonGetText, S("a"), kStr),
            (std::vector<Value>{S("x"), kNull, kNull, kNull, kNull}));
  EXPECT_EQ(Get(FuncId::kJsonGetText, S("n"), kStr),
            (std::vector<Value>{S("1.5"), kNull, kNull, kNull, kNull}));
  // JSON null gives SQL NULL.
  EXPECT_EQ(Get(FuncId::kJsonGetText, S("z"), kStr),
            (std::vector<Value>{kNull, kNull, kNull, kNull, kNull}));
  EXPECT_EQ(Get(FuncId::kJsonGetText, S("b"), kStr),
            (std::vector<Value>{kNull, S("1"), kNull, kNull, kNull}));
}

TEST(JsonKernelsTest, IntegerIndexSelectsArrayElements) {
  EXPECT_EQ(Get(FuncId::kJsonGet, I(0), kInt),
            (std::vector<Value>{kNull, kNull, S("10"), kNull, kNull}));
  EXPECT_EQ(Get(FuncId::kJsonGetText, I(1), kInt),
            (std::vector<Value>{kNull, kNull, S("s"), kNull, kNull}));
  EXPECT_EQ(Get(FuncId::kJsonGetText, I(-3), kInt),  // From the end.
            (std::vector<Value>{kNull, kNull, S("10"), kNull, kNull}));
  EXPECT_EQ(Get(FuncId::kJsonGet, I(3), kInt),
            (std::vector<Value>{kNull, kNull, kNull, kNull, kNull}));
  EXPECT_EQ(Get(FuncId::kJsonGet, I(-4), kInt),
            (std::vector<Value>{kNull, kNull, kNull, kNull, kNull}));
}

TEST(JsonKernelsTest, NestedAccess) {
  // (doc -> 'o') -> 'k' ->> 1
  BoundExprPtr expr =
      Call(FuncId::kJsonGetText, kStr,
           Call(FuncId::kJsonGet, kJson,
                Call(FuncId::kJsonGet, kJson, Col(0, kJson), Lit(S("o"), kStr)), Lit(S("k"), kStr)),
           Lit(I(1), kInt));
  EXPECT_EQ(Eval(*expr, {MakeVector(kJson, kDocs)}),
            (std::vector<Value>{S("2"), kNull, kNull, kNull, kNull}));
}

TEST(JsonKernelsTest, KeysPerRowAndScalarDocument) {
  EXPECT_EQ(Eval(*Call(FuncId::kJsonGetText, kStr, Lit(S(R"({"a":1,"b":2})"), kJson), Col(0, kStr)),
                 {MakeVector(kStr, {S("b"), S("a"), S("c"), kNull})}),
            (std::vector<Value>{S("2"), S("1"), kNull, kNull}));
}

TEST(JsonKernelsTest, RepeatedDocumentsInDictionaryForm) {
  ColumnVector docs = MakeVector(kJson, {S(R"({"a":1})"), S(R"({"a":2})"), S(R"({"a":1})"), kNull});
  ASSERT_TRUE(docs.DictionaryEncode(1.0));
  EXPECT_EQ(Eval(*Call(FuncId::kJsonGetText, kStr, Col(0, kJson), Lit(S("a"), kStr)), {docs}),
            (std::vector<Value>{S("1"), S("2"), S("1"), kNull}));
}

TEST(JsonKernelsTest, MalformedDocumentIsAnError) {
  EXPECT_EQ(EvalError(*Call(FuncId::kJsonGet, kJson, Col(0, kJson), Lit(S("a"), kStr)),
                      {MakeVector(kJson, {S("{oops")})})
                .problem_code(),
            "malformed_json");
}

}  // namespace
}  // namespace strata::exec::testing
