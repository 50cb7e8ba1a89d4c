// PiiService: reverses the tokens of a `tokenize` field policy (POST
// /v1/datasets/{id}/detokenize; docs/api.md "Detokenize"). Tokens are decrypted with the
// dataset's token key (security/pii_transforms.h), so no vault is consulted.
// Access: pii:detokenize and data:read on the dataset. Every call that passes them appends a
// pii.detokenize audit entry (caller, dataset, field, tokens asked, values revealed; never
// the tokens or values) before any value is returned: no entry, no values.
// Thread safety: thread-safe; SetAuditSink() before requests arrive.
#pragma once

#include <string>
#include <vector>

#include "audit/audit_event.h"
#include "common/result.h"
#include "security/authorizer.h"
#include "security/pii_transforms.h"
#include "service/dataset_service.h"
#include "types/data_type.h"

namespace strata::service {

inline constexpr size_t kMaxDetokenizeTokens = 1000;

struct DetokenizeRequest {
  std::string dataset;
  std::string field;  // The field's current name.
  std::vector<std::string> tokens;
};

struct DetokenizeResult {
  types::DataType type = types::DataType::kString;  // The field's type.
  // One per token, in order: the value, or NULL (monostate) when the token is not one of
  // this dataset and field. Nothing tells a forged token from a token of another field.
  std::vector<types::Value> values;
};

class PiiService {
 public:
  // References must outlive the service.
  PiiService(DatasetService& datasets, const security::Authorizer& authorizer,
             const security::PiiKeyring& keyring)
      : datasets_(datasets), authorizer_(authorizer), keyring_(keyring) {}

  // Null: calls are not audited.
  void SetAuditSink(audit::AuditSink* sink) { audit_ = sink; }

  // `ids`: the request's audit ids (null: not audited). Errors: NotFound (dataset, also when
  // invisible), PermissionDenied (pii:detokenize, data:read), ValidationFailed unknown_field /
  // too many tokens (pointers /field, /tokens), audit_unavailable.
  Result<DetokenizeResult> Detokenize(const security::Principal& caller,
                                      const DetokenizeRequest& request,
                                      const audit::RequestIds* ids = nullptr);

 private:
  DatasetService& datasets_;
  const security::Authorizer& authorizer_;
  const security::PiiKeyring& keyring_;
  audit::AuditSink* audit_ = nullptr;
};

}  // namespace strata::service
