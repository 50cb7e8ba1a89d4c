// first(x, time) and last(x, time): the value of x on the row with the smallest (first) or
// largest (last) time. On equal times the first row seen wins for first and the last row
// seen for last; Merge counts the other aggregator's rows as seen after this one's. A NULL x
// is a value like any other; a row whose time is NULL is skipped. A group without rows
// gives NULL.
// Each batch first finds its winning row per group by time alone, then copies that one value
// per group into the state, so strings are copied once per group and batch, not per row.
#include "common/check.h"
#include "exec/aggregate_loops.h"
#include "exec/aggregator_factories.h"
#include "exec/group_values.h"

namespace strata::exec {
namespace {

using types::ColumnVector;
using types::DataType;

template <bool kLast>
class FirstLastAggregator final : public Aggregator {
 public:
  explicit FirstLastAggregator(DataType arg_type) : values_(arg_type) {}

  void Resize(size_t groups) override {
    if (groups <= has_.size()) return;
    values_.Resize(groups);
    times_.resize(groups, 0);
    has_.resize(groups, 0);
    batch_rows_.resize(groups, kNoRow);
    batch_times_.resize(groups, 0);
    touched_.resize(groups);
  }

  Status Update(std::span<const ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    STRATA_DCHECK(args.size() == 2 && types::IsIntegerStored(args[1]->type()));
    const ColumnVector& arg = *args[0];
    const int64_t* times = args[1]->ints().data();
    const uint8_t* time_validity = ValidityOrNull(*args[1]);
    if (gids == nullptr) {
      STRATA_DCHECK(!has_.empty());
      size_t best_row = kNoRow;
      int64_t best_time = 0;
      ForEachValidInput(time_validity, rows, n, [&](size_t, size_t row_idx) {
        const int64_t time = times[row_idx];
        if (best_row == kNoRow || Wins(time, best_time)) {
          best_row = row_idx;
          best_time = time;
        }
      });
      if (best_row != kNoRow) Offer(0, best_time, arg, best_row);
      return {};
    }
    uint32_t* batch_rows = batch_rows_.data();
    int64_t* batch_times = batch_times_.data();
    uint32_t* touched = touched_.data();
    size_t touched_count = 0;
    ForEachValidInput(time_validity, rows, n, [&](size_t input_idx, size_t row_idx) {
      const uint32_t gid = gids[input_idx];
      const int64_t time = times[row_idx];
      if (batch_rows[gid] == kNoRow) {
        touched[touched_count++] = gid;
      } else if (!Wins(time, batch_times[gid])) {
        return;
      }
      batch_rows[gid] = static_cast<uint32_t>(row_idx);
      batch_times[gid] = time;
    });
    for (size_t idx = 0; idx < touched_count; ++idx) {
      const uint32_t gid = touched[idx];
      Offer(gid, batch_times[gid], arg, batch_rows[gid]);
      batch_rows[gid] = kNoRow;
    }
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<FirstLastAggregator&>(other_base);
    STRATA_DCHECK(target.size() >= other.has_.size());
    for (size_t gid = 0; gid < other.has_.size(); ++gid) {
      if (!other.has_[gid]) continue;
      const uint32_t into = target[gid];
      if (has_[into] && !Wins(other.times_[gid], times_[into])) continue;
      times_[into] = other.times_[gid];
      has_[into] = 1;
      values_.MoveFrom(into, other.values_, gid);
    }
  }

  Status Finalize(ColumnVector& out) override {
    out.Reserve(out.size() + has_.size());
    for (size_t gid = 0; gid < has_.size(); ++gid) {
      if (has_[gid]) {
        values_.AppendTo(gid, out);
      } else {
        out.AppendNull();
      }
    }
    return {};
  }

  size_t MemoryBytes() const override {
    return values_.MemoryBytes() + VectorBytes(times_) + VectorBytes(has_) +
           VectorBytes(batch_rows_) + VectorBytes(batch_times_) + VectorBytes(touched_);
  }

 private:
  // Whether a row at `time`, seen after the row at `than`, replaces it.
  static bool Wins(int64_t time, int64_t than) { return kLast ? time >= than : time < than; }

  void Offer(size_t gid, int64_t time, const ColumnVector& arg, size_t row_idx) {
    if (has_[gid] && !Wins(time, times_[gid])) return;
    times_[gid] = time;
    has_[gid] = 1;
    values_.Set(gid, arg, row_idx);
  }

  GroupValues values_;          // Per group: x of the winning row.
  std::vector<int64_t> times_;  // Per group: time of the winning row.
  std::vector<uint8_t> has_;    // Per group: 1 once a row arrived.
  // Per-batch scratch, restored to kNoRow / empty before Update returns.
  std::vector<uint32_t> batch_rows_;  // Per group: its winning row of the batch.
  std::vector<int64_t> batch_times_;  // Per group: that row's time.
  // The groups whose batch_rows_ is set in its first entries; one slot per group, so that
  // the hot loop stores instead of calling push_back (and stays inlined).
  std::vector<uint32_t> touched_;
};

}  // namespace

std::unique_ptr<Aggregator> MakeFirstLastAggregator(DataType arg_type, bool last) {
  if (last) return std::make_unique<FirstLastAggregator<true>>(arg_type);
  return std::make_unique<FirstLastAggregator<false>>(arg_type);
}

}  // namespace strata::exec
