// PolicyContext: what the caller's row and field policies require of one read. The binder is
// the only consumer: every read path (query, records, changes, later subscriptions and
// exports) binds through it, so a policy cannot be bypassed by choosing another endpoint.
//
// Row filters: expressions in the query grammar, already specialised to the caller (the
// security layer substitutes `$user.<attribute>`); a row is visible iff it satisfies all of
// them. They are applied before anything else, so aggregates, cursors and DISTINCT see only
// visible rows. Field actions: per field, what the caller sees of it.
// Thread safety: plain value.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sql/ast.h"

namespace strata::sql {

enum class FieldAction {
  kAllow,
  kDeny,  // The field does not exist for the caller: absent from `*`, unknown by name.
  kNull,  // The field reads as NULL everywhere (filters, grouping, output).
};

struct PolicyContext {
  std::vector<ExprPtr> row_filters;
  std::map<std::string, FieldAction, std::less<>> field_actions;  // By field name; absent: allow.
  // Identifies the policies for cache keys: equal fingerprints bind every query the same way.
  std::string fingerprint;

  FieldAction ActionFor(std::string_view field) const {
    auto it = field_actions.find(field);
    return it == field_actions.end() ? FieldAction::kAllow : it->second;
  }
};

}  // namespace strata::sql
