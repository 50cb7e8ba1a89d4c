// Auditing of data reads (docs/security.md "Audit log"): the `data.read` entry that every
// read path (query, records, changes) appends, and the facts it records.
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_event.h"
#include "sql/query_plan.h"

namespace strata::service {

struct DataRead {
  std::string via;                  // "query", "records" or "changes".
  std::string dataset;              // The dataset scanned; "" when none.
  std::vector<std::string> fields;  // Read from storage, also those only filtered on.
  std::string policies;             // Fingerprint of the caller's policies (QueryCatalog).
  size_t row_filters = 0;           // Row-policy filters applied.
  uint64_t rows = 0;                // Rows returned.
  std::string fingerprint;          // QueryFingerprint of the statement.
};

// Appends the read's `data.read` entry (status 200: the answer or stream had begun; outcome
// error with the problem code when `result` failed). OK when `sink` is null (auditing off).
Status AuditDataRead(audit::AuditSink* sink, std::string_view principal,
                     const audit::RequestIds& ids, const DataRead& read, const Status& result);

// 32 hex digits identifying a statement's shape: SHA-256 of its tokens with keywords in upper
// case, literals replaced by '?', and whitespace and comments dropped. Parameters keep their
// names; their values are not part of it.
std::string QueryFingerprint(std::string_view statement);

// Fills read.dataset and read.fields from the source of `plan`.
void DescribeRead(const sql::QueryPlan& plan, DataRead& read);

}  // namespace strata::service
