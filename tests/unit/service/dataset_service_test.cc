#include "service/dataset_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "test_backend.h"
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

std::vector<std::string> Ids(const std::vector<meta::DatasetRecord>& datasets) {
  std::vector<std::string> ids;
  for (const meta::DatasetRecord& dataset : datasets) ids.push_back(dataset.id);
  return ids;
}

Precondition IfMatch(std::vector<std::string> etags) {
  Precondition precondition;
  precondition.present = true;
  precondition.etags = std::move(etags);
  return precondition;
}

Precondition IfMatchAny() {
  Precondition precondition;
  precondition.present = true;
  precondition.any = true;
  return precondition;
}

class DatasetServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    service_ = std::make_unique<DatasetService>(*store_, backend_.get(), authorizer_,
                                                CursorCodec(std::string(32, 'c')));
  }

  static DatasetSpec Spec(std::string_view body, SpecKind kind) {
    Result<DatasetSpec> spec = DecodeDatasetSpec(ParseOrDie(body), kind);
    EXPECT_TRUE(spec.ok()) << body << ": " << spec.status().ToString();
    return spec.ok() ? std::move(spec).value() : DatasetSpec();
  }

  // Creates a dataset with a timestamp time field "ts", a string "host" and an int64 "bytes".
  meta::DatasetRecord CreateLogs(std::string_view id, std::string_view extra = "") {
    const std::string body = R"({"id":")" + std::string(id) + R"(","time_field":"ts",)" +
                             std::string(extra) +
                             R"("fields":[{"name":"ts","type":"timestamp"},
                                          {"name":"host","type":"string","nullable":true},
                                          {"name":"bytes","type":"int64","default":0},
                                          {"name":"ratio","type":"float64","nullable":true}]})";
    Result<meta::DatasetRecord> created = service_->Create(admin_, Spec(body, SpecKind::kCreate));
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? std::move(created).value() : meta::DatasetRecord();
  }

  std::vector<types::SchemaChange> Changes(std::string_view changes_array) {
    Result<std::vector<types::SchemaChange>> decoded =
        types::DecodeSchemaChanges(ParseOrDie(R"({"changes":)" + std::string(changes_array) + "}"));
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    return decoded.ok() ? std::move(decoded).value() : std::vector<types::SchemaChange>();
  }

  security::Authorizer authorizer_;
  strata::testing::TestBackend backend_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<DatasetService> service_;
  const security::Principal admin_{"key:admin", {"admin"}, {}, {}};
  const security::Principal reader_{"key:reader", {"reader"}, {}, {}};
};

// ---------------------------------------------------------------- Create and Get

TEST_F(DatasetServiceTest, CreateFillsDefaultsAndRecordsVersionOne) {
  const meta::DatasetRecord created = CreateLogs("logs");
  EXPECT_EQ(created.id, "logs");
  EXPECT_EQ(created.owner, "key:admin");  // Defaults to the caller.
  EXPECT_EQ(created.description, "");
  EXPECT_TRUE(created.tags.empty());
  EXPECT_EQ(created.retention, "");
  EXPECT_EQ(created.partition_by, meta::PartitionBy::kDay);
  EXPECT_EQ(created.schema_mode, meta::SchemaMode::kStrict);
  EXPECT_EQ(created.revision, 1u);
  EXPECT_EQ(created.created_at, created.updated_at);
  EXPECT_GT(created.created_at, 0);
  EXPECT_EQ(created.schema.version, 1u);
  ASSERT_EQ(created.schema.fields.size(), 4u);
  EXPECT_EQ(created.schema.fields[0].id, 1u);
  EXPECT_EQ(created.schema.fields[3].id, 4u);
  EXPECT_EQ(created.schema.next_field_id, 5u);

  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord got, service_->Get(reader_, "logs"));
  EXPECT_EQ(got.schema.fields, created.schema.fields);
  EXPECT_EQ(got.revision, 1u);
  EXPECT_EQ(got.created_at, created.created_at);

  ASSERT_OK_AND_ASSIGN(meta::SchemaVersionRecord v1, service_->GetSchemaVersion(admin_, "logs", 1));
  EXPECT_EQ(v1.author, "key:admin");
  EXPECT_EQ(v1.changes_json, "[]");
  EXPECT_EQ(v1.created_at, created.created_at);
  EXPECT_EQ(v1.schema.fields, created.schema.fields);
}

