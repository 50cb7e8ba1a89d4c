// RecordBuilder through its format-neutral setters (the JSON spelling of the same rules is in
// json_decoder_test.cc).
#include "ingest/record_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "common/time_util.h"
#include "ingest_test_util.h"

namespace strata::ingest {
namespace {

using testing::Cell;
using testing::ErrorKeys;
using testing::MakeSchema;
using types::DataType;
using types::Value;
using Keys = std::vector<std::string>;

constexpr int64_t kT0 = 1451606400LL * 1000000;  // 2016-01-01T00:00:00Z.

types::Schema OneField(DataType type, bool nullable = false, Value default_value = {}) {
  return MakeSchema({{"f", type, nullable, default_value}});
}

TEST(RecordBuilderTest, BuildsRowsInSchemaOrder) {
  const types::Schema schema = MakeSchema({{"time", DataType::kTimestamp},
                                           {"host", DataType::kString},
                                           {"usage", DataType::kFloat64},
                                           {"ok", DataType::kBool}});
  RecordBuilder builder(schema);
  for (int i = 0; i < 3; ++i) {
    builder.BeginRecord();
    builder.SetDouble("usage", 1.5 + i, false);  // Any member order.
    builder.SetString("host", "h" + std::to_string(i), true);
    builder.SetBool("ok", i % 2 == 0);
    builder.SetString("time", "2016-01-01T00:00:00Z", true);
    ASSERT_TRUE(builder.EndRecord()) << ::testing::PrintToString(ErrorKeys(builder));
  }
  const types::Batch& batch = builder.batch();
  EXPECT_EQ(batch.num_rows, 3u);
  EXPECT_EQ(batch.Validate(), "");
  EXPECT_EQ(batch.schema_version, 1u);
  EXPECT_EQ(batch.field_ids, (std::vector<uint32_t>{1, 2, 3, 4}));
  EXPECT_EQ(Cell(batch, schema, "time", 2), Value(kT0));
  EXPECT_EQ(Cell(batch, schema, "host", 1), Value(std::string("h1")));
  EXPECT_EQ(Cell(batch, schema, "usage", 2), Value(3.5));
  EXPECT_EQ(Cell(batch, schema, "ok", 1), Value(false));
  EXPECT_EQ(builder.accepted(), 3u);
  EXPECT_EQ(builder.rejected(), 0u);
}

TEST(RecordBuilderTest, RejectedRecordLeavesTheBatchAsBefore) {
  const types::Schema schema = MakeSchema({{"a", DataType::kInt64},
                                           {"s", DataType::kString},
                                           {"n", DataType::kFloat64, true},
                                           {"j", DataType::kJson, true}});
  RecordBuilder builder(schema);
  builder.BeginRecord();
  builder.SetInt("a", 1);
  builder.SetString("s", "kept", true);
  builder.SetDouble("n", 0.5, false);
  ASSERT_TRUE(builder.EndRecord());

  builder.BeginRecord();
  builder.SetString("s", "dropped", true);
  builder.SetNull("n");
  builder.SetRawJson("j", "[1,2]");
  builder.SetString("a", "abc", true);  // type_mismatch after other columns were written.
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/a"});
  EXPECT_EQ(builder.errors()[0].detail, "expected int64, got string \"abc\"");

  const types::Batch& batch = builder.batch();
  EXPECT_EQ(batch.num_rows, 1u);
  EXPECT_EQ(batch.Validate(), "");
  EXPECT_EQ(batch.columns[1].chars(), "kept");
  EXPECT_FALSE(batch.columns[2].has_nulls());  // The rejected NULL left no bitmap.

  builder.BeginRecord();
  builder.SetInt("a", 3);
  builder.SetString("s", "next", true);
  ASSERT_TRUE(builder.EndRecord());
  EXPECT_EQ(builder.batch().num_rows, 2u);
  EXPECT_EQ(Cell(builder.batch(), schema, "s", 1), Value(std::string("next")));
  EXPECT_EQ(Cell(builder.batch(), schema, "n", 1), Value());
  EXPECT_EQ(builder.accepted(), 2u);
  EXPECT_EQ(builder.rejected(), 1u);
}

TEST(RecordBuilderTest, ReportsEveryErrorOfARecord) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64},
                                    {"b", DataType::kBool},
                                    {"c", DataType::kString},
                                    {"d", DataType::kString}}));
  builder.BeginRecord();
  builder.SetDouble("a", 1.5, false);
  builder.SetInt("b", 1);
  builder.SetString("zzz", "x", true);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), (Keys{"type_mismatch@/a", "type_mismatch@/b", "unknown_field@/zzz",
                                      "missing_field@/c", "missing_field@/d"}));
}

