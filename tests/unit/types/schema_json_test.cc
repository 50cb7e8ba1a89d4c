#include "types/schema_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/json.h"
#include "test_util.h"

namespace strata::types {
namespace {

using ::testing::HasSubstr;

// Builds a Field; designated initializers would trip -Wmissing-field-initializers.
Field MakeField(uint32_t id, std::string name, DataType type, bool nullable = false,
                Value default_value = {}, bool pii = false, std::string description = "") {
  Field field;
  field.id = id;
  field.name = std::move(name);
  field.type = type;
  field.nullable = nullable;
  field.default_value = std::move(default_value);
  field.pii = pii;
  field.description = std::move(description);
  return field;
}

json::Value ParseOrDie(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? std::move(parsed).value() : json::Value();
}

struct Decoded {
  std::optional<Field> field;
  std::vector<ErrorDetail> errors;
};

Decoded Decode(std::string_view text, bool allow_id = false,
               const std::string& pointer = "/fields/0") {
  Decoded out;
  out.field = DecodeField(ParseOrDie(text), pointer, allow_id, out.errors);
  return out;
}

// The single error of a refused field definition.
void ExpectOneError(std::string_view text, std::string_view where, std::string_view detail_part,
                    bool allow_id = false) {
  SCOPED_TRACE(text);
  Decoded decoded = Decode(text, allow_id);
  EXPECT_FALSE(decoded.field.has_value());
  ASSERT_EQ(decoded.errors.size(), 1u);
  EXPECT_EQ(decoded.errors[0].location, ErrorDetail::Location::kPointer);
  EXPECT_EQ(decoded.errors[0].where, where);
  EXPECT_THAT(decoded.errors[0].detail, HasSubstr(std::string(detail_part)));
}

TEST(DecodeFieldTest, EveryAttribute) {
  Decoded decoded = Decode(
      R"({"name":"level","type":"string","nullable":true,"default":"info","pii":true,
          "description":"log level"})");
  ASSERT_TRUE(decoded.field.has_value());
  EXPECT_TRUE(decoded.errors.empty());
  const Field& field = *decoded.field;
  EXPECT_EQ(field.id, 0u);
  EXPECT_EQ(field.name, "level");
  EXPECT_EQ(field.type, DataType::kString);
  EXPECT_TRUE(field.nullable);
  EXPECT_EQ(field.default_value, Value(std::string("info")));
  EXPECT_TRUE(field.pii);
  EXPECT_EQ(field.description, "log level");
}

TEST(DecodeFieldTest, OptionalAttributesDefault) {
  Decoded decoded = Decode(R"({"name":"n","type":"int64"})");
  ASSERT_TRUE(decoded.field.has_value());
  EXPECT_FALSE(decoded.field->nullable);
  EXPECT_FALSE(decoded.field->pii);
  EXPECT_FALSE(decoded.field->has_default());
  EXPECT_EQ(decoded.field->description, "");
}

TEST(DecodeFieldTest, NullDefaultMeansNoDefault) {
  Decoded decoded = Decode(R"({"name":"n","type":"int64","default":null})");
  ASSERT_TRUE(decoded.field.has_value());
  EXPECT_FALSE(decoded.field->has_default());
}

TEST(DecodeFieldTest, NotAnObject) {
  ExpectOneError("[]", "/fields/0", "expected an object, got array");
  ExpectOneError("\"name\"", "/fields/0", "expected an object, got string");
}

TEST(DecodeFieldTest, NameErrors) {
  ExpectOneError(R"({"type":"int64"})", "/fields/0/name", "required");
  ExpectOneError(R"({"name":5,"type":"int64"})", "/fields/0/name", "expected a string");
  ExpectOneError(R"({"name":"1st","type":"int64"})", "/fields/0/name", "invalid field name '1st'");
  ExpectOneError(R"({"name":"a..b","type":"int64"})", "/fields/0/name", "invalid field name");
  ExpectOneError(R"({"name":"","type":"int64"})", "/fields/0/name", "invalid field name");
}

TEST(DecodeFieldTest, TypeErrors) {
  ExpectOneError(R"({"name":"a"})", "/fields/0/type", "required");
  ExpectOneError(R"({"name":"a","type":1})", "/fields/0/type", "expected a string");
  ExpectOneError(R"({"name":"a","type":"strng"})", "/fields/0/type",
                 "unknown type 'strng' (did you mean 'string'?)");
  ExpectOneError(R"({"name":"a","type":"varchar"})", "/fields/0/type",
                 "types are bool, int64, float64, string, timestamp, json");
}

TEST(DecodeFieldTest, FlagErrors) {
  ExpectOneError(R"({"name":"a","type":"int64","nullable":"yes"})", "/fields/0/nullable",
                 "expected true or false");
  ExpectOneError(R"({"name":"a","type":"int64","nullable":null})", "/fields/0/nullable",
                 "expected true or false");
  ExpectOneError(R"({"name":"a","type":"int64","pii":1})", "/fields/0/pii",
                 "expected true or false");
}

TEST(DecodeFieldTest, DescriptionErrors) {
  ExpectOneError(R"({"name":"a","type":"int64","description":7})", "/fields/0/description",
                 "expected a string");
  const std::string longest = std::string(4096, 'd');
  Decoded ok = Decode(R"({"name":"a","type":"int64","description":")" + longest + "\"}");
  ASSERT_TRUE(ok.field.has_value());
  EXPECT_EQ(ok.field->description, longest);
  ExpectOneError(R"({"name":"a","type":"int64","description":")" + longest + "d\"}",
                 "/fields/0/description", "longer than 4096 bytes");
}

