#include "meta/sqlite/sqlite_meta_store.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "meta/sqlite/job_rows.h"
#include "meta/sqlite/migrations.h"
#include "meta/sqlite/sqlite_db.h"
#include "meta/sqlite/sqlite_identity_store.h"
#include "types/schema_json.h"

namespace strata::meta {
namespace {

using sqlite::Exec;
using sqlite::Statement;
using sqlite::StringsFromJson;
using sqlite::StringsToJson;

constexpr std::string_view kSelectDataset = R"sql(
SELECT d.id, d.description, d.tags, d.owner, d.retention, d.time_field, d.partition_by,
       d.schema_mode, d.record_id_field, d.schema_version, d.created_at, d.updated_at,
       d.revision, v.fields, v.next_field_id, d.sort_key, d.keep_rejected
FROM datasets d JOIN schema_versions v ON v.dataset_id = d.id AND v.version = d.schema_version
)sql";

Result<DatasetRecord> ReadDataset(const Statement& row) {
  DatasetRecord dataset;
  dataset.id = row.Text(0);
  dataset.description = row.Text(1);
  STRATA_ASSIGN_OR_RETURN(dataset.tags, StringsFromJson(row.Text(2)));
  dataset.owner = row.Text(3);
  dataset.retention = row.Text(4);
  dataset.time_field = row.Text(5);
  std::optional<PartitionBy> partition_by = ParsePartitionBy(row.Text(6));
  std::optional<SchemaMode> schema_mode = ParseSchemaMode(row.Text(7));
  if (!partition_by || !schema_mode) return Status::Corruption("stored dataset has bad enums");
  dataset.partition_by = *partition_by;
  dataset.schema_mode = *schema_mode;
  dataset.record_id_field = row.Text(8);
  dataset.schema.version = static_cast<uint32_t>(row.Int(9));
  dataset.created_at = row.Int(10);
  dataset.updated_at = row.Int(11);
  dataset.revision = static_cast<uint64_t>(row.Int(12));
  STRATA_ASSIGN_OR_RETURN(dataset.schema.fields, types::FieldsFromJson(row.Text(13)));
  dataset.schema.next_field_id = static_cast<uint32_t>(row.Int(14));
  STRATA_ASSIGN_OR_RETURN(dataset.sort_key, StringsFromJson(row.Text(15)));
  dataset.keep_rejected = row.Int(16) != 0;
  return dataset;
}

Result<SchemaVersionRecord> ReadVersion(const Statement& row) {
  SchemaVersionRecord version;
  version.version = static_cast<uint32_t>(row.Int(0));
  version.created_at = row.Int(1);
  version.author = row.Text(2);
  version.changes_json = row.Text(3);
  version.schema.version = version.version;
  STRATA_ASSIGN_OR_RETURN(version.schema.fields, types::FieldsFromJson(row.Text(4)));
  version.schema.next_field_id = static_cast<uint32_t>(row.Int(5));
  return version;
}

IdempotencyRecord ReadIdempotency(const Statement& row) {
  IdempotencyRecord record;
  record.principal = row.Text(0);
  record.key = row.Text(1);
  record.dataset = row.Text(2);
  record.fingerprint = row.Text(3);
  record.done = row.Int(4) != 0;
  record.outcome = row.Text(5);
  record.created_at = row.Int(6);
  record.expires_at = row.Int(7);
  return record;
}

constexpr std::string_view kSelectApiKey =
    "SELECT id, name, hash, prefix, principal, roles, created_at, expires_at, revoked_at, "
    "scopes, datasets, last_used_at FROM api_keys";

Result<ApiKeyRecord> ReadApiKey(const Statement& row) {
  ApiKeyRecord key;
  key.id = row.Text(0);
  key.name = row.Text(1);
  key.hash = row.Text(2);
  key.prefix = row.Text(3);
  key.principal = row.Text(4);
  STRATA_ASSIGN_OR_RETURN(key.roles, StringsFromJson(row.Text(5)));
  key.created_at = row.Int(6);
  key.expires_at = row.Int(7);
  key.revoked_at = row.Int(8);
  STRATA_ASSIGN_OR_RETURN(key.scopes, StringsFromJson(row.Text(9)));
  STRATA_ASSIGN_OR_RETURN(key.datasets, StringsFromJson(row.Text(10)));
  key.last_used_at = row.Int(11);
  return key;
}

class SqliteMetaStore final : public MetaStore {
 public:
  explicit SqliteMetaStore(sqlite3* db)
      : db_(db), identity_(sqlite::MakeSqliteIdentityStore(db, mu_)) {}
  ~SqliteMetaStore() override { sqlite3_close_v2(db_); }