// --- Absent fields, nulls and defaults -------------------------------------------------

TEST(RecordBuilderTest, AbsentFieldTakesDefaultThenNullThenError) {
  const types::Schema schema =
      MakeSchema({{"with_default", DataType::kInt64, false, int64_t{7}},
                  {"nullable", DataType::kString, true},
                  {"nullable_default", DataType::kFloat64, true, 2.5},
                  {"float_int_default", DataType::kFloat64, false, int64_t{3}},
                  {"ts_default", DataType::kTimestamp, false, kT0},
                  {"json_default", DataType::kJson, false, std::string("{\"k\":1}")},
                  {"required", DataType::kBool}});
  RecordBuilder builder(schema);
  builder.BeginRecord();
  builder.SetBool("required", true);
  ASSERT_TRUE(builder.EndRecord());
  EXPECT_EQ(Cell(builder.batch(), schema, "with_default", 0), Value(int64_t{7}));
  EXPECT_EQ(Cell(builder.batch(), schema, "nullable", 0), Value());
  EXPECT_EQ(Cell(builder.batch(), schema, "nullable_default", 0), Value(2.5));
  EXPECT_EQ(Cell(builder.batch(), schema, "float_int_default", 0), Value(3.0));
  EXPECT_EQ(Cell(builder.batch(), schema, "ts_default", 0), Value(kT0));
  EXPECT_EQ(Cell(builder.batch(), schema, "json_default", 0), Value(std::string("{\"k\":1}")));

  builder.BeginRecord();
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"missing_field@/required"});
  EXPECT_EQ(builder.errors()[0].detail, "required field \"required\" (bool) is missing");
}

TEST(RecordBuilderTest, ExplicitNull) {
  const types::Schema schema = MakeSchema({{"nullable", DataType::kInt64, true},
                                           {"nullable_default", DataType::kInt64, true, int64_t{5}},
                                           {"default_only", DataType::kInt64, false, int64_t{9}},
                                           {"required", DataType::kInt64}});
  RecordBuilder builder(schema);
  builder.BeginRecord();
  builder.SetNull("nullable");
  builder.SetNull("nullable_default");  // A nullable field stores the explicit NULL.
  builder.SetNull("default_only");      // A non-nullable field with a default takes it.
  builder.SetInt("required", 1);
  ASSERT_TRUE(builder.EndRecord());
  EXPECT_EQ(Cell(builder.batch(), schema, "nullable", 0), Value());
  EXPECT_EQ(Cell(builder.batch(), schema, "nullable_default", 0), Value());
  EXPECT_EQ(Cell(builder.batch(), schema, "default_only", 0), Value(int64_t{9}));

  builder.BeginRecord();
  builder.SetNull("required");
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"null_not_allowed@/required"});
}

// --- The type table, format-neutral ----------------------------------------------------

TEST(RecordBuilderTypesTest, Bool) {
  RecordBuilder builder(OneField(DataType::kBool));
  builder.BeginRecord();
  builder.SetBool("f", true);
  EXPECT_TRUE(builder.EndRecord());
  for (auto set : std::vector<std::function<void()>>{
           [&] { builder.SetInt("f", 1); }, [&] { builder.SetUInt("f", 1); },
           [&] { builder.SetDouble("f", 0.0, false); },
           [&] { builder.SetString("f", "true", true); },  // Needs coerce_strings.
           [&] { builder.SetRawJson("f", "[true]"); }}) {
    builder.BeginRecord();
    set();
    EXPECT_FALSE(builder.EndRecord());
    EXPECT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/f"});
  }
  builder.BeginRecord();
  builder.SetString("f", "FALSE", false);  // Untyped text converts.
  EXPECT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetString("f", "1", false);  // Only true/false.
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/f"});

  RecordBuilder coercing(OneField(DataType::kBool), testing::Coerce());
  coercing.BeginRecord();
  coercing.SetString("f", "true", true);
  EXPECT_TRUE(coercing.EndRecord());
  EXPECT_EQ(coercing.batch().columns[0].ValueAt(0), Value(true));
}

