// PiiService: reverses the tokens of a `tokenize` field policy (POST
// /v1/datasets/{id}/detokenize; docs/api.md "Detokenize"). Tokens are decrypted with the
// dataset's token key (security/pii_transforms.h), so no vault is consulted.
// Access: pii:detokenize and data:read; every call that passes them is reported to the
// audit hook.
// Thread safety: thread-safe when the audit hook is.
#pragma once

#include <functional>
#include <string>
#include <vector>

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

// What an audit log records of one detokenize call (never the tokens or values).
struct DetokenizeAuditEvent {
  std::string dataset;
  std::string field;
  size_t tokens = 0;
  size_t revealed = 0;  // Tokens that decrypted to a value.
};
using DetokenizeAuditHook =
    std::function<void(const security::Principal& caller, const DetokenizeAuditEvent& event)>;

class PiiService {
 public:
  // References must outlive the service. `audit` may be empty.
  PiiService(DatasetService& datasets, const security::Authorizer& authorizer,
             const security::PiiKeyring& keyring, DetokenizeAuditHook audit = nullptr)
      : datasets_(datasets), authorizer_(authorizer), keyring_(keyring), audit_(std::move(audit)) {}

  // Errors: PermissionDenied (pii:detokenize, data:read), NotFound (dataset),
  // ValidationFailed unknown_field / too many tokens (pointers /field, /tokens).
  Result<DetokenizeResult> Detokenize(const security::Principal& caller,
                                      const DetokenizeRequest& request);

 private:
  DatasetService& datasets_;
  const security::Authorizer& authorizer_;
  const security::PiiKeyring& keyring_;
  DetokenizeAuditHook audit_;
};

}  // namespace strata::service
