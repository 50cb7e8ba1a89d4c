// QueryService: SQL over datasets (DESIGN.md "Query language"; docs/query.md). Prepare
// parses, binds (through QueryCatalog, where the caller's policies apply), folds constants,
// pushes predicates into the scan and checks limits; the prepared query then runs into any
// RowSink — a JSON page, or an NDJSON/CSV stream — with the node's limits on time, memory
// and rows.
//
// Pagination (CONVENTIONS.md §10): a JSON result longer than its page answers a next_cursor.
// The cursor is opaque and HMAC-signed (service/cursor.h); it carries the statement, its
// parameters, the caller, the snapshot sequence of the first page and the position reached.
// Every page reads that snapshot, in a total order (the query's ORDER BY, then the row
// sequence number or the remaining output columns as tie-breakers), so pages neither repeat
// nor skip rows while ingestion continues. Tampered, expired or another caller's cursors
// answer 400 invalid_cursor.
// Thread safety: thread-safe; a PreparedQuery belongs to one request.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "audit/audit_event.h"
#include "backend/data_backend.h"
#include "common/cancellation.h"
#include "common/json.h"
#include "exec/executor.h"
#include "service/cursor.h"
#include "service/dataset_service.h"
#include "service/query_catalog.h"
#include "service/result_cache.h"
#include "service/result_format.h"
#include "sql/binder.h"

namespace strata::service {

struct QueryLimits {
  int64_t timeout_ms = 30'000;             // query.timeout_ms
  int64_t memory_limit_bytes = 1ll << 30;  // query.memory_limit_bytes
  int64_t max_rows = 10'000;               // query.max_rows: page size cap and default
  int parallelism = 2;                     // query.parallelism: scan threads per query
  size_t max_sql_bytes = 256 << 10;        // Longer statements: 413.
  int64_t cursor_ttl_seconds = 3600;       // query.cursor_ttl_seconds
  int64_t cache_bytes = 64ll << 20;        // query.cache_bytes; 0 disables the cache
};

struct QueryRequest {
  // Dataset-scoped route: the only dataset FROM may name. Empty for /v1/query.
  std::string dataset;
  std::string sql;     // May be empty when `cursor` is set.
  json::Value params;  // null, an object ($name) or an array ($1, $2, ...).
  std::optional<int64_t> limit;
  std::string cursor;
  std::optional<int64_t> timeout_ms;
  std::optional<uint32_t> schema_version;
  ResultFormat format = ResultFormat::kJson;
  CancellationPtr cancellation;  // May be null.
  audit::RequestIds audit_ids;   // The request the data.read entry names.
};

struct QueryOutcome {
  exec::ExecStats stats;
  double elapsed_ms = 0;
  std::string next_cursor;  // JSON format only; "" on the last page.
  // Streamed formats: the result had more rows than query.max_rows and was cut (the caller
  // reports row_limit_exceeded).
  bool row_limit_exceeded = false;
  bool cache_hit = false;  // Served from the result cache (Strata-Cache: hit).
};

class PreparedQuery;

class QueryService {
 public:
  // Every reference must outlive the service.
  QueryService(DatasetService& datasets, backend::DataBackend& backend, CursorCodec cursors,
               QueryLimits limits, PolicyResolver policies = AllowAllPolicies());
  ~QueryService();

  // Errors: InvalidArgument sql_syntax / sql_semantic / invalid_cursor / invalid_parameter,
  // PermissionDenied, NotFound (dataset-scoped route), PayloadTooLarge (statement size).
  Result<std::unique_ptr<PreparedQuery>> Prepare(const security::Principal& caller,
                                                 const QueryRequest& request);

  const QueryLimits& limits() const { return limits_; }

  // Where reads through this service and RecordsService append their data.read entries
  // (read_audit.h); null (the default) audits nothing. REQUIRES: called before the service
  // serves requests; `sink` outlives it.
  void SetAuditSink(audit::AuditSink* sink) { audit_ = sink; }
  audit::AuditSink* audit_sink() const { return audit_; }

