#include "security/policy_json.h"

#include <set>

#include "common/strings.h"
#include "types/schema.h"

namespace strata::security {
namespace {

constexpr size_t kMaxNameBytes = 64;

class Decoder {
 public:
  Decoder(const json::Value& value, std::string pointer, PolicyJsonMode mode,
          std::vector<ErrorDetail>& errors)
      : value_(value), pointer_(std::move(pointer)), mode_(mode), errors_(errors) {}

  // False (with an error) when the value is not an object or has unknown members.
  bool CheckObject(std::vector<std::string_view> known) {
    if (!value_.is_object()) {
      Fail(pointer_, "expected an object, got " + std::string(json::TypeName(value_.type())));
      return false;
    }
    if (mode_ == PolicyJsonMode::kStored) known.push_back("id");
    for (const auto& [key, member] : value_.members()) {
      bool is_known = false;
      for (std::string_view name : known) is_known = is_known || name == key;
      if (is_known) continue;
      std::string detail = "unknown member '" + key + "'" + DidYouMean(key, known);
      if (key == "id" || key == "field_id" || key == "field_ids") {
        detail = "'" + key + "' is assigned by the server";
      }
      Fail(json::PointerAppend(pointer_, key), std::move(detail));
    }
    return true;
  }

  // A required (or, when !required, optional) string member.
  std::optional<std::string> String(std::string_view key, bool required) {
    const json::Value* member = value_.Find(key);
    if (member == nullptr || (!required && member->is_null())) {
      if (required) Fail(At(key), "required");
      return std::nullopt;
    }
    if (!member->is_string()) {
      Fail(At(key), "expected a string, got " + std::string(json::TypeName(member->type())));
      return std::nullopt;
    }
    return member->string_value();
  }

  std::string Name(bool required) {
    std::optional<std::string> name = String("name", required);
    if (!name) return "";
    if (!IsValidName(*name)) {
      Fail(At("name"),
           "expected 1 to 64 letters, digits, '_', '-' or '.', starting with a letter or digit");
      return "";
    }
    return *name;
  }

  std::string Id() {
    if (mode_ != PolicyJsonMode::kStored) return "";
    std::optional<std::string> id = String("id", false);
    return id.value_or("");
  }

  // A list of principal patterns; `required` lists need at least one.
  std::vector<std::string> Patterns(std::string_view key, bool required) {
    std::vector<std::string> patterns;
    const json::Value* member = value_.Find(key);
    if (member == nullptr || (!required && member->is_null())) {
      if (required) Fail(At(key), "required: name who the policy applies to, or [\"*\"]");
      return patterns;
    }
    if (!member->is_array()) {
      Fail(At(key),
           "expected an array of principals, got " + std::string(json::TypeName(member->type())));
      return patterns;
    }
    if (required && member->items().empty()) {
      Fail(At(key), "must name at least one principal; [\"*\"] names everyone");
    }
    if (member->items().size() > kMaxPrincipalPatterns) {
      Fail(At(key), "at most " + std::to_string(kMaxPrincipalPatterns) + " principals");
      return patterns;
    }
    for (size_t i = 0; i < member->items().size(); ++i) {
      const json::Value& item = member->items()[i];
      const std::string where = json::PointerAppend(At(key), i);
      std::string error;
      if (!item.is_string()) {
        Fail(where, "expected a string, got " + std::string(json::TypeName(item.type())));
      } else if (!IsValidPrincipalPattern(item.string_value(), required, error)) {
        Fail(where, error);
      } else {
        patterns.push_back(item.string_value());
      }
    }
    return patterns;
  }

  std::string At(std::string_view key) const { return json::PointerAppend(pointer_, key); }
  void Fail(std::string where, std::string detail) {
    errors_.push_back(ErrorDetail::Pointer(std::move(where), std::move(detail)));
  }
  const json::Value& value() const { return value_; }
  PolicyJsonMode mode() const { return mode_; }

 private:
  static bool IsValidName(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameBytes) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      const char c = name[i];
      const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '_' && c != '-' && c != '.'))) return false;
    }
    return true;
  }

  const json::Value& value_;
  std::string pointer_;
  PolicyJsonMode mode_;
  std::vector<ErrorDetail>& errors_;
};

void WriteStrings(JsonWriter& writer, std::string_view key, const std::vector<std::string>& list) {
  writer.Key(key);
  writer.BeginArray();
  for (const std::string& item : list) writer.String(item);
  writer.EndArray();
}

Status Invalid(std::vector<ErrorDetail> errors) {
  std::string detail = errors[0].where + ": " + errors[0].detail;
  if (errors.size() > 1) detail += " (and " + std::to_string(errors.size() - 1) + " more)";
  return Status::ValidationFailed(detail).WithErrors(std::move(errors));
}

}  // namespace

