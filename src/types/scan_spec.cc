#include "types/scan_spec.h"

namespace strata::types {

std::string_view CompareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
    case CompareOp::kIn: return "IN";
  }
  return "?";
}

void ScanStats::Add(const ScanStats& other) {
  rows_scanned += other.rows_scanned;
  rows_returned += other.rows_returned;
  bytes_scanned += other.bytes_scanned;
  partitions_total += other.partitions_total;
  partitions_pruned += other.partitions_pruned;
  chunks_total += other.chunks_total;
  chunks_pruned += other.chunks_pruned;
}

}  // namespace strata::types
