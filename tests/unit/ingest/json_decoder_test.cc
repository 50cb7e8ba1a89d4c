// This file replaces the global operator new/delete to count allocations (below); GCC then
// reports every inlined delete of a malloc'ed pointer as mismatched. They are matched.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "ingest/json_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "ingest_test_util.h"
#include "test_util.h"

namespace strata::ingest {
namespace {

using testing::Cell;
using ::testing::HasSubstr;
using testing::MakeSchema;
using types::DataType;
using types::Value;
using Keys = std::vector<std::string>;

constexpr int64_t kT0 = 1451606400LL * 1000000;  // 2016-01-01T00:00:00Z.

// A copy of what the decoder reported for one record.
struct Reported {
  size_t index = 0;
  size_t line = 0;
  size_t begin = 0;
  size_t end = 0;
  bool accepted = false;
  std::optional<std::string> id;
  std::vector<RecordError> errors;

  // "code@pointer" per error.
  Keys keys() const {
    Keys out;
    for (const RecordError& e : errors) {
      out.push_back(std::string(RecordErrorCodeName(e.code)) + "@" + e.pointer);
    }
    return out;
  }
};

class CollectingSink : public DecodeSink {
 public:
  void OnRecord(const DecodedRecord& record) override {
    Reported r;
    r.index = record.index;
    r.line = record.line;
    r.begin = record.begin;
    r.end = record.end;
    r.accepted = record.accepted;
    if (record.id) r.id = std::string(*record.id);
    r.errors.assign(record.errors.begin(), record.errors.end());
    records.push_back(std::move(r));
  }
  std::vector<Reported> records;
};

struct Decoded {
  Status status;
  DecodeSummary summary;
  std::vector<Reported> records;
  std::string body;  // As decoded (for byte ranges).

