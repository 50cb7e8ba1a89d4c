// Schema: the fields of one dataset version. Fields carry stable numeric ids that are never
// reused, so data written under an older version stays readable after renames and drops.
// Thread safety: plain values.
// Invariants: field names are unique within a schema; ids are unique and < next_field_id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "types/data_type.h"

namespace strata::types {

inline constexpr size_t kMaxFields = 1024;
inline constexpr size_t kMaxFieldNameBytes = 128;
inline constexpr size_t kMaxDescriptionBytes = 4096;

struct Field {
  uint32_t id = 0;
  std::string name;
  DataType type = DataType::kString;
  bool nullable = false;
  Value default_value;  // monostate: no default.
  bool pii = false;
  std::string description;

  bool has_default() const { return !std::holds_alternative<std::monostate>(default_value); }
  bool operator==(const Field&) const = default;
};

struct Schema {
  uint32_t version = 0;
  uint32_t next_field_id = 1;
  std::vector<Field> fields;

  const Field* Find(std::string_view name) const;
  Field* Find(std::string_view name);
  std::vector<std::string_view> Names() const;
};

// Field names: [A-Za-z_][A-Za-z0-9_]* segments joined by '.', at most kMaxFieldNameBytes.
// Dots name flattened nested objects ("request.path").
bool IsValidFieldName(std::string_view name);

}  // namespace strata::types
