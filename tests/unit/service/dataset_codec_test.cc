#include "service/dataset_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "test_util.h"

namespace strata::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

json::Value ParseOrDie(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
  return parsed.ok() ? std::move(parsed).value() : json::Value();
}

Result<DatasetSpec> Decode(std::string_view text, SpecKind kind) {
  return DecodeDatasetSpec(ParseOrDie(text), kind);
}

// A create body with `member` (a JSON "key": value text) added to a valid minimum.
Result<DatasetSpec> CreateWith(std::string_view member) {
  return Decode(R"({"id":"logs","fields":[],)" + std::string(member) + "}", SpecKind::kCreate);
}

std::vector<std::string> Wheres(const Status& status) {
  std::vector<std::string> out;
  for (const ErrorDetail& error : status.errors()) out.push_back(error.where);
  return out;
}

void ExpectOnlyError(const Result<DatasetSpec>& result, std::string_view where,
                     std::string_view detail_part) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kValidationFailed);
  ASSERT_EQ(result.status().errors().size(), 1u) << result.status().ToString();
  EXPECT_EQ(result.status().errors()[0].location, ErrorDetail::Location::kPointer);
  EXPECT_EQ(result.status().errors()[0].where, where);
  EXPECT_THAT(result.status().errors()[0].detail, HasSubstr(std::string(detail_part)));
}

TEST(IsValidDatasetIdTest, Pattern) {
  for (std::string_view id : {"a", "logs", "web_logs_2024", "a0", "z_"}) {
    EXPECT_TRUE(IsValidDatasetId(id)) << id;
  }
  EXPECT_TRUE(IsValidDatasetId("a" + std::string(62, 'b')));   // 63 characters.
  EXPECT_FALSE(IsValidDatasetId("a" + std::string(63, 'b')));  // 64 characters.
  for (std::string_view id :
       {"", "Logs", "1logs", "_logs", "web-logs", "web.logs", "web logs", "logS", "caf\xc3\xa9"}) {
    EXPECT_FALSE(IsValidDatasetId(id)) << id;
  }
}

TEST(DecodeDatasetSpecTest, MinimalCreate) {
  ASSERT_OK_AND_ASSIGN(DatasetSpec spec, Decode(R"({"id":"logs","fields":[]})", SpecKind::kCreate));
  EXPECT_EQ(spec.id, "logs");
  ASSERT_TRUE(spec.fields.has_value());
  EXPECT_TRUE(spec.fields->empty());
  EXPECT_FALSE(spec.description.has_value());
  EXPECT_FALSE(spec.tags.has_value());
  EXPECT_FALSE(spec.owner.has_value());
  EXPECT_FALSE(spec.retention.has_value());
  EXPECT_FALSE(spec.time_field.has_value());
  EXPECT_FALSE(spec.partition_by.has_value());
  EXPECT_FALSE(spec.schema_mode.has_value());
  EXPECT_FALSE(spec.record_id_field.has_value());
}

TEST(DecodeDatasetSpecTest, FullCreate) {
  ASSERT_OK_AND_ASSIGN(DatasetSpec spec, Decode(R"({
      "id": "web_logs",
      "description": "HTTP access logs",
      "tags": ["prod", "team:web", "eu-west/1"],
      "owner": "group:ops",
      "retention": "30d",
      "time_field": "ts",
      "partition_by": "hour",
      "schema_mode": "evolve",
      "record_id_field": "request_id",
      "fields": [{"name": "ts", "type": "timestamp"},
                 {"name": "request_id", "type": "string"},
                 {"name": "status", "type": "int64", "nullable": true, "default": 200}]})",
                                                SpecKind::kCreate));
  EXPECT_EQ(spec.id, "web_logs");
  EXPECT_EQ(spec.description, "HTTP access logs");
  EXPECT_THAT(*spec.tags, ElementsAre("prod", "team:web", "eu-west/1"));
  EXPECT_EQ(spec.owner, "group:ops");
  EXPECT_EQ(spec.retention, "30d");
  EXPECT_EQ(spec.time_field, "ts");
  EXPECT_EQ(spec.partition_by, meta::PartitionBy::kHour);
  EXPECT_EQ(spec.schema_mode, meta::SchemaMode::kEvolve);
  EXPECT_EQ(spec.record_id_field, "request_id");
  ASSERT_EQ(spec.fields->size(), 3u);
  EXPECT_EQ((*spec.fields)[2].name, "status");
  EXPECT_EQ((*spec.fields)[2].default_value, types::Value(int64_t{200}));
}