  std::string_view Text(const Reported& r) const {
    return std::string_view(body).substr(r.begin, r.end - r.begin);
  }
};

Decoded Decode(std::string body, RecordBuilder& builder, JsonShape shape = JsonShape::kAuto,
               DecodeOptions options = {}) {
  options.shape = shape;
  CollectingSink sink;
  Decoded out;
  Result<DecodeSummary> result = DecodeJson(body, options, builder, &sink);
  out.status = result.status();
  if (result.ok()) out.summary = *result;
  out.records = std::move(sink.records);
  out.body = std::move(body);
  return out;
}

DecodeOptions NdjsonOptions() {
  DecodeOptions options;
  options.shape = JsonShape::kNdjson;
  return options;
}

// --- The type table, cell by cell, in JSON spelling ---------------------------------------

struct TypeCase {
  DataType type;
  std::string literal;  // The JSON value of field "f".
  bool coerce;
  Value expected;                        // When accepted.
  std::optional<RecordErrorCode> error;  // When rejected.
};

TypeCase Ok(DataType type, std::string literal, Value expected, bool coerce = false) {
  return {type, std::move(literal), coerce, std::move(expected), std::nullopt};
}
TypeCase Err(DataType type, std::string literal, RecordErrorCode code, bool coerce = false) {
  return {type, std::move(literal), coerce, Value(), code};
}

TEST(JsonTypeTableTest, EveryCell) {
  using C = RecordErrorCode;
  const DataType B = DataType::kBool, I = DataType::kInt64, F = DataType::kFloat64,
                 S = DataType::kString, T = DataType::kTimestamp, J = DataType::kJson;
  const std::vector<TypeCase> cases = {
      // bool <- true/false only.
      Ok(B, "true", true),
      Ok(B, "false", false),
      Err(B, "1", C::kTypeMismatch),
      Err(B, "0.0", C::kTypeMismatch),
      Err(B, "\"true\"", C::kTypeMismatch),
      Ok(B, "\"true\"", true, true),
      Ok(B, "\"False\"", false, true),
      Err(B, "\"yes\"", C::kTypeMismatch, true),
      Err(B, "[true]", C::kTypeMismatch),
      Err(B, "{\"a\":true}", C::kTypeMismatch),
      // int64 <- integer-valued numbers within range.
      Ok(I, "0", int64_t{0}),
      Ok(I, "-5", int64_t{-5}),
      Ok(I, "1.0", int64_t{1}),
      Ok(I, "1e3", int64_t{1000}),
      Ok(I, "-0", int64_t{0}),
      Ok(I, "9223372036854775807", INT64_MAX),
      Ok(I, "-9223372036854775808", INT64_MIN),
      Err(I, "1.5", C::kTypeMismatch),
      Err(I, "9223372036854775808", C::kIntOutOfRange),
      Err(I, "18446744073709551616", C::kIntOutOfRange),
      Err(I, "-9223372036854775809", C::kIntOutOfRange),
      Err(I, "1e19", C::kIntOutOfRange),
      Err(I, "1e400", C::kNumberOutOfRange),
      Err(I, "\"12\"", C::kTypeMismatch),
      Ok(I, "\"12\"", int64_t{12}, true),
      Err(I, "\"1.5\"", C::kTypeMismatch, true),
      Err(I, "true", C::kTypeMismatch),
      Err(I, "[1]", C::kTypeMismatch),
      Err(I, "{\"a\":1}", C::kTypeMismatch),
      // float64 <- any number; integers converted.
      Ok(F, "0", 0.0),
      Ok(F, "1.5", 1.5),
      Ok(F, "-2", -2.0),
      Ok(F, "1e-400", 0.0),
      Ok(F, "9223372036854775808", 9223372036854775808.0),
      Ok(F, "18446744073709551616", 18446744073709551616.0),
      Err(F, "1e400", C::kNumberOutOfRange),
      Err(F, "\"1.5\"", C::kTypeMismatch),
      Ok(F, "\"1.5\"", 1.5, true),
      Err(F, "\"NaN\"", C::kTypeMismatch, true),
      Err(F, "false", C::kTypeMismatch),
      Err(F, "[1.5]", C::kTypeMismatch),
      // string <- strings only, no silent coercion.
      Ok(S, "\"abc\"", std::string("abc")),
      Ok(S, "\"\"", std::string()),
      Ok(S, "\"caf\\u00e9 \\\"q\\\"\"", std::string("caf\xc3\xa9 \"q\"")),
      Err(S, "12", C::kTypeMismatch),
      Err(S, "12", C::kTypeMismatch, true),
      Err(S, "true", C::kTypeMismatch),
      Err(S, "[\"a\"]", C::kTypeMismatch),
      Err(S, "{\"a\":\"b\"}", C::kTypeMismatch),
      // timestamp <- RFC 3339 strings and epoch numbers (unit by magnitude).
      Ok(T, "\"2016-01-01T00:00:00Z\"", kT0),
      Ok(T, "\"2016-01-01 02:00:00+02:00\"", kT0),
      Ok(T, "1451606400", kT0),
      Ok(T, "1451606400000", kT0),
      Ok(T, "1451606400000000", kT0),
      Ok(T, "1451606400000000000", kT0),
      Ok(T, "1451606400.5", kT0 + 500000),
      Ok(T, "-1", int64_t{-1000000}),
      Err(T, "\"1451606400\"", C::kBadTimestamp),
      Ok(T, "\"1451606400\"", kT0, true),
      Err(T, "\"noon\"", C::kBadTimestamp),
      Err(T, "\"2016-02-30T00:00:00Z\"", C::kBadTimestamp),
      Err(T, "1e30", C::kBadTimestamp),
      Err(T, "1e400", C::kNumberOutOfRange),
      Err(T, "true", C::kTypeMismatch),
      Err(T, "[1]", C::kTypeMismatch),
      Err(T, "{\"s\":1}", C::kTypeMismatch),
      // json <- any JSON value, as compact text.
      Ok(J, "{ \"a\" : [1, {\"b\": null}] }", std::string("{\"a\":[1,{\"b\":null}]}")),
      Ok(J, "[ 1 , 2 ]", std::string("[1,2]")),
      Ok(J, "[]", std::string("[]")),
      Ok(J, "{}", std::string("{}")),
      Ok(J, "\"abc\"", std::string("\"abc\"")),
      Ok(J, "12", std::string("12")),
      Ok(J, "1.5", std::string("1.5")),
      Ok(J, "true", std::string("true")),
      Ok(J, "{\"k\\\"\": \"a\\nb\\u00e9\"}", std::string("{\"k\\\"\":\"a\\nb\xc3\xa9\"}")),
      Ok(J, "{\"n\": 123456789012345678901234567890}",
         std::string("{\"n\":123456789012345678901234567890}")),
  };
  for (const TypeCase& c : cases) {
    SCOPED_TRACE(std::string(types::DataTypeName(c.type)) + " <- " + c.literal +
                 (c.coerce ? " (coerce_strings)" : ""));
    const types::Schema schema = MakeSchema({{"f", c.type}});
    RecordBuilder builder(schema, (c.coerce ? testing::Coerce() : TypeOptions()));
    Decoded d = Decode("{\"f\": " + c.literal + "}", builder, JsonShape::kObject);
    ASSERT_OK(d.status);
    ASSERT_EQ(d.records.size(), 1u);
    if (c.error) {
      EXPECT_FALSE(d.records[0].accepted);
      ASSERT_EQ(d.records[0].errors.size(), 1u) << ::testing::PrintToString(d.records[0].keys());
      EXPECT_EQ(RecordErrorCodeName(d.records[0].errors[0].code), RecordErrorCodeName(*c.error))
          << d.records[0].errors[0].detail;
      EXPECT_EQ(d.records[0].errors[0].pointer, "/f");
      EXPECT_EQ(builder.batch().num_rows, 0u);
    } else {
      ASSERT_TRUE(d.records[0].accepted) << ::testing::PrintToString(d.records[0].keys());
      ASSERT_EQ(builder.batch().num_rows, 1u);
      EXPECT_EQ(builder.batch().columns[0].ValueAt(0), c.expected);
    }
  }
}

TEST(JsonTypeTableTest, NullCells) {
  for (DataType type : {DataType::kBool, DataType::kInt64, DataType::kFloat64, DataType::kString,
                        DataType::kTimestamp, DataType::kJson}) {
    SCOPED_TRACE(std::string(types::DataTypeName(type)));
    const types::Schema schema = MakeSchema({{"nullable", type, true}, {"required", type}});
    RecordBuilder builder(schema);
    Decoded d = Decode(R"({"nullable": null, "required": null})", builder);
    ASSERT_OK(d.status);
    ASSERT_EQ(d.records.size(), 1u);
    EXPECT_EQ(d.records[0].keys(), Keys{"null_not_allowed@/required"});
  }
}

TEST(JsonTypeTableTest, TypeMismatchDetailNamesTheValue) {
  RecordBuilder builder(MakeSchema({{"usage_user", DataType::kFloat64}}));
  Decoded d = Decode(R"([{"usage_user": "high"}])", builder);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 1u);
  ASSERT_EQ(d.records[0].errors.size(), 1u);
  EXPECT_EQ(d.records[0].errors[0].pointer, "/usage_user");
  EXPECT_EQ(d.records[0].errors[0].detail, "expected float64, got string \"high\"");
}

// --- Shapes ---------------------------------------------------------------------------

TEST(JsonDecoderTest, ArrayObjectAndNdjsonGiveTheSameRows) {
  const types::Schema schema = MakeSchema({{"a", DataType::kInt64}, {"s", DataType::kString}});
  const std::vector<std::pair<std::string, JsonShape>> bodies = {
      {R"([{"a":1,"s":"x"},{"a":2,"s":"y"}])", JsonShape::kAuto},
      {" \n[ {\"a\":1,\"s\":\"x\"} ,\n {\"a\":2,\"s\":\"y\"} ] \n", JsonShape::kArray},
      {"{\"a\":1,\"s\":\"x\"}\n{\"a\":2,\"s\":\"y\"}\n", JsonShape::kNdjson},
      {"{\"a\":1,\"s\":\"x\"}\n{\"a\":2,\"s\":\"y\"}", JsonShape::kNdjson},  // No final \n.
  };
  for (const auto& [body, shape] : bodies) {
    SCOPED_TRACE(body);
    RecordBuilder builder(schema);
    Decoded d = Decode(body, builder, shape);
    ASSERT_OK(d.status);
    EXPECT_EQ(d.summary.records, 2u);
    EXPECT_EQ(d.summary.accepted, 2u);
    EXPECT_EQ(builder.batch().num_rows, 2u);
    EXPECT_EQ(Cell(builder.batch(), schema, "s", 1), Value(std::string("y")));
    ASSERT_EQ(d.records.size(), 2u);
    EXPECT_EQ(d.Text(d.records[0]), R"({"a":1,"s":"x"})");
    EXPECT_EQ(d.Text(d.records[1]), R"({"a":2,"s":"y"})");
  }
  RecordBuilder builder(schema);
  Decoded d = Decode(R"(  {"a": 7, "s": "one"}  )", builder);
  ASSERT_OK(d.status);
  EXPECT_EQ(d.summary.shape, JsonShape::kObject);
  ASSERT_EQ(d.records.size(), 1u);
  EXPECT_EQ(d.Text(d.records[0]), R"({"a": 7, "s": "one"})");
}

TEST(JsonDecoderTest, EmptyBodies) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}));
  for (std::string body : {"[]", " [ \n ] ", "\xEF\xBB\xBF[]"}) {
    Decoded d = Decode(body, builder);
    ASSERT_OK(d.status);
    EXPECT_EQ(d.summary.shape, JsonShape::kArray);
    EXPECT_EQ(d.summary.records, 0u);
  }
  for (std::string body : {"", "\n", "\r\n \n\t\n"}) {
    Decoded d = Decode(body, builder, JsonShape::kNdjson);
    ASSERT_OK(d.status);
    EXPECT_EQ(d.summary.records, 0u);
  }
  for (std::string body : {"", "   \n"}) {
    Decoded d = Decode(body, builder);
    EXPECT_EQ(d.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status.problem_code(), "invalid_body");
    EXPECT_THAT(std::string(d.status.message()), HasSubstr("empty"));
  }
}

