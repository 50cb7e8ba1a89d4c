#include "types/schema_evolution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "test_util.h"

namespace strata::types {
namespace {

using ::testing::HasSubstr;

json::Value ParseOrDie(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? std::move(parsed).value() : json::Value();
}

Field MakeField(std::string name, DataType type, bool nullable = false) {
  Field field;
  field.name = std::move(name);
  field.type = type;
  field.nullable = nullable;
  return field;
}

std::vector<std::string> Wheres(const Status& status) {
  std::vector<std::string> out;
  for (const ErrorDetail& error : status.errors()) out.push_back(error.where);
  return out;
}

// The one error of a refused Status: its pointer and detail.
void ExpectOnlyError(const Status& status, std::string_view where, std::string_view detail_part) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kValidationFailed);
  ASSERT_EQ(status.errors().size(), 1u) << status.ToString();
  EXPECT_EQ(status.errors()[0].location, ErrorDetail::Location::kPointer);
  EXPECT_EQ(status.errors()[0].where, where);
  EXPECT_THAT(status.errors()[0].detail, HasSubstr(std::string(detail_part)));
}

// ---------------------------------------------------------------- BuildInitialSchema

TEST(BuildInitialSchemaTest, AssignsIdsOneToN) {
  ASSERT_OK_AND_ASSIGN(Schema schema, BuildInitialSchema({MakeField("time", DataType::kTimestamp),
                                                          MakeField("a", DataType::kInt64),
                                                          MakeField("b", DataType::kString, true)},
                                                         SchemaRoles{"time", "b", {}}));
  EXPECT_EQ(schema.version, 1u);
  ASSERT_EQ(schema.fields.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(schema.fields[i].id, i + 1);
  EXPECT_EQ(schema.fields[1].name, "a");
  EXPECT_EQ(schema.next_field_id, 4u);
}

TEST(BuildInitialSchemaTest, IgnoresIdsFromTheRequest) {
  Field field = MakeField("a", DataType::kInt64);
  field.id = 99;
  ASSERT_OK_AND_ASSIGN(Schema schema, BuildInitialSchema({field}, SchemaRoles{}));
  EXPECT_EQ(schema.fields[0].id, 1u);
}

TEST(BuildInitialSchemaTest, EmptyIsAllowedWithoutRoles) {
  ASSERT_OK_AND_ASSIGN(Schema schema, BuildInitialSchema({}, SchemaRoles{}));
  EXPECT_EQ(schema.version, 1u);
  EXPECT_TRUE(schema.fields.empty());
  EXPECT_EQ(schema.next_field_id, 1u);
}

TEST(BuildInitialSchemaTest, DuplicateNamesPointAtTheLaterField) {
  Result<Schema> result =
      BuildInitialSchema({MakeField("a", DataType::kInt64), MakeField("b", DataType::kInt64),
                          MakeField("a", DataType::kString), MakeField("b", DataType::kBool)},
                         SchemaRoles{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kValidationFailed);
  EXPECT_EQ(Wheres(result.status()),
            (std::vector<std::string>{"/fields/2/name", "/fields/3/name"}));
  EXPECT_THAT(result.status().errors()[0].detail, HasSubstr("duplicate field name 'a'"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("and 1 more"));
}

TEST(BuildInitialSchemaTest, AtMost1024Fields) {
  std::vector<Field> fields;
  for (int i = 0; i < 1024; ++i)
    fields.push_back(MakeField("f" + std::to_string(i), DataType::kInt64));
  ASSERT_OK_AND_ASSIGN(Schema schema, BuildInitialSchema(fields, SchemaRoles{}));
  EXPECT_EQ(schema.fields.back().id, 1024u);
  fields.push_back(MakeField("one_too_many", DataType::kInt64));
  ExpectOnlyError(BuildInitialSchema(fields, SchemaRoles{}).status(), "/fields",
                  "at most 1024 fields");
}

TEST(BuildInitialSchemaTest, TimeFieldMustExist) {
  Result<Schema> result =
      BuildInitialSchema({MakeField("time", DataType::kTimestamp)}, SchemaRoles{"tme", "", {}});
  ExpectOnlyError(result.status(), "/time_field", "no field named 'tme' (did you mean 'time'?)");
}

TEST(BuildInitialSchemaTest, TimeFieldMustBeATimestamp) {
  Result<Schema> result =
      BuildInitialSchema({MakeField("time", DataType::kInt64)}, SchemaRoles{"time", "", {}});
  ExpectOnlyError(result.status(), "/time_field", "has type int64");
}

TEST(BuildInitialSchemaTest, TimeFieldMustNotBeNullable) {
  Result<Schema> result = BuildInitialSchema({MakeField("time", DataType::kTimestamp, true)},
                                             SchemaRoles{"time", "", {}});
  ExpectOnlyError(result.status(), "/time_field", "is nullable");
}

TEST(BuildInitialSchemaTest, RecordIdFieldMustBeStringOrInt64) {
  for (DataType ok : {DataType::kString, DataType::kInt64}) {
    EXPECT_OK(BuildInitialSchema({MakeField("id", ok)}, SchemaRoles{"", "id", {}}).status());
  }
  for (DataType bad :
       {DataType::kBool, DataType::kFloat64, DataType::kTimestamp, DataType::kJson}) {
    ExpectOnlyError(BuildInitialSchema({MakeField("id", bad)}, SchemaRoles{"", "id", {}}).status(),
                    "/record_id_field", "a record id must be a string or int64");
  }
  ExpectOnlyError(
      BuildInitialSchema({MakeField("id", DataType::kString)}, SchemaRoles{"", "ids", {}}).status(),
      "/record_id_field", "no field named 'ids'");
}

TEST(BuildInitialSchemaTest, ReportsBothRoleErrors) {
  Result<Schema> result =
      BuildInitialSchema({MakeField("x", DataType::kBool)}, SchemaRoles{"x", "x", {}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(Wheres(result.status()), (std::vector<std::string>{"/time_field", "/record_id_field"}));
}

TEST(CheckRolesTest, AcceptsGoodRolesAndRefusesBadOnes) {
  ASSERT_OK_AND_ASSIGN(Schema schema, BuildInitialSchema({MakeField("time", DataType::kTimestamp),
                                                          MakeField("key", DataType::kString)},
                                                         SchemaRoles{}));
  EXPECT_OK(CheckRoles(schema, SchemaRoles{"time", "key", {}}));
  EXPECT_OK(CheckRoles(schema, SchemaRoles{}));
  ExpectOnlyError(CheckRoles(schema, SchemaRoles{"key", "", {}}), "/time_field", "has type string");
  ExpectOnlyError(CheckRoles(schema, SchemaRoles{"", "time", {}}), "/record_id_field",
                  "has type timestamp");
}

// ---------------------------------------------------------------- DecodeSchemaChanges

Result<std::vector<SchemaChange>> DecodeText(std::string_view text) {
  return DecodeSchemaChanges(ParseOrDie(text));
}

TEST(DecodeSchemaChangesTest, EveryOp) {
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaChange> changes, DecodeText(R"({"changes":[
      {"op":"add","field":{"name":"host","type":"string","nullable":true}},
      {"op":"drop","name":"old"},
      {"op":"rename","name":"a","to":"b"},
      {"op":"widen","name":"n","type":"float64"},
      {"op":"set_nullable","name":"m","nullable":true},
      {"op":"set_default","name":"d","default":5},
      {"op":"set_default","name":"e","default":null}]})"));
  ASSERT_EQ(changes.size(), 7u);
  EXPECT_EQ(changes[0].op, SchemaChange::Op::kAdd);
  EXPECT_EQ(changes[0].name, "host");
  EXPECT_EQ(changes[0].field.name, "host");
  EXPECT_EQ(changes[0].field.type, DataType::kString);
  EXPECT_TRUE(changes[0].field.nullable);
  EXPECT_EQ(changes[1].op, SchemaChange::Op::kDrop);
  EXPECT_EQ(changes[1].name, "old");
  EXPECT_EQ(changes[2].op, SchemaChange::Op::kRename);
  EXPECT_EQ(changes[2].name, "a");
  EXPECT_EQ(changes[2].to, "b");
  EXPECT_EQ(changes[3].op, SchemaChange::Op::kWiden);
  EXPECT_EQ(changes[3].type, DataType::kFloat64);
  EXPECT_EQ(changes[4].op, SchemaChange::Op::kSetNullable);
  EXPECT_TRUE(changes[4].nullable);
  EXPECT_EQ(changes[5].op, SchemaChange::Op::kSetDefault);
  EXPECT_EQ(changes[5].default_json, json::Value::Int(5));
  EXPECT_TRUE(changes[6].default_json.is_null());
}

TEST(DecodeSchemaChangesTest, BodyShape) {
  ExpectOnlyError(DecodeText("[]").status(), "", "expected an object");
  ExpectOnlyError(DecodeText("{}").status(), "/changes", "required");
  ExpectOnlyError(DecodeText(R"({"changes":{}})").status(), "/changes", "expected an array");
  ExpectOnlyError(DecodeText(R"({"changes":[]})").status(), "/changes",
                  "at least one change is required");
  Result<std::vector<SchemaChange>> typo = DecodeText(R"({"chnges":[{"op":"drop","name":"a"}]})");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(Wheres(typo.status()), (std::vector<std::string>{"/chnges", "/changes"}));
  EXPECT_THAT(typo.status().errors()[0].detail, HasSubstr("did you mean 'changes'"));
}

TEST(DecodeSchemaChangesTest, AtMost256Changes) {
  std::string body = R"({"changes":[)";
  for (int i = 0; i < 256; ++i) body += std::string(i ? "," : "") + R"({"op":"drop","name":"a"})";
  EXPECT_OK(DecodeText(body + "]}").status());
  ExpectOnlyError(DecodeText(body + R"(,{"op":"drop","name":"a"}]})").status(), "/changes",
                  "at most 256 changes");
}

TEST(DecodeSchemaChangesTest, OpErrors) {
  ExpectOnlyError(DecodeText(R"({"changes":[5]})").status(), "/changes/0", "expected an object");
  ExpectOnlyError(DecodeText(R"({"changes":[{"name":"a"}]})").status(), "/changes/0/op",
                  "required");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":1}]})").status(), "/changes/0/op",
                  "expected a string");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"renam","name":"a","to":"b"}]})").status(),
                  "/changes/0/op", "unknown op 'renam' (did you mean 'rename'?)");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"ADD"}]})").status(), "/changes/0/op",
                  "ops are add, drop, rename, widen, set_nullable, set_default");
}

