// min and max. Fixed-width types keep a value and a "has a value" flag per group; the value
// starts at the identity of the operation, and a group's state is written only when a value
// replaces it (rarely, once the group has seen some rows). float64 orders NaN above every
// number, as PostgreSQL does. Strings compare bytewise: each batch first finds its best row
// per group without copying (by the rank of its dictionary entry, for dictionary-form input
// with few entries), then copies that one string per group into the state.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "common/check.h"
#include "exec/aggregate_loops.h"
#include "exec/aggregator_factories.h"

namespace strata::exec {
namespace {

using types::ColumnVector;
using types::DataType;

// Combine(state, value) is the better of the two; Replaces(value, state) says whether
// `value` must overwrite `state`: true when it is better and when it ties, so that the first
// value of a group always lands on the identity.
template <typename T, bool kMax>
struct MinMaxOp {
  static T Identity() {
    return kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  static T Combine(T state, T value) {
    return kMax ? std::max(state, value) : std::min(state, value);
  }
  static bool Replaces(T value, T state) { return kMax ? value >= state : value <= state; }
};

// NaN is above every number: it is the identity of min and absorbs max.
template <bool kMax>
struct MinMaxOp<double, kMax> {
  static double Identity() {
    return kMax ? -std::numeric_limits<double>::infinity()
                : std::numeric_limits<double>::quiet_NaN();
  }
  static double Combine(double state, double value) {
    return Replaces(value, state) ? value : state;
  }
  static bool Replaces(double value, double state) {
    if constexpr (kMax) {
      return value >= state || std::isnan(value);
    } else {
      return value <= state || std::isnan(state);
    }
  }
};

// T: uint8_t for bool (bools()), int64_t for int64 and timestamp (ints()), double.
template <typename T, bool kMax>
class FixedMinMaxAggregator final : public Aggregator {
  using Op = MinMaxOp<T, kMax>;

 public:
  explicit FixedMinMaxAggregator(DataType type) : type_(type) {}

  void Resize(size_t groups) override {
    if (groups <= has_.size()) return;
    values_.resize(groups, Op::Identity());
    has_.resize(groups, 0);
  }

  Status Update(std::span<const ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    const ColumnVector& arg = *args[0];
    STRATA_DCHECK(arg.type() == type_);
    const T* values = Values(arg);
    const uint8_t* validity = ValidityOrNull(arg);
    if (gids == nullptr) {
      STRATA_DCHECK(!has_.empty());
      bool seen = n > 0;
      const T best = validity == nullptr && rows == nullptr
                         ? BestOfDense(values, n)
                         : BestOf(values, validity, rows, n, seen);
      values_[0] = Op::Combine(values_[0], best);
      has_[0] |= static_cast<uint8_t>(seen);
      return {};
    }
    T* states = values_.data();
    uint8_t* has = has_.data();
    if constexpr (std::is_same_v<T, uint8_t>) {
      // Bools tie all the time: a branch on Replaces would mispredict.
      ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
        const uint32_t gid = gids[input_idx];
        states[gid] = Op::Combine(states[gid], values[row_idx]);
        has[gid] = 1;
      });
    } else {
      ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
        const uint32_t gid = gids[input_idx];
        const T value = values[row_idx];
        if (Op::Replaces(value, states[gid])) {  // Rarely taken once a group has some rows.
          states[gid] = value;
          has[gid] = 1;
        }
      });
    }
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<FixedMinMaxAggregator&>(other_base);
    STRATA_DCHECK(target.size() >= other.has_.size());
    for (size_t gid = 0; gid < other.has_.size(); ++gid) {
      if (!other.has_[gid]) continue;
      values_[target[gid]] = Op::Combine(values_[target[gid]], other.values_[gid]);
      has_[target[gid]] = 1;
    }
  }

  Status Finalize(ColumnVector& out) override {
    out.Reserve(out.size() + has_.size());
    for (size_t gid = 0; gid < has_.size(); ++gid) {
      if (!has_[gid]) {
        out.AppendNull();
      } else if constexpr (std::is_same_v<T, uint8_t>) {
        out.AppendBool(values_[gid] != 0);
      } else if constexpr (std::is_same_v<T, int64_t>) {
        out.AppendInt(values_[gid]);
      } else {
        out.AppendDouble(values_[gid]);
      }
    }
    return {};
  }

  size_t MemoryBytes() const override { return VectorBytes(values_) + VectorBytes(has_); }

 private:
  static const T* Values(const ColumnVector& arg) {
    if constexpr (std::is_same_v<T, uint8_t>) {
      return arg.bools().data();
    } else if constexpr (std::is_same_v<T, int64_t>) {
      return arg.ints().data();
    } else {
      return arg.doubles().data();
    }
  }

  // The best of values[0, n), with four independent chains: one chain is bound by the
  // latency of a compare and select per row.
  static T BestOfDense(const T* values, size_t n) {
    T lanes[4] = {Op::Identity(), Op::Identity(), Op::Identity(), Op::Identity()};
    size_t row_idx = 0;
    for (; row_idx + 4 <= n; row_idx += 4) {
      for (size_t lane = 0; lane < 4; ++lane) {
        lanes[lane] = Op::Combine(lanes[lane], values[row_idx + lane]);
      }
    }
    for (; row_idx < n; ++row_idx) lanes[0] = Op::Combine(lanes[0], values[row_idx]);
    return Op::Combine(Op::Combine(lanes[0], lanes[1]), Op::Combine(lanes[2], lanes[3]));
  }

  // The best valid value of the input rows; `seen` tells whether there was one.
  static T BestOf(const T* values, const uint8_t* validity, const uint32_t* rows, size_t n,
                  bool& seen) {
    T best = Op::Identity();
    seen = false;
    ForEachValidInput(validity, rows, n, [&](size_t, size_t row_idx) {
      best = Op::Combine(best, values[row_idx]);
      seen = true;
    });
    return best;
  }

  const DataType type_;
  std::vector<T> values_;     // Per group: Op::Identity() until a value arrives.
  std::vector<uint8_t> has_;  // Per group: 1 once a non-NULL value arrived.
};

