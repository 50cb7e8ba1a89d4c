// Result encodings: JSON rows, JSON objects, NDJSON and CSV, for every type, NULLs, escaping,
// and strings in plain and dictionary form (which must encode identically).
#include "service/result_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace strata::service {
namespace {

using types::ColumnVector;
using types::DataType;

class ResultFormatTest : public ::testing::TestWithParam<bool> {
 protected:
  // Columns: b bool, i int64, f float64, t timestamp, s string, j json; 3 rows, row 1 NULL.
  void SetUp() override {
    header_ = {{"b", DataType::kBool},      {"i", DataType::kInt64},  {"f", DataType::kFloat64},
               {"t", DataType::kTimestamp}, {"s", DataType::kString}, {"j", DataType::kJson}};
    for (const exec::ResultColumn& column : header_) columns_.emplace_back(column.type);
    columns_[0].AppendBool(true);
    columns_[1].AppendInt(-42);
    columns_[2].AppendDouble(0.25);
    columns_[3].AppendInt(1451606400123000);
    columns_[4].AppendString("a,\"b\"\n");
    columns_[5].AppendString("{\"k\":[1,2]}");
    for (ColumnVector& column : columns_) column.AppendNull();
    columns_[0].AppendBool(false);
    columns_[1].AppendInt(std::numeric_limits<int64_t>::min());
    columns_[2].AppendDouble(std::numeric_limits<double>::infinity());
    columns_[3].AppendInt(-1);
    columns_[4].AppendString("a,\"b\"\n");
    columns_[5].AppendString("");
    if (GetParam()) {
      ASSERT_TRUE(columns_[4].DictionaryEncode(1.0));
    }
  }

