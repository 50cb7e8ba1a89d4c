#include "service/pii_service.h"

#include <charconv>

#include "common/strings.h"
#include "common/time_util.h"

namespace strata::service {
namespace {

Status Invalid(std::string pointer, std::string detail) {
  return Status::ValidationFailed(detail).WithErrors(
      {ErrorDetail::Pointer(std::move(pointer), std::move(detail))});
}

// The value whose canonical text (CAST(x AS string)) is `text`, as a Value of `type` (the
// field's type now: a token of an int64 value reads as float64 after widening); NULL when
// it does not read as one.
types::Value ValueOfText(const std::string& text, types::DataType type) {
  switch (type) {
    case types::DataType::kString:
    case types::DataType::kJson: return text;
    case types::DataType::kBool:
      if (text == "true") return true;
      if (text == "false") return false;
      return {};
    case types::DataType::kInt64: {
      int64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size()) return value;
      return {};
    }
    case types::DataType::kFloat64: {
      double value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size()) return value;
      return {};
    }
    case types::DataType::kTimestamp:
      if (std::optional<int64_t> micros = ParseRfc3339(text)) return *micros;
      return {};
  }
  return {};
}

}  // namespace

Result<DetokenizeResult> PiiService::Detokenize(const security::Principal& caller,
                                                const DetokenizeRequest& request,
                                                const audit::RequestIds* ids) {
  // pii:detokenize is a dataset-level permission: the owner role granted on this dataset holds
  // it. RequireOn also answers an invisible dataset exactly as a missing one.
  STRATA_RETURN_IF_ERROR(
      authorizer_.RequireOn(caller, security::Permission::kPiiDetokenize, request.dataset));
  STRATA_ASSIGN_OR_RETURN(
      std::shared_ptr<const DatasetDocument> document,
      datasets_.LoadForData(caller, request.dataset, security::Permission::kDataRead));
  const meta::DatasetRecord& dataset = document->record;
  const types::Field* field = dataset.schema.Find(request.field);
  if (field == nullptr) {
    return Invalid("/field", "dataset '" + dataset.id + "' has no field '" + request.field + "'" +
                                 DidYouMean(request.field, dataset.schema.Names()))
        .WithProblemCode("unknown_field");
  }
  if (request.tokens.size() > kMaxDetokenizeTokens) {
    return Invalid("/tokens", "at most " + std::to_string(kMaxDetokenizeTokens) +
                                  " tokens per request, got " +
                                  std::to_string(request.tokens.size()));
  }
  const security::FieldTransformKeys keys = keyring_.KeysFor(dataset.id, dataset.created_at);
  DetokenizeResult result;
  result.type = field->type;
  result.values.reserve(request.tokens.size());
  size_t revealed = 0;
  for (const std::string& token : request.tokens) {
    std::optional<std::string> text = security::Detokenize(keys, field->id, token);
    types::Value value = text ? ValueOfText(*text, field->type) : types::Value();
    revealed += !std::holds_alternative<std::monostate>(value);
    result.values.push_back(std::move(value));
  }
  if (audit_ != nullptr && ids != nullptr) {
    audit::AuditEvent event;
    event.principal = caller.ref;
    event.action = "pii.detokenize";
    event.dataset = dataset.id;
    event.resource = ids->resource;
    event.status = 200;
    event.details = json::Value::Object({
        {"field", json::Value::String(field->name)},
        {"tokens", json::Value::Uint(request.tokens.size())},
        {"revealed", json::Value::Uint(revealed)},
    });
    STRATA_RETURN_IF_ERROR(audit::AppendForRequest(*audit_, *ids, std::move(event)));
  }
  return result;
}

}  // namespace strata::service
