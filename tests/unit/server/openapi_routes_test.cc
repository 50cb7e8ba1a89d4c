// Keeps docs/openapi.yaml (compiled in and served at /v1/openapi.json) in step with the routes
// the server registers: every route is documented under its template and lower-case method,
// every documented operation is a route, and public routes are exactly the operations that
// document `security: []`.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/json.h"
#include "common/strings.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/access_token_verifier.h"
#include "security/authorizer.h"
#include "security/key_ring_store.h"
#include "security/revoked_token_list.h"
#include "server/api/handlers/audit_handlers.h"
#include "server/api/handlers/auth_handlers.h"
#include "server/api/handlers/dataset_handlers.h"
#include "server/api/handlers/health_handlers.h"
#include "server/api/handlers/identity_handlers.h"
#include "server/api/handlers/influx_handlers.h"
#include "server/api/handlers/ingest_handlers.h"
#include "server/api/handlers/job_handlers.h"
#include "server/api/handlers/pii_handlers.h"
#include "server/api/handlers/query_handlers.h"
#include "server/api/handlers/records_handlers.h"
#include "server/api/handlers/upload_handlers.h"
#include "server/api/openapi_spec.h"
#include "server/api/route_permissions.h"
#include "server/api/router.h"
#include "service/audit_service.h"
#include "service/cursor.h"
#include "service/dataset_service.h"
#include "service/health_service.h"
#include "service/influx_write_service.h"
#include "service/job_service.h"
#include "service/login_throttle.h"
#include "service/mfa_service.h"
#include "service/password_checker.h"
#include "service/pii_service.h"
#include "service/query_service.h"
#include "service/records_service.h"
#include "service/token_service.h"
#include "service/upload_service.h"
#include "test_backend.h"
#include "test_util.h"

