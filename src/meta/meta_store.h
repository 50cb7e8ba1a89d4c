// MetaStore: the control plane's durable state (datasets, schema history, API keys, server
// secrets, async jobs, resumable uploads) behind an interface, so the services never issue SQL and
// the embedded SQLite store can be swapped for PostgreSQL in cluster mode.
//
// Thread safety: implementations are safe to call from any thread.
// Consistency: each call is one transaction. Writes that take an `expected_revision` succeed
// only if the stored revision still equals it, and otherwise return Conflict, so two writers
// never silently overwrite each other.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "meta/identity_store.h"
#include "meta/records.h"

namespace strata::meta {

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // OK when the store answers queries (readiness).
  virtual Status Ping() = 0;

  // Stores a new dataset and its version-1 schema. AlreadyExists if the id is taken.
  virtual Status CreateDataset(const DatasetRecord& dataset,
                               const SchemaVersionRecord& first_version) = 0;
  // NotFound if there is no such dataset.
  virtual Result<DatasetRecord> GetDataset(std::string_view id) = 0;
  // Datasets matching `query`, ordered by id, at most query.limit of them.
  virtual Result<std::vector<DatasetRecord>> ListDatasets(const DatasetListQuery& query) = 0;
  // Replaces the dataset's metadata (and, when `new_version` is given, appends that schema
  // version and makes it current). REQUIRES: dataset.revision == expected_revision + 1.
  // NotFound if the dataset is gone; Conflict if its revision is no longer expected_revision,
  // or, when `expected_access_revision` is set, if its access revision (identity_store.h) is
  // no longer that: a schema change checked against the dataset's policies.
  virtual Status UpdateDataset(const DatasetRecord& dataset, uint64_t expected_revision,
                               const SchemaVersionRecord* new_version,
                               std::optional<uint64_t> expected_access_revision) = 0;
  // Deletes the dataset and everything recorded for it (grants on it, its policies). With
  // `expected_revision`, only if the stored revision equals it (else Conflict). NotFound if there
  // is no such dataset.
  virtual Status DeleteDataset(std::string_view id, std::optional<uint64_t> expected_revision) = 0;

  // Versions greater than `after_version`, ascending, at most `limit`.
  virtual Result<std::vector<SchemaVersionRecord>> ListSchemaVersions(std::string_view id,
                                                                      uint32_t after_version,
                                                                      size_t limit) = 0;
  // NotFound if the dataset or the version does not exist.
  virtual Result<SchemaVersionRecord> GetSchemaVersion(std::string_view id, uint32_t version) = 0;

  // Users, roles, grants, refresh tokens and dataset policies.
  virtual IdentityStore& identity() = 0;

  virtual Status CreateApiKey(const ApiKeyRecord& key) = 0;
  // The key whose hash is `hash`, or nullopt.
  virtual Result<std::optional<ApiKeyRecord>> FindApiKeyByHash(std::string_view hash) = 0;
  // NotFound if there is no such key.
  virtual Result<ApiKeyRecord> GetApiKey(std::string_view id) = 0;
  // Keys acting as `principal` ("" = every key), ordered by id.
  virtual Result<std::vector<ApiKeyRecord>> ListApiKeys(std::string_view principal) = 0;
  // Sets revoked_at to `now` unless the key is revoked already. NotFound if there is none.
  virtual Status RevokeApiKey(std::string_view id, int64_t now_micros) = 0;
  // Records a use of the key at `now`.
  virtual Status TouchApiKey(std::string_view id, int64_t now_micros) = 0;
  // Number of keys holding the admin role that are neither revoked nor expired at `now`.
  virtual Result<int64_t> CountAdminKeys(int64_t now_micros) = 0;

