// Binder: turns a parsed statement into a typed QueryPlan. It resolves FROM against the
// catalog, names against the schema (suggesting near names), types every expression and
// coerces its arguments, binds parameters as values (never as text), checks aggregation
// rules, and applies the caller's PolicyContext — the one place where row and field
// policies enter a read (sql/policy_context.h).
//
// Errors: InvalidArgument with problem code "sql_semantic" (unknown names, type errors,
// misuse of aggregates, missing parameters) and the position of the offending node;
// PermissionDenied "field_denied" naming a field a deny policy withholds; Conflict
// "row_policy_invalid" when a row policy no longer binds (its text is not shown).
// Thread safety: a Bind call is self-contained.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sql/ast.h"
#include "sql/catalog.h"
#include "sql/policy_context.h"
#include "sql/query_plan.h"

namespace strata::sql {

using ParamMap = std::map<std::string, types::Value, std::less<>>;

struct BindOptions {
  Catalog* catalog = nullptr;        // Required; also supplies each dataset's PolicyContext.
  const ParamMap* params = nullptr;  // "$1" binds "1", "$from" and ":from" bind "from".
  int64_t now_micros = 0;            // now(), the same for the whole statement.
  std::string_view sql;              // The statement text: names unaliased outputs.
};

struct BoundStatement {
  bool explain = false;
  bool analyze = false;
  QueryPlan plan;
};

Result<BoundStatement> Bind(const Statement& statement, const BindOptions& options);

}  // namespace strata::sql
