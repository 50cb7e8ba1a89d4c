// REST routes of dataset management: /v1/datasets[/{id}[/schema[/versions[/{n}]]]].
#pragma once

#include "server/api/router.h"
#include "service/dataset_service.h"

namespace strata::server {

// `service` must outlive the router.
void AddDatasetRoutes(Router& router, service::DatasetService& service);

}  // namespace strata::server
