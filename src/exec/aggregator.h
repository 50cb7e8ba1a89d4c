// Aggregator: the per-group states of one aggregate call (sql::AggregateCall) in a hash
// aggregation, stored as flat arrays indexed by group id.
// Thread safety: one aggregator per thread; Merge reads another thread's aggregator after
// that thread has finished with it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "common/status.h"
#include "sql/query_plan.h"
#include "types/column_vector.h"

namespace strata::exec {

class Aggregator {
 public:
  virtual ~Aggregator() = default;

  // Grows to `groups` groups (never shrinks); new groups start empty.
  virtual void Resize(size_t groups) = 0;
  // Adds `n` input rows. Argument j of input row i is args[j] row `rows ? rows[i] : i`; the
  // row belongs to group `gids ? gids[i] : 0`. count(*) has no args. Argument vectors may be
  // in dictionary form. REQUIRES: every group id < the size given to Resize.
  virtual Status Update(std::span<const types::ColumnVector* const> args, const uint32_t* rows,
                        const uint32_t* gids, size_t n) = 0;
  // Folds every group g of `other` (made from the same call) into group target[g] of this.
  // `other` may be left empty or invalid afterwards.
  virtual void Merge(Aggregator& other, std::span<const uint32_t> target) = 0;
  // Appends one result per group, in group id order, to `out` (of the call's result type).
  virtual Status Finalize(types::ColumnVector& out) = 0;
  // Bytes held by the states, for the query memory limit.
  virtual size_t MemoryBytes() const = 0;
};

std::unique_ptr<Aggregator> MakeAggregator(const sql::AggregateCall& call);

}  // namespace strata::exec
