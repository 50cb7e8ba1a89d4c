#include "meta/sqlite/sqlite_meta_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "meta/meta_store.h"
#include "meta/sqlite/migrations.h"
#include "test_util.h"

namespace strata::meta {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh directory under the test temp dir, removed with everything in it.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string name = ::testing::TempDir() + "strata_meta_XXXXXX";
    path_ = mkdtemp(name.data());
  }
  ~ScopedTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `sql` against the database file directly, bypassing the store. Returns the first
// column of the first row as text ("" when there is none).
std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::string out;
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return out;
}

types::Field MakeField(uint32_t id, std::string name, types::DataType type, bool nullable = false,
                       types::Value default_value = {}) {
  types::Field field;
  field.id = id;
  field.name = std::move(name);
  field.type = type;
  field.nullable = nullable;
  field.default_value = std::move(default_value);
  return field;
}

DatasetRecord MakeDataset(std::string id, std::vector<std::string> tags = {}) {
  DatasetRecord dataset;
  dataset.id = std::move(id);
  dataset.tags = std::move(tags);
  dataset.owner = "user:ana";
  dataset.schema.version = 1;
  dataset.schema.fields = {MakeField(1, "time", types::DataType::kTimestamp)};
  dataset.schema.next_field_id = 2;
  dataset.time_field = "time";
  dataset.created_at = dataset.updated_at = 1'700'000'000'000'000;
  dataset.revision = 1;
  return dataset;
}

SchemaVersionRecord FirstVersion(const DatasetRecord& dataset) {
  SchemaVersionRecord version;
  version.version = dataset.schema.version;
  version.created_at = dataset.created_at;
  version.author = dataset.owner;
  version.changes_json = "[]";
  version.schema = dataset.schema;
  return version;
}

std::vector<std::string> Ids(const std::vector<DatasetRecord>& datasets) {
  std::vector<std::string> ids;
  for (const DatasetRecord& dataset : datasets) ids.push_back(dataset.id);
  return ids;
}

ApiKeyRecord MakeKey(std::string id, std::string hash, std::vector<std::string> roles) {
  ApiKeyRecord key;
  key.id = std::move(id);
  key.name = "key " + key.id;
  key.hash = std::move(hash);
  key.prefix = "strata_abcd";
  key.principal = "key:" + key.id;
  key.roles = std::move(roles);
  key.created_at = 1'000;
  return key;
}

// Every behaviour test runs over an in-memory database and over a file.
class SqliteMetaStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    path_ = GetParam() ? dir_.path() + "/meta.db" : ":memory:";
    Result<std::unique_ptr<MetaStore>> opened = OpenSqliteMetaStore(path_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  void Create(const DatasetRecord& dataset) {
    ASSERT_OK(store_->CreateDataset(dataset, FirstVersion(dataset)));
  }

  ScopedTempDir dir_;
  std::string path_;
  std::unique_ptr<MetaStore> store_;
};

INSTANTIATE_TEST_SUITE_P(MemoryAndFile, SqliteMetaStoreTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "File" : "Memory";
                         });

TEST_P(SqliteMetaStoreTest, PingAnswers) { EXPECT_OK(store_->Ping()); }

