// CAST(x AS type). Supported pairs (same type: identity):
//   bool      -> int64 (0/1), float64, string, json
//   int64     -> bool (x <> 0), float64, string, timestamp (x µs since the epoch), json
//   float64   -> int64 (half away from zero; NaN and out of range are errors), string, json
//                (non-finite values become JSON null)
//   timestamp -> int64 (µs since the epoch), string (RFC 3339), json (RFC 3339 string)
//   string    -> bool, int64, float64 (value_text.h), timestamp (RFC 3339), json (parsed,
//                stored compact); text that does not convert is an "invalid_cast" error
//   json      -> string (its text); bool, int64, float64, timestamp from the matching JSON
//                value (types::ValueFromJson), JSON null giving NULL
// Other pairs are "invalid_cast" errors. Strings in dictionary form convert once per entry.
#include <cmath>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "exec/kernel_util.h"
#include "exec/kernels.h"
#include "exec/value_text.h"

namespace strata::exec::internal {
namespace {

using types::Value;

Status CastError(DataType from, DataType to, std::string_view text, std::string_view why = {}) {
  std::string message = "cannot cast " + std::string(types::DataTypeName(from)) + " " +
                        QuoteForMessage(text) + " to " + std::string(types::DataTypeName(to));
  if (!why.empty()) message += ": " + std::string(why);
  return Status::InvalidArgument(message).WithProblemCode("invalid_cast");
}

Status UnsupportedCast(DataType from, DataType to) {
  return Status::InvalidArgument("cannot cast " + std::string(types::DataTypeName(from)) + " to " +
                                 std::string(types::DataTypeName(to)))
      .WithProblemCode("invalid_cast");
}

// ---- From fixed-width types. ----

template <typename From, typename To, typename Convert>
void CastFixed(const ColumnVector& in, DataType to, ColumnVector& out, Convert convert) {
  const size_t rows = in.size();
  To* __restrict result = StartFixedWidth<To>(out, to, rows);
  const From* __restrict values = Payload<From>(in);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) result[row_idx] = convert(values[row_idx]);
  out.mutable_validity() = in.validity();
  FinishFixedWidth(out, rows);
}

constexpr double kTwoPow63 = 9223372036854775808.0;

Status FloatToInt(const ColumnVector& in, ColumnVector& out) {
  const size_t rows = in.size();
  int64_t* result = StartFixedWidth<int64_t>(out, DataType::kInt64, rows);
  const double* values = in.doubles().data();
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    const double rounded = std::round(values[row_idx]);  // Half away from zero.
    if (rounded >= -kTwoPow63 && rounded < kTwoPow63) {  // False for NaN.
      result[row_idx] = static_cast<int64_t>(rounded);
      continue;
    }
    if (in.IsNull(row_idx)) continue;
    std::string text;
    AppendDoubleText(text, values[row_idx]);
    if (std::isnan(values[row_idx])) return CastError(DataType::kFloat64, DataType::kInt64, text);
    return Status::InvalidArgument("float64 value " + text + " is out of range for int64")
        .WithProblemCode("numeric_overflow");
  }
  out.mutable_validity() = in.validity();
  FinishFixedWidth(out, in.size());
  return Status();
}

// Writes the text of every row of a fixed-width vector: string text, or JSON for kJson.
void FixedToText(const ColumnVector& in, DataType to, ColumnVector& out) {
  out = ColumnVector(to);
  out.Reserve(in.size(), in.size() * 8);
  const Datum arg{&in, nullptr, in.type()};
  std::string text;
  for (size_t row_idx = 0; row_idx < in.size(); ++row_idx) {
    if (in.IsNull(row_idx)) {
      out.AppendNull();
      continue;
    }
    text.clear();
    if (to == DataType::kJson && in.type() == DataType::kFloat64) {
      JsonWriter writer;  // Non-finite values have no JSON number: null.
      writer.Double(in.DoubleAt(row_idx));
      text = writer.Take();
    } else if (to == DataType::kJson && in.type() == DataType::kTimestamp) {
      AppendJsonString(text, FormatRfc3339(in.IntAt(row_idx)));
    } else {
      AppendValueText(text, arg, row_idx);
    }
    out.AppendString(text);
  }
}

Status CastFromFixed(const ColumnVector& in, DataType to, ColumnVector& out) {
  const DataType from = in.type();
  if (types::IsStringStored(to)) {
    FixedToText(in, to, out);
    return Status();
  }
  if (from == DataType::kBool && to == DataType::kInt64) {
    CastFixed<uint8_t, int64_t>(in, to, out, [](uint8_t b) { return int64_t{b}; });
  } else if (from == DataType::kBool && to == DataType::kFloat64) {
    CastFixed<uint8_t, double>(in, to, out, [](uint8_t b) { return double{b ? 1.0 : 0.0}; });
  } else if (from == DataType::kInt64 && to == DataType::kBool) {
    CastFixed<int64_t, uint8_t>(in, to, out, [](int64_t x) { return uint8_t{x != 0}; });
  } else if (from == DataType::kInt64 && to == DataType::kFloat64) {
    CastFixed<int64_t, double>(in, to, out, [](int64_t x) { return static_cast<double>(x); });
  } else if (from == DataType::kFloat64 && to == DataType::kInt64) {
    return FloatToInt(in, out);
  } else if ((from == DataType::kInt64 && to == DataType::kTimestamp) ||
             (from == DataType::kTimestamp && to == DataType::kInt64)) {
    CastFixed<int64_t, int64_t>(in, to, out, [](int64_t x) { return x; });
  } else {
    return UnsupportedCast(from, to);
  }
  return Status();
}

