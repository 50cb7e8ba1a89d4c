// RecordBuilder: turns records of any ingest format (JSON, NDJSON, CSV, line protocol) into
// the rows of one types::Batch, checking every value against the schema
// (docs/ingest.md is the contract: type table, nulls and defaults, evolve inference,
// limits, error codes).
//
// A decoder drives it per record:
//   BeginRecord();
//   SetInt("usage_user", 58); SetString("hostname", "host_0", true); ...
//   if (BeginObject("request") == NestedAction::kFlatten) { SetString("path", ...); EndObject(); }
//   bool committed = EndRecord();  // else errors() says why.
// EndRecord fills absent fields (default, else NULL, else missing_field) and commits the row,
// or rejects the record and truncates every column back to the rows before it, so one bad
// record never affects the others. After the first error of a record the setters keep
// checking (to report every problem, and to collect the record id) but the row is dropped.
//
// Thread safety: none; one builder per decoding thread.
// Allocation: none per accepted record once the batch's buffers and the name scratch have
// grown (rejected records allocate their error messages).
// Invariants:
//   1. Outside a record every column of batch() has batch().num_rows rows.
//   2. Inside a record a column has at most one value beyond num_rows.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/field_index.h"
#include "ingest/record_error.h"
#include "ingest/type_convert.h"
#include "types/batch.h"
#include "types/schema.h"

namespace strata::ingest {

// Upper bound of TypeOptions::max_depth: decoders walk nested values recursively.
inline constexpr int kMaxNestingDepth = 1024;

// What happens to record fields that the schema does not have (DESIGN.md "Data model").
enum class SchemaMode {
  kStrict,  // unknown_field error.
  kEvolve,  // Recorded in unknown_fields() with an inferred type; the record is rejected
            // with unknown_field until the caller evolves the schema and decodes again.
};

struct TypeOptions {
  // Accept strings for bool, int64, float64 fields and numeric strings as epoch timestamps
  // ("12" for an int64). Untyped text (SetString with from_json_string = false) is always
  // converted. Default: false.
  bool coerce_strings = false;
  // Longest string or json value, in bytes; longer gives string_too_long. Default: 1 MiB.
  size_t max_string_bytes = size_t{1} << 20;
  // Unit of epoch numbers given for timestamp fields. Default: kAuto (by magnitude).
  TimeUnit epoch_unit = TimeUnit::kAuto;
  // Field whose value (as text) names a record in error reports. Default: none.
  std::optional<std::string> record_id_field;
  // Default: kStrict.
  SchemaMode schema_mode = SchemaMode::kStrict;
  // Deepest nesting of objects and arrays below the record (the record's own members are
  // depth 1). Values outside [1, kMaxNestingDepth] are clamped. Default: 32.
  int max_depth = 32;
};

// A field that evolve mode would add. Inferred fields are nullable (older rows lack them).
struct InferredField {
  std::string name;  // Flattened: "request.path".
  types::DataType type = types::DataType::kString;
  bool operator==(const InferredField&) const = default;
};

// The answer to BeginObject / BeginArray: what the decoder does with the nested value.
enum class NestedAction {
  kFlatten,      // Objects only: set the members by their own keys, then EndObject().
  kCaptureJson,  // A json field: pass the value's compact text to SetRawJson(key, ...).
  kSkip,         // Skip the value; the builder has recorded an error or an inferred field.
};

class RecordBuilder {
 public:
  explicit RecordBuilder(const types::Schema& schema, TypeOptions options = {});

  RecordBuilder(const RecordBuilder&) = delete;
  RecordBuilder& operator=(const RecordBuilder&) = delete;
  RecordBuilder(RecordBuilder&&) = default;
  RecordBuilder& operator=(RecordBuilder&&) = default;

  // Switches to `schema` (for example after evolving it) and empties the batch and
  // unknown_fields(), keeping the column buffers whose type is unchanged.
  // REQUIRES: not inside a record.
  void Reset(const types::Schema& schema);

  // Starts a record. REQUIRES: not inside a record.
  void BeginRecord();
  // Finishes the record: true when its row was committed to batch(); false when it was
  // rejected (errors() explains, the batch is as before BeginRecord).
  bool EndRecord();
  // Drops the current record without counting it (the decoder gave up on the whole
  // request). Safe to call outside a record.
  void AbortRecord();

  // Setters: one call per present field of the current record. `key` is the member name at
  // the current nesting level (after BeginObject, relative to that object); the field is the
  // dotted path ("request" + "path" -> "request.path"). A key that appears twice in a
  // record gives duplicate_field.
  void SetNull(std::string_view key);
  void SetBool(std::string_view key, bool value);
  void SetInt(std::string_view key, int64_t value);
  void SetUInt(std::string_view key, uint64_t value);
  // `integral_text`: the source wrote an integer (no fraction or exponent) that did not fit
  // int64/uint64; used in messages and inference.
  void SetDouble(std::string_view key, double value, bool integral_text);
  // A number as text in JSON syntax, for values the source could not represent itself
  // (integers beyond uint64, 1e400): json fields store the text as written; other fields
  // convert it as SetInt/SetUInt/SetDouble would, and values beyond float64 give
  // number_out_of_range. Text that is not JSON number syntax gives type_mismatch.
  void SetNumberText(std::string_view key, std::string_view text);
  // `from_json_string`: the value is a JSON string, so it converts to bool/int64/float64
  // only with coerce_strings. false: untyped text (a CSV cell) that converts by the
  // field's type, as documented. REQUIRES: valid UTF-8 (decoders validate their input).
  void SetString(std::string_view key, std::string_view value, bool from_json_string);
  // Sets a field from one JSON value's compact text (the answer kCaptureJson asks for).
  // json fields store it; other fields report type_mismatch naming the value's kind.
  // REQUIRES: `compact_json` is one valid, compact JSON value.
  void SetRawJson(std::string_view key, std::string_view compact_json);

