// Catalog: what the binder may resolve a FROM name against — the datasets the caller can
// see, with the schema version the request reads and the caller's policies on each.
// Thread safety: implementations are used by one binder at a time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/policy_context.h"
#include "types/schema.h"

namespace strata::sql {

struct TableInfo {
  std::string name;
  types::Schema schema;
  std::optional<uint32_t> time_field_id;
  // The caller's row and field policies on this dataset.
  PolicyContext policy;
};

class Catalog {
 public:
  virtual ~Catalog() = default;
  // The dataset `name`, or nullopt when it does not exist or the caller may not see it (the
  // binder reports both the same way, so existence does not leak).
  virtual std::optional<TableInfo> Find(std::string_view name) = 0;
  // Names offered as suggestions when a FROM name does not resolve.
  virtual std::vector<std::string> Names() = 0;
};

}  // namespace strata::sql