TEST_P(SqliteMetaStoreTest, CreateAndGetRoundTripEveryAttribute) {
  DatasetRecord dataset;
  dataset.id = "web_logs";
  dataset.description = "Access logs \"quoted\" and ünïcode";
  dataset.tags = {"prod", "team:web", "a/b"};
  dataset.owner = "group:ops";
  dataset.retention = "30d";
  dataset.time_field = "ts";
  dataset.partition_by = PartitionBy::kHour;
  dataset.schema_mode = SchemaMode::kEvolve;
  dataset.record_id_field = "request_id";
  dataset.keep_rejected = true;
  dataset.schema.version = 1;
  dataset.schema.next_field_id = 12;
  dataset.schema.fields = {
      MakeField(1, "ts", types::DataType::kTimestamp),
      MakeField(2, "request_id", types::DataType::kString),
      MakeField(5, "status", types::DataType::kInt64, false, int64_t{200}),
      MakeField(7, "latency", types::DataType::kFloat64, true, 0.5),
      MakeField(9, "cached", types::DataType::kBool, true, false),
      MakeField(10, "at", types::DataType::kTimestamp, true, int64_t{-1}),
      MakeField(11, "extra", types::DataType::kJson, true, std::string(R"({"k":[1]})")),
  };
  dataset.schema.fields[1].pii = true;
  dataset.schema.fields[1].description = "from the X-Request-Id header";
  dataset.created_at = 1'714'564'800'123'456;
  dataset.updated_at = 1'714'564'900'000'000;
  dataset.revision = 1;
  Create(dataset);

  ASSERT_OK_AND_ASSIGN(DatasetRecord got, store_->GetDataset("web_logs"));
  EXPECT_EQ(got.id, dataset.id);
  EXPECT_EQ(got.description, dataset.description);
  EXPECT_EQ(got.tags, dataset.tags);
  EXPECT_EQ(got.owner, dataset.owner);
  EXPECT_EQ(got.retention, dataset.retention);
  EXPECT_EQ(got.time_field, dataset.time_field);
  EXPECT_EQ(got.partition_by, dataset.partition_by);
  EXPECT_EQ(got.schema_mode, dataset.schema_mode);
  EXPECT_EQ(got.record_id_field, dataset.record_id_field);
  EXPECT_TRUE(got.keep_rejected);
  EXPECT_EQ(got.schema.version, dataset.schema.version);
  EXPECT_EQ(got.schema.next_field_id, dataset.schema.next_field_id);
  EXPECT_EQ(got.schema.fields, dataset.schema.fields);
  EXPECT_EQ(got.created_at, dataset.created_at);
  EXPECT_EQ(got.updated_at, dataset.updated_at);
  EXPECT_EQ(got.revision, dataset.revision);
}

TEST_P(SqliteMetaStoreTest, EmptyAttributesRoundTrip) {
  DatasetRecord dataset = MakeDataset("bare");
  dataset.time_field = "";
  dataset.owner = "";
  dataset.schema.fields.clear();
  dataset.schema.next_field_id = 1;
  Create(dataset);
  ASSERT_OK_AND_ASSIGN(DatasetRecord got, store_->GetDataset("bare"));
  EXPECT_TRUE(got.tags.empty());
  EXPECT_TRUE(got.schema.fields.empty());
  EXPECT_EQ(got.time_field, "");
  EXPECT_EQ(got.partition_by, PartitionBy::kDay);
  EXPECT_EQ(got.schema_mode, SchemaMode::kStrict);
}

TEST_P(SqliteMetaStoreTest, CreateTwiceIsAlreadyExists) {
  Create(MakeDataset("a"));
  DatasetRecord again = MakeDataset("a");
  again.description = "second";
  Status status = store_->CreateDataset(again, FirstVersion(again));
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.ToString();
  ASSERT_OK_AND_ASSIGN(DatasetRecord got, store_->GetDataset("a"));
  EXPECT_EQ(got.description, "");  // The first one is untouched.
}

TEST_P(SqliteMetaStoreTest, GetMissingIsNotFound) {
  Result<DatasetRecord> missing = store_->GetDataset("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("nope"));
}

TEST_P(SqliteMetaStoreTest, ListOrdersById) {
  for (const char* id : {"delta", "alpha", "charlie", "bravo"}) Create(MakeDataset(id));
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> all, store_->ListDatasets({}));
  EXPECT_THAT(Ids(all), ElementsAre("alpha", "bravo", "charlie", "delta"));
  EXPECT_EQ(all[0].schema.fields.size(), 1u);  // Rows carry their schema.
}

TEST_P(SqliteMetaStoreTest, ListEmptyStore) {
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> none, store_->ListDatasets({}));
  EXPECT_TRUE(none.empty());
}

TEST_P(SqliteMetaStoreTest, ListByPrefixIsLiteral) {
  for (const char* id : {"ab", "abc", "a_b", "axb", "b", "a%c", "aXc"}) Create(MakeDataset(id));
  DatasetListQuery query;
  query.id_prefix = "ab";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> ab, store_->ListDatasets(query));
  EXPECT_THAT(Ids(ab), ElementsAre("ab", "abc"));
  query.id_prefix = "a_";  // '_' must not act as a LIKE wildcard.
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> underscore, store_->ListDatasets(query));
  EXPECT_THAT(Ids(underscore), ElementsAre("a_b"));
  query.id_prefix = "a%";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> percent, store_->ListDatasets(query));
  EXPECT_THAT(Ids(percent), ElementsAre("a%c"));
  query.id_prefix = "A";  // Case-sensitive.
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> upper, store_->ListDatasets(query));
  EXPECT_TRUE(upper.empty());
  query.id_prefix = "abcd";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> longer, store_->ListDatasets(query));
  EXPECT_TRUE(longer.empty());
}

