// RecordDecoder: one entry point for every ingest format. It runs the format's parser
// (JSON/NDJSON, CSV, line protocol) over a decoded body, feeds each record to a
// RecordBuilder, and reports every rejected record — parser errors and type errors alike —
// in one shape, so the ingest service treats all formats the same.
// Thread safety: none; one decoder per request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "ingest/body_format.h"
#include "ingest/line_protocol.h"
#include "ingest/record_builder.h"

namespace strata::ingest {

// One problem of a rejected record.
struct RecordIssue {
  std::string_view code;  // Stable snake_case ("type_mismatch", "csv_field_count", ...).
  std::string pointer;    // JSON pointer relative to the record ("/usage_user"); "" = all.
  std::string detail;
};

struct RejectedRecord {
  size_t index = 0;                    // 0-based among the body's records.
  size_t line = 0;                     // 1-based line where the record starts; 0 when unknown.
  std::string_view raw;                // The record's text as sent (for dead letters).
  std::optional<std::string_view> id;  // The record id field's value, when readable.
  std::string_view header;  // CSV: the header line, which the row needs to be read again.
  std::span<const RecordIssue> issues;  // At least one.
};

class RejectSink {
 public:
  virtual ~RejectSink() = default;
  // Called once per rejected record, in order. Views are valid during the call only.
  virtual void OnRejected(const RejectedRecord& record) = 0;
};

struct RecordDecodeOptions {
  size_t max_record_bytes = size_t{1} << 20;
  // More records fail the whole body: PayloadTooLarge, problem code too_many_records.
  size_t max_records = SIZE_MAX;
  // Line protocol: a point's measurement must name this dataset (empty: any), and its
  // timestamp sets this field (empty: the timestamp is ignored).
  std::string dataset_id;
  std::string time_field;
  TimestampPrecision precision = TimestampPrecision::kNanoseconds;
  int64_t now_us = 0;  // The time of points without a timestamp.
};

struct RecordDecodeSummary {
  size_t records = 0;
  size_t accepted = 0;
  size_t rejected = 0;
};

// Decodes `body` (UTF-8 text, already inflated; JSON bodies are padded in place) into
// `builder`. Request-level errors (the body cannot be read as a whole: malformed JSON
// array, CSV header problems or an unclosed quote, too many records) are returned as a
// Status and the builder's batch must be discarded; record-level ones go to `sink`.
// Line protocol timestamps reach the time field as microseconds: give `builder`
// TypeOptions::epoch_unit = TimeUnit::kMicros for it.
Result<RecordDecodeSummary> DecodeRecords(BodyFormat format, std::string& body,
                                          const RecordDecodeOptions& options,
                                          RecordBuilder& builder, RejectSink& sink);

}  // namespace strata::ingest