TEST(RecordBuilderTypesTest, Int64) {
  RecordBuilder builder(OneField(DataType::kInt64));
  const auto accepts = [&](auto set, int64_t expected) {
    builder.BeginRecord();
    set();
    ASSERT_TRUE(builder.EndRecord()) << ::testing::PrintToString(ErrorKeys(builder));
    EXPECT_EQ(builder.batch().columns[0].ints().back(), expected);
  };
  const auto rejects = [&](auto set, const std::string& key) {
    builder.BeginRecord();
    set();
    EXPECT_FALSE(builder.EndRecord());
    EXPECT_EQ(ErrorKeys(builder), Keys{key});
  };
  accepts([&] { builder.SetInt("f", -5); }, -5);
  accepts([&] { builder.SetUInt("f", 5); }, 5);
  accepts([&] { builder.SetDouble("f", 1.0, false); }, 1);
  accepts([&] { builder.SetDouble("f", -9223372036854775808.0, false); },
          std::numeric_limits<int64_t>::min());
  accepts([&] { builder.SetString("f", "-12", false); }, -12);
  accepts([&] { builder.SetString("f", "1e3", false); }, 1000);
  rejects([&] { builder.SetDouble("f", 1.5, false); }, "type_mismatch@/f");
  rejects([&] { builder.SetUInt("f", uint64_t{1} << 63); }, "int_out_of_range@/f");
  rejects([&] { builder.SetDouble("f", 9223372036854775808.0, true); }, "int_out_of_range@/f");
  rejects([&] { builder.SetDouble("f", 1e30, false); }, "int_out_of_range@/f");
  rejects([&] { builder.SetDouble("f", std::nan(""), false); }, "number_out_of_range@/f");
  rejects([&] { builder.SetBool("f", true); }, "type_mismatch@/f");
  rejects([&] { builder.SetString("f", "12", true); }, "type_mismatch@/f");
  rejects([&] { builder.SetString("f", "9223372036854775808", false); }, "int_out_of_range@/f");
  rejects([&] { builder.SetString("f", "12abc", false); }, "type_mismatch@/f");
  rejects([&] { builder.SetRawJson("f", "{\"a\":1}"); }, "type_mismatch@/f");
  builder.BeginRecord();
  builder.SetUInt("f", uint64_t{1} << 63);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(builder.errors()[0].detail, "number 9223372036854775808 is outside the int64 range");

  RecordBuilder coercing(OneField(DataType::kInt64), testing::Coerce());
  coercing.BeginRecord();
  coercing.SetString("f", "12", true);
  EXPECT_TRUE(coercing.EndRecord());
  coercing.BeginRecord();
  coercing.SetString("f", "1.5", true);
  EXPECT_FALSE(coercing.EndRecord());
  EXPECT_EQ(ErrorKeys(coercing), Keys{"type_mismatch@/f"});
}

TEST(RecordBuilderTypesTest, Float64) {
  RecordBuilder builder(OneField(DataType::kFloat64));
  builder.BeginRecord();
  builder.SetInt("f", 3);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetUInt("f", uint64_t{1} << 63);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetDouble("f", 18446744073709551616.0, true);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetString("f", "-2.5e3", false);
  ASSERT_TRUE(builder.EndRecord());
  EXPECT_EQ(builder.batch().columns[0].doubles(),
            (types::DoubleBuffer{3.0, 9223372036854775808.0, 18446744073709551616.0, -2500.0}));

  for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    builder.BeginRecord();
    builder.SetDouble("f", bad, false);
    EXPECT_FALSE(builder.EndRecord());
    EXPECT_EQ(ErrorKeys(builder), Keys{"number_out_of_range@/f"});
  }
  for (std::string_view text : {"NaN", "inf", "Infinity", "1e400"}) {
    builder.BeginRecord();
    builder.SetString("f", text, false);
    EXPECT_FALSE(builder.EndRecord()) << text;
  }
  builder.BeginRecord();
  builder.SetString("f", "1.5", true);  // Without coerce_strings.
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/f"});
  builder.BeginRecord();
  builder.SetBool("f", false);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/f"});
}

