// GroupValueSet: the set of distinct (group, value) pairs behind count(DISTINCT x). One
// open-addressing table serves every group, so a group costs nothing until it holds values,
// and a pair costs one 24-byte slot (at most 3/4 of the slots are used) plus, for strings,
// its bytes in one arena.
// Values are fixed-width bits (bool, int64, timestamp, canonical float64 bits: see
// exec/value_hash.h) or byte strings; one set holds one kind.
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::exec {

class GroupValueSet {
 public:
  // `holds_bytes`: the values are byte strings (InsertBytes), else bits (InsertBits).
  explicit GroupValueSet(bool holds_bytes) : holds_bytes_(holds_bytes) {}

  // Adds the pair unless present; returns whether it was added. `hash` is the value's hash
  // (equal values, equal hashes). REQUIRES: gid != UINT32_MAX.
  bool InsertBits(uint32_t gid, uint64_t hash, uint64_t bits) {
    return Insert(
        gid, hash, [&](const Slot& slot) { return slot.value == bits; },
        [&](Slot& slot) {
          slot.value = bits;
          slot.length = 0;
        });
  }
  bool InsertBytes(uint32_t gid, uint64_t hash, std::string_view bytes) {
    return Insert(
        gid, hash,
        [&](const Slot& slot) {
          return slot.length == bytes.size() &&
                 std::string_view(arena_.data() + slot.value, slot.length) == bytes;
        },
        [&](Slot& slot) {
          slot.value = arena_.size();
          slot.length = static_cast<uint32_t>(bytes.size());
          arena_.append(bytes);
        });
  }

  // Adds every pair of `other` (which holds the same kind of values), its group g renamed to
  // target[g]; calls added(target[g]) for each pair that was new here.
  template <typename Added>
  void InsertAll(const GroupValueSet& other, const uint32_t* target, Added&& added) {
    for (const Slot& slot : other.slots_) {
      if (slot.gid == kEmpty) continue;
      const uint32_t gid = target[slot.gid];
      const bool is_new =
          other.holds_bytes_
              ? InsertBytes(gid, slot.hash,
                            std::string_view(other.arena_.data() + slot.value, slot.length))
              : InsertBits(gid, slot.hash, slot.value);
      if (is_new) added(gid);
    }
  }

  size_t size() const { return size_; }
  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot) + arena_.capacity(); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  struct Slot {
    uint64_t hash = 0;   // Of the value alone.
    uint64_t value = 0;  // Bits, or the offset of the bytes in arena_.
    uint32_t gid = kEmpty;
    uint32_t length = 0;  // Of the bytes.
  };

  // Spreads a group's pairs with the same value over distinct slots: gid * odd is a
  // bijection modulo every power of two.
  static size_t StartSlot(uint32_t gid, uint64_t hash, size_t mask) {
    return (hash + gid * 0x9e3779b97f4a7c15ULL) & mask;
  }

  template <typename Equal, typename Fill>
  bool Insert(uint32_t gid, uint64_t hash, const Equal& equal, const Fill& fill) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t slot_idx = StartSlot(gid, hash, mask);; slot_idx = (slot_idx + 1) & mask) {
      Slot& slot = slots_[slot_idx];
      if (slot.gid == kEmpty) {
        slot.gid = gid;
        slot.hash = hash;
        fill(slot);
        ++size_;
        return true;
      }
      if (slot.hash == hash && slot.gid == gid && equal(slot)) return false;
    }
  }

  void Grow();

  std::vector<Slot> slots_;  // Empty, or a power-of-two table.
  size_t size_ = 0;          // Used slots.
  std::string arena_;        // Bytes of string values.
  const bool holds_bytes_;
};

}  // namespace strata::exec
