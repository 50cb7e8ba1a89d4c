// Helpers shared by the ingest unit tests: small schemas and readable batch access.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/record_builder.h"
#include "types/batch.h"
#include "types/schema.h"

namespace strata::ingest::testing {

struct FieldSpec {
  std::string name;
  types::DataType type;
  bool nullable = false;
  types::Value default_value = {};
};

inline types::Schema MakeSchema(std::initializer_list<FieldSpec> specs) {
  types::Schema schema;
  schema.version = 1;
  for (const FieldSpec& spec : specs) {
    types::Field field;
    field.id = schema.next_field_id++;
    field.name = spec.name;
    field.type = spec.type;
    field.nullable = spec.nullable;
    field.default_value = spec.default_value;
    schema.fields.push_back(std::move(field));
  }
  return schema;
}

// TypeOptions with one member changed (designated initializers trip
// -Wmissing-field-initializers).
inline TypeOptions Coerce() {
  TypeOptions options;
  options.coerce_strings = true;
  return options;
}
inline TypeOptions Evolve() {
  TypeOptions options;
  options.schema_mode = SchemaMode::kEvolve;
  return options;
}
inline TypeOptions IdField(std::string name) {
  TypeOptions options;
  options.record_id_field = std::move(name);
  return options;
}
inline TypeOptions MaxDepth(int depth) {
  TypeOptions options;
  options.max_depth = depth;
  return options;
}
inline TypeOptions MaxString(size_t bytes) {
  TypeOptions options;
  options.max_string_bytes = bytes;
  return options;
}
inline TypeOptions EpochUnit(TimeUnit unit) {
  TypeOptions options;
  options.epoch_unit = unit;
  return options;
}

// The value of field `name` in row `row_idx` of `batch` (built for `schema`).
inline types::Value Cell(const types::Batch& batch, const types::Schema& schema,
                         std::string_view name, size_t row_idx) {
  for (size_t col_idx = 0; col_idx < schema.fields.size(); ++col_idx) {
    if (schema.fields[col_idx].name == name) return batch.columns[col_idx].ValueAt(row_idx);
  }
  ADD_FAILURE() << "no field " << name;
  return {};
}

// "code@pointer" for each error of the builder's last record, for compact expectations.
inline std::vector<std::string> ErrorKeys(const RecordBuilder& builder) {
  std::vector<std::string> keys;
  for (const RecordError& error : builder.errors()) {
    keys.push_back(std::string(RecordErrorCodeName(error.code)) + "@" + error.pointer);
  }
  return keys;
}

}  // namespace strata::ingest::testing
