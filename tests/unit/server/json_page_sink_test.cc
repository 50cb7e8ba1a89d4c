// JsonPageSink: small pages go out with Content-Length, large ones streamed in pieces; the
// bytes are the same whatever the piece boundaries, the thread count or the way the rows
// were split into writes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json.h"
#include "server/api/handlers/result_stream.h"

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

// The page of rows [0, n) written in writes of `write_rows` rows.
std::string Page(size_t n, size_t write_rows, int parallelism, bool& streamed) {
  const std::vector<ColumnVector> columns = Rows(n);
  JsonPageSink sink(parallelism);
  EXPECT_TRUE(sink.Begin(kHeader).ok());
  for (size_t begin = 0; begin < n; begin += write_rows) {
    EXPECT_TRUE(sink.Write(columns, begin, std::min(n, begin + write_rows)).ok());
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
  bool streamed = true;
  const std::string body = Page(100, 30, 2, streamed);
  EXPECT_FALSE(streamed);
  ExpectRows(body, 100);
}

TEST(JsonPageSink, EmptyPage) {
  bool streamed = true;
  const std::string body = Page(0, 1, 2, streamed);
  EXPECT_FALSE(streamed);
  ExpectRows(body, 0);
  EXPECT_NE(body.find("\"rows\":[]"), std::string::npos);
}

TEST(JsonPageSink, LargePageStreamsTheSameBytesWhateverTheThreadsAndWrites) {
  // About 45 bytes a row: 4 MiB and more, several pieces, and one write large enough to be
  // split across threads.
  constexpr size_t kRows = 100'000;
  bool streamed = false;
  const std::string serial = Page(kRows, kRows, 1, streamed);
  EXPECT_TRUE(streamed);
  ExpectRows(serial, kRows);
  EXPECT_EQ(Page(kRows, kRows, 2, streamed), serial);
  EXPECT_EQ(Page(kRows, kRows, 3, streamed), serial);
  EXPECT_EQ(Page(kRows, 4096, 2, streamed), serial);
  EXPECT_EQ(Page(kRows, 70'000, 2, streamed), serial);  // A parallel write, then a serial one.
}

TEST(JsonPageSink, StreamStopsWhenTheClientIsGone) {
  const std::vector<ColumnVector> columns = Rows(100'000);
  JsonPageSink sink(2);
  ASSERT_TRUE(sink.Begin(kHeader).ok());
  ASSERT_TRUE(sink.Write(columns, 0, 100'000).ok());
  const ApiResponse response = sink.TakeResponse(service::QueryOutcome());
  ASSERT_NE(response.stream, nullptr);
  int calls = 0;
  EXPECT_FALSE(response.stream([&calls](std::string_view) { return ++calls < 2; }));
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace strata::server
