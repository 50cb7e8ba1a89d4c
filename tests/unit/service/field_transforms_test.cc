// The real field transforms run by the executor's transform kernel: plain and dictionary
// strings, NULLs, UTF-8 masks, tokens that detokenize, per dataset and field.
#include "service/field_transforms.h"

#include <gtest/gtest.h>

#include "exec/scalar_functions.h"
#include "sql/bound_expr.h"
#include "test_util.h"

namespace strata::service {
namespace {

using types::ColumnVector;
using types::DataType;

ColumnVector Strings(const std::vector<std::optional<std::string>>& values, bool dictionary) {
  ColumnVector column(DataType::kString);
  for (const auto& value : values) {
    if (value) {
      column.AppendString(*value);
    } else {
      column.AppendNull();
    }
  }
  if (dictionary) {
    EXPECT_TRUE(column.DictionaryEncode(1.0));
  }
  return column;
}

// The transform of every row of `column`; "<null>" for NULL.
std::vector<std::string> Apply(std::shared_ptr<const sql::ValueTransform> transform,
                               const ColumnVector& column) {
  sql::BoundExprPtr expr =
      sql::BoundExpr::Function(sql::FuncId::kTransform, DataType::kString, [&] {
        std::vector<sql::BoundExprPtr> args;
        args.push_back(sql::BoundExpr::Column(0, column.type()));
        return args;
      }());
  expr->transform = std::move(transform);
  const exec::Datum arg{&column, nullptr, column.type()};
  ColumnVector out;
  EXPECT_OK(
      exec::EvalScalarFunction(*expr, std::span<const exec::Datum>(&arg, 1), column.size(), out));
  std::vector<std::string> values;
  for (size_t row_idx = 0; row_idx < out.size(); ++row_idx) {
    values.push_back(out.IsNull(row_idx) ? "<null>" : std::string(out.StringAt(row_idx)));
  }
  return values;
}

class FieldTransformsTest : public ::testing::Test {
 protected:
  security::PiiKeyring keyring_{std::string(32, 'k')};
  security::FieldTransformKeys people_ = keyring_.KeysFor("people", 7);
};

TEST_F(FieldTransformsTest, MaskCountsCodePointsInBothForms) {
  for (bool dictionary : {false, true}) {
    const ColumnVector column =
        Strings({"alice@example.com", std::nullopt, "Zoë Ångström", "abc", "alice@example.com"},
                dictionary);
    EXPECT_EQ(Apply(MaskTransform(), column),
              (std::vector<std::string>{"*************.com", "<null>", "********tröm", "***",
                                        "*************.com"}));
  }
}

TEST_F(FieldTransformsTest, TokensAreDeterministicAndOpenForTheirFieldOnly) {
  for (bool dictionary : {false, true}) {
    const ColumnVector column = Strings({"a@x.io", "b@x.io", std::nullopt, "a@x.io"}, dictionary);
    const std::vector<std::string> tokens = Apply(TokenTransform(people_, 3), column);
    EXPECT_EQ(tokens[0], tokens[3]);
    EXPECT_NE(tokens[0], tokens[1]);
    EXPECT_EQ(tokens[2], "<null>");
    EXPECT_EQ(security::Detokenize(people_, 3, tokens[1]).value_or("?"), "b@x.io");
    EXPECT_FALSE(security::Detokenize(people_, 4, tokens[1]).has_value());
    EXPECT_NE(Apply(TokenTransform(people_, 4), column)[0], tokens[0]) << "another field";
    EXPECT_NE(Apply(TokenTransform(keyring_.KeysFor("staff", 7), 3), column)[0], tokens[0])
        << "another dataset";
  }
}

TEST_F(FieldTransformsTest, HashAndTokenizeReadOtherTypesByTheirText) {
  ColumnVector numbers(DataType::kInt64);
  numbers.AppendInt(42);
  numbers.AppendNull();
  const std::vector<std::string> hashes = Apply(HashTransform(people_), numbers);
  EXPECT_EQ(hashes[0], Apply(HashTransform(people_), Strings({"42"}, false))[0]);
  EXPECT_EQ(hashes[1], "<null>");
  const std::string token = Apply(TokenTransform(people_, 5), numbers)[0];
  EXPECT_EQ(security::Detokenize(people_, 5, token).value_or("?"), "42");
}

}  // namespace
}  // namespace strata::service
