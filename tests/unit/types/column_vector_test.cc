// ColumnVector: plain and dictionary forms read the same through every operation.
#include "types/column_vector.h"

#include <gtest/gtest.h>

#include <random>

namespace strata::types {
namespace {

// Rows of `column` as values (NULL as monostate).
std::vector<Value> Values(const ColumnVector& column) {
  std::vector<Value> values;
  for (size_t row_idx = 0; row_idx < column.size(); ++row_idx)
    values.push_back(column.ValueAt(row_idx));
  return values;
}

ColumnVector Strings(const std::vector<std::optional<std::string>>& rows) {
  ColumnVector column(DataType::kString);
  for (const auto& row : rows) {
    if (row) {
      column.AppendString(*row);
    } else {
      column.AppendNull();
    }
  }
  return column;
}

TEST(ColumnVectorTest, DictionaryEncodeKeepsEveryRowAndNull) {
  ColumnVector column = Strings({"a", "b", std::nullopt, "a", "", "b", "a", "a"});
  const std::vector<Value> before = Values(column);
  ASSERT_TRUE(column.DictionaryEncode());
  EXPECT_TRUE(column.is_dictionary());
  EXPECT_EQ(column.dictionary_size(), 3u);  // "a", "b", "" (NULL and "" share it).
  EXPECT_EQ(Values(column), before);
  EXPECT_TRUE(column.IsNull(2));
  EXPECT_EQ(column.StringAt(2), "");
  column.DictionaryDecode();
  EXPECT_FALSE(column.is_dictionary());
  EXPECT_EQ(Values(column), before);
}

TEST(ColumnVectorTest, DictionaryEncodeDeclinesMostlyDistinctValues) {
  ColumnVector column = Strings({"a", "b", "c", "d"});
  EXPECT_FALSE(column.DictionaryEncode(0.5));
  EXPECT_FALSE(column.is_dictionary());
  EXPECT_EQ(column.StringAt(3), "d");
}

TEST(ColumnVectorTest, AppendsInDictionaryFormLookUpEntries) {
  ColumnVector column = Strings({"x", "y", "x", "x"});
  ASSERT_TRUE(column.DictionaryEncode());
  column.AppendString("y");
  column.AppendString("z");
  column.AppendNull();
  column.AppendValue(Value(std::string("x")));
  EXPECT_EQ(column.dictionary_size(), 4u);  // x, y, z, "".
  EXPECT_EQ(
      Values(column),
      (std::vector<Value>{std::string("x"), std::string("y"), std::string("x"), std::string("x"),
                          std::string("y"), std::string("z"), std::monostate{}, std::string("x")}));
}

TEST(ColumnVectorTest, CopiesBetweenFormsMatchPlainCopies) {
  std::mt19937 rng(3);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::optional<std::string>> rows;
    const size_t count = rng() % 40;
    for (size_t i = 0; i < count; ++i) {
      if (rng() % 6 == 0) {
        rows.push_back(std::nullopt);
      } else {
        rows.push_back("v" + std::to_string(rng() % 7));
      }
    }
    const ColumnVector plain = Strings(rows);
    ColumnVector dict = plain;
    dict.DictionaryEncode(1.0);
    const size_t begin = count == 0 ? 0 : rng() % count;
    const size_t end = begin + (count == begin ? 0 : rng() % (count - begin + 1));
    std::vector<uint32_t> picks;
    for (int i = 0; i < 10 && count > 0; ++i) picks.push_back(static_cast<uint32_t>(rng() % count));
    // Each target form (plain empty, plain with rows, dictionary with rows) from each source.
    for (int target_kind = 0; target_kind < 3; ++target_kind) {
      for (const ColumnVector* source : {&plain, static_cast<const ColumnVector*>(&dict)}) {
        ColumnVector expected =
            target_kind == 0 ? ColumnVector(DataType::kString) : Strings({"v1", std::nullopt, "w"});
        ColumnVector actual = expected;
        if (target_kind == 2) actual.DictionaryEncode(1.0);
        for (size_t row_idx = begin; row_idx < end; ++row_idx) expected.AppendFrom(plain, row_idx);
        for (uint32_t row_idx : picks) expected.AppendFrom(plain, row_idx);
        actual.AppendRange(*source, begin, end);
        actual.AppendSelected(*source, picks);
        ASSERT_EQ(Values(actual), Values(expected)) << round << " " << target_kind;
        ASSERT_EQ(actual.NullCount(), expected.NullCount());
      }
    }
  }
}

TEST(ColumnVectorTest, EmptyVectorTakesTheDictionaryFormOfItsSource) {
  ColumnVector source = Strings({"a", "a", "b", "a"});
  ASSERT_TRUE(source.DictionaryEncode());
  ColumnVector target(DataType::kString);
  target.AppendRange(source, 0, 4);
  EXPECT_TRUE(target.is_dictionary());
  EXPECT_EQ(target.dictionary_size(), 2u);
  target.Clear();
  EXPECT_FALSE(target.is_dictionary());
}

TEST(ColumnVectorTest, TruncateKeepsAPrefixInEveryForm) {
  for (bool dictionary : {false, true}) {
    ColumnVector column = Strings({"a", std::nullopt, "b", "a", "c", std::nullopt, "a", "b", "c"});
    if (dictionary) column.DictionaryEncode(1.0);
    column.Truncate(3);
    EXPECT_EQ(Values(column),
              (std::vector<Value>{std::string("a"), std::monostate{}, std::string("b")}));
    // Bits past the end were cleared: later NULLs and values land where they belong.
    column.AppendString("z");
    column.AppendNull();
    EXPECT_EQ(Values(column),
              (std::vector<Value>{std::string("a"), std::monostate{}, std::string("b"),
                                  std::string("z"), std::monostate{}}));
  }
  ColumnVector ints(DataType::kInt64);
  for (int i = 0; i < 10; ++i) ints.AppendInt(i);
  ints.Truncate(4);
  ints.AppendNull();
  EXPECT_EQ(Values(ints),
            (std::vector<Value>{int64_t{0}, int64_t{1}, int64_t{2}, int64_t{3}, std::monostate{}}));
  ColumnVector with_nulls(DataType::kFloat64);
  for (int i = 0; i < 12; ++i) {
    if (i % 5 == 0) {
      with_nulls.AppendNull();
    } else {
      with_nulls.AppendDouble(i);
    }
  }
  with_nulls.Truncate(9);
  with_nulls.AppendDouble(42);
  EXPECT_EQ(with_nulls.NullCount(), 2u);
  EXPECT_FALSE(with_nulls.IsNull(9));
}

}  // namespace
}  // namespace strata::types
