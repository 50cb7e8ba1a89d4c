#include "service/dataset_service.h"

#include <charconv>

#include "common/ids.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "common/time_util.h"
#include "security/policy_json.h"
#include "service/policy_compiler.h"
#include "service/storage_layout.h"

namespace strata::service {
namespace {

using security::Permission;
using security::Principal;

constexpr int kMaxAttempts = 5;

Status Invalid(std::string pointer, std::string detail) {
  std::string message = pointer + ": " + detail;
  return Status::ValidationFailed(message).WithErrors(
      {ErrorDetail::Pointer(std::move(pointer), std::move(detail))});
}

// Sets the mutable attributes present in `spec` on `dataset`, and checks the immutable ones.
Status ApplySpec(const DatasetSpec& spec, meta::DatasetRecord& dataset) {
  if (spec.id && *spec.id != dataset.id) {
    return Invalid("/id", "does not match the dataset in the URL ('" + dataset.id + "')");
  }
  if (spec.time_field && *spec.time_field != dataset.time_field) {
    return Invalid("/time_field", "the time field is fixed when the dataset is created");
  }
  if (spec.partition_by && *spec.partition_by != dataset.partition_by) {
    return Invalid("/partition_by", "partitioning is fixed when the dataset is created");
  }
  if (spec.description) dataset.description = *spec.description;
  if (spec.tags) dataset.tags = *spec.tags;
  if (spec.owner) dataset.owner = *spec.owner;
  if (spec.retention) dataset.retention = *spec.retention;
  if (spec.schema_mode) dataset.schema_mode = *spec.schema_mode;
  if (spec.record_id_field) dataset.record_id_field = *spec.record_id_field;
  if (spec.sort_key) dataset.sort_key = *spec.sort_key;
  if (spec.keep_rejected) dataset.keep_rejected = *spec.keep_rejected;
  types::SchemaRoles roles{dataset.time_field, dataset.record_id_field, dataset.sort_key};
  return types::CheckRoles(dataset.schema, roles);
}

std::string ListFilter(const DatasetListRequest& request) {
  return request.id_prefix + "\n" + request.tag;
}

}  // namespace

std::string DatasetEtag(const meta::DatasetRecord& dataset) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + 32, static_cast<uint64_t>(dataset.created_at), 36);
  *end++ = '-';
  auto [end2, ec2] = std::to_chars(end, buf + sizeof(buf), dataset.revision);
  return "\"" + std::string(buf, end2) + "\"";
}

Result<meta::DatasetRecord> DatasetService::Create(const Principal& caller, DatasetSpec spec) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, Permission::kDatasetsCreate));
  meta::DatasetRecord dataset;
  dataset.id = spec.id.value_or("");
  dataset.description = spec.description.value_or("");
  dataset.tags = spec.tags.value_or(std::vector<std::string>());
  dataset.owner = spec.owner.value_or(caller.ref);
  dataset.retention = spec.retention.value_or("");
  dataset.time_field = spec.time_field.value_or("");
  dataset.partition_by = spec.partition_by.value_or(meta::PartitionBy::kDay);
  dataset.schema_mode = spec.schema_mode.value_or(meta::SchemaMode::kStrict);
  dataset.record_id_field = spec.record_id_field.value_or("");
  dataset.sort_key = spec.sort_key.value_or(std::vector<std::string>());
  dataset.keep_rejected = spec.keep_rejected.value_or(false);
  types::SchemaRoles roles{dataset.time_field, dataset.record_id_field, dataset.sort_key};
  STRATA_ASSIGN_OR_RETURN(dataset.schema,
                          types::BuildInitialSchema(
                              std::move(spec.fields).value_or(std::vector<types::Field>()), roles));
  dataset.created_at = dataset.updated_at = NowMicros();
  dataset.revision = 1;
  meta::SchemaVersionRecord first;
  first.version = 1;
  first.created_at = dataset.created_at;
  first.author = caller.ref;
  first.changes_json = "[]";
  first.schema = dataset.schema;
  STRATA_RETURN_IF_ERROR(store_.CreateDataset(dataset, first));
  cache_.Invalidate(dataset.id);
  // The creator owns what it creates: the owner role on the new dataset, unless its roles
  // on every dataset already include all of owner's permissions.
  if (!authorizer_.CoversRoleEverywhere(caller, "owner")) {
    meta::GrantRecord grant{NewUlid(),  caller.ref, "owner",
                            dataset.id, caller.ref, dataset.created_at};
    Status granted = store_.identity().CreateGrant(grant);
    if (!granted.ok()) {
      store_.DeleteDataset(dataset.id, std::nullopt).IgnoreError();
      cache_.Invalidate(dataset.id);
      return granted.Annotate("the owner grant could not be stored");
    }
    authorizer_.NoteIdentityChanged();
  }
  // The id is ours now: clear what a crash during an earlier delete may have left, then
  // create the storage. If that fails the dataset is removed again.
  Status storage = backend_.DropDataset(dataset.id);
  if (storage.ok()) storage = backend_.OpenDataset(StorageLayoutOf(dataset));
  if (!storage.ok()) {
    store_.DeleteDataset(dataset.id, std::nullopt).IgnoreError();
    cache_.Invalidate(dataset.id);
    return storage.Annotate("the dataset's storage could not be created");
  }
  return dataset;
}

