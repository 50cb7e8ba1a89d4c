#include "server/api/handlers/pii_handlers.h"

#include "server/api/request_helpers.h"

namespace strata::server {
namespace {

Status BadMember(const std::string& pointer, const std::string& message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_parameter")
      .WithErrors({ErrorDetail::Pointer(pointer, message)});
}

// {"field": "<name>", "tokens": ["tok_...", ...]}
Result<service::DetokenizeRequest> ParseDetokenizeRequest(const RequestContext& context) {
  STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
  if (!body.is_object()) return BadMember("", "the body must be a JSON object");
  service::DetokenizeRequest request;
  request.dataset = context.Param("id");
  for (const auto& [name, value] : body.members()) {
    if (name != "field" && name != "tokens") {
      return BadMember(json::PointerAppend("", name),
                       "unknown member '" + name + "'; expected field and tokens");
    }
  }
  const json::Value* field = body.Find("field");
  if (field == nullptr || !field->is_string()) {
    return BadMember("/field", "field must be the name of a field");
  }
  request.field = field->string_value();
  const json::Value* tokens = body.Find("tokens");
  if (tokens == nullptr || !tokens->is_array()) {
    return BadMember("/tokens", "tokens must be an array of tokens");
  }
  for (size_t i = 0; i < tokens->items().size(); ++i) {
    const json::Value& token = tokens->items()[i];
    if (!token.is_string()) {
      return BadMember(json::PointerAppend("/tokens", i), "a token must be a string");
    }
    request.tokens.push_back(token.string_value());
  }
  return request;
}

Result<ApiResponse> Detokenize(service::PiiService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(service::DetokenizeRequest request, ParseDetokenizeRequest(context));
  STRATA_ASSIGN_OR_RETURN(service::DetokenizeResult result,
                          service.Detokenize(context.principal, request, context.audit));
  JsonWriter writer;
  writer.BeginObject();
  writer.Key("values");
  writer.BeginArray();
  for (const types::Value& value : result.values) types::WriteValueJson(writer, value, result.type);
  writer.EndArray();
  writer.EndObject();
  return JsonResponse(200, writer).WithHeader("Cache-Control", "no-store");
}

}  // namespace

void AddPiiRoutes(Router& router, service::PiiService& service) {
  router.Add(
      Method::kPost, "/v1/datasets/{id}/detokenize",
      [&service](const RequestContext& context) { return Detokenize(service, context); },
      RouteOptions{.audit = AuditMode::kByService, .audit_action = "pii.detokenize"});
}

}  // namespace strata::server