TEST(RecordBuilderTypesTest, StringNeverCoercesOtherKinds) {
  RecordBuilder builder(OneField(DataType::kString), testing::Coerce());
  builder.BeginRecord();
  builder.SetString("f", "12", true);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetString("f", "", false);
  ASSERT_TRUE(builder.EndRecord());
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[&] { builder.SetInt("f", 12); }, "expected string, got number 12"},
      {[&] { builder.SetUInt("f", 12); }, "expected string, got number 12"},
      {[&] { builder.SetDouble("f", 1.5, false); }, "expected string, got number 1.5"},
      {[&] { builder.SetBool("f", true); }, "expected string, got boolean true"},
      {[&] { builder.SetRawJson("f", "[1]"); }, "expected string, got array"},
      {[&] { builder.SetRawJson("f", "{}"); }, "expected string, got object"},
  };
  for (const auto& [set, detail] : cases) {
    builder.BeginRecord();
    set();
    EXPECT_FALSE(builder.EndRecord());
    ASSERT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/f"});
    EXPECT_EQ(builder.errors()[0].detail, detail);
  }
}

TEST(RecordBuilderTypesTest, StringLengthLimit) {
  RecordBuilder builder(MakeSchema({{"s", DataType::kString}, {"j", DataType::kJson, true}}),
                        testing::MaxString(4));
  builder.BeginRecord();
  builder.SetString("s", "abcd", true);
  builder.SetRawJson("j", "[12]");
  EXPECT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetString("s", "abcde", true);
  builder.SetRawJson("j", "[123]");
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), (Keys{"string_too_long@/s", "string_too_long@/j"}));
  EXPECT_EQ(builder.errors()[0].detail, "string of 5 bytes exceeds the limit of 4 bytes");
}

TEST(RecordBuilderTypesTest, Timestamp) {
  RecordBuilder builder(OneField(DataType::kTimestamp));
  const auto accepts = [&](auto set, int64_t expected) {
    builder.BeginRecord();
    set();
    ASSERT_TRUE(builder.EndRecord()) << ::testing::PrintToString(ErrorKeys(builder));
    EXPECT_EQ(builder.batch().columns[0].ints().back(), expected);
  };
  const auto rejects = [&](auto set, const std::string& key) {
    builder.BeginRecord();
    set();
    EXPECT_FALSE(builder.EndRecord());
    EXPECT_EQ(ErrorKeys(builder), Keys{key});
  };
  accepts([&] { builder.SetString("f", "2016-01-01T01:00:00+01:00", true); }, kT0);
  accepts([&] { builder.SetString("f", "2016-01-01T00:00:00.5Z", true); }, kT0 + 500000);
  accepts([&] { builder.SetInt("f", 1451606400); }, kT0);
  accepts([&] { builder.SetInt("f", 1451606400000); }, kT0);
  accepts([&] { builder.SetInt("f", 1451606400000000); }, kT0);
  accepts([&] { builder.SetInt("f", 1451606400000000000); }, kT0);
  accepts([&] { builder.SetUInt("f", 1451606400000000000); }, kT0);
  accepts([&] { builder.SetDouble("f", 1451606400.25, false); }, kT0 + 250000);
  accepts([&] { builder.SetString("f", "1451606400", false); }, kT0);  // Untyped text.
  rejects([&] { builder.SetString("f", "yesterday", true); }, "bad_timestamp@/f");
  rejects([&] { builder.SetString("f", "2016-13-01T00:00:00Z", true); }, "bad_timestamp@/f");
  rejects([&] { builder.SetString("f", "1451606400", true); }, "bad_timestamp@/f");
  rejects([&] { builder.SetDouble("f", 1e30, false); }, "bad_timestamp@/f");
  rejects([&] { builder.SetDouble("f", -1e30, false); }, "bad_timestamp@/f");
  rejects([&] { builder.SetBool("f", true); }, "type_mismatch@/f");
  rejects([&] { builder.SetRawJson("f", "[1]"); }, "type_mismatch@/f");
  builder.BeginRecord();
  builder.SetString("f", "yesterday", true);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(builder.errors()[0].detail,
            "expected an RFC 3339 timestamp such as 2024-01-01T00:00:00Z or an epoch number, got "
            "string \"yesterday\"");

  RecordBuilder millis(OneField(DataType::kTimestamp), testing::EpochUnit(TimeUnit::kMillis));
  millis.BeginRecord();
  millis.SetInt("f", 1451606400);  // Read as milliseconds, whatever the magnitude.
  ASSERT_TRUE(millis.EndRecord());
  EXPECT_EQ(millis.batch().columns[0].IntAt(0), 1451606400LL * 1000);

  RecordBuilder coercing(OneField(DataType::kTimestamp), testing::Coerce());
  coercing.BeginRecord();
  coercing.SetString("f", "1451606400000", true);
  ASSERT_TRUE(coercing.EndRecord());
  EXPECT_EQ(coercing.batch().columns[0].IntAt(0), kT0);
}