// Keys of the dictionary entries of a string vector, ordered by preference: the key of a
// better entry is larger, equal entries share a key, and entry_of_key[key] is an entry that
// holds it. Rows then compare by two array lookups instead of by string.
struct DictionaryKeys {
  std::vector<uint32_t> key_of_entry;
  std::vector<uint32_t> entry_of_key;
};

template <bool kMax>
DictionaryKeys RankDictionary(const ColumnVector& arg) {
  std::vector<uint32_t> order(arg.dictionary_size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return kMax ? arg.DictionaryEntry(a) < arg.DictionaryEntry(b)
                : arg.DictionaryEntry(a) > arg.DictionaryEntry(b);
  });
  DictionaryKeys keys;
  keys.key_of_entry.resize(order.size());
  for (size_t idx = 0; idx < order.size(); ++idx) {
    if (idx == 0 || arg.DictionaryEntry(order[idx]) != arg.DictionaryEntry(order[idx - 1])) {
      keys.entry_of_key.push_back(order[idx]);
    }
    keys.key_of_entry[order[idx]] = static_cast<uint32_t>(keys.entry_of_key.size() - 1);
  }
  return keys;
}

template <bool kMax>
class StringMinMaxAggregator final : public Aggregator {
 public:
  void Resize(size_t groups) override {
    if (groups <= has_.size()) return;
    values_.resize(groups);
    has_.resize(groups, 0);
    batch_best_.resize(groups, kNoRow);
    touched_.resize(groups);
  }

  Status Update(std::span<const ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    const ColumnVector& arg = *args[0];
    STRATA_DCHECK(types::IsStringStored(arg.type()));
    if (!arg.is_dictionary()) {
      UpdateWith(arg, rows, gids, n,
                 [&](size_t a, size_t b) { return Better(arg.StringAt(a), arg.StringAt(b)); });
    } else if (arg.dictionary_size() * 16 <= n) {
      // Ranking sorts the entries: worth it when rows far outnumber them.
      UpdateByDictionaryKeys(arg, rows, gids, n);
    } else {
      const uint32_t* codes = arg.codes().data();
      UpdateWith(arg, rows, gids, n, [&](size_t a, size_t b) {
        return codes[a] != codes[b] && Better(arg.StringAt(a), arg.StringAt(b));
      });
    }
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<StringMinMaxAggregator&>(other_base);
    STRATA_DCHECK(target.size() >= other.has_.size());
    for (size_t gid = 0; gid < other.has_.size(); ++gid) {
      if (!other.has_[gid]) continue;
      const uint32_t into = target[gid];
      if (has_[into] && !Better(other.values_[gid], values_[into])) continue;
      heap_bytes_ -= StringHeapBytes(values_[into]);
      values_[into] = std::move(other.values_[gid]);
      heap_bytes_ += StringHeapBytes(values_[into]);
      has_[into] = 1;
    }
  }

  Status Finalize(ColumnVector& out) override {
    for (size_t gid = 0; gid < has_.size(); ++gid) {
      if (has_[gid]) {
        out.AppendString(values_[gid]);
      } else {
        out.AppendNull();
      }
    }
    return {};
  }

  size_t MemoryBytes() const override {
    return VectorBytes(values_) + heap_bytes_ + VectorBytes(has_) + VectorBytes(batch_best_) +
           VectorBytes(touched_);
  }

 private:
  static bool Better(std::string_view value, std::string_view than) {
    return kMax ? value > than : value < than;
  }