  // A nested object at `key`: kCaptureJson for a json field of that name, kFlatten (and
  // the object becomes the current nesting level) when no field of that name exists, kSkip
  // with an error for a field of another type or past max_depth.
  NestedAction BeginObject(std::string_view key);
  // Leaves the object entered by the last BeginObject that returned kFlatten.
  void EndObject();
  // A nested array at `key`: kCaptureJson for a json field, else kSkip (type_mismatch,
  // unknown_field, or in evolve mode an inferred json field).
  NestedAction BeginArray(std::string_view key);

  // Rejects the current record with an error found by the decoder (invalid JSON, a record
  // that is not an object, too large). `key` names a member at the current nesting level,
  // or is empty for the current object itself. The record could not be read in full, so
  // EndRecord does not report its absent fields.
  void Fail(RecordErrorCode code, std::string_view key, std::string_view detail);

  // The current record (after EndRecord: the last one, until the next BeginRecord).
  bool failed() const { return failed_; }
  std::span<const RecordError> errors() const { return errors_; }
  // The text of the record id field's value, when the record has one.
  std::optional<std::string_view> record_id() const {
    return has_record_id_ ? std::optional<std::string_view>(record_id_) : std::nullopt;
  }
  // Current nesting depth: 0 at the record's top level.
  int depth() const { return static_cast<int>(levels_.size()); }

  // Rows committed so far, in schema order (one column per field).
  const types::Batch& batch() const { return batch_; }
  // Moves the batch out and starts an empty one for the same schema.
  // REQUIRES: not inside a record.
  types::Batch TakeBatch();
  // Reserves room for `rows` more rows in every column.
  void Reserve(size_t rows) { batch_.Reserve(rows); }

  // Evolve mode: fields seen in records but absent from the schema, deduplicated, in first
  // seen order, types widened over all records (docs/ingest.md).
  const std::vector<InferredField>& unknown_fields() const { return unknown_fields_; }

  const types::Schema& schema() const { return schema_; }
  const TypeOptions& options() const { return options_; }
  size_t accepted() const { return accepted_; }
  size_t rejected() const { return rejected_; }

 private:
  // Per schema field, in schema order.
  struct Column {
    types::DataType type = types::DataType::kString;
    bool nullable = false;
    bool has_default = false;
    uint64_t set_in_record = 0;  // record_seq_ of the record that last set it.
    int follow = -1;             // The column set right after this one last time.
  };
  struct Level {
    uint32_t prefix_size;   // prefix_ before entering this level.
    uint32_t pointer_size;  // pointer_ before entering this level.
  };

  // Resolves `key` at the current level to a column, or FieldIndex::kNotFound; leaves the
  // full field name in name_. Marks the column as set, reporting duplicates (then returns
  // kDuplicate).
  static constexpr int kDuplicate = -2;
  int Claim(std::string_view key);
  std::string_view FullName(std::string_view key);
  // A key that names no field: unknown_field (strict) or inference (evolve). nullopt: the
  // value was null, which infers nothing.
  void HandleUnknown(std::string_view key, std::optional<types::DataType> inferred);
  void AddError(RecordErrorCode code, std::string_view key, std::string_view detail);
  void Mismatch(int col_idx, std::string_view key, std::string_view got);
  void BadEpoch(std::string_view key, std::string_view number);

  // Setters for a claimed column.
  void IntAt(int col_idx, std::string_view key, int64_t value);
  void UIntAt(int col_idx, std::string_view key, uint64_t value);
  // Appends to a timestamp column an epoch number (any numeric type) in options_.epoch_unit.
  template <typename Number>
  void EpochAt(types::ColumnVector& column, std::string_view key, Number value);
  void DoubleAt(int col_idx, std::string_view key, double value, bool integral_text);
  void TextAt(int col_idx, std::string_view key, std::string_view text, bool from_json_string);
  // Appends to a json column after the length check.
  void AppendJson(int col_idx, std::string_view key, std::string_view json);
  bool CheckLength(std::string_view key, size_t bytes);
  void CaptureId(std::string_view text);
  void ResetNesting();
  void TruncateToCommitted();

  types::Schema schema_;
  TypeOptions options_;
  FieldIndex index_;
  std::vector<Column> columns_;
  types::Batch batch_;
  int id_col_ = -1;

  // Current record.
  uint64_t record_seq_ = 0;
  bool in_record_ = false;
  bool failed_ = false;
  bool unreadable_ = false;  // Fail() was called: absent fields are not reported.
  size_t set_count_ = 0;
  int last_col_ = -1;   // Column set last in this record, for predicting the next key.
  int first_col_ = -1;  // Column set first in the previous record.
  std::vector<RecordError> errors_;
  std::string record_id_;
  bool has_record_id_ = false;
  std::vector<std::string> record_unknown_;  // Evolve mode: unknown names in this record.

  // Nesting: the dotted prefix of field names ("request.") and the JSON pointer of the
  // current object ("/request").
  std::string prefix_;
  std::string pointer_;
  std::vector<Level> levels_;
  std::string name_;     // Scratch: the full name of the key being set.
  std::string scratch_;  // Scratch: text renderings for json fields and ids.

  std::vector<InferredField> unknown_fields_;
  size_t accepted_ = 0;
  size_t rejected_ = 0;
};

}  // namespace strata::ingest
