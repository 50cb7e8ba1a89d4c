#include "ingest/record_builder.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "common/check.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/time_util.h"

namespace strata::ingest {
namespace {

using types::DataType;

// Errors kept per record; later ones are dropped (the record is rejected either way).
constexpr size_t kMaxErrorsPerRecord = 32;
// Bytes of a value quoted in an error message.
constexpr size_t kExcerptBytes = 64;

// A number rendered into a stack buffer (shortest round-trip form for doubles).
struct NumberText {
  char buf[40];
  size_t size = 0;
  std::string_view view() const { return {buf, size}; }
};
template <typename T>
NumberText Render(T value) {
  NumberText text;
  text.size = static_cast<size_t>(std::to_chars(text.buf, text.buf + sizeof(text.buf), value).ptr -
                                  text.buf);
  return text;
}

// `value` as a JSON string for messages, cut at kExcerptBytes on a UTF-8 boundary.
std::string Quote(std::string_view value) {
  std::string out;
  if (value.size() <= kExcerptBytes) {
    AppendJsonString(out, value);
    return out;
  }
  size_t cut = kExcerptBytes;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xc0) == 0x80) --cut;
  AppendJsonString(out, value.substr(0, cut));
  out.insert(out.size() - 1, "...");
  return out;
}

std::string StringGot(std::string_view value) { return "string " + Quote(value); }
std::string NumberGot(std::string_view text) { return "number " + std::string(text); }

// The kind of a compact JSON value, by its first character.
std::string_view JsonKind(std::string_view json) {
  if (json.empty()) return "nothing";
  switch (json[0]) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    case 't':
    case 'f': return "boolean";
    case 'n': return "null";
    default: return "number";
  }
}

// Appends one RFC 6901 reference token: '~' -> "~0", '/' -> "~1".
void AppendPointerToken(std::string& pointer, std::string_view token) {
  pointer.push_back('/');
  for (char c : token) {
    if (c == '~') {
      pointer.append("~0");
    } else if (c == '/') {
      pointer.append("~1");
    } else {
      pointer.push_back(c);
    }
  }
}

// "request.path" -> "/request/path".
std::string PointerFromDotted(std::string_view name) {
  std::string pointer;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    AppendPointerToken(pointer,
                       name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return pointer;
}

// Whether a field's default can be appended to its column as is.
bool DefaultFits(const types::Field& field) {
  const types::Value& value = field.default_value;
  switch (field.type) {
    case DataType::kBool: return std::holds_alternative<bool>(value);
    case DataType::kInt64:
    case DataType::kTimestamp: return std::holds_alternative<int64_t>(value);
    case DataType::kFloat64:
      return std::holds_alternative<double>(value) || std::holds_alternative<int64_t>(value);
    case DataType::kString:
    case DataType::kJson: return std::holds_alternative<std::string>(value);
  }
  return false;
}

// Evolve mode: the type that holds values of both `a` and `b` (docs/ingest.md).
DataType Widen(DataType a, DataType b) {
  if (a == b) return a;
  const auto either = [&](DataType x, DataType y) {
    return (a == x && b == y) || (a == y && b == x);
  };
  if (either(DataType::kInt64, DataType::kFloat64)) return DataType::kFloat64;
  if (either(DataType::kTimestamp, DataType::kString)) return DataType::kString;
  return DataType::kJson;
}

// -2^63 <= value < 2^63, the doubles that convert to int64 exactly when integral.
bool DoubleFitsInt64(double value) {
  return value >= -9223372036854775808.0 && value < 9223372036854775808.0;
}

}  // namespace

RecordBuilder::RecordBuilder(const types::Schema& schema, TypeOptions options)
    : options_(std::move(options)) {
  options_.max_depth = std::clamp(options_.max_depth, 1, kMaxNestingDepth);
  Reset(schema);
}