TEST(DecodeFieldTest, DefaultIsCheckedAgainstTheType) {
  ExpectOneError(R"({"name":"a","type":"int64","default":1.5})", "/fields/0/default",
                 "expected an integer within int64 range");
  ExpectOneError(R"({"name":"a","type":"bool","default":"true"})", "/fields/0/default",
                 "expected bool, got string");
  ExpectOneError(R"({"name":"a","type":"timestamp","default":0})", "/fields/0/default", "RFC 3339");
  // With an unknown type there is nothing to check the default against: one error only.
  ExpectOneError(R"({"name":"a","type":"nope","default":1})", "/fields/0/type", "unknown type");
}

TEST(DecodeFieldTest, DefaultsOfEveryType) {
  struct Case {
    std::string_view json;
    Value expected;
  };
  const Case cases[] = {
      {R"({"name":"a","type":"bool","default":true})", Value(true)},
      {R"({"name":"a","type":"int64","default":-5})", Value(int64_t{-5})},
      {R"({"name":"a","type":"int64","default":2.0})", Value(int64_t{2})},
      {R"({"name":"a","type":"float64","default":2})", Value(2.0)},
      {R"({"name":"a","type":"string","default":""})", Value(std::string())},
      {R"({"name":"a","type":"timestamp","default":"1970-01-01T00:00:00.25Z"})",
       Value(int64_t{250000})},
      {R"({"name":"a","type":"json","default":{"k": [1, "v"]}})",
       Value(std::string(R"({"k":[1,"v"]})"))},
  };
  for (const Case& c : cases) {
    Decoded decoded = Decode(c.json);
    ASSERT_TRUE(decoded.field.has_value()) << c.json;
    EXPECT_EQ(decoded.field->default_value, c.expected) << c.json;
  }
}

TEST(DecodeFieldTest, IdIsRefusedUnlessAllowed) {
  ExpectOneError(R"({"id":3,"name":"a","type":"int64"})", "/fields/0/id",
                 "field ids are assigned by the server");
  Decoded allowed = Decode(R"({"id":3,"name":"a","type":"int64"})", /*allow_id=*/true);
  ASSERT_TRUE(allowed.field.has_value());
  EXPECT_EQ(allowed.field->id, 3u);
  Decoded largest = Decode(R"({"id":4294967295,"name":"a","type":"int64"})", true);
  ASSERT_TRUE(largest.field.has_value());
  EXPECT_EQ(largest.field->id, 4294967295u);
}

TEST(DecodeFieldTest, IdMustBeAPositiveUint32) {
  for (std::string_view id : {"0", "-1", "1.5", "\"3\"", "null", "4294967296", "1e20"}) {
    ExpectOneError(R"({"id":)" + std::string(id) + R"(,"name":"a","type":"int64"})", "/fields/0/id",
                   "expected a positive integer", /*allow_id=*/true);
  }
}

TEST(DecodeFieldTest, UnknownAttributeSuggestsTheClosest) {
  ExpectOneError(R"({"name":"a","type":"int64","nulable":true})", "/fields/0/nulable",
                 "unknown attribute 'nulable' (did you mean 'nullable'?)");
  ExpectOneError(R"({"name":"a","type":"int64","color":"red"})", "/fields/0/color",
                 "unknown attribute 'color'");
  ExpectOneError(R"({"name":"a","type":"int64","a/b":1})", "/fields/0/a~1b", "unknown attribute");
}

