// EXPLAIN: the plan as text lines, source first, one stage per line (indented details), with
// the scan's pruning and, for EXPLAIN ANALYZE, what the run did.
// Thread safety: pure function.
#pragma once

#include <string>
#include <vector>

#include "exec/executor.h"
#include "sql/query_plan.h"

namespace strata::exec {

// `pruning`: the scan's plan-only statistics of the outermost dataset scan (may be null).
// `analyzed`: statistics of an actual run (EXPLAIN ANALYZE; may be null).
std::vector<std::string> ExplainPlan(const sql::QueryPlan& plan, const types::ScanStats* pruning,
                                     const ExecStats* analyzed, double elapsed_ms);

}  // namespace strata::exec