TEST_P(SqliteMetaStoreTest, ListByTag) {
  Create(MakeDataset("a", {"prod", "web"}));
  Create(MakeDataset("b", {"dev"}));
  Create(MakeDataset("c", {"prod"}));
  Create(MakeDataset("d", {}));
  DatasetListQuery query;
  query.tag = "prod";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> prod, store_->ListDatasets(query));
  EXPECT_THAT(Ids(prod), ElementsAre("a", "c"));
  query.tag = "pro";  // Whole tags only.
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> partial, store_->ListDatasets(query));
  EXPECT_TRUE(partial.empty());
  query.tag = "web";
  query.id_prefix = "b";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> both, store_->ListDatasets(query));
  EXPECT_TRUE(both.empty());
}

TEST_P(SqliteMetaStoreTest, ListWithAfterIdAndLimit) {
  for (const char* id : {"a", "b", "c", "d", "e"}) Create(MakeDataset(id, {"t"}));
  DatasetListQuery query;
  query.limit = 2;
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> first, store_->ListDatasets(query));
  EXPECT_THAT(Ids(first), ElementsAre("a", "b"));
  query.after_id = "b";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> second, store_->ListDatasets(query));
  EXPECT_THAT(Ids(second), ElementsAre("c", "d"));
  query.after_id = "d";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> last, store_->ListDatasets(query));
  EXPECT_THAT(Ids(last), ElementsAre("e"));
  query.after_id = "e";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> past, store_->ListDatasets(query));
  EXPECT_TRUE(past.empty());
  query.after_id = "bb";  // Need not be an existing id.
  query.limit = 100;
  query.tag = "t";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> from_bb, store_->ListDatasets(query));
  EXPECT_THAT(Ids(from_bb), ElementsAre("c", "d", "e"));
}

TEST_P(SqliteMetaStoreTest, UpdateReplacesMetadataWithRevisionCheck) {
  Create(MakeDataset("a", {"old"}));
  ASSERT_OK_AND_ASSIGN(DatasetRecord current, store_->GetDataset("a"));
  DatasetRecord next = current;
  next.description = "new description";
  next.tags = {"new", "other"};
  next.owner = "user:bob";
  next.retention = "7d";
  next.schema_mode = SchemaMode::kEvolve;
  next.updated_at = current.updated_at + 5;
  next.revision = current.revision + 1;
  ASSERT_OK(store_->UpdateDataset(next, current.revision, nullptr, std::nullopt));

  ASSERT_OK_AND_ASSIGN(DatasetRecord got, store_->GetDataset("a"));
  EXPECT_EQ(got.description, "new description");
  EXPECT_EQ(got.tags, (std::vector<std::string>{"new", "other"}));
  EXPECT_EQ(got.owner, "user:bob");
  EXPECT_EQ(got.retention, "7d");
  EXPECT_EQ(got.schema_mode, SchemaMode::kEvolve);
  EXPECT_EQ(got.updated_at, current.updated_at + 5);
  EXPECT_EQ(got.created_at, current.created_at);
  EXPECT_EQ(got.revision, 2u);
  EXPECT_EQ(got.schema.version, 1u);

  // The tag index follows the new tags.
  DatasetListQuery by_old;
  by_old.tag = "old";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> old_tagged, store_->ListDatasets(by_old));
  EXPECT_TRUE(old_tagged.empty());
  DatasetListQuery by_new;
  by_new.tag = "other";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> new_tagged, store_->ListDatasets(by_new));
  EXPECT_THAT(Ids(new_tagged), ElementsAre("a"));

  // A writer that read revision 1 is now stale.
  DatasetRecord stale = current;
  stale.description = "lost update";
  stale.revision = 2;
  Status conflict = store_->UpdateDataset(stale, 1, nullptr, std::nullopt);
  EXPECT_EQ(conflict.code(), StatusCode::kConflict) << conflict.ToString();
  ASSERT_OK_AND_ASSIGN(DatasetRecord unchanged, store_->GetDataset("a"));
  EXPECT_EQ(unchanged.description, "new description");
}

