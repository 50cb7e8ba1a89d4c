// GroupValues: one value (or NULL) of a column type per group, stored flat by physical type,
// for aggregates that return an input value (first, last).
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "types/column_vector.h"

namespace strata::exec {

class GroupValues {
 public:
  explicit GroupValues(types::DataType type) : type_(type) {}

  // Grows to `groups` groups, each NULL.
  void Resize(size_t groups);
  // Sets group `gid` to row `row_idx` of `from`, NULL included. REQUIRES: from.type() ==
  // the type given to the constructor.
  void Set(size_t gid, const types::ColumnVector& from, size_t row_idx);
  // Moves group `other_gid` of `other` into group `gid`.
  void MoveFrom(size_t gid, GroupValues& other, size_t other_gid);
  // Appends group `gid`'s value to `out`.
  void AppendTo(size_t gid, types::ColumnVector& out) const;

  size_t MemoryBytes() const;

 private:
  types::DataType type_;
  // One of these holds a slot per group, by physical type.
  std::vector<uint8_t> bools_;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<std::string> strings_;
  std::vector<uint8_t> nulls_;    // Per group: 1 while NULL.
  size_t string_heap_bytes_ = 0;  // Sum of StringHeapBytes over strings_.
};

}  // namespace strata::exec
