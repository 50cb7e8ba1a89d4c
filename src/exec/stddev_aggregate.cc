// stddev: the sample standard deviation, from (n, mean, M2) per group (one flat array of
// 32-byte records), where M2 is the sum of squared deviations from the mean.
// Each batch's per-group (n, mean, M2) comes from one pass of the shifted-data algorithm:
// sums of d = x - K and d^2, where the shift K is the group's first value in the batch, so
// that M2 = sum(d^2) - sum(d)^2 / n loses at most log10(n) digits (K is a sample, so
// n (mean - K)^2 <= n M2). The batch's moments are folded into the running state with the
// pairwise update of Chan, Golub and LeVeque; Merge uses the same update. With one-row
// batches this is Welford's algorithm; batches keep the division and the dependency chain of
// Welford's per-row update out of the hot loop.
#include <cmath>
#include <string>

#include "common/check.h"
#include "exec/aggregate_loops.h"
#include "exec/aggregator_factories.h"

namespace strata::exec {
namespace {

using types::ColumnVector;
using types::DataType;

// The mean is carried as an unevaluated sum mean_hi + mean_lo (|mean_lo| <= ulp(mean_hi)):
// the merges subtract means, and for values far from 0 relative to their spread (timestamps,
// counters) a mean rounded to one double would cost the deviation most of its digits.
struct Moments {
  int64_t count = 0;
  double mean_hi = 0;
  double mean_lo = 0;
  double m2 = 0;
};

// a + b as hi + lo exactly (Knuth's TwoSum).
inline void TwoSum(double a, double b, double& hi, double& lo) {
  hi = a + b;
  const double b_part = hi - a;
  lo = (a - (hi - b_part)) + (b - b_part);
}

// Chan et al.: folds the moments of another, disjoint set of values into `into`.
inline void FoldMoments(Moments& into, const Moments& other) {
  if (other.count == 0) return;
  if (into.count == 0) {
    into = other;
    return;
  }
  const double n_a = static_cast<double>(into.count);
  const double n_b = static_cast<double>(other.count);
  const double n = n_a + n_b;
  double delta_hi;
  double delta_lo;
  TwoSum(other.mean_hi, -into.mean_hi, delta_hi, delta_lo);
  const double delta = delta_hi + (delta_lo + (other.mean_lo - into.mean_lo));
  double mean_hi;
  double mean_error;
  TwoSum(into.mean_hi, delta * (n_b / n), mean_hi, mean_error);
  TwoSum(mean_hi, into.mean_lo + mean_error, into.mean_hi, into.mean_lo);
  into.m2 += other.m2 + delta * delta * (n_a * n_b / n);
  into.count += other.count;
}

// The moments of values whose count, sum of deviations from `shift` and sum of their squares
// are given.
inline Moments MomentsAround(int64_t count, double shift, double deviation_sum,
                             double squared_sum) {
  const double n = static_cast<double>(count);
  const double m2 = squared_sum - deviation_sum * deviation_sum / n;
  return {count, shift, deviation_sum / n,
          m2 < 0 ? 0.0 : m2};  // Keeps NaN; rounding can dip below 0.
}

// Sums over one group's rows of a batch: deviations d = x - shift and d^2, where the shift is
// the group's first value in the batch (valid while count > 0).
struct BatchSums {
  int64_t count = 0;
  double shift = 0;
  double deviations = 0;
  double squares = 0;
};

// Input: int64_t (ints()) or double (doubles()).
template <typename Input>
class StddevAggregator final : public Aggregator {
 public:
  void Resize(size_t groups) override {
    if (groups <= moments_.size()) return;
    moments_.resize(groups);
    batch_.resize(groups);
    touched_.resize(groups);
  }

