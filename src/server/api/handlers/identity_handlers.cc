#include "server/api/handlers/identity_handlers.h"

#include "server/api/request_helpers.h"

namespace strata::server {
namespace {

using service::ApiKeyService;
using service::IdentityService;

RouteOptions Audited(std::string_view action, bool offload = false) {
  RouteOptions options;
  options.offload = offload;
  options.audit_action = action;
  return options;
}

ApiResponse AccountResponse(int status, const meta::UserRecord& account) {
  JsonWriter writer;
  service::WriteAccountJson(writer, account);
  return JsonResponse(status, writer);
}

// Service accounts answer with their client secret once (creation, rotation).
ApiResponse SecretResponse(int status, const service::CreatedServiceAccount& created) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Key("account");
  service::WriteAccountJson(writer, created.account);
  writer.Member("client_id", created.account.name);
  writer.Member("client_secret", created.client_secret);
  writer.EndObject();
  ApiResponse response = JsonResponse(status, writer);
  response.NoStore();
  return response;
}

Result<ApiResponse> ListAccounts(IdentityService& identity, const RequestContext& context,
                                 std::string_view kind) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {"limit", "cursor"}));
  STRATA_ASSIGN_OR_RETURN(service::PageRequest page, ParsePageRequest(context.request));
  STRATA_ASSIGN_OR_RETURN(service::Page<meta::UserRecord> accounts,
                          identity.ListAccounts(context.principal, kind, page));
  return ListResponse(context.request, accounts.next_cursor, [&](JsonWriter& writer) {
    for (const meta::UserRecord& account : accounts.items)
      service::WriteAccountJson(writer, account);
  });
}

void AddAccountRoutes(Router& router, IdentityService& identity) {
  router.Add(
      Method::kPost, "/v1/users",
      [&identity](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
        STRATA_ASSIGN_OR_RETURN(
            service::AccountSpec spec,
            service::DecodeAccountSpec(body, /*create=*/true, /*service=*/false));
        STRATA_ASSIGN_OR_RETURN(meta::UserRecord user,
                                identity.CreateUser(context.principal, std::move(spec)));
        return AccountResponse(201, user).WithHeader("Location", "/v1/users/" + user.name);
      },
      Audited("users.create", /*offload=*/true));
  router.Add(Method::kGet, "/v1/users", [&identity](const RequestContext& context) {
    return ListAccounts(identity, context, "user");
  });
  router.Add(
      Method::kPost, "/v1/service-accounts",
      [&identity](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
        STRATA_ASSIGN_OR_RETURN(
            service::AccountSpec spec,
            service::DecodeAccountSpec(body, /*create=*/true, /*service=*/true));
        STRATA_ASSIGN_OR_RETURN(service::CreatedServiceAccount created,
                                identity.CreateServiceAccount(context.principal, std::move(spec)));
        return SecretResponse(201, created)
            .WithHeader("Location", "/v1/service-accounts/" + created.account.name);
      },
      Audited("service_accounts.create", /*offload=*/true));
  router.Add(Method::kGet, "/v1/service-accounts", [&identity](const RequestContext& context) {
    return ListAccounts(identity, context, "service");
  });
  router.Add(
      Method::kPost, "/v1/service-accounts/{name}/secret",
      [&identity](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
        STRATA_ASSIGN_OR_RETURN(
            service::CreatedServiceAccount rotated,
            identity.RotateClientSecret(context.principal, context.Param("name")));
        return SecretResponse(200, rotated);
      },
      Audited("service_accounts.rotate_secret", /*offload=*/true));
  for (const auto& [kind, base] : {std::pair<std::string, std::string>{"user", "/v1/users/{name}"},
                                   {"service", "/v1/service-accounts/{name}"}}) {
    router.Add(Method::kGet, base,
               [&identity, kind](const RequestContext& context) -> Result<ApiResponse> {
                 STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
                 STRATA_ASSIGN_OR_RETURN(
                     meta::UserRecord account,
                     identity.GetAccount(context.principal, kind, context.Param("name")));
                 return AccountResponse(200, account);
               });
    router.Add(
        Method::kPatch, base,
        [&identity, kind](const RequestContext& context) -> Result<ApiResponse> {
          STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
          STRATA_ASSIGN_OR_RETURN(service::AccountSpec spec,
                                  service::DecodeAccountSpec(body, false, kind == "service"));
          STRATA_ASSIGN_OR_RETURN(meta::UserRecord account,
                                  identity.UpdateAccount(context.principal, kind,
                                                         context.Param("name"), std::move(spec)));
          return AccountResponse(200, account);
        },
        Audited(kind == "user" ? "users.update" : "service_accounts.update", /*offload=*/true));
    router.Add(
        Method::kDelete, base,
        [&identity, kind](const RequestContext& context) -> Result<ApiResponse> {
          STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
          STRATA_RETURN_IF_ERROR(
              identity.DeleteAccount(context.principal, kind, context.Param("name")));
          return ApiResponse::NoContent();
        },
        Audited(kind == "user" ? "users.delete" : "service_accounts.delete"));
  }
}