TEST_P(SqliteMetaStoreTest, UpdateWithSchemaVersion) {
  Create(MakeDataset("a"));
  ASSERT_OK_AND_ASSIGN(DatasetRecord current, store_->GetDataset("a"));
  DatasetRecord next = current;
  next.schema.version = 2;
  next.schema.fields.push_back(MakeField(2, "level", types::DataType::kString, true));
  next.schema.next_field_id = 3;
  next.revision = 2;
  SchemaVersionRecord version;
  version.version = 2;
  version.created_at = 1'800'000'000'000'000;
  version.author = "key:01ABC";
  version.changes_json = R"([{"op":"add","field":{"name":"level"}}])";
  version.schema = next.schema;
  ASSERT_OK(store_->UpdateDataset(next, 1, &version, std::nullopt));

  ASSERT_OK_AND_ASSIGN(DatasetRecord got, store_->GetDataset("a"));
  EXPECT_EQ(got.schema.version, 2u);
  EXPECT_EQ(got.schema.next_field_id, 3u);
  ASSERT_EQ(got.schema.fields.size(), 2u);
  EXPECT_EQ(got.schema.fields[1].name, "level");

  ASSERT_OK_AND_ASSIGN(SchemaVersionRecord v1, store_->GetSchemaVersion("a", 1));
  EXPECT_EQ(v1.schema.fields.size(), 1u);
  EXPECT_EQ(v1.changes_json, "[]");
  EXPECT_EQ(v1.schema.next_field_id, 2u);
  ASSERT_OK_AND_ASSIGN(SchemaVersionRecord v2, store_->GetSchemaVersion("a", 2));
  EXPECT_EQ(v2.version, 2u);
  EXPECT_EQ(v2.schema.version, 2u);
  EXPECT_EQ(v2.created_at, version.created_at);
  EXPECT_EQ(v2.author, "key:01ABC");
  EXPECT_EQ(v2.changes_json, version.changes_json);
  EXPECT_EQ(v2.schema.fields, next.schema.fields);
  EXPECT_EQ(v2.schema.next_field_id, 3u);
}

TEST_P(SqliteMetaStoreTest, StaleUpdateDoesNotAppendItsVersion) {
  Create(MakeDataset("a"));
  ASSERT_OK_AND_ASSIGN(DatasetRecord current, store_->GetDataset("a"));
  DatasetRecord next = current;
  next.revision = 2;
  ASSERT_OK(store_->UpdateDataset(next, 1, nullptr, std::nullopt));
  DatasetRecord stale = current;
  stale.schema.version = 2;
  stale.revision = 2;
  SchemaVersionRecord version = FirstVersion(stale);
  Status status = store_->UpdateDataset(stale, 1, &version, std::nullopt);
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(store_->GetSchemaVersion("a", 2).status().code(), StatusCode::kNotFound);
}

TEST_P(SqliteMetaStoreTest, UpdateMissingIsNotFound) {
  DatasetRecord ghost = MakeDataset("ghost");
  ghost.revision = 2;
  EXPECT_EQ(store_->UpdateDataset(ghost, 1, nullptr, std::nullopt).code(), StatusCode::kNotFound);
}

TEST_P(SqliteMetaStoreTest, DeleteCascadesToVersionsAndTags) {
  Create(MakeDataset("a", {"prod"}));
  Create(MakeDataset("b", {"prod"}));
  ASSERT_OK(store_->DeleteDataset("a", std::nullopt));
  EXPECT_EQ(store_->GetDataset("a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetSchemaVersion("a", 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListSchemaVersions("a", 0, 10).status().code(), StatusCode::kNotFound);

  // A new dataset with the same id starts from scratch: no old tags, no old versions.
  Create(MakeDataset("a", {}));
  DatasetListQuery query;
  query.tag = "prod";
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetRecord> tagged, store_->ListDatasets(query));
  EXPECT_THAT(Ids(tagged), ElementsAre("b"));
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaVersionRecord> versions,
                       store_->ListSchemaVersions("a", 0, 10));
  EXPECT_EQ(versions.size(), 1u);

  if (GetParam()) {  // On a file the child rows can be counted directly.
    ASSERT_OK(store_->DeleteDataset("b", std::nullopt));
    store_.reset();
    EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM dataset_tags WHERE dataset_id = 'b'"), "0");
    EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM schema_versions WHERE dataset_id = 'b'"), "0");
    EXPECT_EQ(RawQuery(path_, "SELECT COUNT(*) FROM datasets"), "1");
  }
}