TEST_F(DatasetServiceTest, CreateKeepsGivenAttributes) {
  const meta::DatasetRecord created =
      CreateLogs("logs", R"("owner":"group:ops","tags":["prod"],"retention":"7d",
                            "partition_by":"hour","schema_mode":"evolve","record_id_field":"host",
                            "description":"d",)");
  EXPECT_EQ(created.owner, "group:ops");
  EXPECT_THAT(created.tags, ElementsAre("prod"));
  EXPECT_EQ(created.retention, "7d");
  EXPECT_EQ(created.partition_by, meta::PartitionBy::kHour);
  EXPECT_EQ(created.schema_mode, meta::SchemaMode::kEvolve);
  EXPECT_EQ(created.record_id_field, "host");
  EXPECT_EQ(created.description, "d");
}

TEST_F(DatasetServiceTest, CreateTwiceIsAlreadyExists) {
  CreateLogs("logs");
  Result<meta::DatasetRecord> again =
      service_->Create(admin_, Spec(R"({"id":"logs","fields":[]})", SpecKind::kCreate));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(DatasetServiceTest, CreateChecksRoles) {
  Result<meta::DatasetRecord> no_time = service_->Create(
      admin_, Spec(R"({"id":"a","time_field":"ts","fields":[{"name":"t","type":"timestamp"}]})",
                   SpecKind::kCreate));
  ASSERT_FALSE(no_time.ok());
  EXPECT_EQ(no_time.status().code(), StatusCode::kValidationFailed);
  ASSERT_EQ(no_time.status().errors().size(), 1u);
  EXPECT_EQ(no_time.status().errors()[0].where, "/time_field");

  Result<meta::DatasetRecord> bad_record_id = service_->Create(
      admin_, Spec(R"({"id":"b","record_id_field":"r","fields":[{"name":"r","type":"float64"}]})",
                   SpecKind::kCreate));
  ASSERT_FALSE(bad_record_id.ok());
  EXPECT_EQ(bad_record_id.status().errors()[0].where, "/record_id_field");

  Result<meta::DatasetRecord> duplicate = service_->Create(
      admin_,
      Spec(R"({"id":"c","fields":[{"name":"x","type":"int64"},{"name":"x","type":"bool"}]})",
           SpecKind::kCreate));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().errors()[0].where, "/fields/1/name");

  EXPECT_EQ(service_->Get(admin_, "a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Get(admin_, "b").status().code(), StatusCode::kNotFound);
}

TEST_F(DatasetServiceTest, GetMissingIsNotFound) {
  EXPECT_EQ(service_->Get(admin_, "missing").status().code(), StatusCode::kNotFound);
}

// ---------------------------------------------------------------- List

TEST_F(DatasetServiceTest, ListPagesWithCursors) {
  for (const char* id : {"e", "a", "d", "b", "c"}) CreateLogs(id);
  DatasetListRequest request;
  request.page.limit = 2;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> first, service_->List(reader_, request));
  EXPECT_THAT(Ids(first.items), ElementsAre("a", "b"));
  ASSERT_FALSE(first.next_cursor.empty());

  request.page.cursor = first.next_cursor;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> second, service_->List(reader_, request));
  EXPECT_THAT(Ids(second.items), ElementsAre("c", "d"));
  ASSERT_FALSE(second.next_cursor.empty());

  request.page.cursor = second.next_cursor;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> last, service_->List(reader_, request));
  EXPECT_THAT(Ids(last.items), ElementsAre("e"));
  EXPECT_TRUE(last.next_cursor.empty());
}