TEST(DecodeDatasetSpecTest, BodyMustBeAnObject) {
  ExpectOnlyError(Decode("[]", SpecKind::kCreate), "", "expected a JSON object, got array");
  ExpectOnlyError(Decode("null", SpecKind::kMergePatch), "", "got null");
}

TEST(DecodeDatasetSpecTest, CreateRequiresIdAndFields) {
  Result<DatasetSpec> result = Decode("{}", SpecKind::kCreate);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(Wheres(result.status()), ::testing::UnorderedElementsAre("/id", "/fields"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("(and 1 more)"));
}

TEST(DecodeDatasetSpecTest, InvalidIds) {
  for (std::string_view id : {R"("Logs")", R"("1x")", R"("a-b")", R"("")", "5"}) {
    SCOPED_TRACE(id);
    Result<DatasetSpec> result =
        Decode(R"({"fields":[],"id":)" + std::string(id) + "}", SpecKind::kCreate);
    ASSERT_FALSE(result.ok());
    ASSERT_FALSE(result.status().errors().empty());
    EXPECT_EQ(result.status().errors()[0].where, "/id");
  }
  Result<DatasetSpec> upper = Decode(R"({"fields":[],"id":"Logs"})", SpecKind::kCreate);
  ASSERT_FALSE(upper.ok());
  EXPECT_THAT(upper.status().errors()[0].detail, HasSubstr("invalid dataset id 'Logs'"));
}

// One problem, one error: an id that was given but is invalid must not also be reported
// as missing ("required").
TEST(DecodeDatasetSpecTest, InvalidIdIsNotAlsoReportedAsRequired) {
  ExpectOnlyError(Decode(R"({"fields":[],"id":"Logs"})", SpecKind::kCreate), "/id",
                  "invalid dataset id 'Logs'");
  ExpectOnlyError(Decode(R"({"fields":[],"id":5})", SpecKind::kCreate), "/id",
                  "expected a string or null, got number");
}

// A dataset always needs an id: null must not decode to the empty id.
TEST(DecodeDatasetSpecTest, NullIdIsRefusedOnCreate) {
  Result<DatasetSpec> result = Decode(R"({"id":null,"fields":[]})", SpecKind::kCreate);
  ASSERT_FALSE(result.ok()) << "decoded id '" << result->id.value_or("<absent>") << "'";
  EXPECT_EQ(result.status().code(), StatusCode::kValidationFailed);
  EXPECT_EQ(Wheres(result.status()), std::vector<std::string>{"/id"});
}

TEST(DecodeDatasetSpecTest, FieldErrorsPointIntoTheArray) {
  ExpectOnlyError(Decode(R"({"id":"logs","fields":{}})", SpecKind::kCreate), "/fields",
                  "expected an array");
  Result<DatasetSpec> result =
      Decode(R"({"id":"logs","fields":[{"name":"a","type":"int64"},{"name":"b","type":"nope"},
                                       {"id":3,"name":"c","type":"bool"}]})",
             SpecKind::kCreate);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(Wheres(result.status()), (std::vector<std::string>{"/fields/1/type", "/fields/2/id"}));
}

TEST(DecodeDatasetSpecTest, ReadOnlyMembersAreRefusedOnCreate) {
  for (std::string_view member : {"schema", "created_at", "updated_at", "revision", "stats"}) {
    ExpectOnlyError(CreateWith("\"" + std::string(member) + "\":1"), "/" + std::string(member),
                    "'" + std::string(member) + "' is read-only");
  }
}

TEST(DecodeDatasetSpecTest, UnknownMemberSuggests) {
  ExpectOnlyError(CreateWith(R"("descripton":"x")"), "/descripton",
                  "unknown attribute 'descripton' (did you mean 'description'?)");
  ExpectOnlyError(CreateWith(R"("colour":"x")"), "/colour", "unknown attribute 'colour'");
}

TEST(DecodeDatasetSpecTest, Description) {
  ASSERT_OK_AND_ASSIGN(DatasetSpec spec, CreateWith(R"("description":null)"));
  EXPECT_EQ(spec.description, "");
  ExpectOnlyError(CreateWith(R"("description":5)"), "/description",
                  "expected a string or null, got number");
  ASSERT_OK(CreateWith(R"("description":")" + std::string(4096, 'd') + "\"").status());
  ExpectOnlyError(CreateWith(R"("description":")" + std::string(4097, 'd') + "\""), "/description",
                  "longer than 4096 bytes");
}