TEST_P(SqliteMetaStoreTest, DeleteMissingIsNotFound) {
  EXPECT_EQ(store_->DeleteDataset("nope", std::nullopt).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteDataset("nope", 1).code(), StatusCode::kNotFound);
}

TEST_P(SqliteMetaStoreTest, DeleteWithExpectedRevision) {
  Create(MakeDataset("a"));
  Status stale = store_->DeleteDataset("a", 2);
  EXPECT_EQ(stale.code(), StatusCode::kConflict) << stale.ToString();
  EXPECT_OK(store_->GetDataset("a").status());  // Still there.
  ASSERT_OK(store_->DeleteDataset("a", 1));
  EXPECT_EQ(store_->GetDataset("a").status().code(), StatusCode::kNotFound);
}

TEST_P(SqliteMetaStoreTest, ListSchemaVersionsPages) {
  Create(MakeDataset("a"));
  DatasetRecord current = MakeDataset("a");
  for (uint32_t v = 2; v <= 5; ++v) {
    DatasetRecord next = current;
    next.schema.version = v;
    next.revision = current.revision + 1;
    SchemaVersionRecord version = FirstVersion(next);
    version.author = "v" + std::to_string(v);
    ASSERT_OK(store_->UpdateDataset(next, current.revision, &version, std::nullopt));
    current = next;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaVersionRecord> all,
                       store_->ListSchemaVersions("a", 0, 100));
  ASSERT_EQ(all.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(all[i].version, i + 1);
  EXPECT_EQ(all[3].author, "v4");
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaVersionRecord> page,
                       store_->ListSchemaVersions("a", 2, 2));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].version, 3u);
  EXPECT_EQ(page[1].version, 4u);
  ASSERT_OK_AND_ASSIGN(std::vector<SchemaVersionRecord> after_last,
                       store_->ListSchemaVersions("a", 5, 10));
  EXPECT_TRUE(after_last.empty());
  EXPECT_EQ(store_->GetSchemaVersion("a", 6).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetSchemaVersion("a", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetSchemaVersion("zz", 1).status().code(), StatusCode::kNotFound);
}

