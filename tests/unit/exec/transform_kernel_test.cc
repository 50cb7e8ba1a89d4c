// FuncId::kTransform: a field policy's transform over plain and dictionary-form strings and
// over other types (by canonical text), with NULLs kept and dictionary entries transformed
// once each.
#include <gtest/gtest.h>

#include <atomic>

#include "kernel_test_util.h"
#include "sql/value_transform.h"

namespace strata::exec::testing {
namespace {

constexpr DataType kStr = DataType::kString;

// "<text>" reversed and bracketed; counts its calls.
class CountingTransform : public sql::ValueTransform {
 public:
  std::string_view name() const override { return "count"; }
  void Apply(std::string_view text, std::string& out) const override {
    ++calls;
    out += '[';
    out.append(text.rbegin(), text.rend());
    out += ']';
  }
  mutable std::atomic<int> calls{0};
};

// Maps every value to the same text, so distinct entries collide.
class ConstantTransform : public sql::ValueTransform {
 public:
  std::string_view name() const override { return "constant"; }
  void Apply(std::string_view, std::string& out) const override { out += "same"; }
};

BoundExprPtr Transform(std::shared_ptr<const sql::ValueTransform> transform, DataType input) {
  BoundExprPtr expr = Call(FuncId::kTransform, kStr, Col(0, input));
  expr->transform = std::move(transform);
  return expr;
}

TEST(TransformKernelTest, StringsAreTransformedAndNullsStayNull) {
  auto transform = std::make_shared<CountingTransform>();
  EXPECT_EQ(Eval(*Transform(transform, kStr), {MakeVector(kStr, {S("abc"), kNull, S("")})}),
            (std::vector<Value>{S("[cba]"), kNull, S("[]")}));
}

TEST(TransformKernelTest, DictionaryEntriesAreTransformedOncePerBatch) {
  auto transform = std::make_shared<CountingTransform>();
  ColumnVector column(kStr);
  for (int row = 0; row < 300; ++row) column.AppendString(row % 3 == 0 ? "x" : "yz");
  column.AppendNull();
  ASSERT_TRUE(column.DictionaryEncode(0.5));
  const size_t entries = column.dictionary_size();
  ColumnVector out;
  ASSERT_OK(Evaluate(*Transform(transform, kStr), {column}, column.size(), out));
  EXPECT_EQ(transform->calls.load(), static_cast<int>(entries));
  EXPECT_TRUE(out.is_dictionary());
  EXPECT_EQ(out.StringAt(0), "[x]");
  EXPECT_EQ(out.StringAt(1), "[zy]");
  EXPECT_TRUE(out.IsNull(300));
}

TEST(TransformKernelTest, CollidingEntriesMergeIntoOneDictionaryEntry) {
  ColumnVector column = MakeVector(kStr, {S("a"), S("b"), S("a"), kNull});
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  const Outcome outcome =
      RunBoth(*Transform(std::make_shared<ConstantTransform>(), kStr), {column});
  EXPECT_EQ(outcome.values, (std::vector<Value>{S("same"), S("same"), S("same"), kNull}));
  EXPECT_EQ(outcome.plain.codes()[0], outcome.plain.codes()[1]);
}

TEST(TransformKernelTest, OtherTypesAreTransformedByTheirCanonicalText) {
  auto transform = std::make_shared<CountingTransform>();
  EXPECT_EQ(Eval(*Transform(transform, DataType::kInt64),
                 {MakeVector(DataType::kInt64, {I(123), kNull, I(-4)})}),
            (std::vector<Value>{S("[321]"), kNull, S("[4-]")}));
  EXPECT_EQ(
      Eval(*Transform(transform, DataType::kFloat64), {MakeVector(DataType::kFloat64, {D(1.5)})}),
      (std::vector<Value>{S("[5.1]")}));
  EXPECT_EQ(Eval(*Transform(transform, DataType::kBool), {MakeVector(DataType::kBool, {B(true)})}),
            (std::vector<Value>{S("[eurt]")}));
  EXPECT_EQ(Eval(*Transform(transform, DataType::kTimestamp),
                 {MakeVector(DataType::kTimestamp, {Ts("2016-01-01T00:00:00Z")})}),
            (std::vector<Value>{S("[Z00:00:00T10-10-6102]")}));
  EXPECT_EQ(Eval(*Transform(transform, DataType::kJson),
                 {MakeVector(DataType::kJson, {S(R"({"a":1})")})}),
            (std::vector<Value>{S(R"([}1:"a"{])")}));
}

TEST(TransformKernelTest, ANullScalarIsNullAndAMissingTransformAnError) {
  BoundExprPtr expr = Call(FuncId::kTransform, kStr, Lit(kNull, kStr));
  expr->transform = std::make_shared<CountingTransform>();
  EXPECT_EQ(Eval(*expr, {}, 2), (std::vector<Value>{kNull, kNull}));
  BoundExprPtr bare = Call(FuncId::kTransform, kStr, Col(0, kStr));
  EXPECT_EQ(EvalError(*bare, {MakeVector(kStr, {S("a")})}).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace strata::exec::testing
