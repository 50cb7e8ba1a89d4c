#include "sql/policy_context.h"

namespace strata::sql {

std::string_view FieldActionName(FieldAction action) {
  switch (action) {
    case FieldAction::kAllow: return "allow";
    case FieldAction::kDeny: return "deny";
    case FieldAction::kNull: return "null";
    case FieldAction::kMask: return "mask";
    case FieldAction::kHash: return "hash";
    case FieldAction::kTokenize: return "tokenize";
  }
  return "deny";
}

}  // namespace strata::sql
