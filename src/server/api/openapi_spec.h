// The OpenAPI 3.1 description of the API, compiled in from docs/openapi.yaml at build time
// (scripts/embed_openapi.py), so the served spec and the documented one are the same file.
#pragma once

#include <string_view>

namespace strata::server {

std::string_view OpenApiJson();
std::string_view OpenApiYaml();

}  // namespace strata::server