TEST(DecodeSchemaChangesTest, AddErrors) {
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"add"}]})").status(), "/changes/0/field",
                  "required");
  ExpectOnlyError(
      DecodeText(R"({"changes":[{"op":"add","field":{"name":"a","type":"strin"}}]})").status(),
      "/changes/0/field/type", "did you mean 'string'");
  ExpectOnlyError(
      DecodeText(R"({"changes":[{"op":"add","field":{"id":9,"name":"a","type":"int64"}}]})")
          .status(),
      "/changes/0/field/id", "assigned by the server");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"add","field":[]}]})").status(),
                  "/changes/0/field", "expected an object");
  ExpectOnlyError(
      DecodeText(
          R"({"changes":[{"op":"add","name":"a","field":{"name":"a","type":"int64","nullable":true}}]})")
          .status(),
      "/changes/0/name", "unknown attribute 'name' for op add");
}

TEST(DecodeSchemaChangesTest, NameErrors) {
  for (std::string_view op : {"drop", "rename", "widen", "set_nullable", "set_default"}) {
    SCOPED_TRACE(op);
    Result<std::vector<SchemaChange>> missing =
        DecodeText(R"({"changes":[{"op":")" + std::string(op) + R"("}]})");
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(Wheres(missing.status()), ::testing::Contains("/changes/0/name"));
  }
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"drop","name":7}]})").status(), "/changes/0/name",
                  "expected a string");
}