TEST_F(DatasetServiceTest, ListEndsWithoutCursorWhenTheLastPageIsFull) {
  for (const char* id : {"a", "b", "c", "d"}) CreateLogs(id);
  DatasetListRequest request;
  request.page.limit = 2;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> first, service_->List(admin_, request));
  request.page.cursor = first.next_cursor;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> second, service_->List(admin_, request));
  EXPECT_THAT(Ids(second.items), ElementsAre("c", "d"));
  EXPECT_TRUE(second.next_cursor.empty());

  request.page.limit = 100;
  request.page.cursor.clear();
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> all, service_->List(admin_, request));
  EXPECT_EQ(all.items.size(), 4u);
  EXPECT_TRUE(all.next_cursor.empty());
}

TEST_F(DatasetServiceTest, ListFiltersByPrefixAndTag) {
  CreateLogs("web_a", R"("tags":["prod"],)");
  CreateLogs("web_b", R"("tags":["dev"],)");
  CreateLogs("web_c", R"("tags":["prod"],)");
  CreateLogs("web_d", R"("tags":["prod"],)");
  CreateLogs("app_a", R"("tags":["prod"],)");

  DatasetListRequest request;
  request.id_prefix = "web_";
  request.tag = "prod";
  request.page.limit = 2;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> first, service_->List(admin_, request));
  EXPECT_THAT(Ids(first.items), ElementsAre("web_a", "web_c"));
  ASSERT_FALSE(first.next_cursor.empty());
  request.page.cursor = first.next_cursor;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> second, service_->List(admin_, request));
  EXPECT_THAT(Ids(second.items), ElementsAre("web_d"));
  EXPECT_TRUE(second.next_cursor.empty());

  // The cursor belongs to its filters.
  DatasetListRequest other = request;
  other.tag = "dev";
  Result<Page<meta::DatasetRecord>> replayed = service_->List(admin_, other);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.status().problem_code(), "invalid_cursor");
  other = request;
  other.id_prefix = "app_";
  EXPECT_EQ(service_->List(admin_, other).status().problem_code(), "invalid_cursor");
}

TEST_F(DatasetServiceTest, ListRefusesGarbageCursor) {
  DatasetListRequest request;
  request.page.cursor = "bm90LWEtY3Vyc29y.AAAA";
  Result<Page<meta::DatasetRecord>> result = service_->List(admin_, request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().problem_code(), "invalid_cursor");
  ASSERT_EQ(result.status().errors().size(), 1u);
  EXPECT_EQ(result.status().errors()[0].where, "cursor");
}

// ---------------------------------------------------------------- Replace and Update

TEST_F(DatasetServiceTest, ReplaceResetsAbsentAttributes) {
  const meta::DatasetRecord created =
      CreateLogs("logs", R"("owner":"group:ops","tags":["prod"],"retention":"7d",
                            "schema_mode":"evolve","record_id_field":"host","description":"d",)");
  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord replaced,
      service_->Replace(admin_, "logs", Spec(R"({"description":"new"})", SpecKind::kReplace),
                        Precondition{}));
  EXPECT_EQ(replaced.description, "new");
  EXPECT_TRUE(replaced.tags.empty());
  EXPECT_EQ(replaced.retention, "");
  EXPECT_EQ(replaced.schema_mode, meta::SchemaMode::kStrict);
  EXPECT_EQ(replaced.record_id_field, "");
  EXPECT_EQ(replaced.owner, "group:ops");  // Kept: a dataset always has an owner.
  EXPECT_EQ(replaced.time_field, "ts");    // Immutable.
  EXPECT_EQ(replaced.partition_by, created.partition_by);
  EXPECT_EQ(replaced.revision, 2u);
  EXPECT_GT(replaced.updated_at, created.updated_at);
  EXPECT_EQ(replaced.created_at, created.created_at);
  EXPECT_EQ(replaced.schema.fields, created.schema.fields);

  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord stored, service_->Get(admin_, "logs"));
  EXPECT_EQ(stored.description, "new");
  EXPECT_EQ(stored.revision, 2u);
  EXPECT_TRUE(stored.tags.empty());
}

