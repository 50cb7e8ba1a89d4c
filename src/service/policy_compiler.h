// Row and field policies (security/policy.h) checked against a dataset's schema when they are
// written, and compiled for one caller into the sql::PolicyContext the binder enforces
// (docs/security.md "Row and field policies").
//
// Compilation, for a PolicySubject on one dataset:
//   - Row policies that apply (applies_to names the subject, except does not) each become
//     one row filter; the binder ANDs them. Each field the filter names is read through the
//     id stored for it (RowPolicy::field_ids), so a renamed field keeps being read.
//     `$user.<attribute>` is replaced in the parsed filter by a string literal holding the
//     attribute's value, so a value is never SQL text. A policy that reads an attribute the subject
//     lacks, or whose attribute does not convert where the filter casts it (CAST($user.level AS
//     int64) with level "abc"), matches no rows.
//   - Field policies that apply give each field the strictest of their actions: deny > null
//     > mask > hash > tokenize. A field tagged `pii` is masked at least, unless the subject
//     holds pii:read.
//   - The fingerprint is a hash of the compiled result (filters with their literals, field
//     actions, the key set of keyed transforms): two subjects who see the same thing share
//     it; different attribute values give different fingerprints. Empty when nothing
//     restricts the subject.
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "security/pii_transforms.h"
#include "security/policy.h"
#include "sql/policy_context.h"
#include "types/schema.h"

namespace strata::service {

// Checks `policies` before they are stored, and resolves the ids of the fields they name
// (RowPolicy::field_ids, FieldPolicy::field_id), by which they follow renames:
//   - a row filter parses as an expression, names only fields of `schema`, reads no
//     parameter but $user.<attribute>, calls no aggregate, and binds to a boolean (with every
//     attribute standing for a string);
//   - a field policy names a field of `schema`.
// Errors: ValidationFailed (422) with a pointer per problem (/row_policies/0/filter, ...).
Status ValidatePolicies(security::DatasetPolicies& policies, const types::Schema& schema);

// The filter of `policy` as it reads in `schema`: every field it names by its name there
// (the field renamed since the policy was written included). For display; unparseable text
// is returned as it is.
std::string FilterWithCurrentNames(const security::RowPolicy& policy, const types::Schema& schema);

// The policies that read or transform `field` ("row policy 'fr_only'", "field policy
// 'email'"), by field id where they stored one, else by name: dropping the field is refused
// while any does.
std::vector<std::string> PoliciesUsingField(const security::DatasetPolicies& policies,
                                            const types::Field& field);

// The caller's PolicyContext on a dataset with `schema` (the version the read binds
// against) under `policies`, with transforms keyed by `keys`.
// Errors: Conflict row_policy_invalid when a stored filter no longer parses; Internal when
// a keyed transform is needed and `keys` are empty.
Result<sql::PolicyContext> CompilePolicies(const types::Schema& schema,
                                           const security::DatasetPolicies& policies,
                                           const security::PolicySubject& subject,
                                           const security::FieldTransformKeys& keys);

}  // namespace strata::service
