#include "server/api/handlers/dataset_handlers.h"

#include <charconv>

#include "server/api/request_helpers.h"
#include "types/schema_evolution.h"
#include "types/schema_json.h"

namespace strata::server {
namespace {

using service::DatasetService;

ApiResponse DatasetResponse(int status, const meta::DatasetRecord& dataset) {
  JsonWriter writer;
  service::WriteDatasetJson(writer, dataset);
  return JsonResponse(status, writer).WithHeader("ETag", service::DatasetEtag(dataset));
}

ApiResponse SchemaResponse(const meta::DatasetRecord& dataset) {
  JsonWriter writer;
  types::WriteSchemaJson(writer, dataset.schema);
  return JsonResponse(200, writer).WithHeader("ETag", service::DatasetEtag(dataset));
}

// True when If-None-Match lists `etag` (or is *): the client's copy is current.
bool NotModified(const ApiRequest& request, const std::string& etag) {
  const std::string_view header = request.Header("if-none-match");
  if (header.empty()) return false;
  if (header == "*") return true;
  // Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
  return header.find(etag) != std::string_view::npos;
}

Result<uint32_t> ParseVersion(const std::string& text) {
  uint32_t version = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || ptr != text.data() + text.size() || version == 0) {
    return Status::InvalidArgument("schema version must be a positive integer, got '" + text + "'");
  }
  return version;
}

Result<ApiResponse> CreateDataset(DatasetService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
  STRATA_ASSIGN_OR_RETURN(service::DatasetSpec spec,
                          service::DecodeDatasetSpec(body, service::SpecKind::kCreate));
  STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord dataset,
                          service.Create(context.principal, std::move(spec)));
  return DatasetResponse(201, dataset).WithHeader("Location", "/v1/datasets/" + dataset.id);
}

Result<ApiResponse> ListDatasets(DatasetService& service, const RequestContext& context) {
  const ApiRequest& request = context.request;
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(request, {"limit", "cursor", "tag", "prefix"}));
  service::DatasetListRequest list;
  STRATA_ASSIGN_OR_RETURN(list.page, ParsePageRequest(request));
  if (const std::string* tag = request.Query("tag")) list.tag = *tag;
  if (const std::string* prefix = request.Query("prefix")) list.id_prefix = *prefix;
  STRATA_ASSIGN_OR_RETURN(service::Page<meta::DatasetRecord> page,
                          service.List(context.principal, list));
  return ListResponse(request, page.next_cursor, [&](JsonWriter& writer) {
    for (const meta::DatasetRecord& dataset : page.items)
      service::WriteDatasetJson(writer, dataset);
  });
}

Result<ApiResponse> GetDataset(DatasetService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(DatasetService::DatasetView view,
                          service.GetDocument(context.principal, context.Param("id")));
  const service::DatasetDocument& document = *view.document;
  // The ETag names the dataset's definition; stats are live and do not change it.
  if (NotModified(context.request, document.etag)) {
    ApiResponse response = ApiResponse::NoContent();
    response.status = 304;
    return response.WithHeader("ETag", document.etag);
  }
  return ApiResponse::Json(200, service::DatasetJsonWithStats(document.json, view.stats))
      .WithHeader("ETag", document.etag);
}

Result<ApiResponse> ReplaceDataset(DatasetService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(service::Precondition precondition, ParseIfMatch(context.request));
  STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
  STRATA_ASSIGN_OR_RETURN(service::DatasetSpec spec,
                          service::DecodeDatasetSpec(body, service::SpecKind::kReplace));
  STRATA_ASSIGN_OR_RETURN(
      meta::DatasetRecord dataset,
      service.Replace(context.principal, context.Param("id"), spec, precondition));
  return DatasetResponse(200, dataset);
}

Result<ApiResponse> PatchDataset(DatasetService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(service::Precondition precondition, ParseIfMatch(context.request));
  STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
  STRATA_ASSIGN_OR_RETURN(service::DatasetSpec spec,
                          service::DecodeDatasetSpec(body, service::SpecKind::kMergePatch));
  STRATA_ASSIGN_OR_RETURN(
      meta::DatasetRecord dataset,
      service.Update(context.principal, context.Param("id"), spec, precondition));
  return DatasetResponse(200, dataset);
}