TEST_F(DatasetServiceTest, ReplaceAcceptsTheUnchangedImmutableAttributes) {
  CreateLogs("logs", R"("partition_by":"month",)");
  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord replaced,
      service_->Replace(
          admin_, "logs",
          Spec(R"({"id":"logs","time_field":"ts","partition_by":"month"})", SpecKind::kReplace),
          Precondition{}));
  EXPECT_EQ(replaced.partition_by, meta::PartitionBy::kMonth);
}

TEST_F(DatasetServiceTest, ImmutableAttributesCannotChange) {
  CreateLogs("logs");
  struct Case {
    std::string_view body;
    std::string_view pointer;
  };
  for (const Case& c :
       {Case{R"({"time_field":"host"})", "/time_field"},
        Case{R"({"time_field":null})", "/time_field"},
        Case{R"({"partition_by":"hour"})", "/partition_by"}, Case{R"({"id":"other"})", "/id"}}) {
    for (SpecKind kind : {SpecKind::kReplace, SpecKind::kMergePatch}) {
      SCOPED_TRACE(c.body);
      const DatasetSpec spec = Spec(c.body, kind);
      Result<meta::DatasetRecord> result =
          kind == SpecKind::kReplace ? service_->Replace(admin_, "logs", spec, Precondition{})
                                     : service_->Update(admin_, "logs", spec, Precondition{});
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.status().code(), StatusCode::kValidationFailed);
      ASSERT_EQ(result.status().errors().size(), 1u);
      EXPECT_EQ(result.status().errors()[0].where, c.pointer);
    }
  }
  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord unchanged, service_->Get(admin_, "logs"));
  EXPECT_EQ(unchanged.revision, 1u);
}

TEST_F(DatasetServiceTest, UpdateChangesOnlyWhatIsPresent) {
  CreateLogs("logs", R"("tags":["prod"],"retention":"7d","description":"d",)");
  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord updated,
      service_->Update(admin_, "logs", Spec(R"({"retention":"30d"})", SpecKind::kMergePatch),
                       Precondition{}));
  EXPECT_EQ(updated.retention, "30d");
  EXPECT_EQ(updated.description, "d");
  EXPECT_THAT(updated.tags, ElementsAre("prod"));
  EXPECT_EQ(updated.revision, 2u);

  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord cleared,
      service_->Update(admin_, "logs",
                       Spec(R"({"description":null,"tags":null})", SpecKind::kMergePatch),
                       Precondition{}));
  EXPECT_EQ(cleared.description, "");
  EXPECT_TRUE(cleared.tags.empty());
  EXPECT_EQ(cleared.retention, "30d");
  EXPECT_EQ(cleared.revision, 3u);
}

TEST_F(DatasetServiceTest, RecordIdFieldIsChecked) {
  CreateLogs("logs");
  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord with_id,
      service_->Update(admin_, "logs",
                       Spec(R"({"record_id_field":"bytes"})", SpecKind::kMergePatch),
                       Precondition{}));
  EXPECT_EQ(with_id.record_id_field, "bytes");

  for (std::string_view bad : {R"({"record_id_field":"ratio"})", R"({"record_id_field":"ts"})",
                               R"({"record_id_field":"nope"})"}) {
    SCOPED_TRACE(bad);
    Result<meta::DatasetRecord> result =
        service_->Update(admin_, "logs", Spec(bad, SpecKind::kMergePatch), Precondition{});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kValidationFailed);
    EXPECT_EQ(result.status().errors()[0].where, "/record_id_field");
  }

  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord without,
      service_->Update(admin_, "logs", Spec(R"({"record_id_field":null})", SpecKind::kMergePatch),
                       Precondition{}));
  EXPECT_EQ(without.record_id_field, "");
}