TEST(DecodeDatasetSpecTest, Owner) {
  for (std::string_view owner :
       {"user:ana", "group:ops", "role:admin", "key:01J5ABCDEF", "user:a.b-c_d@example"}) {
    ASSERT_OK_AND_ASSIGN(DatasetSpec spec, CreateWith(R"("owner":")" + std::string(owner) + "\""));
    EXPECT_EQ(spec.owner, owner);
  }
  for (std::string_view owner :
       {"ana", "admin:x", "user:", "user:a b", ":ana", "User:ana", "user:ana:x"}) {
    SCOPED_TRACE(owner);
    ExpectOnlyError(CreateWith(R"("owner":")" + std::string(owner) + "\""), "/owner",
                    "expected a principal reference");
  }
  ExpectOnlyError(CreateWith(R"("owner":"user:)" + std::string(129, 'a') + "\""), "/owner",
                  "principal reference");
  ExpectOnlyError(CreateWith(R"("owner":null)"), "/owner", "a dataset always has an owner");
  ExpectOnlyError(CreateWith(R"("owner":7)"), "/owner", "expected a string or null");
}

TEST(DecodeDatasetSpecTest, Retention) {
  for (std::string_view retention : {"1h", "3600s", "60m", "30d", "2w"}) {
    ASSERT_OK_AND_ASSIGN(DatasetSpec spec,
                         CreateWith(R"("retention":")" + std::string(retention) + "\""));
    EXPECT_EQ(spec.retention, retention);
  }
  ASSERT_OK_AND_ASSIGN(DatasetSpec forever, CreateWith(R"("retention":null)"));
  EXPECT_EQ(forever.retention, "");
  ExpectOnlyError(CreateWith(R"("retention":"59m")"), "/retention", "at least 1h");
  ExpectOnlyError(CreateWith(R"("retention":"3599s")"), "/retention", "at least 1h");
  for (std::string_view bad : {"30", "thirty days", "0d", "-1d", "1y", ""}) {
    ExpectOnlyError(CreateWith(R"("retention":")" + std::string(bad) + "\""), "/retention",
                    "expected a duration");
  }
  ExpectOnlyError(CreateWith(R"("retention":86400)"), "/retention", "expected a string or null");
}

TEST(DecodeDatasetSpecTest, RoleFieldsAreStringsOrNull) {
  ASSERT_OK_AND_ASSIGN(DatasetSpec spec,
                       CreateWith(R"("time_field":null,"record_id_field":"anything")"));
  EXPECT_EQ(spec.time_field, "");
  EXPECT_EQ(spec.record_id_field, "anything");
  ExpectOnlyError(CreateWith(R"("time_field":true)"), "/time_field", "expected a string or null");
  ExpectOnlyError(CreateWith(R"("record_id_field":[])"), "/record_id_field",
                  "expected a string or null");
}

TEST(DecodeDatasetSpecTest, Enums) {
  for (auto [text, value] :
       {std::pair{"hour", meta::PartitionBy::kHour}, std::pair{"day", meta::PartitionBy::kDay},
        std::pair{"month", meta::PartitionBy::kMonth}}) {
    ASSERT_OK_AND_ASSIGN(DatasetSpec spec,
                         CreateWith(R"("partition_by":")" + std::string(text) + "\""));
    EXPECT_EQ(spec.partition_by, value);
  }
  ASSERT_OK_AND_ASSIGN(DatasetSpec null_partition, CreateWith(R"("partition_by":null)"));
  EXPECT_EQ(null_partition.partition_by, meta::PartitionBy::kDay);
  ExpectOnlyError(CreateWith(R"("partition_by":"week")"), "/partition_by",
                  "unknown value 'week'; expected one of hour, day or month");
  ExpectOnlyError(CreateWith(R"("partition_by":"Day")"), "/partition_by", "unknown value");
  ExpectOnlyError(CreateWith(R"("partition_by":1)"), "/partition_by", "expected one of");

  ASSERT_OK_AND_ASSIGN(DatasetSpec evolve, CreateWith(R"("schema_mode":"evolve")"));
  EXPECT_EQ(evolve.schema_mode, meta::SchemaMode::kEvolve);
  ASSERT_OK_AND_ASSIGN(DatasetSpec null_mode, CreateWith(R"("schema_mode":null)"));
  EXPECT_EQ(null_mode.schema_mode, meta::SchemaMode::kStrict);
  ExpectOnlyError(CreateWith(R"("schema_mode":"lenient")"), "/schema_mode", "strict or evolve");
}

