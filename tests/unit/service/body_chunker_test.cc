// Chunk boundaries: ingesting a body chunk by chunk must read exactly the records that
// reading it whole does, for every format and chunk size, including records that hold line
// ends (CSV quoted fields, line-protocol strings).
#include "service/body_chunker.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ingest/csv_reader.h"
#include "ingest/line_protocol.h"
#include "test_util.h"

namespace strata::service {
namespace {

using ingest::BodyFormat;

// The raw text of every record of `body`, as the format's reader finds it.
std::vector<std::string> Records(BodyFormat format, std::string_view body) {
  std::vector<std::string> out;
  if (format == BodyFormat::kCsv) {
    ingest::CsvReader reader(body);
    if (!reader.ReadHeader()) return {"<header error>"};
    ingest::CsvRecord record;
    for (;;) {
      const ingest::CsvStep step = reader.Next(record);
      if (step == ingest::CsvStep::kEnd) break;
      out.emplace_back(record.raw());
      if (step == ingest::CsvStep::kFatal) break;
    }
  } else if (format == BodyFormat::kLineProtocol) {
    ingest::LineProtocolReader reader(body, {});
    ingest::Point point;
    for (;;) {
      const auto outcome = reader.Next(point);
      if (outcome == ingest::LineProtocolReader::Outcome::kEnd) break;
      out.emplace_back(outcome == ingest::LineProtocolReader::Outcome::kPoint
                           ? point.raw_line
                           : reader.error().raw_line);
    }
  } else {
    size_t start = 0;
    while (start < body.size()) {
      size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      std::string line(body.substr(start, end - start));
      if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
      start = end + 1;
    }
  }
  return out;
}

// Splits `body` as the job runner does: windows of `target` bytes from each boundary,
// doubled while the first record does not end inside.
std::vector<std::string> Chunks(BodyFormat format, const std::string& body, size_t target) {
  std::vector<std::string> chunks;
  size_t offset = 0;
  while (offset < body.size()) {
    size_t window = target;
    for (;;) {
      const size_t n = std::min(window, body.size() - offset);
      std::optional<size_t> end = FindChunkEnd(format, std::string_view(body).substr(offset, n),
                                               offset + n == body.size(), offset == 0, target);
      if (end) {
        EXPECT_GT(*end, 0u);
        chunks.push_back(body.substr(offset, *end));
        offset += *end;
        break;
      }
      window *= 2;
    }
  }
  return chunks;
}

void ExpectSameRecords(BodyFormat format, const std::string& body, size_t target) {
  SCOPED_TRACE("target " + std::to_string(target));
  const std::vector<std::string> chunks = Chunks(format, body, target);
  std::string joined;
  for (const std::string& chunk : chunks) joined += chunk;
  ASSERT_EQ(joined, body);
  std::string header;
  if (format == BodyFormat::kCsv) {
    ASSERT_OK_AND_ASSIGN(std::optional<size_t> end, CsvHeaderEnd(body, true));
    ASSERT_TRUE(end.has_value());
    header = body.substr(0, *end);
  }
  std::vector<std::string> chunked;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const std::string text = i > 0 ? header + chunks[i] : chunks[i];
    for (std::string& record : Records(format, text)) chunked.push_back(std::move(record));
  }
  EXPECT_EQ(chunked, Records(format, body));
}

std::string RandomCsv(std::mt19937& rng) {
  const std::vector<std::string> rows = {"1,plain,x",           "2,\"quoted, comma\",y",
                                         "3,\"line\nbreak\",z", "4,\"cr\r\nlf\",w",
                                         "5,bare\"quote,v",     "6,\"a\"\"b\",u",
                                         "7,\"\"\"\n\"\"\",t",  "8,short",
                                         "9,x,y,extra",         "10,\"unclosed then\nmore\",s"};
  const std::vector<std::string> ends = {"\n", "\r\n", "\r", "\n\n", "\r\n\r\n"};
  std::string body = "\xEF\xBB\xBF\nid,name,tag\r\n";
  for (int i = 0; i < 80; ++i) body += rows[rng() % rows.size()] + ends[rng() % ends.size()];
  return body;
}

std::string RandomLineProtocol(std::mt19937& rng) {
  const std::vector<std::string> lines = {
      "m,host=a v=1 1",
      "m,host=a\"b v=2",                       // A quote in a tag is an ordinary byte.
      "m s=\"multi\nline\" 3",                 // A string holding a line feed.
      "m s=\"esc \\\" quote\nand more\",v=1",  // An escaped quote inside a string.
      "# comment with \"quote",
      "   ",
      "m v=oops",
      "m,host=x v=1i,s=\"\"",
      "\"m\" v=1"};
  std::string body;
  for (int i = 0; i < 80; ++i) body += lines[rng() % lines.size()] + (rng() % 3 ? "\n" : "\r\n");
  return body;
}

TEST(BodyChunkerTest, CsvChunksHoldTheSameRecords) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    const std::string body = RandomCsv(rng);
    for (size_t target : {1, 7, 40, 200, 100000}) ExpectSameRecords(BodyFormat::kCsv, body, target);
  }
}