void AddRoleAndGrantRoutes(Router& router, IdentityService& identity,
                           service::AccessService& access) {
  router.Add(Method::kGet, "/v1/roles",
             [&identity](const RequestContext& context) -> Result<ApiResponse> {
               STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
               STRATA_ASSIGN_OR_RETURN(std::vector<service::RoleView> roles,
                                       identity.ListRoles(context.principal));
               return ListResponse(context.request, "", [&](JsonWriter& writer) {
                 for (const service::RoleView& role : roles) service::WriteRoleJson(writer, role);
               });
             });
  router.Add(
      Method::kPost, "/v1/roles",
      [&identity](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
        STRATA_ASSIGN_OR_RETURN(service::RoleView role,
                                identity.CreateRole(context.principal, body));
        JsonWriter writer;
        service::WriteRoleJson(writer, role);
        return JsonResponse(201, writer).WithHeader("Location", "/v1/roles/" + role.name);
      },
      Audited("roles.create"));
  router.Add(
      Method::kDelete, "/v1/roles/{name}",
      [&identity](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
        STRATA_RETURN_IF_ERROR(identity.DeleteRole(context.principal, context.Param("name")));
        return ApiResponse::NoContent();
      },
      Audited("roles.delete"));
  router.Add(
      Method::kGet, "/v1/grants",
      [&identity](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {"subject", "resource"}));
        const std::string* subject = context.request.Query("subject");
        const std::string* resource = context.request.Query("resource");
        STRATA_ASSIGN_OR_RETURN(std::vector<meta::GrantRecord> grants,
                                identity.ListGrants(context.principal, subject ? *subject : "",
                                                    resource ? *resource : ""));
        return ListResponse(context.request, "", [&](JsonWriter& writer) {
          for (const meta::GrantRecord& grant : grants) service::WriteGrantJson(writer, grant);
        });
      });
  router.Add(
      Method::kPost, "/v1/grants",
      [&identity](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
        STRATA_ASSIGN_OR_RETURN(meta::GrantRecord grant,
                                identity.CreateGrant(context.principal, body, std::nullopt));
        JsonWriter writer;
        service::WriteGrantJson(writer, grant);
        return JsonResponse(201, writer).WithHeader("Location", "/v1/grants/" + grant.id);
      },
      Audited("grants.create"));
  router.Add(
      Method::kDelete, "/v1/grants/{id}",
      [&identity](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
        STRATA_RETURN_IF_ERROR(
            identity.DeleteGrant(context.principal, context.Param("id"), std::nullopt));
        return ApiResponse::NoContent();
      },
      Audited("grants.delete"));
  router.Add(
      Method::kPost, "/v1/authz/explain",
      [&access](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
        STRATA_ASSIGN_OR_RETURN(service::AuthzExplanation explanation,
                                access.Explain(context.principal, body));
        JsonWriter writer;
        service::WriteExplanationJson(writer, explanation);
        return JsonResponse(200, writer);
      },
      Audited("authz.explain"));
}

