#include "ingest/record_error.h"

namespace strata::ingest {

std::string_view RecordErrorCodeName(RecordErrorCode code) {
  switch (code) {
    case RecordErrorCode::kTypeMismatch: return "type_mismatch";
    case RecordErrorCode::kMissingField: return "missing_field";
    case RecordErrorCode::kNullNotAllowed: return "null_not_allowed";
    case RecordErrorCode::kUnknownField: return "unknown_field";
    case RecordErrorCode::kDuplicateField: return "duplicate_field";
    case RecordErrorCode::kStringTooLong: return "string_too_long";
    case RecordErrorCode::kIntOutOfRange: return "int_out_of_range";
    case RecordErrorCode::kNumberOutOfRange: return "number_out_of_range";
    case RecordErrorCode::kBadTimestamp: return "bad_timestamp";
    case RecordErrorCode::kInvalidJson: return "invalid_json";
    case RecordErrorCode::kInvalidFieldName: return "invalid_field_name";
    case RecordErrorCode::kRecordTooLarge: return "record_too_large";
    case RecordErrorCode::kNestingTooDeep: return "nesting_too_deep";
    case RecordErrorCode::kNotAnObject: return "not_an_object";
  }
  return "invalid_record";
}

}  // namespace strata::ingest
