// GroupTable: assigns dense group ids to GROUP BY key tuples.
//
// Each key column first maps its values to dense per-key ids (a string dictionary's entries
// are looked up once per batch, not once per row; NULL is an id like any value). A tuple of
// per-key ids then maps to the group id: directly for one key, through a 64-bit packed id
// for two, through a hash of the id tuple otherwise.
// Thread safety: one table per thread; tables are merged by re-mapping another table's keys.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "exec/datum.h"
#include "types/column_vector.h"

namespace strata::exec {

class KeyIds;

class GroupTable {
 public:
  explicit GroupTable(std::vector<types::DataType> key_types);
  ~GroupTable();
  GroupTable(GroupTable&&) noexcept;
  GroupTable& operator=(GroupTable&&) noexcept;

  // Sets gids[i] to the group of row i of `keys` (one Datum per key, vectors of n rows or
  // scalars), adding groups for new tuples. REQUIRES: keys.size() == key count > 0.
  void Map(std::span<const Datum> keys, size_t n, std::vector<uint32_t>& gids);

  size_t num_groups() const { return num_groups_; }
  // One column per key, one row per group in group id order.
  std::vector<types::ColumnVector> KeyColumns() const;
  size_t MemoryBytes() const;

 private:
  uint32_t GroupFor(const uint32_t* ids);

  std::vector<types::DataType> key_types_;
  std::vector<std::unique_ptr<KeyIds>> keys_;
  size_t num_groups_ = 0;
  // Per group, its per-key ids (key count entries per group).
  std::vector<uint32_t> group_key_ids_;
  // Two or more keys: packed or hashed tuple -> group id (open addressing, 0 = empty).
  std::vector<uint64_t> slot_tuples_;
  std::vector<uint32_t> slot_groups_;
  size_t used_slots_ = 0;
  std::vector<uint32_t> scratch_ids_;
};

}  // namespace strata::exec