TEST(RecordBuilderTypesTest, JsonStoresCompactText) {
  RecordBuilder builder(OneField(DataType::kJson, true));
  builder.BeginRecord();
  builder.SetRawJson("f", "{\"a\":[1,2]}");
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetString("f", "say \"hi\"", true);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetInt("f", -3);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetUInt("f", 18446744073709551615u);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetDouble("f", 0.1, false);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetBool("f", false);
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetString("f", " {\"b\" : [true, null]} ", false);  // Untyped text is parsed.
  ASSERT_TRUE(builder.EndRecord());
  builder.BeginRecord();
  builder.SetNull("f");
  ASSERT_TRUE(builder.EndRecord());
  const types::ColumnVector& column = builder.batch().columns[0];
  EXPECT_EQ(column.StringAt(0), "{\"a\":[1,2]}");
  EXPECT_EQ(column.StringAt(1), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(column.StringAt(2), "-3");
  EXPECT_EQ(column.StringAt(3), "18446744073709551615");
  EXPECT_EQ(column.StringAt(4), "0.1");
  EXPECT_EQ(column.StringAt(5), "false");
  EXPECT_EQ(column.StringAt(6), "{\"b\":[true,null]}");
  EXPECT_TRUE(column.IsNull(7));

  builder.BeginRecord();
  builder.SetString("f", "{not json", false);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/f"});
  builder.BeginRecord();
  builder.SetDouble("f", std::nan(""), false);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"number_out_of_range@/f"});
}

// --- Names: duplicates, unknown fields, nesting ----------------------------------------

TEST(RecordBuilderTest, DuplicateField) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}, {"b.c", DataType::kInt64}}));
  builder.BeginRecord();
  builder.SetInt("a", 1);
  builder.SetInt("a", 2);
  ASSERT_EQ(builder.BeginObject("b"), NestedAction::kFlatten);
  builder.SetInt("c", 1);
  builder.EndObject();
  builder.SetInt("b.c", 2);  // The same field, spelled flat.
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), (Keys{"duplicate_field@/a", "duplicate_field@/b.c"}));
  EXPECT_EQ(builder.errors()[0].detail, "field \"a\" appears more than once");
  EXPECT_EQ(builder.batch().num_rows, 0u);
}

TEST(RecordBuilderTest, UnknownFieldInStrictMode) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}));
  builder.BeginRecord();
  builder.SetInt("a", 1);
  builder.SetNull("extra");  // Even null: strict means strict.
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"unknown_field@/extra"});
  EXPECT_EQ(builder.errors()[0].detail, "field \"extra\" is not in the schema");
  EXPECT_TRUE(builder.unknown_fields().empty());
}

TEST(RecordBuilderTest, NestedObjectsFlattenToDottedNames) {
  const types::Schema schema = MakeSchema({{"request.path", DataType::kString},
                                           {"request.headers.host", DataType::kString},
                                           {"status", DataType::kInt64}});
  RecordBuilder builder(schema);
  builder.BeginRecord();
  ASSERT_EQ(builder.BeginObject("request"), NestedAction::kFlatten);
  EXPECT_EQ(builder.depth(), 1);
  builder.SetString("path", "/", true);
  ASSERT_EQ(builder.BeginObject("headers"), NestedAction::kFlatten);
  builder.SetString("host", "example.com", true);
  builder.EndObject();
  builder.EndObject();
  EXPECT_EQ(builder.depth(), 0);
  builder.SetInt("status", 200);
  ASSERT_TRUE(builder.EndRecord()) << ::testing::PrintToString(ErrorKeys(builder));
  EXPECT_EQ(Cell(builder.batch(), schema, "request.path", 0), Value(std::string("/")));
  EXPECT_EQ(Cell(builder.batch(), schema, "request.headers.host", 0),
            Value(std::string("example.com")));

  // Errors inside point at the nested value; keys are escaped (RFC 6901).
  builder.BeginRecord();
  ASSERT_EQ(builder.BeginObject("request"), NestedAction::kFlatten);
  builder.SetInt("path", 1);
  builder.SetInt("a/b~c", 1);
  builder.EndObject();
  builder.SetInt("status", 200);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder),
            (Keys{"type_mismatch@/request/path", "unknown_field@/request/a~1b~0c",
                  "missing_field@/request/headers/host"}));
}

