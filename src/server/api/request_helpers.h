// Helpers that REST handlers share to read requests and write responses.
// Thread safety: stateless functions.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "server/api/router.h"
#include "service/dataset_service.h"
#include "service/precondition.h"

namespace strata::server {

// The JSON body of a request. 415 unless Content-Type is application/json or
// application/*+json; 400 when the body is empty, malformed or nested too deeply.
Result<json::Value> ParseJsonBody(const RequestContext& context);

// The If-Match header: absent, "*", or a list of entity tags. 400 when malformed.
Result<service::Precondition> ParseIfMatch(const ApiRequest& request);

// `limit` (1..1000, default 100) and `cursor` query parameters. 400 when invalid.
Result<service::PageRequest> ParsePageRequest(const ApiRequest& request);

// A boolean query parameter: absent or "false" is false; "true" or empty is true; anything
// else is 400 naming the parameter.
Result<bool> ParseBool(const ApiRequest& request, std::string_view name);

// 400 naming the first query parameter not in `allowed`, with a suggestion.
Status CheckQueryParameters(const ApiRequest& request,
                            std::initializer_list<std::string_view> allowed);

ApiResponse JsonResponse(int status, JsonWriter& writer);

// The response of a list: {"items":[...],"next_cursor":...} and, when there is a next page,
// a Link header with rel="next" that repeats the request's query with the new cursor.
// `write_items` writes the array elements.
template <typename WriteItems>
ApiResponse ListResponse(const ApiRequest& request, const std::string& next_cursor,
                         WriteItems&& write_items);

// Link header value for the next page.
std::string NextPageLink(const ApiRequest& request, const std::string& next_cursor);

template <typename WriteItems>
ApiResponse ListResponse(const ApiRequest& request, const std::string& next_cursor,
                         WriteItems&& write_items) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Key("items");
  writer.BeginArray();
  write_items(writer);
  writer.EndArray();
  writer.Key("next_cursor");
  if (next_cursor.empty()) {
    writer.Null();
  } else {
    writer.String(next_cursor);
  }
  writer.EndObject();
  ApiResponse response = JsonResponse(200, writer);
  if (!next_cursor.empty()) response.WithHeader("Link", NextPageLink(request, next_cursor));
  return response;
}

}  // namespace strata::server