TEST_F(DatasetServiceTest, WritesToMissingDatasetsAreNotFound) {
  const DatasetSpec spec = Spec(R"({"description":"x"})", SpecKind::kMergePatch);
  EXPECT_EQ(service_->Update(admin_, "nope", spec, Precondition{}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(service_->Replace(admin_, "nope", spec, Precondition{}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(service_->Delete(admin_, "nope", Precondition{}).code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Delete(admin_, "nope", IfMatchAny()).code(), StatusCode::kNotFound);
  EXPECT_EQ(
      service_
          ->EvolveSchema(admin_, "nope", Changes(R"([{"op":"drop","name":"a"}])"), Precondition{})
          .status()
          .code(),
      StatusCode::kNotFound);
}

// ---------------------------------------------------------------- ETags and preconditions

TEST_F(DatasetServiceTest, EtagChangesOnEveryWrite) {
  const meta::DatasetRecord created = CreateLogs("logs");
  const std::string etag1 = DatasetEtag(created);
  ASSERT_GE(etag1.size(), 3u);
  EXPECT_EQ(etag1.front(), '"');
  EXPECT_EQ(etag1.back(), '"');
  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord got, service_->Get(admin_, "logs"));
  EXPECT_EQ(DatasetEtag(got), etag1);  // Stable across reads.

  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord updated,
      service_->Update(admin_, "logs", Spec(R"({"description":"x"})", SpecKind::kMergePatch),
                       Precondition{}));
  const std::string etag2 = DatasetEtag(updated);
  EXPECT_NE(etag2, etag1);
  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord evolved,
      service_->EvolveSchema(admin_, "logs", Changes(R"([{"op":"drop","name":"ratio"}])"),
                             Precondition{}));
  const std::string etag3 = DatasetEtag(evolved);
  EXPECT_NE(etag3, etag2);
  EXPECT_NE(etag3, etag1);
}

TEST_F(DatasetServiceTest, EtagDiffersAfterDeleteAndRecreate) {
  const meta::DatasetRecord first = CreateLogs("logs");
  ASSERT_OK(service_->Delete(admin_, "logs", Precondition{}));
  const meta::DatasetRecord second = CreateLogs("logs");
  EXPECT_EQ(first.revision, second.revision);
  EXPECT_NE(DatasetEtag(first), DatasetEtag(second));
  // A precondition taken on the old dataset does not match the new one.
  Status status = service_->Delete(admin_, "logs", IfMatch({DatasetEtag(first)}));
  EXPECT_EQ(status.code(), StatusCode::kPreconditionFailed);
}

TEST_F(DatasetServiceTest, PreconditionAnyMatchAndMismatch) {
  const meta::DatasetRecord created = CreateLogs("logs");
  const DatasetSpec spec = Spec(R"({"description":"x"})", SpecKind::kMergePatch);

  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord any,
                       service_->Update(admin_, "logs", spec, IfMatchAny()));
  EXPECT_EQ(any.revision, 2u);

  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord matched,
      service_->Update(admin_, "logs", spec, IfMatch({"\"nope\"", DatasetEtag(any)})));
  EXPECT_EQ(matched.revision, 3u);

  Result<meta::DatasetRecord> stale =
      service_->Update(admin_, "logs", spec, IfMatch({DatasetEtag(created)}));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kPreconditionFailed);
  ASSERT_EQ(stale.status().errors().size(), 1u);
  EXPECT_EQ(stale.status().errors()[0].location, ErrorDetail::Location::kHeader);
  EXPECT_EQ(stale.status().errors()[0].where, "If-Match");
  EXPECT_THAT(std::string(stale.status().message()), HasSubstr(DatasetEtag(matched)));

  // A present If-Match with no strong tags (only weak ones were sent) never matches.
  EXPECT_EQ(service_->Update(admin_, "logs", spec, IfMatch({})).status().code(),
            StatusCode::kPreconditionFailed);
  EXPECT_EQ(service_->Replace(admin_, "logs", spec, IfMatch({"\"x\""})).status().code(),
            StatusCode::kPreconditionFailed);
  EXPECT_EQ(service_
                ->EvolveSchema(admin_, "logs", Changes(R"([{"op":"drop","name":"ratio"}])"),
                               IfMatch({DatasetEtag(created)}))
                .status()
                .code(),
            StatusCode::kPreconditionFailed);
  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord after, service_->Get(admin_, "logs"));
  EXPECT_EQ(after.revision, 3u);
  EXPECT_NE(after.schema.Find("ratio"), nullptr);
}