TEST(DecodeSchemaChangesTest, PerOpMemberErrors) {
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"rename","name":"a"}]})").status(),
                  "/changes/0/to", "required");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"rename","name":"a","to":null}]})").status(),
                  "/changes/0/to", "expected a string");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"widen","name":"a"}]})").status(),
                  "/changes/0/type", "required");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"widen","name":"a","type":"flot64"}]})").status(),
                  "/changes/0/type", "unknown type 'flot64' (did you mean 'float64'?)");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"set_nullable","name":"a"}]})").status(),
                  "/changes/0/nullable", "required");
  ExpectOnlyError(
      DecodeText(R"({"changes":[{"op":"set_nullable","name":"a","nullable":"true"}]})").status(),
      "/changes/0/nullable", "expected true or false");
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"set_default","name":"a"}]})").status(),
                  "/changes/0/default", "required (null removes it)");
}

TEST(DecodeSchemaChangesTest, UnknownMembersPerOp) {
  ExpectOnlyError(DecodeText(R"({"changes":[{"op":"drop","name":"a","to":"b"}]})").status(),
                  "/changes/0/to", "unknown attribute 'to' for op drop");
  ExpectOnlyError(
      DecodeText(R"({"changes":[{"op":"rename","name":"a","to":"b","type":"int64"}]})").status(),
      "/changes/0/type", "unknown attribute 'type' for op rename");
  ExpectOnlyError(
      DecodeText(R"({"changes":[{"op":"set_default","name":"a","defualt":1,"default":1}]})")
          .status(),
      "/changes/0/defualt", "did you mean 'default'");
}

