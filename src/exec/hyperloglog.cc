#include "exec/hyperloglog.h"

#include <algorithm>
#include <cmath>

namespace strata::exec {
namespace {

constexpr size_t kInitialSparseSlots = 8;

// sigma and tau of Ertl's estimator, summed until the terms vanish in double precision.
double Sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (previous != z);
  return z / 3.0;
}

// Ertl's improved raw estimator over a histogram of register ranks
// (histogram[k] = registers holding rank k; rank 0 = empty register).
uint64_t EstimateFromHistogram(const uint32_t* histogram) {
  constexpr int kQ = HyperLogLog::kMaxRank - 1;
  const double m = static_cast<double>(HyperLogLog::kRegisters);
  double z = m * Tau((m - histogram[kQ + 1]) / m);
  for (int k = kQ; k >= 1; --k) {
    z += histogram[k];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  constexpr double kAlphaInfinity = 0.721347520444481703680;  // 1 / (2 ln 2).
  return static_cast<uint64_t>(std::llround(kAlphaInfinity * m * m / z));
}

inline size_t SparseSlot(uint32_t index, size_t mask) {
  return index & mask;  // The index is hash bits already: uniform.
}

}  // namespace

int64_t HyperLogLog::AddSparse(uint32_t index, uint8_t rank) {
  int64_t grown = 0;
  if (sparse_.empty()) {
    sparse_.assign(kInitialSparseSlots, 0);
    grown = static_cast<int64_t>(kInitialSparseSlots * sizeof(uint32_t));
  }
  const size_t mask = sparse_.size() - 1;
  for (size_t slot = SparseSlot(index, mask);; slot = (slot + 1) & mask) {
    const uint32_t entry = sparse_[slot];
    if (entry == 0) {
      sparse_[slot] = index << 8 | rank;
      ++sparse_entries_;
      break;
    }
    if ((entry >> 8) == index) {
      if (rank > (entry & 0xff)) sparse_[slot] = index << 8 | rank;
      return grown;
    }
  }
  if (sparse_entries_ * 2 <= sparse_.size()) return grown;
  const size_t before = HeapBytes();
  if (sparse_.size() * 2 > kMaxSparseSlots) {
    Densify();
  } else {
    std::vector<uint32_t> old(sparse_.size() * 2, 0);
    old.swap(sparse_);
    const size_t new_mask = sparse_.size() - 1;
    for (uint32_t entry : old) {
      if (entry == 0) continue;
      size_t slot = SparseSlot(entry >> 8, new_mask);
      while (sparse_[slot] != 0) slot = (slot + 1) & new_mask;
      sparse_[slot] = entry;
    }
  }
  return grown + static_cast<int64_t>(HeapBytes()) - static_cast<int64_t>(before);
}

void HyperLogLog::Densify() {
  dense_ = std::make_unique<uint8_t[]>(kRegisters);  // Zeroed.
  for (uint32_t entry : sparse_) {
    if (entry != 0) dense_[entry >> 8] = static_cast<uint8_t>(entry & 0xff);
  }
  std::vector<uint32_t>().swap(sparse_);
  sparse_entries_ = 0;
}

int64_t HyperLogLog::Merge(const HyperLogLog& other) {
  const auto before = static_cast<int64_t>(HeapBytes());
  if (other.dense_) {
    if (!dense_) Densify();
    for (size_t index = 0; index < kRegisters; ++index) {
      dense_[index] = std::max(dense_[index], other.dense_[index]);
    }
  } else {
    for (uint32_t entry : other.sparse_) {
      if (entry == 0) continue;
      const uint32_t index = entry >> 8;
      const auto rank = static_cast<uint8_t>(entry & 0xff);
      if (dense_) {
        dense_[index] = std::max(dense_[index], rank);
      } else {
        AddSparse(index, rank);
      }
    }
  }
  return static_cast<int64_t>(HeapBytes()) - before;
}

uint64_t HyperLogLog::Estimate() const {
  uint32_t histogram[kMaxRank + 1] = {};
  if (dense_) {
    for (size_t index = 0; index < kRegisters; ++index) ++histogram[dense_[index]];
  } else {
    if (sparse_entries_ == 0) return 0;
    histogram[0] = static_cast<uint32_t>(kRegisters - sparse_entries_);
    for (uint32_t entry : sparse_) {
      if (entry != 0) ++histogram[entry & 0xff];
    }
  }
  return EstimateFromHistogram(histogram);
}

}  // namespace strata::exec