TEST(DecodeFieldTest, ReportsEveryProblemAndKeepsEarlierErrors) {
  std::vector<ErrorDetail> errors = {ErrorDetail::Pointer("/earlier", "kept")};
  std::optional<Field> field = DecodeField(
      ParseOrDie(R"({"name":"1","type":"x","pii":"no","extra":1})"), "/f", false, errors);
  EXPECT_FALSE(field.has_value());
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].where, "/earlier");
  std::vector<std::string> where;
  for (const ErrorDetail& error : errors) where.push_back(error.where);
  EXPECT_THAT(where, ::testing::UnorderedElementsAre("/earlier", "/f/extra", "/f/name", "/f/type",
                                                     "/f/pii"));
}

TEST(SchemaJsonTest, WriteFieldJsonShape) {
  Field field = MakeField(7, "time", DataType::kTimestamp);
  JsonWriter writer;
  WriteFieldJson(writer, field);
  EXPECT_EQ(writer.str(),
            R"({"id":7,"name":"time","type":"timestamp","nullable":false,"default":null,)"
            R"("pii":false,"description":""})");
}

TEST(SchemaJsonTest, WriteSchemaJsonShape) {
  Schema schema;
  schema.version = 3;
  schema.next_field_id = 9;
  schema.fields.push_back(MakeField(2, "n", DataType::kInt64, true, int64_t{4}));
  JsonWriter writer;
  WriteSchemaJson(writer, schema);
  EXPECT_EQ(writer.str(),
            R"({"version":3,"fields":[{"id":2,"name":"n","type":"int64","nullable":true,)"
            R"("default":4,"pii":false,"description":""}]})");
  JsonWriter empty;
  WriteSchemaJson(empty, Schema{});
  EXPECT_EQ(empty.str(), R"({"version":0,"fields":[]})");
}

TEST(SchemaJsonTest, FieldsRoundTripWithDefaultsOfEveryType) {
  const std::vector<Field> fields = {
      MakeField(1, "time", DataType::kTimestamp, false, {}, false, "event time"),
      MakeField(2, "ok", DataType::kBool, true, true),
      MakeField(3, "count", DataType::kInt64, false, std::numeric_limits<int64_t>::min()),
      MakeField(4, "ratio", DataType::kFloat64, false, 0.1),
      MakeField(5, "whole", DataType::kFloat64, false, 2.0),
      MakeField(6, "user.email", DataType::kString, false, std::string("a\"b\\c\n"), true),
      MakeField(7, "at", DataType::kTimestamp, true, int64_t{-1}),
      MakeField(8, "doc", DataType::kJson, false, std::string(R"({"a":[1,2.5,"x",null,true]})")),
      MakeField(4000000000u, "last", DataType::kString),
  };
  const std::string text = FieldsToJson(fields);
  ASSERT_OK_AND_ASSIGN(std::vector<Field> back, FieldsFromJson(text));
  ASSERT_EQ(back.size(), fields.size());
  for (size_t i = 0; i < fields.size(); ++i) EXPECT_EQ(back[i], fields[i]) << fields[i].name;
  EXPECT_EQ(FieldsToJson(back), text);
}

TEST(SchemaJsonTest, EmptyFieldList) {
  EXPECT_EQ(FieldsToJson({}), "[]");
  ASSERT_OK_AND_ASSIGN(std::vector<Field> back, FieldsFromJson("[]"));
  EXPECT_TRUE(back.empty());
}

TEST(SchemaJsonTest, CorruptStoredJsonIsCorruption) {
  for (std::string_view text :
       {"", "not json", "{}", "[1]", R"([{"id":1,"name":"a"}])", R"([{"id":1,"type":"int64"}])",
        R"([{"id":0,"name":"a","type":"int64"}])", R"([{"id":1,"name":"a","type":"blob"}])",
        R"([{"id":1,"name":"a","type":"int64","default":"x"}])", "[{\"id\":1,\"name\":\"a\""}) {
    Result<std::vector<Field>> parsed = FieldsFromJson(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption) << text;
  }
  Result<std::vector<Field>> second_bad =
      FieldsFromJson(R"([{"id":1,"name":"a","type":"int64"},{"id":2,"name":"b"}])");
  ASSERT_FALSE(second_bad.ok());
  EXPECT_EQ(second_bad.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(std::string(second_bad.status().message()), HasSubstr("/1/type"));
}

}  // namespace
}  // namespace strata::types