TEST_P(SqliteMetaStoreTest, ApiKeysRoundTripByHash) {
  const std::string hash = std::string("\x00\x01\xfe\xff", 4) + std::string(28, '\x7f');
  ApiKeyRecord key = MakeKey("01KEY", hash, {"reader", "writer"});
  key.expires_at = 5'000;
  key.revoked_at = 0;
  ASSERT_OK(store_->CreateApiKey(key));

  ASSERT_OK_AND_ASSIGN(std::optional<ApiKeyRecord> found, store_->FindApiKeyByHash(hash));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "01KEY");
  EXPECT_EQ(found->name, key.name);
  EXPECT_EQ(found->hash, hash);
  EXPECT_EQ(found->prefix, key.prefix);
  EXPECT_EQ(found->principal, "key:01KEY");
  EXPECT_EQ(found->roles, (std::vector<std::string>{"reader", "writer"}));
  EXPECT_EQ(found->created_at, 1'000);
  EXPECT_EQ(found->expires_at, 5'000);
  EXPECT_EQ(found->revoked_at, 0);

  ASSERT_OK_AND_ASSIGN(std::optional<ApiKeyRecord> other,
                       store_->FindApiKeyByHash(std::string(32, 'x')));
  EXPECT_FALSE(other.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<ApiKeyRecord> prefix_only,
                       store_->FindApiKeyByHash(hash.substr(0, 4)));
  EXPECT_FALSE(prefix_only.has_value());
}

TEST_P(SqliteMetaStoreTest, DuplicateKeyIdOrHashIsRefused) {
  ASSERT_OK(store_->CreateApiKey(MakeKey("k1", std::string(32, 'a'), {"admin"})));
  EXPECT_FALSE(store_->CreateApiKey(MakeKey("k2", std::string(32, 'a'), {"admin"})).ok());
  EXPECT_FALSE(store_->CreateApiKey(MakeKey("k1", std::string(32, 'b'), {"admin"})).ok());
}

TEST_P(SqliteMetaStoreTest, CountAdminKeysIgnoresRevokedAndExpired) {
  const int64_t now = 1'000'000;
  ASSERT_OK_AND_ASSIGN(int64_t none, store_->CountAdminKeys(now));
  EXPECT_EQ(none, 0);

  ApiKeyRecord active = MakeKey("active", std::string(32, '1'), {"admin"});
  ApiKeyRecord revoked = MakeKey("revoked", std::string(32, '2'), {"admin"});
  revoked.revoked_at = now - 1;
  ApiKeyRecord expired = MakeKey("expired", std::string(32, '3'), {"admin"});
  expired.expires_at = now - 1;
  ApiKeyRecord expires_now = MakeKey("expires_now", std::string(32, '4'), {"admin"});
  expires_now.expires_at = now;
  ApiKeyRecord expires_later = MakeKey("later", std::string(32, '5'), {"reader", "admin"});
  expires_later.expires_at = now + 1;
  ApiKeyRecord reader = MakeKey("reader", std::string(32, '6'), {"reader"});
  ApiKeyRecord lookalike = MakeKey("lookalike", std::string(32, '7'), {"administrator", "Admin"});
  for (const ApiKeyRecord* key :
       {&active, &revoked, &expired, &expires_now, &expires_later, &reader, &lookalike}) {
    ASSERT_OK(store_->CreateApiKey(*key));
  }
  ASSERT_OK_AND_ASSIGN(int64_t count, store_->CountAdminKeys(now));
  EXPECT_EQ(count, 2);  // active and later.
  ASSERT_OK_AND_ASSIGN(int64_t afterwards, store_->CountAdminKeys(now + 10));
  EXPECT_EQ(afterwards, 1);  // Only the key that never expires.
}

TEST_P(SqliteMetaStoreTest, SecretIsCreatedOnceAndStable) {
  int calls = 0;
  const std::string binary = std::string("\x00secret\xff", 8);
  auto make = [&] {
    ++calls;
    return binary;
  };
  ASSERT_OK_AND_ASSIGN(std::string first, store_->GetOrCreateSecret("cursor_hmac", make));
  ASSERT_OK_AND_ASSIGN(std::string second, store_->GetOrCreateSecret("cursor_hmac", make));
  EXPECT_EQ(first, binary);
  EXPECT_EQ(second, binary);
  EXPECT_EQ(calls, 1);
  ASSERT_OK_AND_ASSIGN(std::string other,
                       store_->GetOrCreateSecret("other", [] { return std::string("x"); }));
  EXPECT_EQ(other, "x");
}

TEST_P(SqliteMetaStoreTest, PutSecretCreatesAndReplaces) {
  ASSERT_OK(store_->PutSecret("jwt_key_ring", "v1"));
  ASSERT_OK_AND_ASSIGN(std::string read, store_->GetOrCreateSecret("jwt_key_ring", [] {
    return std::string("never made");
  }));
  EXPECT_EQ(read, "v1");
  const std::string binary = std::string("\x00v2\xff", 4);
  ASSERT_OK(store_->PutSecret("jwt_key_ring", binary));
  ASSERT_OK_AND_ASSIGN(
      read, store_->GetOrCreateSecret("jwt_key_ring", [] { return std::string("never made"); }));
  EXPECT_EQ(read, binary);
  ASSERT_OK_AND_ASSIGN(std::string other,
                       store_->GetOrCreateSecret("cursor_hmac", [] { return std::string("c"); }));
  EXPECT_EQ(other, "c");  // Other secrets are untouched.
}

TEST(SqliteMetaStoreFileTest, ReopenKeepsDataAndDoesNotRerunMigrations) {
  ScopedTempDir dir;
  const std::string path = dir.path() + "/meta.db";
  std::string secret;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetaStore> store, OpenSqliteMetaStore(path));
    DatasetRecord dataset = MakeDataset("kept", {"t"});
    ASSERT_OK(store->CreateDataset(dataset, FirstVersion(dataset)));
    ASSERT_OK_AND_ASSIGN(secret, store->GetOrCreateSecret("s", [] { return std::string("v1"); }));
  }
  // Migration numbers may skip (a number is reserved while its change is in review).
  const std::string version = std::to_string(SqliteSchemaVersion());
  const std::string count = std::to_string(sqlite::Migrations().size());
  EXPECT_EQ(RawQuery(path, "SELECT MAX(version) FROM schema_migrations"), version);
  EXPECT_EQ(RawQuery(path, "SELECT COUNT(*) FROM schema_migrations"), count);
  const std::string applied =
      RawQuery(path, "SELECT group_concat(applied_at) FROM schema_migrations");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetaStore> store, OpenSqliteMetaStore(path));
    ASSERT_OK_AND_ASSIGN(DatasetRecord kept, store->GetDataset("kept"));
    EXPECT_EQ(kept.tags, std::vector<std::string>{"t"});
    ASSERT_OK_AND_ASSIGN(std::string again,
                         store->GetOrCreateSecret("s", [] { return std::string("v2"); }));
    EXPECT_EQ(again, secret);
  }
  EXPECT_EQ(RawQuery(path, "SELECT COUNT(*) FROM schema_migrations"), count);
  EXPECT_EQ(RawQuery(path, "SELECT group_concat(applied_at) FROM schema_migrations"), applied);
}

