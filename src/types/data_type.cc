#include "types/data_type.h"

#include "common/time_util.h"

namespace strata::types {

std::string_view DataTypeName(DataType type) {
  switch (type) {
    case DataType::kBool: return "bool";
    case DataType::kInt64: return "int64";
    case DataType::kFloat64: return "float64";
    case DataType::kString: return "string";
    case DataType::kTimestamp: return "timestamp";
    case DataType::kJson: return "json";
  }
  return "json";
}

const std::vector<std::string_view>& DataTypeNames() {
  static const std::vector<std::string_view> names = {"bool",   "int64",     "float64",
                                                      "string", "timestamp", "json"};
  return names;
}

std::optional<DataType> ParseDataType(std::string_view name) {
  for (DataType type : {DataType::kBool, DataType::kInt64, DataType::kFloat64, DataType::kString,
                        DataType::kTimestamp, DataType::kJson}) {
    if (DataTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::optional<Value> ValueFromJson(const json::Value& value, DataType type, std::string& error) {
  if (value.is_null()) return Value();
  const auto mismatch = [&]() -> std::optional<Value> {
    error = "expected " + std::string(DataTypeName(type)) + ", got " +
            std::string(json::TypeName(value.type()));
    return std::nullopt;
  };
  switch (type) {
    case DataType::kBool:
      if (!value.is_bool()) return mismatch();
      return Value(value.bool_value());
    case DataType::kInt64:
      if (!value.is_number()) return mismatch();
      if (!value.is_int64()) {
        error = "expected an integer within int64 range";
        return std::nullopt;
      }
      return Value(value.int64_value());
    case DataType::kFloat64:
      if (!value.is_number()) return mismatch();
      return Value(value.double_value());
    case DataType::kString:
      if (!value.is_string()) return mismatch();
      return Value(value.string_value());
    case DataType::kTimestamp: {
      if (!value.is_string()) {
        error = "expected an RFC 3339 timestamp string";
        return std::nullopt;
      }
      std::optional<int64_t> micros = ParseRfc3339(value.string_value());
      if (!micros) {
        error = "expected an RFC 3339 timestamp such as 2024-01-01T00:00:00Z, got \"" +
                value.string_value() + "\"";
        return std::nullopt;
      }
      return Value(*micros);
    }
    case DataType::kJson: return Value(json::Serialize(value));
  }
  return mismatch();
}

void WriteValueJson(JsonWriter& writer, const Value& value, DataType type) {
  if (std::holds_alternative<std::monostate>(value)) {
    writer.Null();
    return;
  }
  switch (type) {
    case DataType::kBool: writer.Bool(std::get<bool>(value)); return;
    case DataType::kInt64: writer.Int(std::get<int64_t>(value)); return;
    case DataType::kFloat64: writer.Double(std::get<double>(value)); return;
    case DataType::kString: writer.String(std::get<std::string>(value)); return;
    case DataType::kTimestamp: writer.String(FormatRfc3339(std::get<int64_t>(value))); return;
    case DataType::kJson: writer.Raw(std::get<std::string>(value)); return;
  }
}

}  // namespace strata::types