TEST(JsonDecoderTest, TopLevelScalarsAreNotBodies) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}));
  for (std::string body : {"5", "\"x\"", "null", "true"}) {
    Decoded d = Decode(body, builder);
    EXPECT_EQ(d.status.code(), StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(d.status.problem_code(), "invalid_body") << body;
  }
  Decoded d = Decode("{\"a\":1}", builder, JsonShape::kArray);
  EXPECT_EQ(d.status.problem_code(), "invalid_body");
  EXPECT_THAT(std::string(d.status.message()), HasSubstr("expected a JSON array"));
  d = Decode("[{\"a\":1}]", builder, JsonShape::kObject);
  EXPECT_EQ(d.status.problem_code(), "invalid_body");
}

TEST(JsonDecoderTest, ArrayElementsThatAreNotObjects) {
  const types::Schema schema = MakeSchema({{"a", DataType::kInt64}});
  RecordBuilder builder(schema);
  Decoded d = Decode(R"([1, {"a":1}, null, [2], "s", {"a":2}])", builder);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 6u);
  EXPECT_EQ(d.summary.accepted, 2u);
  EXPECT_EQ(d.summary.rejected, 4u);
  for (size_t i : {0u, 2u, 3u, 4u}) {
    EXPECT_EQ(d.records[i].keys(), Keys{"not_an_object@"}) << i;
  }
  EXPECT_EQ(d.records[0].errors[0].detail, "expected a JSON object, got number");
  EXPECT_EQ(d.Text(d.records[3]), "[2]");
  EXPECT_EQ(d.Text(d.records[4]), "\"s\"");
  EXPECT_EQ(builder.batch().columns[0].ints(), (types::IntBuffer{1, 2}));
}

// --- Per-record isolation ------------------------------------------------------------------

