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

// The top-level AND operands of `expr` (moved out of it).
std::vector<BoundExprPtr> SplitConjuncts(BoundExprPtr expr);
// AND of `conjuncts`; null when empty.
BoundExprPtr JoinConjuncts(std::vector<BoundExprPtr> conjuncts);

}  // namespace strata::sql