namespace strata::server {
namespace {

// (lower-case method, path template), e.g. ("get", "/v1/datasets/{id}").
using Operation = std::pair<std::string, std::string>;

constexpr std::string_view kHttpMethods[] = {"get",     "put",  "post",  "delete",
                                             "options", "head", "patch", "trace"};

bool IsHttpMethod(std::string_view key) {
  for (std::string_view method : kHttpMethods) {
    if (method == key) return true;
  }
  return false;
}

std::string Describe(const Operation& operation) {
  return operation.first + " " + operation.second;
}

class OpenApiRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    datasets_ = std::make_unique<service::DatasetService>(
        *store_, backend_.get(), authorizer_, service::CursorCodec(std::string(32, 'k')));
    health_ = std::make_unique<service::HealthService>(*store_, "/tmp", 0);
    // The same registrations as src/app/server_app.cc.
    AddHealthRoutes(router_, *health_);
    AddSpecRoutes(router_);
    AddDatasetRoutes(router_, *datasets_);
    ingest_ = std::make_unique<service::IngestService>(*datasets_, backend_.get(), *store_,
                                                       service::IngestLimits{});
    influx_ = std::make_unique<service::InfluxWriteService>(*datasets_, *ingest_, authorizer_,
                                                            service::IngestLimits{});
    AddInfluxRoutes(router_, *influx_);
    queries_ = std::make_unique<service::QueryService>(*datasets_, backend_.get(),
                                                       service::CursorCodec(std::string(32, 'q')),
                                                       service::QueryLimits{});
    records_ = std::make_unique<service::RecordsService>(
        *queries_, *datasets_, authorizer_, service::CursorCodec(std::string(32, 'r')));
    service::JobOptions job_options;
    job_options.data_dir = backend_.dir();
    jobs_ = std::make_unique<service::JobService>(*store_, *datasets_, *ingest_, *records_,
                                                  backend_.get(), authorizer_, job_options);
    service::UploadOptions upload_options;
    upload_options.data_dir = backend_.dir();
    uploads_ =
        std::make_unique<service::UploadService>(*store_, *datasets_, *jobs_, upload_options);
    AddIngestRoutes(router_, *ingest_, jobs_.get());
    AddJobRoutes(router_, *jobs_);
    AddUploadRoutes(router_, *uploads_);
    AddQueryRoutes(router_, *queries_);
    AddRecordsRoutes(router_, *records_, *jobs_);
    resolver_ = std::make_unique<security::PrincipalResolver>(*store_);
    identity_ = std::make_unique<service::IdentityService>(
        *store_, authorizer_, *resolver_, service::CursorCodec(std::string(32, 'i')),
        security::PasswordParams{});
    api_keys_ = std::make_unique<service::ApiKeyService>(*store_, authorizer_);
    access_ = std::make_unique<service::AccessService>(*store_, authorizer_, *identity_, nullptr);
    AddIdentityRoutes(router_, *identity_, *access_, *api_keys_);
    pii_ = std::make_unique<service::PiiService>(*datasets_, authorizer_, keyring_);
    AddPiiRoutes(router_, *pii_);
    audit::AuditLogOptions audit_options;
    audit_options.dir = backend_.dir() + "/audit";
    ASSERT_OK_AND_ASSIGN(audit_log_, audit::AuditLog::Open(audit_options, std::string(32, 'a')));
    audit_ = std::make_unique<service::AuditService>(*audit_log_, authorizer_,
                                                     service::CursorCodec(std::string(32, 'u')));
    AddAuditRoutes(router_, *audit_);
    ASSERT_OK_AND_ASSIGN(keys_, security::KeyRingStore::Open(*store_, {}, 1));
    revoked_ = std::make_unique<security::RevokedTokenList>(*store_);
    security::AccessTokenOptions access;
    access.issuer = "http://127.0.0.1:8080";
    verifier_ = std::make_unique<security::AccessTokenVerifier>(*keys_, *revoked_, *store_,
                                                                authorizer_, access);
    throttle_ = std::make_unique<service::LoginThrottle>(service::LoginThrottleOptions{});
    security::PasswordParams cheap;
    cheap.memory_kib = 64;
    cheap.iterations = 1;
    ASSERT_OK_AND_ASSIGN(passwords_, service::PasswordChecker::Create(cheap, 1));
    tokens_ = std::make_unique<service::TokenService>(*store_, authorizer_, *keys_, *verifier_,
                                                      *throttle_, *passwords_,
                                                      service::TokenServiceOptions{});
    mfa_ = std::make_unique<service::MfaService>(*store_, *throttle_, service::MfaOptions{});
    AddAuthRoutes(router_, *tokens_, *mfa_);

    ASSERT_OK_AND_ASSIGN(spec_, json::Parse(OpenApiJson()));
    ASSERT_TRUE(spec_.is_object());
    const json::Value* paths = spec_.Find("paths");
    ASSERT_NE(paths, nullptr) << "the spec has no paths";
    ASSERT_TRUE(paths->is_object());
    for (const auto& [path, item] : paths->members()) {
      ASSERT_TRUE(item.is_object()) << path;
      for (const auto& [key, operation] : item.members()) {
        if (!IsHttpMethod(key)) continue;  // "parameters", "summary", ...
        ASSERT_TRUE(operation.is_object()) << key << " " << path;
        documented_.emplace(key, path);
        const json::Value* security = operation.Find("security");
        if (security != nullptr && security->is_array() && security->items().empty()) {
          documented_public_.emplace(key, path);
        }
      }
    }
  }

  std::unique_ptr<meta::MetaStore> store_;
  security::Authorizer authorizer_;
  strata::testing::TestBackend backend_;
  std::unique_ptr<service::DatasetService> datasets_;
  std::unique_ptr<service::IngestService> ingest_;
  std::unique_ptr<service::InfluxWriteService> influx_;
  std::unique_ptr<service::HealthService> health_;
  std::unique_ptr<service::QueryService> queries_;
  std::unique_ptr<service::RecordsService> records_;
  std::unique_ptr<service::JobService> jobs_;
  std::unique_ptr<service::UploadService> uploads_;
  std::unique_ptr<security::PrincipalResolver> resolver_;
  std::unique_ptr<service::IdentityService> identity_;
  std::unique_ptr<service::ApiKeyService> api_keys_;
  std::unique_ptr<service::AccessService> access_;
  security::PiiKeyring keyring_{std::string(32, 'p')};
  std::unique_ptr<service::PiiService> pii_;
  std::unique_ptr<audit::AuditLog> audit_log_;
  std::unique_ptr<service::AuditService> audit_;
  std::unique_ptr<security::KeyRingStore> keys_;
  std::unique_ptr<security::RevokedTokenList> revoked_;
  std::unique_ptr<security::AccessTokenVerifier> verifier_;
  std::unique_ptr<service::LoginThrottle> throttle_;
  std::unique_ptr<service::PasswordChecker> passwords_;
  std::unique_ptr<service::TokenService> tokens_;
  std::unique_ptr<service::MfaService> mfa_;
  Router router_;
  json::Value spec_;
  std::set<Operation> documented_;
  std::set<Operation> documented_public_;  // Operations with `security: []`.
};