  Status Migrate() {
    std::lock_guard lock(mu_);
    STRATA_RETURN_IF_ERROR(Exec(db_, R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL))sql"));
    // Applied versions, not just the highest: a migration numbered below one already
    // applied (numbers reserved by changes merged in another order) still runs.
    int64_t current = 0;
    std::set<int64_t> applied;
    {
      Statement query(db_, "SELECT version FROM schema_migrations");
      for (;;) {
        STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
        if (!row) break;
        applied.insert(query.Int(0));
        current = std::max(current, query.Int(0));
      }
    }
    const int newest = SqliteSchemaVersion();
    if (current > newest) {
      return Status::Unavailable("the metastore was written by a newer stratad (schema version " +
                                 std::to_string(current) + ", this build knows up to " +
                                 std::to_string(newest) + "); upgrade stratad");
    }
    for (const sqlite::Migration& migration : sqlite::Migrations()) {
      if (applied.count(migration.version) != 0) continue;
      STRATA_RETURN_IF_ERROR(InTransaction([&]() -> Status {
        STRATA_RETURN_IF_ERROR(Exec(db_, migration.sql));
        Statement record(db_, "INSERT INTO schema_migrations VALUES (?, ?, ?)");
        record.Bind(1, int64_t{migration.version}).Bind(2, migration.name).Bind(3, NowMicros());
        return record.Run();
      }));
    }
    return Status();
  }

  Status Ping() override {
    std::lock_guard lock(mu_);
    Statement query(db_, "SELECT 1");
    return query.Step().status();
  }