  // Idempotency keys. Begin inserts `pending` (done = false) unless a record with the same
  // principal and key exists and has not expired at `now`; it then returns that record
  // untouched (an expired one is replaced).
  virtual Result<std::optional<IdempotencyRecord>> BeginIdempotency(
      const IdempotencyRecord& pending, int64_t now_micros) = 0;
  // Marks a pending record done with `outcome`. NotFound when there is none.
  virtual Status CompleteIdempotency(std::string_view principal, std::string_view key,
                                     std::string_view outcome) = 0;
  // Deletes a pending record (its request committed nothing and may be retried).
  virtual Status AbandonIdempotency(std::string_view principal, std::string_view key) = 0;
  virtual Result<std::vector<IdempotencyRecord>> ListPendingIdempotency() = 0;
  virtual Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view principal,
                                                                  std::string_view key) = 0;
  // Deletes records expired at `now`; returns how many.
  virtual Result<int64_t> DeleteExpiredIdempotency(int64_t now_micros) = 0;

  // Dead letters. Add assigns ids and then deletes the dataset's oldest entries beyond
  // `max_per_dataset`; it returns how many were deleted so.
  virtual Result<int64_t> AddRejectedRecords(std::vector<RejectedRecordEntry> records,
                                             size_t max_per_dataset) = 0;
  // Entries of `dataset` with id > after_id, oldest first, at most `limit`.
  virtual Result<std::vector<RejectedRecordEntry>> ListRejectedRecords(std::string_view dataset,
                                                                       int64_t after_id,
                                                                       size_t limit) = 0;
  virtual Status DeleteRejectedRecords(std::string_view dataset,
                                       const std::vector<int64_t>& ids) = 0;
  // Replaces the reason (code, pointer, detail) of entry `entry.id`.
  virtual Status UpdateRejectedRecord(const RejectedRecordEntry& entry) = 0;
  // Async jobs (records.h). AlreadyExists if the id is taken.
  virtual Status CreateJob(const JobRecord& job) = 0;
  // NotFound if there is no such job.
  virtual Result<JobRecord> GetJob(std::string_view id) = 0;
  // Replaces everything stored for the job except cancel_requested. NotFound if it is gone.
  virtual Status UpdateJob(const JobRecord& job) = 0;
  // Sets the job's cancel_requested flag (a no-op once the job has finished) and returns the
  // job as stored afterwards. NotFound if there is no such job.
  virtual Result<JobRecord> RequestJobCancel(std::string_view id) = 0;
  // Jobs in state queued or running, oldest first.
  virtual Result<std::vector<JobRecord>> ListUnfinishedJobs() = 0;

  // Resumable uploads (records.h). Stores a new upload and, when `job` is given (an upload
  // completed by its creation request), that job in the same transaction. AlreadyExists if
  // either id is taken.
  virtual Status CreateUpload(const UploadRecord& upload, const JobRecord* job) = 0;
  // NotFound if there is no such upload.
  virtual Result<UploadRecord> GetUpload(std::string_view id) = 0;
  // Replaces the upload if its stored offset still equals `expected_offset` (else Conflict),
  // and creates `job` (when given) in the same transaction. NotFound if the upload is gone.
  virtual Status UpdateUpload(const UploadRecord& upload, uint64_t expected_offset,
                              const JobRecord* job) = 0;
  // NotFound if there is no such upload.
  virtual Status DeleteUpload(std::string_view id) = 0;
  // Every upload, ordered by id (start-up reconciles them with their files).
  virtual Result<std::vector<UploadRecord>> ListUploads() = 0;
  // Uploads with expires_at < now_micros, oldest first, at most `limit`.
  virtual Result<std::vector<UploadRecord>> ListExpiredUploads(int64_t now_micros,
                                                               size_t limit) = 0;

  // A named server secret (e.g. the key that signs pagination cursors); created with
  // `make` on first use and the same ever after.
  virtual Result<std::string> GetOrCreateSecret(std::string_view name,
                                                const std::function<std::string()>& make) = 0;
  // Creates or replaces the secret `name` (e.g. the JWT signing key ring after a rotation).
  virtual Status PutSecret(std::string_view name, std::string_view value) = 0;
};

}  // namespace strata::meta
