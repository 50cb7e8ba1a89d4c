// The record formats an ingest body may use, chosen by its Content-Type.
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "common/result.h"

namespace strata::ingest {

enum class BodyFormat {
  kJson,          // application/json: an array of objects, or one object.
  kNdjson,        // application/x-ndjson: one object per line.
  kCsv,           // text/csv: RFC 4180 with a header row.
  kLineProtocol,  // text/plain; format=line-protocol: InfluxDB line protocol.
};

std::string_view BodyFormatName(BodyFormat format);  // "json", "ndjson", "csv", "line-protocol".

// The media types ingest accepts, for the 415 answer and the docs.
inline constexpr std::string_view kIngestMediaTypes =
    "application/json, application/x-ndjson, text/csv, text/plain; format=line-protocol";

// Parses a Content-Type header value (media type and parameters, case-insensitive; a
// charset other than utf-8 is refused). UnsupportedMediaType (problem code
// unsupported_media_type) names the accepted types when the value is missing or unknown.
Result<BodyFormat> ParseBodyFormat(std::string_view content_type);

}  // namespace strata::ingest
