#include "types/schema_json.h"

#include "common/strings.h"

namespace strata::types {
namespace {

constexpr std::string_view kFieldMembers[] = {"id",      "name", "type",       "nullable",
                                              "default", "pii",  "description"};

std::vector<std::string_view> FieldMemberNames(bool allow_id) {
  std::vector<std::string_view> names;
  for (std::string_view name : kFieldMembers) {
    if (allow_id || name != "id") names.push_back(name);
  }
  return names;
}

}  // namespace

void WriteFieldJson(JsonWriter& writer, const Field& field) {
  writer.BeginObject();
  writer.Member("id", static_cast<int64_t>(field.id));
  writer.Member("name", field.name);
  writer.Member("type", DataTypeName(field.type));
  writer.Member("nullable", field.nullable);
  writer.Key("default");
  WriteValueJson(writer, field.default_value, field.type);
  writer.Member("pii", field.pii);
  writer.Member("description", field.description);
  writer.EndObject();
}

void WriteSchemaJson(JsonWriter& writer, const Schema& schema) {
  writer.BeginObject();
  writer.Member("version", static_cast<int64_t>(schema.version));
  writer.Key("fields");
  writer.BeginArray();
  for (const Field& field : schema.fields) WriteFieldJson(writer, field);
  writer.EndArray();
  writer.EndObject();
}

std::string FieldsToJson(const std::vector<Field>& fields) {
  JsonWriter writer;
  writer.BeginArray();
  for (const Field& field : fields) WriteFieldJson(writer, field);
  writer.EndArray();
  return writer.Take();
}

Result<std::vector<Field>> FieldsFromJson(std::string_view text) {
  json::ParseOptions options;
  options.max_depth = 1000;
  Result<json::Value> parsed = json::Parse(text, options);
  if (!parsed.ok() || !parsed->is_array())
    return Status::Corruption("stored schema is not a JSON array");
  std::vector<Field> fields;
  std::vector<ErrorDetail> errors;
  for (size_t i = 0; i < parsed->items().size(); ++i) {
    std::optional<Field> field =
        DecodeField(parsed->items()[i], json::PointerAppend("", i), true, errors);
    if (!field) break;
    fields.push_back(std::move(*field));
  }
  if (!errors.empty()) {
    return Status::Corruption("stored schema is invalid at " + errors[0].where + ": " +
                              errors[0].detail);
  }
  return fields;
}

std::optional<Field> DecodeField(const json::Value& value, const std::string& pointer,
                                 bool allow_id, std::vector<ErrorDetail>& errors) {
  const size_t errors_before = errors.size();
  auto fail = [&](std::string where, std::string detail) {
    errors.push_back(ErrorDetail::Pointer(std::move(where), std::move(detail)));
  };
  if (!value.is_object()) {
    fail(pointer, "expected an object, got " + std::string(json::TypeName(value.type())));
    return std::nullopt;
  }
  Field field;
  const std::vector<std::string_view> known = FieldMemberNames(allow_id);
  for (const auto& [key, member] : value.members()) {
    bool is_known = false;
    for (std::string_view name : known) is_known |= name == key;
    if (!is_known) {
      std::string detail = "unknown attribute '" + key + "'" + DidYouMean(key, known);
      if (key == "id") detail = "field ids are assigned by the server";
      fail(json::PointerAppend(pointer, key), std::move(detail));
    }
  }
  if (const json::Value* id = value.Find("id"); allow_id && id != nullptr) {
    if (!id->is_int64() || id->int64_value() <= 0 || id->int64_value() > UINT32_MAX) {
      fail(pointer + "/id", "expected a positive integer");
    } else {
      field.id = static_cast<uint32_t>(id->int64_value());
    }
  }
  const json::Value* name = value.Find("name");
  if (name == nullptr) {
    fail(pointer + "/name", "required");
  } else if (!name->is_string()) {
    fail(pointer + "/name", "expected a string");
  } else if (!IsValidFieldName(name->string_value())) {
    fail(pointer + "/name", "invalid field name '" + name->string_value() +
                                "': use letters, digits and '_' (not first), '.' between parts, "
                                "at most 128 bytes");
  } else {
    field.name = name->string_value();
  }
  const json::Value* type = value.Find("type");
  bool type_ok = false;
  if (type == nullptr) {
    fail(pointer + "/type", "required");
  } else if (!type->is_string()) {
    fail(pointer + "/type", "expected a string");
  } else if (std::optional<DataType> parsed = ParseDataType(type->string_value())) {
    field.type = *parsed;
    type_ok = true;
  } else {
    fail(pointer + "/type", "unknown type '" + type->string_value() + "'" +
                                DidYouMean(type->string_value(), DataTypeNames()) +
                                "; types are bool, int64, float64, string, timestamp, json");
  }
  for (auto [member, target] :
       {std::pair{"nullable", &field.nullable}, std::pair{"pii", &field.pii}}) {
    if (const json::Value* flag = value.Find(member)) {
      if (!flag->is_bool()) {
        fail(json::PointerAppend(pointer, member), "expected true or false");
      } else {
        *target = flag->bool_value();
      }
    }
  }
  if (const json::Value* description = value.Find("description")) {
    if (!description->is_string()) {
      fail(pointer + "/description", "expected a string");
    } else if (description->string_value().size() > kMaxDescriptionBytes) {
      fail(pointer + "/description", "longer than 4096 bytes");
    } else {
      field.description = description->string_value();
    }
  }
  if (const json::Value* default_value = value.Find("default"); default_value && type_ok) {
    std::string error;
    std::optional<Value> parsed = ValueFromJson(*default_value, field.type, error);
    if (!parsed) {
      fail(pointer + "/default", error);
    } else {
      field.default_value = std::move(*parsed);
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return field;
}

}  // namespace strata::types
