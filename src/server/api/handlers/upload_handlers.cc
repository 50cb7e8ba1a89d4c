#include "server/api/handlers/upload_handlers.h"

#include <time.h>

#include <charconv>

#include "common/strings.h"
#include "server/api/problem.h"
#include "service/tus_headers.h"

namespace strata::server {
namespace {

constexpr std::string_view kTusVersion = "1.0.0";
// CONVENTIONS.md §2's list, plus creation-defer-length: tus requires naming it when
// Upload-Defer-Length is supported.
constexpr std::string_view kTusExtensions =
    "creation,creation-with-upload,creation-defer-length,termination,checksum,expiration";
constexpr std::string_view kOffsetStream = "application/offset+octet-stream";

// RFC 9110 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(int64_t micros) {
  const time_t seconds = static_cast<time_t>(micros / 1'000'000);
  struct tm utc;
  gmtime_r(&seconds, &utc);
  char text[64];
  const size_t n = strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, n);
}

ApiResponse TusResponse(int status) {
  ApiResponse response;
  response.status = status;
  response.content_type.clear();
  response.WithHeader("Tus-Resumable", std::string(kTusVersion));
  return response;
}

// A problem with the tus status codes: 460 for a checksum mismatch, 410 for an expired
// upload.
ApiResponse TusProblem(const Status& status, const RequestContext& context) {
  int http_status = 0;
  if (status.problem_code() == "checksum_mismatch") http_status = 460;
  if (status.problem_code() == "upload_expired") http_status = 410;
  ApiResponse response = ProblemResponse(status, context.request.request_id, http_status);
  response.WithHeader("Tus-Resumable", std::string(kTusVersion));
  if (status.problem_code() == "tus_version_unsupported") {
    response.WithHeader("Tus-Version", std::string(kTusVersion));
  }
  return response;
}

Status HeaderError(std::string_view header, std::string message,
                   std::string_view code = "invalid_header") {
  return Status::InvalidArgument(message).WithProblemCode(code).WithErrors(
      {ErrorDetail::Header(std::string(header), message)});
}

// Every request but OPTIONS names the protocol version (412 otherwise).
Status CheckTusResumable(const ApiRequest& request) {
  const std::string_view version = Trim(request.Header("tus-resumable"));
  if (version == kTusVersion) return Status();
  const std::string message =
      version.empty()
          ? "send Tus-Resumable: 1.0.0; this server speaks tus 1.0.0"
          : "tus version '" + std::string(version) + "' is not supported; this server speaks 1.0.0";
  return Status::PreconditionFailed(message)
      .WithProblemCode("tus_version_unsupported")
      .WithErrors({ErrorDetail::Header("Tus-Resumable", message)});
}

// A non-negative decimal header value. nullopt when absent.
Result<std::optional<uint64_t>> ParseCount(const ApiRequest& request, std::string_view lower_name,
                                           std::string_view name) {
  if (!request.HasHeader(lower_name)) return std::optional<uint64_t>();
  const std::string_view text = Trim(request.Header(lower_name));
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      value > static_cast<uint64_t>(INT64_MAX)) {
    return HeaderError(name, std::string(name) + " must be a non-negative integer, got '" +
                                 std::string(text) + "'");
  }
  return std::optional<uint64_t>(value);
}

std::optional<std::string> OptionalHeader(const ApiRequest& request, std::string_view name) {
  if (!request.HasHeader(name)) return std::nullopt;
  return std::string(request.Header(name));
}

// Bytes may only come as application/offset+octet-stream (415 otherwise).
Status CheckOffsetStream(const ApiRequest& request) {
  const std::string_view type = request.Header("content-type");
  const std::string media = ToLower(Trim(type.substr(0, type.find(';'))));
  if (media == kOffsetStream) return Status();
  return Status::UnsupportedMediaType(
             "upload bytes must be sent as Content-Type: " + std::string(kOffsetStream) +
             ", got '" + std::string(type) + "'")
      .WithProblemCode("unsupported_media_type")
      .WithErrors({ErrorDetail::Header("Content-Type", "expected " + std::string(kOffsetStream))});
}

std::string UploadPath(const RequestContext& context, std::string_view upload_id) {
  return "/v1/datasets/" + context.Param("id") + "/uploads/" + std::string(upload_id);
}

// The headers that describe an upload's state after POST, HEAD and PATCH.
void AddStateHeaders(ApiResponse& response, const meta::UploadRecord& upload) {
  response.WithHeader("Upload-Offset", std::to_string(upload.offset));
  if (upload.job_id.empty()) {
    response.WithHeader("Upload-Expires", HttpDate(upload.expires_at));
  } else {
    response.WithHeader("Strata-Job-Id", upload.job_id);
    response.WithHeader("Link", "</v1/jobs/" + upload.job_id + ">; rel=\"monitor\"");
  }
}

ApiResponse Options(const service::UploadService& uploads) {
  ApiResponse response = TusResponse(204);
  response.WithHeader("Tus-Version", std::string(kTusVersion));
  response.WithHeader("Tus-Extension", std::string(kTusExtensions));
  response.WithHeader("Tus-Max-Size", std::to_string(uploads.options().max_bytes));
  response.WithHeader("Tus-Checksum-Algorithm", std::string(service::kChecksumAlgorithms));
  return response;
}

