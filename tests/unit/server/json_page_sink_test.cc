// JsonPageSink: small pages go out with Content-Length, large ones streamed in pieces; the
// bytes are the same whatever the piece boundaries, the thread count, and whether the rows
// came in batches (Write) or whole (WriteAll, encoded while sent, in one part or many).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "server/api/handlers/json_page_sink.h"

namespace strata::server {
namespace {

using types::ColumnVector;
using types::DataType;

const std::vector<exec::ResultColumn> kHeader = {
    {"t", DataType::kTimestamp}, {"host", DataType::kString}, {"v", DataType::kInt64}};

// Rows 0..n-1: t = row seconds, host = "host_<row % 50>", v = row.
std::vector<ColumnVector> Rows(size_t n) {
  std::vector<ColumnVector> columns;
  for (const exec::ResultColumn& column : kHeader) columns.emplace_back(column.type);
  for (size_t row = 0; row < n; ++row) {
    columns[0].AppendInt(static_cast<int64_t>(row) * 1'000'000);
    columns[1].AppendString("host_" + std::to_string(row % 50));
    columns[2].AppendInt(static_cast<int64_t>(row));
  }
  return columns;
}

// Rows [begin, end) of Rows(end) as a whole result, in parts of at most `part_rows` rows.
std::shared_ptr<const exec::ResultRows> Whole(size_t begin, size_t end, size_t part_rows) {
  const std::vector<ColumnVector> all = Rows(end);
  auto rows = std::make_shared<exec::ResultRows>();
  for (size_t first = begin; first < end; first += part_rows) {
    const size_t last = std::min(end, first + part_rows);
    std::vector<ColumnVector> part;
    for (const ColumnVector& column : all) {
      part.emplace_back(column.type());
      part.back().AppendRange(column, first, last);
    }
    rows->Append(std::move(part), last - first);
  }
  return rows;
}

// The whole body of `response`, and whether it was streamed.
std::string BodyOf(const ApiResponse& response, bool& streamed) {
  streamed = response.stream != nullptr;
  if (!streamed) return response.body;
  std::string body;
  EXPECT_TRUE(response.stream([&body](std::string_view chunk) {
    body += chunk;
    return true;
  }));
  return body;
}

// The page of rows [0, n): written in writes of `write_rows` rows, or whole through WriteAll
// (in parts of `part_rows` rows) when write_rows is 0.
std::string Page(size_t n, size_t write_rows, int parallelism, bool& streamed,
                 size_t part_rows = SIZE_MAX) {
  auto columns = std::make_shared<const std::vector<ColumnVector>>(Rows(n));
  JsonPageSink sink(parallelism);
  EXPECT_TRUE(sink.Begin(kHeader).ok());
  if (write_rows == 0) {
    EXPECT_TRUE(sink.WriteAll(Whole(0, n, part_rows)).ok());
  } else {
    for (size_t begin = 0; begin < n; begin += write_rows) {
      EXPECT_TRUE(sink.Write(*columns, begin, std::min(n, begin + write_rows)).ok());
    }
  }
  service::QueryOutcome outcome;
  outcome.stats.rows_returned = n;
  const ApiResponse response = sink.TakeResponse(outcome);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  return BodyOf(response, streamed);
}

void ExpectRows(const std::string& body, size_t n) {
  Result<json::Value> page = json::Parse(body);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const json::Value* rows = page->Find("rows");
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->items().size(), n);
  for (size_t row = 0; row < n; ++row) {
    const std::vector<json::Value>& values = rows->items()[row].items();
    ASSERT_EQ(values.size(), 3u);
    ASSERT_EQ(values[1].string_value(), "host_" + std::to_string(row % 50));
    ASSERT_EQ(values[2].int64_value(), static_cast<int64_t>(row));
  }
  EXPECT_TRUE(page->Find("next_cursor")->is_null());
  EXPECT_EQ(page->Find("stats")->Find("rows_returned")->int64_value(), static_cast<int64_t>(n));
}

TEST(JsonPageSink, SmallPageHasOneBody) {
  for (size_t write_rows : {0, 30}) {
    bool streamed = true;
    const std::string body = Page(100, write_rows, 2, streamed);
    EXPECT_FALSE(streamed);
    ExpectRows(body, 100);
  }
}

TEST(JsonPageSink, EmptyPage) {
  for (size_t write_rows : {0, 1}) {
    bool streamed = true;
    const std::string body = Page(0, write_rows, 2, streamed);
    EXPECT_FALSE(streamed);
    ExpectRows(body, 0);
    EXPECT_NE(body.find("\"rows\":[]"), std::string::npos);
  }
}

TEST(JsonPageSink, LargePageStreamsTheSameBytesWhateverTheThreadsAndWrites) {
  // About 45 bytes a row: 4 MiB and more, in several pieces.
  constexpr size_t kRows = 100'000;
  bool streamed = false;
  const std::string batches = Page(kRows, 4096, 1, streamed);
  EXPECT_TRUE(streamed);
  ExpectRows(batches, kRows);
  EXPECT_EQ(Page(kRows, kRows, 2, streamed), batches);
  EXPECT_TRUE(streamed);
  for (int parallelism : {1, 2, 3, 8}) {
    EXPECT_EQ(Page(kRows, 0, parallelism, streamed), batches) << parallelism;
    EXPECT_TRUE(streamed);
    // Parts smaller and larger than a range, the last one short.
    for (size_t part_rows : {size_t{3'001}, size_t{40'000}}) {
      EXPECT_EQ(Page(kRows, 0, parallelism, streamed, part_rows), batches)
          << parallelism << " " << part_rows;
    }
  }
  EXPECT_EQ(Page(1001, 0, 2, streamed), Page(1001, 7, 1, streamed));
}

TEST(JsonPageSink, RowsAfterAWholeResultFollowIt) {
  // 50,000 rows x 3 columns: enough values for WriteAll to keep them for later.
  auto columns = std::make_shared<const std::vector<ColumnVector>>(Rows(60'000));
  JsonPageSink sink(2);
  ASSERT_TRUE(sink.Begin(kHeader).ok());
  ASSERT_TRUE(sink.WriteAll(Whole(0, 50'000, 7'000)).ok());
  ASSERT_TRUE(sink.Write(*columns, 50'000, 60'000).ok());
  service::QueryOutcome outcome;
  outcome.stats.rows_returned = 60'000;
  bool streamed = false;
  const std::string body = BodyOf(sink.TakeResponse(outcome), streamed);
  EXPECT_TRUE(streamed);
  ExpectRows(body, 60'000);
  EXPECT_EQ(body, Page(60'000, 10'000, 1, streamed));
}

TEST(JsonPageSink, StreamStopsWhenTheClientIsGone) {
  for (size_t write_rows : {0, 4096}) {
    auto columns = std::make_shared<const std::vector<ColumnVector>>(Rows(100'000));
    JsonPageSink sink(3);
    ASSERT_TRUE(sink.Begin(kHeader).ok());
    if (write_rows == 0) {
      ASSERT_TRUE(sink.WriteAll(Whole(0, 100'000, 30'000)).ok());
    } else {
      for (size_t begin = 0; begin < 100'000; begin += write_rows) {
        ASSERT_TRUE(
            sink.Write(*columns, begin, std::min<size_t>(100'000, begin + write_rows)).ok());
      }
    }
    const ApiResponse response = sink.TakeResponse(service::QueryOutcome());
    ASSERT_NE(response.stream, nullptr);
    int calls = 0;
    EXPECT_FALSE(response.stream([&calls](std::string_view) { return ++calls < 2; }));
    EXPECT_EQ(calls, 2);
  }
}

}  // namespace
}  // namespace strata::server