TEST(DecodeSchemaChangesTest, ErrorsOfSeveralChangesAreAllReported) {
  Result<std::vector<SchemaChange>> result = DecodeText(R"({"changes":[
      {"op":"drop","name":"ok"},
      {"op":"drop"},
      {"op":"widen","name":"a","type":"nope"}]})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kValidationFailed);
  EXPECT_EQ(Wheres(result.status()),
            (std::vector<std::string>{"/changes/1/name", "/changes/2/type"}));
}

// ---------------------------------------------------------------- EvolveSchema

class EvolveSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Field count = MakeField("count", DataType::kInt64);
    count.default_value = int64_t{7};
    Result<Schema> built = BuildInitialSchema(
        {MakeField("time", DataType::kTimestamp), MakeField("level", DataType::kString, true),
         count, MakeField("user_id", DataType::kString), MakeField("seq", DataType::kInt64),
         MakeField("ratio", DataType::kFloat64, true), MakeField("flag", DataType::kBool),
         MakeField("doc", DataType::kJson, true)},
        roles_);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    base_ = std::move(built).value();
  }

  // Decodes `changes_json` (the array) and applies it to base_ with roles_.
  Result<Schema> Evolve(std::string_view changes_json) {
    Result<std::vector<SchemaChange>> decoded =
        DecodeSchemaChanges(ParseOrDie(R"({"changes":)" + std::string(changes_json) + "}"));
    if (!decoded.ok()) {
      ADD_FAILURE() << "decode: " << decoded.status().ToString();
      return decoded.status();
    }
    changes_ = std::move(decoded).value();
    return EvolveSchema(base_, changes_, roles_);
  }

  SchemaRoles roles_{"time", "user_id", {}};
  Schema base_;
  std::vector<SchemaChange> changes_;
};

TEST_F(EvolveSchemaTest, AddNullableFieldGetsTheNextId) {
  ASSERT_OK_AND_ASSIGN(
      Schema next,
      Evolve(R"([{"op":"add","field":{"name":"host","type":"string","nullable":true}}])"));
  EXPECT_EQ(next.version, 2u);
  ASSERT_NE(next.Find("host"), nullptr);
  EXPECT_EQ(next.Find("host")->id, 9u);
  EXPECT_EQ(next.next_field_id, 10u);
  EXPECT_EQ(changes_[0].field.id, 9u);  // The applied change records the id.
  EXPECT_EQ(next.fields.size(), base_.fields.size() + 1);
  // The input is not modified.
  EXPECT_EQ(base_.version, 1u);
  EXPECT_EQ(base_.Find("host"), nullptr);
}

TEST_F(EvolveSchemaTest, AddNonNullableFieldWithDefault) {
  ASSERT_OK_AND_ASSIGN(
      Schema next,
      Evolve(R"([{"op":"add","field":{"name":"region","type":"string","default":"eu"}}])"));
  ASSERT_NE(next.Find("region"), nullptr);
  EXPECT_FALSE(next.Find("region")->nullable);
  EXPECT_EQ(next.Find("region")->default_value, Value(std::string("eu")));
}

TEST_F(EvolveSchemaTest, AddNonNullableWithoutDefaultIsRefused) {
  ExpectOnlyError(Evolve(R"([{"op":"add","field":{"name":"region","type":"string"}}])").status(),
                  "/changes/0", "is not nullable and has no default");
}

TEST_F(EvolveSchemaTest, AddDuplicateIsRefused) {
  ExpectOnlyError(
      Evolve(R"([{"op":"add","field":{"name":"level","type":"string","nullable":true}}])").status(),
      "/changes/0", "field 'level' already exists");
  // Twice in one change set.
  Result<Schema> twice = Evolve(R"([{"op":"add","field":{"name":"x","type":"bool","nullable":true}},
                                   {"op":"add","field":{"name":"x","type":"bool","nullable":true}}])");
  ExpectOnlyError(twice.status(), "/changes/1", "already exists");
}

