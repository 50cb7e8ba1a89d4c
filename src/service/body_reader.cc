#include "service/body_reader.h"

namespace strata::service {
namespace {

std::string Pointer(std::string_view key) { return json::PointerAppend("", key); }

std::string Got(const json::Value& value) {
  return "got " + std::string(json::TypeName(value.type()));
}

}  // namespace

BodyReader::BodyReader(const json::Value& body, std::initializer_list<std::string_view> allowed)
    : body_(body) {
  if (!body.is_object()) {
    Fail("", "expected a JSON object, " + Got(body));
    return;
  }
  for (const auto& [key, value] : body.members()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || name == key;
    if (!known) {
      std::string names;
      for (std::string_view name : allowed)
        names += (names.empty() ? "" : ", ") + std::string(name);
      Fail(Pointer(key), "unknown member; expected one of: " + names);
    }
  }
}

const json::Value* BodyReader::Member(std::string_view key) {
  return body_.is_object() ? body_.Find(key) : nullptr;
}

std::optional<std::string> BodyReader::String(std::string_view key, bool required,
                                              const Check& check) {
  const json::Value* value = Member(key);
  if (value == nullptr) {
    if (required && body_.is_object()) Fail(Pointer(key), "required");
    return std::nullopt;
  }
  if (!value->is_string()) {
    Fail(Pointer(key), "expected a string, " + Got(*value));
    return std::nullopt;
  }
  if (check) {
    if (std::string problem = check(value->string_value()); !problem.empty()) {
      Fail(Pointer(key), std::move(problem));
      return std::nullopt;
    }
  }
  return value->string_value();
}

std::optional<std::vector<std::string>> BodyReader::Strings(std::string_view key, size_t max_items,
                                                            const Check& check) {
  const json::Value* value = Member(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_array()) {
    Fail(Pointer(key), "expected an array of strings, " + Got(*value));
    return std::nullopt;
  }
  if (value->items().size() > max_items) {
    Fail(Pointer(key), "at most " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < value->items().size(); ++i) {
    const json::Value& item = value->items()[i];
    const std::string pointer = json::PointerAppend(Pointer(key), i);
    if (!item.is_string()) {
      Fail(pointer, "expected a string, " + Got(item));
      ok = false;
      continue;
    }
    if (check) {
      if (std::string problem = check(item.string_value()); !problem.empty()) {
        Fail(pointer, std::move(problem));
        ok = false;
        continue;
      }
    }
    out.push_back(item.string_value());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> BodyReader::StringMap(std::string_view key,
                                                                        size_t max_items) {
  const json::Value* value = Member(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    Fail(Pointer(key), "expected an object of strings, " + Got(*value));
    return std::nullopt;
  }
  if (value->members().size() > max_items) {
    Fail(Pointer(key), "at most " + std::to_string(max_items) + " members");
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& [name, item] : value->members()) {
    const std::string pointer = json::PointerAppend(Pointer(key), name);
    if (!item.is_string()) {
      Fail(pointer, "expected a string, " + Got(item));
      ok = false;
    } else if (name.empty() || name.size() > 64 || item.string_value().size() > 1024) {
      Fail(pointer, "names are 1 to 64 bytes and values at most 1024 bytes");
      ok = false;
    } else {
      out[name] = item.string_value();
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<bool> BodyReader::Bool(std::string_view key) {
  const json::Value* value = Member(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_bool()) {
    Fail(Pointer(key), "expected true or false, " + Got(*value));
    return std::nullopt;
  }
  return value->bool_value();
}

std::optional<int64_t> BodyReader::Int(std::string_view key, int64_t min, int64_t max) {
  const json::Value* value = Member(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_int64() || value->int64_value() < min || value->int64_value() > max) {
    Fail(Pointer(key),
         "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return value->int64_value();
}

void BodyReader::Fail(std::string pointer, std::string detail) {
  errors_.push_back(ErrorDetail::Pointer(std::move(pointer), std::move(detail)));
}

Status BodyReader::Finish() {
  if (errors_.empty()) return Status();
  std::string detail =
      (errors_[0].where.empty() ? "body" : errors_[0].where) + ": " + errors_[0].detail;
  if (errors_.size() > 1) detail += " (and " + std::to_string(errors_.size() - 1) + " more)";
  return Status::ValidationFailed(detail).WithErrors(std::move(errors_));
}

std::string CheckName(const std::string& name) {
  if (name.empty() || name.size() > 64) return "names are 1 to 64 characters";
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '@' && c != '-'))) {
      return "use lower-case letters, digits and . _ @ - (starting with a letter or digit)";
    }
  }
  return "";
}

}  // namespace strata::service
