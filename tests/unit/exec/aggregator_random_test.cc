// Aggregators against a naive reference on random batches (fixed seeds): NULLs, NaN and
// infinities, ties, selections, missing group ids, dictionary-form strings, and a merge of two
// partial aggregators, which must equal one aggregator over all rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "exec/aggregator.h"
#include "exec/aggregator_test_util.h"

namespace strata::exec {
namespace {

using sql::AggKind;
using testing::Call;
using testing::Show;
using types::ColumnVector;
using types::DataType;
using types::Value;

constexpr uint32_t kGroups = 6;  // The last group never gets a row.

struct Batch {
  ColumnVector x;
  ColumnVector time{DataType::kTimestamp};
  std::optional<std::vector<uint32_t>> rows;
  std::optional<std::vector<uint32_t>> gids;  // Local to the aggregator the batch goes to.
  size_t n = 0;
};

class RandomInput {
 public:
  RandomInput(DataType type, uint32_t seed) : type_(type), rng_(seed) {
    for (int idx = 0; idx < 30; ++idx) {
      std::string value;
      const size_t length = Uniform(0, 20);
      for (size_t c = 0; c < length; ++c) value.push_back("abZ\x7f\x80\xff "[Uniform(0, 6)]);
      string_pool_.push_back(value);
    }
  }

  Batch Next() {
    Batch batch;
    batch.x = ColumnVector(type_);
    const size_t size = Uniform(0, 300);
    // Few distinct strings in some batches: dictionaries far smaller than the batch.
    strings_in_batch_ = Chance(0.5) ? string_pool_.size() : Uniform(1, 6);
    for (size_t row = 0; row < size; ++row) {
      batch.x.AppendValue(Chance(0.15) ? Value() : NextValue());
      if (Chance(0.05)) {
        batch.time.AppendNull();
      } else {
        batch.time.AppendInt(static_cast<int64_t>(Uniform(0, 8)));
      }
    }
    if (types::IsStringStored(type_) && Chance(0.5)) batch.x.DictionaryEncode(1.0);
    batch.n = size;
    if (Chance(0.5)) {
      std::vector<uint32_t> rows;
      for (uint32_t row = 0; row < size; ++row) {
        if (Chance(0.7)) rows.push_back(row);
      }
      std::shuffle(rows.begin(), rows.end(), rng_);
      batch.n = rows.size();
      batch.rows = std::move(rows);
    }
    if (Chance(0.75)) {
      std::vector<uint32_t> gids;
      // Interleaved groups, or runs of one group (as from a dataset sorted by the key).
      const size_t max_run = Chance(0.5) ? 1 : 60;
      while (gids.size() < batch.n) {
        const auto gid = static_cast<uint32_t>(Uniform(0, kGroups - 2));
        for (size_t run = Uniform(1, max_run); run > 0 && gids.size() < batch.n; --run) {
          gids.push_back(gid);
        }
      }
      batch.gids = std::move(gids);
    }
    return batch;
  }