  Status CreateDataset(const DatasetRecord& dataset,
                       const SchemaVersionRecord& first_version) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      {
        Statement exists(db_, "SELECT 1 FROM datasets WHERE id = ?");
        exists.Bind(1, dataset.id);
        STRATA_ASSIGN_OR_RETURN(bool found, exists.Step());
        if (found) return Status::AlreadyExists("dataset '" + dataset.id + "' already exists");
      }
      Statement insert(db_, R"sql(
INSERT INTO datasets (id, description, tags, owner, retention, time_field, partition_by,
  schema_mode, record_id_field, schema_version, created_at, updated_at, revision, sort_key,
  keep_rejected)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
      BindDataset(insert, dataset);
      STRATA_RETURN_IF_ERROR(insert.Run());
      STRATA_RETURN_IF_ERROR(InsertTags(dataset));
      return InsertVersion(dataset.id, first_version);
    });
  }

  Result<DatasetRecord> GetDataset(std::string_view id) override {
    std::lock_guard lock(mu_);
    Statement query(db_, std::string(kSelectDataset) + " WHERE d.id = ?");
    query.Bind(1, id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Status::NotFound("dataset '" + std::string(id) + "' does not exist");
    return ReadDataset(query);
  }

  Result<std::vector<DatasetRecord>> ListDatasets(const DatasetListQuery& list) override {
    std::lock_guard lock(mu_);
    std::string sql(kSelectDataset);
    sql += " WHERE d.id > ?1 AND substr(d.id, 1, length(?2)) = ?2";
    if (!list.tag.empty()) {
      sql += " AND EXISTS (SELECT 1 FROM dataset_tags t WHERE t.tag = ?3 AND t.dataset_id = d.id)";
    }
    sql += " ORDER BY d.id LIMIT ?4";
    Statement query(db_, sql);
    query.Bind(1, list.after_id).Bind(2, list.id_prefix).Bind(3, list.tag);
    query.Bind(4, static_cast<int64_t>(list.limit));
    std::vector<DatasetRecord> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      STRATA_ASSIGN_OR_RETURN(DatasetRecord dataset, ReadDataset(query));
      out.push_back(std::move(dataset));
    }
    return out;
  }

  Status UpdateDataset(const DatasetRecord& dataset, uint64_t expected_revision,
                       const SchemaVersionRecord* new_version,
                       std::optional<uint64_t> expected_access_revision) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      STRATA_RETURN_IF_ERROR(CheckRevision(dataset.id, expected_revision));
      if (expected_access_revision) {
        Statement access(db_, "SELECT revision FROM dataset_policies WHERE dataset_id = ?");
        access.Bind(1, dataset.id);
        STRATA_ASSIGN_OR_RETURN(bool found, access.Step());
        if ((found ? static_cast<uint64_t>(access.Int(0)) : 0) != *expected_access_revision) {
          return Status::Conflict("the access of dataset '" + dataset.id +
                                  "' changed concurrently");
        }
      }
      Statement update(db_, R"sql(
UPDATE datasets SET id = ?1, description = ?2, tags = ?3, owner = ?4, retention = ?5,
  time_field = ?6, partition_by = ?7, schema_mode = ?8, record_id_field = ?9,
  schema_version = ?10, created_at = ?11, updated_at = ?12, revision = ?13, sort_key = ?14,
  keep_rejected = ?15
WHERE id = ?1)sql");
      BindDataset(update, dataset);
      STRATA_RETURN_IF_ERROR(update.Run());
      Statement clear_tags(db_, "DELETE FROM dataset_tags WHERE dataset_id = ?");
      clear_tags.Bind(1, dataset.id);
      STRATA_RETURN_IF_ERROR(clear_tags.Run());
      STRATA_RETURN_IF_ERROR(InsertTags(dataset));
      if (new_version != nullptr) STRATA_RETURN_IF_ERROR(InsertVersion(dataset.id, *new_version));
      return Status();
    });
  }

  Status DeleteDataset(std::string_view id, std::optional<uint64_t> expected_revision) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      if (expected_revision) {
        STRATA_RETURN_IF_ERROR(CheckRevision(id, *expected_revision));
      }
      Statement remove(db_, "DELETE FROM datasets WHERE id = ?");
      remove.Bind(1, id);
      STRATA_RETURN_IF_ERROR(remove.Run());
      if (sqlite3_changes(db_) == 0) {
        return Status::NotFound("dataset '" + std::string(id) + "' does not exist");
      }
      Statement letters(db_, "DELETE FROM rejected_records WHERE dataset = ?");
      letters.Bind(1, id);
      STRATA_RETURN_IF_ERROR(letters.Run());
      Statement grants(db_, "DELETE FROM grants WHERE resource = ?");
      grants.Bind(1, id);
      STRATA_RETURN_IF_ERROR(grants.Run());
      // Also cascaded by the foreign key; explicit so that the rule holds without it.
      Statement policies(db_, "DELETE FROM dataset_policies WHERE dataset_id = ?");
      policies.Bind(1, id);
      return policies.Run();
    });
  }

  Result<std::vector<SchemaVersionRecord>> ListSchemaVersions(std::string_view id,
                                                              uint32_t after_version,
                                                              size_t limit) override {
    std::lock_guard lock(mu_);
    STRATA_RETURN_IF_ERROR(RequireDataset(id));
    Statement query(db_, R"sql(
SELECT version, created_at, author, changes, fields, next_field_id FROM schema_versions
WHERE dataset_id = ? AND version > ? ORDER BY version LIMIT ?)sql");
    query.Bind(1, id).Bind(2, int64_t{after_version}).Bind(3, static_cast<int64_t>(limit));
    std::vector<SchemaVersionRecord> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      STRATA_ASSIGN_OR_RETURN(SchemaVersionRecord version, ReadVersion(query));
      out.push_back(std::move(version));
    }
    return out;
  }

  Result<SchemaVersionRecord> GetSchemaVersion(std::string_view id, uint32_t version) override {
    std::lock_guard lock(mu_);
    STRATA_RETURN_IF_ERROR(RequireDataset(id));
    Statement query(db_, R"sql(
SELECT version, created_at, author, changes, fields, next_field_id FROM schema_versions
WHERE dataset_id = ? AND version = ?)sql");
    query.Bind(1, id).Bind(2, int64_t{version});
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) {
      return Status::NotFound("dataset '" + std::string(id) + "' has no schema version " +
                              std::to_string(version));
    }
    return ReadVersion(query);
  }

  IdentityStore& identity() override { return *identity_; }

  Status CreateApiKey(const ApiKeyRecord& key) override {
    std::lock_guard lock(mu_);
    Statement insert(db_, R"sql(
INSERT INTO api_keys (id, name, hash, prefix, principal, roles, created_at, expires_at,
  revoked_at, scopes, datasets, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
    insert.Bind(1, key.id).Bind(2, key.name).BindBlob(3, key.hash).Bind(4, key.prefix);
    insert.Bind(5, key.principal).Bind(6, StringsToJson(key.roles)).Bind(7, key.created_at);
    insert.Bind(8, key.expires_at).Bind(9, key.revoked_at).Bind(10, StringsToJson(key.scopes));
    insert.Bind(11, StringsToJson(key.datasets)).Bind(12, key.last_used_at);
    return insert.Run();
  }

  Result<std::optional<ApiKeyRecord>> FindApiKeyByHash(std::string_view hash) override {
    std::lock_guard lock(mu_);
    Statement query(db_, std::string(kSelectApiKey) + " WHERE hash = ?");
    query.BindBlob(1, hash);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::optional<ApiKeyRecord>();
    STRATA_ASSIGN_OR_RETURN(ApiKeyRecord key, ReadApiKey(query));
    return std::optional<ApiKeyRecord>(std::move(key));
  }

  Result<ApiKeyRecord> GetApiKey(std::string_view id) override {
    std::lock_guard lock(mu_);
    Statement query(db_, std::string(kSelectApiKey) + " WHERE id = ?");
    query.Bind(1, id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Status::NotFound("API key '" + std::string(id) + "' does not exist");
    return ReadApiKey(query);
  }

  Result<std::vector<ApiKeyRecord>> ListApiKeys(std::string_view principal) override {
    std::lock_guard lock(mu_);
    Statement query(db_,
                    std::string(kSelectApiKey) + " WHERE ?1 = '' OR principal = ?1 ORDER BY id");
    query.Bind(1, principal);
    std::vector<ApiKeyRecord> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      STRATA_ASSIGN_OR_RETURN(ApiKeyRecord key, ReadApiKey(query));
      out.push_back(std::move(key));
    }
    return out;
  }

  Status RevokeApiKey(std::string_view id, int64_t now_micros) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      Statement exists(db_, "SELECT 1 FROM api_keys WHERE id = ?");
      exists.Bind(1, id);
      STRATA_ASSIGN_OR_RETURN(bool found, exists.Step());
      if (!found) return Status::NotFound("API key '" + std::string(id) + "' does not exist");
      Statement update(db_, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0");
      update.Bind(1, now_micros).Bind(2, id);
      return update.Run();
    });
  }

  Status TouchApiKey(std::string_view id, int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement update(db_, "UPDATE api_keys SET last_used_at = ? WHERE id = ?");
    update.Bind(1, now_micros).Bind(2, id);
    return update.Run();
  }

  Result<int64_t> CountAdminKeys(int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement query(db_, R"sql(
SELECT COUNT(*) FROM api_keys, json_each(api_keys.roles) AS role
WHERE role.value = 'admin' AND revoked_at = 0 AND (expires_at = 0 OR expires_at > ?))sql");
    query.Bind(1, now_micros);
    STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
    return row ? query.Int(0) : 0;
  }

  Result<std::optional<IdempotencyRecord>> BeginIdempotency(const IdempotencyRecord& pending,
                                                            int64_t now_micros) override {
    std::lock_guard lock(mu_);
    std::optional<IdempotencyRecord> existing;
    STRATA_RETURN_IF_ERROR(InTransaction([&]() -> Status {
      Statement query(db_, "SELECT * FROM idempotency_keys WHERE principal = ? AND key = ?");
      query.Bind(1, pending.principal).Bind(2, pending.key);
      STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
      if (found && query.Int(7) > now_micros) {
        existing = ReadIdempotency(query);
        return Status();
      }
      Statement insert(db_,
                       "INSERT OR REPLACE INTO idempotency_keys VALUES (?, ?, ?, ?, 0, ?, ?, ?)");
      insert.Bind(1, pending.principal).Bind(2, pending.key).Bind(3, pending.dataset);
      insert.Bind(4, pending.fingerprint).BindBlob(5, "").Bind(6, pending.created_at);
      insert.Bind(7, pending.expires_at);
      return insert.Run();
    }));
    return existing;
  }

  Status CompleteIdempotency(std::string_view principal, std::string_view key,
                             std::string_view outcome) override {
    std::lock_guard lock(mu_);
    Statement update(db_,
                     "UPDATE idempotency_keys SET done = 1, outcome = ? "
                     "WHERE principal = ? AND key = ? AND done = 0");
    update.BindBlob(1, outcome).Bind(2, principal).Bind(3, key);
    STRATA_RETURN_IF_ERROR(update.Run());
    if (sqlite3_changes(db_) == 0) {
      return Status::NotFound("no pending idempotency key '" + std::string(key) + "'");
    }
    return Status();
  }

  Status AbandonIdempotency(std::string_view principal, std::string_view key) override {
    std::lock_guard lock(mu_);
    Statement remove(db_,
                     "DELETE FROM idempotency_keys WHERE principal = ? AND key = ? AND done = 0");
    remove.Bind(1, principal).Bind(2, key);
    return remove.Run();
  }

  Result<std::vector<IdempotencyRecord>> ListPendingIdempotency() override {
    std::lock_guard lock(mu_);
    Statement query(db_, "SELECT * FROM idempotency_keys WHERE done = 0");
    std::vector<IdempotencyRecord> records;
    while (true) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      records.push_back(ReadIdempotency(query));
    }
    return records;
  }

  Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view principal,
                                                          std::string_view key) override {
    std::lock_guard lock(mu_);
    Statement query(db_, "SELECT * FROM idempotency_keys WHERE principal = ? AND key = ?");
    query.Bind(1, principal).Bind(2, key);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::optional<IdempotencyRecord>();
    return std::optional<IdempotencyRecord>(ReadIdempotency(query));
  }

  Result<int64_t> DeleteExpiredIdempotency(int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement remove(db_, "DELETE FROM idempotency_keys WHERE expires_at <= ?");
    remove.Bind(1, now_micros);
    STRATA_RETURN_IF_ERROR(remove.Run());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Result<int64_t> AddRejectedRecords(std::vector<RejectedRecordEntry> records,
                                     size_t max_per_dataset) override {
    std::lock_guard lock(mu_);
    int64_t trimmed = 0;
    STRATA_RETURN_IF_ERROR(InTransaction([&]() -> Status {
      std::vector<std::string> datasets;
      for (const RejectedRecordEntry& entry : records) {
        Statement insert(db_, R"sql(
INSERT INTO rejected_records (dataset, received_at, request_id, record_index, format, code,
  pointer, detail, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?))sql");
        insert.Bind(1, entry.dataset).Bind(2, entry.received_at).Bind(3, entry.request_id);
        insert.Bind(4, static_cast<int64_t>(entry.index)).Bind(5, entry.format);
        insert.Bind(6, entry.code).Bind(7, entry.pointer).Bind(8, entry.detail);
        insert.BindBlob(9, entry.raw);
        STRATA_RETURN_IF_ERROR(insert.Run());
        if (datasets.empty() || datasets.back() != entry.dataset) datasets.push_back(entry.dataset);
      }
      for (const std::string& dataset : datasets) {
        Statement trim(db_, R"sql(
DELETE FROM rejected_records WHERE dataset = ?1 AND id NOT IN
  (SELECT id FROM rejected_records WHERE dataset = ?1 ORDER BY id DESC LIMIT ?2))sql");
        trim.Bind(1, dataset).Bind(2, static_cast<int64_t>(max_per_dataset));
        STRATA_RETURN_IF_ERROR(trim.Run());
        trimmed += sqlite3_changes(db_);
      }
      return Status();
    }));
    return trimmed;
  }

  Result<std::vector<RejectedRecordEntry>> ListRejectedRecords(std::string_view dataset,
                                                               int64_t after_id,
                                                               size_t limit) override {
    std::lock_guard lock(mu_);
    Statement query(db_,
                    "SELECT * FROM rejected_records WHERE dataset = ? AND id > ? "
                    "ORDER BY id LIMIT ?");
    query.Bind(1, dataset).Bind(2, after_id).Bind(3, static_cast<int64_t>(limit));
    std::vector<RejectedRecordEntry> entries;
    while (true) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      RejectedRecordEntry entry;
      entry.id = query.Int(0);
      entry.dataset = query.Text(1);
      entry.received_at = query.Int(2);
      entry.request_id = query.Text(3);
      entry.index = static_cast<uint64_t>(query.Int(4));
      entry.format = query.Text(5);
      entry.code = query.Text(6);
      entry.pointer = query.Text(7);
      entry.detail = query.Text(8);
      entry.raw = query.Text(9);
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  Status DeleteRejectedRecords(std::string_view dataset, const std::vector<int64_t>& ids) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      for (int64_t id : ids) {
        Statement remove(db_, "DELETE FROM rejected_records WHERE dataset = ? AND id = ?");
        remove.Bind(1, dataset).Bind(2, id);
        STRATA_RETURN_IF_ERROR(remove.Run());
      }
      return Status();
    });
  }

  Status UpdateRejectedRecord(const RejectedRecordEntry& entry) override {
    std::lock_guard lock(mu_);
    Statement update(db_,
                     "UPDATE rejected_records SET code = ?, pointer = ?, detail = ? "
                     "WHERE dataset = ? AND id = ?");
    update.Bind(1, entry.code).Bind(2, entry.pointer).Bind(3, entry.detail);
    update.Bind(4, entry.dataset).Bind(5, entry.id);
    return update.Run();
  }

  Status CreateJob(const JobRecord& job) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status { return InsertJob(job); });
  }

  Result<JobRecord> GetJob(std::string_view id) override {
    std::lock_guard lock(mu_);
    return FindJob(id);
  }

  Status UpdateJob(const JobRecord& job) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(JobRecord stored, FindJob(job.id));
      JobRecord updated = job;
      updated.cancel_requested = stored.cancel_requested;  // Only RequestJobCancel sets it.
      Statement upsert(db_, sqlite::kUpsertJob);
      sqlite::BindJob(upsert, updated);
      return upsert.Run();
    });
  }

  Result<JobRecord> RequestJobCancel(std::string_view id) override {
    std::lock_guard lock(mu_);
    JobRecord job;
    STRATA_RETURN_IF_ERROR(InTransaction([&]() -> Status {
      Statement update(db_,
                       "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state IN "
                       "('queued', 'running')");
      update.Bind(1, id);
      STRATA_RETURN_IF_ERROR(update.Run());
      STRATA_ASSIGN_OR_RETURN(job, FindJob(id));
      return Status();
    }));
    return job;
  }

  Result<std::vector<JobRecord>> ListUnfinishedJobs() override {
    std::lock_guard lock(mu_);
    Statement query(db_, std::string(sqlite::kSelectJob) +
                             " WHERE state IN ('queued', 'running') ORDER BY created_at, id");
    std::vector<JobRecord> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      STRATA_ASSIGN_OR_RETURN(JobRecord job, sqlite::ReadJob(query));
      out.push_back(std::move(job));
    }
    return out;
  }

  Status CreateUpload(const UploadRecord& upload, const JobRecord* job) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      {
        Statement exists(db_, "SELECT 1 FROM uploads WHERE id = ?");
        exists.Bind(1, upload.id);
        STRATA_ASSIGN_OR_RETURN(bool found, exists.Step());
        if (found) return Status::AlreadyExists("upload '" + upload.id + "' already exists");
      }
      Statement insert(db_, sqlite::kUpsertUpload);
      sqlite::BindUpload(insert, upload);
      STRATA_RETURN_IF_ERROR(insert.Run());
      return job != nullptr ? InsertJob(*job) : Status();
    });
  }

  Result<UploadRecord> GetUpload(std::string_view id) override {
    std::lock_guard lock(mu_);
    return FindUpload(id);
  }

  Status UpdateUpload(const UploadRecord& upload, uint64_t expected_offset,
                      const JobRecord* job) override {
    std::lock_guard lock(mu_);
    return InTransaction([&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(UploadRecord stored, FindUpload(upload.id));
      if (stored.offset != expected_offset) {
        return Status::Conflict("upload '" + upload.id + "' is at offset " +
                                std::to_string(stored.offset) + ", not " +
                                std::to_string(expected_offset));
      }
      Statement upsert(db_, sqlite::kUpsertUpload);
      sqlite::BindUpload(upsert, upload);
      STRATA_RETURN_IF_ERROR(upsert.Run());
      return job != nullptr ? InsertJob(*job) : Status();
    });
  }

  Status DeleteUpload(std::string_view id) override {
    std::lock_guard lock(mu_);
    Statement remove(db_, "DELETE FROM uploads WHERE id = ?");
    remove.Bind(1, id);
    STRATA_RETURN_IF_ERROR(remove.Run());
    if (sqlite3_changes(db_) == 0) {
      return Status::NotFound("upload '" + std::string(id) + "' does not exist");
    }
    return Status();
  }

  Result<std::vector<UploadRecord>> ListUploads() override {
    std::lock_guard lock(mu_);
    Statement query(db_, std::string(sqlite::kSelectUpload) + " ORDER BY id");
    return ReadUploads(query);
  }

  Result<std::vector<UploadRecord>> ListExpiredUploads(int64_t now_micros, size_t limit) override {
    std::lock_guard lock(mu_);
    Statement query(db_, std::string(sqlite::kSelectUpload) +
                             " WHERE expires_at < ? ORDER BY expires_at, id LIMIT ?");
    query.Bind(1, now_micros).Bind(2, static_cast<int64_t>(limit));
    return ReadUploads(query);
  }

  Result<std::string> GetOrCreateSecret(std::string_view name,
                                        const std::function<std::string()>& make) override {
    std::lock_guard lock(mu_);
    std::string value;
    STRATA_RETURN_IF_ERROR(InTransaction([&]() -> Status {
      Statement query(db_, "SELECT value FROM secrets WHERE name = ?");
      query.Bind(1, name);
      STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
      if (found) {
        value = query.Text(0);
        return Status();
      }
      value = make();
      Statement insert(db_, "INSERT INTO secrets VALUES (?, ?)");
      insert.Bind(1, name).BindBlob(2, value);
      return insert.Run();
    }));
    return value;
  }

  Status PutSecret(std::string_view name, std::string_view value) override {
    std::lock_guard lock(mu_);
    Statement upsert(db_, "INSERT OR REPLACE INTO secrets VALUES (?, ?)");
    upsert.Bind(1, name).BindBlob(2, value);
    return upsert.Run();
  }

 private:
  template <typename Fn>
  Status InTransaction(Fn&& body) {
    return sqlite::InTransaction(db_, std::forward<Fn>(body));
  }

  Result<JobRecord> FindJob(std::string_view id) {
    Statement query(db_, std::string(sqlite::kSelectJob) + " WHERE id = ?");
    query.Bind(1, id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Status::NotFound("job '" + std::string(id) + "' does not exist");
    return sqlite::ReadJob(query);
  }

  Status InsertJob(const JobRecord& job) {
    Statement exists(db_, "SELECT 1 FROM jobs WHERE id = ?");
    exists.Bind(1, job.id);
    STRATA_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (found) return Status::AlreadyExists("job '" + job.id + "' already exists");
    Statement insert(db_, sqlite::kUpsertJob);
    sqlite::BindJob(insert, job);
    return insert.Run();
  }

  Result<UploadRecord> FindUpload(std::string_view id) {
    Statement query(db_, std::string(sqlite::kSelectUpload) + " WHERE id = ?");
    query.Bind(1, id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Status::NotFound("upload '" + std::string(id) + "' does not exist");
    return sqlite::ReadUpload(query);
  }

  static Result<std::vector<UploadRecord>> ReadUploads(Statement& query) {
    std::vector<UploadRecord> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      STRATA_ASSIGN_OR_RETURN(UploadRecord upload, sqlite::ReadUpload(query));
      out.push_back(std::move(upload));
    }
    return out;
  }

  Status RequireDataset(std::string_view id) {
    Statement query(db_, "SELECT 1 FROM datasets WHERE id = ?");
    query.Bind(1, id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Status::NotFound("dataset '" + std::string(id) + "' does not exist");
    return Status();
  }

  Status CheckRevision(std::string_view id, uint64_t expected_revision) {
    Statement query(db_, "SELECT revision FROM datasets WHERE id = ?");
    query.Bind(1, id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Status::NotFound("dataset '" + std::string(id) + "' does not exist");
    if (static_cast<uint64_t>(query.Int(0)) != expected_revision) {
      return Status::Conflict("dataset '" + std::string(id) + "' was changed concurrently");
    }
    return Status();
  }

  static void BindDataset(Statement& statement, const DatasetRecord& dataset) {
    statement.Bind(1, dataset.id).Bind(2, dataset.description).Bind(3, StringsToJson(dataset.tags));
    statement.Bind(4, dataset.owner).Bind(5, dataset.retention).Bind(6, dataset.time_field);
    statement.Bind(7, PartitionByName(dataset.partition_by));
    statement.Bind(8, SchemaModeName(dataset.schema_mode)).Bind(9, dataset.record_id_field);
    statement.Bind(10, int64_t{dataset.schema.version}).Bind(11, dataset.created_at);
    statement.Bind(12, dataset.updated_at).Bind(13, static_cast<int64_t>(dataset.revision));
    statement.Bind(14, StringsToJson(dataset.sort_key));
    statement.Bind(15, int64_t{dataset.keep_rejected ? 1 : 0});
  }

  Status InsertTags(const DatasetRecord& dataset) {
    for (const std::string& tag : dataset.tags) {
      Statement insert(db_, "INSERT OR IGNORE INTO dataset_tags VALUES (?, ?)");
      insert.Bind(1, tag).Bind(2, dataset.id);
      STRATA_RETURN_IF_ERROR(insert.Run());
    }
    return Status();
  }

  Status InsertVersion(std::string_view id, const SchemaVersionRecord& version) {
    Statement insert(db_, "INSERT INTO schema_versions VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.Bind(1, id).Bind(2, int64_t{version.version}).Bind(3, version.created_at);
    insert.Bind(4, version.author).Bind(5, version.changes_json);
    insert.Bind(6, types::FieldsToJson(version.schema.fields));
    insert.Bind(7, int64_t{version.schema.next_field_id});
    return insert.Run();
  }

  std::mutex mu_;  // Serialises all use of db_ (shared with identity_).
  sqlite3* db_;
  std::unique_ptr<IdentityStore> identity_;
};

}  // namespace

int SqliteSchemaVersion() { return sqlite::Migrations().back().version; }

Result<std::unique_ptr<MetaStore>> OpenSqliteMetaStore(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Status status = sqlite::ErrorStatus(db, "open metastore");
    sqlite3_close_v2(db);
    return status;
  }
  auto store = std::make_unique<SqliteMetaStore>(db);
  sqlite3_busy_timeout(db, 5000);
  for (std::string_view pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
    Status status = sqlite::Exec(db, pragma);
    if (!status.ok()) return status.Annotate("open metastore");
  }
  Status migrated = store->Migrate();
  if (!migrated.ok()) return migrated.Annotate("metastore migration");
  return std::unique_ptr<MetaStore>(std::move(store));
}

}  // namespace strata::meta
