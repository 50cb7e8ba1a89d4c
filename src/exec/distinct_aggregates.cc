// count(DISTINCT x), exact over a GroupValueSet, and approx_count_distinct(x), a HyperLogLog
// sketch per group. Both hash each row's value once (each dictionary entry once, for
// dictionary-form strings with fewer entries than rows) and count 0 for empty groups.
#include <string>

#include "common/check.h"
#include "exec/aggregate_loops.h"
#include "exec/aggregator_factories.h"
#include "exec/group_value_set.h"
#include "exec/hyperloglog.h"
#include "exec/value_hash.h"

namespace strata::exec {
namespace {

using types::ColumnVector;
using types::DataType;

// Visits the valid input rows of a fixed-width argument as fn(input_idx, hash, bits), with
// `bits` the value's canonical bits (value_hash.h) and hash = HashInt(bits).
template <typename Fn>
void ForEachFixedValue(const ColumnVector& arg, const uint32_t* rows, size_t n, Fn&& fn) {
  const uint8_t* validity = ValidityOrNull(arg);
  const auto visit = [&](const auto& bits_of) {
    ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
      const uint64_t bits = bits_of(row_idx);
      fn(input_idx, HashInt(static_cast<int64_t>(bits)), bits);
    });
  };
  switch (arg.type()) {
    case DataType::kBool: {
      const uint8_t* values = arg.bools().data();
      visit([&](size_t row_idx) { return uint64_t{values[row_idx]}; });
      break;
    }
    case DataType::kInt64:
    case DataType::kTimestamp: {
      const int64_t* values = arg.ints().data();
      visit([&](size_t row_idx) { return static_cast<uint64_t>(values[row_idx]); });
      break;
    }
    case DataType::kFloat64: {
      const double* values = arg.doubles().data();
      visit([&](size_t row_idx) { return CanonicalDoubleBits(values[row_idx]); });
      break;
    }
    case DataType::kString:
    case DataType::kJson: STRATA_DCHECK(false); break;
  }
}

// Visits the valid input rows of a string argument as fn(input_idx, hash, row_idx). With
// `distinct_codes` and a dictionary-form argument, visits only the first row of each entry
// (for callers that ignore input_idx, i.e. a single group).
template <typename Fn>
void ForEachStringValue(const ColumnVector& arg, const uint32_t* rows, size_t n,
                        bool distinct_codes, std::vector<uint64_t>& entry_hashes, Fn&& fn) {
  const uint8_t* validity = ValidityOrNull(arg);
  if (!arg.is_dictionary() || arg.dictionary_size() > n) {
    ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
      fn(input_idx, HashBytes(arg.StringAt(row_idx)), row_idx);
    });
    return;
  }
  constexpr uint64_t kNotHashed = 0;  // A real hash of 0 is only hashed again.
  entry_hashes.assign(arg.dictionary_size(), kNotHashed);
  const uint32_t* codes = arg.codes().data();
  ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
    uint64_t& hash = entry_hashes[codes[row_idx]];
    if (hash == kNotHashed) {
      hash = HashBytes(arg.StringAt(row_idx));
    } else if (distinct_codes) {
      return;
    }
    fn(input_idx, hash, row_idx);
  });
}

class CountDistinctAggregator final : public Aggregator {
 public:
  explicit CountDistinctAggregator(DataType arg_type)
      : holds_bytes_(types::IsStringStored(arg_type)), set_(holds_bytes_) {}

  void Resize(size_t groups) override {
    if (groups > counts_.size()) counts_.resize(groups, 0);
  }

