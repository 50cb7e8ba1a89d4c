#include "meta/records.h"

namespace strata::meta {

std::string_view PartitionByName(PartitionBy value) {
  switch (value) {
    case PartitionBy::kHour: return "hour";
    case PartitionBy::kDay: return "day";
    case PartitionBy::kMonth: return "month";
  }
  return "day";
}

std::optional<PartitionBy> ParsePartitionBy(std::string_view text) {
  if (text == "hour") return PartitionBy::kHour;
  if (text == "day") return PartitionBy::kDay;
  if (text == "month") return PartitionBy::kMonth;
  return std::nullopt;
}

std::string_view SchemaModeName(SchemaMode value) {
  return value == SchemaMode::kStrict ? "strict" : "evolve";
}

std::optional<SchemaMode> ParseSchemaMode(std::string_view text) {
  if (text == "strict") return SchemaMode::kStrict;
  if (text == "evolve") return SchemaMode::kEvolve;
  return std::nullopt;
}

}  // namespace strata::meta