TEST_F(EvolveSchemaTest, AddBeyond1024FieldsIsRefused) {
  // More than 256 changes cannot come through DecodeSchemaChanges, so build them directly.
  const size_t room = kMaxFields - base_.fields.size();
  std::vector<SchemaChange> many;
  for (size_t i = 0; i <= room; ++i) {
    SchemaChange change;
    change.op = SchemaChange::Op::kAdd;
    change.field = MakeField("f" + std::to_string(i), DataType::kInt64, true);
    change.name = change.field.name;
    many.push_back(change);
  }
  Result<Schema> result = EvolveSchema(base_, many, roles_);
  ExpectOnlyError(result.status(), "/changes/" + std::to_string(room), "at most 1024 fields");
  many.pop_back();
  ASSERT_OK_AND_ASSIGN(Schema full, EvolveSchema(base_, many, roles_));
  EXPECT_EQ(full.fields.size(), kMaxFields);
}

TEST_F(EvolveSchemaTest, DropRemovesTheField) {
  ASSERT_OK_AND_ASSIGN(Schema next, Evolve(R"([{"op":"drop","name":"level"}])"));
  EXPECT_EQ(next.Find("level"), nullptr);
  EXPECT_EQ(next.fields.size(), base_.fields.size() - 1);
  EXPECT_EQ(next.next_field_id, base_.next_field_id);
}

TEST_F(EvolveSchemaTest, DropUnknownSuggests) {
  ExpectOnlyError(Evolve(R"([{"op":"drop","name":"levl"}])").status(), "/changes/0",
                  "no field named 'levl' (did you mean 'level'?)");
}

TEST_F(EvolveSchemaTest, DropOfRoleFieldsIsRefused) {
  ExpectOnlyError(Evolve(R"([{"op":"drop","name":"time"}])").status(), "/changes/0",
                  "the time field 'time' cannot be dropped");
  ExpectOnlyError(Evolve(R"([{"op":"drop","name":"user_id"}])").status(), "/changes/0",
                  "is the record id field");
}

TEST_F(EvolveSchemaTest, IdsAreNeverReusedAfterDropAndAdd) {
  const uint32_t old_id = base_.Find("level")->id;
  ASSERT_OK_AND_ASSIGN(Schema same_set, Evolve(R"([{"op":"drop","name":"level"},
                                  {"op":"add","field":{"name":"level","type":"string","nullable":true}}])"));
  ASSERT_NE(same_set.Find("level"), nullptr);
  EXPECT_NE(same_set.Find("level")->id, old_id);
  EXPECT_EQ(same_set.Find("level")->id, base_.next_field_id);

  // Across versions too.
  ASSERT_OK_AND_ASSIGN(Schema v2, Evolve(R"([{"op":"drop","name":"level"}])"));
  base_ = v2;
  ASSERT_OK_AND_ASSIGN(
      Schema v3,
      Evolve(R"([{"op":"add","field":{"name":"level","type":"string","nullable":true}}])"));
  EXPECT_EQ(v3.version, 3u);
  EXPECT_EQ(v3.Find("level")->id, v2.next_field_id);
  EXPECT_NE(v3.Find("level")->id, old_id);
}

TEST_F(EvolveSchemaTest, RenameKeepsTheId) {
  const uint32_t id = base_.Find("level")->id;
  ASSERT_OK_AND_ASSIGN(Schema next, Evolve(R"([{"op":"rename","name":"level","to":"severity"}])"));
  EXPECT_EQ(next.Find("level"), nullptr);
  ASSERT_NE(next.Find("severity"), nullptr);
  EXPECT_EQ(next.Find("severity")->id, id);
  EXPECT_EQ(roles_.time_field, "time");
  EXPECT_EQ(roles_.record_id_field, "user_id");
}

TEST_F(EvolveSchemaTest, RenameOfRoleFieldsUpdatesTheRoles) {
  ASSERT_OK_AND_ASSIGN(Schema next, Evolve(R"([{"op":"rename","name":"time","to":"ts"},
                                               {"op":"rename","name":"user_id","to":"uid"}])"));
  EXPECT_NE(next.Find("ts"), nullptr);
  EXPECT_NE(next.Find("uid"), nullptr);
  EXPECT_EQ(roles_.time_field, "ts");
  EXPECT_EQ(roles_.record_id_field, "uid");
  EXPECT_OK(CheckRoles(next, roles_));
}