void RecordBuilder::Reset(const types::Schema& schema) {
  STRATA_DCHECK(!in_record_);
  schema_ = schema;
  std::vector<std::string_view> names;
  names.reserve(schema_.fields.size());
  columns_.assign(schema_.fields.size(), Column{});
  for (size_t col_idx = 0; col_idx < schema_.fields.size(); ++col_idx) {
    const types::Field& field = schema_.fields[col_idx];
    names.push_back(field.name);
    columns_[col_idx].type = field.type;
    columns_[col_idx].nullable = field.nullable;
    // Schema validation checks defaults; one that does not fit is treated as absent here.
    STRATA_DCHECK(!field.has_default() || DefaultFits(field));
    columns_[col_idx].has_default = field.has_default() && DefaultFits(field);
  }
  index_ = FieldIndex(names);
  batch_.Reset(schema_);
  id_col_ = options_.record_id_field ? index_.Find(*options_.record_id_field) : -1;
  unknown_fields_.clear();
  first_col_ = -1;
  accepted_ = 0;
  rejected_ = 0;
}

// --- Record lifecycle -------------------------------------------------------------------

void RecordBuilder::BeginRecord() {
  STRATA_DCHECK(!in_record_);
  ++record_seq_;
  in_record_ = true;
  failed_ = false;
  unreadable_ = false;
  set_count_ = 0;
  last_col_ = -1;
  errors_.clear();
  has_record_id_ = false;
  record_unknown_.clear();
  ResetNesting();
}

bool RecordBuilder::EndRecord() {
  STRATA_DCHECK(in_record_);
  ResetNesting();
  if (set_count_ != columns_.size() && !unreadable_) {
    for (size_t col_idx = 0; col_idx < columns_.size(); ++col_idx) {
      const Column& column = columns_[col_idx];
      if (column.set_in_record == record_seq_) continue;
      if (column.has_default) {
        if (!failed_) batch_.columns[col_idx].AppendValue(schema_.fields[col_idx].default_value);
      } else if (column.nullable) {
        if (!failed_) batch_.columns[col_idx].AppendNull();
      } else {
        const types::Field& field = schema_.fields[col_idx];
        failed_ = true;
        if (errors_.size() < kMaxErrorsPerRecord) {
          errors_.push_back({RecordErrorCode::kMissingField, PointerFromDotted(field.name),
                             "required field \"" + field.name + "\" (" +
                                 std::string(types::DataTypeName(field.type)) + ") is missing"});
        }
      }
    }
  }
  in_record_ = false;
  if (failed_) {
    TruncateToCommitted();
    ++rejected_;
    return false;
  }
  ++batch_.num_rows;
  ++accepted_;
#ifndef NDEBUG
  for (const types::ColumnVector& column : batch_.columns) {
    STRATA_DCHECK(column.size() == batch_.num_rows);
  }
#endif
  return true;
}

void RecordBuilder::AbortRecord() {
  if (!in_record_) return;
  TruncateToCommitted();
  ResetNesting();
  in_record_ = false;
}

void RecordBuilder::TruncateToCommitted() {
  for (types::ColumnVector& column : batch_.columns) column.Truncate(batch_.num_rows);
}

void RecordBuilder::ResetNesting() {
  prefix_.clear();
  pointer_.clear();
  levels_.clear();
}

types::Batch RecordBuilder::TakeBatch() {
  STRATA_DCHECK(!in_record_);
  types::Batch out = std::move(batch_);
  batch_ = types::Batch::ForSchema(schema_);
  return out;
}

// --- Names ----------------------------------------------------------------------------------

std::string_view RecordBuilder::FullName(std::string_view key) {
  if (levels_.empty()) return key;
  name_.assign(prefix_);
  name_.append(key);
  return name_;
}

