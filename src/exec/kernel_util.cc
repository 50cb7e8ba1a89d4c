#include "exec/kernel_util.h"

#include <algorithm>

#include "common/check.h"

namespace strata::exec::internal {
namespace {

size_t BitmapBytes(size_t rows) { return (rows + 7) / 8; }

// Every row valid, and the bits past `rows` zero (ColumnVector relies on them being 0).
std::vector<uint8_t> AllValid(size_t rows) {
  std::vector<uint8_t> bits(BitmapBytes(rows), 0xff);
  if ((rows & 7) != 0) bits.back() = static_cast<uint8_t>((1u << (rows & 7)) - 1);
  return bits;
}

void ZeroSlot(ColumnVector& out, size_t row_idx) {
  switch (out.type()) {
    case DataType::kBool: out.mutable_bools()[row_idx] = 0; break;
    case DataType::kInt64:
    case DataType::kTimestamp: out.mutable_ints()[row_idx] = 0; break;
    case DataType::kFloat64: out.mutable_doubles()[row_idx] = 0.0; break;
    case DataType::kString:
    case DataType::kJson: STRATA_DCHECK(false); break;
  }
}

}  // namespace

bool IsNullAt(const Datum& arg, size_t row_idx) {
  return arg.is_scalar() ? arg.is_null_scalar() : arg.vector->IsNull(row_idx);
}

bool HasNulls(const Datum& arg) {
  return arg.is_scalar() ? arg.is_null_scalar() : arg.vector->has_nulls();
}

bool BoolAt(const Datum& arg, size_t row_idx) {
  if (!arg.is_scalar()) return arg.vector->BoolAt(row_idx);
  const bool* value = std::get_if<bool>(arg.scalar);
  return value != nullptr && *value;
}

int64_t IntAt(const Datum& arg, size_t row_idx) {
  if (!arg.is_scalar()) return arg.vector->IntAt(row_idx);
  if (const int64_t* value = std::get_if<int64_t>(arg.scalar)) return *value;
  STRATA_DCHECK(false);  // The binder types constants; a mismatch is a bug.
  return 0;
}

double DoubleAt(const Datum& arg, size_t row_idx) {
  if (!arg.is_scalar()) return arg.vector->DoubleAt(row_idx);
  if (const double* value = std::get_if<double>(arg.scalar)) return *value;
  if (const int64_t* value = std::get_if<int64_t>(arg.scalar)) return static_cast<double>(*value);
  STRATA_DCHECK(false);
  return 0.0;
}

std::string_view StringAt(const Datum& arg, size_t row_idx) {
  if (!arg.is_scalar()) return arg.vector->StringAt(row_idx);
  if (const std::string* value = std::get_if<std::string>(arg.scalar)) return *value;
  STRATA_DCHECK(false);
  return {};
}

void PropagateValidity(std::span<const Datum> args, size_t rows, ColumnVector& out) {
  std::vector<uint8_t>& validity = out.mutable_validity();
  validity.clear();
  for (const Datum& arg : args) {
    if (arg.is_null_scalar()) {
      validity.assign(BitmapBytes(rows), 0);
      return;
    }
  }
  for (const Datum& arg : args) {
    if (arg.is_scalar() || !arg.vector->has_nulls()) continue;
    const std::vector<uint8_t>& bits = arg.vector->validity();
    if (validity.empty()) {
      validity = bits;
      continue;
    }
    for (size_t byte_idx = 0; byte_idx < validity.size(); ++byte_idx) {
      validity[byte_idx] &= bits[byte_idx];
    }
  }
}

void SetNull(ColumnVector& out, size_t rows, size_t row_idx) {
  std::vector<uint8_t>& validity = out.mutable_validity();
  if (validity.empty()) validity = AllValid(rows);
  validity[row_idx >> 3] &= static_cast<uint8_t>(~(1u << (row_idx & 7)));
}

bool IsValidRow(const ColumnVector& out, size_t row_idx) {
  return out.validity().empty() || BitIsSet(out.validity().data(), row_idx);
}

void FinishFixedWidth(ColumnVector& out, size_t rows) {
  out.SetSize(rows);
  std::vector<uint8_t>& validity = out.mutable_validity();
  if (validity.empty()) return;
  bool any_null = false;
  for (size_t byte_idx = 0; byte_idx < validity.size(); ++byte_idx) {
    const size_t begin = byte_idx * 8;
    const size_t count = std::min<size_t>(8, rows - begin);
    const auto all_valid = static_cast<uint8_t>(count == 8 ? 0xff : (1u << count) - 1);
    const uint8_t bits = validity[byte_idx];
    if (bits == all_valid) continue;
    any_null = true;
    for (size_t bit = 0; bit < count; ++bit) {
      if (((bits >> bit) & 1) == 0) ZeroSlot(out, begin + bit);
    }
  }
  if (!any_null) validity.clear();
}

void FillNull(ColumnVector& out, DataType type, size_t rows) {
  out = ColumnVector(type);
  if (rows == 0) return;
  switch (type) {
    case DataType::kBool: out.mutable_bools().assign(rows, 0); break;
    case DataType::kInt64:
    case DataType::kTimestamp: out.mutable_ints().assign(rows, 0); break;
    case DataType::kFloat64: out.mutable_doubles().assign(rows, 0.0); break;
    case DataType::kString:
    case DataType::kJson: out.mutable_offsets().assign(rows + 1, 0); break;
  }
  out.mutable_validity().assign(BitmapBytes(rows), 0);
  out.SetSize(rows);
}

void Broadcast(const ColumnVector& one, size_t rows, ColumnVector& out) {
  STRATA_DCHECK(one.size() == 1);
  if (rows == 1) {
    out = one;
    return;
  }
  out = ColumnVector(one.type());
  if (rows == 0) return;
  switch (one.type()) {
    case DataType::kBool: out.mutable_bools().assign(rows, one.bools()[0]); break;
    case DataType::kInt64:
    case DataType::kTimestamp: out.mutable_ints().assign(rows, one.ints()[0]); break;
    case DataType::kFloat64: out.mutable_doubles().assign(rows, one.doubles()[0]); break;
    case DataType::kString:
    case DataType::kJson: {
      const std::string_view value = one.StringAt(0);  // "" when NULL.
      out.mutable_chars().assign(value);
      out.mutable_offsets().push_back(static_cast<uint32_t>(value.size()));
      out.mutable_codes().assign(rows, 0);
      if (one.has_nulls()) out.mutable_validity().assign(BitmapBytes(rows), 0);
      out.SetDictionarySize(rows);
      return;
    }
  }
  if (one.has_nulls()) out.mutable_validity().assign(BitmapBytes(rows), 0);
  out.SetSize(rows);
}

const ColumnVector& AsVector(const Datum& arg, ColumnVector& scratch) {
  if (!arg.is_scalar()) return *arg.vector;
  scratch = ColumnVector(arg.type);
  scratch.AppendValue(*arg.scalar);
  return scratch;
}

DictionaryBuilder::DictionaryBuilder(ColumnVector& out, DataType type) : out_(out) {
  out_ = ColumnVector(type);
}

uint32_t DictionaryBuilder::Entry(std::string_view value) {
  auto [it, inserted] =
      index_.try_emplace(std::string(value), static_cast<uint32_t>(out_.offsets().size() - 1));
  if (inserted) {
    out_.mutable_chars().append(value);
    out_.mutable_offsets().push_back(static_cast<uint32_t>(out_.chars().size()));
  }
  return it->second;
}

void DictionaryBuilder::Finish(std::vector<uint32_t> codes, std::vector<uint8_t> validity) {
  const size_t rows = codes.size();
  bool any_null = false;
  if (!validity.empty()) {
    uint32_t empty_entry = UINT32_MAX;
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
      if (BitIsSet(validity.data(), row_idx)) continue;
      if (empty_entry == UINT32_MAX) empty_entry = Entry("");
      codes[row_idx] = empty_entry;
      any_null = true;
    }
  }
  if (!any_null) validity.clear();
  out_.mutable_codes() = std::move(codes);
  out_.mutable_validity() = std::move(validity);
  out_.SetDictionarySize(rows);
}

Status UnsupportedTypes(const sql::BoundExpr& expr, std::span<const Datum> args) {
  std::string message = "no kernel for " + std::string(sql::FuncName(expr.func)) + "(";
  for (size_t arg_idx = 0; arg_idx < args.size(); ++arg_idx) {
    if (arg_idx > 0) message += ", ";
    message += types::DataTypeName(TypeOf(args[arg_idx]));
  }
  message += ") -> ";
  message += types::DataTypeName(expr.type);
  return Status::Internal(message);
}

Status OverflowError(std::string_view op) {
  return Status::InvalidArgument("integer overflow in " + std::string(op))
      .WithProblemCode("numeric_overflow");
}

std::string QuoteForMessage(std::string_view text) {
  constexpr size_t kMaxBytes = 64;
  std::string out = "\"";
  if (text.size() <= kMaxBytes) {
    out.append(text);
  } else {
    size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<uint8_t>(text[cut]) & 0xc0) == 0x80) --cut;  // UTF-8 start.
    out.append(text.substr(0, cut));
    out.append("...");
  }
  out.push_back('"');
  return out;
}

}  // namespace strata::exec::internal