TEST_F(EvolveSchemaTest, RenameCollisionsAndBadNames) {
  ExpectOnlyError(Evolve(R"([{"op":"rename","name":"level","to":"count"}])").status(), "/changes/0",
                  "field 'count' already exists");
  ExpectOnlyError(Evolve(R"([{"op":"rename","name":"level","to":"level"}])").status(), "/changes/0",
                  "already exists");
  ExpectOnlyError(Evolve(R"([{"op":"rename","name":"level","to":"9lives"}])").status(),
                  "/changes/0", "invalid field name '9lives'");
  ExpectOnlyError(Evolve(R"([{"op":"rename","name":"nope","to":"x"}])").status(), "/changes/0",
                  "no field named 'nope'");
  // A swap through a temporary name works because changes apply in order.
  ASSERT_OK_AND_ASSIGN(Schema swapped, Evolve(R"([{"op":"rename","name":"level","to":"tmp"},
                                                  {"op":"rename","name":"count","to":"level"},
                                                  {"op":"rename","name":"tmp","to":"count"}])"));
  EXPECT_EQ(swapped.Find("level")->type, DataType::kInt64);
  EXPECT_EQ(swapped.Find("count")->type, DataType::kString);
}

TEST_F(EvolveSchemaTest, WidenInt64ToFloat64ConvertsTheDefault) {
  const uint32_t id = base_.Find("count")->id;
  ASSERT_OK_AND_ASSIGN(Schema next, Evolve(R"([{"op":"widen","name":"count","type":"float64"}])"));
  const Field* count = next.Find("count");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->type, DataType::kFloat64);
  EXPECT_EQ(count->id, id);
  ASSERT_TRUE(std::holds_alternative<double>(count->default_value));
  EXPECT_EQ(std::get<double>(count->default_value), 7.0);

  ASSERT_OK_AND_ASSIGN(Schema no_default,
                       Evolve(R"([{"op":"widen","name":"seq","type":"float64"}])"));
  EXPECT_EQ(no_default.Find("seq")->type, DataType::kFloat64);
  EXPECT_FALSE(no_default.Find("seq")->has_default());
}

TEST_F(EvolveSchemaTest, EveryOtherWideningIsRefused) {
  const std::pair<std::string_view, std::string_view> field_of_type[] = {{"flag", "bool"},
                                                                         {"seq", "int64"},
                                                                         {"ratio", "float64"},
                                                                         {"level", "string"},
                                                                         {"doc", "json"}};
  for (const auto& [field, from] : field_of_type) {
    for (std::string_view to : {"bool", "int64", "float64", "string", "timestamp", "json"}) {
      if (from == "int64" && to == "float64") continue;
      SCOPED_TRACE(std::string(from) + " -> " + std::string(to));
      Result<Schema> result = Evolve(R"([{"op":"widen","name":")" + std::string(field) +
                                     R"(","type":")" + std::string(to) + R"("}])");
      ExpectOnlyError(result.status(), "/changes/0",
                      from == to ? "already has type" : "only int64 -> float64 widening");
    }
  }
}

TEST_F(EvolveSchemaTest, TimeFieldCannotBeRetyped) {
  for (std::string_view to : {"int64", "float64", "string", "timestamp"}) {
    ExpectOnlyError(
        Evolve(R"([{"op":"widen","name":"time","type":")" + std::string(to) + R"("}])").status(),
        "/changes/0", "the time field's type cannot change");
  }
}

TEST_F(EvolveSchemaTest, Int64RecordIdCannotWiden) {
  roles_.record_id_field = "seq";
  ExpectOnlyError(Evolve(R"([{"op":"widen","name":"seq","type":"float64"}])").status(),
                  "/changes/0", "record id field");
}

TEST_F(EvolveSchemaTest, SetNullableLoosensOnly) {
  ASSERT_OK_AND_ASSIGN(Schema loosened,
                       Evolve(R"([{"op":"set_nullable","name":"count","nullable":true}])"));
  EXPECT_TRUE(loosened.Find("count")->nullable);
  ExpectOnlyError(Evolve(R"([{"op":"set_nullable","name":"level","nullable":false}])").status(),
                  "/changes/0", "cannot make 'level' non-nullable");
  // Already non-nullable: asking for non-nullable again is harmless.
  ASSERT_OK_AND_ASSIGN(Schema same,
                       Evolve(R"([{"op":"set_nullable","name":"count","nullable":false}])"));
  EXPECT_FALSE(same.Find("count")->nullable);
}