Result<ApiResponse> DeleteDataset(DatasetService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(service::Precondition precondition, ParseIfMatch(context.request));
  STRATA_RETURN_IF_ERROR(service.Delete(context.principal, context.Param("id"), precondition));
  return ApiResponse::NoContent();
}

Result<ApiResponse> GetSchema(DatasetService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord dataset,
                          service.Get(context.principal, context.Param("id")));
  return SchemaResponse(dataset);
}

Result<ApiResponse> EvolveSchema(DatasetService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(service::Precondition precondition, ParseIfMatch(context.request));
  STRATA_ASSIGN_OR_RETURN(json::Value body, ParseJsonBody(context));
  STRATA_ASSIGN_OR_RETURN(std::vector<types::SchemaChange> changes,
                          types::DecodeSchemaChanges(body));
  STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord dataset,
                          service.EvolveSchema(context.principal, context.Param("id"),
                                               std::move(changes), precondition));
  return SchemaResponse(dataset);
}

Result<ApiResponse> ListSchemaVersions(DatasetService& service, const RequestContext& context) {
  const ApiRequest& request = context.request;
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(request, {"limit", "cursor"}));
  STRATA_ASSIGN_OR_RETURN(service::PageRequest page_request, ParsePageRequest(request));
  STRATA_ASSIGN_OR_RETURN(
      service::Page<meta::SchemaVersionRecord> page,
      service.ListSchemaVersions(context.principal, context.Param("id"), page_request));
  return ListResponse(request, page.next_cursor, [&](JsonWriter& writer) {
    for (const meta::SchemaVersionRecord& version : page.items) {
      service::WriteSchemaVersionJson(writer, version);
    }
  });
}

Result<ApiResponse> GetSchemaVersion(DatasetService& service, const RequestContext& context) {
  STRATA_RETURN_IF_ERROR(CheckQueryParameters(context.request, {}));
  STRATA_ASSIGN_OR_RETURN(uint32_t number, ParseVersion(context.Param("n")));
  STRATA_ASSIGN_OR_RETURN(meta::SchemaVersionRecord version,
                          service.GetSchemaVersion(context.principal, context.Param("id"), number));
  JsonWriter writer;
  service::WriteSchemaVersionJson(writer, version);
  return JsonResponse(200, writer);
}

}  // namespace

void AddDatasetRoutes(Router& router, DatasetService& service) {
  auto bind = [&service](Result<ApiResponse> (*handler)(DatasetService&, const RequestContext&)) {
    return [&service, handler](const RequestContext& context) { return handler(service, context); };
  };
  auto action = [](std::string_view name) { return RouteOptions{.audit_action = name}; };
  router.Add(Method::kPost, "/v1/datasets", bind(CreateDataset), action("datasets.create"));
  router.Add(Method::kGet, "/v1/datasets", bind(ListDatasets));
  router.Add(Method::kGet, "/v1/datasets/{id}", bind(GetDataset));
  router.Add(Method::kPut, "/v1/datasets/{id}", bind(ReplaceDataset), action("datasets.replace"));
  router.Add(Method::kPatch, "/v1/datasets/{id}", bind(PatchDataset), action("datasets.update"));
  router.Add(Method::kDelete, "/v1/datasets/{id}", bind(DeleteDataset), action("datasets.delete"));
  router.Add(Method::kGet, "/v1/datasets/{id}/schema", bind(GetSchema));
  router.Add(Method::kPatch, "/v1/datasets/{id}/schema", bind(EvolveSchema),
             action("datasets.schema.evolve"));
  router.Add(Method::kGet, "/v1/datasets/{id}/schema/versions", bind(ListSchemaVersions));
  router.Add(Method::kGet, "/v1/datasets/{id}/schema/versions/{n}", bind(GetSchemaVersion));
}

}  // namespace strata::server
