#include "server/api/request_helpers.h"

#include <charconv>

#include "common/strings.h"

namespace strata::server {

Result<json::Value> ParseJsonBody(const RequestContext& context) {
  const ApiRequest& request = context.request;
  const std::string_view content_type = request.Header("content-type");
  if (request.body.empty()) {
    return Status::InvalidArgument("this request needs a JSON body")
        .WithProblemCode("missing_body");
  }
  const std::string media = ToLower(Trim(content_type.substr(0, content_type.find(';'))));
  const bool json =
      media == "application/json" || (StartsWith(media, "application/") && media.size() > 5 &&
                                      media.substr(media.size() - 5) == "+json");
  if (!json) {
    return Status::UnsupportedMediaType("expected Content-Type: application/json, got '" +
                                        std::string(content_type) + "'")
        .WithErrors({ErrorDetail::Header("Content-Type", "expected application/json")});
  }
  json::ParseOptions options;
  options.max_depth = context.options.max_json_depth;
  return json::Parse(request.body, options);
}

Result<service::Precondition> ParseIfMatch(const ApiRequest& request) {
  service::Precondition precondition;
  if (!request.HasHeader("if-match")) return precondition;
  precondition.present = true;
  std::string_view value = Trim(request.Header("if-match"));
  if (value == "*") {
    precondition.any = true;
    return precondition;
  }
  auto malformed = [] {
    return Status::InvalidArgument("If-Match must be * or a list of entity tags such as \"abc\"")
        .WithErrors({ErrorDetail::Header("If-Match", "malformed entity tag")});
  };
  while (!value.empty()) {
    const bool weak = StartsWith(value, "W/");
    if (weak) value.remove_prefix(2);
    if (value.size() < 2 || value[0] != '"') return malformed();
    const size_t close = value.find('"', 1);
    if (close == std::string_view::npos) return malformed();
    // Weak tags never match under the strong comparison If-Match uses (RFC 9110 §13.1.1).
    if (!weak) precondition.etags.emplace_back(value.substr(0, close + 1));
    value = Trim(value.substr(close + 1));
    if (value.empty()) break;
    if (value[0] != ',') return malformed();
    value = Trim(value.substr(1));
  }
  if (precondition.etags.empty() && !StartsWith(Trim(request.Header("if-match")), "W/")) {
    return malformed();
  }
  return precondition;
}

Result<service::PageRequest> ParsePageRequest(const ApiRequest& request) {
  service::PageRequest page;
  if (const std::string* limit = request.Query("limit")) {
    size_t value = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || value < 1 ||
        value > service::kMaxPageSize) {
      return Status::InvalidArgument("limit must be an integer from 1 to 1000")
          .WithErrors({ErrorDetail::Parameter("limit", "expected an integer from 1 to 1000")});
    }
    page.limit = value;
  }
  if (const std::string* cursor = request.Query("cursor")) page.cursor = *cursor;
  return page;
}

Result<bool> ParseBool(const ApiRequest& request, std::string_view name) {
  const std::string* value = request.Query(name);
  if (value == nullptr || *value == "false") return false;
  if (*value == "true" || value->empty()) return true;
  const std::string message = std::string(name) + " must be true or false, got '" + *value + "'";
  return Status::InvalidArgument(message).WithErrors(
      {ErrorDetail::Parameter(std::string(name), message)});
}

Status CheckQueryParameters(const ApiRequest& request,
                            std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : request.query) {
    bool known = false;
    for (std::string_view candidate : allowed) known |= candidate == name;
    if (!known) {
      std::string detail = "unknown query parameter '" + name + "'" +
                           DidYouMean(name, std::vector<std::string_view>(allowed));
      return Status::InvalidArgument(detail).WithErrors({ErrorDetail::Parameter(name, detail)});
    }
  }
  return Status();
}

ApiResponse JsonResponse(int status, JsonWriter& writer) {
  return ApiResponse::Json(status, writer.Take());
}

std::string NextPageLink(const ApiRequest& request, const std::string& next_cursor) {
  std::string target = request.path + "?";
  for (const auto& [name, value] : request.query) {
    if (name == "cursor") continue;
    target += PercentEncode(name) + "=" + PercentEncode(value) + "&";
  }
  target += "cursor=" + PercentEncode(next_cursor);
  return "<" + target + ">; rel=\"next\"";
}

}  // namespace strata::server
