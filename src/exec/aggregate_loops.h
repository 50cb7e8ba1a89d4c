// Row visitors shared by the aggregators. Each calls a functor for every input row whose
// argument is valid, with a separate loop for each case (no selection and no NULLs; a
// selection; a validity bitmap walked 64 rows per word), so that the functor inlines into a
// tight loop over the raw payload arrays.
// Thread safety: stateless.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "types/column_vector.h"

namespace strata::exec {

static_assert(std::endian::native == std::endian::little, "validity words are read LSB first");

// Marks a group with no row in the current batch in per-batch scratch arrays.
inline constexpr uint32_t kNoRow = UINT32_MAX;

// The validity bitmap of `vector`, or null when every row is valid.
inline const uint8_t* ValidityOrNull(const types::ColumnVector& vector) {
  return vector.has_nulls() ? vector.validity().data() : nullptr;
}

inline bool IsValidRow(const uint8_t* validity, size_t row_idx) {
  return ((validity[row_idx >> 3] >> (row_idx & 7)) & 1) != 0;
}

// Calls fn(input_idx, row_idx) for every input row input_idx in [0, n) whose row
// row_idx = rows ? rows[input_idx] : input_idx is valid in `validity` (null: all valid), in
// input order. The group of an input row is gids[input_idx], so callers without group ids
// ignore input_idx and the compiler drops it.
//
// Flattened: the functor is inlined at each of the loops even where GCC's size heuristics
// would call it per row.
template <typename Fn>
[[gnu::flatten]] inline void ForEachValidInput(const uint8_t* validity, const uint32_t* rows,
                                               size_t n, Fn&& fn) {
  if (rows != nullptr) {
    if (validity == nullptr) {
      for (size_t input_idx = 0; input_idx < n; ++input_idx) fn(input_idx, size_t{rows[input_idx]});
    } else {
      for (size_t input_idx = 0; input_idx < n; ++input_idx) {
        const size_t row_idx = rows[input_idx];
        if (IsValidRow(validity, row_idx)) fn(input_idx, row_idx);
      }
    }
    return;
  }
  if (validity == nullptr) {
    for (size_t row_idx = 0; row_idx < n; ++row_idx) fn(row_idx, row_idx);
    return;
  }
  const size_t full_words = n / 64;
  for (size_t word_idx = 0; word_idx < full_words; ++word_idx) {
    uint64_t word;
    std::memcpy(&word, validity + word_idx * 8, sizeof(word));
    const size_t begin = word_idx * 64;
    if (word == ~uint64_t{0}) {
      for (size_t row_idx = begin; row_idx < begin + 64; ++row_idx) fn(row_idx, row_idx);
    } else {
      while (word != 0) {  // Only the valid rows: one step per set bit.
        const size_t row_idx = begin + static_cast<size_t>(std::countr_zero(word));
        fn(row_idx, row_idx);
        word &= word - 1;
      }
    }
  }
  for (size_t row_idx = full_words * 64; row_idx < n; ++row_idx) {
    if (IsValidRow(validity, row_idx)) fn(row_idx, row_idx);
  }
}

// Marks "no group" where a group id is expected (group ids are < UINT32_MAX).
inline constexpr uint32_t kNoGroup = UINT32_MAX;

// Visits the valid input rows like ForEachValidInput, in runs of consecutive inputs of one
// group: start(gid) before a run's first row, row(row_idx) for each row, finish(gid) after
// its last. Accumulators kept in registers across a run avoid the chain through memory (the
// latency of store-to-load forwarding per row) that a per-row update of states[gid] has when
// the rows of a group arrive together, e.g. from a dataset sorted by the grouping key.
template <typename Start, typename Row, typename Finish>
[[gnu::flatten]] inline void ForEachGroupRun(const uint8_t* validity, const uint32_t* rows,
                                             const uint32_t* gids, size_t n, Start&& start,
                                             Row&& row, Finish&& finish) {
  uint32_t run_gid = kNoGroup;
  ForEachValidInput(validity, rows, n, [&](size_t input_idx, size_t row_idx) {
    const uint32_t gid = gids[input_idx];
    if (gid != run_gid) {
      if (run_gid != kNoGroup) finish(run_gid);
      start(gid);
      run_gid = gid;
    }
    row(row_idx);
  });
  if (run_gid != kNoGroup) finish(run_gid);
}

// Whether the group ids of a batch come in runs (a sample of the first inputs changes group
// at most once in four rows), so that ForEachGroupRun pays; with interleaved groups its
// per-row branch costs more than it saves.
inline bool GroupsComeInRuns(const uint32_t* gids, size_t n) {
  const size_t sample = n < 128 ? n : 128;
  size_t changes = 0;
  for (size_t input_idx = 1; input_idx < sample; ++input_idx) {
    changes += gids[input_idx] != gids[input_idx - 1];
  }
  return changes * 4 <= sample;
}

// Calls fn(group_of) with group_of(input_idx) = gids[input_idx], or 0 without gids, as two
// instantiations, so that the single-group case has no indirection in its loop.
template <typename Fn>
inline void WithGroupOf(const uint32_t* gids, Fn&& fn) {
  if (gids == nullptr) {
    fn([](size_t) { return uint32_t{0}; });
  } else {
    fn([gids](size_t input_idx) { return gids[input_idx]; });
  }
}

// Heap bytes held by a vector's buffer.
template <typename T>
size_t VectorBytes(const std::vector<T>& vector) {
  return vector.capacity() * sizeof(T);
}

// Heap bytes held by a string beyond the object itself (0 while the value fits inline).
inline size_t StringHeapBytes(const std::string& value) {
  static const size_t kInlineCapacity = std::string().capacity();
  return value.capacity() > kInlineCapacity ? value.capacity() + 1 : 0;
}

// Sets `target` to `value`, keeping `heap_bytes` (the sum of StringHeapBytes of a set of
// strings that includes `target`) up to date.
inline void AssignCounted(std::string& target, std::string_view value, size_t& heap_bytes) {
  heap_bytes -= StringHeapBytes(target);
  target.assign(value);
  heap_bytes += StringHeapBytes(target);
}

}  // namespace strata::exec
