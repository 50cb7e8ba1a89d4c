#include "exec/group_value_set.h"

namespace strata::exec {

void GroupValueSet::Grow() {
  std::vector<Slot> old(slots_.empty() ? 16 : slots_.size() * 2);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.gid == kEmpty) continue;
    size_t slot_idx = StartSlot(slot.gid, slot.hash, mask);
    while (slots_[slot_idx].gid != kEmpty) slot_idx = (slot_idx + 1) & mask;
    slots_[slot_idx] = slot;
  }
}

}  // namespace strata::exec