TEST(SqliteMetaStoreFileTest, RunsAMigrationNumberedBelowOneAlreadyApplied) {
  ScopedTempDir dir;
  const std::string path = dir.path() + "/meta.db";
  { ASSERT_OK(OpenSqliteMetaStore(path).status()); }
  // As if migration 4 had been merged after a higher one was applied.
  RawQuery(path, "DELETE FROM schema_migrations WHERE version = 4");
  RawQuery(path, "DROP TABLE idempotency_keys");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetaStore> store, OpenSqliteMetaStore(path));
  IdempotencyRecord pending;
  pending.principal = "user:ana";
  pending.key = "k1";
  pending.expires_at = 100;
  ASSERT_OK(store->BeginIdempotency(pending, 10).status());
  EXPECT_EQ(RawQuery(path, "SELECT COUNT(*) FROM schema_migrations WHERE version = 4"), "1");
}

TEST(SqliteMetaStoreFileTest, RefusesADatabaseFromANewerBuild) {
  ScopedTempDir dir;
  const std::string path = dir.path() + "/meta.db";
  { ASSERT_OK(OpenSqliteMetaStore(path).status()); }
  const int newer = SqliteSchemaVersion() + 1;
  RawQuery(path, "INSERT INTO schema_migrations VALUES (" + std::to_string(newer) +
                     ", 'from the future', 0)");
  ASSERT_EQ(RawQuery(path, "SELECT MAX(version) FROM schema_migrations"), std::to_string(newer));

  Result<std::unique_ptr<MetaStore>> reopened = OpenSqliteMetaStore(path);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kUnavailable);
  const std::string message(reopened.status().message());
  EXPECT_THAT(message, HasSubstr("newer"));
  EXPECT_THAT(message, HasSubstr("upgrade"));
  EXPECT_THAT(message, HasSubstr(std::to_string(newer)));
}