Result<size_t> DatasetService::OpenAllStorage() {
  size_t failed = 0;
  meta::DatasetListQuery query;
  query.limit = 500;
  while (true) {
    STRATA_ASSIGN_OR_RETURN(std::vector<meta::DatasetRecord> page, store_.ListDatasets(query));
    for (const meta::DatasetRecord& dataset : page) {
      if (!backend_.OpenDataset(StorageLayoutOf(dataset)).ok()) ++failed;
    }
    if (page.size() < query.limit) return failed;
    query.after_id = page.back().id;
  }
}

Result<std::shared_ptr<const DatasetDocument>> DatasetService::Load(std::string_view id) {
  if (std::shared_ptr<const DatasetDocument> cached = cache_.Find(id)) return cached;
  const uint64_t generation = cache_.Generation();
  STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord dataset, store_.GetDataset(id));
  auto document = std::make_shared<DatasetDocument>();
  document->etag = DatasetEtag(dataset);
  JsonWriter writer;
  WriteDatasetJson(writer, dataset);
  document->json = writer.Take();
  document->record = std::move(dataset);
  cache_.Insert(generation, document);
  return std::shared_ptr<const DatasetDocument>(std::move(document));
}

Result<meta::DatasetRecord> DatasetService::Get(const Principal& caller, std::string_view id) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDatasetsRead, id));
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetDocument> document, Load(id));
  return document->record;
}

Result<DatasetService::DatasetView> DatasetService::GetDocument(const Principal& caller,
                                                                std::string_view id) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDatasetsRead, id));
  DatasetView view;
  STRATA_ASSIGN_OR_RETURN(view.document, Load(id));
  Result<types::DatasetStats> stats = backend_.Stats(id);
  if (stats.ok()) view.stats = stats.value();
  return view;
}

