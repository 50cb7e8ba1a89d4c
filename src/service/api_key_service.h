// ApiKeyService: API keys that principals create for themselves (DESIGN.md "Security model").
// A key acts as its owner, narrowed by its scope (permission names) and datasets; it never
// holds more than its owner at the time of use. A scoped credential can only create keys
// at most as narrow as itself. Keys are shown once; only SHA-256 hashes are stored.
// Permissions: anyone manages its own keys; users:manage sees and revokes everyone's.
// Thread safety: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "meta/meta_store.h"
#include "security/authorizer.h"
#include "security/principal.h"

namespace strata::service {

struct CreatedApiKey {
  meta::ApiKeyRecord record;
  std::string key;  // Shown once.
};

class ApiKeyService {
 public:
  static constexpr int64_t kMaxTtlSeconds = 5LL * 365 * 24 * 3600;

  // The arguments must outlive the service.
  ApiKeyService(meta::MetaStore& store, const security::Authorizer& authorizer)
      : store_(store), authorizer_(authorizer) {}

  // Body {name, owner?, scopes?, datasets?, expires_in_seconds?}. `owner` (another
  // "user:<name>" or "service:<name>") needs the admin permission.
  Result<CreatedApiKey> Create(const security::Principal& caller, const json::Value& body);
  // The caller's keys; with `owner` (users:manage) another principal's, "*" everyone's.
  Result<std::vector<meta::ApiKeyRecord>> List(const security::Principal& caller,
                                               std::string_view owner);
  Result<meta::ApiKeyRecord> Get(const security::Principal& caller, std::string_view id);
  // Effective on the next request on this node (and within 10 s on others).
  Status Revoke(const security::Principal& caller, std::string_view id);

 private:
  Result<CreatedApiKey> CreateFor(const security::Principal& caller, const std::string& owner,
                                  const std::string& name,
                                  const std::optional<std::vector<std::string>>& scopes,
                                  const std::optional<std::vector<std::string>>& datasets,
                                  std::optional<int64_t> ttl);
  Result<CreatedApiKey> Store(const std::string& owner, const std::vector<std::string>& roles,
                              const std::string& name,
                              const std::optional<std::vector<std::string>>& scopes,
                              const std::optional<std::vector<std::string>>& datasets,
                              std::optional<int64_t> ttl);

  meta::MetaStore& store_;
  const security::Authorizer& authorizer_;
};

// Never writes the hash; `key` only at creation.
void WriteApiKeyJson(JsonWriter& writer, const meta::ApiKeyRecord& key,
                     std::string_view secret = {});

}  // namespace strata::service
