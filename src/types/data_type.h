// DataType: the column types of a dataset (DESIGN.md "Data model"), and Value, one typed
// scalar (field defaults; later literals and parameters).
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"

namespace strata::types {

enum class DataType { kBool, kInt64, kFloat64, kString, kTimestamp, kJson };

std::string_view DataTypeName(DataType type);
std::optional<DataType> ParseDataType(std::string_view name);
const std::vector<std::string_view>& DataTypeNames();

// A scalar of some DataType. Timestamps are int64 microseconds since the epoch (UTC); json
// values are their compact JSON text. monostate is NULL.
using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;

// Converts a JSON value to a Value of `type`, or explains why it cannot in `error`:
// bool <- true/false; int64 <- integer-valued numbers; float64 <- numbers; string <- strings;
// timestamp <- RFC 3339 strings; json <- anything. JSON null gives NULL.
std::optional<Value> ValueFromJson(const json::Value& value, DataType type, std::string& error);

// Writes `value` (of `type`) as JSON: timestamps as RFC 3339, json values verbatim.
void WriteValueJson(JsonWriter& writer, const Value& value, DataType type);

}  // namespace strata::types
