// JsonDecoder: decodes ingest bodies in JSON (an array of objects, or one object) and NDJSON
// (one object per line) straight into a RecordBuilder's batch, with per-record errors
// (docs/ingest.md, "JSON and NDJSON bodies").
//
// Error isolation:
//   - NDJSON: every line stands alone. A malformed line (syntax, invalid UTF-8, not an
//     object, too long) is a record error (invalid_json names the line); the other lines
//     still decode. Blank lines (also "\r\n" and whitespace-only ones) are skipped and are not
//     records. "\r\n" line ends are accepted.
//   - JSON array / object: a syntax error or invalid UTF-8 anywhere breaks the document, so it
//     fails the request (InvalidArgument, problem code "malformed_json", with line and
//     column). Type errors, missing fields and elements that are not objects are record
//     errors.
// When Decode returns a non-OK Status the batch and every record already reported to the sink
// must be discarded (decoding is lazy: a syntax error may follow good records).
//
// Thread safety: none; one JsonDecoder per thread. It keeps its parser's buffers between
// calls (they grow to the largest NDJSON line, or to the largest JSON array body).
// Allocation: none per record once warm (the parser, the builder and the scratch buffers
// are reused).
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "ingest/record_builder.h"
#include "ingest/record_error.h"

namespace strata::ingest {

enum class JsonShape {
  kAuto,    // By the first non-space character: '[' array, '{' object; else an error.
  kArray,   // [ {...}, {...} ]
  kObject,  // {...}: one record.
  kNdjson,  // One JSON object per line (application/x-ndjson).
};

std::string_view JsonShapeName(JsonShape shape);  // "auto", "array", "object", "ndjson".

// Bytes the parser may read past the end of a body (simdjson's SIMDJSON_PADDING).
inline constexpr size_t kJsonPaddingBytes = 64;

// Makes sure `body` has kJsonPaddingBytes of initialized capacity after its end, without
// changing its contents (at most one reallocation, none if the capacity is already there:
// callers that read a body into a std::string can reserve size + kJsonPaddingBytes first).
void PadJsonBody(std::string& body);

struct DecodeOptions {
  // Default: kAuto. Callers map Content-Type: application/x-ndjson to kNdjson.
  JsonShape shape = JsonShape::kAuto;
  // A record whose text is longer is rejected with record_too_large (NDJSON lines are
  // not parsed at all). Default: 1 MiB (`ingest.max_record_bytes`).
  size_t max_record_bytes = size_t{1} << 20;
  // More records fail the request with PayloadTooLarge, problem code "too_many_records".
  // Default: unlimited (`ingest.max_rows_per_request`).
  size_t max_records = std::numeric_limits<size_t>::max();
};

// One decoded record, as reported to a DecodeSink. Views point into the body or the builder
// and are valid during the OnRecord call only.
struct DecodedRecord {
  size_t index = 0;  // 0-based among the body's records (blank NDJSON lines don't count).
  // 1-based line where the record starts. Always set for NDJSON; for JSON bodies set for
  // rejected records only (0 for accepted ones, to avoid counting lines).
  size_t line = 0;
  // The record's text: body[begin, end), without the line end or surrounding whitespace.
  // For dead letters.
  size_t begin = 0;
  size_t end = 0;
  bool accepted = false;
  std::optional<std::string_view> id;   // Value of the record id field, if present.
  std::span<const RecordError> errors;  // Empty iff accepted.
};

class DecodeSink {
 public:
  virtual ~DecodeSink() = default;
  // Called once per record, in order, after the builder committed or rejected it.
  virtual void OnRecord(const DecodedRecord& record) = 0;
};

struct DecodeSummary {
  JsonShape shape = JsonShape::kAuto;  // The shape decoded (never kAuto).
  size_t records = 0;
  size_t accepted = 0;
  size_t rejected = 0;
};

class JsonDecoder {
 public:
  JsonDecoder();
  ~JsonDecoder();
  JsonDecoder(JsonDecoder&&) noexcept;
  JsonDecoder& operator=(JsonDecoder&&) noexcept;

  // Decodes `body` into `builder` (records are appended to builder.batch()), reporting each
  // record to `sink` (may be null). Pads `body` first (PadJsonBody); its contents are not
  // changed. Error pointers are relative to the record; for JSON arrays callers prefix
  // "/<index>" to point into the body.
  // Errors: InvalidArgument ("malformed_json" for syntax and UTF-8 errors in JSON bodies,
  // "invalid_body" for bodies that are empty or not an array/object); PayloadTooLarge
  // ("too_many_records", or a JSON body beyond the parser's 4 GiB limit).
  // REQUIRES: builder is not inside a record.
  Result<DecodeSummary> Decode(std::string& body, const DecodeOptions& options,
                               RecordBuilder& builder, DecodeSink* sink);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot convenience: a fresh JsonDecoder for one body.
Result<DecodeSummary> DecodeJson(std::string& body, const DecodeOptions& options,
                                 RecordBuilder& builder, DecodeSink* sink);

}  // namespace strata::ingest