TEST(RecordBuilderTest, ObjectForAJsonFieldIsCaptured) {
  const types::Schema schema =
      MakeSchema({{"meta", DataType::kJson, true}, {"tags", DataType::kJson, true}});
  RecordBuilder builder(schema);
  builder.BeginRecord();
  ASSERT_EQ(builder.BeginObject("meta"), NestedAction::kCaptureJson);
  builder.SetRawJson("meta", "{\"a\":{\"b\":1}}");
  ASSERT_EQ(builder.BeginArray("tags"), NestedAction::kCaptureJson);
  builder.SetRawJson("tags", "[\"x\",\"y\"]");
  ASSERT_TRUE(builder.EndRecord());
  EXPECT_EQ(Cell(builder.batch(), schema, "meta", 0), Value(std::string("{\"a\":{\"b\":1}}")));
  EXPECT_EQ(Cell(builder.batch(), schema, "tags", 0), Value(std::string("[\"x\",\"y\"]")));
}

TEST(RecordBuilderTest, ObjectsAndArraysForOtherFields) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kString, true}}));
  builder.BeginRecord();
  EXPECT_EQ(builder.BeginObject("a"), NestedAction::kSkip);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/a"});
  EXPECT_EQ(builder.errors()[0].detail, "expected string, got object");

  builder.BeginRecord();
  EXPECT_EQ(builder.BeginArray("a"), NestedAction::kSkip);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"type_mismatch@/a"});
  EXPECT_EQ(builder.errors()[0].detail, "expected string, got array");

  builder.BeginRecord();
  EXPECT_EQ(builder.BeginArray("other"), NestedAction::kSkip);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"unknown_field@/other"});
}

TEST(RecordBuilderTest, NestingDepthLimit) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64, true}}), testing::MaxDepth(3));
  builder.BeginRecord();
  ASSERT_EQ(builder.BeginObject("x"), NestedAction::kFlatten);  // Members at depth 2.
  ASSERT_EQ(builder.BeginObject("y"), NestedAction::kFlatten);  // Members at depth 3.
  EXPECT_EQ(builder.BeginObject("z"), NestedAction::kSkip);     // Members would be at 4.
  builder.EndObject();
  builder.EndObject();
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"nesting_too_deep@/x/y/z"});
}

TEST(RecordBuilderTest, FailNamesTheCurrentLevel) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64, true}}));
  builder.BeginRecord();
  builder.Fail(RecordErrorCode::kNotAnObject, "", "expected a JSON object, got array");
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"not_an_object@"});
  builder.BeginRecord();
  ASSERT_EQ(builder.BeginObject("o"), NestedAction::kFlatten);
  builder.Fail(RecordErrorCode::kInvalidJson, "k", "invalid number");
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder), Keys{"invalid_json@/o/k"});
  EXPECT_EQ(builder.depth(), 0);  // EndRecord resets the nesting.
}

TEST(RecordBuilderTest, AbortRecordDropsItWithoutCounting) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}));
  builder.BeginRecord();
  builder.SetInt("a", 1);
  ASSERT_EQ(builder.BeginObject("o"), NestedAction::kFlatten);
  builder.AbortRecord();
  EXPECT_EQ(builder.batch().num_rows, 0u);
  EXPECT_EQ(builder.batch().Validate(), "");
  EXPECT_EQ(builder.accepted() + builder.rejected(), 0u);
  builder.BeginRecord();
  builder.SetInt("a", 2);
  EXPECT_TRUE(builder.EndRecord());
  EXPECT_EQ(builder.batch().columns[0].ints(), (types::IntBuffer{2}));
}

// --- Record ids --------------------------------------------------------------------------

