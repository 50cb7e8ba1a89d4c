// The SQLite metastore's schema, as an ordered list of migrations. Each runs once, in its
// own transaction, and is recorded in schema_migrations(version, name, applied_at); a
// migration not recorded there runs even when a higher one already has.
// Append new migrations; never edit or reorder a released one.
#pragma once

#include <string_view>
#include <vector>

namespace strata::meta::sqlite {

struct Migration {
  int version;  // Ascending. A number may be skipped while another change reserves it.
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& Migrations();

}  // namespace strata::meta::sqlite
