// DecodeColumnChunkRows: the selected rows of an encoded column chunk, for every type and
// encoding family, with and without NULLs, equal to the same rows of the full decode; and
// damaged chunks are Corruption.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "storage/segment/column_chunk.h"
#include "test_util.h"

namespace strata::storage {
namespace {

using types::ColumnVector;
using types::DataType;

constexpr size_t kRows = 700;

// Columns of kRows rows exercising each decoder: plain, XOR and integral doubles, plain
// and dictionary strings, bools, ints and timestamps; every other one with NULLs.
std::vector<ColumnVector> Columns() {
  std::mt19937_64 rng(31);
  std::vector<ColumnVector> columns;
  const auto add = [&](DataType type, bool nulls, auto&& append) {
    ColumnVector column(type);
    for (size_t i = 0; i < kRows; ++i) {
      if (nulls && i % 9 == 4) {
        column.AppendNull();
      } else {
        append(column, i);
      }
    }
    columns.push_back(std::move(column));
  };
  for (const bool nulls : {false, true}) {
    add(DataType::kBool, nulls, [&](ColumnVector& c, size_t) { c.AppendBool(rng() % 3 == 0); });
    add(DataType::kInt64, nulls,
        [&](ColumnVector& c, size_t i) { c.AppendInt(static_cast<int64_t>(i / 40) * 1000); });
    add(DataType::kTimestamp, nulls,
        [&](ColumnVector& c, size_t i) { c.AppendInt(1'451'606'400'000'000 + int64_t(i) * 10); });
    add(DataType::kFloat64, nulls,
        [&](ColumnVector& c, size_t) { c.AppendDouble(static_cast<double>(rng() % 100)); });
    add(DataType::kFloat64, nulls,
        [&](ColumnVector& c, size_t i) { c.AppendDouble(std::sin(double(i)) * 3.5); });
    add(DataType::kFloat64, nulls, [&](ColumnVector& c, size_t) {
      c.AppendDouble(std::bit_cast<double>(rng() & 0x7FEFFFFFFFFFFFFF));
    });
    add(DataType::kString, nulls,
        [&](ColumnVector& c, size_t i) { c.AppendString("host_" + std::to_string(i / 100)); });
    add(DataType::kString, nulls, [&](ColumnVector& c, size_t) {
      c.AppendString(std::string(rng() % 12, static_cast<char>('a' + rng() % 26)));
    });
    add(DataType::kJson, nulls,
        [&](ColumnVector& c, size_t i) { c.AppendString("{\"n\":" + std::to_string(i) + "}"); });
  }
  return columns;
}

std::vector<std::vector<uint32_t>> Selections() {
  std::vector<std::vector<uint32_t>> selections(5);
  for (uint32_t row = 0; row < kRows; ++row) {
    selections[1].push_back(row);
    if (row % 11 == 5) selections[2].push_back(row);
    if (row >= 300 && row < 340) selections[3].push_back(row);
  }
  selections[4] = {0, kRows - 1};
  return selections;  // selections[0]: none.
}

TEST(ColumnChunkRowsTest, SelectedRowsEqualTheFullDecode) {
  const std::vector<ColumnVector> columns = Columns();
  for (size_t c = 0; c < columns.size(); ++c) {
    ByteWriter writer;
    EncodeColumnChunk(columns[c], 0, kRows, writer);
    ColumnVector full;
    ASSERT_OK(DecodeColumnChunk(writer.buffer(), columns[c].type(), kRows, &full));
    for (const std::vector<uint32_t>& selection : Selections()) {
      SCOPED_TRACE("column " + std::to_string(c) + ", " + std::to_string(selection.size()) +
                   " rows");
      ColumnVector picked;
      ASSERT_OK(
          DecodeColumnChunkRows(writer.buffer(), columns[c].type(), kRows, selection, &picked));
      ASSERT_EQ(picked.size(), selection.size());
      EXPECT_EQ(picked.type(), columns[c].type());
      for (size_t i = 0; i < selection.size(); ++i) {
        ASSERT_EQ(picked.IsNull(i), full.IsNull(selection[i])) << "row " << selection[i];
        ASSERT_EQ(picked.ValueAt(i), full.ValueAt(selection[i])) << "row " << selection[i];
      }
    }
  }
}

TEST(ColumnChunkRowsTest, DamagedChunksAreCorruption) {
  const std::vector<ColumnVector> columns = Columns();
  const std::vector<uint32_t> selection = {3, 250, 699};
  for (size_t c = 0; c < columns.size(); ++c) {
    ByteWriter writer;
    EncodeColumnChunk(columns[c], 0, kRows, writer);
    const std::string& body = writer.buffer();
    for (size_t len = 0; len < body.size(); len += 1 + len / 8) {
      ColumnVector picked;
      EXPECT_EQ(
          DecodeColumnChunkRows(body.substr(0, len), columns[c].type(), kRows, selection, &picked)
              .code(),
          StatusCode::kCorruption)
          << "column " << c << " cut to " << len;
    }
    ColumnVector picked;
    EXPECT_EQ(
        DecodeColumnChunkRows(body + "x", columns[c].type(), kRows, selection, &picked).code(),
        StatusCode::kCorruption)
        << "column " << c << " with a trailing byte";
  }
}

}  // namespace
}  // namespace strata::storage
