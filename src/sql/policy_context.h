// PolicyContext: what the caller's row and field policies require of one read. The binder is
// the only consumer: every read path (query, records, changes, later subscriptions and
// exports) binds through it, so a policy cannot be bypassed by choosing another endpoint.
// The service layer compiles it from the dataset's policies (service/policy_compiler.h).
//
// Row filters: expressions in the query grammar, already specialised to the caller (the
// compiler substitutes `$user.<attribute>` as literals). A row is visible iff it satisfies
// all of them. They read the stored values (never the transformed ones) and are evaluated
// before any expression of the statement, so aggregates, cursors and DISTINCT see only
// visible rows, and no user expression ever runs on a hidden row.
//
// Field rules, by stable field id (so renames and pinned schema versions cannot dodge
// them): what the caller sees of each field. Absent: allowed.
// Thread safety: plain value; the transforms it points at are immutable and shared.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sql/ast.h"
#include "sql/value_transform.h"

namespace strata::sql {

enum class FieldAction {
  kAllow,
  kDeny,      // Absent from `*`; naming it is a 403 field_denied problem.
  kNull,      // Reads as NULL everywhere (filters, grouping, output), with the field's type.
  kMask,      // Strings: the transform's mask (string). Other types read as NULL.
  kHash,      // The transform's keyed hash (string), whatever the field's type.
  kTokenize,  // The transform's reversible token (string), whatever the field's type.
};

// "allow", "deny", "null", "mask", "hash", "tokenize".
std::string_view FieldActionName(FieldAction action);

struct FieldRule {
  FieldAction action = FieldAction::kAllow;
  // REQUIRED for kMask, kHash and kTokenize (the binder refuses to bind without it); unused
  // otherwise.
  std::shared_ptr<const ValueTransform> transform;
};

struct PolicyContext {
  std::vector<ExprPtr> row_filters;
  std::map<uint32_t, FieldRule> field_rules;  // By field id.
  // Identifies the compiled policies for cache keys: equal fingerprints bind every query the
  // same way. Empty iff nothing restricts the caller.
  std::string fingerprint;

  const FieldRule& RuleFor(uint32_t field_id) const {
    static const FieldRule kAllowed;
    auto it = field_rules.find(field_id);
    return it == field_rules.end() ? kAllowed : it->second;
  }
  // Whether some row may be hidden from the caller.
  bool restricts_rows() const { return !row_filters.empty(); }
};

}  // namespace strata::sql