TEST(SqliteMetaStoreOpenTest, UnopenablePathIsAnError) {
  ScopedTempDir dir;
  Result<std::unique_ptr<MetaStore>> opened =
      OpenSqliteMetaStore(dir.path() + "/missing/dir/meta.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kIoError) << opened.status().ToString();
}

TEST(SqliteMetaStoreOpenTest, TwoMemoryStoresAreIndependent) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetaStore> one, OpenSqliteMetaStore(":memory:"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MetaStore> two, OpenSqliteMetaStore(":memory:"));
  DatasetRecord dataset = MakeDataset("only_in_one");
  ASSERT_OK(one->CreateDataset(dataset, FirstVersion(dataset)));
  EXPECT_EQ(two->GetDataset("only_in_one").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace strata::meta

namespace strata::meta {
namespace {

class MetaStoreIngestTest : public SqliteMetaStoreTest {};
INSTANTIATE_TEST_SUITE_P(MemoryAndFile, MetaStoreIngestTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "File" : "Memory";
                         });

RejectedRecordEntry Letter(std::string dataset, std::string raw) {
  RejectedRecordEntry entry;
  entry.dataset = std::move(dataset);
  entry.received_at = 5;
  entry.request_id = "req";
  entry.index = 3;
  entry.format = "ndjson";
  entry.code = "type_mismatch";
  entry.pointer = "/x";
  entry.detail = "expected int64";
  entry.raw = std::move(raw);
  return entry;
}

TEST_P(MetaStoreIngestTest, DeadLettersAreKeptTrimmedUpdatedAndDeleted) {
  ASSERT_OK_AND_ASSIGN(
      int64_t trimmed,
      store_->AddRejectedRecords(
          {Letter("a", "r1"), Letter("a", "r2"), Letter("b", std::string("b\0in", 4))}, 10));
  EXPECT_EQ(trimmed, 0);
  ASSERT_OK_AND_ASSIGN(std::vector<RejectedRecordEntry> a, store_->ListRejectedRecords("a", 0, 10));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_LT(a[0].id, a[1].id);
  EXPECT_EQ(a[0].raw, "r1");
  EXPECT_EQ(a[0].pointer, "/x");
  ASSERT_OK_AND_ASSIGN(std::vector<RejectedRecordEntry> b, store_->ListRejectedRecords("b", 0, 10));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].raw, std::string("b\0in", 4));
  // Oldest go first beyond the cap.
  ASSERT_OK_AND_ASSIGN(trimmed, store_->AddRejectedRecords({Letter("a", "r3")}, 2));
  EXPECT_EQ(trimmed, 1);
  ASSERT_OK_AND_ASSIGN(a, store_->ListRejectedRecords("a", 0, 10));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].raw, "r2");
  a[0].code = "missing_field";
  ASSERT_OK(store_->UpdateRejectedRecord(a[0]));
  ASSERT_OK(store_->DeleteRejectedRecords("a", {a[1].id}));
  ASSERT_OK_AND_ASSIGN(a, store_->ListRejectedRecords("a", 0, 10));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].code, "missing_field");
  ASSERT_OK_AND_ASSIGN(a, store_->ListRejectedRecords("a", a[0].id, 10));
  EXPECT_TRUE(a.empty());
}

TEST_P(MetaStoreIngestTest, IdempotencyKeysBeginCompleteAbandonAndExpire) {
  IdempotencyRecord pending;
  pending.principal = "key:a";
  pending.key = "k";
  pending.dataset = "d";
  pending.fingerprint = "f";
  pending.created_at = 10;
  pending.expires_at = 100;
  ASSERT_OK_AND_ASSIGN(std::optional<IdempotencyRecord> existing,
                       store_->BeginIdempotency(pending, 10));
  EXPECT_FALSE(existing.has_value());
  ASSERT_OK_AND_ASSIGN(existing, store_->BeginIdempotency(pending, 20));
  ASSERT_TRUE(existing.has_value());
  EXPECT_FALSE(existing->done);
  ASSERT_OK_AND_ASSIGN(std::vector<IdempotencyRecord> open, store_->ListPendingIdempotency());
  EXPECT_EQ(open.size(), 1u);
  ASSERT_OK(store_->CompleteIdempotency("key:a", "k", "outcome"));
  EXPECT_EQ(store_->CompleteIdempotency("key:a", "k", "again").code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(existing, store_->GetIdempotency("key:a", "k"));
  ASSERT_TRUE(existing.has_value());
  EXPECT_TRUE(existing->done);
  EXPECT_EQ(existing->outcome, "outcome");
  // Expired: Begin replaces it.
  ASSERT_OK_AND_ASSIGN(existing, store_->BeginIdempotency(pending, 100));
  EXPECT_FALSE(existing.has_value());
  ASSERT_OK(store_->AbandonIdempotency("key:a", "k"));
  ASSERT_OK_AND_ASSIGN(existing, store_->GetIdempotency("key:a", "k"));
  EXPECT_FALSE(existing.has_value());
  ASSERT_OK(store_->BeginIdempotency(pending, 10).status());
  ASSERT_OK_AND_ASSIGN(int64_t expired, store_->DeleteExpiredIdempotency(100));
  EXPECT_EQ(expired, 1);
}

}  // namespace
}  // namespace strata::meta