TEST_F(OpenApiRoutesTest, SpecIsOpenApi31) {
  const json::Value* version = spec_.Find("openapi");
  ASSERT_NE(version, nullptr);
  ASSERT_TRUE(version->is_string());
  EXPECT_TRUE(version->string_value().rfind("3.1", 0) == 0) << version->string_value();
  EXPECT_FALSE(router_.routes().empty());
  EXPECT_FALSE(documented_.empty());
}

TEST_F(OpenApiRoutesTest, EveryRouteIsDocumented) {
  for (const Route& route : router_.routes()) {
    const Operation operation{ToLower(MethodName(route.method)), route.pattern};
    EXPECT_TRUE(documented_.count(operation) == 1)
        << Describe(operation) << " is served but missing from docs/openapi.yaml";
  }
}

TEST_F(OpenApiRoutesTest, EveryDocumentedOperationIsARoute) {
  std::set<Operation> registered;
  for (const Route& route : router_.routes()) {
    registered.emplace(ToLower(MethodName(route.method)), route.pattern);
  }
  for (const Operation& operation : documented_) {
    EXPECT_TRUE(registered.count(operation) == 1)
        << Describe(operation) << " is in docs/openapi.yaml but no route serves it";
  }
}

TEST_F(OpenApiRoutesTest, PublicRoutesAreExactlyThoseWithoutSecurity) {
  for (const Route& route : router_.routes()) {
    const Operation operation{ToLower(MethodName(route.method)), route.pattern};
    EXPECT_EQ(documented_public_.count(operation) == 1, route.options.public_route)
        << Describe(operation)
        << (route.options.public_route ? " is public but the spec does not say `security: []`"
                                       : " needs credentials but the spec says `security: []`");
  }
}

// The permission table (docs/security.md) lists exactly the routes that exist, each once,
// and its public routes are exactly the router's.
TEST_F(OpenApiRoutesTest, EveryRouteIsInThePermissionTable) {
  std::map<Operation, const RoutePermission*> table;
  for (const RoutePermission& entry : RoutePermissions()) {
    const Operation operation{ToLower(MethodName(entry.method)), std::string(entry.pattern)};
    EXPECT_TRUE(table.emplace(operation, &entry).second) << Describe(operation) << " twice";
    const bool needs_permission =
        entry.scope != AccessScope::kPublic && entry.scope != AccessScope::kAuthenticated;
    EXPECT_EQ(needs_permission, !entry.permission.empty()) << Describe(operation);
    if (needs_permission) {
      EXPECT_TRUE(security::ParsePermission(entry.permission).has_value()) << entry.permission;
    }
  }
  std::set<Operation> served;
  for (const Route& route : router_.routes()) {
    const Operation operation{ToLower(MethodName(route.method)), route.pattern};
    served.insert(operation);
    auto it = table.find(operation);
    ASSERT_TRUE(it != table.end())
        << Describe(operation) << " is served but missing from src/server/api/route_permissions.cc";
    EXPECT_EQ(it->second->scope == AccessScope::kPublic, route.options.public_route)
        << Describe(operation);
  }
  for (const auto& [operation, entry] : table) {
    EXPECT_TRUE(served.count(operation) == 1)
        << Describe(operation) << " is in the permission table but no route serves it";
  }
}

}  // namespace
}  // namespace strata::server
