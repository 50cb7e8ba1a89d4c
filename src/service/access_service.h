// AccessService: the access document of a dataset — the grants on it and its row and field
// policies (DESIGN.md "Wire examples"; docs/security.md "How grants and policies combine") —
// behind GET/POST /v1/datasets/{id}/access and DELETE .../access/{kind}/{name}, and the
// policy part of POST /v1/authz/explain.
//
// Writes (POST adds to the document, DELETE removes one entry):
//   - Reading needs access:read on the dataset, changing it access:manage. Each grant also
//     follows IdentityService::RequireGrantAuthority (nobody grants or removes a role it
//     does not hold there).
//   - Everything in a request is checked before anything is written: grants (known role,
//     existing principal), policies (service::ValidatePolicies against the current schema).
//   - The whole change is one metastore transaction (meta::IdentityStore::
//     UpdateDatasetAccess), conditional on the access revision it was computed from and on
//     the schema version the policies were validated against. When another write got there
//     first the change is computed again from the new state, up to kMaxAttempts times, then
//     answered Conflict access_conflict.
//   - After a committed policy change the StoredPolicySource is invalidated, so the next
//     read of the dataset enforces it.
// Entries are keyed: a grant by (principal, role) — adding one that exists changes nothing;
// a row policy by name; a field policy by name, which defaults to its field — adding one
// with an existing key replaces it (it keeps its id).
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "meta/meta_store.h"
#include "security/authorizer.h"
#include "security/policy.h"
#include "service/identity_service.h"
#include "service/stored_policy_source.h"

namespace strata::service {

// A dataset's access document. Policies name fields as the current schema does (a field
// renamed since a policy was written shows its new name).
struct AccessDocument {
  std::string dataset;
  uint64_t version = 0;  // The access revision (meta/identity_store.h).
  std::vector<meta::GrantRecord> grants;
  security::DatasetPolicies policies;
};

// What a POST adds: {"grants": [{"principal", "role"}], "row_policies": [...],
// "field_policies": [...]}, any subset, at least one entry.
struct AccessGrantSpec {
  std::string principal;
  std::string role;
};
struct AccessUpdate {
  std::vector<AccessGrantSpec> grants;
  security::DatasetPolicies policies;
  bool has_policies = false;  // Some row or field policy was given.
};
// Errors: ValidationFailed with a pointer per problem.
Result<AccessUpdate> DecodeAccessUpdate(const json::Value& body);

class AccessService {
 public:
  static constexpr int kMaxAttempts = 5;

  // The arguments must outlive the service; `policies` may be null (nothing to invalidate).
  AccessService(meta::MetaStore& store, security::Authorizer& authorizer, IdentityService& identity,
                StoredPolicySource* policies)
      : store_(store), authorizer_(authorizer), identity_(identity), policies_(policies) {}

  Result<AccessDocument> Get(const security::Principal& caller, std::string_view dataset);
  // Adds `body` to the dataset's access and returns the whole document.
  Result<AccessDocument> Update(const security::Principal& caller, std::string_view dataset,
                                const json::Value& body);
  // Removes one entry: `kind` is grants (`name`: the grant id), row_policies or
  // field_policies (`name`: the policy's name). NotFound when there is none.
  Status Remove(const security::Principal& caller, std::string_view dataset, std::string_view kind,
                std::string_view name);

  // IdentityService::Explain, with the row and field policies that apply to the principal
  // for a data:* action on a dataset it sees.
  Result<AuthzExplanation> Explain(const security::Principal& caller, const json::Value& body);

 private:
  // The document as stored, with policies shown in the current schema's names.
  Result<AccessDocument> Document(std::string_view dataset);
  // Problems of the grants of `update` that only the store can tell (unknown principals).
  void CheckPrincipals(const AccessUpdate& update, std::vector<ErrorDetail>& errors);
  void PolicyChanged(std::string_view dataset, bool grants_changed);

  meta::MetaStore& store_;
  security::Authorizer& authorizer_;
  IdentityService& identity_;
  StoredPolicySource* policies_;
};

// {"dataset", "version", "grants": [{"id", "principal", "role", "created_by",
// "created_at"}], "row_policies": [...], "field_policies": [...]}.
void WriteAccessDocumentJson(JsonWriter& writer, const AccessDocument& document);

}  // namespace strata::service
