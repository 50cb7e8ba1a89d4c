// count(*) and count(x): one int64 per group.
#include "common/check.h"
#include "exec/aggregate_loops.h"
#include "exec/aggregator_factories.h"

namespace strata::exec {
namespace {

class CountAggregator final : public Aggregator {
 public:
  explicit CountAggregator(bool count_star) : count_star_(count_star) {}

  void Resize(size_t groups) override {
    if (groups > counts_.size()) counts_.resize(groups, 0);
  }

  Status Update(std::span<const types::ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    STRATA_DCHECK(count_star_ || args.size() == 1);
    const uint8_t* validity = count_star_ ? nullptr : ValidityOrNull(*args[0]);
    int64_t* counts = counts_.data();
    if (gids == nullptr) {
      STRATA_DCHECK(!counts_.empty());
      if (validity == nullptr) {
        counts[0] += static_cast<int64_t>(n);
      } else {
        int64_t valid = 0;
        if (rows == nullptr) {
          for (size_t row_idx = 0; row_idx < n; ++row_idx) valid += IsValidRow(validity, row_idx);
        } else {
          for (size_t input_idx = 0; input_idx < n; ++input_idx) {
            valid += IsValidRow(validity, rows[input_idx]);
          }
        }
        counts[0] += valid;
      }
      return {};
    }
    if (validity == nullptr) {
      for (size_t input_idx = 0; input_idx < n; ++input_idx) ++counts[gids[input_idx]];
    } else if (rows == nullptr) {
      for (size_t row_idx = 0; row_idx < n; ++row_idx) {
        counts[gids[row_idx]] += IsValidRow(validity, row_idx);
      }
    } else {
      for (size_t input_idx = 0; input_idx < n; ++input_idx) {
        counts[gids[input_idx]] += IsValidRow(validity, rows[input_idx]);
      }
    }
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<CountAggregator&>(other_base);
    STRATA_DCHECK(target.size() >= other.counts_.size());
    for (size_t gid = 0; gid < other.counts_.size(); ++gid) {
      counts_[target[gid]] += other.counts_[gid];
    }
  }

  Status Finalize(types::ColumnVector& out) override {
    out.Reserve(out.size() + counts_.size());
    for (int64_t count : counts_) out.AppendInt(count);
    return {};
  }

  size_t MemoryBytes() const override { return VectorBytes(counts_); }

 private:
  const bool count_star_;
  std::vector<int64_t> counts_;  // Per group; 0 for a group with no counted row.
};

}  // namespace

std::unique_ptr<Aggregator> MakeCountAggregator(bool count_star) {
  return std::make_unique<CountAggregator>(count_star);
}

}  // namespace strata::exec
