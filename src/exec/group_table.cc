#include "exec/group_table.h"

#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>

namespace strata::exec {

using types::ColumnVector;
using types::DataType;

namespace {

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

}  // namespace

// Dense ids for the distinct values of one key column; `values` holds value id i at row i.
class KeyIds {
 public:
  explicit KeyIds(DataType type) : type_(type), values_(type) {}

  // ids[i] = the id of row i of `key` (n rows, or a scalar).
  void Map(const Datum& key, size_t n, uint32_t* ids, size_t stride) {
    if (key.is_scalar()) {
      const uint32_t id = IdOfValue(*key.scalar);
      for (size_t i = 0; i < n; ++i) ids[i * stride] = id;
      return;
    }
    const ColumnVector& column = *key.vector;
    if (types::IsStringStored(type_)) {
      MapStrings(column, n, ids, stride);
    } else if (type_ == DataType::kFloat64) {
      for (size_t i = 0; i < n; ++i) {
        ids[i * stride] = column.IsNull(i) ? NullId() : IdOfDouble(column.DoubleAt(i));
      }
    } else if (type_ == DataType::kBool) {
      for (size_t i = 0; i < n; ++i) {
        ids[i * stride] = column.IsNull(i) ? NullId() : IdOfInt(column.BoolAt(i) ? 1 : 0);
      }
    } else {
      const int64_t* ints = column.ints().data();
      if (!column.has_nulls()) {
        // Runs of one key (time buckets of one host's ticks) look it up once.
        for (size_t i = 0; i < n;) {
          const int64_t key = ints[i];
          const uint32_t id = IdOfInt(key);
          do {
            ids[i * stride] = id;
          } while (++i < n && ints[i] == key);
        }
      } else {
        for (size_t i = 0; i < n; ++i) {
          ids[i * stride] = column.IsNull(i) ? NullId() : IdOfInt(ints[i]);
        }
      }
    }
  }

  const ColumnVector& values() const { return values_; }
  size_t MemoryBytes() const {
    return values_.MemoryBytes() + int_slots_.capacity() * 12 + strings_.size() * 48;
  }

 private:
  uint32_t NullId() {
    if (null_id_ == UINT32_MAX) {
      null_id_ = static_cast<uint32_t>(values_.size());
      values_.AppendNull();
    }
    return null_id_;
  }

  uint32_t IdOfValue(const types::Value& value) {
    if (std::holds_alternative<std::monostate>(value)) return NullId();
    if (const bool* b = std::get_if<bool>(&value)) return IdOfInt(*b ? 1 : 0);
    if (const int64_t* i = std::get_if<int64_t>(&value)) return IdOfInt(*i);
    if (const double* d = std::get_if<double>(&value)) return IdOfDouble(*d);
    return IdOfString(std::get<std::string>(value));
  }

  uint32_t IdOfDouble(double value) {
    if (value == 0) value = 0;  // -0.0 and 0.0 group together.
    if (value != value) value = std::numeric_limits<double>::quiet_NaN();
    return IdOfBits(std::bit_cast<int64_t>(value), value);
  }

  uint32_t IdOfInt(int64_t value) { return IdOfBits(value, value); }

  // Open addressing on the 64-bit key; `original` is appended to values_ for a new id.
  template <typename T>
  uint32_t IdOfBits(int64_t key, T original) {
    if ((int_used_ + 1) * 2 > int_slots_.size()) Grow();
    const size_t mask = int_slots_.size() - 1;
    for (size_t slot = Mix(static_cast<uint64_t>(key)) & mask;; slot = (slot + 1) & mask) {
      IntSlot& entry = int_slots_[slot];
      if (entry.id_plus_one == 0) {
        entry.key = key;
        entry.id_plus_one = static_cast<uint32_t>(values_.size()) + 1;
        ++int_used_;
        if constexpr (std::is_same_v<T, double>) {
          values_.AppendDouble(original);
        } else if (type_ == DataType::kBool) {
          values_.AppendBool(original != 0);
        } else {
          values_.AppendInt(original);
        }
        return entry.id_plus_one - 1;
      }
      if (entry.key == key) return entry.id_plus_one - 1;
    }
  }

  void Grow() {
    std::vector<IntSlot> old = std::move(int_slots_);
    int_slots_.assign(std::max<size_t>(64, old.size() * 2), IntSlot{});
    const size_t mask = int_slots_.size() - 1;
    for (const IntSlot& entry : old) {
      if (entry.id_plus_one == 0) continue;
      size_t slot = Mix(static_cast<uint64_t>(entry.key)) & mask;
      while (int_slots_[slot].id_plus_one != 0) slot = (slot + 1) & mask;
      int_slots_[slot] = entry;
    }
  }