TEST(JsonDecoderTest, ArrayIsolatesBadRecords) {
  const types::Schema schema = MakeSchema({{"id", DataType::kString}, {"n", DataType::kInt64}});
  RecordBuilder builder(schema, testing::IdField("id"));
  Decoded d = Decode(
      "[\n"
      "  {\"id\": \"evt-0\", \"n\": 1},\n"
      "  {\"n\": \"two\", \"id\": \"evt-1\"},\n"
      "  {\"id\": \"evt-2\", \"n\": 3}\n"
      "]",
      builder);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 3u);
  EXPECT_TRUE(d.records[0].accepted);
  EXPECT_EQ(d.records[0].line, 0u);  // Not counted for accepted array records.
  EXPECT_FALSE(d.records[1].accepted);
  EXPECT_EQ(d.records[1].index, 1u);
  EXPECT_EQ(d.records[1].line, 3u);
  EXPECT_EQ(d.records[1].id, std::optional<std::string>("evt-1"));
  EXPECT_EQ(d.records[1].keys(), Keys{"type_mismatch@/n"});
  EXPECT_EQ(d.Text(d.records[1]), R"({"n": "two", "id": "evt-1"})");
  EXPECT_TRUE(d.records[2].accepted);
  EXPECT_EQ(d.records[2].id, std::optional<std::string>("evt-2"));
  EXPECT_EQ(builder.batch().num_rows, 2u);
  EXPECT_EQ(Cell(builder.batch(), schema, "id", 1), Value(std::string("evt-2")));
}

TEST(JsonDecoderTest, NdjsonBadLineInTheMiddle) {
  const types::Schema schema = MakeSchema({{"a", DataType::kInt64}});
  RecordBuilder builder(schema);
  Decoded d = Decode(
      "{\"a\":1}\n"
      "{\"a\":2,,}\n"
      "{\"a\":3}\n"
      "{\"a\": tru}\n"
      "{\"a\":5}\n",
      builder, JsonShape::kNdjson);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 5u);
  EXPECT_EQ(d.summary.accepted, 3u);
  EXPECT_EQ(d.summary.rejected, 2u);
  EXPECT_EQ(d.records[1].keys(), Keys{"invalid_json@"});
  EXPECT_EQ(d.records[1].line, 2u);
  EXPECT_THAT(d.records[1].errors[0].detail, HasSubstr("line 2"));
  EXPECT_EQ(d.Text(d.records[1]), "{\"a\":2,,}");
  EXPECT_EQ(d.records[3].keys(), Keys{"invalid_json@/a"});
  EXPECT_THAT(d.records[3].errors[0].detail, HasSubstr("line 4"));
  EXPECT_EQ(builder.batch().columns[0].ints(), (types::IntBuffer{1, 3, 5}));
  EXPECT_EQ(builder.batch().Validate(), "");
}

TEST(JsonDecoderTest, NdjsonCrLfAndBlankLines) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}));
  Decoded d = Decode("{\"a\":1}\r\n\r\n   \r\n{\"a\":2}\r\n\n{\"a\":\"x\"}\r\n", builder,
                     JsonShape::kNdjson);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 3u);
  EXPECT_EQ(d.records[0].line, 1u);
  EXPECT_EQ(d.records[1].line, 4u);
  EXPECT_EQ(d.records[1].index, 1u);
  EXPECT_EQ(d.records[2].line, 6u);
  EXPECT_EQ(d.Text(d.records[1]), "{\"a\":2}");  // No \r.
  EXPECT_EQ(d.Text(d.records[2]), "{\"a\":\"x\"}");
  EXPECT_FALSE(d.records[2].accepted);
  EXPECT_EQ(builder.batch().columns[0].ints(), (types::IntBuffer{1, 2}));
}

TEST(JsonDecoderTest, NdjsonLineErrors) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64, true}}));
  // Syntax errors point at the member being read when there is one ("/a"), else at the
  // record; only the code is checked here.
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"{\"a\":NaN}", "invalid_json"},
      {"{\"a\":Infinity}", "invalid_json"},
      {"{\"a\":-Infinity}", "invalid_json"},
      {"{\"a\":1,}", "invalid_json"},
      {"{\"a\":01}", "invalid_json"},
      {"{\"a\":1} {\"a\":2}", "invalid_json"},
      {"{\"a\":1", "invalid_json"},
      {"{\"a\":\"x", "invalid_json"},
      {"{\"a\":\"\t\"}", "invalid_json"},
      {"{\"a\":\"\xff\"}", "invalid_json"},
      {"5", "not_an_object"},
      {"[{\"a\":1}]", "not_an_object"},
      {"null", "not_an_object"},
      {"{\"a\":1,\"a\":2}", "duplicate_field"},
  };
  std::string body;
  for (const auto& [line, key] : lines) body += line + "\n{\"a\":7}\n";
  Decoded d = Decode(body, builder, JsonShape::kNdjson);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 2 * lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i].first);
    const Reported& bad = d.records[2 * i];
    EXPECT_FALSE(bad.accepted);
    ASSERT_FALSE(bad.errors.empty());
    EXPECT_EQ(RecordErrorCodeName(bad.errors[0].code), lines[i].second) << bad.errors[0].detail;
    EXPECT_EQ(bad.line, 2 * i + 1);
    EXPECT_TRUE(d.records[2 * i + 1].accepted);
  }
  EXPECT_EQ(d.records[4].errors[0].pointer, "/a");  // -Infinity: read as a's value.
  EXPECT_EQ(d.records[6].errors[0].pointer, "");    // "1,}": no member to blame.
  EXPECT_THAT(d.records[18].errors[0].detail, HasSubstr("UTF-8"));
  EXPECT_THAT(d.records[10].errors[0].detail, HasSubstr("after the JSON"));
  EXPECT_EQ(builder.batch().num_rows, lines.size());
}

