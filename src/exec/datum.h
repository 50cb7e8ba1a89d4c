// Datum: an argument of a vectorized kernel — a vector of values, one per row being
// evaluated, or one scalar standing for every row (constants are never broadcast).
// Thread safety: a view; the vector or value it points at must outlive it.
#pragma once

#include "types/column_vector.h"
#include "types/data_type.h"

namespace strata::exec {

struct Datum {
  const types::ColumnVector* vector = nullptr;  // Null for a scalar.
  const types::Value* scalar = nullptr;         // Set iff vector is null; monostate: NULL.
  types::DataType type = types::DataType::kInt64;

  bool is_scalar() const { return vector == nullptr; }
  bool is_null_scalar() const {
    return scalar != nullptr && std::holds_alternative<std::monostate>(*scalar);
  }
};

}  // namespace strata::exec
