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

bool KeepsLatestPerKey(const ScanSpec& spec, std::optional<uint32_t> time_field) {
  if (!spec.latest_per_key) return false;
  const ScanSpec::LatestPerKey& latest = *spec.latest_per_key;
  if (spec.max_time != std::numeric_limits<int64_t>::max()) return false;
  if (spec.min_time != std::numeric_limits<int64_t>::min() && time_field != latest.order_field_id) {
    return false;
  }
  for (const Predicate& predicate : spec.predicates) {
    const bool lower_bound = predicate.field_id == latest.order_field_id &&
                             (predicate.op == CompareOp::kGt || predicate.op == CompareOp::kGe);
    if (predicate.field_id != latest.key_field_id && !lower_bound) return false;
  }
  return true;
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
