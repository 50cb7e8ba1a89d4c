// Predicate pushdown: moves the conjuncts of a dataset plan's filter that the scan can apply
// itself — `column op constant` and `column IN (constants)` — into its ScanSpec: time field
// bounds become the scan's time range (partition and zone-map pruning), the rest become scan
// predicates (zone-map pruning and exact filtering in storage). What cannot move stays in
// plan.filter. Constants must already be folded (exec/constant_folding.h).
// Thread safety: pure function of the plan.
#pragma once

#include "sql/query_plan.h"

namespace strata::sql {

void PushDownPredicates(QueryPlan& plan);

// DISTINCT ON (k) ... ORDER BY k, o DESC [, ...] over a dataset, with k and o plain fields:
// only each key's rows with the greatest o can be in the result, so the scan is told so
// (ScanSpec::latest_per_key) when nothing left in plan.filter reads a field other than k and
// the scan's predicates keep each key's latest row (types::KeepsLatestPerKey). Call after
// PushDownPredicates.
void PushDownLatestPerKey(QueryPlan& plan);

// The top-level AND operands of `expr` (moved out of it).
std::vector<BoundExprPtr> SplitConjuncts(BoundExprPtr expr);
// AND of `conjuncts`; null when empty.
BoundExprPtr JoinConjuncts(std::vector<BoundExprPtr> conjuncts);

}  // namespace strata::sql
