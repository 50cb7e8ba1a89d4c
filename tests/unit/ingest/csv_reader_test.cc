#include "ingest/csv_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace strata::ingest {
namespace {

using Fields = std::vector<std::string>;

// One result of Next(), copied out of the reader.
struct Event {
  CsvStep step = CsvStep::kEnd;
  Fields fields;
  std::vector<bool> quoted;
  uint64_t index = 0;
  uint64_t line = 0;
  std::string raw;
  size_t offset = 0;
  std::string code;  // Set for kRecordError and kFatal.
  uint64_t error_line = 0;
  uint64_t error_column = 0;
  std::string message;
};

struct ReadResult {
  Fields header;
  std::vector<Event> events;  // Ends with kEnd or kFatal.

  // The field lists of the kRecord events.
  std::vector<Fields> records() const {
    std::vector<Fields> out;
    for (const Event& event : events) {
      if (event.step == CsvStep::kRecord) out.push_back(event.fields);
    }
    return out;
  }
  const Event& last() const { return events.back(); }
};

ReadResult ReadAll(std::string_view input, const CsvOptions& options = {}) {
  ReadResult result;
  CsvReader reader(input, options);
  CsvRecord record;
  for (size_t step_idx = 0; step_idx <= input.size() + 2; ++step_idx) {
    Event event;
    event.step = reader.Next(record);
    if (step_idx == 0) {
      for (size_t i = 0; i < reader.header().size(); ++i) {
        result.header.emplace_back(reader.header().field(i));
      }
    }
    if (event.step != CsvStep::kEnd) {
      event.index = record.index();
      event.line = record.line();
      event.raw = std::string(record.raw());
      event.offset = record.offset();
      EXPECT_EQ(input.substr(record.offset(), record.raw().size()), record.raw());
    }
    if (event.step == CsvStep::kRecord) {
      for (size_t i = 0; i < record.size(); ++i) {
        event.fields.emplace_back(record.field(i));
        event.quoted.push_back(record.quoted(i));
      }
    }
    if (event.step == CsvStep::kRecordError || event.step == CsvStep::kFatal) {
      event.code = std::string(reader.error().code);
      event.error_line = reader.error().line;
      event.error_column = reader.error().column;
      event.message = reader.error().message;
      EXPECT_FALSE(event.message.empty());
    }
    result.events.push_back(event);
    if (event.step == CsvStep::kEnd || event.step == CsvStep::kFatal) {
      // Terminal steps repeat.
      EXPECT_EQ(reader.Next(record), event.step);
      return result;
    }
  }
  ADD_FAILURE() << "reader did not terminate";
  return result;
}

// Expects the single error event of `result` (besides records) to be `code` at line:column.
void ExpectError(const Event& event, CsvStep step, std::string_view code, uint64_t line,
                 uint64_t column) {
  EXPECT_EQ(event.step, step);
  EXPECT_EQ(event.code, code);
  EXPECT_EQ(event.error_line, line) << event.message;
  EXPECT_EQ(event.error_column, column) << event.message;
}

// ---- Well-formed input ----

TEST(CsvReaderTest, ReadsHeaderAndRecords) {
  const std::string input = "a,b,c\n1,2,3\n4,5,6\n";
  const ReadResult result = ReadAll(input);
  EXPECT_EQ(result.header, (Fields{"a", "b", "c"}));
  ASSERT_EQ(result.events.size(), 3u);
  EXPECT_EQ(result.events[0].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(result.events[0].index, 0u);
  EXPECT_EQ(result.events[0].line, 2u);
  EXPECT_EQ(result.events[0].raw, "1,2,3");
  EXPECT_EQ(result.events[0].offset, 6u);
  EXPECT_EQ(result.events[1].fields, (Fields{"4", "5", "6"}));
  EXPECT_EQ(result.events[1].index, 1u);
  EXPECT_EQ(result.events[1].line, 3u);
  EXPECT_EQ(result.last().step, CsvStep::kEnd);
}

TEST(CsvReaderTest, ReadHeaderBeforeFirstRecord) {
  CsvReader reader("x,y\n1,2\n");
  ASSERT_TRUE(reader.ReadHeader());
  ASSERT_EQ(reader.header().size(), 2u);
  EXPECT_EQ(reader.header().field(1), "y");
  EXPECT_EQ(reader.expected_fields(), 2u);
  EXPECT_TRUE(reader.ReadHeader());  // Idempotent.
  CsvRecord record;
  ASSERT_EQ(reader.Next(record), CsvStep::kRecord);
  EXPECT_EQ(record.field(0), "1");
  EXPECT_EQ(reader.Next(record), CsvStep::kEnd);
}

TEST(CsvReaderTest, AcceptsCrLfAndLoneCrLineEnds) {
  for (const std::string_view eol : {"\r\n", "\r", "\n"}) {
    SCOPED_TRACE(testing::PrintToString(std::string(eol)));
    const std::string input =
        "a,b" + std::string(eol) + "1,2" + std::string(eol) + "3,4" + std::string(eol);
    const ReadResult result = ReadAll(input);
    EXPECT_EQ(result.header, (Fields{"a", "b"}));
    EXPECT_EQ(result.records(), (std::vector<Fields>{{"1", "2"}, {"3", "4"}}));
    EXPECT_EQ(result.events[0].raw, "1,2");
    EXPECT_EQ(result.events[1].line, 3u);
  }
}

TEST(CsvReaderTest, MixedLineEnds) {
  const ReadResult result = ReadAll("a\r\n1\n2\r3\r\n4");
  EXPECT_EQ(result.records(), (std::vector<Fields>{{"1"}, {"2"}, {"3"}, {"4"}}));
  EXPECT_EQ(result.events[3].line, 5u);
}

TEST(CsvReaderTest, StripsBom) {
  const std::string input =
      "\xEF\xBB\xBF"
      "a,b\n1,2\n";
  const ReadResult result = ReadAll(input);
  EXPECT_EQ(result.header, (Fields{"a", "b"}));
  EXPECT_EQ(result.records(), (std::vector<Fields>{{"1", "2"}}));
  EXPECT_EQ(result.events[0].offset, 7u);  // Offsets count the BOM.

  // Columns on the first line do not count the BOM.
  const ReadResult bad = ReadAll(
      "\xEF\xBB\xBF"
      "a,b\"\n");
  ExpectError(bad.last(), CsvStep::kFatal, "csv_bare_quote", 1, 4);
}

TEST(CsvReaderTest, BomOnlyAtStart) {
  // A BOM elsewhere is an ordinary (valid) character.
  const ReadResult result = ReadAll("a\n\xEF\xBB\xBFx\n");
  EXPECT_EQ(result.records(), (std::vector<Fields>{{"\xEF\xBB\xBFx"}}));
}

TEST(CsvReaderTest, QuotedFieldsHoldDelimitersNewlinesAndQuotes) {
  const std::string input =
      "a,b,c\n"
      "\"x,y\",\"line1\nline2\",\"say \"\"hi\"\"\"\n"
      "\"cr\r\nlf\",\"lone\rcr\",\"\"\"\"\n"
      "next,row,here\n";
  const ReadResult result = ReadAll(input);
  ASSERT_EQ(result.events.size(), 4u);
  EXPECT_EQ(result.events[0].fields, (Fields{"x,y", "line1\nline2", "say \"hi\""}));
  EXPECT_EQ(result.events[0].quoted, (std::vector<bool>{true, true, true}));
  EXPECT_EQ(result.events[0].line, 2u);
  EXPECT_EQ(result.events[1].fields, (Fields{"cr\r\nlf", "lone\rcr", "\""}));
  EXPECT_EQ(result.events[1].line, 4u);  // Line 2 holds one embedded LF.
  EXPECT_EQ(result.events[1].raw, "\"cr\r\nlf\",\"lone\rcr\",\"\"\"\"");
  EXPECT_EQ(result.events[2].fields, (Fields{"next", "row", "here"}));
  EXPECT_EQ(result.events[2].line, 7u);  // CRLF and lone CR count one line each.
}

TEST(CsvReaderTest, ManyEscapedFieldsInOneRecord) {
  // Enough unescaped bytes to regrow the record's buffer mid-record: earlier views must stay
  // valid.
  std::string input = "h\n";
  std::string expected;
  std::string line;
  const size_t kFields = 200;
  std::string header;
  for (size_t i = 0; i < kFields; ++i) {
    header += (i ? ",h" : "h") + std::to_string(i);
    line += i ? "," : "";
    line += "\"" + std::string(i, 'v') + "\"\"" + std::to_string(i) + "\"";
  }
  input = header + "\n" + line + "\n" + line + "\n";
  const ReadResult result = ReadAll(input);
  ASSERT_EQ(result.records().size(), 2u);
  for (const Fields& fields : result.records()) {
    ASSERT_EQ(fields.size(), kFields);
    for (size_t i = 0; i < kFields; ++i) {
      EXPECT_EQ(fields[i], std::string(i, 'v') + "\"" + std::to_string(i));
    }
  }
}

TEST(CsvReaderTest, ReusesTheRecordBuffer) {
  CsvReader reader("a,b\n\"long \"\"escaped\"\" value\",x\n\"sh\"\"ort\",y\n");
  CsvRecord record;
  ASSERT_EQ(reader.Next(record), CsvStep::kRecord);
  const char* const first = record.field(0).data();
  ASSERT_EQ(reader.Next(record), CsvStep::kRecord);
  EXPECT_EQ(record.field(0), "sh\"ort");
  EXPECT_EQ(record.field(0).data(), first);  // Same buffer, not reallocated.
  EXPECT_EQ(record.field(1), "y");
}

TEST(CsvReaderTest, EmptyFieldsAndEmptyQuotedFields) {
  const ReadResult result = ReadAll("a,b,c\n,,\n\"\",,\"\"\nx,\"\",\n");
  ASSERT_EQ(result.events.size(), 4u);
  EXPECT_EQ(result.events[0].fields, (Fields{"", "", ""}));
  EXPECT_EQ(result.events[0].quoted, (std::vector<bool>{false, false, false}));
  EXPECT_EQ(result.events[1].fields, (Fields{"", "", ""}));
  EXPECT_EQ(result.events[1].quoted, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(result.events[2].fields, (Fields{"x", "", ""}));
  EXPECT_EQ(result.events[2].quoted, (std::vector<bool>{false, true, false}));
}

TEST(CsvReaderTest, QuoteInsideFieldIsLiteralOnlyWhenDoubledInQuotes) {
  const ReadResult result = ReadAll("a\n\"a\"\"b\"\n");
  EXPECT_EQ(result.records(), (std::vector<Fields>{{"a\"b"}}));
}

TEST(CsvReaderTest, TrailingNewlineIsOptional) {
  EXPECT_EQ(ReadAll("a,b\n1,2").records(), (std::vector<Fields>{{"1", "2"}}));
  EXPECT_EQ(ReadAll("a,b\n1,2\n").records(), (std::vector<Fields>{{"1", "2"}}));
  EXPECT_EQ(ReadAll("a,b\n1,2\r\n").records(), (std::vector<Fields>{{"1", "2"}}));
  EXPECT_EQ(ReadAll("a,b\n1,\"2\"").records(), (std::vector<Fields>{{"1", "2"}}));
  // A trailing delimiter at the end of the body is an empty last field.
  EXPECT_EQ(ReadAll("a,b\n1,").records(), (std::vector<Fields>{{"1", ""}}));
  const ReadResult header_only = ReadAll("a,b");
  EXPECT_EQ(header_only.header, (Fields{"a", "b"}));
  ASSERT_EQ(header_only.events.size(), 1u);
  EXPECT_EQ(header_only.last().step, CsvStep::kEnd);
}

TEST(CsvReaderTest, SkipsBlankLines) {
  const ReadResult result = ReadAll("\n\r\na,b\n\n1,2\r\n\r\n\r3,4\n\n\n");
  EXPECT_EQ(result.header, (Fields{"a", "b"}));
  ASSERT_EQ(result.events.size(), 3u);
  EXPECT_EQ(result.events[0].fields, (Fields{"1", "2"}));
  EXPECT_EQ(result.events[0].line, 5u);
  EXPECT_EQ(result.events[0].index, 0u);
  EXPECT_EQ(result.events[1].fields, (Fields{"3", "4"}));
  EXPECT_EQ(result.events[1].line, 8u);
  EXPECT_EQ(result.events[1].index, 1u);
}

TEST(CsvReaderTest, WhitespaceIsData) {
  const ReadResult result = ReadAll("a,b\n \t, x \n");
  EXPECT_EQ(result.records(), (std::vector<Fields>{{" \t", " x "}}));
}

TEST(CsvReaderTest, OtherDelimiterAndQuote) {
  CsvOptions options;
  options.delimiter = ';';
  options.quote = '\'';
  const ReadResult result = ReadAll("a;b\n'x;''y';\"z\"\n", options);
  EXPECT_EQ(result.records(), (std::vector<Fields>{{"x;'y", "\"z\""}}));

  CsvOptions tabs;
  tabs.delimiter = '\t';
  EXPECT_EQ(ReadAll("a\tb\n1,5\t\"t\tab\"\n", tabs).records(),
            (std::vector<Fields>{{"1,5", "t\tab"}}));
}

TEST(CsvReaderTest, WithoutHeaderFirstRecordSetsFieldCount) {
  CsvOptions options;
  options.has_header = false;
  const ReadResult result = ReadAll("1,2\n3,4\n5\n6,7\n", options);
  EXPECT_TRUE(result.header.empty());
  ASSERT_EQ(result.events.size(), 5u);
  EXPECT_EQ(result.events[0].fields, (Fields{"1", "2"}));
  EXPECT_EQ(result.events[0].index, 0u);
  EXPECT_EQ(result.events[0].line, 1u);
  EXPECT_EQ(result.events[1].fields, (Fields{"3", "4"}));
  ExpectError(result.events[2], CsvStep::kRecordError, "csv_field_count", 3, 2);
  EXPECT_EQ(result.events[3].fields, (Fields{"6", "7"}));
  EXPECT_EQ(result.events[3].index, 3u);

  EXPECT_EQ(ReadAll("", options).last().step, CsvStep::kEnd);
  EXPECT_EQ(ReadAll("\n\r\n", options).last().step, CsvStep::kEnd);
}

TEST(CsvReaderTest, FieldPositions) {
  CsvReader reader("a,b,c\n\"x\ny\",\"p\r\nq\",z\n");
  CsvRecord record;
  ASSERT_EQ(reader.Next(record), CsvStep::kRecord);
  EXPECT_EQ(record.field_offset(0), 6u);
  EXPECT_EQ(record.FieldPosition(0).line, 2u);
  EXPECT_EQ(record.FieldPosition(0).column, 1u);
  EXPECT_EQ(record.FieldPosition(1).line, 3u);
  EXPECT_EQ(record.FieldPosition(1).column, 4u);
  EXPECT_EQ(record.FieldPosition(2).line, 4u);
  EXPECT_EQ(record.FieldPosition(2).column, 4u);
  EXPECT_EQ(reader.header().FieldPosition(2).column, 5u);
}

TEST(CsvReaderTest, ErrorToStatus) {
  CsvReader reader("a,a\n");
  ASSERT_FALSE(reader.ReadHeader());
  const Status status = reader.error().ToStatus();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.problem_code(), "csv_bad_header");
  EXPECT_NE(status.message().find("line 1, column 3: "), std::string_view::npos)
      << status.message();
}

// ---- Record errors and recovery ----

TEST(CsvReaderTest, FieldCountErrors) {
  const ReadResult result = ReadAll("a,b,c\n1,2\n1,2,3,4\n5,6,7\n");
  ASSERT_EQ(result.events.size(), 4u);
  // Too few: at the end of the record.
  ExpectError(result.events[0], CsvStep::kRecordError, "csv_field_count", 2, 4);
  EXPECT_NE(result.events[0].message.find("expected 3"), std::string::npos);
  EXPECT_NE(result.events[0].message.find("got 2"), std::string::npos);
  EXPECT_EQ(result.events[0].raw, "1,2");
  EXPECT_EQ(result.events[0].index, 0u);
  EXPECT_EQ(result.events[0].line, 2u);
  // Too many: at the first extra field.
  ExpectError(result.events[1], CsvStep::kRecordError, "csv_field_count", 3, 7);
  EXPECT_NE(result.events[1].message.find("got 4"), std::string::npos);
  EXPECT_EQ(result.events[1].index, 1u);
  // Recovery.
  EXPECT_EQ(result.events[2].step, CsvStep::kRecord);
  EXPECT_EQ(result.events[2].fields, (Fields{"5", "6", "7"}));
  EXPECT_EQ(result.events[2].index, 2u);
  EXPECT_EQ(result.events[2].line, 4u);
}

TEST(CsvReaderTest, RaggedRows) {
  const ReadResult result = ReadAll("a,b\n1\n1,2\n\n1,2,3\n,\n\"\"\n1,2");
  std::vector<CsvStep> steps;
  for (const Event& event : result.events) steps.push_back(event.step);
  EXPECT_EQ(steps, (std::vector<CsvStep>{CsvStep::kRecordError, CsvStep::kRecord,
                                         CsvStep::kRecordError, CsvStep::kRecord,
                                         CsvStep::kRecordError, CsvStep::kRecord, CsvStep::kEnd}));
  EXPECT_EQ(result.records(), (std::vector<Fields>{{"1", "2"}, {"", ""}, {"1", "2"}}));
  EXPECT_EQ(result.events[5].index, 5u);
  EXPECT_EQ(result.events[5].line, 8u);
}

TEST(CsvReaderTest, BareQuote) {
  const ReadResult result = ReadAll("a,b,c\n1,x\"y,3\n4,5,6\n");
  ASSERT_EQ(result.events.size(), 3u);
  ExpectError(result.events[0], CsvStep::kRecordError, "csv_bare_quote", 2, 4);
  EXPECT_EQ(result.events[0].raw, "1,x\"y,3");
  EXPECT_EQ(result.events[1].fields, (Fields{"4", "5", "6"}));
  EXPECT_EQ(result.events[1].index, 1u);
  EXPECT_EQ(result.events[1].line, 3u);

  // A space before the opening quote makes it a bare quote.
  ExpectError(ReadAll("a,b\n1, \"2\"\n").events[0], CsvStep::kRecordError, "csv_bare_quote", 2, 4);
  // Trailing quote in an unquoted field.
  ExpectError(ReadAll("a\nxy\"\n").events[0], CsvStep::kRecordError, "csv_bare_quote", 2, 3);
}

TEST(CsvReaderTest, RecoveryAfterBareQuoteKeepsQuoteRules) {
  // The rest of the rejected record has a quoted field with a newline; the skip must not
  // stop inside it.
  const ReadResult result = ReadAll("a,b,c\nx\"y,\"p\nq\",z\n1,2,3\n");
  ASSERT_EQ(result.events.size(), 3u);
  ExpectError(result.events[0], CsvStep::kRecordError, "csv_bare_quote", 2, 2);
  EXPECT_EQ(result.events[0].raw, "x\"y,\"p\nq\",z");
  EXPECT_EQ(result.events[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(result.events[1].line, 4u);
  EXPECT_EQ(result.events[1].index, 1u);
}

TEST(CsvReaderTest, CharactersAfterClosingQuote) {
  const ReadResult result = ReadAll("a,b,c\n1,\"x\"y,3\n\"ok\",\"\"z,\"\"\n4,5,6\n");
  ASSERT_EQ(result.events.size(), 4u);
  ExpectError(result.events[0], CsvStep::kRecordError, "csv_after_quote", 2, 6);
  EXPECT_EQ(result.events[0].raw, "1,\"x\"y,3");
  ExpectError(result.events[1], CsvStep::kRecordError, "csv_after_quote", 3, 8);
  EXPECT_EQ(result.events[2].fields, (Fields{"4", "5", "6"}));
  EXPECT_EQ(result.events[2].index, 2u);
  EXPECT_EQ(result.events[2].line, 4u);
  // Space after the closing quote.
  ExpectError(ReadAll("a,b\n\"1\" ,2\n").events[0], CsvStep::kRecordError, "csv_after_quote", 2, 4);
}

TEST(CsvReaderTest, ErrorAfterMultilineFieldReportsItsOwnLine) {
  const ReadResult result = ReadAll("a,b\n\"x\ny\"z,1\n");
  ExpectError(result.events[0], CsvStep::kRecordError, "csv_after_quote", 3, 3);
  EXPECT_EQ(result.events[0].line, 2u);
}

TEST(CsvReaderTest, FieldTooLarge) {
  CsvOptions options;
  options.max_field_bytes = 4;
  const ReadResult result =
      ReadAll("a,b\n1234,\"ab\"\"c\"\n1,12345\n\"12\"\"\"\"3\",x\n5,6\n", options);
  ASSERT_EQ(result.events.size(), 5u);
  EXPECT_EQ(result.events[0].fields, (Fields{"1234", "ab\"c"}));  // Limit counts unescaped.
  ExpectError(result.events[1], CsvStep::kRecordError, "csv_field_too_large", 3, 3);
  EXPECT_NE(result.events[1].message.find("5 bytes"), std::string::npos);
  EXPECT_NE(result.events[1].message.find("4"), std::string::npos);
  ExpectError(result.events[2], CsvStep::kRecordError, "csv_field_too_large", 4, 1);
  EXPECT_EQ(result.events[3].fields, (Fields{"5", "6"}));
  EXPECT_EQ(result.events[3].index, 3u);
}

TEST(CsvReaderTest, RecordTooLarge) {
  CsvOptions options;
  options.max_record_bytes = 7;
  const ReadResult result = ReadAll("a,b\n123,567\n123,5678\n\"1\n\",\"\"\"\"\n1,2\n", options);
  ASSERT_EQ(result.events.size(), 5u);
  EXPECT_EQ(result.events[0].fields, (Fields{"123", "567"}));
  ExpectError(result.events[1], CsvStep::kRecordError, "csv_record_too_large", 3, 1);
  EXPECT_NE(result.events[1].message.find("8 bytes"), std::string::npos);
  ExpectError(result.events[2], CsvStep::kRecordError, "csv_record_too_large", 4, 1);
  EXPECT_EQ(result.events[3].fields, (Fields{"1", "2"}));
  EXPECT_EQ(result.events[3].line, 6u);
}

TEST(CsvReaderTest, HeaderTooLargeIsFatal) {
  CsvOptions options;
  options.max_field_bytes = 3;
  ExpectError(ReadAll("ab,abcd\n1,2\n", options).last(), CsvStep::kFatal, "csv_field_too_large", 1,
              4);
}

TEST(CsvReaderTest, OneErrorPerRecordTheFirst) {
  // Bare quote (field 1) comes before the after-quote error (field 2) and the field count.
  const ReadResult result = ReadAll("a,b\nx\",\"y\"z,3\n");
  ExpectError(result.events[0], CsvStep::kRecordError, "csv_bare_quote", 2, 2);
  EXPECT_EQ(result.events.size(), 2u);
}

// ---- Fatal errors ----

TEST(CsvReaderTest, UnterminatedQuote) {
  const ReadResult result = ReadAll("a,b\n1,2\n3,\"open\n4,5\n");
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].fields, (Fields{"1", "2"}));
  ExpectError(result.events[1], CsvStep::kFatal, "csv_unterminated_quote", 3, 3);
  EXPECT_EQ(result.events[1].index, 1u);
  EXPECT_EQ(result.events[1].line, 3u);
  EXPECT_EQ(result.events[1].raw, "3,\"open\n4,5\n");

  ExpectError(ReadAll("a\n\"").last(), CsvStep::kFatal, "csv_unterminated_quote", 2, 1);
  ExpectError(ReadAll("a\n\"x\"\"").last(), CsvStep::kFatal, "csv_unterminated_quote", 2, 1);
  ExpectError(ReadAll("\"a").last(), CsvStep::kFatal, "csv_unterminated_quote", 1, 1);
  // Also when it opens in the skipped part of a rejected record: the rest of the body is one
  // open field, and the fatal error replaces the record error.
  const ReadResult skipped = ReadAll("a,b\nx\"y,\"z\n1,2\n");
  ASSERT_EQ(skipped.events.size(), 1u);
  ExpectError(skipped.events[0], CsvStep::kFatal, "csv_unterminated_quote", 2, 5);
}

TEST(CsvReaderTest, NoHeader) {
  for (const std::string_view input : {"", "\n", "\r\n\r\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF\n"}) {
    SCOPED_TRACE(testing::PrintToString(std::string(input)));
    const ReadResult result = ReadAll(input);
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.last().step, CsvStep::kFatal);
    EXPECT_EQ(result.last().code, "csv_no_header");
    EXPECT_EQ(result.last().error_column, 1u);
  }
  EXPECT_EQ(ReadAll("\n\n").last().error_line, 3u);
}

TEST(CsvReaderTest, BadHeader) {
  ExpectError(ReadAll("a,,c\n1,2,3\n").last(), CsvStep::kFatal, "csv_bad_header", 1, 3);
  ExpectError(ReadAll("a,b,\n").last(), CsvStep::kFatal, "csv_bad_header", 1, 5);
  ExpectError(ReadAll("a,\"\"\n").last(), CsvStep::kFatal, "csv_bad_header", 1, 3);
  const ReadResult duplicate = ReadAll("\nid,name,\"id\"\n1,2,3\n");
  ExpectError(duplicate.last(), CsvStep::kFatal, "csv_bad_header", 2, 9);
  EXPECT_NE(duplicate.last().message.find("'id'"), std::string::npos);
  EXPECT_EQ(duplicate.events.size(), 1u);
  // Names compare bytewise.
  EXPECT_EQ(ReadAll("id,ID,\"i d\"\n1,2,3\n").records().size(), 1u);
}

TEST(CsvReaderTest, RecordErrorsInHeaderAreFatal) {
  ExpectError(ReadAll("a,b\"c\n1,2\n").last(), CsvStep::kFatal, "csv_bare_quote", 1, 4);
  ExpectError(ReadAll("\"a\"b,c\n").last(), CsvStep::kFatal, "csv_after_quote", 1, 4);
  ExpectError(ReadAll("a,\xC3(\n1,2\n").last(), CsvStep::kFatal, "invalid_utf8", 1, 3);
  CsvOptions options;
  options.max_record_bytes = 3;
  ExpectError(ReadAll("a,bc\n", options).last(), CsvStep::kFatal, "csv_record_too_large", 1, 1);
}

TEST(CsvReaderTest, BadOptions) {
  const auto code_for = [](char delimiter, char quote) {
    CsvOptions options;
    options.delimiter = delimiter;
    options.quote = quote;
    const ReadResult result = ReadAll("a\n1\n", options);
    return result.last().step == CsvStep::kFatal ? result.last().code : std::string("ok");
  };
  EXPECT_EQ(code_for(',', '"'), "ok");
  EXPECT_EQ(code_for('"', '"'), "csv_bad_options");
  EXPECT_EQ(code_for('\n', '"'), "csv_bad_options");
  EXPECT_EQ(code_for(',', '\r'), "csv_bad_options");
  EXPECT_EQ(code_for(static_cast<char>(0xC3), '"'), "csv_bad_options");
  EXPECT_EQ(code_for(',', static_cast<char>(0x80)), "csv_bad_options");
}

// ---- UTF-8 ----

TEST(CsvReaderTest, AcceptsValidUtf8) {
  const std::string input =
      "name\n"
      "\xC3\xA9t\xC3\xA9\n"         // U+00E9.
      "\xE2\x82\xAC\n"              // U+20AC.
      "\xED\x9F\xBF\xEE\x80\x80\n"  // U+D7FF, U+E000 (around the surrogates).
      "\xEF\xBF\xBF\n"              // U+FFFF.
      "\xF0\x9F\x98\x80\n"          // U+1F600.
      "\xF4\x8F\xBF\xBF\n"          // U+10FFFF.
      "\"\xE2\x82\xAC,\"\"\xC3\xA9\"\n";
  const ReadResult result = ReadAll(input);
  EXPECT_EQ(result.records().size(), 7u);
  EXPECT_EQ(result.last().step, CsvStep::kEnd);
  EXPECT_EQ(result.records()[6], (Fields{"\xE2\x82\xAC,\"\xC3\xA9"}));
}

TEST(CsvReaderTest, RejectsInvalidUtf8PerRecord) {
  struct Case {
    std::string field;
    uint64_t column;  // Of the first invalid byte, the field starting at column 3.
  };
  const std::vector<Case> cases = {
      {"\x80", 3},              // Stray continuation byte.
      {"ab\xBF", 5},            // Stray continuation byte after ASCII.
      {"\xC0\x80", 3},          // Overlong NUL.
      {"\xC1\xBF", 3},          // Overlong 2-byte.
      {"\xE0\x80\x80", 3},      // Overlong 3-byte.
      {"\xE0\x9F\xBF", 3},      // Overlong 3-byte (U+07FF).
      {"\xED\xA0\x80", 3},      // Surrogate U+D800.
      {"\xED\xBF\xBF", 3},      // Surrogate U+DFFF.
      {"\xF0\x8F\xBF\xBF", 3},  // Overlong 4-byte.
      {"\xF4\x90\x80\x80", 3},  // U+110000.
      {"\xF5\x80\x80\x80", 3},  // Lead byte past U+10FFFF.
      {"\xFF", 3},              // Never valid.
      {"x\xC3", 4},             // Truncated before the delimiter.
      {"\xE2\x82", 3},          // Truncated 3-byte.
      {"\xF0\x9F\x98", 3},      // Truncated 4-byte.
      {"\xC3(", 3},             // Bad continuation.
      {"12345678\xC3\xA9"
       "12345678\x80",
       21},  // After a valid run (fast path).
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(testing::PrintToString(test.field));
    for (const bool quoted : {false, true}) {
      const std::string field = quoted ? "\"" + test.field + "\"" : test.field;
      const ReadResult result = ReadAll("a,b,c\n1," + field + ",3\n4,5,6\n");
      ASSERT_EQ(result.events.size(), 3u);
      ExpectError(result.events[0], CsvStep::kRecordError, "invalid_utf8", 2,
                  test.column + (quoted ? 1 : 0));
      EXPECT_EQ(result.events[1].fields, (Fields{"4", "5", "6"}));
      EXPECT_EQ(result.events[1].index, 1u);
    }
  }
  // Truncated at the end of the body.
  ExpectError(ReadAll("a\n\xE2\x82").events[0], CsvStep::kRecordError, "invalid_utf8", 2, 1);
  // Inside a multi-line quoted field: the line of the byte.
  ExpectError(ReadAll("a\n\"x\ny\xFF\"\n").events[0], CsvStep::kRecordError, "invalid_utf8", 3, 2);
}

// ---- Scale and robustness ----

uint64_t Fnv1a(uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

TEST(CsvReaderTest, TokenizesHundredThousandRows) {
  const size_t kRows = 100000;
  const std::vector<std::string_view> words = {
      "alpha",     "",           "x,y", "say \"hi\"", "multi\nline", "\xC3\xA9t\xC3\xA9",
      "12345.678", "crlf\r\nend"};
  std::mt19937_64 rng(42);
  std::string input = "id,word,value,flag\r\n";
  uint64_t expected_hash = 14695981039346656037ull;
  size_t expected_fields = 0;
  for (size_t row = 0; row < kRows; ++row) {
    const std::string id = std::to_string(row);
    const std::string_view word = words[rng() % words.size()];
    const std::string value = std::to_string(static_cast<int64_t>(rng() % 2000000) - 1000000);
    const std::string_view flag = rng() % 2 ? "true" : "";
    input += id;
    input += ',';
    const bool needs_quotes = word.find_first_of(",\"\r\n") != std::string_view::npos;
    if (needs_quotes) {
      input += '"';
      for (const char c : word) input += c == '"' ? std::string("\"\"") : std::string(1, c);
      input += '"';
    } else {
      input += word;
    }
    input += ',';
    input += value;
    input += ',';
    input += flag;
    input += row % 3 == 0 ? "\n" : "\r\n";
    for (const std::string_view field :
         {std::string_view(id), word, std::string_view(value), flag}) {
      expected_hash = Fnv1a(Fnv1a(expected_hash, field), "\x1F");
      ++expected_fields;
    }
  }

  CsvReader reader(input);
  CsvRecord record;
  uint64_t hash = 14695981039346656037ull;
  size_t fields = 0;
  size_t records = 0;
  CsvStep step;
  while ((step = reader.Next(record)) == CsvStep::kRecord) {
    ASSERT_EQ(record.index(), records);
    for (size_t i = 0; i < record.size(); ++i) {
      hash = Fnv1a(Fnv1a(hash, record.field(i)), "\x1F");
    }
    fields += record.size();
    ++records;
  }
  EXPECT_EQ(step, CsvStep::kEnd) << reader.error().message;
  EXPECT_EQ(records, kRows);
  EXPECT_EQ(fields, expected_fields);
  EXPECT_EQ(hash, expected_hash);
}

TEST(CsvReaderTest, RandomBytesNeverCrashAndAlwaysTerminate) {
  std::mt19937_64 rng(7);
  const std::string alphabet = std::string("\",\r\n;'ab \xC3\xA9\x80\xFF") + '\0';
  for (int iteration = 0; iteration < 4000; ++iteration) {
    std::string input(rng() % 64, '\0');
    const bool from_alphabet = iteration % 4 != 0;
    for (char& c : input) {
      c = from_alphabet ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng());
    }
    CsvOptions options;
    options.has_header = iteration % 2 == 0;
    options.max_field_bytes = 1 + rng() % 16;
    options.max_record_bytes = 1 + rng() % 32;
    if (iteration % 3 == 0) options.delimiter = ';';

    CsvReader reader(input, options);
    CsvRecord record;
    size_t last_end = 0;
    size_t steps = 0;
    for (;; ++steps) {
      ASSERT_LE(steps, input.size() + 1) << "no progress";
      const CsvStep step = reader.Next(record);
      if (step == CsvStep::kEnd || step == CsvStep::kFatal) {
        if (step == CsvStep::kFatal) {
          ASSERT_FALSE(reader.error().code.empty());
          ASSERT_GE(reader.error().line, 1u);
          ASSERT_GE(reader.error().column, 1u);
        }
        break;
      }
      ASSERT_GE(record.offset(), last_end);
      ASSERT_LE(record.offset() + record.raw().size(), input.size());
      last_end = record.offset() + record.raw().size();
      if (step == CsvStep::kRecordError) {
        ASSERT_FALSE(reader.error().code.empty());
        continue;
      }
      ASSERT_EQ(record.size(), reader.expected_fields());
      for (size_t i = 0; i < record.size(); ++i) {
        ASSERT_LE(record.field(i).size(), options.max_field_bytes);
        const CsvPosition position = record.FieldPosition(i);
        ASSERT_GE(position.line, record.line());
      }
      ASSERT_LE(record.raw().size(), options.max_record_bytes);
    }
  }
}

}  // namespace
}  // namespace strata::ingest