std::optional<RowPolicy> DecodeRowPolicy(const json::Value& value, const std::string& pointer,
                                         PolicyJsonMode mode, std::vector<ErrorDetail>& errors) {
  const size_t errors_before = errors.size();
  Decoder decoder(value, pointer, mode, errors);
  std::vector<std::string_view> known = {"name", "filter", "applies_to", "except"};
  if (mode == PolicyJsonMode::kStored) known.push_back("field_ids");
  if (!decoder.CheckObject(known)) return std::nullopt;
  RowPolicy policy;
  policy.id = decoder.Id();
  policy.name = decoder.Name(true);
  if (std::optional<std::string> filter = decoder.String("filter", true)) {
    if (Trim(*filter).empty()) {
      decoder.Fail(decoder.At("filter"),
                   "must not be empty; a filter such as "
                   "\"region = $user.region\" selects the visible rows");
    } else if (filter->size() > kMaxPolicyFilterBytes) {
      decoder.Fail(decoder.At("filter"),
                   "longer than " + std::to_string(kMaxPolicyFilterBytes) + " bytes");
    } else {
      policy.filter = std::move(*filter);
    }
  }
  policy.applies_to = decoder.Patterns("applies_to", true);
  policy.except = decoder.Patterns("except", false);
  if (const json::Value* ids = value.Find("field_ids");
      ids != nullptr && mode == PolicyJsonMode::kStored) {
    if (!ids->is_object()) {
      decoder.Fail(decoder.At("field_ids"), "expected an object of field ids");
    } else {
      for (const auto& [name, id] : ids->members()) {
        if (!id.is_int64() || id.int64_value() <= 0 || id.int64_value() > UINT32_MAX) {
          decoder.Fail(json::PointerAppend(decoder.At("field_ids"), name), "expected a field id");
        } else {
          policy.field_ids[name] = static_cast<uint32_t>(id.int64_value());
        }
      }
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return policy;
}

std::optional<FieldPolicy> DecodeFieldPolicy(const json::Value& value, const std::string& pointer,
                                             PolicyJsonMode mode,
                                             std::vector<ErrorDetail>& errors) {
  const size_t errors_before = errors.size();
  Decoder decoder(value, pointer, mode, errors);
  std::vector<std::string_view> known = {"name", "field", "action", "applies_to", "except"};
  if (mode == PolicyJsonMode::kStored) known.push_back("field_id");
  if (!decoder.CheckObject(known)) return std::nullopt;
  FieldPolicy policy;
  policy.id = decoder.Id();
  policy.name = decoder.Name(false);
  if (std::optional<std::string> field = decoder.String("field", true)) {
    if (!types::IsValidFieldName(*field)) {
      decoder.Fail(decoder.At("field"), "'" + *field + "' is not a valid field name");
    } else {
      policy.field = std::move(*field);
    }
  }
  if (const json::Value* id = value.Find("field_id");
      id != nullptr && mode == PolicyJsonMode::kStored) {
    if (!id->is_int64() || id->int64_value() < 0 || id->int64_value() > UINT32_MAX) {
      decoder.Fail(decoder.At("field_id"), "expected a field id");
    } else {
      policy.field_id = static_cast<uint32_t>(id->int64_value());
    }
  }
  if (std::optional<std::string> action = decoder.String("action", true)) {
    if (std::optional<FieldPolicyAction> parsed = ParseFieldPolicyAction(*action)) {
      policy.action = *parsed;
    } else {
      decoder.Fail(decoder.At("action"), "unknown action '" + *action + "'" +
                                             DidYouMean(*action, FieldPolicyActionNames()) +
                                             "; actions are deny, mask, hash, tokenize, null");
    }
  }
  policy.applies_to = decoder.Patterns("applies_to", true);
  policy.except = decoder.Patterns("except", false);
  if (errors.size() != errors_before) return std::nullopt;
  return policy;
}

Result<DatasetPolicies> DecodeDatasetPolicies(const json::Value& document, PolicyJsonMode mode,
                                              std::span<const std::string_view> other_members) {
  std::vector<ErrorDetail> errors;
  if (!document.is_object()) {
    errors.push_back(ErrorDetail::Pointer(
        "", "expected an object, got " + std::string(json::TypeName(document.type()))));
    return Invalid(std::move(errors));
  }
  std::vector<std::string_view> known = {"row_policies", "field_policies"};
  known.insert(known.end(), other_members.begin(), other_members.end());
  for (const auto& [key, member] : document.members()) {
    bool is_known = false;
    for (std::string_view name : known) is_known = is_known || name == key;
    if (!is_known) {
      errors.push_back(ErrorDetail::Pointer(
          json::PointerAppend("", key), "unknown member '" + key + "'" + DidYouMean(key, known)));
    }
  }
  DatasetPolicies policies;
  auto list = [&](std::string_view key) -> const std::vector<json::Value>* {
    const json::Value* member = document.Find(key);
    if (member == nullptr || member->is_null()) return nullptr;
    if (!member->is_array()) {
      errors.push_back(ErrorDetail::Pointer(
          json::PointerAppend("", key),
          "expected an array, got " + std::string(json::TypeName(member->type()))));
      return nullptr;
    }
    if (member->items().size() > kMaxPoliciesPerKind) {
      errors.push_back(ErrorDetail::Pointer(
          json::PointerAppend("", key),
          "at most " + std::to_string(kMaxPoliciesPerKind) + " policies of a kind per dataset"));
      return nullptr;
    }
    return &member->items();
  };
  if (const std::vector<json::Value>* rows = list("row_policies")) {
    std::set<std::string> names;
    for (size_t i = 0; i < rows->size(); ++i) {
      const std::string pointer = json::PointerAppend("/row_policies", i);
      std::optional<RowPolicy> policy = DecodeRowPolicy((*rows)[i], pointer, mode, errors);
      if (!policy) continue;
      if (!names.insert(policy->name).second) {
        errors.push_back(ErrorDetail::Pointer(
            pointer + "/name", "another row policy is named '" + policy->name + "'"));
      }
      policies.row.push_back(std::move(*policy));
    }
  }
  if (const std::vector<json::Value>* fields = list("field_policies")) {
    std::set<std::string> names;
    for (size_t i = 0; i < fields->size(); ++i) {
      const std::string pointer = json::PointerAppend("/field_policies", i);
      std::optional<FieldPolicy> policy = DecodeFieldPolicy((*fields)[i], pointer, mode, errors);
      if (!policy) continue;
      if (!policy->name.empty() && !names.insert(policy->name).second) {
        errors.push_back(ErrorDetail::Pointer(
            pointer + "/name", "another field policy is named '" + policy->name + "'"));
      }
      policies.field.push_back(std::move(*policy));
    }
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  return policies;
}

void WriteRowPolicyJson(JsonWriter& writer, const RowPolicy& policy) {
  writer.BeginObject();
  if (!policy.id.empty()) writer.Member("id", policy.id);
  writer.Member("name", policy.name);
  writer.Member("filter", policy.filter);
  WriteStrings(writer, "applies_to", policy.applies_to);
  WriteStrings(writer, "except", policy.except);
  if (!policy.field_ids.empty()) {
    writer.Key("field_ids");
    writer.BeginObject();
    for (const auto& [name, id] : policy.field_ids) writer.Member(name, static_cast<int64_t>(id));
    writer.EndObject();
  }
  writer.EndObject();
}

void WriteFieldPolicyJson(JsonWriter& writer, const FieldPolicy& policy) {
  writer.BeginObject();
  if (!policy.id.empty()) writer.Member("id", policy.id);
  if (!policy.name.empty()) writer.Member("name", policy.name);
  writer.Member("field", policy.field);
  if (policy.field_id != 0) writer.Member("field_id", static_cast<int64_t>(policy.field_id));
  writer.Member("action", FieldPolicyActionName(policy.action));
  WriteStrings(writer, "applies_to", policy.applies_to);
  WriteStrings(writer, "except", policy.except);
  writer.EndObject();
}

void WriteDatasetPoliciesMembers(JsonWriter& writer, const DatasetPolicies& policies) {
  writer.Key("row_policies");
  writer.BeginArray();
  for (const RowPolicy& policy : policies.row) WriteRowPolicyJson(writer, policy);
  writer.EndArray();
  writer.Key("field_policies");
  writer.BeginArray();
  for (const FieldPolicy& policy : policies.field) WriteFieldPolicyJson(writer, policy);
  writer.EndArray();
}

std::string DatasetPoliciesToJson(const DatasetPolicies& policies) {
  JsonWriter writer;
  writer.BeginObject();
  WriteDatasetPoliciesMembers(writer, policies);
  writer.EndObject();
  return writer.Take();
}

Result<DatasetPolicies> DatasetPoliciesFromJson(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  if (!parsed.ok()) return Status::Corruption("stored policies are not valid JSON");
  Result<DatasetPolicies> policies = DecodeDatasetPolicies(*parsed, PolicyJsonMode::kStored);
  if (!policies.ok()) {
    return Status::Corruption("stored policies are invalid: " +
                              std::string(policies.status().message()));
  }
  return policies;
}

}  // namespace strata::security