  Status Update(std::span<const ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    const ColumnVector& arg = *args[0];
    const Input* values = Values(arg);
    const uint8_t* validity = ValidityOrNull(arg);
    if (gids == nullptr) {
      STRATA_DCHECK(!moments_.empty());
      int64_t count = 0;
      double shift = 0;
      double deviations = 0;
      double squares = 0;
      ForEachValidInput(validity, rows, n, [&](size_t, size_t row_idx) {
        const double value = static_cast<double>(values[row_idx]);
        if (count++ == 0) shift = value;
        const double deviation = value - shift;
        deviations += deviation;
        squares += deviation * deviation;
      });
      if (count > 0) FoldMoments(moments_[0], MomentsAround(count, shift, deviations, squares));
      return {};
    }
    BatchSums* batch = batch_.data();
    uint32_t* touched = touched_.data();
    size_t touched_count = 0;
    if (GroupsComeInRuns(gids, n)) {
      // Each run sums in registers, around its group's shift for the batch (the run's first
      // value when the group is new to the batch).
      int64_t run_count = 0;
      double run_shift = 0;
      double run_deviations = 0;
      double run_squares = 0;
      bool run_is_new = false;
      ForEachGroupRun(
          validity, rows, gids, n,
          [&](uint32_t gid) {
            run_count = 0;
            run_deviations = run_squares = 0;
            run_is_new = batch[gid].count == 0;
            run_shift = batch[gid].shift;
          },
          [&](size_t row_idx) {
            const double value = static_cast<double>(values[row_idx]);
            if (run_is_new) {
              run_shift = value;
              run_is_new = false;
            }
            const double deviation = value - run_shift;
            ++run_count;
            run_deviations += deviation;
            run_squares += deviation * deviation;
          },
          [&](uint32_t gid) {
            BatchSums& sums = batch[gid];
            if (sums.count == 0) {
              sums.shift = run_shift;
              touched[touched_count++] = gid;
            }
            sums.count += run_count;
            sums.deviations += run_deviations;
            sums.squares += run_squares;
          });
    } else {
      ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
        const uint32_t gid = gids[input_idx];
        BatchSums& sums = batch[gid];
        const double value = static_cast<double>(values[row_idx]);
        if (sums.count++ == 0) {
          sums.shift = value;
          touched[touched_count++] = gid;
        }
        const double deviation = value - sums.shift;
        sums.deviations += deviation;
        sums.squares += deviation * deviation;
      });
    }
    for (size_t idx = 0; idx < touched_count; ++idx) {
      BatchSums& sums = batch[touched[idx]];
      FoldMoments(moments_[touched[idx]],
                  MomentsAround(sums.count, sums.shift, sums.deviations, sums.squares));
      sums = BatchSums();
    }
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<StddevAggregator&>(other_base);
    STRATA_DCHECK(target.size() >= other.moments_.size());
    for (size_t gid = 0; gid < other.moments_.size(); ++gid) {
      FoldMoments(moments_[target[gid]], other.moments_[gid]);
    }
  }

  Status Finalize(ColumnVector& out) override {
    out.Reserve(out.size() + moments_.size());
    for (const Moments& moments : moments_) {
      if (moments.count < 2) {
        out.AppendNull();
      } else {
        out.AppendDouble(std::sqrt(moments.m2 / static_cast<double>(moments.count - 1)));
      }
    }
    return {};
  }

  size_t MemoryBytes() const override {
    return VectorBytes(moments_) + VectorBytes(batch_) + VectorBytes(touched_);
  }

 private:
  static const Input* Values(const ColumnVector& arg) {
    if constexpr (std::is_same_v<Input, double>) {
      STRATA_DCHECK(arg.type() == DataType::kFloat64);
      return arg.doubles().data();
    } else {
      STRATA_DCHECK(types::IsIntegerStored(arg.type()));
      return arg.ints().data();
    }
  }

  std::vector<Moments> moments_;  // Per group: of its non-NULL values so far.
  // Per-batch scratch, restored to zeros / empty before Update returns.
  std::vector<BatchSums> batch_;  // Per group: its rows of the batch.
  // The groups with batch_[gid].count > 0 in its first entries; one slot per group, so that
  // the hot loop stores instead of calling push_back (and stays inlined).
  std::vector<uint32_t> touched_;
};

}  // namespace

std::unique_ptr<Aggregator> MakeStddevAggregator(DataType arg_type) {
  if (arg_type == DataType::kInt64) return std::make_unique<StddevAggregator<int64_t>>();
  if (arg_type == DataType::kFloat64) return std::make_unique<StddevAggregator<double>>();
  return MakeUnsupportedAggregator("stddev does not accept " +
                                   std::string(types::DataTypeName(arg_type)) + " values");
}

}  // namespace strata::exec