Result<Page<meta::DatasetRecord>> DatasetService::List(const Principal& caller,
                                                       const DatasetListRequest& request) {
  // Callers without datasets:read on "*" list the datasets visible to them; the others
  // are skipped as if they did not exist (the cursor names only visible ids).
  const bool sees_all = authorizer_.Has(caller, Permission::kDatasetsRead);
  meta::DatasetListQuery query;
  query.id_prefix = request.id_prefix;
  query.tag = request.tag;
  query.limit = request.page.limit + 1;  // One more tells whether there is a next page.
  if (!request.page.cursor.empty()) {
    STRATA_ASSIGN_OR_RETURN(query.after_id,
                            cursors_.Decode("datasets", ListFilter(request), request.page.cursor));
  }
  std::vector<meta::DatasetRecord> items;
  while (items.size() < query.limit) {
    STRATA_ASSIGN_OR_RETURN(std::vector<meta::DatasetRecord> batch, store_.ListDatasets(query));
    const bool exhausted = batch.size() < query.limit;
    if (!batch.empty()) query.after_id = batch.back().id;
    for (meta::DatasetRecord& dataset : batch) {
      if (items.size() == query.limit) break;
      if (sees_all || authorizer_.CanSee(caller, dataset.id)) items.push_back(std::move(dataset));
    }
    if (exhausted) break;
  }
  Page<meta::DatasetRecord> page;
  if (items.size() > request.page.limit) {
    items.resize(request.page.limit);
    page.next_cursor = cursors_.Encode("datasets", ListFilter(request), items.back().id);
  }
  page.items = std::move(items);
  return page;
}

template <typename Mutate>
Result<meta::DatasetRecord> DatasetService::Modify(const Principal& caller, std::string_view id,
                                                   const Precondition& precondition,
                                                   Mutate&& mutate) {
  for (int attempt = 1;; ++attempt) {
    STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord current, store_.GetDataset(id));
    STRATA_RETURN_IF_ERROR(precondition.Check(DatasetEtag(current)));
    meta::DatasetRecord next = current;
    std::optional<meta::SchemaVersionRecord> version;
    std::optional<uint64_t> access_revision;
    STRATA_RETURN_IF_ERROR(mutate(next, version, access_revision));
    next.revision = current.revision + 1;
    next.updated_at = std::max(NowMicros(), current.updated_at + 1);
    if (version) {
      version->created_at = next.updated_at;
      version->author = caller.ref;
    }
    Status status = store_.UpdateDataset(next, current.revision, version ? &*version : nullptr,
                                         access_revision);
    cache_.Invalidate(id);  // Also on failure: the store may hold a newer revision.
    if (status.ok()) {
      // Storage follows the metadata; after a crash here, start-up opens it from the record.
      Status layout = backend_.UpdateLayout(StorageLayoutOf(next));
      if (!layout.ok()) {
        STRATA_LOG(kError, "storage layout not updated")
            .Str("dataset", next.id)
            .Str("error", layout.ToString());
      }
      return next;
    }
    if (status.code() != StatusCode::kConflict) return status;
    if (precondition.present) {
      return Status::PreconditionFailed(
                 "dataset '" + std::string(id) +
                 "' changed while this request ran; fetch it again and retry")
          .WithErrors({ErrorDetail::Header("If-Match", "no longer current")});
    }
    if (attempt == kMaxAttempts) return status;
  }
}

Result<meta::DatasetRecord> DatasetService::Replace(const Principal& caller, std::string_view id,
                                                    const DatasetSpec& spec,
                                                    const Precondition& precondition) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDatasetsUpdate, id));
  return Modify(caller, id, precondition,
                [&](meta::DatasetRecord& dataset, std::optional<meta::SchemaVersionRecord>&,
                    std::optional<uint64_t>&) {
                  DatasetSpec full = spec;  // PUT: absent mutable attributes take defaults.
                  if (!full.description) full.description = "";
                  if (!full.tags) full.tags.emplace();
                  if (!full.owner) full.owner = dataset.owner;
                  if (!full.retention) full.retention = "";
                  if (!full.schema_mode) full.schema_mode = meta::SchemaMode::kStrict;
                  if (!full.record_id_field) full.record_id_field = "";
                  if (!full.sort_key) full.sort_key.emplace();
                  if (!full.keep_rejected) full.keep_rejected = false;
                  return ApplySpec(full, dataset);
                });
}

Result<meta::DatasetRecord> DatasetService::Update(const Principal& caller, std::string_view id,
                                                   const DatasetSpec& spec,
                                                   const Precondition& precondition) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDatasetsUpdate, id));
  return Modify(caller, id, precondition,
                [&](meta::DatasetRecord& dataset, std::optional<meta::SchemaVersionRecord>&,
                    std::optional<uint64_t>&) { return ApplySpec(spec, dataset); });
}

