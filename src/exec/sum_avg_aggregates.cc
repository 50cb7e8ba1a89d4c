// sum and avg: a running sum and a count of non-NULL values per group.
// int64 inputs are summed exactly in 128 bits, so only the final sum can overflow int64: the
// outcome depends neither on the order rows arrive in nor on how threads split them (2^64
// rows would be needed to overflow the 128-bit sum itself). float64 sums are plain IEEE sums.
#include <cstring>
#include <limits>
#include <string>

#include "common/check.h"
#include "exec/aggregate_loops.h"
#include "exec/aggregator_factories.h"

namespace strata::exec {
namespace {

using types::DataType;

// The exact sum of values[0, n), n < 2^32: the low (unsigned) and high (signed) 32-bit halves
// of the values are added up apart, where neither sum can overflow 64 bits, so no addition
// needs a check; two lanes of each (SSE2 vectors) keep the additions independent.
__int128 ExactSum(const int64_t* values, size_t n) {
  using Lanes = int64_t __attribute__((vector_size(16)));
  Lanes low = {0, 0};
  Lanes high = {0, 0};
  const Lanes low_mask = {0xFFFFFFFF, 0xFFFFFFFF};
  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    Lanes pair;
    std::memcpy(&pair, values + i, sizeof(pair));
    low += pair & low_mask;
    high += pair >> 32;  // Arithmetic: value = high * 2^32 + low.
  }
  __int128 low_sum =
      static_cast<__int128>(static_cast<uint64_t>(low[0])) + static_cast<uint64_t>(low[1]);
  __int128 high_sum = static_cast<__int128>(high[0]) + high[1];
  for (; i < n; ++i) {
    low_sum += static_cast<uint32_t>(values[i]);
    high_sum += values[i] >> 32;
  }
  return high_sum * (__int128{1} << 32) + low_sum;
}

// The end of the run of equal group ids that starts at `begin` (< n): four ids compared at
// a time.
size_t RunEnd(const uint32_t* gids, size_t begin, size_t n) {
  const uint32_t gid = gids[begin];
  using Quad = uint32_t __attribute__((vector_size(16)));
  const Quad want = {gid, gid, gid, gid};
  size_t end = begin + 1;
  for (; end + 4 <= n; end += 4) {
    Quad quad;
    std::memcpy(&quad, gids + end, sizeof(quad));
    const Quad differs = quad ^ want;
    uint64_t halves[2];
    std::memcpy(halves, &differs, sizeof(halves));
    if ((halves[0] | halves[1]) != 0) break;
  }
  while (end < n && gids[end] == gid) ++end;
  return end;
}

// Input: int64_t (ints()) or double (doubles()); Sum: __int128 or double.
template <typename Input, typename Sum, bool kAvg>
class SumAggregator final : public Aggregator {
 public:
  explicit SumAggregator(DataType result_type) : result_type_(result_type) {}

  void Resize(size_t groups) override {
    if (groups <= counts_.size()) return;
    sums_.resize(groups, Sum{0});
    counts_.resize(groups, 0);
  }