// --- Request-level errors in JSON documents -------------------------------------------

TEST(JsonDecoderTest, SyntaxErrorsInAJsonDocumentFailTheRequest) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64, true}}));
  for (std::string body : {
           "[{\"a\":1},]",
           "[{\"a\":1},\n {\"a\":NaN}]",
           "[{\"a\":1}",
           "[{\"a\":1}] x",
           "[{\"a\":1}] [2]",
           "[{\"a\":1,}]",
           "[{\"a\":1} {\"a\":2}]",
           "{\"a\":1}\n{\"a\":2}",
           "{\"a\":1",
           "[{\"a\":\"\t\"}]",
           "[{\"a\":01}]",
           "{\"a\":Infinity}",
       }) {
    SCOPED_TRACE(body);
    Decoded d = Decode(body, builder);
    EXPECT_EQ(d.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status.problem_code(), "malformed_json");
    EXPECT_THAT(std::string(d.status.message()), HasSubstr("line "));
  }
  Decoded d = Decode("[{\"a\":1},\n {\"a\":2,}]", builder);
  EXPECT_THAT(std::string(d.status.message()), HasSubstr("line 2"));
  d = Decode("{\"a\":1}\n{\"a\":2}", builder);
  EXPECT_THAT(std::string(d.status.message()), HasSubstr("application/x-ndjson"));
}

TEST(JsonDecoderTest, InvalidUtf8InAJsonDocumentNamesThePlace) {
  RecordBuilder builder(MakeSchema({{"s", DataType::kString}}));
  Decoded d = Decode("[{\"s\":\"ok\"},\n {\"s\":\"ab\xc3\x28\"}]", builder);
  EXPECT_EQ(d.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status.problem_code(), "malformed_json");
  EXPECT_THAT(std::string(d.status.message()), HasSubstr("UTF-8"));
  EXPECT_THAT(std::string(d.status.message()), HasSubstr("line 2, column 10"));
}

TEST(JsonDecoderTest, DuplicateKeysInAnArrayElement) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}));
  Decoded d = Decode(R"([{"a":1,"a":1},{"a":2}])", builder);
  ASSERT_OK(d.status);
  EXPECT_EQ(d.records[0].keys(), Keys{"duplicate_field@/a"});
  EXPECT_TRUE(d.records[1].accepted);
}

TEST(JsonDecoderTest, EscapedKeysAreUnescaped) {
  const types::Schema schema = MakeSchema({{"ab", DataType::kInt64}});
  RecordBuilder builder(schema);
  Decoded d = Decode(R"({"\u0061b": 3})", builder);
  ASSERT_OK(d.status);
  EXPECT_EQ(Cell(builder.batch(), schema, "ab", 0), Value(int64_t{3}));
}

// --- Nesting, json fields, arrays -------------------------------------------------------

TEST(JsonDecoderTest, NestedObjectsFlatten) {
  const types::Schema schema = MakeSchema({{"request.path", DataType::kString},
                                           {"request.method", DataType::kString, true},
                                           {"request.headers.host", DataType::kString, true},
                                           {"status", DataType::kInt64}});
  RecordBuilder builder(schema);
  Decoded d = Decode(R"([
    {"request": {"path": "/", "method": "GET", "headers": {"host": "h"}}, "status": 200},
    {"request": {"path": 5}, "status": 404},
    {"request": {"path": "/x", "extra": {}}, "status": 500},
    {"request": {}, "status": 1}
  ])",
                     builder);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 4u);
  EXPECT_TRUE(d.records[0].accepted);
  EXPECT_EQ(Cell(builder.batch(), schema, "request.headers.host", 0), Value(std::string("h")));
  EXPECT_EQ(d.records[1].keys(), Keys{"type_mismatch@/request/path"});
  EXPECT_TRUE(d.records[2].accepted);  // An empty object adds no field.
  EXPECT_EQ(Cell(builder.batch(), schema, "request.method", 1), Value());
  EXPECT_EQ(d.records[3].keys(), Keys{"missing_field@/request/path"});
}

TEST(JsonDecoderTest, JsonFieldTakesTheObjectsRawText) {
  const types::Schema schema = MakeSchema(
      {{"meta", DataType::kJson, true}, {"tags", DataType::kJson, true}, {"n", DataType::kInt64}});
  RecordBuilder builder(schema);
  Decoded d = Decode(
      "{\"meta\": {\"a\": {\"b\": [1, 2.50, \"x\"]}, \"c\": null}, \"tags\": [\"p\", {\"q\": "
      "true}],"
      " \"n\": 1}\n"
      "{\"meta\": {\"a\": tru}, \"n\": 2}\n"
      "{\"meta\": [1, 2}, \"n\": 3}\n"
      "{\"n\": [1]}\n",
      builder, JsonShape::kNdjson);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 4u);
  ASSERT_TRUE(d.records[0].accepted);
  EXPECT_EQ(Cell(builder.batch(), schema, "meta", 0),
            Value(std::string(R"({"a":{"b":[1,2.50,"x"]},"c":null})")));
  EXPECT_EQ(Cell(builder.batch(), schema, "tags", 0), Value(std::string(R"(["p",{"q":true}])")));
  // A json field's value is validated in full: bad literals and brackets are caught.
  EXPECT_EQ(d.records[1].keys()[0].substr(0, 12), "invalid_json");
  EXPECT_EQ(d.records[2].keys()[0].substr(0, 12), "invalid_json");
  EXPECT_EQ(d.records[3].keys(), Keys{"type_mismatch@/n"});
  EXPECT_EQ(d.records[3].errors[0].detail, "expected int64, got array");
}

