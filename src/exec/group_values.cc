#include "exec/group_values.h"

#include "common/check.h"
#include "exec/aggregate_loops.h"

namespace strata::exec {

using types::DataType;

void GroupValues::Resize(size_t groups) {
  if (groups <= nulls_.size()) return;
  nulls_.resize(groups, 1);
  switch (type_) {
    case DataType::kBool: bools_.resize(groups, 0); break;
    case DataType::kInt64:
    case DataType::kTimestamp: ints_.resize(groups, 0); break;
    case DataType::kFloat64: doubles_.resize(groups, 0.0); break;
    case DataType::kString:
    case DataType::kJson: strings_.resize(groups); break;
  }
}

void GroupValues::Set(size_t gid, const types::ColumnVector& from, size_t row_idx) {
  STRATA_DCHECK(from.type() == type_);
  const bool null = from.IsNull(row_idx);
  nulls_[gid] = null ? 1 : 0;
  switch (type_) {
    case DataType::kBool: bools_[gid] = from.bools()[row_idx]; break;
    case DataType::kInt64:
    case DataType::kTimestamp: ints_[gid] = from.ints()[row_idx]; break;
    case DataType::kFloat64: doubles_[gid] = from.doubles()[row_idx]; break;
    case DataType::kString:
    case DataType::kJson:
      AssignCounted(strings_[gid], from.StringAt(row_idx), string_heap_bytes_);
      break;
  }
}

void GroupValues::MoveFrom(size_t gid, GroupValues& other, size_t other_gid) {
  nulls_[gid] = other.nulls_[other_gid];
  switch (type_) {
    case DataType::kBool: bools_[gid] = other.bools_[other_gid]; break;
    case DataType::kInt64:
    case DataType::kTimestamp: ints_[gid] = other.ints_[other_gid]; break;
    case DataType::kFloat64: doubles_[gid] = other.doubles_[other_gid]; break;
    case DataType::kString:
    case DataType::kJson:
      string_heap_bytes_ -= StringHeapBytes(strings_[gid]);
      strings_[gid] = std::move(other.strings_[other_gid]);
      string_heap_bytes_ += StringHeapBytes(strings_[gid]);
      break;
  }
}

void GroupValues::AppendTo(size_t gid, types::ColumnVector& out) const {
  if (nulls_[gid]) {
    out.AppendNull();
    return;
  }
  switch (type_) {
    case DataType::kBool: out.AppendBool(bools_[gid] != 0); break;
    case DataType::kInt64:
    case DataType::kTimestamp: out.AppendInt(ints_[gid]); break;
    case DataType::kFloat64: out.AppendDouble(doubles_[gid]); break;
    case DataType::kString:
    case DataType::kJson: out.AppendString(strings_[gid]); break;
  }
}

size_t GroupValues::MemoryBytes() const {
  return VectorBytes(bools_) + VectorBytes(ints_) + VectorBytes(doubles_) + VectorBytes(strings_) +
         string_heap_bytes_ + VectorBytes(nulls_);
}

}  // namespace strata::exec
