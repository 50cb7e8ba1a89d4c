// ColumnVector::Truncate: the rollback decoders use for a rejected record.
#include <gtest/gtest.h>

#include <string>

#include "types/column_vector.h"

namespace strata::types {
namespace {

// Checks invariants 2-4 of column_vector.h.
void ExpectInvariants(const ColumnVector& column) {
  const size_t rows = column.size();
  switch (column.type()) {
    case DataType::kBool: EXPECT_EQ(column.bools().size(), rows); break;
    case DataType::kInt64:
    case DataType::kTimestamp: EXPECT_EQ(column.ints().size(), rows); break;
    case DataType::kFloat64: EXPECT_EQ(column.doubles().size(), rows); break;
    case DataType::kString:
    case DataType::kJson:
      ASSERT_EQ(column.offsets().size(), rows + 1);
      EXPECT_EQ(column.offsets().front(), 0u);
      EXPECT_EQ(column.offsets().back(), column.chars().size());
      break;
  }
  if (column.has_nulls()) {
    EXPECT_EQ(column.validity().size(), (rows + 7) / 8);
    EXPECT_GT(column.NullCount(), 0u);
  }
}

TEST(ColumnVectorTruncateTest, IntsDropTailAndKeepCapacity) {
  ColumnVector column(DataType::kInt64);
  for (int64_t v = 0; v < 100; ++v) column.AppendInt(v);
  const size_t capacity = column.ints().capacity();
  column.Truncate(40);
  EXPECT_EQ(column.size(), 40u);
  EXPECT_EQ(column.IntAt(39), 39);
  EXPECT_EQ(column.ints().capacity(), capacity);
  ExpectInvariants(column);
  column.AppendInt(7);
  EXPECT_EQ(column.IntAt(40), 7);
  column.Truncate(41);  // No-op.
  EXPECT_EQ(column.size(), 41u);
  column.Truncate(0);
  EXPECT_TRUE(column.empty());
  ExpectInvariants(column);
}

TEST(ColumnVectorTruncateTest, StringsDropCharsAndOffsets) {
  ColumnVector column(DataType::kString);
  column.AppendString("alpha");
  column.AppendString("beta");
  column.AppendString("gamma");
  column.Truncate(1);
  ExpectInvariants(column);
  EXPECT_EQ(column.chars(), "alpha");
  column.AppendString("delta");
  EXPECT_EQ(column.StringAt(1), "delta");
  ExpectInvariants(column);

  ColumnVector json(DataType::kJson);
  json.AppendString("{\"a\":1}");
  json.Truncate(0);
  ExpectInvariants(json);
  EXPECT_TRUE(json.chars().empty());
}

TEST(ColumnVectorTruncateTest, BoolsAndDoubles) {
  ColumnVector bools(DataType::kBool);
  bools.AppendBool(true);
  bools.AppendBool(false);
  bools.Truncate(1);
  ExpectInvariants(bools);
  EXPECT_TRUE(bools.BoolAt(0));

  ColumnVector doubles(DataType::kFloat64);
  doubles.AppendDouble(1.5);
  doubles.AppendDouble(2.5);
  doubles.Truncate(1);
  ExpectInvariants(doubles);
  EXPECT_EQ(doubles.DoubleAt(0), 1.5);
}

TEST(ColumnVectorTruncateTest, ValidityClearedWhenTheOnlyNullsAreDropped) {
  ColumnVector column(DataType::kTimestamp);
  for (int i = 0; i < 20; ++i) column.AppendInt(i);
  column.AppendNull();  // Row 20, the only NULL.
  ASSERT_TRUE(column.has_nulls());
  column.Truncate(20);
  EXPECT_FALSE(column.has_nulls());  // Invariant 3: no NULL, so no bitmap.
  EXPECT_TRUE(column.validity().empty());
  ExpectInvariants(column);
  column.AppendNull();
  EXPECT_TRUE(column.IsNull(20));
  EXPECT_EQ(column.NullCount(), 1u);
}

TEST(ColumnVectorTruncateTest, ValidityKeptWhenEarlierNullsRemain) {
  ColumnVector column(DataType::kString);
  column.AppendString("a");
  column.AppendNull();  // Row 1 stays.
  for (int i = 0; i < 12; ++i) column.AppendNull();
  column.Truncate(3);
  ASSERT_TRUE(column.has_nulls());
  ExpectInvariants(column);
  EXPECT_EQ(column.NullCount(), 2u);
  // Bits past the last row were cleared, so appending valid and NULL rows stays correct.
  column.AppendString("b");
  column.AppendNull();
  for (int i = 0; i < 10; ++i) column.AppendString("c");
  EXPECT_FALSE(column.IsNull(3));
  EXPECT_TRUE(column.IsNull(4));
  EXPECT_FALSE(column.IsNull(5));
  EXPECT_EQ(column.NullCount(), 3u);
  ExpectInvariants(column);
}

TEST(ColumnVectorTruncateTest, TruncateInsideAValidityByteClearsHigherBits) {
  ColumnVector column(DataType::kInt64);
  column.AppendNull();                              // Row 0: keeps the bitmap alive.
  for (int i = 1; i < 8; ++i) column.AppendInt(i);  // Rows 1..7 valid: byte 0 is 0xfe.
  column.Truncate(4);
  ASSERT_EQ(column.validity().size(), 1u);
  EXPECT_EQ(column.validity()[0], 0x0e);  // Rows 1..3 valid, bits 4..7 cleared.
  column.AppendNull();                    // Row 4 must read as NULL even though the byte is reused.
  EXPECT_TRUE(column.IsNull(4));
  EXPECT_EQ(column.NullCount(), 2u);
}

}  // namespace
}  // namespace strata::types