ApiResponse AccessResponse(const service::AccessDocument& document) {
  JsonWriter writer;
  service::WriteAccessDocumentJson(writer, document);
  return JsonResponse(200, writer);
}

// The access document of one dataset: grants, row policies, field policies.
void AddDatasetAccessRoutes(Router& router, service::AccessService& access) {
  router.Add(Method::kGet, "/v1/datasets/{id}/access",
             [&access](const RequestContext& context) -> Result<ApiResponse> {
               STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
               STRATA_ASSIGN_OR_RETURN(service::AccessDocument document,
                                       access.Get(context.principal, context.Param("id")));
               return AccessResponse(document);
             });
  router.Add(
      Method::kPost, "/v1/datasets/{id}/access",
      [&access](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
        STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
        STRATA_ASSIGN_OR_RETURN(service::AccessDocument document,
                                access.Update(context.principal, context.Param("id"), body));
        return AccessResponse(document);
      },
      Audited("access.update"));
  router.Add(
      Method::kDelete, "/v1/datasets/{id}/access/{kind}/{name}",
      [&access](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
        STRATA_RETURN_IF_ERROR(access.Remove(context.principal, context.Param("id"),
                                             context.Param("kind"), context.Param("name")));
        return ApiResponse::NoContent();
      },
      Audited("access.remove"));
}

void AddApiKeyRoutes(Router& router, ApiKeyService& keys) {
  router.Add(
      Method::kPost, "/v1/api-keys",
      [&keys](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
        STRATA_ASSIGN_OR_RETURN(service::CreatedApiKey created,
                                keys.Create(context.principal, body));
        JsonWriter writer;
        service::WriteApiKeyJson(writer, created.record, created.key);
        return JsonResponse(201, writer)
            .WithHeader("Location", "/v1/api-keys/" + created.record.id)
            .NoStore();
      },
      Audited("api_keys.create"));
  router.Add(Method::kGet, "/v1/api-keys",
             [&keys](const RequestContext& context) -> Result<ApiResponse> {
               STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {"owner"}));
               const std::string* owner = context.request.Query("owner");
               STRATA_ASSIGN_OR_RETURN(std::vector<meta::ApiKeyRecord> list,
                                       keys.List(context.principal, owner ? *owner : ""));
               return ListResponse(context.request, "", [&](JsonWriter& writer) {
                 for (const meta::ApiKeyRecord& key : list) service::WriteApiKeyJson(writer, key);
               });
             });
  router.Add(Method::kGet, "/v1/api-keys/{id}",
             [&keys](const RequestContext& context) -> Result<ApiResponse> {
               STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
               STRATA_ASSIGN_OR_RETURN(meta::ApiKeyRecord key,
                                       keys.Get(context.principal, context.Param("id")));
               JsonWriter writer;
               service::WriteApiKeyJson(writer, key);
               return JsonResponse(200, writer);
             });
  router.Add(
      Method::kDelete, "/v1/api-keys/{id}",
      [&keys](const RequestContext& context) -> Result<ApiResponse> {
        STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
        STRATA_RETURN_IF_ERROR(keys.Revoke(context.principal, context.Param("id")));
        return ApiResponse::NoContent();
      },
      Audited("api_keys.revoke"));
}

}  // namespace

void AddIdentityRoutes(Router& router, IdentityService& identity, service::AccessService& access,
                       ApiKeyService& keys) {
  AddAccountRoutes(router, identity);
  AddRoleAndGrantRoutes(router, identity, access);
  AddDatasetAccessRoutes(router, access);
  AddApiKeyRoutes(router, keys);
}

}  // namespace strata::server