TEST_F(DatasetServiceTest, DeleteWithPrecondition) {
  const meta::DatasetRecord created = CreateLogs("logs");
  Status mismatch = service_->Delete(admin_, "logs", IfMatch({"\"other\""}));
  EXPECT_EQ(mismatch.code(), StatusCode::kPreconditionFailed);
  EXPECT_OK(service_->Get(admin_, "logs").status());
  ASSERT_OK(service_->Delete(admin_, "logs", IfMatch({DatasetEtag(created)})));
  EXPECT_EQ(service_->Get(admin_, "logs").status().code(), StatusCode::kNotFound);

  CreateLogs("logs");
  ASSERT_OK(service_->Delete(admin_, "logs", IfMatchAny()));
  EXPECT_EQ(service_->Get(admin_, "logs").status().code(), StatusCode::kNotFound);
}

TEST(PreconditionTest, Check) {
  EXPECT_OK(Precondition{}.Check("\"a\""));
  EXPECT_OK(IfMatchAny().Check("\"a\""));
  EXPECT_OK(IfMatch({"\"b\"", "\"a\""}).Check("\"a\""));
  EXPECT_EQ(IfMatch({"\"b\""}).Check("\"a\"").code(), StatusCode::kPreconditionFailed);
  EXPECT_EQ(IfMatch({"a"}).Check("\"a\"").code(), StatusCode::kPreconditionFailed);
}

// ---------------------------------------------------------------- Schema evolution

TEST_F(DatasetServiceTest, EvolveSchemaCreatesAVersion) {
  CreateLogs("logs");
  const security::Principal editor{"user:ed", {"editor"}, {}, {}};
  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord evolved,
      service_->EvolveSchema(
          editor, "logs",
          Changes(R"([{"op":"add","field":{"name":"region","type":"string","nullable":true}},
                      {"op":"widen","name":"bytes","type":"float64"}])"),
          Precondition{}));
  EXPECT_EQ(evolved.schema.version, 2u);
  EXPECT_EQ(evolved.revision, 2u);
  ASSERT_NE(evolved.schema.Find("region"), nullptr);
  EXPECT_EQ(evolved.schema.Find("region")->id, 5u);
  EXPECT_EQ(evolved.schema.Find("bytes")->type, types::DataType::kFloat64);

  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord stored, service_->Get(admin_, "logs"));
  EXPECT_EQ(stored.schema.version, 2u);
  EXPECT_EQ(stored.schema.fields, evolved.schema.fields);
  EXPECT_EQ(stored.schema.next_field_id, 6u);

  ASSERT_OK_AND_ASSIGN(meta::SchemaVersionRecord v2, service_->GetSchemaVersion(admin_, "logs", 2));
  EXPECT_EQ(v2.author, "user:ed");
  EXPECT_EQ(v2.created_at, evolved.updated_at);
  EXPECT_EQ(v2.schema.fields, evolved.schema.fields);
  // The recorded changes are canonical and carry the id given to the added field.
  EXPECT_EQ(v2.changes_json,
            R"([{"op":"add","field":{"id":5,"name":"region","type":"string","nullable":true,)"
            R"("default":null,"pii":false,"description":""}},)"
            R"({"op":"widen","name":"bytes","type":"float64"}])");
  ASSERT_OK_AND_ASSIGN(json::Value changes, json::Parse(v2.changes_json));
  EXPECT_EQ(changes.items().size(), 2u);

  // Version 1 is unchanged.
  ASSERT_OK_AND_ASSIGN(meta::SchemaVersionRecord v1, service_->GetSchemaVersion(admin_, "logs", 1));
  EXPECT_EQ(v1.schema.Find("region"), nullptr);
  EXPECT_EQ(v1.schema.Find("bytes")->type, types::DataType::kInt64);
}

TEST_F(DatasetServiceTest, RenamingTheTimeFieldMovesTheRole) {
  CreateLogs("logs", R"("record_id_field":"host",)");
  ASSERT_OK_AND_ASSIGN(
      meta::DatasetRecord evolved,
      service_->EvolveSchema(admin_, "logs", Changes(R"([{"op":"rename","name":"ts","to":"time"},
                                                          {"op":"rename","name":"host","to":"h"}])"),
                             Precondition{}));
  EXPECT_EQ(evolved.time_field, "time");
  EXPECT_EQ(evolved.record_id_field, "h");
  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord stored, service_->Get(admin_, "logs"));
  EXPECT_EQ(stored.time_field, "time");
  EXPECT_EQ(stored.record_id_field, "h");
}