TEST(JsonDecoderTest, DepthLimits) {
  RecordBuilder builder(MakeSchema({{"j", DataType::kJson, true}, {"a", DataType::kInt64, true}}),
                        testing::MaxDepth(8));
  std::string deep_object = "{\"a\":1}";
  for (int i = 0; i < 10; ++i) deep_object = "{\"x\":" + deep_object + "}";
  std::string deep_json = "1";
  for (int i = 0; i < 10; ++i) deep_json = "[" + deep_json + "]";
  std::string very_deep(100000, '[');
  Decoded d = Decode(deep_object + "\n{\"j\":" + deep_json + "}\n{\"j\":" + very_deep + "}\n" +
                         very_deep + "\n{\"a\":2}\n",
                     builder, JsonShape::kNdjson);
  ASSERT_OK(d.status);
  ASSERT_EQ(d.records.size(), 5u);
  EXPECT_EQ(d.records[0].errors[0].code, RecordErrorCode::kNestingTooDeep);
  EXPECT_EQ(d.records[0].errors[0].pointer, "/x/x/x/x/x/x/x/x");
  EXPECT_EQ(d.records[1].errors[0].code, RecordErrorCode::kNestingTooDeep);
  EXPECT_FALSE(d.records[2].accepted);
  EXPECT_FALSE(d.records[3].accepted);
  EXPECT_TRUE(d.records[4].accepted);

  // In a JSON document: the element is rejected or the document fails, never a crash.
  Decoded array = Decode("[" + very_deep + ", {\"a\":1}]", builder);
  EXPECT_FALSE(array.status.ok() && array.summary.accepted == 2);
  Decoded nested = Decode("[{\"j\":" + deep_json + "}, {\"a\":1}]", builder);
  ASSERT_OK(nested.status);
  EXPECT_EQ(nested.records[0].errors[0].code, RecordErrorCode::kNestingTooDeep);
  EXPECT_EQ(nested.Text(nested.records[0]), "{\"j\":" + deep_json + "}");
  EXPECT_TRUE(nested.records[1].accepted);
  // An element that is no object and nests too deeply: rejected, with its whole text.
  const std::string deep_element = "[{\"s\":\"]\"}," + deep_json + "]";
  Decoded element = Decode("[" + deep_element + " , {\"a\":1}]", builder);
  ASSERT_OK(element.status);
  ASSERT_EQ(element.records.size(), 2u);
  EXPECT_EQ(element.records[0].keys(), Keys{"not_an_object@"});
  EXPECT_EQ(element.Text(element.records[0]), deep_element);
  EXPECT_TRUE(element.records[1].accepted);
}

// --- Missing fields, defaults, modes -----------------------------------------------------

TEST(JsonDecoderTest, MissingFieldsWithAndWithoutDefaults) {
  const types::Schema schema = MakeSchema({{"a", DataType::kInt64},
                                           {"b", DataType::kString, false, std::string("dflt")},
                                           {"c", DataType::kFloat64, true}});
  RecordBuilder builder(schema);
  Decoded d =
      Decode("{\"a\":1}\n{\"b\":\"x\"}\n{\"a\":2,\"b\":null}\n", builder, JsonShape::kNdjson);
  ASSERT_OK(d.status);
  EXPECT_TRUE(d.records[0].accepted);
  EXPECT_EQ(d.records[1].keys(), Keys{"missing_field@/a"});
  EXPECT_TRUE(d.records[2].accepted);
  EXPECT_EQ(Cell(builder.batch(), schema, "b", 0), Value(std::string("dflt")));
  EXPECT_EQ(Cell(builder.batch(), schema, "b", 1), Value(std::string("dflt")));
  EXPECT_EQ(Cell(builder.batch(), schema, "c", 1), Value());
}

TEST(JsonDecoderTest, StrictAndEvolveModes) {
  const types::Schema schema = MakeSchema({{"a", DataType::kInt64}});
  const std::string body =
      "{\"a\":1,\"b\":2}\n"
      "{\"a\":2,\"b\":2.5,\"c\":{\"d\":\"2024-01-01T00:00:00Z\"},\"e\":[1]}\n"
      "{\"a\":3}\n";
  RecordBuilder strict(schema);
  Decoded d = Decode(body, strict, JsonShape::kNdjson);
  ASSERT_OK(d.status);
  EXPECT_EQ(d.records[0].keys(), Keys{"unknown_field@/b"});
  EXPECT_EQ(d.records[1].keys(),
            (Keys{"unknown_field@/b", "unknown_field@/c/d", "unknown_field@/e"}));
  EXPECT_TRUE(d.records[2].accepted);
  EXPECT_TRUE(strict.unknown_fields().empty());

  RecordBuilder evolve(schema, testing::Evolve());
  d = Decode(body, evolve, JsonShape::kNdjson);
  ASSERT_OK(d.status);
  const std::vector<InferredField> expected = {
      {"b", DataType::kFloat64}, {"c.d", DataType::kTimestamp}, {"e", DataType::kJson}};
  EXPECT_EQ(evolve.unknown_fields(), expected);
}