Status DatasetService::Delete(const Principal& caller, std::string_view id,
                              const Precondition& precondition) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDatasetsDelete, id));
  std::optional<uint64_t> expected_revision;
  if (precondition.present) {
    STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord current, store_.GetDataset(id));
    STRATA_RETURN_IF_ERROR(precondition.Check(DatasetEtag(current)));
    expected_revision = current.revision;
  }
  Status status = store_.DeleteDataset(id, expected_revision);
  cache_.Invalidate(id);
  if (status.code() == StatusCode::kConflict) {
    return Status::PreconditionFailed("dataset '" + std::string(id) +
                                      "' changed while this request ran; fetch it again and retry")
        .WithErrors({ErrorDetail::Header("If-Match", "no longer current")});
  }
  STRATA_RETURN_IF_ERROR(status);
  // The rows go with the dataset. A failure here leaves files that the next Create of this
  // id clears; the dataset itself is already gone.
  Status storage = backend_.DropDataset(id);
  if (!storage.ok()) {
    STRATA_LOG(kError, "dataset files not removed")
        .Str("dataset", id)
        .Str("error", storage.ToString());
  }
  return Status();
}

Result<meta::DatasetRecord> DatasetService::EvolveSchema(const Principal& caller,
                                                         std::string_view id,
                                                         std::vector<types::SchemaChange> changes,
                                                         const Precondition& precondition) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDatasetsUpdate, id));
  return ApplySchemaChanges(caller, id, std::move(changes), precondition);
}

Result<std::shared_ptr<const DatasetDocument>> DatasetService::LoadForData(const Principal& caller,
                                                                           std::string_view id,
                                                                           Permission permission) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, permission, id));
  return Load(id);
}

Result<meta::DatasetRecord> DatasetService::AddInferredFields(const Principal& caller,
                                                              std::string_view id,
                                                              std::vector<types::Field> fields) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDataWrite, id));
  for (int attempt = 0;; ++attempt) {
    STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const DatasetDocument> document, Load(id));
    const meta::DatasetRecord& dataset = document->record;
    if (dataset.schema_mode != meta::SchemaMode::kEvolve) {
      return Status::ValidationFailed("dataset '" + std::string(id) +
                                      "' is in strict mode: unknown fields are rejected")
          .WithProblemCode("schema_strict");
    }
    std::vector<types::SchemaChange> changes;
    for (const types::Field& field : fields) {
      if (dataset.schema.Find(field.name) != nullptr) continue;  // Added concurrently.
      types::SchemaChange change;
      change.op = types::SchemaChange::Op::kAdd;
      change.name = field.name;
      change.field = field;
      change.field.nullable = true;
      changes.push_back(std::move(change));
    }
    if (changes.empty()) return dataset;
    Precondition unchanged;
    unchanged.present = true;
    unchanged.etags.push_back(document->etag);
    Result<meta::DatasetRecord> updated =
        ApplySchemaChanges(caller, id, std::move(changes), unchanged);
    // Another writer changed the dataset first: look again.
    if (updated.status().code() == StatusCode::kPreconditionFailed && attempt < 4) continue;
    return updated;
  }
}

Result<meta::DatasetRecord> DatasetService::ApplySchemaChanges(
    const Principal& caller, std::string_view id, std::vector<types::SchemaChange> changes,
    const Precondition& precondition) {
  return Modify(
      caller, id, precondition,
      [&](meta::DatasetRecord& dataset, std::optional<meta::SchemaVersionRecord>& version,
          std::optional<uint64_t>& access_revision) -> Status {
        std::vector<types::SchemaChange> applied = changes;
        types::SchemaRoles roles{dataset.time_field, dataset.record_id_field, dataset.sort_key};
        const types::Schema before = dataset.schema;
        STRATA_ASSIGN_OR_RETURN(dataset.schema,
                                types::EvolveSchema(dataset.schema, applied, roles));
        STRATA_RETURN_IF_ERROR(
            CheckDropsAgainstPolicies(id, before, dataset.schema, changes, access_revision));
        dataset.time_field = roles.time_field;
        dataset.record_id_field = roles.record_id_field;
        dataset.sort_key = roles.sort_key;
        JsonWriter writer;
        writer.BeginArray();
        for (const types::SchemaChange& change : applied) {
          types::WriteSchemaChangeJson(writer, change);
        }
        writer.EndArray();
        version.emplace();
        version->version = dataset.schema.version;
        version->changes_json = writer.Take();
        version->schema = dataset.schema;
        return Status();
      });
}