  Status Update(std::span<const types::ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    const types::ColumnVector& arg = *args[0];
    const Input* values = Values(arg);
    const uint8_t* validity = ValidityOrNull(arg);
    if (gids == nullptr) {
      STRATA_DCHECK(!counts_.empty());
      Sum sum{0};
      int64_t count = 0;
      ForEachValidInput(validity, rows, n, [&](size_t, size_t row_idx) {
        sum += values[row_idx];
        ++count;
      });
      sums_[0] += sum;
      counts_[0] += count;
      return {};
    }
    Sum* sums = sums_.data();
    int64_t* counts = counts_.data();
    if constexpr (std::is_same_v<Input, int64_t>) {
      // Integers without NULLs or a selection, in runs of a group (e.g. rows sorted by the
      // grouping key): each run summed by ExactSum.
      if (validity == nullptr && rows == nullptr && GroupsComeInRuns(gids, n)) {
        for (size_t begin = 0; begin < n;) {
          const uint32_t gid = gids[begin];
          const size_t end = RunEnd(gids, begin, n);
          sums[gid] += ExactSum(values + begin, end - begin);
          counts[gid] += static_cast<int64_t>(end - begin);
          begin = end;
        }
        return {};
      }
    }
    // Sum each run of a group in registers: a double add has a latency of several cycles, and
    // a 128-bit add to memory per row costs more than a 64-bit add that spills to 128 bits
    // only when it would overflow.
    if (GroupsComeInRuns(gids, n)) {
      Sum run_sum{0};
      int64_t run_part = 0;  // Integer sums: the run's 64-bit part not yet in run_sum.
      int64_t run_count = 0;
      ForEachGroupRun(
          validity, rows, gids, n,
          [&](uint32_t) {
            run_sum = 0;
            run_part = 0;
            run_count = 0;
          },
          [&](size_t row_idx) {
            if constexpr (std::is_same_v<Sum, double>) {
              run_sum += values[row_idx];
            } else {
              int64_t next = 0;
              if (__builtin_add_overflow(run_part, values[row_idx], &next)) {
                run_sum += run_part;
                next = values[row_idx];
              }
              run_part = next;
            }
            ++run_count;
          },
          [&](uint32_t gid) {
            if constexpr (std::is_same_v<Sum, double>) {
              sums[gid] += run_sum;
            } else {
              sums[gid] += run_sum + run_part;
            }
            counts[gid] += run_count;
          });
      return {};
    }
    ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
      const uint32_t gid = gids[input_idx];
      sums[gid] += values[row_idx];
      ++counts[gid];
    });
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<SumAggregator&>(other_base);
    STRATA_DCHECK(target.size() >= other.counts_.size());
    for (size_t gid = 0; gid < other.counts_.size(); ++gid) {
      sums_[target[gid]] += other.sums_[gid];
      counts_[target[gid]] += other.counts_[gid];
    }
  }

  Status Finalize(types::ColumnVector& out) override {
    out.Reserve(out.size() + counts_.size());
    for (size_t gid = 0; gid < counts_.size(); ++gid) {
      if (counts_[gid] == 0) {
        out.AppendNull();
      } else if constexpr (kAvg) {
        out.AppendDouble(Average(sums_[gid], counts_[gid]));
      } else if constexpr (std::is_same_v<Sum, double>) {
        out.AppendDouble(sums_[gid]);
      } else {
        const Sum sum = sums_[gid];
        if (sum > std::numeric_limits<int64_t>::max() ||
            sum < std::numeric_limits<int64_t>::min()) {
          return Status::InvalidArgument("integer overflow in sum")
              .WithProblemCode("numeric_overflow");
        }
        if (result_type_ == DataType::kFloat64) {
          out.AppendDouble(static_cast<double>(sum));
        } else {
          out.AppendInt(static_cast<int64_t>(sum));
        }
      }
    }
    return {};
  }

  size_t MemoryBytes() const override { return VectorBytes(sums_) + VectorBytes(counts_); }

 private:
  static const Input* Values(const types::ColumnVector& arg) {
    if constexpr (std::is_same_v<Input, double>) {
      STRATA_DCHECK(arg.type() == DataType::kFloat64);
      return arg.doubles().data();
    } else {
      STRATA_DCHECK(types::IsIntegerStored(arg.type()));
      return arg.ints().data();
    }
  }

  // The mean, rounded once from the exact quotient for integer sums: the integral part is
  // exact, and the remainder adds the fraction.
  static double Average(Sum sum, int64_t count) {
    if constexpr (std::is_same_v<Sum, double>) {
      return sum / static_cast<double>(count);
    } else {
      const Sum quotient = sum / count;
      const Sum remainder = sum % count;
      return static_cast<double>(quotient) +
             static_cast<double>(remainder) / static_cast<double>(count);
    }
  }

  const DataType result_type_;
  std::vector<Sum> sums_;        // Per group: the sum of its non-NULL values.
  std::vector<int64_t> counts_;  // Per group: how many non-NULL values; 0 gives NULL.
};

}  // namespace

std::unique_ptr<Aggregator> MakeSumAggregator(DataType arg_type, DataType result_type) {
  if (arg_type == DataType::kInt64) {
    return std::make_unique<SumAggregator<int64_t, __int128, false>>(result_type);
  }
  if (arg_type == DataType::kFloat64) {
    return std::make_unique<SumAggregator<double, double, false>>(result_type);
  }
  return MakeUnsupportedAggregator("sum does not accept " +
                                   std::string(types::DataTypeName(arg_type)) + " values");
}

std::unique_ptr<Aggregator> MakeAvgAggregator(DataType arg_type) {
  if (arg_type == DataType::kInt64) {
    return std::make_unique<SumAggregator<int64_t, __int128, true>>(DataType::kFloat64);
  }
  if (arg_type == DataType::kFloat64) {
    return std::make_unique<SumAggregator<double, double, true>>(DataType::kFloat64);
  }
  return MakeUnsupportedAggregator("avg does not accept " +
                                   std::string(types::DataTypeName(arg_type)) + " values");
}

}  // namespace strata::exec