// --- Limits ---------------------------------------------------------------------------------

TEST(JsonDecoderTest, RecordTooLarge) {
  RecordBuilder builder(MakeSchema({{"s", DataType::kString}}));
  const std::string big = "{\"s\":\"" + std::string(100, 'x') + "\"}";
  DecodeOptions options;
  options.max_record_bytes = 64;
  Decoded d = Decode(big + "\n{\"s\":\"y\"}\n", builder, JsonShape::kNdjson, options);
  ASSERT_OK(d.status);
  EXPECT_EQ(d.records[0].keys(), Keys{"record_too_large@"});
  EXPECT_EQ(d.records[0].errors[0].detail, "record of 108 bytes exceeds the limit of 64 bytes");
  EXPECT_TRUE(d.records[1].accepted);
  d = Decode("[" + big + ", {\"s\":\"y\"}]", builder, JsonShape::kAuto, options);
  ASSERT_OK(d.status);
  EXPECT_EQ(d.records[0].keys(), Keys{"record_too_large@"});
  EXPECT_TRUE(d.records[1].accepted);
}

TEST(JsonDecoderTest, TooManyRecords) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}));
  DecodeOptions options;
  options.max_records = 2;
  for (auto [body, shape] : std::vector<std::pair<std::string, JsonShape>>{
           {"[{\"a\":1},{\"a\":2},{\"a\":3}]", JsonShape::kArray},
           {"{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n", JsonShape::kNdjson}}) {
    Decoded d = Decode(body, builder, shape, options);
    EXPECT_EQ(d.status.code(), StatusCode::kPayloadTooLarge);
    EXPECT_EQ(d.status.problem_code(), "too_many_records");
  }
  Decoded d = Decode("{\"a\":1}\n\n{\"a\":2}\n\n", builder, JsonShape::kNdjson, options);
  ASSERT_OK(d.status);  // Blank lines are not records.
}

// --- Buffers and reuse -----------------------------------------------------------------------

TEST(JsonDecoderTest, PadJsonBodyKeepsContents) {
  std::string body = "{\"a\":1}";
  body.shrink_to_fit();
  PadJsonBody(body);
  EXPECT_EQ(body, "{\"a\":1}");
  EXPECT_GE(body.capacity(), body.size() + kJsonPaddingBytes);
  const char* data = body.data();
  PadJsonBody(body);  // Already padded: no reallocation.
  EXPECT_EQ(body.data(), data);
}

TEST(JsonDecoderTest, DecoderIsReusableAcrossBodiesAndBuilders) {
  JsonDecoder decoder;
  for (int round = 0; round < 3; ++round) {
    const types::Schema schema = MakeSchema({{"a", DataType::kInt64}});
    RecordBuilder builder(schema);
    std::string ndjson = "{\"a\":1}\n{\"a\":2}\n";
    ASSERT_OK_AND_ASSIGN(DecodeSummary s1,
                         decoder.Decode(ndjson, NdjsonOptions(), builder, nullptr));
    EXPECT_EQ(s1.accepted, 2u);
    std::string array = "[{\"a\":3}]";
    ASSERT_OK_AND_ASSIGN(DecodeSummary s2, decoder.Decode(array, {}, builder, nullptr));
    EXPECT_EQ(s2.accepted, 1u);
    EXPECT_EQ(builder.batch().columns[0].ints(), (types::IntBuffer{1, 2, 3}));
    std::string broken = "[{\"a\":3}";
    EXPECT_FALSE(decoder.Decode(broken, {}, builder, nullptr).ok());
  }
}

// --- 100k rows, checked by checksum ----------------------------------------------------------

uint64_t Mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL + (h >> 29); }
uint64_t MixText(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = Mix(h, c);
  return Mix(h, s.size());
}

