// FuncId::kTransform: a field policy's ValueTransform (sql/value_transform.h) over a column.
// String-stored values are passed as they are; other types as their canonical text
// (value_text.h). Dictionary-form strings are transformed once per entry, and the result
// keeps dictionary form with distinct entries. NULL stays NULL.
#include "exec/kernel_util.h"
#include "exec/kernels.h"
#include "exec/value_text.h"

namespace strata::exec::internal {

Status EvalTransform(const sql::BoundExpr& expr, KernelArgs args, size_t rows, ColumnVector& out) {
  if (expr.transform == nullptr || args.size() != 1) {
    return Status::Internal("a field transform without its transform");
  }
  const sql::ValueTransform& transform = *expr.transform;
  ColumnVector scratch;
  const ColumnVector& in = AsVector(args[0], scratch);
  if (types::IsStringStored(in.type())) {
    MapStrings(in, DataType::kString, out, [&](std::string_view value, std::string& result) {
      transform.Apply(value, result);
    });
    return Status();
  }
  out = ColumnVector(DataType::kString);
  const Datum view{&in, nullptr, in.type()};
  std::string text;
  std::string result;
  for (size_t row_idx = 0; row_idx < rows; ++row_idx) {
    if (in.IsNull(row_idx)) {
      out.AppendNull();
      continue;
    }
    text.clear();
    AppendValueText(text, view, row_idx);
    result.clear();
    transform.Apply(text, result);
    out.AppendString(result);
  }
  return Status();
}

}  // namespace strata::exec::internal
