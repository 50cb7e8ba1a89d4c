#include "server/api/route_permissions.h"

namespace strata::server {
namespace {

using S = AccessScope;
using M = Method;

}  // namespace

const std::vector<RoutePermission>& RoutePermissions() {
  static const std::vector<RoutePermission> table = {
      {M::kGet, "/healthz", S::kPublic, ""},
      {M::kGet, "/readyz", S::kPublic, ""},
      {M::kGet, "/ping", S::kPublic, ""},
      {M::kGet, "/v1/openapi.json", S::kPublic, ""},
      {M::kGet, "/v1/openapi.yaml", S::kPublic, ""},
      {M::kGet, "/.well-known/jwks.json", S::kPublic, ""},
      {M::kGet, "/.well-known/openid-configuration", S::kPublic, ""},
      {M::kGet, "/.well-known/oauth-authorization-server", S::kPublic, ""},
      {M::kPost, "/v1/auth/token", S::kPublic, ""},              // Authenticates by its own grant.
      {M::kPost, "/v1/auth/revoke", S::kAuthenticated, ""},      // Own tokens; admin: any.
      {M::kPost, "/v1/auth/introspect", S::kAuthenticated, ""},  // Own tokens; admin: any.
      {M::kPost, "/v1/auth/mfa/totp", S::kAuthenticated, ""},    // The caller's own TOTP.
      {M::kPost, "/v1/auth/mfa/totp/confirm", S::kAuthenticated, ""},
      {M::kDelete, "/v1/auth/mfa/totp", S::kAuthenticated, ""},
      {M::kPost, "/v1/datasets", S::kGlobal, "datasets:create"},
      {M::kGet, "/v1/datasets", S::kAuthenticated, ""},  // Lists the visible datasets.
      {M::kGet, "/v1/datasets/{id}", S::kDataset, "datasets:read"},
      {M::kPut, "/v1/datasets/{id}", S::kDataset, "datasets:update"},
      {M::kPatch, "/v1/datasets/{id}", S::kDataset, "datasets:update"},
      {M::kDelete, "/v1/datasets/{id}", S::kDataset, "datasets:delete"},
      {M::kGet, "/v1/datasets/{id}/schema", S::kDataset, "datasets:read"},
      {M::kPatch, "/v1/datasets/{id}/schema", S::kDataset, "datasets:update"},
      {M::kGet, "/v1/datasets/{id}/schema/versions", S::kDataset, "datasets:read"},
      {M::kGet, "/v1/datasets/{id}/schema/versions/{n}", S::kDataset, "datasets:read"},
      {M::kPost, "/v1/datasets/{id}/ingest", S::kDataset, "data:write"},
      {M::kGet, "/v1/datasets/{id}/rejected", S::kDataset, "data:read"},
      {M::kPost, "/v1/datasets/{id}/rejected/replay", S::kDataset, "data:write"},
      {M::kOptions, "/v1/datasets/{id}/uploads", S::kPublic, ""},  // tus discovery.
      {M::kPost, "/v1/datasets/{id}/uploads", S::kDataset, "data:write"},
      {M::kHead, "/v1/datasets/{id}/uploads/{uid}", S::kDataset, "data:write"},
      {M::kPatch, "/v1/datasets/{id}/uploads/{uid}", S::kDataset, "data:write"},
      {M::kDelete, "/v1/datasets/{id}/uploads/{uid}", S::kDataset, "data:write"},
      // Its creator, or the permission on its dataset: data:write; for a delete job data:delete.
      {M::kGet, "/v1/jobs/{id}", S::kSelfOr, "data:write"},     // Delete jobs: data:delete.
      {M::kDelete, "/v1/jobs/{id}", S::kSelfOr, "data:write"},  // Delete jobs: data:delete.
      {M::kPost, "/v1/query", S::kDataset, "data:read"},        // Every dataset FROM names.
      {M::kPost, "/v1/datasets/{id}/query", S::kDataset, "data:read"},
      {M::kGet, "/v1/datasets/{id}/records", S::kDataset, "data:read"},
      {M::kDelete, "/v1/datasets/{id}/records", S::kDataset, "data:delete"},  // May start a job.
      {M::kGet, "/v1/datasets/{id}/changes", S::kDataset, "data:read"},
      {M::kPost, "/v1/datasets/{id}/detokenize", S::kDataset, "pii:detokenize"},  // + data:read.
      {M::kPost, "/write", S::kDataset, "data:write"},  // datasets:create for a new one.
      {M::kPost, "/api/v2/write", S::kDataset, "data:write"},
      {M::kPost, "/v1/users", S::kGlobal, "users:manage"},
      {M::kGet, "/v1/users", S::kGlobal, "users:manage"},
      {M::kGet, "/v1/users/{name}", S::kSelfOr, "users:manage"},
      {M::kPatch, "/v1/users/{name}", S::kSelfOr, "users:manage"},
      {M::kDelete, "/v1/users/{name}", S::kGlobal, "users:manage"},
      {M::kPost, "/v1/service-accounts", S::kGlobal, "users:manage"},
      {M::kGet, "/v1/service-accounts", S::kGlobal, "users:manage"},
      {M::kGet, "/v1/service-accounts/{name}", S::kSelfOr, "users:manage"},
      {M::kPatch, "/v1/service-accounts/{name}", S::kGlobal, "users:manage"},
      {M::kDelete, "/v1/service-accounts/{name}", S::kGlobal, "users:manage"},
      {M::kPost, "/v1/service-accounts/{name}/secret", S::kGlobal, "users:manage"},
      {M::kGet, "/v1/roles", S::kAuthenticated, ""},
      {M::kPost, "/v1/roles", S::kGlobal, "users:manage"},
      {M::kDelete, "/v1/roles/{name}", S::kGlobal, "users:manage"},
      {M::kGet, "/v1/grants", S::kGlobal, "users:manage"},   // ?resource=<id>: access:read.
      {M::kPost, "/v1/grants", S::kGlobal, "users:manage"},  // On a dataset: access:manage.
      {M::kDelete, "/v1/grants/{id}", S::kGlobal, "users:manage"},
      {M::kGet, "/v1/datasets/{id}/access", S::kDataset, "access:read"},
      {M::kPost, "/v1/datasets/{id}/access", S::kDataset, "access:manage"},  // + grant rules.
      {M::kDelete, "/v1/datasets/{id}/access/{kind}/{name}", S::kDataset, "access:manage"},
      {M::kPost, "/v1/authz/explain", S::kSelfOr, "users:manage"},
      {M::kGet, "/v1/audit", S::kGlobal, "audit:read"},
      {M::kGet, "/v1/audit/verify", S::kGlobal, "audit:read"},
      {M::kPost, "/v1/api-keys", S::kAuthenticated, ""},  // Own keys; `owner`: admin.
      {M::kGet, "/v1/api-keys", S::kAuthenticated, ""},   // Own keys; `owner`: users:manage.
      {M::kGet, "/v1/api-keys/{id}", S::kSelfOr, "users:manage"},
      {M::kDelete, "/v1/api-keys/{id}", S::kSelfOr, "users:manage"},
  };
  return table;
}

std::string_view AccessScopeName(AccessScope scope) {
  switch (scope) {
    case S::kPublic: return "public";
    case S::kAuthenticated: return "authenticated";
    case S::kGlobal: return "global";
    case S::kDataset: return "dataset";
    case S::kSelfOr: return "self or";
  }
  return "global";
}

}  // namespace strata::server