  size_t Uniform(size_t lo, size_t hi) {
    return std::uniform_int_distribution<size_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::mt19937& rng() { return rng_; }

 private:
  Value NextValue() {
    switch (type_) {
      case DataType::kBool: return Chance(0.5);
      case DataType::kInt64:
      case DataType::kTimestamp:
        if (Chance(0.02))
          return static_cast<int64_t>(Uniform(0, 2'000'000'000'000'000)) - 1'000'000'000'000'000;
        return static_cast<int64_t>(Uniform(0, 2000)) - 1000;
      case DataType::kFloat64: {
        if (Chance(0.03)) {
          const double specials[] = {std::nan(""), -0.0, 0.0, INFINITY, -INFINITY};
          return specials[Uniform(0, 4)];
        }
        return static_cast<double>(Uniform(0, 800)) / 8.0 - 50.0 + (Chance(0.5) ? 1e-3 : 0.0);
      }
      case DataType::kString:
      case DataType::kJson: return string_pool_[Uniform(0, strings_in_batch_ - 1)];
    }
    return Value();
  }

  DataType type_;
  std::mt19937 rng_;
  std::vector<std::string> string_pool_;
  size_t strings_in_batch_ = 1;  // Values come from string_pool_[0, strings_in_batch_).
};

// Orders values of one type as the aggregates do: NULL never compared, NaN above numbers,
// strings bytewise.
bool Less(const Value& a, const Value& b) {
  if (const double* x = std::get_if<double>(&a)) {
    const double y = std::get<double>(b);
    if (std::isnan(*x)) return false;
    return std::isnan(y) || *x < y;
  }
  return a < b;  // bool, int64, and strings (std::string compares bytes as unsigned char).
}

std::string DistinctKey(const Value& value) {
  if (const double* d = std::get_if<double>(&value)) {
    if (std::isnan(*d)) return "nan";
    if (*d == 0) return "0";
  }
  return Show(value);
}

double AsDouble(const Value& value) {
  if (const int64_t* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  return std::get<double>(value);
}

struct SeenRow {
  Value value;
  Value time;
};

// The naive result of `call` over one group's rows, in the order they were seen.
Value Reference(const sql::AggregateCall& call, DataType type, const std::vector<SeenRow>& rows) {
  std::vector<Value> values;
  for (const SeenRow& row : rows) {
    if (!std::holds_alternative<std::monostate>(row.value)) values.push_back(row.value);
  }
  switch (call.kind) {
    case AggKind::kCount: return static_cast<int64_t>(values.size());
    case AggKind::kCountStar: return static_cast<int64_t>(rows.size());
    case AggKind::kCountDistinct:
    case AggKind::kApproxCountDistinct: {
      std::set<std::string> keys;
      for (const Value& value : values) keys.insert(DistinctKey(value));
      return static_cast<int64_t>(keys.size());
    }
    case AggKind::kSum:
    case AggKind::kAvg: {
      if (values.empty()) return Value();
      if (type == DataType::kInt64) {
        __int128 sum = 0;
        for (const Value& value : values) sum += std::get<int64_t>(value);
        if (call.kind == AggKind::kSum) return static_cast<int64_t>(sum);
        return static_cast<double>(static_cast<long double>(sum) / values.size());
      }
      double sum = 0;
      for (const Value& value : values) sum += std::get<double>(value);
      return call.kind == AggKind::kSum ? sum : sum / static_cast<double>(values.size());
    }
    case AggKind::kMin:
    case AggKind::kMax: {
      if (values.empty()) return Value();
      Value best = values[0];
      for (const Value& value : values) {
        if (call.kind == AggKind::kMin ? Less(value, best) : Less(best, value)) best = value;
      }
      return best;
    }
    case AggKind::kStddev: {
      if (values.size() < 2) return Value();
      long double mean = 0;
      for (const Value& value : values) mean += AsDouble(value);
      mean /= values.size();
      long double m2 = 0;
      for (const Value& value : values) m2 += (AsDouble(value) - mean) * (AsDouble(value) - mean);
      return static_cast<double>(std::sqrt(m2 / (values.size() - 1)));
    }
    case AggKind::kQuantile: {
      if (values.empty()) return Value();
      std::vector<double> sorted;
      for (const Value& value : values) sorted.push_back(AsDouble(value));
      std::sort(sorted.begin(), sorted.end(), [](double a, double b) { return Less(a, b); });
      const double position = call.quantile * static_cast<double>(sorted.size() - 1);
      const auto lo = static_cast<size_t>(std::floor(position));
      const double fraction = position - static_cast<double>(lo);
      if (fraction == 0 || lo + 1 == sorted.size()) return sorted[lo];
      if (std::isnan(sorted[lo]) || std::isnan(sorted[lo + 1])) return std::nan("");
      if (sorted[lo] == sorted[lo + 1]) return sorted[lo];
      return sorted[lo] + fraction * (sorted[lo + 1] - sorted[lo]);
    }
    case AggKind::kFirst:
    case AggKind::kLast: {
      std::optional<SeenRow> best;
      for (const SeenRow& row : rows) {
        if (std::holds_alternative<std::monostate>(row.time)) continue;
        const int64_t time = std::get<int64_t>(row.time);
        if (!best) {
          best = row;
          continue;
        }
        const int64_t best_time = std::get<int64_t>(best->time);
        if (call.kind == AggKind::kFirst ? time < best_time : time >= best_time) best = row;
      }
      return best ? best->value : Value();
    }
  }
  return Value();
}

// Feeds `batch` to `aggregator` and records its rows in `seen` under global group ids
// (global = to_global[local]).
void Feed(Aggregator& aggregator, const sql::AggregateCall& call, const Batch& batch,
          const std::vector<uint32_t>& to_global, std::vector<std::vector<SeenRow>>& seen) {
  std::vector<const ColumnVector*> args;
  if (call.kind != AggKind::kCountStar) args.push_back(&batch.x);
  if (call.kind == AggKind::kFirst || call.kind == AggKind::kLast) args.push_back(&batch.time);
  ASSERT_OK(testing::Update(aggregator, args, batch.rows ? &*batch.rows : nullptr,
                            batch.gids ? &*batch.gids : nullptr, batch.n));
  for (size_t input = 0; input < batch.n; ++input) {
    const size_t row = batch.rows ? (*batch.rows)[input] : input;
    const uint32_t local = batch.gids ? (*batch.gids)[input] : 0;
    seen[to_global[local]].push_back({batch.x.ValueAt(row), batch.time.ValueAt(row)});
  }
}

// Feeds `batch` (local ids) to an aggregator that uses the global ids.
void FeedGlobal(Aggregator& aggregator, const sql::AggregateCall& call, Batch batch,
                const std::vector<uint32_t>& to_global) {
  std::vector<uint32_t> gids(batch.n);
  for (size_t input = 0; input < batch.n; ++input) {
    gids[input] = to_global[batch.gids ? (*batch.gids)[input] : 0];
  }
  batch.gids = std::move(gids);
  std::vector<std::vector<SeenRow>> ignored(kGroups);
  std::vector<uint32_t> identity(kGroups);
  for (uint32_t gid = 0; gid < kGroups; ++gid) identity[gid] = gid;
  Feed(aggregator, call, batch, identity, ignored);
}

double Tolerance(const sql::AggregateCall& call) {
  switch (call.kind) {
    case AggKind::kSum:
    case AggKind::kAvg:
    case AggKind::kStddev: return 1e-9;
    default: return 0;
  }
}

void ExpectMatches(const sql::AggregateCall& call, DataType type, const ColumnVector& out,
                   const std::vector<std::vector<SeenRow>>& seen, const char* what) {
  ASSERT_EQ(out.size(), kGroups) << what;
  for (uint32_t gid = 0; gid < kGroups; ++gid) {
    const Value expected = Reference(call, type, seen[gid]);
    const Value actual = out.ValueAt(gid);
    if (call.kind == AggKind::kApproxCountDistinct) {
      const int64_t e = std::get<int64_t>(expected);
      EXPECT_NEAR(std::get<int64_t>(actual), e, 1 + 0.02 * e) << what << " group " << gid;
      continue;
    }
    EXPECT_TRUE(testing::NearlyEqual(actual, expected, Tolerance(call)))
        << what << " group " << gid << ": got " << Show(actual) << ", want " << Show(expected);
  }
}

struct Case {
  AggKind kind;
  std::vector<DataType> types;
};

TEST(AggregatorRandomTest, PartialsMergedEqualOneAggregatorAndTheReference) {
  const std::vector<Case> cases = {
      {AggKind::kCount, {DataType::kInt64, DataType::kString}},
      {AggKind::kCountStar, {DataType::kInt64}},
      {AggKind::kCountDistinct,
       {DataType::kBool, DataType::kInt64, DataType::kTimestamp, DataType::kFloat64,
        DataType::kString}},
      {AggKind::kApproxCountDistinct, {DataType::kInt64, DataType::kFloat64, DataType::kString}},
      {AggKind::kSum, {DataType::kInt64, DataType::kFloat64}},
      {AggKind::kAvg, {DataType::kInt64, DataType::kFloat64}},
      {AggKind::kMin,
       {DataType::kBool, DataType::kInt64, DataType::kTimestamp, DataType::kFloat64,
        DataType::kString}},
      {AggKind::kMax,
       {DataType::kBool, DataType::kInt64, DataType::kTimestamp, DataType::kFloat64,
        DataType::kString}},
      {AggKind::kStddev, {DataType::kInt64, DataType::kFloat64}},
      {AggKind::kQuantile, {DataType::kInt64, DataType::kFloat64}},
      {AggKind::kFirst, {DataType::kBool, DataType::kInt64, DataType::kFloat64, DataType::kString}},
      {AggKind::kLast, {DataType::kBool, DataType::kInt64, DataType::kFloat64, DataType::kString}},
  };
  const double quantiles[] = {0.0, 0.25, 0.5, 0.9, 1.0};
  uint32_t seed = 1;
  for (const Case& test_case : cases) {
    for (DataType type : test_case.types) {
      for (int round = 0; round < 12; ++round, ++seed) {
        SCOPED_TRACE(std::string(sql::AggName(test_case.kind)) + "(" +
                     std::string(types::DataTypeName(type)) + ") seed " + std::to_string(seed));
        RandomInput input(type, seed);
        const sql::AggregateCall call = Call(test_case.kind, type, quantiles[input.Uniform(0, 4)]);
        std::unique_ptr<Aggregator> a = MakeAggregator(call);
        std::unique_ptr<Aggregator> b = MakeAggregator(call);
        std::unique_ptr<Aggregator> whole = MakeAggregator(call);
        a->Resize(2);  // Grown later, as a hash aggregation discovers groups.
        b->Resize(kGroups);
        whole->Resize(kGroups);
        a->Resize(kGroups);
        std::vector<uint32_t> identity(kGroups);
        for (uint32_t gid = 0; gid < kGroups; ++gid) identity[gid] = gid;
        // b numbers the groups its own way: its local group g is global group to_global[g].
        std::vector<uint32_t> to_global(identity.begin(), identity.end() - 1);
        std::shuffle(to_global.begin(), to_global.end(), input.rng());
        to_global.push_back(kGroups - 1);
        std::vector<std::vector<SeenRow>> seen(kGroups);
        const size_t batches = input.Uniform(0, 8);
        const size_t split = input.Uniform(0, batches);
        for (size_t batch_idx = 0; batch_idx < batches; ++batch_idx) {
          Batch batch = input.Next();
          const bool to_a = batch_idx < split;
          Feed(to_a ? *a : *b, call, batch, to_a ? identity : to_global, seen);
          FeedGlobal(*whole, call, std::move(batch), to_a ? identity : to_global);
        }
        ASSERT_OK_AND_ASSIGN(ColumnVector whole_out, testing::Finalize(*whole, call.type));
        ExpectMatches(call, type, whole_out, seen, "one aggregator");
        a->Merge(*b, to_global);
        ASSERT_OK_AND_ASSIGN(ColumnVector merged_out, testing::Finalize(*a, call.type));
        ExpectMatches(call, type, merged_out, seen, "merged partials");
        if (HasFailure()) return;
      }
    }
  }
}

}  // namespace
}  // namespace strata::exec
