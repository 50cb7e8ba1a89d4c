// QueryPlan: what the binder and planner make of a SELECT — one pipeline of stages over a
// source, which the executor (src/exec) runs:
//
//   source (dataset scan, or the rows of an inner plan)
//     -> filter            (residual WHERE and row policy; the rest is pushed into the scan)
//     -> aggregate         (GROUP BY keys + aggregate calls)    | or projection only
//     -> having            (over keys and aggregates)
//     -> output columns    (select list, plus hidden sort keys)
//     -> distinct / distinct on
//     -> order by, offset, limit
//
// Slots: stage expressions refer to the slots of their input. Filter, group keys and
// aggregate arguments read scan slots (scan.field_ids order, or the inner plan's output
// columns). With aggregation, having and output expressions read the aggregate stage's
// slots: keys first, then aggregate results. Order-by keys and distinct-on keys read the
// output columns (visible ones first, then hidden ones).
// Thread safety: immutable once planned; shared read-only by the executor's threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/bound_expr.h"
#include "types/data_type.h"
#include "types/scan_spec.h"

namespace strata::sql {

enum class AggKind {
  kCount,                // count(x): non-NULL values.
  kCountStar,            // count(*).
  kCountDistinct,        // count(DISTINCT x).
  kApproxCountDistinct,  // HyperLogLog, ~1% standard error.
  kSum,                  // int64 -> int64 (overflow is an error); float64 -> float64.
  kAvg,                  // -> float64.
  kMin,
  kMax,
  kStddev,    // Sample standard deviation -> float64; NULL for fewer than 2 values.
  kQuantile,  // quantile(x, q) with q in [0, 1], exact (linear interpolation) -> float64.
  kFirst,     // first(x): the value at the smallest time; args[1] is the time column.
  kLast,      // last(x): the value at the largest time.
};

std::string_view AggName(AggKind kind);

struct AggregateCall {
  AggKind kind = AggKind::kCountStar;
  std::vector<BoundExprPtr> args;                  // Over the source slots; none for count(*).
  types::DataType type = types::DataType::kInt64;  // Result type.
  double quantile = 0.5;                           // kQuantile.

  AggregateCall Clone() const;
};

struct OutputColumn {
  std::string name;
  types::DataType type = types::DataType::kInt64;
  BoundExprPtr expr;
};

struct SortKey {
  int column = 0;  // Output column (visible or hidden).
  bool descending = false;
  bool nulls_first = false;  // Default: NULLs last ascending, first descending (PostgreSQL).
};

struct SourceColumn {
  std::string name;
  types::DataType type = types::DataType::kInt64;
};

struct QueryPlan {
  // Source: a dataset scan when inner is null.
  std::string dataset;
  types::ScanSpec scan;  // field_ids, time range, pushed predicates (snapshot set at run).
  std::unique_ptr<QueryPlan> inner;
  std::vector<SourceColumn> source_columns;  // One per source slot.
  std::optional<uint32_t> time_field_id;     // The dataset's time field, for pushdown.
  // Dataset sources: when set, the slot after the scan fields holds each row's sequence
  // number (int64), e.g. as a pagination tie-breaker.
  bool needs_seqs = false;

  BoundExprPtr filter;  // Null: none.

  bool aggregate = false;  // GROUP BY or aggregate calls present (also with no keys).
  std::vector<BoundExprPtr> group_keys;
  std::vector<AggregateCall> aggregates;
  BoundExprPtr having;

  std::vector<OutputColumn> outputs;  // Visible first: columns[0, visible_columns).
  size_t visible_columns = 0;

  bool distinct = false;
  std::vector<int> distinct_on;  // Output columns; the first row per key in sort order.
  std::vector<SortKey> order_by;
  int64_t offset = 0;
  std::optional<int64_t> limit;

  QueryPlan Clone() const;
};

}  // namespace strata::sql
