// RecordsService: the REST read paths over a dataset's rows besides SQL (docs/api.md
// "Records" and "Changes"), built on the same binder as queries so that every policy applies:
//
//   List    GET /v1/datasets/{id}/records: fields, a filter in the SQL expression grammar,
//           a sort, keyset pagination on (sort key, sequence number) at a pinned snapshot.
//   Delete  DELETE /v1/datasets/{id}/records?filter=: delete by predicate in storage, in
//           three steps (PrepareDelete, CountDelete, CommitDelete) that JobService composes
//           into the synchronous answer or a delete job (job_service.h "Delete jobs").
//   Changes GET /v1/datasets/{id}/changes: rows committed after a cursor, in commit order.
//
// Thread safety: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/cancellation.h"
#include "exec/row_sink.h"
#include "service/query_service.h"

namespace strata::service {

struct SortField {
  std::string name;
  bool descending = false;
};

struct RecordsRequest {
  std::string dataset;
  std::vector<std::string> fields;  // Empty: every field the caller may see.
  std::string filter;               // Expression text; empty: every row.
  std::vector<SortField> sort;      // Empty: the time field if any; always then by sequence.
  int64_t limit = 100;
  std::string cursor;
  CancellationPtr cancellation;
  audit::RequestIds audit_ids;  // The request the data.read entry names.
};

// A page of rows: columns[0, visible) are the requested fields.
struct RecordsPage {
  std::vector<exec::ResultColumn> columns;
  std::vector<types::ColumnVector> rows;  // One vector per column.
  size_t num_rows = 0;
  std::string next_cursor;  // "" on the last page (records); always set for changes.
};

struct ChangesRequest {
  std::string dataset;
  std::string since;  // A cursor from an earlier answer; "" = from the first row.
  int64_t limit = 100;
  CancellationPtr cancellation;
  audit::RequestIds audit_ids;  // The request the data.read entry names.
};

// A delete checked and bound for one caller (RecordsService::PrepareDelete): what storage
// applies, and the count(*) plan of the rows it matches (the caller's row policies
// included). Move-only.
struct PreparedDelete {
  std::string dataset;
  std::vector<types::Predicate> predicates;
  sql::QueryPlan count;
};

class RecordsService {
 public:
  RecordsService(QueryService& queries, DatasetService& datasets,
                 const security::Authorizer& authorizer, CursorCodec cursors)
      : queries_(queries),
        datasets_(datasets),
        authorizer_(authorizer),
        cursors_(std::move(cursors)) {}

  // Errors: 400 invalid_parameter (fields, sort, limit), sql_syntax / sql_semantic on the
  // filter (error on parameter "filter"), invalid_cursor; 404 for an unknown dataset.
  // List and Changes append a data.read entry (read_audit.h) before they return a page.
  Result<RecordsPage> List(const security::Principal& caller, const RecordsRequest& request);

  // Checks a delete of the rows matching `filter`, which must be a conjunction of
  // `field op constant` and `field IN (...)` so that storage can apply it (with the row
  // policies that apply to the caller). Needs data:delete. Errors: 404 for an unknown or
  // invisible dataset, 403, 400 invalid_parameter (empty filter), sql_syntax, sql_semantic,
  // unsupported_filter (each on parameter "filter").
  Result<PreparedDelete> PrepareDelete(const security::Principal& caller,
                                       const std::string& dataset, const std::string& filter);
  // How many rows the delete matches now.
  Result<int64_t> CountDelete(const PreparedDelete& prepared);
  // Commits the delete in storage (DataBackend::DeleteWhere): the rows it matches now
  // disappear from every later read. Returns the delete's sequence number. Committing the
  // same delete again deletes nothing more than rows matching it appended since.
  Result<int64_t> CommitDelete(const PreparedDelete& prepared);
  // Prepare, count, and commit when anything matched: the synchronous delete. Answers how
  // many rows matched at the moment before the delete.
  Result<int64_t> Delete(const security::Principal& caller, const std::string& dataset,
                         const std::string& filter);

  // Rows with seq greater than the cursor's, in sequence order, with a `_seq` column last.
  // Errors: 409 resync_required when a delete or retention removed rows after the cursor
  // (the client must re-read the dataset), invalid_cursor.
  Result<RecordsPage> Changes(const security::Principal& caller, const ChangesRequest& request);

 private:
  QueryService& queries_;
  DatasetService& datasets_;
  const security::Authorizer& authorizer_;
  CursorCodec cursors_;
};

}  // namespace strata::service
