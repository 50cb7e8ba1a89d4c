// Constant folding: replaces every function call whose arguments are all constants by its
// value, computed with the same kernels as at run time (so folding never changes a result).
// Runs before predicate pushdown, which needs `time >= now() - INTERVAL '1 hour'` folded.
// Thread safety: pure function of the plan.
#pragma once

#include "common/status.h"
#include "sql/query_plan.h"

namespace strata::exec {

// Errors are those of evaluation (e.g. an invalid cast of a constant string).
Status FoldConstants(sql::QueryPlan& plan);
Status FoldConstants(sql::BoundExprPtr& expr);

}  // namespace strata::exec