int RecordBuilder::Claim(std::string_view key) {
  STRATA_DCHECK(in_record_);
  const std::string_view name = FullName(key);
  // Records of one body usually list their keys in the same order: try the column that
  // followed the previous one last time before hashing.
  const int guess = last_col_ >= 0 ? columns_[last_col_].follow : first_col_;
  int col_idx;
  if (guess >= 0 && index_.NameIs(guess, name)) {
    col_idx = guess;
  } else {
    col_idx = index_.Find(name);
    if (col_idx < 0) return FieldIndex::kNotFound;
    if (last_col_ >= 0) {
      columns_[last_col_].follow = col_idx;
    } else {
      first_col_ = col_idx;
    }
  }
  last_col_ = col_idx;
  Column& column = columns_[col_idx];
  if (column.set_in_record == record_seq_) {
    AddError(RecordErrorCode::kDuplicateField, key,
             "field " + Quote(name) + " appears more than once");
    return kDuplicate;
  }
  column.set_in_record = record_seq_;
  ++set_count_;
  return col_idx;
}

void RecordBuilder::HandleUnknown(std::string_view key, std::optional<DataType> inferred) {
  const std::string name(FullName(key));
  if (options_.schema_mode == SchemaMode::kStrict) {
    AddError(RecordErrorCode::kUnknownField, key, "field " + Quote(name) + " is not in the schema");
    return;
  }
  if (!inferred) return;  // Evolve mode: a null says nothing about a type.
  if (!types::IsValidFieldName(name)) {
    AddError(RecordErrorCode::kInvalidFieldName, key,
             Quote(name) +
                 " cannot become a field: names are [A-Za-z_][A-Za-z0-9_]* segments joined by "
                 "'.', at most " +
                 std::to_string(types::kMaxFieldNameBytes) + " bytes");
    return;
  }
  for (const std::string& seen : record_unknown_) {
    if (seen == name) {
      AddError(RecordErrorCode::kDuplicateField, key,
               "field " + Quote(name) + " appears more than once");
      return;
    }
  }
  record_unknown_.push_back(name);
  InferredField* known = nullptr;
  for (InferredField& field : unknown_fields_) {
    if (field.name == name) known = &field;
  }
  if (known == nullptr) {
    if (schema_.fields.size() + unknown_fields_.size() >= types::kMaxFields) {
      AddError(RecordErrorCode::kUnknownField, key,
               "field " + Quote(name) + " is not in the schema, and a schema holds at most " +
                   std::to_string(types::kMaxFields) + " fields");
      return;
    }
    unknown_fields_.push_back({name, *inferred});
    known = &unknown_fields_.back();
  } else {
    known->type = Widen(known->type, *inferred);
  }
  AddError(RecordErrorCode::kUnknownField, key,
           "field " + Quote(name) + " is not in the schema yet (inferred type " +
               std::string(types::DataTypeName(known->type)) + ")");
}

// --- Errors ---------------------------------------------------------------------------------

void RecordBuilder::AddError(RecordErrorCode code, std::string_view key, std::string_view detail) {
  failed_ = true;
  if (errors_.size() >= kMaxErrorsPerRecord) return;
  RecordError& error = errors_.emplace_back();
  error.code = code;
  error.pointer = pointer_;
  if (!key.empty()) AppendPointerToken(error.pointer, key);
  error.detail = detail;
}

void RecordBuilder::Fail(RecordErrorCode code, std::string_view key, std::string_view detail) {
  AddError(code, key, detail);
  unreadable_ = true;
}

void RecordBuilder::Mismatch(int col_idx, std::string_view key, std::string_view got) {
  AddError(RecordErrorCode::kTypeMismatch, key,
           "expected " + std::string(types::DataTypeName(columns_[col_idx].type)) + ", got " +
               std::string(got));
}

void RecordBuilder::BadEpoch(std::string_view key, std::string_view number) {
  AddError(RecordErrorCode::kBadTimestamp, key,
           "epoch number " + std::string(number) + " (unit " +
               std::string(TimeUnitName(options_.epoch_unit)) +
               ") is outside the timestamp range 0000-01-01T00:00:00Z to "
               "9999-12-31T23:59:59.999999Z");
}

