// DatasetService: dataset management and schema evolution (DESIGN.md "Data model").
// Transport-neutral: every front door calls these methods with the authenticated caller;
// permission checks, business rules and optimistic concurrency live here, not in handlers.
//
// Thread safety: thread-safe; metadata lives in the MetaStore, rows in the DataBackend.
// Ordering with storage: Create writes the metadata, then creates the storage; Delete removes
// the metadata (so a failed precondition never destroys rows), then the storage. Create
// clears any storage that a crash between those two steps left under a reused id.
// Concurrency: every write is read-check-write against the dataset's revision. With a
// Precondition (If-Match) a concurrent change fails the write (PreconditionFailed); without
// one the service re-reads and retries a few times before answering Conflict.
// Policies: a schema change that drops a field a row or field policy of the dataset uses is
// refused (Conflict field_in_use, naming the policies); it is written only if the dataset's
// access revision is still the one checked (meta::MetaStore::UpdateDataset).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/data_backend.h"
#include "common/json.h"
#include "common/result.h"
#include "meta/meta_store.h"
#include "security/authorizer.h"
#include "security/principal.h"
#include "service/cursor.h"
#include "service/dataset_cache.h"
#include "service/dataset_codec.h"
#include "service/precondition.h"
#include "types/dataset_stats.h"
#include "types/schema_evolution.h"

namespace strata::service {

inline constexpr size_t kDefaultPageSize = 100;
inline constexpr size_t kMaxPageSize = 1000;

struct PageRequest {
  size_t limit = kDefaultPageSize;  // REQUIRES: 1 <= limit <= kMaxPageSize.
  std::string cursor;               // "" for the first page.
};

struct DatasetListRequest {
  std::string id_prefix;
  std::string tag;
  PageRequest page;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;  // "" on the last page.
};

// The ETag of a dataset: changes with every accepted write, and differs between a deleted
// dataset and a new one with the same id.
std::string DatasetEtag(const meta::DatasetRecord& dataset);

class DatasetService {
 public:
  // `store` and `backend` must outlive the service.
  DatasetService(meta::MetaStore& store, backend::DataBackend& backend,
                 const security::Authorizer& authorizer, CursorCodec cursors)
      : store_(store), backend_(backend), authorizer_(authorizer), cursors_(std::move(cursors)) {}

  // Opens the storage of every dataset at start. A dataset whose storage fails to open is
  // logged and answers Unavailable until fixed; the others serve. Returns how many failed.
  Result<size_t> OpenAllStorage();

  Result<meta::DatasetRecord> Create(const security::Principal& caller, DatasetSpec spec);
  Result<meta::DatasetRecord> Get(const security::Principal& caller, std::string_view id);
  // As Get, with the ETag and JSON form already computed (shared, immutable), and the live
  // storage statistics (absent when the dataset's storage is unavailable).
  struct DatasetView {
    std::shared_ptr<const DatasetDocument> document;
    std::optional<types::DatasetStats> stats;
  };
  Result<DatasetView> GetDocument(const security::Principal& caller, std::string_view id);
  Result<Page<meta::DatasetRecord>> List(const security::Principal& caller,
                                         const DatasetListRequest& request);
  // PUT: sets every mutable attribute from `spec` (absent ones take their defaults).
  // time_field and partition_by cannot change after creation.
  Result<meta::DatasetRecord> Replace(const security::Principal& caller, std::string_view id,
                                      const DatasetSpec& spec, const Precondition& precondition);
  // PATCH (JSON merge patch): sets the attributes present in `spec`.
  Result<meta::DatasetRecord> Update(const security::Principal& caller, std::string_view id,
                                     const DatasetSpec& spec, const Precondition& precondition);
  Status Delete(const security::Principal& caller, std::string_view id,
                const Precondition& precondition);

  // Applies a change set, creating schema version N+1. Returns the updated dataset.
  Result<meta::DatasetRecord> EvolveSchema(const security::Principal& caller, std::string_view id,
                                           std::vector<types::SchemaChange> changes,
                                           const Precondition& precondition);
  // For the data paths (ingest): the dataset's current document, when the caller holds
  // `permission` (the check the data services need instead of datasets:read).
  Result<std::shared_ptr<const DatasetDocument>> LoadForData(const security::Principal& caller,
                                                             std::string_view id,
                                                             security::Permission permission);
  // Ingest into a dataset in `evolve` mode: adds `fields` (nullable, inferred from the data)
  // as a new schema version. Needs data:write rather than datasets:update: evolving is what
  // such a dataset's writers were allowed to do. Fields that a concurrent writer added in
  // the meantime are skipped, so two ingests that infer the same field both succeed.
  Result<meta::DatasetRecord> AddInferredFields(const security::Principal& caller,
                                                std::string_view id,
                                                std::vector<types::Field> fields);

  Result<Page<meta::SchemaVersionRecord>> ListSchemaVersions(const security::Principal& caller,
                                                             std::string_view id,
                                                             const PageRequest& page);
  Result<meta::SchemaVersionRecord> GetSchemaVersion(const security::Principal& caller,
                                                     std::string_view id, uint32_t version);

 private:
  // Runs read-modify-write `mutate` on dataset `id` under optimistic concurrency.
  // `mutate` edits the record (and may fill a new schema version, and the access revision
  // the write then requires); it must be repeatable.
  template <typename Mutate>
  Result<meta::DatasetRecord> Modify(const security::Principal& caller, std::string_view id,
                                     const Precondition& precondition, Mutate&& mutate);

  // Conflict field_in_use, naming the policies, when `changes` took `before` to `after` by
  // dropping a field that a row or field policy of dataset `id` uses. When a field was
  // dropped, sets `access_revision` to the access revision the check read (the schema write
  // then requires it).
  Status CheckDropsAgainstPolicies(std::string_view id, const types::Schema& before,
                                   const types::Schema& after,
                                   const std::vector<types::SchemaChange>& changes,
                                   std::optional<uint64_t>& access_revision);

  // EvolveSchema without the permission check.
  Result<meta::DatasetRecord> ApplySchemaChanges(const security::Principal& caller,
                                                 std::string_view id,
                                                 std::vector<types::SchemaChange> changes,
                                                 const Precondition& precondition);

  // The current document of dataset `id`, from the cache or the store.
  Result<std::shared_ptr<const DatasetDocument>> Load(std::string_view id);

  meta::MetaStore& store_;
  backend::DataBackend& backend_;
  const security::Authorizer& authorizer_;
  CursorCodec cursors_;
  DatasetCache cache_;
};

}  // namespace strata::service
