// lower, upper, length, substring, concat over UTF-8 strings: lengths and positions count
// code points. lower/upper map ASCII letters only and leave every other byte alone.
// concat (and ||, the same FuncId) skips NULL arguments and is never NULL (concat of only
// NULLs is ''); non-string arguments contribute their text (value_text.h).
// Strings in dictionary form are processed once per entry; lower, upper and substring with
// constant positions then return dictionary form too.
#include <algorithm>

#include "exec/kernel_util.h"
#include "exec/kernels.h"
#include "exec/value_text.h"

namespace strata::exec::internal {
namespace {

using sql::FuncId;

bool IsContinuationByte(char c) { return (static_cast<uint8_t>(c) & 0xc0) == 0x80; }

int64_t CodePointCount(std::string_view text) {
  int64_t count = 0;
  for (char c : text) count += !IsContinuationByte(c);
  return count;
}

// Byte offset of code point `index` (0-based) in `text`, or text.size() past the end.
size_t ByteOffsetOfCodePoint(std::string_view text, int64_t index) {
  size_t pos = 0;
  for (; index > 0 && pos < text.size(); --index) {
    ++pos;
    while (pos < text.size() && IsContinuationByte(text[pos])) ++pos;
  }
  return pos;
}

// substring(text, start[, count]) with PostgreSQL semantics: the code points at 1-based
// positions [start, start + count) that exist; start < 1 shortens the result.
std::string_view Substring(std::string_view text, int64_t start, std::optional<int64_t> count) {
  int64_t end = INT64_MAX;  // Exclusive, 1-based.
  if (count && __builtin_add_overflow(start, *count, &end)) end = INT64_MAX;
  const int64_t begin = std::max<int64_t>(start, 1);
  if (end <= begin) return {};
  const size_t from = ByteOffsetOfCodePoint(text, begin - 1);
  const std::string_view rest = text.substr(from);
  if (end == INT64_MAX) return rest;
  return rest.substr(0, ByteOffsetOfCodePoint(rest, end - begin));
}

void AsciiCase(std::string_view text, bool upper, std::string& result) {
  result.assign(text);
  const char from = upper ? 'a' : 'A';
  for (char& c : result) {
    if (c >= from && c <= from + 25) c = static_cast<char>(c ^ 0x20);
  }
}

void Length(const ColumnVector& in, size_t rows, ColumnVector& out) {
  int64_t* result = StartFixedWidth<int64_t>(out, DataType::kInt64, rows);
  if (PreferDictionary(in)) {
    std::vector<int64_t> per_entry(in.dictionary_size());
    for (uint32_t entry = 0; entry < per_entry.size(); ++entry) {
      per_entry[entry] = CodePointCount(in.DictionaryEntry(entry));
    }
    const uint32_t* codes = in.codes().data();
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) result[row_idx] = per_entry[codes[row_idx]];
  } else {
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      result[row_idx] = CodePointCount(in.StringAt(row_idx));
    }
  }
  out.mutable_validity() = in.validity();
  FinishFixedWidth(out, rows);
}

Status EvalSubstring(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  const bool has_count = args.size() == 3;
  if (args.size() < 2 || args.size() > 3 || TypeOf(args[1]) != DataType::kInt64 ||
      (has_count && TypeOf(args[2]) != DataType::kInt64)) {
    return UnsupportedTypes(expr, args);
  }
  const auto count_at = [&](size_t row_idx) -> std::optional<int64_t> {
    if (!has_count) return std::nullopt;
    return IntAt(args[2], row_idx);
  };
  // PostgreSQL: "negative substring length not allowed".
  for (size_t row_idx = 0; row_idx < rows && has_count; ++row_idx) {
    bool row_valid = true;
    for (const Datum& arg : args) row_valid = row_valid && !IsNullAt(arg, row_idx);
    if (row_valid && IntAt(args[2], row_idx) < 0) {
      return Status::InvalidArgument("substring: negative length " +
                                     std::to_string(IntAt(args[2], row_idx)));
    }
  }
  const bool constant_positions = args[1].is_scalar() && (!has_count || args[2].is_scalar());
  if (!args[0].is_scalar() && constant_positions) {
    const int64_t start = IntAt(args[1], 0);
    const std::optional<int64_t> count = count_at(0);
    MapStrings(*args[0].vector, expr.type, out, [&](std::string_view text, std::string& result) {
      result.assign(Substring(text, start, count));
    });
    return Status();
  }
  out = ColumnVector(expr.type);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    bool row_valid = true;
    for (const Datum& arg : args) row_valid = row_valid && !IsNullAt(arg, row_idx);
    if (!row_valid) {
      out.AppendNull();
    } else {
      out.AppendString(
          Substring(StringAt(args[0], row_idx), IntAt(args[1], row_idx), count_at(row_idx)));
    }
  }
  return Status();
}

void Concat(KernelArgs args, size_t rows, ColumnVector& out) {
  out = ColumnVector(DataType::kString);
  std::string text;
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    text.clear();
    for (const Datum& arg : args) {
      if (!IsNullAt(arg, row_idx)) AppendValueText(text, arg, row_idx);
    }
    out.AppendString(text);
  }
}

}  // namespace

Status EvalString(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (expr.func == FuncId::kConcat) {
    if (expr.type != DataType::kString) return UnsupportedTypes(expr, args);
    Concat(args, rows, out);
    return Status();
  }
  if (args.empty() || !types::IsStringStored(TypeOf(args[0]))) return UnsupportedTypes(expr, args);
  if (expr.func == FuncId::kSubstring) return EvalSubstring(expr, args, rows, out);
  if (args.size() != 1) return UnsupportedTypes(expr, args);
  ColumnVector scratch;
  const ColumnVector& in = AsVector(args[0], scratch);
  switch (expr.func) {
    case FuncId::kLength: Length(in, rows, out); return Status();
    case FuncId::kLower:
    case FuncId::kUpper: {
      const bool upper = expr.func == FuncId::kUpper;
      MapStrings(in, expr.type, out, [&](std::string_view text, std::string& result) {
        AsciiCase(text, upper, result);
      });
      return Status();
    }
    default: return UnsupportedTypes(expr, args);
  }
}

}  // namespace strata::exec::internal