  uint32_t IdOfString(std::string_view value) {
    auto it = strings_.find(value);
    if (it != strings_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(values_.size());
    values_.AppendString(value);
    strings_.emplace(std::string(value), id);
    return id;
  }

  void MapStrings(const ColumnVector& column, size_t n, uint32_t* ids, size_t stride) {
    if (column.is_dictionary()) {
      // Each entry is hashed once; rows map through their codes.
      entry_ids_.assign(column.dictionary_size(), UINT32_MAX);
      const uint32_t* codes = column.codes().data();
      for (size_t i = 0; i < n; ++i) {
        if (column.IsNull(i)) {
          ids[i * stride] = NullId();
          continue;
        }
        uint32_t& id = entry_ids_[codes[i]];
        if (id == UINT32_MAX) id = IdOfString(column.DictionaryEntry(codes[i]));
        ids[i * stride] = id;
      }
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      ids[i * stride] = column.IsNull(i) ? NullId() : IdOfString(column.StringAt(i));
    }
  }

  struct IntSlot {
    int64_t key = 0;
    uint32_t id_plus_one = 0;
  };

  DataType type_;
  ColumnVector values_;
  uint32_t null_id_ = UINT32_MAX;
  std::vector<IntSlot> int_slots_;
  size_t int_used_ = 0;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> strings_;
  std::vector<uint32_t> entry_ids_;
};

GroupTable::GroupTable(std::vector<DataType> key_types) : key_types_(std::move(key_types)) {
  for (DataType type : key_types_) keys_.push_back(std::make_unique<KeyIds>(type));
}

GroupTable::~GroupTable() = default;
GroupTable::GroupTable(GroupTable&&) noexcept = default;
GroupTable& GroupTable::operator=(GroupTable&&) noexcept = default;

void GroupTable::Map(std::span<const Datum> keys, size_t n, std::vector<uint32_t>& gids) {
  const size_t k = keys_.size();
  gids.resize(n);
  if (k == 1) {
    keys_[0]->Map(keys[0], n, gids.data(), 1);
    num_groups_ = keys_[0]->values().size();
    return;
  }
  scratch_ids_.resize(n * k);
  for (size_t j = 0; j < k; ++j) keys_[j]->Map(keys[j], n, scratch_ids_.data() + j, k);
  for (size_t i = 0; i < n; ++i) gids[i] = GroupFor(scratch_ids_.data() + i * k);
}

uint32_t GroupTable::GroupFor(const uint32_t* ids) {
  const size_t k = keys_.size();
  uint64_t tuple;
  if (k == 2) {
    tuple = (static_cast<uint64_t>(ids[0]) << 32) | ids[1];
  } else {
    tuple = 0x9e3779b97f4a7c15ULL;
    for (size_t j = 0; j < k; ++j) tuple = Mix(tuple ^ ids[j]) + j;
  }
  if ((used_slots_ + 1) * 2 > slot_tuples_.size()) {
    std::vector<uint64_t> old_tuples = std::move(slot_tuples_);
    std::vector<uint32_t> old_groups = std::move(slot_groups_);
    const size_t size = std::max<size_t>(64, old_tuples.size() * 2);
    slot_tuples_.assign(size, 0);
    slot_groups_.assign(size, 0);
    for (size_t s = 0; s < old_tuples.size(); ++s) {
      if (old_groups[s] == 0) continue;
      size_t slot = Mix(old_tuples[s]) & (size - 1);
      while (slot_groups_[slot] != 0) slot = (slot + 1) & (size - 1);
      slot_tuples_[slot] = old_tuples[s];
      slot_groups_[slot] = old_groups[s];
    }
  }
  const size_t mask = slot_tuples_.size() - 1;
  for (size_t slot = Mix(tuple) & mask;; slot = (slot + 1) & mask) {
    const uint32_t group_plus_one = slot_groups_[slot];
    if (group_plus_one == 0) {
      slot_tuples_[slot] = tuple;
      slot_groups_[slot] = static_cast<uint32_t>(num_groups_) + 1;
      ++used_slots_;
      group_key_ids_.insert(group_key_ids_.end(), ids, ids + k);
      return static_cast<uint32_t>(num_groups_++);
    }
    if (slot_tuples_[slot] == tuple &&
        (k == 2 || std::memcmp(group_key_ids_.data() + (group_plus_one - 1) * k, ids,
                               k * sizeof(uint32_t)) == 0)) {
      return group_plus_one - 1;
    }
  }
}

std::vector<ColumnVector> GroupTable::KeyColumns() const {
  std::vector<ColumnVector> columns;
  const size_t k = keys_.size();
  for (size_t j = 0; j < k; ++j) {
    const ColumnVector& values = keys_[j]->values();
    ColumnVector column(key_types_[j]);
    if (k == 1) {
      column.AppendRange(values, 0, values.size());
    } else {
      std::vector<uint32_t> rows(num_groups_);
      for (size_t g = 0; g < num_groups_; ++g) rows[g] = group_key_ids_[g * k + j];
      column.AppendSelected(values, rows);
    }
    columns.push_back(std::move(column));
  }
  return columns;
}

size_t GroupTable::MemoryBytes() const {
  size_t bytes =
      group_key_ids_.capacity() * 4 + slot_tuples_.capacity() * 12 + scratch_ids_.capacity() * 4;
  for (const auto& key : keys_) bytes += key->MemoryBytes();
  return bytes;
}

}  // namespace strata::exec
