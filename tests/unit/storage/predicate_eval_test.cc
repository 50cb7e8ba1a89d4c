// ApplyPredicate over string columns: a column in dictionary form keeps exactly the rows the
// same column in plain form keeps, for every operator, IN lists, NULLs and unused entries.
#include "storage/engine/predicate_eval.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace strata::storage {
namespace {

using types::ColumnVector;
using types::CompareOp;
using types::DataType;
using types::Predicate;

std::vector<uint8_t> Keep(const ColumnVector& column, const Predicate& predicate) {
  std::vector<uint8_t> keep(column.size(), 1);
  ApplyPredicate(column, predicate, keep.data());
  return keep;
}

Predicate Make(CompareOp op, std::vector<std::string> values) {
  Predicate predicate;
  predicate.op = op;
  for (std::string& value : values) predicate.values.emplace_back(std::move(value));
  return predicate;
}

TEST(PredicateEval, DictionaryStringsKeepWhatPlainStringsKeep) {
  std::mt19937 random(7);
  ColumnVector plain(DataType::kString);
  for (int row = 0; row < 5000; ++row) {
    if (random() % 13 == 0) {
      plain.AppendNull();
    } else {
      plain.AppendString("host_" + std::to_string(random() % 40));
    }
  }
  ColumnVector dictionary = plain;
  ASSERT_TRUE(dictionary.DictionaryEncode(1.0));
  ASSERT_TRUE(dictionary.is_dictionary());
  ASSERT_FALSE(plain.is_dictionary());
  const std::vector<Predicate> predicates = {
      Make(CompareOp::kEq, {"host_7"}),
      Make(CompareOp::kEq, {"absent"}),
      Make(CompareOp::kLt, {"host_2"}),
      Make(CompareOp::kLe, {"host_2"}),
      Make(CompareOp::kGt, {"host_35"}),
      Make(CompareOp::kGe, {"host_35"}),
      Make(CompareOp::kIn, {"host_1", "host_39", "nope"}),
      Make(CompareOp::kEq, {""}),
  };
  for (const Predicate& predicate : predicates) {
    const std::vector<uint8_t> expected = Keep(plain, predicate);
    EXPECT_EQ(Keep(dictionary, predicate), expected);
    size_t kept = 0;
    for (size_t row = 0; row < plain.size(); ++row) {
      if (plain.IsNull(row)) {
        EXPECT_EQ(expected[row], 0) << row;
      }
      kept += expected[row];
    }
    if (predicate.op == CompareOp::kEq && std::get<std::string>(predicate.values[0]) == "host_7") {
      EXPECT_GT(kept, 0u);
    }
  }
}

TEST(PredicateEval, DictionaryPredicateOnlyNarrowsKeep) {
  ColumnVector column(DataType::kString);
  for (const char* value : {"a", "b", "a", "c"}) column.AppendString(value);
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  std::vector<uint8_t> keep = {1, 1, 0, 1};  // Row 2 was dropped by an earlier predicate.
  ApplyPredicate(column, Make(CompareOp::kEq, {"a"}), keep.data());
  EXPECT_EQ(keep, (std::vector<uint8_t>{1, 0, 0, 0}));
}

}  // namespace
}  // namespace strata::storage