TEST(RecordBuilderTest, RecordIdIsCollectedEvenWhenTheRecordFails) {
  RecordBuilder builder(MakeSchema({{"id", DataType::kString}, {"n", DataType::kInt64}}),
                        testing::IdField("id"));
  builder.BeginRecord();
  builder.SetString("n", "high", true);
  builder.SetString("id", "evt-17", true);
  EXPECT_FALSE(builder.EndRecord());
  ASSERT_TRUE(builder.record_id().has_value());
  EXPECT_EQ(*builder.record_id(), "evt-17");

  builder.BeginRecord();
  builder.SetInt("n", 1);
  EXPECT_FALSE(builder.EndRecord());  // id is missing.
  EXPECT_FALSE(builder.record_id().has_value());

  RecordBuilder numeric(MakeSchema({{"seq", DataType::kInt64}}), testing::IdField("seq"));
  numeric.BeginRecord();
  numeric.SetInt("seq", 42);
  EXPECT_TRUE(numeric.EndRecord());
  EXPECT_EQ(numeric.record_id(), std::optional<std::string_view>("42"));
  numeric.BeginRecord();
  numeric.SetString("seq", "x-1", true);  // Wrong type, but still names the record.
  EXPECT_FALSE(numeric.EndRecord());
  EXPECT_EQ(numeric.record_id(), std::optional<std::string_view>("x-1"));
}

// --- Evolve mode ---------------------------------------------------------------------------

TEST(RecordBuilderEvolveTest, InfersTypesOfUnknownFields) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}), testing::Evolve());
  builder.BeginRecord();
  builder.SetInt("a", 1);
  builder.SetBool("flag", true);
  builder.SetInt("count", 3);
  builder.SetDouble("ratio", 0.5, false);
  builder.SetString("at", "2024-01-01T00:00:00Z", true);
  builder.SetString("name", "x", true);
  builder.BeginArray("tags");
  ASSERT_EQ(builder.BeginObject("req"), NestedAction::kFlatten);
  builder.SetString("path", "/", true);
  builder.EndObject();
  builder.SetNull("nothing");  // Nulls say nothing about a type: ignored.
  builder.SetDouble("huge", 1e20, true);
  EXPECT_FALSE(builder.EndRecord());  // Rejected until the schema has the fields.
  EXPECT_EQ(builder.errors().size(), 8u);
  EXPECT_EQ(builder.errors()[0].code, RecordErrorCode::kUnknownField);
  EXPECT_EQ(builder.batch().num_rows, 0u);
  const std::vector<InferredField> expected = {
      {"flag", DataType::kBool},       {"count", DataType::kInt64}, {"ratio", DataType::kFloat64},
      {"at", DataType::kTimestamp},    {"name", DataType::kString}, {"tags", DataType::kJson},
      {"req.path", DataType::kString}, {"huge", DataType::kFloat64}};
  EXPECT_EQ(builder.unknown_fields(), expected);

  builder.BeginRecord();
  builder.SetInt("a", 1);
  EXPECT_TRUE(builder.EndRecord());  // Records without unknown fields still commit.
}

TEST(RecordBuilderEvolveTest, WidensAcrossRecords) {
  RecordBuilder builder(MakeSchema({}), testing::Evolve());
  const auto record = [&](auto set) {
    builder.BeginRecord();
    set();
    EXPECT_FALSE(builder.EndRecord());
  };
  record([&] { builder.SetInt("n", 1); });
  record([&] { builder.SetDouble("n", 1.5, false); });  // int64 + float64 -> float64.
  record([&] { builder.SetString("t", "2024-01-01T00:00:00Z", true); });
  record([&] { builder.SetString("t", "soon", true); });  // timestamp + string -> string.
  record([&] { builder.SetBool("m", true); });
  record([&] { builder.SetInt("m", 1); });  // Unrelated kinds -> json, which takes anything.
  record([&] { builder.SetInt("k", 1); });
  record([&] { builder.BeginArray("k"); });                  // Anything + array -> json.
  record([&] { builder.SetUInt("u", uint64_t{1} << 63); });  // Beyond int64 -> float64.
  record([&] { builder.SetString("s", "x", true); });
  record([&] { builder.SetInt("s", 1); });  // string + number -> json.
  const std::vector<InferredField> expected = {{"n", DataType::kFloat64}, {"t", DataType::kString},
                                               {"m", DataType::kJson},    {"k", DataType::kJson},
                                               {"u", DataType::kFloat64}, {"s", DataType::kJson}};
  EXPECT_EQ(builder.unknown_fields(), expected);
}

