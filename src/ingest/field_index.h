// FieldIndex: maps field names to column indices with an open-addressing hash table built
// once per schema. Find() does not allocate; the index owns copies of the names, so it stays
// valid when the schema it was built from changes or moves.
// Thread safety: const methods may run concurrently.
// Invariants: the table size is a power of two, at least twice the number of names; every
// name appears once.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace strata::ingest {

// a[0, n) == b[0, n), 8 bytes at a time without a library call.
inline bool EqualBytes(const char* a, const char* b, size_t n) {
  for (; n >= 8; a += 8, b += 8, n -= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
  }
  for (; n > 0; ++a, ++b, --n) {
    if (*a != *b) return false;
  }
  return true;
}

class FieldIndex {
 public:
  static constexpr int kNotFound = -1;

  FieldIndex() = default;
  // REQUIRES: names are distinct (a schema's field names are).
  explicit FieldIndex(const std::vector<std::string_view>& names);

  // The index in the constructor's `names` of `name`, or kNotFound.
  int Find(std::string_view name) const;

  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  std::string_view NameAt(int col_idx) const {
    return std::string_view(chars_.data() + offsets_[col_idx],
                            offsets_[col_idx + 1] - offsets_[col_idx]);
  }
  // NameAt(col_idx) == name, inlined for short names (the decoders' hot path).
  bool NameIs(int col_idx, std::string_view name) const {
    const uint32_t begin = offsets_[col_idx];
    if (offsets_[col_idx + 1] - begin != name.size()) return false;
    return EqualBytes(chars_.data() + begin, name.data(), name.size());
  }

 private:
  struct Slot {
    uint32_t hash = 0;
    int32_t col_idx = kNotFound;
  };

  std::vector<Slot> table_;
  uint64_t mask_ = 0;
  size_t longest_ = 0;             // Longer names are not looked up (nor hashed).
  std::string chars_;              // The names, concatenated.
  std::vector<uint32_t> offsets_;  // size() + 1 entries into chars_.
};

// The 64-bit hash FieldIndex uses (exposed for tests).
uint64_t HashFieldName(std::string_view name);

}  // namespace strata::ingest