  Status Update(std::span<const ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    const ColumnVector& arg = *args[0];
    STRATA_DCHECK(types::IsStringStored(arg.type()) == holds_bytes_);
    STRATA_DCHECK(gids != nullptr || !counts_.empty());
    int64_t* counts = counts_.data();
    WithGroupOf(gids, [&](const auto& group_of) {
      if (holds_bytes_) {
        ForEachStringValue(arg, rows, n, gids == nullptr, entry_hashes_,
                           [&](size_t input_idx, uint64_t hash, size_t row_idx) {
                             const uint32_t gid = group_of(input_idx);
                             counts[gid] += set_.InsertBytes(gid, hash, arg.StringAt(row_idx));
                           });
      } else {
        ForEachFixedValue(arg, rows, n, [&](size_t input_idx, uint64_t hash, uint64_t bits) {
          const uint32_t gid = group_of(input_idx);
          counts[gid] += set_.InsertBits(gid, hash, bits);
        });
      }
    });
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<CountDistinctAggregator&>(other_base);
    set_.InsertAll(other.set_, target.data(), [&](uint32_t gid) { ++counts_[gid]; });
  }

  Status Finalize(ColumnVector& out) override {
    out.Reserve(out.size() + counts_.size());
    for (int64_t count : counts_) out.AppendInt(count);
    return {};
  }

  size_t MemoryBytes() const override {
    return VectorBytes(counts_) + set_.MemoryBytes() + VectorBytes(entry_hashes_);
  }

 private:
  const bool holds_bytes_;
  GroupValueSet set_;
  std::vector<int64_t> counts_;         // Per group: its pairs in set_.
  std::vector<uint64_t> entry_hashes_;  // Per-batch scratch: hashes of dictionary entries.
};

class ApproxCountDistinctAggregator final : public Aggregator {
 public:
  explicit ApproxCountDistinctAggregator(DataType arg_type)
      : holds_bytes_(types::IsStringStored(arg_type)) {}

  void Resize(size_t groups) override {
    if (groups > sketches_.size()) sketches_.resize(groups);
  }

  Status Update(std::span<const ColumnVector* const> args, const uint32_t* rows,
                const uint32_t* gids, size_t n) override {
    const ColumnVector& arg = *args[0];
    STRATA_DCHECK(types::IsStringStored(arg.type()) == holds_bytes_);
    STRATA_DCHECK(gids != nullptr || !sketches_.empty());
    HyperLogLog* sketches = sketches_.data();
    int64_t grown = 0;
    WithGroupOf(gids, [&](const auto& group_of) {
      if (holds_bytes_) {
        ForEachStringValue(arg, rows, n, gids == nullptr, entry_hashes_,
                           [&](size_t input_idx, uint64_t hash, size_t) {
                             grown += sketches[group_of(input_idx)].Add(hash);
                           });
      } else {
        ForEachFixedValue(arg, rows, n, [&](size_t input_idx, uint64_t hash, uint64_t) {
          grown += sketches[group_of(input_idx)].Add(hash);
        });
      }
    });
    heap_bytes_ += grown;
    return {};
  }

  void Merge(Aggregator& other_base, std::span<const uint32_t> target) override {
    auto& other = static_cast<ApproxCountDistinctAggregator&>(other_base);
    STRATA_DCHECK(target.size() >= other.sketches_.size());
    for (size_t gid = 0; gid < other.sketches_.size(); ++gid) {
      heap_bytes_ += sketches_[target[gid]].Merge(other.sketches_[gid]);
    }
  }

  Status Finalize(ColumnVector& out) override {
    out.Reserve(out.size() + sketches_.size());
    for (const HyperLogLog& sketch : sketches_) {
      out.AppendInt(static_cast<int64_t>(sketch.Estimate()));
    }
    return {};
  }

  size_t MemoryBytes() const override {
    return VectorBytes(sketches_) + static_cast<size_t>(heap_bytes_) + VectorBytes(entry_hashes_);
  }

 private:
  const bool holds_bytes_;
  std::vector<HyperLogLog> sketches_;   // Per group.
  int64_t heap_bytes_ = 0;              // Sum of HeapBytes over sketches_.
  std::vector<uint64_t> entry_hashes_;  // Per-batch scratch: hashes of dictionary entries.
};

}  // namespace

std::unique_ptr<Aggregator> MakeCountDistinctAggregator(DataType arg_type) {
  return std::make_unique<CountDistinctAggregator>(arg_type);
}

std::unique_ptr<Aggregator> MakeApproxCountDistinctAggregator(DataType arg_type) {
  return std::make_unique<ApproxCountDistinctAggregator>(arg_type);
}

}  // namespace strata::exec