  // Finds each group's best dictionary entry of the batch by key, then offers its string to
  // the group's state once.
  void UpdateByDictionaryKeys(const ColumnVector& arg, const uint32_t* rows, const uint32_t* gids,
                              size_t n) {
    const DictionaryKeys keys = RankDictionary<kMax>(arg);
    const uint32_t* key_of_entry = keys.key_of_entry.data();
    const uint32_t* codes = arg.codes().data();
    const uint8_t* validity = ValidityOrNull(arg);
    if (gids == nullptr) {
      STRATA_DCHECK(!has_.empty());
      int64_t best = -1;
      ForEachValidInput(validity, rows, n, [&](size_t, size_t row_idx) {
        best = std::max<int64_t>(best, key_of_entry[codes[row_idx]]);
      });
      if (best >= 0) Offer(0, arg.DictionaryEntry(keys.entry_of_key[best]));
      return;
    }
    uint32_t* batch_best = batch_best_.data();  // Keys here.
    uint32_t* touched = touched_.data();
    size_t touched_count = 0;
    ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
      const uint32_t gid = gids[input_idx];
      const uint32_t key = key_of_entry[codes[row_idx]];
      uint32_t& best = batch_best[gid];
      if (best == kNoRow) {
        best = key;
        touched[touched_count++] = gid;
      } else if (key > best) {
        best = key;
      }
    });
    for (size_t idx = 0; idx < touched_count; ++idx) {
      const uint32_t gid = touched[idx];
      Offer(gid, arg.DictionaryEntry(keys.entry_of_key[batch_best[gid]]));
      batch_best[gid] = kNoRow;
    }
  }

  // Finds each group's best row of the batch by `row_better(a, b)` (row a strictly better
  // than row b), then offers that row's string to the group's state once.
  template <typename RowBetter>
  void UpdateWith(const ColumnVector& arg, const uint32_t* rows, const uint32_t* gids, size_t n,
                  const RowBetter& row_better) {
    const uint8_t* validity = ValidityOrNull(arg);
    if (gids == nullptr) {
      STRATA_DCHECK(!has_.empty());
      size_t best = kNoRow;
      ForEachValidInput(validity, rows, n, [&](size_t, size_t row_idx) {
        if (best == kNoRow || row_better(row_idx, best)) best = row_idx;
      });
      if (best != kNoRow) Offer(0, arg.StringAt(best));
      return;
    }
    uint32_t* batch_best = batch_best_.data();
    uint32_t* touched = touched_.data();
    size_t touched_count = 0;
    ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
      const uint32_t gid = gids[input_idx];
      const uint32_t best = batch_best[gid];
      if (best == kNoRow) {
        batch_best[gid] = static_cast<uint32_t>(row_idx);
        touched[touched_count++] = gid;
      } else if (row_better(row_idx, best)) {
        batch_best[gid] = static_cast<uint32_t>(row_idx);
      }
    });
    for (size_t idx = 0; idx < touched_count; ++idx) {
      const uint32_t gid = touched[idx];
      Offer(gid, arg.StringAt(batch_best[gid]));
      batch_best[gid] = kNoRow;
    }
  }

  void Offer(size_t gid, std::string_view value) {
    if (has_[gid] && !Better(value, values_[gid])) return;
    AssignCounted(values_[gid], value, heap_bytes_);
    has_[gid] = 1;
  }

  std::vector<std::string> values_;  // Per group: the best value so far.
  std::vector<uint8_t> has_;         // Per group: 1 once a non-NULL value arrived.
  size_t heap_bytes_ = 0;            // Sum of StringHeapBytes over values_.
  // Per-batch scratch, restored to kNoRow / empty before Update returns.
  std::vector<uint32_t> batch_best_;  // Per group: its best row (or entry key) of the batch.
  // The groups whose batch_best_ is set in its first entries; one slot per group, so that
  // the hot loop stores instead of calling push_back (and stays inlined).
  std::vector<uint32_t> touched_;
};

template <bool kMax>
std::unique_ptr<Aggregator> MakeMinMax(DataType arg_type) {
  switch (arg_type) {
    case DataType::kBool: return std::make_unique<FixedMinMaxAggregator<uint8_t, kMax>>(arg_type);
    case DataType::kInt64:
    case DataType::kTimestamp:
      return std::make_unique<FixedMinMaxAggregator<int64_t, kMax>>(arg_type);
    case DataType::kFloat64: return std::make_unique<FixedMinMaxAggregator<double, kMax>>(arg_type);
    case DataType::kString:
    case DataType::kJson: return std::make_unique<StringMinMaxAggregator<kMax>>();
  }
  return MakeUnsupportedAggregator("min/max do not accept this type");
}

}  // namespace

std::unique_ptr<Aggregator> MakeMinMaxAggregator(DataType arg_type, bool max) {
  return max ? MakeMinMax<true>(arg_type) : MakeMinMax<false>(arg_type);
}

}  // namespace strata::exec
