// Row and field policies of a dataset (DESIGN.md "Security model"; docs/security.md "Row and
// field policies"): the model, and who a policy applies to. JSON: security/policy_json.h.
// Compilation into what the SQL binder enforces lives in the service layer
// (service/policy_compiler.h), which also parses the filters; this layer knows no SQL.
//
// Principal patterns (applies_to, except): "*" (everyone), "user:<name>", "group:<name>",
// "role:<name>", and any other principal reference ("key:<id>", "service:<name>",
// "oidc:<issuer>:<sub>"), which names exactly that principal.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::security {

inline constexpr size_t kMaxPoliciesPerKind = 256;
inline constexpr size_t kMaxPolicyFilterBytes = 4096;
inline constexpr size_t kMaxPrincipalPatterns = 64;
inline constexpr size_t kMaxPrincipalPatternBytes = 256;

// A filter over the dataset's fields and the caller's attributes (`$user.<attribute>`), in
// the query grammar. A row is visible to a caller iff it satisfies every row policy that
// applies to the caller.
struct RowPolicy {
  std::string id;                       // Assigned by the store; "" until stored.
  std::string name;                     // Unique among the dataset's row policies.
  std::string filter;                   // Expression text, e.g. "region = $user.region".
  std::vector<std::string> applies_to;  // Principal patterns; at least one.
  std::vector<std::string> except;      // Principal patterns exempted; "*" is not allowed.
  // The stable id of every field the filter names, by the name written in the filter;
  // resolved when the policy is validated (service::ValidatePolicies) and stored with it, so
  // that the filter keeps reading its fields across renames. Empty: not resolved yet (the
  // filter's names are then taken as they are).
  std::map<std::string, uint32_t> field_ids;

  bool operator==(const RowPolicy&) const = default;
};

// Ordered from the least to the most strict; see Stricter().
enum class FieldPolicyAction {
  kTokenize,  // Reversible keyed token ("tok_..."), deterministic.
  kHash,      // Keyed hash (HMAC-SHA256, hex), deterministic, irreversible.
  kMask,      // Strings keep their last 4 characters; other types read as NULL.
  kNull,      // Reads as NULL.
  kDeny,      // Absent from `*`; naming it is refused (403 field_denied).
};

// "tokenize", "hash", "mask", "null", "deny".
std::string_view FieldPolicyActionName(FieldPolicyAction action);
std::optional<FieldPolicyAction> ParseFieldPolicyAction(std::string_view name);
const std::vector<std::string_view>& FieldPolicyActionNames();
// The stricter of two actions: deny > null > mask > hash > tokenize.
FieldPolicyAction Stricter(FieldPolicyAction a, FieldPolicyAction b);

struct FieldPolicy {
  std::string id;     // Assigned by the store; "" until stored.
  std::string name;   // Optional; unique among the dataset's field policies when set.
  std::string field;  // Field name as written.
  // The field's stable id, resolved against the schema when the policy is validated
  // (service::ValidatePolicies) and stored with it, so that a rename keeps the policy on its
  // field. 0: not resolved yet (the compiler then resolves `field` by name).
  uint32_t field_id = 0;
  FieldPolicyAction action = FieldPolicyAction::kDeny;
  std::vector<std::string> applies_to;
  std::vector<std::string> except;

  bool operator==(const FieldPolicy&) const = default;
};

struct DatasetPolicies {
  std::vector<RowPolicy> row;
  std::vector<FieldPolicy> field;

  bool empty() const { return row.empty() && field.empty(); }
  bool operator==(const DatasetPolicies&) const = default;
};

// The caller as policies see it, on one dataset.
struct PolicySubject {
  std::string ref;                  // "user:ana", "key:01J...".
  std::vector<std::string> groups;  // Group names, without "group:".
  std::vector<std::string> roles;   // Roles held on this dataset (global ones included).
  std::map<std::string, std::string> attributes;  // Read by row policies as $user.<key>.
  bool pii_read = false;  // Holds pii:read on this dataset (pii fields are not masked).
};

// Whether `pattern` ("*", "user:ana", "group:g", "role:r", any principal reference) names
// `subject`.
bool PatternMatches(std::string_view pattern, const PolicySubject& subject);
// Whether a policy with these lists applies to `subject`: some applies_to pattern names it
// and no except pattern does.
bool PolicyApplies(const std::vector<std::string>& applies_to,
                   const std::vector<std::string>& except, const PolicySubject& subject);

// Whether `pattern` is well formed for applies_to ("*" allowed) or except (not allowed);
// when not, `error` says why.
bool IsValidPrincipalPattern(std::string_view pattern, bool allow_everyone, std::string& error);

}  // namespace strata::security
