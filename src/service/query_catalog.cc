#include "service/query_catalog.h"

namespace strata::service {
namespace {

// `record` as the policies see it when the read binds against the older `schema`: that
// version's fields, each tagged pii when it is tagged so in either version (a tag added later
// still protects data read through an older version).
meta::DatasetRecord PolicyView(const meta::DatasetRecord& record, const types::Schema& schema) {
  meta::DatasetRecord view = record;
  view.schema = schema;
  for (types::Field& field : view.schema.fields) {
    for (const types::Field& current : record.schema.fields) {
      if (current.id == field.id) field.pii = field.pii || current.pii;
    }
  }
  return view;
}

}  // namespace

PolicyResolver AllowAllPolicies() {
  return [](const security::Principal&, const meta::DatasetRecord&) -> Result<sql::PolicyContext> {
    return sql::PolicyContext();
  };
}

std::optional<sql::TableInfo> QueryCatalog::Find(std::string_view name) {
  if (only_ && name != *only_) return std::nullopt;
  Result<std::shared_ptr<const DatasetDocument>> document =
      datasets_.LoadForData(caller_, name, security::Permission::kDataRead);
  if (!document.ok()) {
    if (document.status().code() != StatusCode::kNotFound && error_.ok()) {
      error_ = document.status();
    }
    return std::nullopt;
  }
  const meta::DatasetRecord& record = (*document)->record;
  sql::TableInfo table;
  table.name = record.id;
  table.schema = record.schema;
  if (schema_version_ && *schema_version_ != record.schema.version) {
    Result<meta::SchemaVersionRecord> version =
        datasets_.GetSchemaVersion(caller_, name, *schema_version_);
    if (!version.ok()) {
      if (error_.ok()) {
        error_ =
            version.status().code() == StatusCode::kNotFound
                ? Status::InvalidArgument("dataset '" + record.id + "' has no schema version " +
                                          std::to_string(*schema_version_))
                      .WithProblemCode("unknown_schema_version")
                : version.status();
      }
      return std::nullopt;
    }
    table.schema = version->schema;
  }
  if (const types::Field* time = table.schema.Find(record.time_field)) {
    if (time->type == types::DataType::kTimestamp) table.time_field_id = time->id;
  }
  Result<sql::PolicyContext> policy = table.schema.version == record.schema.version
                                          ? policies_(caller_, record)
                                          : policies_(caller_, PolicyView(record, table.schema));
  if (!policy.ok()) {
    if (error_.ok()) error_ = policy.status();
    return std::nullopt;
  }
  table.policy = std::move(*policy);
  restricts_rows_ = restricts_rows_ || table.policy.restricts_rows();
  row_filters_ += table.policy.row_filters.size();
  fingerprint_ +=
      record.id + ":" + std::to_string(table.schema.version) + ":" + table.policy.fingerprint + ";";
  return table;
}

std::vector<std::string> QueryCatalog::Names() {
  if (only_) return {*only_};
  DatasetListRequest request;
  request.page.limit = kMaxPageSize;
  Result<Page<meta::DatasetRecord>> page = datasets_.List(caller_, request);
  std::vector<std::string> names;
  if (!page.ok()) return names;
  for (const meta::DatasetRecord& record : page->items) names.push_back(record.id);
  return names;
}

}  // namespace strata::service