bool RecordBuilder::CheckLength(std::string_view key, size_t bytes) {
  if (bytes <= options_.max_string_bytes) return true;
  AddError(RecordErrorCode::kStringTooLong, key,
           "string of " + std::to_string(bytes) + " bytes exceeds the limit of " +
               std::to_string(options_.max_string_bytes) + " bytes");
  return false;
}

void RecordBuilder::CaptureId(std::string_view text) {
  record_id_.assign(text);
  has_record_id_ = true;
}

void RecordBuilder::AppendJson(int col_idx, std::string_view key, std::string_view json) {
  if (CheckLength(key, json.size())) batch_.columns[col_idx].AppendString(json);
}

// --- Setters ----------------------------------------------------------------------------------

void RecordBuilder::SetNull(std::string_view key) {
  const int col_idx = Claim(key);
  if (col_idx < 0) {
    if (col_idx == FieldIndex::kNotFound) HandleUnknown(key, std::nullopt);
    return;
  }
  const Column& column = columns_[col_idx];
  if (column.nullable) {
    batch_.columns[col_idx].AppendNull();
  } else if (column.has_default) {
    // An explicit null asks for "no value": a non-nullable field takes its default.
    batch_.columns[col_idx].AppendValue(schema_.fields[col_idx].default_value);
  } else {
    AddError(RecordErrorCode::kNullNotAllowed, key,
             "field \"" + schema_.fields[col_idx].name + "\" is not nullable and has no default");
  }
}

void RecordBuilder::SetBool(std::string_view key, bool value) {
  const int col_idx = Claim(key);
  if (col_idx < 0) {
    if (col_idx == FieldIndex::kNotFound) HandleUnknown(key, DataType::kBool);
    return;
  }
  const std::string_view text = value ? "true" : "false";
  if (col_idx == id_col_) CaptureId(text);
  switch (columns_[col_idx].type) {
    case DataType::kBool: batch_.columns[col_idx].AppendBool(value); return;
    case DataType::kJson: AppendJson(col_idx, key, text); return;
    default: Mismatch(col_idx, key, "boolean " + std::string(text)); return;
  }
}

void RecordBuilder::SetInt(std::string_view key, int64_t value) {
  const int col_idx = Claim(key);
  if (col_idx >= 0) {
    IntAt(col_idx, key, value);
  } else if (col_idx == FieldIndex::kNotFound) {
    HandleUnknown(key, DataType::kInt64);
  }
}

void RecordBuilder::SetUInt(std::string_view key, uint64_t value) {
  const int col_idx = Claim(key);
  if (col_idx >= 0) {
    UIntAt(col_idx, key, value);
  } else if (col_idx == FieldIndex::kNotFound) {
    const bool fits = value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    HandleUnknown(key, fits ? DataType::kInt64 : DataType::kFloat64);
  }
}

void RecordBuilder::SetDouble(std::string_view key, double value, bool integral_text) {
  const int col_idx = Claim(key);
  if (col_idx >= 0) {
    DoubleAt(col_idx, key, value, integral_text);
  } else if (col_idx == FieldIndex::kNotFound) {
    HandleUnknown(key, DataType::kFloat64);
  }
}