  // For the other read paths (records, changes, deletes), which build their statements
  // themselves: binds `statement` through the caller's catalog (permissions and policies
  // apply), folds constants and pushes predicates into the scan. `scope` restricts FROM to
  // one dataset. `restricts_rows` (optional) is set when a row policy hides rows from the
  // caller; `row_filters` (optional) to the number of row-policy filters applied (the audit
  // log records it). Errors as Prepare's.
  Result<sql::BoundStatement> BindStatement(
      const security::Principal& caller, const sql::Statement& statement, std::string_view text,
      const sql::ParamMap* params, const std::string& scope, std::optional<uint32_t> schema_version,
      int64_t now_micros, std::string* policy_fingerprint = nullptr, bool* restricts_rows = nullptr,
      size_t* row_filters = nullptr);
  // Runs `plan` with the node's limits; `snapshot_seq` 0 reads the latest state.
  Result<exec::ExecStats> Execute(const sql::QueryPlan& plan, exec::RowSink& sink,
                                  int64_t snapshot_seq, CancellationPtr cancellation);
  backend::DataBackend& backend() { return backend_; }

 private:
  friend class PreparedQuery;
  // The result cache key of a first page, or "" when the dataset's version is unknown.
  std::string CacheKey(const sql::QueryPlan& plan, const std::string& fingerprint,
                       int64_t page_rows);

  DatasetService& datasets_;
  backend::DataBackend& backend_;
  CursorCodec cursors_;
  QueryLimits limits_;
  PolicyResolver policies_;
  ResultCache cache_;
  audit::AuditSink* audit_ = nullptr;
};

class PreparedQuery {
 public:
  PreparedQuery(QueryService& service, sql::BoundStatement statement, const QueryRequest& request);

  const std::vector<exec::ResultColumn>& columns() const { return columns_; }
  ResultFormat format() const { return format_; }
  // Threads a query may use (query.parallelism), for the scan and for encoding its result.
  int parallelism() const;

  // Runs the query; the rows of the page (JSON) or of the whole result (streams) go to
  // `sink`. Errors: query_timeout (504), query_memory_limit (422), query_cancelled, and
  // evaluation errors such as numeric_overflow (400).
  // When a row policy hides rows from the caller, the outcome's scan statistics (rows and
  // bytes scanned, partitions and chunks pruned) are zero: they count hidden rows too, and
  // pushed predicates would turn them into an oracle on hidden values. EXPLAIN then omits the
  // pruning line and reports zero scan statistics for the same reason.
  // Appends the data.read entry before it
  // returns (a failed JSON run is left to the front door, which knows its status); when that
  // fails, so does Run (503 audit_unavailable).
  Result<QueryOutcome> Run(exec::RowSink& sink);

 private:
  friend class QueryService;
  Result<QueryOutcome> RunUnaudited(exec::RowSink& sink);
  Result<QueryOutcome> RunPage(exec::RowSink& sink);
  Result<QueryOutcome> RunExplain(exec::RowSink& sink);
  // The cursor of the page after this one, reading at `snapshot`.
  std::string NextCursor(int64_t snapshot) const;
  exec::ExecOptions ExecutionOptions() const;
  exec::ScanFunction ScanFunction() const;

  QueryService& service_;
  sql::BoundStatement statement_;
  std::vector<exec::ResultColumn> columns_;
  ResultFormat format_;
  CancellationPtr cancellation_;
  std::chrono::steady_clock::time_point deadline_;

  // Pagination state.
  std::string caller_;
  std::string sql_;
  std::string params_json_;
  std::string scope_;
  std::optional<uint32_t> schema_version_;
  int64_t now_micros_ = 0;
  int64_t snapshot_seq_ = 0;        // 0: take the latest on the first page.
  int64_t position_ = 0;            // Rows of the result already returned by earlier pages.
  int64_t page_rows_ = 0;           // Rows this response may return.
  bool redact_scan_stats_ = false;  // A row policy applies (see Run).
  bool explicit_limit_ = false;
  std::optional<int64_t> sql_limit_;
  int64_t sql_offset_ = 0;
  std::string cache_key_;  // Empty: the result is not cached (later pages, streams, EXPLAIN).
  audit::RequestIds audit_ids_;
  std::string policies_;  // Policy fingerprint, for the audit entry.
  size_t row_filters_ = 0;
  // First JSON page of a statement without a total order: the plan in the statement's own
  // order, tried first (Run); `statement_.plan` adds tie-breakers for when it needs pages.
  std::optional<sql::QueryPlan> single_page_plan_;
  // Receives nothing; the target of a first attempt whose rows are recorded.
  class NullSink : public exec::RowSink {
   public:
    Status Begin(const std::vector<exec::ResultColumn>&) override { return Status(); }
    Status Write(const std::vector<types::ColumnVector>&, size_t, size_t) override {
      return Status();
    }
  } discard_;
};

}  // namespace strata::service