TEST_F(DatasetServiceTest, RefusedChangeSetStoresNothing) {
  CreateLogs("logs");
  Result<meta::DatasetRecord> refused = service_->EvolveSchema(
      admin_, "logs", Changes(R"([{"op":"drop","name":"host"},{"op":"drop","name":"ts"}])"),
      Precondition{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kValidationFailed);
  ASSERT_EQ(refused.status().errors().size(), 1u);
  EXPECT_EQ(refused.status().errors()[0].where, "/changes/1");

  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord stored, service_->Get(admin_, "logs"));
  EXPECT_EQ(stored.revision, 1u);
  EXPECT_EQ(stored.schema.version, 1u);
  EXPECT_NE(stored.schema.Find("host"), nullptr);
  EXPECT_EQ(service_->GetSchemaVersion(admin_, "logs", 2).status().code(), StatusCode::kNotFound);
}

TEST_F(DatasetServiceTest, SchemaVersionsPaginate) {
  CreateLogs("logs");
  CreateLogs("other");
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(service_
                  ->EvolveSchema(admin_, "logs",
                                 Changes(R"([{"op":"add","field":{"name":"f)" + std::to_string(i) +
                                         R"(","type":"bool","nullable":true}}])"),
                                 Precondition{})
                  .status());
  }
  PageRequest page;
  page.limit = 2;
  ASSERT_OK_AND_ASSIGN(Page<meta::SchemaVersionRecord> first,
                       service_->ListSchemaVersions(reader_, "logs", page));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].version, 1u);
  EXPECT_EQ(first.items[1].version, 2u);
  ASSERT_FALSE(first.next_cursor.empty());

  page.cursor = first.next_cursor;
  ASSERT_OK_AND_ASSIGN(Page<meta::SchemaVersionRecord> second,
                       service_->ListSchemaVersions(reader_, "logs", page));
  ASSERT_EQ(second.items.size(), 2u);
  EXPECT_EQ(second.items[0].version, 3u);
  EXPECT_EQ(second.items[1].version, 4u);

  page.cursor = second.next_cursor;
  ASSERT_OK_AND_ASSIGN(Page<meta::SchemaVersionRecord> last,
                       service_->ListSchemaVersions(reader_, "logs", page));
  ASSERT_EQ(last.items.size(), 1u);
  EXPECT_EQ(last.items[0].version, 5u);
  EXPECT_TRUE(last.next_cursor.empty());

  // A cursor of one dataset's history is refused for another.
  page.cursor = first.next_cursor;
  Result<Page<meta::SchemaVersionRecord>> replayed =
      service_->ListSchemaVersions(reader_, "other", page);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.status().problem_code(), "invalid_cursor");

  page.cursor.clear();
  EXPECT_EQ(service_->ListSchemaVersions(reader_, "missing", page).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(service_->GetSchemaVersion(reader_, "logs", 9).status().code(), StatusCode::kNotFound);
}

// ---------------------------------------------------------------- Permissions

TEST_F(DatasetServiceTest, ReaderCannotWrite) {
  const meta::DatasetRecord created = CreateLogs("logs");
  auto expect_denied = [](const Status& status, std::string_view permission) {
    EXPECT_EQ(status.code(), StatusCode::kPermissionDenied) << status.ToString();
    EXPECT_THAT(std::string(status.message()), HasSubstr(std::string(permission)));
  };
  expect_denied(
      service_->Create(reader_, Spec(R"({"id":"mine","fields":[]})", SpecKind::kCreate)).status(),
      "datasets:create");
  const DatasetSpec spec = Spec(R"({"description":"x"})", SpecKind::kMergePatch);
  expect_denied(service_->Replace(reader_, "logs", spec, Precondition{}).status(),
                "datasets:update");
  expect_denied(service_->Update(reader_, "logs", spec, Precondition{}).status(),
                "datasets:update");
  expect_denied(service_->Delete(reader_, "logs", Precondition{}), "datasets:delete");
  expect_denied(service_
                    ->EvolveSchema(reader_, "logs", Changes(R"([{"op":"drop","name":"host"}])"),
                                   Precondition{})
                    .status(),
                "datasets:update");

  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord unchanged, service_->Get(reader_, "logs"));
  EXPECT_EQ(unchanged.revision, created.revision);
  EXPECT_EQ(unchanged.description, "");
  EXPECT_EQ(service_->Get(reader_, "mine").status().code(), StatusCode::kNotFound);
}