TEST_F(EvolveSchemaTest, TimeFieldCannotBecomeNullable) {
  ExpectOnlyError(Evolve(R"([{"op":"set_nullable","name":"time","nullable":true}])").status(),
                  "/changes/0", "the time field cannot be nullable");
}

TEST_F(EvolveSchemaTest, SetDefaultIsTypeChecked) {
  ASSERT_OK_AND_ASSIGN(Schema next, Evolve(R"([{"op":"set_default","name":"count","default":5},
                                               {"op":"set_default","name":"time","default":"2024-01-01T00:00:00Z"},
                                               {"op":"set_default","name":"doc","default":{"a":1}}])"));
  EXPECT_EQ(next.Find("count")->default_value, Value(int64_t{5}));
  EXPECT_EQ(next.Find("time")->default_value, Value(int64_t{1704067200'000'000}));
  EXPECT_EQ(next.Find("doc")->default_value, Value(std::string(R"({"a":1})")));

  ExpectOnlyError(Evolve(R"([{"op":"set_default","name":"count","default":"five"}])").status(),
                  "/changes/0", "default for 'count': expected int64, got string");
  ExpectOnlyError(Evolve(R"([{"op":"set_default","name":"count","default":1.5}])").status(),
                  "/changes/0", "default for 'count'");
  ExpectOnlyError(Evolve(R"([{"op":"set_default","name":"time","default":0}])").status(),
                  "/changes/0", "RFC 3339");
  ExpectOnlyError(Evolve(R"([{"op":"set_default","name":"nope","default":0}])").status(),
                  "/changes/0", "no field named 'nope'");
}

TEST_F(EvolveSchemaTest, SetDefaultNullRemovesIt) {
  ASSERT_OK_AND_ASSIGN(Schema next,
                       Evolve(R"([{"op":"set_default","name":"count","default":null}])"));
  EXPECT_FALSE(next.Find("count")->has_default());
}

TEST_F(EvolveSchemaTest, VersionIncrementsByOnePerChangeSet) {
  ASSERT_OK_AND_ASSIGN(Schema v2,
                       Evolve(R"([{"op":"drop","name":"doc"},{"op":"drop","name":"flag"}])"));
  EXPECT_EQ(v2.version, 2u);
  base_ = v2;
  ASSERT_OK_AND_ASSIGN(Schema v3,
                       Evolve(R"([{"op":"set_nullable","name":"seq","nullable":true}])"));
  EXPECT_EQ(v3.version, 3u);
}

TEST_F(EvolveSchemaTest, AllOrNothingReportsTheBadIndexAndLeavesRolesAlone) {
  const SchemaRoles before = roles_;
  Result<Schema> result = Evolve(R"([{"op":"rename","name":"time","to":"ts"},
                                     {"op":"rename","name":"user_id","to":"uid"},
                                     {"op":"drop","name":"missing"},
                                     {"op":"set_nullable","name":"count","nullable":true}])");
  ExpectOnlyError(result.status(), "/changes/2", "no field named 'missing'");
  EXPECT_EQ(roles_.time_field, before.time_field);
  EXPECT_EQ(roles_.record_id_field, before.record_id_field);
  EXPECT_EQ(base_.version, 1u);
  EXPECT_NE(base_.Find("time"), nullptr);

  Result<Schema> two_bad = Evolve(R"([{"op":"drop","name":"x1"},
                                      {"op":"drop","name":"level"},
                                      {"op":"drop","name":"x2"}])");
  ASSERT_FALSE(two_bad.ok());
  EXPECT_EQ(Wheres(two_bad.status()), (std::vector<std::string>{"/changes/0", "/changes/2"}));
  EXPECT_THAT(std::string(two_bad.status().message()), HasSubstr("(and 1 more)"));
}

