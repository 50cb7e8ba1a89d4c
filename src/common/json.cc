// The only translation unit of src/common that includes simdjson.
#include "common/json.h"

#include <simdjson.h>

#include <cmath>

#include "common/json_writer.h"

namespace strata::json {
namespace {

Status MalformedJson(std::string_view detail) {
  return Status::InvalidArgument(std::string("malformed JSON: ") + std::string(detail))
      .WithProblemCode("malformed_json");
}

class Converter {
 public:
  explicit Converter(int max_depth) : max_depth_(max_depth) {}

  Result<Value> Convert(simdjson::dom::element element, int depth) {
    using simdjson::dom::element_type;
    switch (element.type()) {
      case element_type::ARRAY: {
        if (depth >= max_depth_) return TooDeep();
        std::vector<Value> items;
        for (simdjson::dom::element child : element.get_array()) {
          STRATA_ASSIGN_OR_RETURN(Value item, Convert(child, depth + 1));
          items.push_back(std::move(item));
        }
        return Value::Array(std::move(items));
      }
      case element_type::OBJECT: {
        if (depth >= max_depth_) return TooDeep();
        std::vector<Value::Member> members;
        for (simdjson::dom::key_value_pair field : element.get_object()) {
          for (const Value::Member& seen : members) {
            if (seen.first == field.key) {
              return MalformedJson("duplicate member \"" + std::string(field.key) + "\"");
            }
          }
          STRATA_ASSIGN_OR_RETURN(Value child, Convert(field.value, depth + 1));
          members.emplace_back(std::string(field.key), std::move(child));
        }
        return Value::Object(std::move(members));
      }
      case element_type::INT64: return Value::Int(element.get_int64().value_unsafe());
      case element_type::UINT64: return Value::Uint(element.get_uint64().value_unsafe());
      case element_type::DOUBLE: return Value::Double(element.get_double().value_unsafe());
      case element_type::STRING:
        return Value::String(std::string(element.get_string().value_unsafe()));
      case element_type::BOOL: return Value::Bool(element.get_bool().value_unsafe());
      case element_type::NULL_VALUE: return Value();
    }
    return MalformedJson("unexpected element");
  }

 private:
  Status TooDeep() const {
    return Status::InvalidArgument("JSON nesting exceeds " + std::to_string(max_depth_) + " levels")
        .WithProblemCode("json_too_deep");
  }
  int max_depth_;
};

void Write(JsonWriter& w, const Value& v) {
  switch (v.type()) {
    case Type::kNull: w.Null(); break;
    case Type::kBool: w.Bool(v.bool_value()); break;
    case Type::kInt64: w.Int(v.int64_value()); break;
    case Type::kUint64: w.UInt(v.uint64_value()); break;
    case Type::kDouble: w.Double(v.double_value()); break;
    case Type::kString: w.String(v.string_value()); break;
    case Type::kArray:
      w.BeginArray();
      for (const Value& item : v.items()) Write(w, item);
      w.EndArray();
      break;
    case Type::kObject:
      w.BeginObject();
      for (const auto& [key, member] : v.members()) {
        w.Key(key);
        Write(w, member);
      }
      w.EndObject();
      break;
  }
}

}  // namespace

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kNull: return "null";
    case Type::kBool: return "boolean";
    case Type::kInt64:
    case Type::kUint64:
    case Type::kDouble: return "number";
    case Type::kString: return "string";
    case Type::kArray: return "array";
    case Type::kObject: return "object";
  }
  return "value";
}

Value Value::Bool(bool v) {
  Value out;
  out.type_ = Type::kBool;
  out.bool_ = v;
  return out;
}
Value Value::Int(int64_t v) {
  Value out;
  out.type_ = Type::kInt64;
  out.int_ = v;
  return out;
}
Value Value::Uint(uint64_t v) {
  Value out;
  out.type_ = Type::kUint64;
  out.uint_ = v;
  return out;
}
Value Value::Double(double v) {
  Value out;
  out.type_ = Type::kDouble;
  out.double_ = v;
  return out;
}
Value Value::String(std::string v) {
  Value out;
  out.type_ = Type::kString;
  out.string_ = std::move(v);
  return out;
}
Value Value::Array(std::vector<Value> items) {
  Value out;
  out.type_ = Type::kArray;
  out.items_ = std::move(items);
  return out;
}
Value Value::Object(std::vector<Member> members) {
  Value out;
  out.type_ = Type::kObject;
  out.members_ = std::move(members);
  return out;
}

bool Value::is_int64() const {
  switch (type_) {
    case Type::kInt64: return true;
    case Type::kUint64: return uint_ <= static_cast<uint64_t>(INT64_MAX);
    case Type::kDouble:
      return std::isfinite(double_) && std::trunc(double_) == double_ &&
             double_ >= -9223372036854775808.0 && double_ < 9223372036854775808.0;
    default: return false;
  }
}

int64_t Value::int64_value() const {
  switch (type_) {
    case Type::kInt64: return int_;
    case Type::kUint64: return static_cast<int64_t>(uint_);
    case Type::kDouble: return static_cast<int64_t>(double_);
    default: return 0;
  }
}

double Value::double_value() const {
  switch (type_) {
    case Type::kInt64: return static_cast<double>(int_);
    case Type::kUint64: return static_cast<double>(uint_);
    case Type::kDouble: return double_;
    default: return 0;
  }
}

const Value* Value::Find(std::string_view key) const {
  for (const Member& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

void Value::Set(std::string key, Value v) {
  for (Member& member : members_) {
    if (member.first == key) {
      member.second = std::move(v);
      return;
    }
  }
  members_.emplace_back(std::move(key), std::move(v));
}

bool Value::operator==(const Value& other) const {
  if (is_number() && other.is_number()) {
    if (type_ == other.type_ && type_ != Type::kDouble)
      return int_ == other.int_ && uint_ == other.uint_;
    return double_value() == other.double_value();
  }
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kNull: return true;
    case Type::kBool: return bool_ == other.bool_;
    case Type::kString: return string_ == other.string_;
    case Type::kArray: return items_ == other.items_;
    case Type::kObject: return members_ == other.members_;
    default: return false;
  }
}

Result<Value> Parse(std::string_view text, const ParseOptions& options) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  simdjson::error_code error = parser.parse(padded).get(root);
  if (error == simdjson::DEPTH_ERROR) {
    return Status::InvalidArgument("JSON nesting exceeds " + std::to_string(options.max_depth) +
                                   " levels")
        .WithProblemCode("json_too_deep");
  }
  if (error) return MalformedJson(simdjson::error_message(error));
  return Converter(options.max_depth).Convert(root, 0);
}

std::string Serialize(const Value& value) {
  JsonWriter writer;
  Write(writer, value);
  return writer.Take();
}

std::string PointerAppend(std::string_view pointer, std::string_view token) {
  std::string out(pointer);
  out.push_back('/');
  for (char c : token) {
    if (c == '~') {
      out.append("~0");
    } else if (c == '/') {
      out.append("~1");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PointerAppend(std::string_view pointer, size_t index) {
  return std::string(pointer) + "/" + std::to_string(index);
}

}  // namespace strata::json
