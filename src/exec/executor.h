// Executor: runs a QueryPlan (sql/query_plan.h) vectorized, batch at a time.
//
// The scan runs on `parallelism` threads; each thread filters its batches and either
// aggregates into its own group table (merged at the end) or projects rows. Plans without
// aggregation, DISTINCT or ORDER BY stream their rows to the sink as batches arrive and stop
// the scan once LIMIT is reached; the others are finished after the scan (merge, HAVING,
// DISTINCT, sort — a top-N when LIMIT is small — OFFSET, LIMIT).
//
// Limits: memory held by group tables, aggregate states and buffered rows is counted against
// `memory_limit_bytes` (422 query_memory_limit); `deadline` (504 query_timeout) and
// `cancellation` (the client went away) are checked between batches. Each answers a clear
// error and releases everything the query held.
// Thread safety: Execute is reentrant; a plan may be executed by several queries at once.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/cancellation.h"
#include "common/result.h"
#include "exec/row_sink.h"
#include "sql/query_plan.h"
#include "types/scan_spec.h"

namespace strata::exec {

using ScanFunction = std::function<Result<types::ScanStats>(
    const std::string& dataset, const types::ScanSpec& spec, const types::BatchSink& sink)>;

struct ExecOptions {
  int parallelism = 1;
  int64_t memory_limit_bytes = 0;  // 0: unlimited.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  CancellationPtr cancellation;  // May be null.
  int64_t snapshot_seq = 0;      // 0: the latest committed state.
};

struct ExecStats {
  types::ScanStats scan;
  uint64_t rows_returned = 0;
  int64_t peak_memory_bytes = 0;
};

Result<ExecStats> Execute(const sql::QueryPlan& plan, const ScanFunction& scan,
                          const ExecOptions& options, RowSink& sink);

// The result columns of `plan` (its visible outputs).
std::vector<ResultColumn> ResultColumns(const sql::QueryPlan& plan);

}  // namespace strata::exec
