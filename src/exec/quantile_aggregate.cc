// quantile(x, q): exact, by linear interpolation between the two closest ranks (PostgreSQL's
// percentile_cont, numpy's default 'linear'): with the group's n values sorted as v[0..n-1]
// and NaN above every number, the result is v[lo] + (pos - lo) * (v[lo + 1] - v[lo]) for
// pos = q * (n - 1), lo = floor(pos).
// State: every non-NULL value with its group id, in arrival order; Finalize sorts the values
// by group (a counting sort) and selects each group's ranks with nth_element. While every
// value belongs to group 0 (an aggregate without GROUP BY) the group ids are not stored.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "common/check.h"
#include "exec/aggregate_loops.h"
#include "exec/aggregator_factories.h"

namespace strata::exec {
namespace {

using types::ColumnVector;
using types::DataType;

// The q-quantile of `values` (reordered in place), or nullopt when empty.
std::optional<double> InterpolatedQuantile(std::span<double> values, double quantile) {
  if (values.empty()) return std::nullopt;
  // NaN sorts last: partition it off, so that the selections below see a strict weak order.
  const auto numbers_end =
      std::partition(values.begin(), values.end(), [](double v) { return !std::isnan(v); });
  const size_t numbers = static_cast<size_t>(numbers_end - values.begin());
  const double position = quantile * static_cast<double>(values.size() - 1);
  const size_t lo = std::min(static_cast<size_t>(std::floor(position)), values.size() - 1);
  const double fraction = position - static_cast<double>(lo);
  if (lo >= numbers) return std::numeric_limits<double>::quiet_NaN();
  std::nth_element(values.begin(), values.begin() + lo, numbers_end);
  const double lo_value = values[lo];
  if (fraction == 0 || lo + 1 == values.size()) return lo_value;
  if (lo + 1 >= numbers) return std::numeric_limits<double>::quiet_NaN();
  // After nth_element every value past lo is >= lo_value: the next rank is their minimum.
  const double hi_value = *std::min_element(values.begin() + lo + 1, numbers_end);
  if (hi_value == lo_value) return lo_value;  // Also keeps equal infinities finite.
  return lo_value + fraction * (hi_value - lo_value);
}

Status CheckQuantile(double quantile) {
  if (quantile >= 0.0 && quantile <= 1.0) return {};
  return Status::InvalidArgument("quantile must be between 0 and 1, got " +
                                 std::to_string(quantile))
      .WithProblemCode("invalid_quantile");
}

// Input: int64_t (ints(), converted to double) or double (doubles()).
template <typename Input>
class QuantileAggregator final : public Aggregator {
 public:
  explicit QuantileAggregator(double quantile) : quantile_(quantile) {}

  void Resize(size_t groups) override { groups_ = std::max(groups_, groups); }

  Status Update(std::span<const ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    STRATA_RETURN_IF_ERROR(CheckQuantile(quantile_));
    const ColumnVector& arg = *args[0];
    const Input* values = Values(arg);
    const uint8_t* validity = ValidityOrNull(arg);
    STRATA_DCHECK(groups_ > 0);
    if (gids != nullptr) StoreGroupIds();
    const size_t base = values_.size();
    values_.resize(base + n);  // Trimmed to the non-NULL values below.
    double* out = values_.data() + base;
    size_t appended = 0;
    if (!value_gids_stored_) {
      ForEachValidInput(validity, rows, n, [&](size_t, size_t row_idx) {
        out[appended++] = static_cast<double>(values[row_idx]);
      });
      values_.resize(base + appended);
      return {};
    }
    value_gids_.resize(base + n);
    uint32_t* out_gids = value_gids_.data() + base;
    ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
      out_gids[appended] = gids == nullptr ? 0 : gids[input_idx];
      out[appended++] = static_cast<double>(values[row_idx]);
    });
    values_.resize(base + appended);
    value_gids_.resize(base + appended);
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<QuantileAggregator&>(other_base);
    if (other.values_.empty()) return;
    if (!other.value_gids_stored_ && !value_gids_stored_ && target[0] == 0) {
      values_.insert(values_.end(), other.values_.begin(), other.values_.end());
      return;
    }
    StoreGroupIds();
    values_.insert(values_.end(), other.values_.begin(), other.values_.end());
    value_gids_.reserve(values_.size());
    for (size_t value_idx = 0; value_idx < other.values_.size(); ++value_idx) {
      const uint32_t gid = other.value_gids_stored_ ? other.value_gids_[value_idx] : 0;
      value_gids_.push_back(target[gid]);
    }
  }

  Status Finalize(ColumnVector& out) override {
    STRATA_RETURN_IF_ERROR(CheckQuantile(quantile_));
    out.Reserve(out.size() + groups_);
    if (!value_gids_stored_) {
      for (size_t gid = 0; gid < groups_; ++gid) {
        Append(out, gid == 0 ? InterpolatedQuantile(values_, quantile_) : std::nullopt);
      }
      return {};
    }
    // Counting sort by group: starts[g] is where group g's values begin.
    std::vector<size_t> starts(groups_ + 1, 0);
    for (uint32_t gid : value_gids_) {
      STRATA_DCHECK(gid < groups_);
      ++starts[gid + 1];
    }
    for (size_t gid = 0; gid < groups_; ++gid) starts[gid + 1] += starts[gid];
    std::vector<double> sorted(values_.size());
    {
      std::vector<size_t> next(starts.begin(), starts.end() - 1);
      for (size_t value_idx = 0; value_idx < values_.size(); ++value_idx) {
        sorted[next[value_gids_[value_idx]]++] = values_[value_idx];
      }
    }
    std::vector<double>().swap(values_);  // The state is consumed: free it before selecting.
    std::vector<uint32_t>().swap(value_gids_);
    for (size_t gid = 0; gid < groups_; ++gid) {
      Append(out, InterpolatedQuantile(
                      std::span<double>(sorted.data() + starts[gid], starts[gid + 1] - starts[gid]),
                      quantile_));
    }
    return {};
  }

  size_t MemoryBytes() const override { return VectorBytes(values_) + VectorBytes(value_gids_); }

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

  static void Append(ColumnVector& out, std::optional<double> value) {
    if (value) {
      out.AppendDouble(*value);
    } else {
      out.AppendNull();
    }
  }

  // Starts storing a group id per value (every value so far is in group 0).
  void StoreGroupIds() {
    if (value_gids_stored_) return;
    value_gids_.assign(values_.size(), 0);
    value_gids_stored_ = true;
  }

  const double quantile_;
  size_t groups_ = 0;
  std::vector<double> values_;  // Every non-NULL value, in arrival order.
  // Group of values_[i] when value_gids_stored_; empty (all in group 0) otherwise.
  std::vector<uint32_t> value_gids_;
  bool value_gids_stored_ = false;
};

}  // namespace

std::unique_ptr<Aggregator> MakeQuantileAggregator(DataType arg_type, double quantile) {
  if (arg_type == DataType::kInt64) {
    return std::make_unique<QuantileAggregator<int64_t>>(quantile);
  }
  if (arg_type == DataType::kFloat64) {
    return std::make_unique<QuantileAggregator<double>>(quantile);
  }
  return MakeUnsupportedAggregator("quantile does not accept " +
                                   std::string(types::DataTypeName(arg_type)) + " values");
}

}  // namespace strata::exec