// ---- From string and json. ----

// Calls emit(row_idx, const Value* value) for every row in order (null for NULL rows), with
// value = convert(text) computed once per row, or once per used entry in dictionary form.
template <typename Convert, typename Emit>
Status ConvertTexts(const ColumnVector& in, Convert&& convert, Emit&& emit) {
  std::vector<std::optional<Value>> memo(in.is_dictionary() ? in.dictionary_size() : 0);
  for (size_t row_idx = 0; row_idx < in.size(); ++row_idx) {
    if (in.IsNull(row_idx)) {
      emit(row_idx, nullptr);
      continue;
    }
    if (!in.is_dictionary()) {
      STRATA_ASSIGN_OR_RETURN(Value value, convert(in.StringAt(row_idx)));
      emit(row_idx, &value);
      continue;
    }
    std::optional<Value>& slot = memo[in.codes()[row_idx]];
    if (!slot) {
      STRATA_ASSIGN_OR_RETURN(Value value, convert(in.StringAt(row_idx)));
      slot = std::move(value);
    }
    emit(row_idx, &*slot);
  }
  return Status();
}

Result<Value> StringToValue(std::string_view text, DataType to) {
  switch (to) {
    case DataType::kBool:
      if (std::optional<bool> value = ParseBoolText(text)) return Value(*value);
      break;
    case DataType::kInt64:
      if (std::optional<int64_t> value = ParseInt64Text(text)) return Value(*value);
      break;
    case DataType::kFloat64:
      if (std::optional<double> value = ParseFloat64Text(text)) return Value(*value);
      break;
    case DataType::kTimestamp:
      if (std::optional<int64_t> value = ParseRfc3339(Trim(text))) return Value(*value);
      return CastError(DataType::kString, to, text,
                       "expected RFC 3339 such as 2024-01-01T00:00:00Z");
    case DataType::kJson: {
      Result<json::Value> parsed = json::Parse(text);
      if (!parsed.ok()) return CastError(DataType::kString, to, text, parsed.status().message());
      return Value(json::Serialize(parsed.value()));
    }
    case DataType::kString: return Value(std::string(text));
  }
  return CastError(DataType::kString, to, text);
}

Result<Value> JsonToValue(std::string_view text, DataType to) {
  if (to == DataType::kString) return Value(std::string(text));
  Result<json::Value> parsed = json::Parse(text);
  if (!parsed.ok()) return CastError(DataType::kJson, to, text, parsed.status().message());
  std::string error;
  std::optional<Value> value = types::ValueFromJson(parsed.value(), to, error);
  if (!value) return CastError(DataType::kJson, to, text, error);
  return std::move(*value);
}

Status CastFromText(const ColumnVector& in, DataType to, ColumnVector& out) {
  const bool from_json = in.type() == DataType::kJson;
  out = ColumnVector(to);
  out.Reserve(in.size());
  return ConvertTexts(
      in,
      [&](std::string_view text) {
        return from_json ? JsonToValue(text, to) : StringToValue(text, to);
      },
      [&](size_t, const Value* value) {
        if (value == nullptr) {
          out.AppendNull();
        } else {
          out.AppendValue(*value);
        }
      });
}

// string -> string, json -> json: the same rows. (json -> string too: its text.)
void CopyText(const ColumnVector& in, DataType to, ColumnVector& out) {
  out = ColumnVector(to);
  out.mutable_offsets() = in.offsets();
  out.mutable_chars() = in.chars();
  out.mutable_validity() = in.validity();
  if (in.is_dictionary()) {
    out.mutable_codes() = in.codes();
    out.SetDictionarySize(in.size());
  } else {
    out.SetSize(in.size());
  }
}

}  // namespace

Status EvalCast(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (args.size() != 1) return UnsupportedTypes(expr, args);
  ColumnVector scratch;
  const ColumnVector& in = AsVector(args[0], scratch);
  if (in.size() != rows) return UnsupportedTypes(expr, args);
  const DataType from = in.type();
  const DataType to = expr.type;
  if (from == to || (from == DataType::kJson && to == DataType::kString)) {
    if (types::IsStringStored(to)) {
      CopyText(in, to, out);
    } else {
      out = in;
    }
    return Status();
  }
  if (types::IsStringStored(from)) return CastFromText(in, to, out);
  return CastFromFixed(in, to, out);
}

}  // namespace strata::exec::internal
