// QueryCatalog: the sql::Catalog of one request — the datasets the caller may read
// (data:read), at the schema version the request pins, each with the caller's PolicyContext
// from the PolicyResolver. Every read path (query, records, changes) binds through it.
// Thread safety: one catalog per request.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "security/principal.h"
#include "service/dataset_service.h"
#include "sql/catalog.h"

namespace strata::service {

// The caller's row and field policies on a dataset. `dataset.schema` is the schema version
// the read binds against (a pinned older version included, with `pii` tags merged from the
// current version by field id). MakePolicyResolver (service/policy_resolver.h) enforces the
// dataset's policies; AllowAllPolicies lets every caller that may read a dataset read all
// of it.
using PolicyResolver = std::function<Result<sql::PolicyContext>(
    const security::Principal& caller, const meta::DatasetRecord& dataset)>;

PolicyResolver AllowAllPolicies();

class QueryCatalog : public sql::Catalog {
 public:
  // `only`: when set, the single dataset the request may name (dataset-scoped routes).
  QueryCatalog(DatasetService& datasets, const PolicyResolver& policies,
               const security::Principal& caller, std::optional<std::string> only,
               std::optional<uint32_t> schema_version)
      : datasets_(datasets),
        policies_(policies),
        caller_(caller),
        only_(std::move(only)),
        schema_version_(schema_version) {}

  std::optional<sql::TableInfo> Find(std::string_view name) override;
  std::vector<std::string> Names() override;

  // The first error met while resolving (e.g. storage unavailable, a bad schema_version),
  // which the binder would otherwise report as an unknown dataset.
  const Status& error() const { return error_; }
  // Schema versions and policy fingerprints of the datasets resolved so far (cache keys).
  const std::string& policy_fingerprint() const { return fingerprint_; }
  // Whether a row policy hides rows of some dataset resolved so far from the caller.
  bool restricts_rows() const { return restricts_rows_; }
  // Row-policy filters of the datasets resolved so far (the audit log records it).
  size_t row_filters() const { return row_filters_; }

 private:
  DatasetService& datasets_;
  const PolicyResolver& policies_;
  const security::Principal& caller_;
  std::optional<std::string> only_;
  std::optional<uint32_t> schema_version_;
  Status error_;
  std::string fingerprint_;
  bool restricts_rows_ = false;
  size_t row_filters_ = 0;
};

}  // namespace strata::service
