// REST routes of identity and access management (docs/api.md "Users and access"):
// /v1/users, /v1/service-accounts, /v1/roles, /v1/grants, /v1/api-keys,
// /v1/datasets/{id}/access and /v1/authz/explain. Access decisions are the services'.
#pragma once

#include "server/api/router.h"
#include "service/access_service.h"
#include "service/api_key_service.h"
#include "service/identity_service.h"

namespace strata::server {

// The services must outlive the router.
void AddIdentityRoutes(Router& router, service::IdentityService& identity,
                       service::AccessService& access, service::ApiKeyService& keys);

}  // namespace strata::server