TEST(DecodeDatasetSpecTest, Tags) {
  ASSERT_OK_AND_ASSIGN(DatasetSpec none, CreateWith(R"("tags":null)"));
  ASSERT_TRUE(none.tags.has_value());
  EXPECT_TRUE(none.tags->empty());
  ASSERT_OK_AND_ASSIGN(DatasetSpec empty, CreateWith(R"("tags":[])"));
  EXPECT_TRUE(empty.tags->empty());
  ASSERT_OK_AND_ASSIGN(DatasetSpec ok, CreateWith(R"("tags":["a","Z9","k:v","x_y-z.w/v",")" +
                                                  std::string(64, 't') + "\"]"));
  EXPECT_EQ(ok.tags->size(), 5u);

  ExpectOnlyError(CreateWith(R"("tags":"prod")"), "/tags", "expected an array of strings");
  for (std::string_view bad :
       {R"("")", R"("-x")", R"("_x")", R"("a b")", "5", "null", R"("caf\u00e9")"}) {
    SCOPED_TRACE(bad);
    ExpectOnlyError(CreateWith(R"("tags":["ok",)" + std::string(bad) + "]"), "/tags/1",
                    "a tag is 1-64 characters");
  }
  ExpectOnlyError(CreateWith(R"("tags":[")" + std::string(65, 't') + "\"]"), "/tags/0",
                  "1-64 characters");
  ExpectOnlyError(CreateWith(R"("tags":["a","b","a"])"), "/tags/2", "duplicate tag 'a'");
}

TEST(DecodeDatasetSpecTest, AtMost32Tags) {
  std::string tags;
  for (int i = 0; i < 32; ++i) tags += std::string(i ? "," : "") + "\"t" + std::to_string(i) + "\"";
  ASSERT_OK_AND_ASSIGN(DatasetSpec spec, CreateWith(R"("tags":[)" + tags + "]"));
  EXPECT_EQ(spec.tags->size(), 32u);
  ExpectOnlyError(CreateWith(R"("tags":[)" + tags + R"(,"t32"])"), "/tags", "at most 32 tags");
}

TEST(DecodeDatasetSpecTest, ReplaceIgnoresReadOnlyMembers) {
  ASSERT_OK_AND_ASSIGN(DatasetSpec spec, Decode(R"({
      "id": "logs", "description": "d", "schema": {"version": 1, "fields": []},
      "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
      "revision": 3, "stats": {}})",
                                                SpecKind::kReplace));
  EXPECT_EQ(spec.id, "logs");
  EXPECT_EQ(spec.description, "d");
  EXPECT_FALSE(spec.fields.has_value());
}

TEST(DecodeDatasetSpecTest, ReplaceAndPatchRefuseFields) {
  for (SpecKind kind : {SpecKind::kReplace, SpecKind::kMergePatch}) {
    Result<DatasetSpec> result = Decode(R"({"fields":[{"name":"a","type":"int64"}]})", kind);
    ExpectOnlyError(result, "/fields", "PATCH /v1/datasets/{id}/schema");
  }
}

TEST(DecodeDatasetSpecTest, ReplaceDoesNotRequireId) {
  ASSERT_OK_AND_ASSIGN(DatasetSpec spec, Decode(R"({"description":"x"})", SpecKind::kReplace));
  EXPECT_FALSE(spec.id.has_value());
  ASSERT_OK_AND_ASSIGN(DatasetSpec empty, Decode("{}", SpecKind::kReplace));
  EXPECT_FALSE(empty.description.has_value());
}

TEST(DecodeDatasetSpecTest, MergePatchSetsOnlyWhatIsPresent) {
  ASSERT_OK_AND_ASSIGN(DatasetSpec nothing, Decode("{}", SpecKind::kMergePatch));
  EXPECT_FALSE(nothing.id.has_value());
  EXPECT_FALSE(nothing.description.has_value());
  EXPECT_FALSE(nothing.tags.has_value());
  EXPECT_FALSE(nothing.fields.has_value());

  ASSERT_OK_AND_ASSIGN(
      DatasetSpec patch,
      Decode(R"({"description":null,"tags":["x"],"retention":null})", SpecKind::kMergePatch));
  EXPECT_EQ(patch.description, "");
  EXPECT_THAT(*patch.tags, ElementsAre("x"));
  EXPECT_EQ(patch.retention, "");
  EXPECT_FALSE(patch.owner.has_value());
  EXPECT_FALSE(patch.schema_mode.has_value());
}

