#include "server/api/problem.h"

#include "common/json_writer.h"

namespace strata::server {
namespace {

std::string_view Title(int http_status) {
  switch (http_status) {
    case 400: return "Bad request";
    case 401: return "Unauthenticated";
    case 403: return "Forbidden";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition failed";
    case 413: return "Content too large";
    case 415: return "Unsupported media type";
    case 422: return "Validation failed";
    case 429: return "Too many requests";
    case 431: return "Request header fields too large";
    case 460: return "Checksum mismatch";  // tus 1.0 checksum extension.
    case 503: return "Service unavailable";
    case 504: return "Gateway timeout";
    case 507: return "Insufficient storage";
    default: return "Internal server error";
  }
}

bool HidesDetail(StatusCode code) {
  return code == StatusCode::kInternal || code == StatusCode::kIoError ||
         code == StatusCode::kCorruption;
}

}  // namespace

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kValidationFailed: return 422;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kConflict: return 409;
    case StatusCode::kPreconditionFailed: return 412;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kUnsupportedMediaType: return 415;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kInsufficientStorage: return 507;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kCorruption:
    case StatusCode::kIoError:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

std::string PublicMessage(const Status& status, std::string_view request_id) {
  if (HidesDetail(status.code())) {
    return "the server failed to complete the request; quote request id " +
           std::string(request_id) + " when reporting it";
  }
  return std::string(status.message());
}

ApiResponse ProblemResponse(const Status& status, std::string_view request_id, int http_status,
                            const std::function<void(JsonWriter&)>& extensions) {
  if (http_status == 0) http_status = HttpStatusFor(status.code());
  std::string code(status.problem_code());
  std::string type = "/problems/" + code;
  for (char& c : type) {
    if (c == '_') c = '-';
  }
  JsonWriter writer;
  writer.BeginObject();
  writer.Member("type", type);
  writer.Member("title", Title(http_status));
  writer.Member("status", http_status);
  writer.Member("code", code);
  writer.Member("detail", PublicMessage(status, request_id));
  writer.Member("instance", "urn:strata:request:" + std::string(request_id));
  writer.Member("request_id", request_id);
  if (!status.errors().empty()) {
    writer.Key("errors");
    writer.BeginArray();
    for (const ErrorDetail& error : status.errors()) {
      writer.BeginObject();
      switch (error.location) {
        case ErrorDetail::Location::kPointer: writer.Member("pointer", error.where); break;
        case ErrorDetail::Location::kParameter: writer.Member("parameter", error.where); break;
        case ErrorDetail::Location::kHeader: writer.Member("header", error.where); break;
      }
      writer.Member("detail", error.detail);
      writer.EndObject();
    }
    writer.EndArray();
  }
  if (extensions) extensions(writer);
  writer.EndObject();
  ApiResponse response = ApiResponse::Json(http_status, writer.Take());
  response.content_type = "application/problem+json";
  // Overload is temporary (CONVENTIONS.md §3): say when to come back.
  if (code == "overloaded") response.WithHeader("Retry-After", "1");
  if (http_status == 401) {
    std::string challenge = "Bearer realm=\"strata\"";
    if (code == "invalid_token") challenge += ", error=\"invalid_token\"";
    response.WithHeader("WWW-Authenticate", std::move(challenge));
  }
  return response;
}

}  // namespace strata::server