TEST(BodyChunkerTest, LineProtocolChunksHoldTheSameRecords) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    const std::string body = RandomLineProtocol(rng);
    for (size_t target : {1, 9, 50, 300, 100000}) {
      ExpectSameRecords(BodyFormat::kLineProtocol, body, target);
    }
  }
  // A string that never closes runs to the end of the body: it is one record.
  ExpectSameRecords(BodyFormat::kLineProtocol, "m v=1\nm s=\"open\nx v=2\ny v=3\n", 4);
}

TEST(BodyChunkerTest, NdjsonChunksEndAtLineFeeds) {
  const std::string body = "{\"a\":1}\n\n{\"a\":22}\r\n{\"long\":\"xxxxxxxxxxxx\"}\n{\"a\":3}";
  for (size_t target : {1, 10, 20, 1000}) ExpectSameRecords(BodyFormat::kNdjson, body, target);
  EXPECT_EQ(FindChunkEnd(BodyFormat::kNdjson, "{\"a\":1}\n{\"b\":2}\n", false, true, 12), 8u);
  // The first line alone is longer than the target.
  EXPECT_EQ(FindChunkEnd(BodyFormat::kNdjson, "{\"abc\":1}\n{}", false, true, 3), 10u);
  // No line end in the window, more body to come: read more.
  EXPECT_EQ(FindChunkEnd(BodyFormat::kNdjson, "{\"abc\":1", false, true, 3), std::nullopt);
  EXPECT_EQ(FindChunkEnd(BodyFormat::kNdjson, "{\"abc\":1", true, true, 3), 8u);
}

TEST(BodyChunkerTest, CsvChunksNeverSplitAQuotedField) {
  const std::string body = "a,b\n1,\"x\ny\"\n2,z\n";
  // Target 8 ends inside the quoted field; the chunk ends after the whole record.
  EXPECT_EQ(FindChunkEnd(BodyFormat::kCsv, body, true, true, 8), 12u);
  EXPECT_EQ(FindChunkEnd(BodyFormat::kCsv, "1,\"x\ny\"\n2,z\n", true, false, 3), 8u);
  EXPECT_EQ(FindChunkEnd(BodyFormat::kCsv, "1,\"x\ny", false, false, 3), std::nullopt);
}

TEST(BodyChunkerTest, JsonIsNeverSplit) {
  EXPECT_EQ(FindChunkEnd(BodyFormat::kJson, "[{},\n{}]", false, true, 3), std::nullopt);
  EXPECT_EQ(FindChunkEnd(BodyFormat::kJson, "[{},\n{}]", true, true, 3), 8u);
}

TEST(BodyChunkerTest, CsvHeaderEnd) {
  EXPECT_EQ(CsvHeaderEnd("\xEF\xBB\xBF\n\na,b\r\n1,2\n", true).value(), std::optional<size_t>(10));
  EXPECT_EQ(CsvHeaderEnd("a,b", true).value(), std::optional<size_t>(3));
  EXPECT_EQ(CsvHeaderEnd("a,b\r", false).value(), std::nullopt);  // CR or CRLF?
  EXPECT_EQ(CsvHeaderEnd("\"a\nb", false).value(), std::nullopt);
  EXPECT_EQ(CsvHeaderEnd("\n\n", false).value(), std::nullopt);
  EXPECT_EQ(CsvHeaderEnd("\n\n", true).status().problem_code(), "csv_no_header");
  EXPECT_EQ(CsvHeaderEnd("a,a\n", true).status().problem_code(), "csv_bad_header");
}

TEST(BodyChunkerTest, CountLineEnds) {
  EXPECT_EQ(CountLineEnds(BodyFormat::kNdjson, "a\nb\r\nc\rd"), 2u);
  EXPECT_EQ(CountLineEnds(BodyFormat::kCsv, "a\nb\r\nc\rd\r"), 4u);
  EXPECT_EQ(CountLineEnds(BodyFormat::kLineProtocol, ""), 0u);
}

}  // namespace
}  // namespace strata::service
