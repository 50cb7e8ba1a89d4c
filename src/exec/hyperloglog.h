// HyperLogLog sketch (Flajolet et al. 2007) with 2^14 registers: a standard error of
// 1.04 / sqrt(16384) = 0.81% at every cardinality, estimated with Ertl's improved estimator
// ("New cardinality estimation algorithms for HyperLogLog sketches", 2017, the one Redis
// uses), which needs neither bias tables nor a switch to linear counting.
// Representation: empty (no allocation) -> sparse (an open-addressing table of
// (register, rank) pairs, at most 8 KiB) -> dense (16 KiB of one-byte registers), so many
// small groups do not each cost 16 KiB.
// Thread safety: a plain value.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

namespace strata::exec {

class HyperLogLog {
 public:
  static constexpr int kPrecision = 14;
  static constexpr size_t kRegisters = size_t{1} << kPrecision;
  // Ranks are 1..kMaxRank: one plus the trailing zeros of the 50 hash bits above the index.
  static constexpr int kMaxRank = 64 - kPrecision + 1;

  // Adds a value by its 64-bit hash (exec/value_hash.h). Returns the change in HeapBytes().
  int64_t Add(uint64_t hash) {
    const auto index = static_cast<uint32_t>(hash & (kRegisters - 1));
    const auto rank = static_cast<uint8_t>(
        std::countr_zero((hash >> kPrecision) | (uint64_t{1} << (kMaxRank - 1))) + 1);
    if (dense_) {
      uint8_t& reg = dense_[index];
      if (rank > reg) reg = rank;
      return 0;
    }
    return AddSparse(index, rank);
  }

  // Folds `other` into this sketch (register-wise maximum). Returns the change in HeapBytes().
  int64_t Merge(const HyperLogLog& other);

  // The estimated number of distinct values added; 0 for an empty sketch.
  uint64_t Estimate() const;

  size_t HeapBytes() const {
    return (dense_ ? kRegisters : 0) + sparse_.capacity() * sizeof(uint32_t);
  }

 private:
  // Sparse slots hold index << 8 | rank; 0 marks a free slot (ranks start at 1).
  static constexpr size_t kMaxSparseSlots = 2048;

  int64_t AddSparse(uint32_t index, uint8_t rank);
  // Converts to dense once the sparse table would outgrow kMaxSparseSlots.
  void Densify();

  std::vector<uint32_t> sparse_;      // Empty, or a power-of-two table, at most half full.
  size_t sparse_entries_ = 0;         // Used slots of sparse_.
  std::unique_ptr<uint8_t[]> dense_;  // kRegisters ranks (0: none) once dense.
};

}  // namespace strata::exec