  std::vector<exec::ResultColumn> header_;
  std::vector<ColumnVector> columns_;
};

TEST_P(ResultFormatTest, JsonRows) {
  std::string out;
  bool first = true;
  AppendJsonRows(out, columns_, 0, 2, first);
  AppendJsonRows(out, columns_, 2, 3, first);
  EXPECT_EQ(out,
            "[true,-42,0.25,\"2016-01-01T00:00:00.123Z\",\"a,\\\"b\\\"\\n\",{\"k\":[1,2]}],"
            "[null,null,null,null,null,null],"
            "[false,-9223372036854775808,null,\"1969-12-31T23:59:59.999999Z\",\"a,\\\"b\\\"\\n\","
            "null]");
}

TEST_P(ResultFormatTest, NdjsonAndObjects) {
  std::string out;
  AppendNdjsonRows(out, header_, columns_, 1, 2);
  EXPECT_EQ(out, "{\"b\":null,\"i\":null,\"f\":null,\"t\":null,\"s\":null,\"j\":null}\n");
  out.clear();
  AppendJsonObjects(out, {header_[1]}, {columns_[1]}, 0, 3);
  EXPECT_EQ(out, "{\"i\":-42},{\"i\":null},{\"i\":-9223372036854775808}");
}

TEST_P(ResultFormatTest, CsvQuotesAndLeavesNullEmpty) {
  std::string out;
  AppendCsvHeader(out, header_);
  AppendCsvRows(out, columns_, 0, 3);
  EXPECT_EQ(out,
            "b,i,f,t,s,j\r\n"
            "true,-42,0.25,2016-01-01T00:00:00.123Z,\"a,\"\"b\"\"\n\",\"{\"\"k\"\":[1,2]}\"\r\n"
            ",,,,,\r\n"
            "false,-9223372036854775808,,1969-12-31T23:59:59.999999Z,\"a,\"\"b\"\"\n\",\r\n");
}

INSTANTIATE_TEST_SUITE_P(PlainAndDictionary, ResultFormatTest, ::testing::Bool());

// Dictionary entries are copied from fixed-size slots when their encoding fits 32 bytes,
// one by one when it does not: entries around that size, escapes that cross it, NULLs and
// many rows encode exactly as the same strings in plain form, in every format.
TEST(ResultFormatDictionary, EntriesOfEverySizeEncodeAsPlainStrings) {
  const std::vector<std::string> entries = {"",
                                            "x",
                                            std::string(29, 'a'),
                                            std::string(30, 'b'),
                                            std::string(31, 'c'),
                                            std::string(32, 'd'),
                                            std::string(100, 'e'),
                                            std::string(14, '"'),
                                            "tab\tnew\nline"};
  ColumnVector plain(DataType::kString);
  for (size_t row = 0; row < 300; ++row) {
    if (row % 13 == 7) {
      plain.AppendNull();
    } else {
      plain.AppendString(entries[(row * 7) % entries.size()]);
    }
  }
  ColumnVector dictionary = plain;
  ASSERT_TRUE(dictionary.DictionaryEncode(1.0));
  ColumnVector numbers(DataType::kInt64);
  for (size_t row = 0; row < 300; ++row) numbers.AppendInt(static_cast<int64_t>(row) - 150);
  const std::vector<exec::ResultColumn> header = {{"s", DataType::kString},
                                                  {"n", DataType::kInt64}};
  const auto encode_all = [&](const ColumnVector& strings) {
    const std::vector<ColumnVector> columns = {strings, numbers};
    std::string json;
    bool first = true;
    AppendJsonRows(json, columns, 0, 300, first);
    std::string ndjson;
    AppendNdjsonRows(ndjson, header, columns, 0, 300);
    std::string csv;
    AppendCsvRows(csv, columns, 0, 300);
    return json + "|" + ndjson + "|" + csv;
  };
  const std::string expected = encode_all(plain);
  EXPECT_EQ(encode_all(dictionary), expected);
  EXPECT_NE(expected.find(std::string(100, 'e')), std::string::npos);
}

// Rows are assembled in blocks of column values: many rows of every type, with NULLs, long
// strings and a day change, encode as the same rows one call each.
TEST(ResultFormatBlocks, ManyRowsEncodeAsOneRowAtATime) {
  const std::vector<exec::ResultColumn> header = {
      {"b", DataType::kBool},      {"i", DataType::kInt64},  {"f", DataType::kFloat64},
      {"t", DataType::kTimestamp}, {"s", DataType::kString}, {"j", DataType::kJson}};
  std::vector<ColumnVector> columns;
  for (const exec::ResultColumn& column : header) columns.emplace_back(column.type);
  constexpr size_t kRows = 300;
  for (size_t row = 0; row < kRows; ++row) {
    if (row % 11 == 5) {
      for (ColumnVector& column : columns) column.AppendNull();
      continue;
    }
    columns[0].AppendBool(row % 3 == 0);
    columns[1].AppendInt(static_cast<int64_t>(row * row) - 4000);
    columns[2].AppendDouble(static_cast<double>(row) / 8.0);
    columns[3].AppendInt(1451606400000000 + static_cast<int64_t>(row) * 900'000'000);
    columns[4].AppendString(std::string(row % 70, static_cast<char>('a' + row % 26)) + "\"");
    columns[5].AppendString("{\"n\":" + std::to_string(row) + "}");
  }
  const auto all_formats = [&](size_t begin, size_t end) {
    std::string json;
    bool first = begin == 0;  // Later calls start with the ',' between rows.
    AppendJsonRows(json, columns, begin, end, first);
    std::string ndjson;
    AppendNdjsonRows(ndjson, header, columns, begin, end);
    std::string csv;
    AppendCsvRows(csv, columns, begin, end);
    return std::vector<std::string>{json, ndjson, csv};
  };
  std::vector<std::string> one_by_one(3);
  for (size_t row = 0; row < kRows; ++row) {
    const std::vector<std::string> parts = all_formats(row, row + 1);
    for (size_t format = 0; format < 3; ++format) one_by_one[format] += parts[format];
  }
  EXPECT_EQ(all_formats(0, kRows), one_by_one);
  EXPECT_NE(one_by_one[2].find("2016-01-04T"), std::string::npos);  // Days change.
}

TEST(ResultFormatNames, FormatsAndAccept) {
  EXPECT_EQ(ParseResultFormat("csv"), ResultFormat::kCsv);
  EXPECT_EQ(ParseResultFormat("xml"), std::nullopt);
  EXPECT_EQ(ResultFormatFromAccept("text/html, application/x-ndjson;q=0.9"), ResultFormat::kNdjson);
  EXPECT_EQ(ResultFormatFromAccept("*/*"), std::nullopt);
  EXPECT_EQ(ResultContentType(ResultFormat::kCsv), "text/csv; charset=utf-8; header=present");
}

}  // namespace
}  // namespace strata::service

namespace strata::service {
namespace {

using types::ColumnVector;
using types::DataType;

TEST(ResultFormatPieces, PiecesJoinToTheRowsOfOneAppend) {
  std::vector<ColumnVector> columns;
  columns.emplace_back(DataType::kInt64);
  columns.emplace_back(DataType::kString);
  for (int row = 0; row < 3000; ++row) {
    columns[0].AppendInt(row);
    columns[1].AppendString("s" + std::to_string(row % 9));
  }
  ASSERT_TRUE(columns[1].DictionaryEncode());
  std::string whole;
  bool first = true;
  AppendJsonRows(whole, columns, 0, 3000, first);
  for (size_t piece_bytes : {size_t{1}, size_t{1000}, size_t{1} << 20}) {
    std::vector<std::string> pieces;
    bool pieces_first = true;
    AppendJsonRowsInPieces(pieces, columns, 0, 1700, pieces_first, piece_bytes);
    AppendJsonRowsInPieces(pieces, columns, 1700, 3000, pieces_first, piece_bytes);
    EXPECT_FALSE(pieces_first);
    std::string joined;
    for (const std::string& piece : pieces) joined += piece;
    EXPECT_EQ(joined, whole) << piece_bytes;
    if (piece_bytes == 1000) {
      EXPECT_GE(pieces.size(), 6u);  // A new piece every 512 rows at most.
    }
  }
}

}  // namespace
}  // namespace strata::service