Status DatasetService::CheckDropsAgainstPolicies(std::string_view id, const types::Schema& before,
                                                 const types::Schema& after,
                                                 const std::vector<types::SchemaChange>& changes,
                                                 std::optional<uint64_t>& access_revision) {
  std::vector<const types::Field*> dropped;
  for (const types::Field& field : before.fields) {
    bool kept = false;
    for (const types::Field& now : after.fields) kept = kept || now.id == field.id;
    if (!kept) dropped.push_back(&field);
  }
  if (dropped.empty()) return Status();
  STRATA_ASSIGN_OR_RETURN(meta::DatasetPoliciesRecord stored,
                          store_.identity().GetDatasetPolicies(id));
  STRATA_ASSIGN_OR_RETURN(security::DatasetPolicies policies,
                          security::DatasetPoliciesFromJson(stored.body));
  // The schema is written only if the access is still at this revision, so a policy stored
  // meanwhile cannot start using a field this change drops.
  access_revision = stored.revision;
  std::vector<ErrorDetail> errors;
  for (const types::Field* field : dropped) {
    const std::vector<std::string> users = PoliciesUsingField(policies, *field);
    if (users.empty()) continue;
    std::string pointer = "/changes";
    for (size_t i = 0; i < changes.size(); ++i) {
      if (changes[i].op == types::SchemaChange::Op::kDrop && changes[i].name == field->name) {
        pointer = json::PointerAppend(json::PointerAppend("/changes", i), "name");
      }
    }
    std::string detail = "field '" + field->name + "' cannot be dropped: ";
    for (size_t i = 0; i < users.size(); ++i) detail += (i == 0 ? "" : ", ") + users[i];
    detail += users.size() == 1 ? " uses it" : " use it";
    detail += "; remove or change them first (DELETE /v1/datasets/" + std::string(id) +
              "/access/{kind}/{name})";
    errors.push_back(ErrorDetail::Pointer(std::move(pointer), std::move(detail)));
  }
  if (errors.empty()) return Status();
  std::string message = errors[0].detail;
  return Status::Conflict(message).WithProblemCode("field_in_use").WithErrors(std::move(errors));
}

Result<Page<meta::SchemaVersionRecord>> DatasetService::ListSchemaVersions(
    const Principal& caller, std::string_view id, const PageRequest& request) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDatasetsRead, id));
  uint32_t after = 0;
  if (!request.cursor.empty()) {
    STRATA_ASSIGN_OR_RETURN(std::string payload,
                            cursors_.Decode("schema_versions", id, request.cursor));
    auto [ptr, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), after);
    if (ec != std::errc()) return Status::Internal("cursor payload is not a version");
  }
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::SchemaVersionRecord> items,
                          store_.ListSchemaVersions(id, after, request.limit + 1));
  Page<meta::SchemaVersionRecord> page;
  if (items.size() > request.limit) {
    items.resize(request.limit);
    page.next_cursor = cursors_.Encode("schema_versions", id, std::to_string(items.back().version));
  }
  page.items = std::move(items);
  return page;
}

Result<meta::SchemaVersionRecord> DatasetService::GetSchemaVersion(const Principal& caller,
                                                                   std::string_view id,
                                                                   uint32_t version) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kDatasetsRead, id));
  return store_.GetSchemaVersion(id, version);
}

}  // namespace strata::service