void RecordBuilder::SetNumberText(std::string_view key, std::string_view text) {
  const TextNumber number = ParseTextNumber(text);
  const int col_idx = Claim(key);
  if (col_idx < 0) {
    if (col_idx != FieldIndex::kNotFound) return;
    const bool is_int = number.kind == TextNumber::Kind::kInt;
    HandleUnknown(key, is_int ? DataType::kInt64 : DataType::kFloat64);
    return;
  }
  if (columns_[col_idx].type == DataType::kJson && number.kind != TextNumber::Kind::kInvalid) {
    if (col_idx == id_col_) CaptureId(text);
    AppendJson(col_idx, key, text);  // JSON keeps the number exactly as written.
    return;
  }
  switch (number.kind) {
    case TextNumber::Kind::kInt: IntAt(col_idx, key, number.int_value); return;
    case TextNumber::Kind::kUInt: UIntAt(col_idx, key, number.uint_value); return;
    case TextNumber::Kind::kDouble:
      DoubleAt(col_idx, key, number.double_value, number.integral_text);
      return;
    case TextNumber::Kind::kOutOfRange:
      if (col_idx == id_col_) CaptureId(text);
      if (columns_[col_idx].type == DataType::kBool ||
          columns_[col_idx].type == DataType::kString) {
        Mismatch(col_idx, key, NumberGot(text));
      } else {
        AddError(RecordErrorCode::kNumberOutOfRange, key,
                 "number " + std::string(text) + " is outside the float64 range");
      }
      return;
    case TextNumber::Kind::kInvalid:
      Mismatch(col_idx, key, "text " + Quote(text) + " that is not a number");
      return;
  }
}

void RecordBuilder::SetString(std::string_view key, std::string_view value, bool from_json_string) {
  const int col_idx = Claim(key);
  if (col_idx >= 0) {
    TextAt(col_idx, key, value, from_json_string);
    return;
  }
  if (col_idx != FieldIndex::kNotFound) return;
  if (options_.schema_mode == SchemaMode::kStrict) {
    HandleUnknown(key, DataType::kString);
    return;
  }
  // Evolve: what the text looks like.
  DataType inferred = DataType::kString;
  if (ParseRfc3339(value)) {
    inferred = DataType::kTimestamp;
  } else if (!from_json_string) {
    if (ParseTextBool(value)) {
      inferred = DataType::kBool;
    } else {
      const TextNumber number = ParseTextNumber(value);
      if (number.kind == TextNumber::Kind::kInt) {
        inferred = DataType::kInt64;
      } else if (number.kind != TextNumber::Kind::kInvalid) {
        inferred = DataType::kFloat64;
      }
    }
  }
  HandleUnknown(key, inferred);
}

void RecordBuilder::SetRawJson(std::string_view key, std::string_view compact_json) {
  const int col_idx = Claim(key);
  if (col_idx < 0) {
    if (col_idx == FieldIndex::kNotFound) HandleUnknown(key, DataType::kJson);
    return;
  }
  if (columns_[col_idx].type == DataType::kJson) {
    AppendJson(col_idx, key, compact_json);
  } else {
    Mismatch(col_idx, key, JsonKind(compact_json));
  }
}

NestedAction RecordBuilder::BeginObject(std::string_view key) {
  const int found = index_.Find(FullName(key));
  if (found >= 0) {
    if (columns_[found].type == DataType::kJson) return NestedAction::kCaptureJson;
    const int col_idx = Claim(key);  // Marks it present: the object is its (wrong) value.
    if (col_idx >= 0) Mismatch(col_idx, key, "object");
    return NestedAction::kSkip;
  }
  // The object's members would sit at depth() + 2.
  if (depth() + 2 > options_.max_depth) {
    AddError(
        RecordErrorCode::kNestingTooDeep, key,
        "objects and arrays nest deeper than " + std::to_string(options_.max_depth) + " levels");
    return NestedAction::kSkip;
  }
  levels_.push_back(
      {static_cast<uint32_t>(prefix_.size()), static_cast<uint32_t>(pointer_.size())});
  prefix_.append(key);
  prefix_.push_back('.');
  AppendPointerToken(pointer_, key);
  return NestedAction::kFlatten;
}

void RecordBuilder::EndObject() {
  STRATA_DCHECK(!levels_.empty());
  if (levels_.empty()) return;
  prefix_.resize(levels_.back().prefix_size);
  pointer_.resize(levels_.back().pointer_size);
  levels_.pop_back();
}