TEST(JsonDecoderTest, HundredThousandRowsRoundTrip) {
  const types::Schema schema = MakeSchema({{"time", DataType::kTimestamp},
                                           {"hostname", DataType::kString},
                                           {"region", DataType::kString},
                                           {"usage_user", DataType::kInt64},
                                           {"usage_idle", DataType::kFloat64},
                                           {"ok", DataType::kBool, true}});
  constexpr size_t kRows = 100000;
  std::string ndjson;
  uint64_t expected = 0;
  uint64_t state = 42;
  char line[256];
  for (size_t row = 0; row < kRows; ++row) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const int64_t ns = 1451606400000000000LL + static_cast<int64_t>(row / 100) * 10000000000LL;
    const std::string host = "host_" + std::to_string(row % 100);
    const char* region = (state >> 33) % 2 ? "eu-west-1" : "us-east-1";
    const int64_t user = static_cast<int64_t>((state >> 40) % 101);
    const double idle = static_cast<double>((state >> 20) % 10000) / 100.0;
    const bool has_ok = (state >> 10) % 3 != 0;
    const int n = std::snprintf(line, sizeof(line),
                                "{\"time\":%" PRId64
                                ",\"hostname\":\"%s\",\"region\":\"%s\",\"usage_user\":%" PRId64
                                ",\"usage_idle\":%.2f%s}\n",
                                ns, host.c_str(), region, user, idle, has_ok ? ",\"ok\":true" : "");
    ndjson.append(line, static_cast<size_t>(n));
    expected = Mix(expected, static_cast<uint64_t>(ns / 1000));
    expected = MixText(expected, host);
    expected = MixText(expected, region);
    expected = Mix(expected, static_cast<uint64_t>(user));
    expected = Mix(expected, static_cast<uint64_t>(idle * 100 + 0.5));
    expected = Mix(expected, has_ok ? 1 : 2);
  }
  const auto checksum = [&](const types::Batch& batch) {
    uint64_t h = 0;
    for (size_t row = 0; row < batch.num_rows; ++row) {
      h = Mix(h, static_cast<uint64_t>(batch.columns[0].IntAt(row)));
      h = MixText(h, batch.columns[1].StringAt(row));
      h = MixText(h, batch.columns[2].StringAt(row));
      h = Mix(h, static_cast<uint64_t>(batch.columns[3].IntAt(row)));
      h = Mix(h, static_cast<uint64_t>(batch.columns[4].DoubleAt(row) * 100 + 0.5));
      h = Mix(h, batch.columns[5].IsNull(row) ? 2 : 1);
    }
    return h;
  };

  RecordBuilder builder(schema);
  Decoded d = Decode(ndjson, builder, JsonShape::kNdjson);
  ASSERT_OK(d.status);
  EXPECT_EQ(d.summary.accepted, kRows);
  ASSERT_EQ(builder.batch().num_rows, kRows);
  EXPECT_EQ(builder.batch().Validate(), "");
  EXPECT_EQ(checksum(builder.batch()), expected);

  // The same rows as one JSON array.
  std::string array = "[";
  for (size_t pos = 0; pos < ndjson.size();) {
    const size_t nl = ndjson.find('\n', pos);
    if (pos != 0) array += ",\n";
    array.append(ndjson, pos, nl - pos);
    pos = nl + 1;
  }
  array += "]";
  RecordBuilder array_builder(schema);
  Decoded a = Decode(array, array_builder);
  ASSERT_OK(a.status);
  EXPECT_EQ(a.summary.accepted, kRows);
  EXPECT_EQ(checksum(array_builder.batch()), expected);
}

}  // namespace
}  // namespace strata::ingest

// --- Allocation: none per record once warm --------------------------------------------------

namespace strata::ingest {
namespace {

thread_local bool g_counting = false;
thread_local size_t g_allocations = 0;

}  // namespace
}  // namespace strata::ingest

// Counts allocations of this thread while g_counting is set (the whole ingest_test binary
// uses these; they only count, then defer to malloc). Sanitizers interpose their own
// allocator, so there the test is skipped.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STRATA_COUNT_ALLOCATIONS 0
#else
#define STRATA_COUNT_ALLOCATIONS 1
void* operator new(size_t size) {
  if (strata::ingest::g_counting) ++strata::ingest::g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#endif

namespace strata::ingest {
namespace {

TEST(JsonDecoderAllocationTest, NoAllocationPerRecordOnceWarm) {
  if (!STRATA_COUNT_ALLOCATIONS) GTEST_SKIP() << "allocation counting is off under sanitizers";
  const types::Schema schema = MakeSchema({{"time", DataType::kTimestamp},
                                           {"host", DataType::kString},
                                           {"usage", DataType::kInt64},
                                           {"idle", DataType::kFloat64},
                                           {"meta", DataType::kJson, true},
                                           {"req.path", DataType::kString, true}});
  std::string body;
  for (int i = 0; i < 1000; ++i) {
    body += "{\"time\":" + std::to_string(1451606400 + i) + ",\"host\":\"host_" +
            std::to_string(i % 10) + "\",\"usage\":" + std::to_string(i % 100) +
            ",\"idle\":" + std::to_string(i) +
            ".5,\"meta\":{\"k\":[1,2]},\"req\":{\"path\":\"/\"}}\n";
  }
  std::string array = "[" + body + "]";
  for (size_t pos = array.find('\n'); pos != std::string::npos; pos = array.find('\n', pos)) {
    array[pos] = pos + 2 < array.size() ? ',' : ' ';
  }
  JsonDecoder decoder;
  RecordBuilder builder(schema);
  for (JsonShape shape : {JsonShape::kNdjson, JsonShape::kArray}) {
    SCOPED_TRACE(std::string(JsonShapeName(shape)));
    std::string& input = shape == JsonShape::kNdjson ? body : array;
    DecodeOptions options;
    options.shape = shape;
    // Warm up: grows the parser, the scratch buffers and the columns.
    ASSERT_OK(decoder.Decode(input, options, builder, nullptr).status());
    ASSERT_OK(decoder.Decode(input, options, builder, nullptr).status());
    builder.Reset(schema);  // Keeps the column buffers.
    ASSERT_OK(decoder.Decode(input, options, builder, nullptr).status());
    builder.Reset(schema);
    g_allocations = 0;
    g_counting = true;
    Result<DecodeSummary> result = decoder.Decode(input, options, builder, nullptr);
    g_counting = false;
    ASSERT_OK(result.status());
    EXPECT_EQ(result->accepted, 1000u);
    EXPECT_LE(g_allocations, 5u) << g_allocations;  // Per call, never per record.
  }
}

}  // namespace
}  // namespace strata::ingest