TEST(WriteSchemaChangeJsonTest, CanonicalFormOfEveryOp) {
  auto written = [](const SchemaChange& change) {
    JsonWriter writer;
    WriteSchemaChangeJson(writer, change);
    return writer.Take();
  };
  SchemaChange add;
  add.op = SchemaChange::Op::kAdd;
  add.field = MakeField("host", DataType::kString, true);
  add.field.id = 9;
  add.name = "host";
  EXPECT_EQ(written(add),
            R"({"op":"add","field":{"id":9,"name":"host","type":"string","nullable":true,)"
            R"("default":null,"pii":false,"description":""}})");

  SchemaChange drop;
  drop.op = SchemaChange::Op::kDrop;
  drop.name = "old";
  EXPECT_EQ(written(drop), R"({"op":"drop","name":"old"})");

  SchemaChange rename;
  rename.op = SchemaChange::Op::kRename;
  rename.name = "a";
  rename.to = "b";
  EXPECT_EQ(written(rename), R"({"op":"rename","name":"a","to":"b"})");

  SchemaChange widen;
  widen.op = SchemaChange::Op::kWiden;
  widen.name = "n";
  widen.type = DataType::kFloat64;
  EXPECT_EQ(written(widen), R"({"op":"widen","name":"n","type":"float64"})");

  SchemaChange nullable;
  nullable.op = SchemaChange::Op::kSetNullable;
  nullable.name = "m";
  nullable.nullable = true;
  EXPECT_EQ(written(nullable), R"({"op":"set_nullable","name":"m","nullable":true})");

  SchemaChange set_default;
  set_default.op = SchemaChange::Op::kSetDefault;
  set_default.name = "d";
  set_default.default_json = json::Value::Object({{"k", json::Value::Int(1)}});
  EXPECT_EQ(written(set_default), R"({"op":"set_default","name":"d","default":{"k":1}})");
  set_default.default_json = json::Value();
  EXPECT_EQ(written(set_default), R"({"op":"set_default","name":"d","default":null})");
}

}  // namespace
}  // namespace strata::types

namespace strata::types {
namespace {

// ---------------------------------------------------------------- Sort key

TEST(SortKeyRolesTest, NamesDistinctOrderableFields) {
  ASSERT_OK_AND_ASSIGN(Schema schema, BuildInitialSchema({MakeField("time", DataType::kTimestamp),
                                                          MakeField("host", DataType::kString),
                                                          MakeField("doc", DataType::kJson, true)},
                                                         SchemaRoles{}));
  EXPECT_OK(CheckRoles(schema, SchemaRoles{"time", "", {"host", "time"}}));
  ExpectOnlyError(CheckRoles(schema, SchemaRoles{"time", "", {"hots"}}), "/sort_key/0",
                  "no field named 'hots'");
  ExpectOnlyError(CheckRoles(schema, SchemaRoles{"time", "", {"doc"}}), "/sort_key/0", "json");
  ExpectOnlyError(CheckRoles(schema, SchemaRoles{"time", "", {"host", "host"}}), "/sort_key/1",
                  "twice");
  ExpectOnlyError(
      CheckRoles(schema, SchemaRoles{"time", "", {"a", "b", "c", "d", "e", "f", "g", "h", "i"}}),
      "/sort_key", "at most 8");
}

TEST(SortKeyRolesTest, RenameFollowsAndDropIsRefused) {
  SchemaRoles roles{"time", "", {"host", "time"}};
  ASSERT_OK_AND_ASSIGN(Schema schema, BuildInitialSchema({MakeField("time", DataType::kTimestamp),
                                                          MakeField("host", DataType::kString)},
                                                         roles));
  Result<std::vector<SchemaChange>> rename = DecodeSchemaChanges(
      ParseOrDie(R"({"changes":[{"op":"rename","name":"host","to":"hostname"}]})"));
  ASSERT_OK(rename.status());
  ASSERT_OK_AND_ASSIGN(Schema renamed, EvolveSchema(schema, rename.value(), roles));
  EXPECT_EQ(roles.sort_key, (std::vector<std::string>{"hostname", "time"}));
  Result<std::vector<SchemaChange>> drop =
      DecodeSchemaChanges(ParseOrDie(R"({"changes":[{"op":"drop","name":"hostname"}]})"));
  ASSERT_OK(drop.status());
  Result<Schema> dropped = EvolveSchema(renamed, drop.value(), roles);
  ASSERT_FALSE(dropped.ok());
  EXPECT_NE(dropped.status().ToString().find("sort key"), std::string::npos);
}

}  // namespace
}  // namespace strata::types