Result<ApiResponse> Create(service::UploadService& uploads, const RequestContext& context) {
  const ApiRequest& request = context.request;
  Result<service::UploadCreation> parsed = [&]() -> Result<service::UploadCreation> {
    STRATA_RETURN_IF_ERROR(CheckTusResumable(request));
    service::UploadCreation creation;
    STRATA_ASSIGN_OR_RETURN(creation.length, ParseCount(request, "upload-length", "Upload-Length"));
    if (request.HasHeader("upload-defer-length")) {
      if (Trim(request.Header("upload-defer-length")) != "1") {
        return HeaderError("Upload-Defer-Length", "Upload-Defer-Length must be 1",
                           "invalid_upload_length");
      }
      creation.defer_length = true;
    }
    if (!request.body.empty()) STRATA_RETURN_IF_ERROR(CheckOffsetStream(request));
    creation.metadata = std::string(request.Header("upload-metadata"));
    creation.body = request.body;
    creation.checksum = OptionalHeader(request, "upload-checksum");
    return creation;
  }();
  if (!parsed.ok()) return TusProblem(parsed.status(), context);
  Result<meta::UploadRecord> created =
      uploads.Create(context.principal, context.Param("id"), std::move(parsed).value());
  if (!created.ok()) return TusProblem(created.status(), context);
  ApiResponse response = TusResponse(201);
  response.WithHeader("Location", UploadPath(context, created->id));
  AddStateHeaders(response, created.value());
  return response;
}

Result<ApiResponse> Head(service::UploadService& uploads, const RequestContext& context) {
  if (Status version = CheckTusResumable(context.request); !version.ok()) {
    return TusProblem(version, context);
  }
  Result<meta::UploadRecord> upload =
      uploads.Get(context.principal, context.Param("id"), context.Param("uid"));
  if (!upload.ok()) return TusProblem(upload.status(), context);
  ApiResponse response = TusResponse(200);
  response.WithHeader("Cache-Control", "no-store");
  if (upload->length >= 0) {
    response.WithHeader("Upload-Length", std::to_string(upload->length));
  } else {
    response.WithHeader("Upload-Defer-Length", "1");
  }
  if (!upload->metadata.empty()) response.WithHeader("Upload-Metadata", upload->metadata);
  AddStateHeaders(response, upload.value());
  return response;
}

Result<ApiResponse> Patch(service::UploadService& uploads, const RequestContext& context) {
  const ApiRequest& request = context.request;
  Result<service::UploadAppend> parsed = [&]() -> Result<service::UploadAppend> {
    STRATA_RETURN_IF_ERROR(CheckTusResumable(request));
    STRATA_RETURN_IF_ERROR(CheckOffsetStream(request));
    service::UploadAppend append;
    STRATA_ASSIGN_OR_RETURN(std::optional<uint64_t> offset,
                            ParseCount(request, "upload-offset", "Upload-Offset"));
    if (!offset) {
      return HeaderError("Upload-Offset", "PATCH needs Upload-Offset: the byte it continues at",
                         "missing_header");
    }
    append.offset = *offset;
    STRATA_ASSIGN_OR_RETURN(append.length, ParseCount(request, "upload-length", "Upload-Length"));
    append.body = request.body;
    append.checksum = OptionalHeader(request, "upload-checksum");
    return append;
  }();
  if (!parsed.ok()) return TusProblem(parsed.status(), context);
  Result<meta::UploadRecord> upload = uploads.Append(
      context.principal, context.Param("id"), context.Param("uid"), std::move(parsed).value());
  if (!upload.ok()) return TusProblem(upload.status(), context);
  ApiResponse response = TusResponse(204);
  AddStateHeaders(response, upload.value());
  return response;
}

Result<ApiResponse> Terminate(service::UploadService& uploads, const RequestContext& context) {
  Status status = CheckTusResumable(context.request);
  if (status.ok()) {
    status = uploads.Terminate(context.principal, context.Param("id"), context.Param("uid"));
  }
  if (!status.ok()) return TusProblem(status, context);
  return TusResponse(204);
}

}  // namespace

void AddUploadRoutes(Router& router, service::UploadService& uploads) {
  router.Add(
      Method::kOptions, "/v1/datasets/{id}/uploads",
      [&uploads](const RequestContext&) -> Result<ApiResponse> { return Options(uploads); },
      RouteOptions{.public_route = true});
  router.Add(
      Method::kPost, "/v1/datasets/{id}/uploads",
      [&uploads](const RequestContext& context) { return Create(uploads, context); },
      RouteOptions{.offload = true, .audit_action = "uploads.create"});
  router.Add(Method::kHead, "/v1/datasets/{id}/uploads/{uid}",
             [&uploads](const RequestContext& context) { return Head(uploads, context); });
  router.Add(
      Method::kPatch, "/v1/datasets/{id}/uploads/{uid}",
      [&uploads](const RequestContext& context) { return Patch(uploads, context); },
      RouteOptions{.offload = true, .audit_action = "uploads.append"});
  router.Add(
      Method::kDelete, "/v1/datasets/{id}/uploads/{uid}",
      [&uploads](const RequestContext& context) { return Terminate(uploads, context); },
      RouteOptions{.offload = true, .audit_action = "uploads.terminate"});
}

}  // namespace strata::server
