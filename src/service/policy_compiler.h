// Row and field policies (security/policy.h) checked against a dataset's schema when they are
// written, and compiled for one caller into the sql::PolicyContext the binder enforces
// (docs/security.md "Row and field policies").
//
// Compilation, for a PolicySubject on one dataset:
//   - Row policies that apply (applies_to names the subject, except does not) each become
//     one row filter; the binder ANDs them. `$user.<attribute>` is replaced in the parsed
//     filter by a string literal holding the attribute's value, so a value is never SQL
//     text. A policy that reads an attribute the subject lacks, or whose attribute does not
//     convert where the filter casts it (CAST($user.level AS int64) with level "abc"),
//     matches no rows.
//   - Field policies that apply give each field the strictest of their actions: deny > null
//     > mask > hash > tokenize. A field tagged `pii` is masked at least, unless the subject
//     holds pii:read.
//   - The fingerprint is a hash of the compiled result (filters with their literals, field
//     actions, the key set of keyed transforms): two subjects who see the same thing share
//     it; different attribute values give different fingerprints. Empty when nothing
//     restricts the subject.
// Thread safety: stateless functions.
#pragma once

#include "common/result.h"
#include "security/pii_transforms.h"
#include "security/policy.h"
#include "sql/policy_context.h"
#include "types/schema.h"

namespace strata::service {

// Checks `policies` before they are stored, and resolves each field policy's field_id:
//   - a row filter parses as an expression, names only fields of `schema`, reads no
//     parameter but $user.<attribute>, calls no aggregate, and binds to a boolean (with every
//     attribute standing for a string);
//   - a field policy names a field of `schema`.
// Errors: ValidationFailed (422) with a pointer per problem (/row_policies/0/filter, ...).
Status ValidatePolicies(security::DatasetPolicies& policies, const types::Schema& schema);

// The caller's PolicyContext on a dataset with `schema` (the version the read binds
// against) under `policies`, with transforms keyed by `keys`.
// Errors: Conflict row_policy_invalid when a stored filter no longer parses; Internal when
// a keyed transform is needed and `keys` are empty.
Result<sql::PolicyContext> CompilePolicies(const types::Schema& schema,
                                           const security::DatasetPolicies& policies,
                                           const security::PolicySubject& subject,
                                           const security::FieldTransformKeys& keys);

}  // namespace strata::service