// A dataset the caller holds nothing on answers exactly as a missing one, on every path,
// and is absent from lists.
TEST_F(DatasetServiceTest, InvisibleDatasetsLookMissing) {
  CreateLogs("logs");
  const security::Principal nobody{"key:nobody", {}, {}, {}};
  for (const char* id : {"logs", "missing"}) {
    SCOPED_TRACE(id);
    const Status get = service_->Get(nobody, id).status();
    EXPECT_EQ(get.code(), StatusCode::kNotFound);
    EXPECT_EQ(std::string(get.message()), "dataset '" + std::string(id) + "' does not exist");
    EXPECT_EQ(service_->ListSchemaVersions(nobody, id, PageRequest{}).status().code(),
              StatusCode::kNotFound);
    EXPECT_EQ(service_->GetSchemaVersion(nobody, id, 1).status().code(), StatusCode::kNotFound);
  }
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> listed,
                       service_->List(nobody, DatasetListRequest{}));
  EXPECT_TRUE(listed.items.empty());
}

TEST_F(DatasetServiceTest, DatasetGrantsShowOnlyTheirDatasets) {
  CreateLogs("logs");
  CreateLogs("metrics");
  CreateLogs("traces");
  security::Principal ana{"user:ana", {}, {}, {}};
  ana.dataset_roles["metrics"] = {"reader"};
  ana.dataset_roles["traces"] = {"writer"};
  DatasetListRequest request;
  request.page.limit = 1;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> first, service_->List(ana, request));
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.items[0].id, "metrics");
  ASSERT_FALSE(first.next_cursor.empty());
  request.page.cursor = first.next_cursor;
  ASSERT_OK_AND_ASSIGN(Page<meta::DatasetRecord> second, service_->List(ana, request));
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].id, "traces");
  EXPECT_TRUE(second.next_cursor.empty());
  ASSERT_OK(service_->Get(ana, "metrics").status());
  EXPECT_EQ(service_->Delete(ana, "metrics", Precondition{}).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(service_->Delete(ana, "logs", Precondition{}).code(), StatusCode::kNotFound);
}

TEST_F(DatasetServiceTest, CreatorWithoutGlobalOwnershipIsGrantedOwner) {
  security::Principal creator{"user:cleo", {}, {}, {}};
  creator.roles = {"writer"};
  EXPECT_EQ(service_->Create(creator, DatasetSpec{}).status().code(),
            StatusCode::kPermissionDenied);
  security::Principal maker{"user:maker", {"maker"}, {}, {}};
  authorizer_.SetCustomRoles({{"maker", {security::Permission::kDatasetsCreate}}});
  DatasetSpec spec;
  spec.id = "made";
  ASSERT_OK(service_->Create(maker, spec).status());
  meta::GrantFilter filter;
  filter.resource = "made";
  ASSERT_OK_AND_ASSIGN(std::vector<meta::GrantRecord> grants,
                       store_->identity().ListGrants(filter));
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].subject, "user:maker");
  EXPECT_EQ(grants[0].role, "owner");
  // The admin owns everything already: no grant is added.
  spec.id = "by_admin";
  ASSERT_OK(service_->Create(admin_, spec).status());
  filter.resource = "by_admin";
  ASSERT_OK_AND_ASSIGN(grants, store_->identity().ListGrants(filter));
  EXPECT_TRUE(grants.empty());
}

}  // namespace
}  // namespace strata::service