NestedAction RecordBuilder::BeginArray(std::string_view key) {
  const int found = index_.Find(FullName(key));
  if (found >= 0 && columns_[found].type == DataType::kJson) return NestedAction::kCaptureJson;
  const int col_idx = Claim(key);
  if (col_idx >= 0) {
    Mismatch(col_idx, key, "array");
  } else if (col_idx == FieldIndex::kNotFound) {
    HandleUnknown(key, DataType::kJson);
  }
  return NestedAction::kSkip;
}

// --- Conversions for a claimed column -----------------------------------------------------

template <typename Number>
void RecordBuilder::EpochAt(types::ColumnVector& column, std::string_view key, Number value) {
  const std::optional<int64_t> micros = EpochToMicros(value, options_.epoch_unit);
  if (micros) {
    column.AppendInt(*micros);
  } else {
    BadEpoch(key, Render(value).view());
  }
}

void RecordBuilder::IntAt(int col_idx, std::string_view key, int64_t value) {
  types::ColumnVector& column = batch_.columns[col_idx];
  if (col_idx == id_col_) CaptureId(Render(value).view());
  switch (columns_[col_idx].type) {
    case DataType::kInt64: column.AppendInt(value); return;
    case DataType::kFloat64: column.AppendDouble(static_cast<double>(value)); return;
    case DataType::kTimestamp: EpochAt(column, key, value); return;
    case DataType::kJson: AppendJson(col_idx, key, Render(value).view()); return;
    case DataType::kBool:
    case DataType::kString: Mismatch(col_idx, key, NumberGot(Render(value).view())); return;
  }
}

void RecordBuilder::UIntAt(int col_idx, std::string_view key, uint64_t value) {
  if (value <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    IntAt(col_idx, key, static_cast<int64_t>(value));
    return;
  }
  types::ColumnVector& column = batch_.columns[col_idx];
  if (col_idx == id_col_) CaptureId(Render(value).view());
  switch (columns_[col_idx].type) {
    case DataType::kInt64:
      AddError(RecordErrorCode::kIntOutOfRange, key,
               "number " + std::string(Render(value).view()) + " is outside the int64 range");
      return;
    case DataType::kFloat64: column.AppendDouble(static_cast<double>(value)); return;
    case DataType::kTimestamp: EpochAt(column, key, value); return;
    case DataType::kJson: AppendJson(col_idx, key, Render(value).view()); return;
    case DataType::kBool:
    case DataType::kString: Mismatch(col_idx, key, NumberGot(Render(value).view())); return;
  }
}

void RecordBuilder::DoubleAt(int col_idx, std::string_view key, double value, bool integral_text) {
  types::ColumnVector& column = batch_.columns[col_idx];
  const DataType type = columns_[col_idx].type;
  if (col_idx == id_col_) CaptureId(Render(value).view());
  if (!std::isfinite(value)) {
    if (type == DataType::kBool || type == DataType::kString) {
      Mismatch(col_idx, key, NumberGot(Render(value).view()));
    } else {
      AddError(RecordErrorCode::kNumberOutOfRange, key,
               "NaN and Infinity cannot be stored (got " + std::string(Render(value).view()) + ")");
    }
    return;
  }
  switch (type) {
    case DataType::kInt64:
      if (std::trunc(value) != value) {
        Mismatch(col_idx, key, NumberGot(Render(value).view()) + " (not an integer)");
      } else if (integral_text || !DoubleFitsInt64(value)) {
        // integral_text: an integer too wide for int64 and uint64, whatever it rounds to.
        AddError(RecordErrorCode::kIntOutOfRange, key,
                 std::string(integral_text ? "integer " : "number ") +
                     std::string(Render(value).view()) + " is outside the int64 range");
      } else {
        column.AppendInt(static_cast<int64_t>(value));
      }
      return;
    case DataType::kFloat64: column.AppendDouble(value); return;
    case DataType::kTimestamp: EpochAt(column, key, value); return;
    case DataType::kJson: AppendJson(col_idx, key, Render(value).view()); return;
    case DataType::kBool:
    case DataType::kString: Mismatch(col_idx, key, NumberGot(Render(value).view())); return;
  }
}

