// json -> key / index (a json value) and json ->> key / index (its text: a JSON string's
// contents, the JSON text of any other value, NULL for JSON null). A string key selects an
// object member, an int64 index an array element (negative counts from the end); a missing
// member, an index out of range or a value of the wrong kind gives NULL. Each document is
// parsed once per call: once per row, or once per dictionary entry.
#include <optional>

#include "common/json.h"
#include "exec/kernel_util.h"
#include "exec/kernels.h"

namespace strata::exec::internal {
namespace {

using sql::FuncId;

const json::Value* Select(const json::Value& document, const Datum& key, size_t row_idx) {
  if (types::IsStringStored(TypeOf(key))) return document.Find(StringAt(key, row_idx));
  if (!document.is_array()) return nullptr;
  const auto size = static_cast<int64_t>(document.items().size());
  int64_t index = IntAt(key, row_idx);
  if (index < 0) index += size;
  if (index < 0 || index >= size) return nullptr;
  return &document.items()[static_cast<size_t>(index)];
}

// Parsed documents of the json argument, each parsed on first use.
class Documents {
 public:
  explicit Documents(const Datum& arg) : arg_(arg) {
    const bool per_entry = !arg.is_scalar() && arg.vector->is_dictionary();
    cache_.resize(arg.is_scalar() ? 1 : per_entry ? arg.vector->dictionary_size() : 0);
  }

  Result<const json::Value*> At(size_t row_idx) {
    if (cache_.empty()) {  // Plain vector: each row is parsed once anyway.
      STRATA_ASSIGN_OR_RETURN(row_document_, json::Parse(StringAt(arg_, row_idx)));
      return &row_document_;
    }
    const size_t slot = arg_.is_scalar() ? 0 : arg_.vector->codes()[row_idx];
    if (!cache_[slot]) {
      STRATA_ASSIGN_OR_RETURN(json::Value document, json::Parse(StringAt(arg_, row_idx)));
      cache_[slot] = std::move(document);
    }
    return &*cache_[slot];
  }

 private:
  const Datum& arg_;
  std::vector<std::optional<json::Value>> cache_;
  json::Value row_document_;
};

}  // namespace

Status EvalJson(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (args.size() != 2 || TypeOf(args[0]) != DataType::kJson ||
      !(TypeOf(args[1]) == DataType::kString || TypeOf(args[1]) == DataType::kInt64) ||
      !types::IsStringStored(expr.type)) {
    return UnsupportedTypes(expr, args);
  }
  const bool as_text = expr.func == FuncId::kJsonGetText;
  Documents documents(args[0]);
  out = ColumnVector(expr.type);
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    if (IsNullAt(args[0], row_idx) || IsNullAt(args[1], row_idx)) {
      out.AppendNull();
      continue;
    }
    STRATA_ASSIGN_OR_RETURN(const json::Value* document, documents.At(row_idx));
    const json::Value* selected = Select(*document, args[1], row_idx);
    if (selected == nullptr || (as_text && selected->is_null())) {
      out.AppendNull();
    } else if (as_text && selected->is_string()) {
      out.AppendString(selected->string_value());
    } else {
      out.AppendString(json::Serialize(*selected));
    }
  }
  return Status();
}

}  // namespace strata::exec::internal