TEST(RecordBuilderEvolveTest, UntypedTextInference) {
  RecordBuilder builder(MakeSchema({}), testing::Evolve());
  builder.BeginRecord();
  builder.SetString("b", "true", false);
  builder.SetString("i", "-4", false);
  builder.SetString("f", "4.5", false);
  builder.SetString("t", "2024-01-01T00:00:00Z", false);
  builder.SetString("s", "hello", false);
  EXPECT_FALSE(builder.EndRecord());
  const std::vector<InferredField> expected = {{"b", DataType::kBool},
                                               {"i", DataType::kInt64},
                                               {"f", DataType::kFloat64},
                                               {"t", DataType::kTimestamp},
                                               {"s", DataType::kString}};
  EXPECT_EQ(builder.unknown_fields(), expected);
}

TEST(RecordBuilderEvolveTest, InvalidNamesAndDuplicates) {
  RecordBuilder builder(MakeSchema({}), testing::Evolve());
  builder.BeginRecord();
  builder.SetInt("bad name", 1);
  builder.SetInt("x", 1);
  builder.SetInt("x", 2);
  EXPECT_FALSE(builder.EndRecord());
  EXPECT_EQ(ErrorKeys(builder),
            (Keys{"invalid_field_name@/bad name", "unknown_field@/x", "duplicate_field@/x"}));
  EXPECT_EQ(builder.unknown_fields(), (std::vector<InferredField>{{"x", DataType::kInt64}}));
}

TEST(RecordBuilderEvolveTest, RerunAfterEvolvingTheSchema) {
  types::Schema schema = MakeSchema({{"a", DataType::kInt64}});
  RecordBuilder builder(schema, testing::Evolve());
  const auto decode = [&] {
    builder.BeginRecord();
    builder.SetInt("a", 1);
    builder.SetString("b", "x", true);
    return builder.EndRecord();
  };
  EXPECT_FALSE(decode());
  ASSERT_EQ(builder.unknown_fields().size(), 1u);
  types::Field added;
  added.id = schema.next_field_id++;
  added.name = builder.unknown_fields()[0].name;
  added.type = builder.unknown_fields()[0].type;
  added.nullable = true;
  schema.fields.push_back(added);
  schema.version = 2;
  builder.Reset(schema);
  EXPECT_TRUE(builder.unknown_fields().empty());
  EXPECT_TRUE(decode());
  EXPECT_EQ(builder.batch().schema_version, 2u);
  EXPECT_EQ(Cell(builder.batch(), schema, "b", 0), Value(std::string("x")));
}

TEST(RecordBuilderTest, TakeBatchStartsAnEmptyOne) {
  RecordBuilder builder(MakeSchema({{"a", DataType::kInt64}}));
  builder.BeginRecord();
  builder.SetInt("a", 1);
  ASSERT_TRUE(builder.EndRecord());
  types::Batch taken = builder.TakeBatch();
  EXPECT_EQ(taken.num_rows, 1u);
  EXPECT_EQ(builder.batch().num_rows, 0u);
  EXPECT_EQ(builder.batch().columns.size(), 1u);
  builder.BeginRecord();
  builder.SetInt("a", 2);
  ASSERT_TRUE(builder.EndRecord());
  EXPECT_EQ(builder.batch().columns[0].ints(), (types::IntBuffer{2}));
}

TEST(RecordBuilderTest, KeyOrderChangesDoNotConfuseThePrediction) {
  const types::Schema schema =
      MakeSchema({{"a", DataType::kInt64}, {"b", DataType::kInt64}, {"c", DataType::kInt64}});
  RecordBuilder builder(schema);
  const std::vector<std::vector<std::string>> orders = {
      {"a", "b", "c"}, {"c", "b", "a"}, {"b", "a", "c"}, {"a", "b", "c"}, {"c", "a", "b"}};
  for (size_t row = 0; row < orders.size(); ++row) {
    builder.BeginRecord();
    for (const std::string& key : orders[row]) {
      builder.SetInt(key, static_cast<int64_t>(row * 10 + (key[0] - 'a')));
    }
    ASSERT_TRUE(builder.EndRecord());
  }
  for (size_t row = 0; row < orders.size(); ++row) {
    EXPECT_EQ(Cell(builder.batch(), schema, "a", row), Value(static_cast<int64_t>(row * 10)));
    EXPECT_EQ(Cell(builder.batch(), schema, "c", row), Value(static_cast<int64_t>(row * 10 + 2)));
  }
}

}  // namespace
}  // namespace strata::ingest