void RecordBuilder::TextAt(int col_idx, std::string_view key, std::string_view text,
                           bool from_json_string) {
  types::ColumnVector& column = batch_.columns[col_idx];
  const DataType type = columns_[col_idx].type;
  if (col_idx == id_col_) CaptureId(text);
  // Untyped text always converts by the field's type; JSON strings only when asked to.
  const bool convert = !from_json_string || options_.coerce_strings;
  switch (type) {
    case DataType::kString:
      if (CheckLength(key, text.size())) column.AppendString(text);
      return;
    case DataType::kJson: {
      if (from_json_string) {
        scratch_.clear();
        AppendJsonString(scratch_, text);
        AppendJson(col_idx, key, scratch_);
        return;
      }
      // Untyped text must itself be JSON (a CSV cell holding {"a":1}). Slow path.
      Result<json::Value> parsed = json::Parse(text, {.max_depth = options_.max_depth});
      if (!parsed.ok()) {
        Mismatch(col_idx, key, "text that is not valid JSON: " + Quote(text));
        return;
      }
      AppendJson(col_idx, key, json::Serialize(*parsed));
      return;
    }
    case DataType::kBool: {
      const std::optional<bool> value = convert ? ParseTextBool(text) : std::nullopt;
      if (value) {
        column.AppendBool(*value);
      } else {
        Mismatch(col_idx, key, StringGot(text));
      }
      return;
    }
    case DataType::kInt64:
    case DataType::kFloat64: {
      if (!convert) {
        Mismatch(col_idx, key, StringGot(text));
        return;
      }
      const TextNumber number = ParseTextNumber(text);
      switch (number.kind) {
        case TextNumber::Kind::kInt: IntAt(col_idx, key, number.int_value); return;
        case TextNumber::Kind::kUInt: UIntAt(col_idx, key, number.uint_value); return;
        case TextNumber::Kind::kDouble:
          DoubleAt(col_idx, key, number.double_value, number.integral_text);
          return;
        case TextNumber::Kind::kOutOfRange:
          AddError(RecordErrorCode::kNumberOutOfRange, key,
                   "number " + Quote(text) + " is outside the float64 range");
          return;
        case TextNumber::Kind::kInvalid: Mismatch(col_idx, key, StringGot(text)); return;
      }
      return;
    }
    case DataType::kTimestamp: {
      if (const std::optional<int64_t> micros = ParseRfc3339(text)) {
        column.AppendInt(*micros);
        return;
      }
      if (convert) {
        const TextNumber number = ParseTextNumber(text);
        std::optional<int64_t> micros;
        switch (number.kind) {
          case TextNumber::Kind::kInt:
            micros = EpochToMicros(number.int_value, options_.epoch_unit);
            break;
          case TextNumber::Kind::kUInt:
            micros = EpochToMicros(number.uint_value, options_.epoch_unit);
            break;
          case TextNumber::Kind::kDouble:
            micros = EpochToMicros(number.double_value, options_.epoch_unit);
            break;
          case TextNumber::Kind::kOutOfRange: BadEpoch(key, text); return;
          case TextNumber::Kind::kInvalid: break;
        }
        if (micros) {
          column.AppendInt(*micros);
          return;
        }
        if (number.kind != TextNumber::Kind::kInvalid) {
          BadEpoch(key, text);
          return;
        }
      }
      AddError(RecordErrorCode::kBadTimestamp, key,
               "expected an RFC 3339 timestamp such as 2024-01-01T00:00:00Z or an epoch number, "
               "got " +
                   StringGot(text));
      return;
    }
  }
}

}  // namespace strata::ingest
