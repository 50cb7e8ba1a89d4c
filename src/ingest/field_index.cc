#include "ingest/field_index.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/check.h"

namespace strata::ingest {

uint64_t HashFieldName(std::string_view name) {
  // 8 bytes per step with a multiply-xorshift mix: field names are short, so this beats
  // byte-wise hashes and needs no table.
  const char* p = name.data();
  size_t n = name.size();
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0x94d049bb133111ebULL;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 32);
}

FieldIndex::FieldIndex(const std::vector<std::string_view>& names) {
  offsets_.reserve(names.size() + 1);
  offsets_.push_back(0);
  for (std::string_view name : names) {
    chars_.append(name);
    longest_ = std::max(longest_, name.size());
    offsets_.push_back(static_cast<uint32_t>(chars_.size()));
  }
  const size_t capacity = std::bit_ceil(std::max<size_t>(8, names.size() * 2));
  table_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (size_t col_idx = 0; col_idx < names.size(); ++col_idx) {
    const uint64_t hash = HashFieldName(names[col_idx]);
    uint64_t pos = hash & mask_;
    while (table_[pos].col_idx != kNotFound) {
      STRATA_DCHECK(NameAt(table_[pos].col_idx) != names[col_idx]);
      pos = (pos + 1) & mask_;
    }
    table_[pos] = Slot{static_cast<uint32_t>(hash >> 32), static_cast<int32_t>(col_idx)};
  }
}

int FieldIndex::Find(std::string_view name) const {
  if (table_.empty() || name.size() > longest_) return kNotFound;
  const uint64_t hash = HashFieldName(name);
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  // The table is at most half full, so a probe always reaches an empty slot.
  for (uint64_t pos = hash & mask_;; pos = (pos + 1) & mask_) {
    const Slot& slot = table_[pos];
    if (slot.col_idx == kNotFound) return kNotFound;
    if (slot.hash == tag && NameIs(slot.col_idx, name)) return slot.col_idx;
  }
}

}  // namespace strata::ingest
