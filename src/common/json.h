// A small owned JSON document model for control-plane request bodies (datasets, schemas,
// settings). The ingest hot path does not use it: it decodes straight into column batches.
// Thread safety: a parsed Value is immutable and may be shared across threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace strata::json {

enum class Type { kNull, kBool, kInt64, kUint64, kDouble, kString, kArray, kObject };

// Name of a JSON type for error messages: "null", "boolean", "number", "string", ...
std::string_view TypeName(Type type);

class Value {
 public:
  using Member = std::pair<std::string, Value>;

  Value() = default;  // null
  static Value Bool(bool v);
  static Value Int(int64_t v);
  static Value Uint(uint64_t v);
  static Value Double(double v);
  static Value String(std::string v);
  static Value Array(std::vector<Value> items = {});
  static Value Object(std::vector<Member> members = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const {
    return type_ == Type::kInt64 || type_ == Type::kUint64 || type_ == Type::kDouble;
  }
  // True for numbers that are integers and fit in int64 (1 and 1.0 both qualify).
  bool is_int64() const;
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // REQUIRES: the matching is_*() holds.
  bool bool_value() const { return bool_; }
  int64_t int64_value() const;
  double double_value() const;                     // Any number.
  uint64_t uint64_value() const { return uint_; }  // REQUIRES: type() == kUint64.
  const std::string& string_value() const { return string_; }
  const std::vector<Value>& items() const { return items_; }
  const std::vector<Member>& members() const { return members_; }

  // The member named `key` of an object, or null when absent or when this is not an object.
  const Value* Find(std::string_view key) const;

  // Mutable access for building documents. REQUIRES: is_array() / is_object().
  void Append(Value v) { items_.push_back(std::move(v)); }
  void Set(std::string key, Value v);

  bool operator==(const Value& other) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  uint64_t uint_ = 0;
  double double_ = 0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<Member> members_;
};

struct ParseOptions {
  int max_depth = 64;  // Nesting of arrays and objects; deeper is an error.
};

// Parses one JSON text. Errors are InvalidArgument with problem code "malformed_json"
// (syntax, invalid UTF-8, duplicate object members) or "json_too_deep".
Result<Value> Parse(std::string_view text, const ParseOptions& options = {});

// Encodes `value` as compact JSON.
std::string Serialize(const Value& value);

// Appends `token` to a JSON pointer (RFC 6901), escaping '~' and '/'.
std::string PointerAppend(std::string_view pointer, std::string_view token);
std::string PointerAppend(std::string_view pointer, size_t index);

}  // namespace strata::json
