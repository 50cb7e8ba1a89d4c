// RecordError: why one ingested record was rejected. Codes are part of the public API
// (docs/ingest.md): clients match on them, so names never change once released.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::ingest {

enum class RecordErrorCode : uint8_t {
  kTypeMismatch,      // The value's kind does not fit the field's type.
  kMissingField,      // A non-nullable field without default is absent.
  kNullNotAllowed,    // null for a non-nullable field without default.
  kUnknownField,      // A name that is not in the schema.
  kDuplicateField,    // The same field twice in one record.
  kStringTooLong,     // A string or json value above TypeOptions::max_string_bytes.
  kIntOutOfRange,     // An integer-valued number outside int64.
  kNumberOutOfRange,  // A number outside float64, or NaN/Infinity from a non-JSON source.
  kBadTimestamp,      // Neither RFC 3339 nor an epoch number in range.
  kInvalidJson,       // The record is not well-formed JSON (NDJSON line).
  kInvalidFieldName,  // Evolve mode: a new name that cannot become a field.
  kRecordTooLarge,    // The record's text exceeds the decoder's max_record_bytes.
  kNestingTooDeep,    // Objects or arrays nested deeper than TypeOptions::max_depth.
  kNotAnObject,       // A record that is not a JSON object (array element, NDJSON line).
};

// The stable snake_case name of `code`: "type_mismatch", "missing_field", ...
std::string_view RecordErrorCodeName(RecordErrorCode code);

struct RecordError {
  RecordErrorCode code = RecordErrorCode::kTypeMismatch;
  // JSON pointer (RFC 6901) to the offending value, relative to the record: "/usage_user",
  // "/request/path". Empty: the record as a whole.
  std::string pointer;
  // One actionable sentence, e.g. `expected int64, got string "abc"`.
  std::string detail;
};

}  // namespace strata::ingest
