#include "ingest/body_format.h"

#include <string>

#include "common/strings.h"

namespace strata::ingest {
namespace {

std::string Unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return ToLower(value);
}

Status Unsupported(std::string_view what) {
  return Status::UnsupportedMediaType(std::string(what) + "; ingest accepts " +
                                      std::string(kIngestMediaTypes))
      .WithProblemCode("unsupported_media_type");
}

}  // namespace

std::string_view BodyFormatName(BodyFormat format) {
  switch (format) {
    case BodyFormat::kJson: return "json";
    case BodyFormat::kNdjson: return "ndjson";
    case BodyFormat::kCsv: return "csv";
    case BodyFormat::kLineProtocol: return "line-protocol";
  }
  return "unknown";
}

Result<BodyFormat> ParseBodyFormat(std::string_view content_type) {
  if (Trim(content_type).empty()) return Unsupported("the request has no Content-Type");
  size_t semicolon = content_type.find(';');
  const std::string media = ToLower(Trim(content_type.substr(0, semicolon)));
  std::string format_param;
  while (semicolon != std::string_view::npos) {
    content_type.remove_prefix(semicolon + 1);
    semicolon = content_type.find(';');
    const std::string_view param = Trim(content_type.substr(0, semicolon));
    const size_t equals = param.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string name = ToLower(Trim(param.substr(0, equals)));
    const std::string value = Unquote(Trim(param.substr(equals + 1)));
    if (name == "charset" && value != "utf-8" && value != "utf8") {
      return Unsupported("charset '" + value + "' is not supported (bodies are UTF-8)");
    }
    if (name == "format") format_param = value;
  }
  if (media == "application/json") return BodyFormat::kJson;
  if (media == "application/x-ndjson" || media == "application/jsonl" ||
      media == "application/jsonlines") {
    return BodyFormat::kNdjson;
  }
  if (media == "text/csv") return BodyFormat::kCsv;
  if (media == "text/plain") {
    if (format_param == "line-protocol") return BodyFormat::kLineProtocol;
    return Unsupported("text/plain needs the parameter format=line-protocol");
  }
  return Unsupported("Content-Type '" + media + "' is not supported");
}

}  // namespace strata::ingest
