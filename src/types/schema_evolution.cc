#include "types/schema_evolution.h"

#include <algorithm>

#include "common/strings.h"
#include "types/schema_json.h"

namespace strata::types {
namespace {

constexpr size_t kMaxChanges = 256;

struct OpName {
  SchemaChange::Op op;
  std::string_view name;
};
constexpr OpName kOps[] = {{SchemaChange::Op::kAdd, "add"},
                           {SchemaChange::Op::kDrop, "drop"},
                           {SchemaChange::Op::kRename, "rename"},
                           {SchemaChange::Op::kWiden, "widen"},
                           {SchemaChange::Op::kSetNullable, "set_nullable"},
                           {SchemaChange::Op::kSetDefault, "set_default"}};

std::string_view OpToName(SchemaChange::Op op) {
  for (const OpName& entry : kOps) {
    if (entry.op == op) return entry.name;
  }
  return "add";
}

Status Refused(std::vector<ErrorDetail> errors, std::string_view what) {
  std::string detail(what);
  if (!errors.empty()) detail += ": " + errors[0].detail;
  if (errors.size() > 1) detail += " (and " + std::to_string(errors.size() - 1) + " more)";
  return Status::ValidationFailed(detail).WithErrors(std::move(errors));
}

void CheckRolesInto(const Schema& schema, const SchemaRoles& roles,
                    std::vector<ErrorDetail>& errors) {
  if (!roles.time_field.empty()) {
    const Field* field = schema.Find(roles.time_field);
    if (field == nullptr) {
      errors.push_back(
          ErrorDetail::Pointer("/time_field", "no field named '" + roles.time_field + "'" +
                                                  DidYouMean(roles.time_field, schema.Names())));
    } else if (field->type != DataType::kTimestamp) {
      errors.push_back(
          ErrorDetail::Pointer("/time_field", "field '" + field->name + "' has type " +
                                                  std::string(DataTypeName(field->type)) +
                                                  "; the time field must be a timestamp"));
    } else if (field->nullable) {
      errors.push_back(ErrorDetail::Pointer(
          "/time_field", "field '" + field->name + "' is nullable; the time field must not be"));
    }
  }
  if (roles.sort_key.size() > kMaxSortKeyFields) {
    errors.push_back(ErrorDetail::Pointer("/sort_key", "at most 8 fields"));
  }
  const size_t checked = roles.sort_key.size() > kMaxSortKeyFields ? 0 : roles.sort_key.size();
  for (size_t i = 0; i < checked; ++i) {
    const std::string& name = roles.sort_key[i];
    const std::string pointer = "/sort_key/" + std::to_string(i);
    const Field* field = schema.Find(name);
    if (field == nullptr) {
      errors.push_back(ErrorDetail::Pointer(
          pointer, "no field named '" + name + "'" + DidYouMean(name, schema.Names())));
    } else if (field->type == DataType::kJson) {
      errors.push_back(
          ErrorDetail::Pointer(pointer, "field '" + name + "' has type json, which has no order"));
    } else if (std::count(roles.sort_key.begin(), roles.sort_key.begin() + i, name) > 0) {
      errors.push_back(ErrorDetail::Pointer(pointer, "field '" + name + "' appears twice"));
    }
  }
  if (!roles.record_id_field.empty()) {
    const Field* field = schema.Find(roles.record_id_field);
    if (field == nullptr) {
      errors.push_back(ErrorDetail::Pointer("/record_id_field",
                                            "no field named '" + roles.record_id_field + "'" +
                                                DidYouMean(roles.record_id_field, schema.Names())));
    } else if (field->type != DataType::kString && field->type != DataType::kInt64) {
      errors.push_back(
          ErrorDetail::Pointer("/record_id_field", "field '" + field->name + "' has type " +
                                                       std::string(DataTypeName(field->type)) +
                                                       "; a record id must be a string or int64"));
    }
  }
}

const std::string* RequireString(const json::Value& change, std::string_view member,
                                 const std::string& pointer, std::vector<ErrorDetail>& errors) {
  const json::Value* value = change.Find(member);
  if (value == nullptr) {
    errors.push_back(ErrorDetail::Pointer(json::PointerAppend(pointer, member), "required"));
    return nullptr;
  }
  if (!value->is_string()) {
    errors.push_back(
        ErrorDetail::Pointer(json::PointerAppend(pointer, member), "expected a string"));
    return nullptr;
  }
  return &value->string_value();
}

std::optional<SchemaChange> DecodeChange(const json::Value& value, const std::string& pointer,
                                         std::vector<ErrorDetail>& errors) {
  if (!value.is_object()) {
    errors.push_back(ErrorDetail::Pointer(pointer, "expected an object"));
    return std::nullopt;
  }
  const size_t errors_before = errors.size();
  SchemaChange change;
  const std::string* op = RequireString(value, "op", pointer, errors);
  if (op == nullptr) return std::nullopt;
  std::vector<std::string_view> op_names;
  bool found = false;
  for (const OpName& entry : kOps) {
    op_names.push_back(entry.name);
    if (entry.name == *op) {
      change.op = entry.op;
      found = true;
    }
  }
  if (!found) {
    errors.push_back(ErrorDetail::Pointer(
        pointer + "/op", "unknown op '" + *op + "'" + DidYouMean(*op, op_names) +
                             "; ops are add, drop, rename, widen, set_nullable, set_default"));
    return std::nullopt;
  }
  std::vector<std::string_view> allowed = {"op"};
  switch (change.op) {
    case SchemaChange::Op::kAdd: {
      allowed.push_back("field");
      const json::Value* field = value.Find("field");
      if (field == nullptr) {
        errors.push_back(ErrorDetail::Pointer(pointer + "/field", "required"));
      } else if (std::optional<Field> decoded =
                     DecodeField(*field, pointer + "/field", false, errors)) {
        change.field = std::move(*decoded);
        change.name = change.field.name;
      }
      break;
    }
    case SchemaChange::Op::kRename:
      allowed.insert(allowed.end(), {"name", "to"});
      if (const std::string* to = RequireString(value, "to", pointer, errors)) change.to = *to;
      break;
    case SchemaChange::Op::kWiden:
      allowed.insert(allowed.end(), {"name", "type"});
      if (const std::string* type = RequireString(value, "type", pointer, errors)) {
        if (std::optional<DataType> parsed = ParseDataType(*type)) {
          change.type = *parsed;
        } else {
          errors.push_back(ErrorDetail::Pointer(
              pointer + "/type",
              "unknown type '" + *type + "'" + DidYouMean(*type, DataTypeNames())));
        }
      }
      break;
    case SchemaChange::Op::kSetNullable: {
      allowed.insert(allowed.end(), {"name", "nullable"});
      const json::Value* nullable = value.Find("nullable");
      if (nullable == nullptr || !nullable->is_bool()) {
        errors.push_back(ErrorDetail::Pointer(pointer + "/nullable",
                                              nullable ? "expected true or false" : "required"));
      } else {
        change.nullable = nullable->bool_value();
      }
      break;
    }
    case SchemaChange::Op::kSetDefault: {
      allowed.insert(allowed.end(), {"name", "default"});
      const json::Value* default_value = value.Find("default");
      if (default_value == nullptr) {
        errors.push_back(ErrorDetail::Pointer(pointer + "/default", "required (null removes it)"));
      } else {
        change.default_json = *default_value;
      }
      break;
    }
    case SchemaChange::Op::kDrop: allowed.push_back("name"); break;
  }
  if (change.op != SchemaChange::Op::kAdd) {
    if (const std::string* name = RequireString(value, "name", pointer, errors))
      change.name = *name;
  }
  for (const auto& [key, member] : value.members()) {
    bool known = false;
    for (std::string_view name : allowed) known |= name == key;
    if (!known) {
      errors.push_back(ErrorDetail::Pointer(
          json::PointerAppend(pointer, key),
          "unknown attribute '" + key + "' for op " + *op + DidYouMean(key, allowed)));
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return change;
}

// Applies one change to `schema`; returns an error message, or "" when applied.
std::string ApplyChange(Schema& schema, SchemaChange& change, SchemaRoles& roles) {
  using Op = SchemaChange::Op;
  if (change.op == Op::kAdd) {
    if (schema.Find(change.field.name) != nullptr) {
      return "field '" + change.field.name + "' already exists";
    }
    if (!change.field.nullable && !change.field.has_default()) {
      return "new field '" + change.field.name +
             "' is not nullable and has no default, but rows written before it have no value; "
             "make it nullable or give it a default";
    }
    if (schema.fields.size() >= kMaxFields) return "a dataset has at most 1024 fields";
    change.field.id = schema.next_field_id++;
    schema.fields.push_back(change.field);
    return "";
  }
  Field* field = schema.Find(change.name);
  if (field == nullptr) {
    return "no field named '" + change.name + "'" + DidYouMean(change.name, schema.Names());
  }
  const bool is_time = field->name == roles.time_field;
  const auto in_sort_key = std::find(roles.sort_key.begin(), roles.sort_key.end(), field->name);
  switch (change.op) {
    case Op::kAdd: break;
    case Op::kDrop: {
      if (is_time) return "the time field '" + field->name + "' cannot be dropped";
      if (field->name == roles.record_id_field) {
        return "field '" + field->name +
               "' is the record id field; set record_id_field to null before dropping it";
      }
      if (in_sort_key != roles.sort_key.end()) {
        return "field '" + field->name +
               "' is in the sort key; remove it from sort_key before dropping it";
      }
      const uint32_t id = field->id;
      std::erase_if(schema.fields, [id](const Field& f) { return f.id == id; });
      return "";
    }
    case Op::kRename: {
      if (!IsValidFieldName(change.to)) return "invalid field name '" + change.to + "'";
      if (schema.Find(change.to) != nullptr) return "field '" + change.to + "' already exists";
      if (is_time) roles.time_field = change.to;
      if (field->name == roles.record_id_field) roles.record_id_field = change.to;
      if (in_sort_key != roles.sort_key.end()) *in_sort_key = change.to;
      field->name = change.to;
      return "";
    }
    case Op::kWiden: {
      if (is_time) return "the time field's type cannot change";
      if (field->type == change.type) {
        return "field '" + field->name + "' already has type " +
               std::string(DataTypeName(change.type));
      }
      if (field->type != DataType::kInt64 || change.type != DataType::kFloat64) {
        return "cannot change '" + field->name + "' from " +
               std::string(DataTypeName(field->type)) + " to " +
               std::string(DataTypeName(change.type)) +
               ": only int64 -> float64 widening keeps every stored value";
      }
      if (field->name == roles.record_id_field) {
        return "field '" + field->name +
               "' is the record id field, which must stay string or int64";
      }
      field->type = DataType::kFloat64;
      if (const int64_t* value = std::get_if<int64_t>(&field->default_value)) {
        field->default_value = static_cast<double>(*value);
      }
      return "";
    }
    case Op::kSetNullable:
      if (change.nullable && is_time) return "the time field cannot be nullable";
      if (!change.nullable && field->nullable) {
        return "cannot make '" + field->name +
               "' non-nullable: rows already written may hold nulls";
      }
      field->nullable = change.nullable;
      return "";
    case Op::kSetDefault: {
      std::string error;
      std::optional<Value> value = ValueFromJson(change.default_json, field->type, error);
      if (!value) return "default for '" + field->name + "': " + error;
      field->default_value = std::move(*value);
      return "";
    }
  }
  return "";
}

}  // namespace

Status CheckRoles(const Schema& schema, const SchemaRoles& roles) {
  std::vector<ErrorDetail> errors;
  CheckRolesInto(schema, roles, errors);
  if (errors.empty()) return Status();
  return Refused(std::move(errors), "invalid dataset");
}

Result<Schema> BuildInitialSchema(std::vector<Field> fields, const SchemaRoles& roles) {
  std::vector<ErrorDetail> errors;
  if (fields.size() > kMaxFields) {
    errors.push_back(ErrorDetail::Pointer("/fields", "a dataset has at most 1024 fields"));
    return Refused(std::move(errors), "invalid dataset");
  }
  Schema schema;
  schema.version = 1;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (schema.Find(fields[i].name) != nullptr) {
      errors.push_back(ErrorDetail::Pointer(json::PointerAppend("/fields", i) + "/name",
                                            "duplicate field name '" + fields[i].name + "'"));
      continue;
    }
    fields[i].id = schema.next_field_id++;
    schema.fields.push_back(std::move(fields[i]));
  }
  if (errors.empty()) CheckRolesInto(schema, roles, errors);
  if (!errors.empty()) return Refused(std::move(errors), "invalid dataset");
  return schema;
}

Result<std::vector<SchemaChange>> DecodeSchemaChanges(const json::Value& body) {
  std::vector<ErrorDetail> errors;
  if (!body.is_object()) {
    errors.push_back(ErrorDetail::Pointer("", "expected an object {\"changes\": [...]}"));
    return Refused(std::move(errors), "invalid schema change");
  }
  for (const auto& [key, member] : body.members()) {
    if (key != "changes") {
      errors.push_back(
          ErrorDetail::Pointer(json::PointerAppend("", key),
                               "unknown attribute '" + key + "'" + DidYouMean(key, {"changes"})));
    }
  }
  const json::Value* list = body.Find("changes");
  if (list == nullptr || !list->is_array()) {
    errors.push_back(ErrorDetail::Pointer("/changes", list ? "expected an array" : "required"));
  } else if (list->items().empty()) {
    errors.push_back(ErrorDetail::Pointer("/changes", "at least one change is required"));
  } else if (list->items().size() > kMaxChanges) {
    errors.push_back(ErrorDetail::Pointer("/changes", "at most 256 changes per request"));
  }
  if (!errors.empty()) return Refused(std::move(errors), "invalid schema change");
  std::vector<SchemaChange> changes;
  for (size_t i = 0; i < list->items().size(); ++i) {
    if (std::optional<SchemaChange> change =
            DecodeChange(list->items()[i], json::PointerAppend("/changes", i), errors)) {
      changes.push_back(std::move(*change));
    }
  }
  if (!errors.empty()) return Refused(std::move(errors), "invalid schema change");
  return changes;
}

Result<Schema> EvolveSchema(const Schema& current, std::vector<SchemaChange>& changes,
                            SchemaRoles& roles) {
  Schema next = current;
  next.version = current.version + 1;
  SchemaRoles next_roles = roles;
  std::vector<ErrorDetail> errors;
  for (size_t i = 0; i < changes.size(); ++i) {
    std::string error = ApplyChange(next, changes[i], next_roles);
    if (!error.empty()) {
      errors.push_back(ErrorDetail::Pointer(json::PointerAppend("/changes", i), std::move(error)));
    }
  }
  if (!errors.empty()) return Refused(std::move(errors), "schema change refused");
  roles = std::move(next_roles);
  return next;
}

void WriteSchemaChangeJson(JsonWriter& writer, const SchemaChange& change) {
  writer.BeginObject();
  writer.Member("op", OpToName(change.op));
  switch (change.op) {
    case SchemaChange::Op::kAdd:
      writer.Key("field");
      WriteFieldJson(writer, change.field);
      break;
    case SchemaChange::Op::kDrop: writer.Member("name", change.name); break;
    case SchemaChange::Op::kRename:
      writer.Member("name", change.name);
      writer.Member("to", change.to);
      break;
    case SchemaChange::Op::kWiden:
      writer.Member("name", change.name);
      writer.Member("type", DataTypeName(change.type));
      break;
    case SchemaChange::Op::kSetNullable:
      writer.Member("name", change.name);
      writer.Member("nullable", change.nullable);
      break;
    case SchemaChange::Op::kSetDefault:
      writer.Member("name", change.name);
      writer.Key("default");
      writer.Raw(json::Serialize(change.default_json));
      break;
  }
  writer.EndObject();
}

}  // namespace strata::types