TEST(DecodeDatasetSpecTest, MergePatchRefusesReadOnlyMembers) {
  ExpectOnlyError(Decode(R"({"revision":4})", SpecKind::kMergePatch), "/revision",
                  "'revision' is read-only");
}

TEST(DecodeDatasetSpecTest, EveryProblemIsReported) {
  Result<DatasetSpec> result =
      Decode(R"({"id":"ok","fields":[],"owner":"nobody","retention":"1s","tags":["-"],"extra":1})",
             SpecKind::kCreate);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(Wheres(result.status()),
              ::testing::UnorderedElementsAre("/owner", "/retention", "/tags/0", "/extra"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("(and 3 more)"));
}

meta::DatasetRecord SampleDataset() {
  meta::DatasetRecord dataset;
  dataset.id = "logs";
  dataset.description = "d";
  dataset.tags = {"a", "b"};
  dataset.owner = "user:ana";
  dataset.time_field = "ts";
  dataset.partition_by = meta::PartitionBy::kMonth;
  dataset.schema_mode = meta::SchemaMode::kEvolve;
  dataset.schema.version = 2;
  types::Field ts;
  ts.id = 1;
  ts.name = "ts";
  ts.type = types::DataType::kTimestamp;
  dataset.schema.fields = {ts};
  dataset.created_at = 1'500'000;
  dataset.updated_at = 2'000'000;
  dataset.revision = 7;
  return dataset;
}

TEST(WriteDatasetJsonTest, Shape) {
  JsonWriter writer;
  WriteDatasetJson(writer, SampleDataset());
  EXPECT_EQ(writer.str(),
            R"({"id":"logs","description":"d","tags":["a","b"],"owner":"user:ana",)"
            R"("time_field":"ts","partition_by":"month","schema_mode":"evolve",)"
            R"("record_id_field":null,"sort_key":[],"retention":null,"keep_rejected":false,)"
            R"("schema":{"version":2,"fields":[{"id":1,"name":"ts","type":"timestamp",)"
            R"("nullable":false,"default":null,"pii":false,"description":""}]},)"
            R"("created_at":"1970-01-01T00:00:01.500Z","updated_at":"1970-01-01T00:00:02Z",)"
            R"("revision":7})");
}

TEST(WriteDatasetJsonTest, OptionalStringsAreWrittenWhenSet) {
  meta::DatasetRecord dataset = SampleDataset();
  dataset.time_field = "";
  dataset.record_id_field = "rid";
  dataset.retention = "30d";
  JsonWriter writer;
  WriteDatasetJson(writer, dataset);
  ASSERT_OK_AND_ASSIGN(json::Value parsed, json::Parse(writer.str()));
  EXPECT_TRUE(parsed.Find("time_field")->is_null());
  EXPECT_EQ(parsed.Find("record_id_field")->string_value(), "rid");
  EXPECT_EQ(parsed.Find("retention")->string_value(), "30d");
}

TEST(WriteDatasetJsonTest, OutputIsAcceptedByReplace) {
  JsonWriter writer;
  WriteDatasetJson(writer, SampleDataset());
  ASSERT_OK_AND_ASSIGN(json::Value parsed, json::Parse(writer.str()));
  ASSERT_OK_AND_ASSIGN(DatasetSpec spec, DecodeDatasetSpec(parsed, SpecKind::kReplace));
  EXPECT_EQ(spec.id, "logs");
  EXPECT_EQ(spec.time_field, "ts");
  EXPECT_EQ(spec.record_id_field, "");
  EXPECT_EQ(spec.partition_by, meta::PartitionBy::kMonth);
}

TEST(WriteSchemaVersionJsonTest, Shape) {
  meta::SchemaVersionRecord version;
  version.version = 2;
  version.created_at = 0;
  version.author = "key:01ABC";
  version.changes_json = R"([{"op":"drop","name":"x"}])";
  version.schema = SampleDataset().schema;
  JsonWriter writer;
  WriteSchemaVersionJson(writer, version);
  EXPECT_EQ(
      writer.str(),
      R"({"version":2,"created_at":"1970-01-01T00:00:00Z","author":"key:01ABC",)"
      R"("changes":[{"op":"drop","name":"x"}],"fields":[{"id":1,"name":"ts",)"
      R"("type":"timestamp","nullable":false,"default":null,"pii":false,"description":""}]})");
}

}  // namespace
}  // namespace strata::service
