#include "app/server_app.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "audit/audit_log.h"
#include "backend/embedded/embedded_backend.h"
#include "common/logging.h"
#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/access_token_verifier.h"
#include "security/authenticator.h"
#include "security/authorizer.h"
#include "security/bearer_token_chain.h"
#include "security/crypto.h"
#include "security/key_ring_store.h"
#include "security/oidc_issuer_set.h"
#include "security/revoked_token_list.h"
#include "server/api/dispatcher.h"
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
#include "server/http/http_client.h"
#include "server/http/http_server.h"
#include "server/http/tls_context.h"
#include "service/access_service.h"
#include "service/api_key_service.h"
#include "service/audit_service.h"
#include "service/dataset_service.h"
#include "service/health_service.h"
#include "service/identity_service.h"
#include "service/influx_write_service.h"
#include "service/ingest_service.h"
#include "service/job_service.h"
#include "service/login_throttle.h"
#include "service/mfa_service.h"
#include "service/password_checker.h"
#include "service/pii_service.h"
#include "service/policy_resolver.h"
#include "service/stored_policy_source.h"
#include "service/token_service.h"
#include "service/upload_service.h"
#include "storage/crypto/master_key.h"
#include "storage/engine/key_store.h"

namespace strata::app {

Status LockDataDir(const std::string& data_dir) {
  const std::string path = data_dir + "/LOCK";
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot open the data directory lock file " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Unavailable("data directory " + data_dir + " is in use by another stratad");
  }
  return Status();  // The descriptor stays open until exit, and the lock with it.
}

namespace {

int Fail(const Status& status) {
  STRATA_LOG(kError, "startup failed").Str("error", status.ToString());
  StopLogWriter();
  return 1;
}

int ThreadsOrCores(int configured) {
  if (configured > 0) return configured;
  return std::max(1u, std::thread::hardware_concurrency());
}

void PrintBanner(const std::string& url, const std::optional<std::string>& new_admin_key) {
  FlushLogs();
  std::string text = "\nstratad is serving " + url + "\n" + "  API:    " + url + "/v1\n" +
                     "  spec:   " + url + "/v1/openapi.json\n" + "  health: " + url + "/readyz\n";
  if (new_admin_key) {
    text += "\n  Admin API key (shown only this once; store it now):\n\n    " + *new_admin_key +
            "\n\n  Try: curl -H 'Authorization: Bearer " + *new_admin_key + "' " + url +
            "/v1/datasets\n";
  }
  text += "\n";
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
}

// The embedded engine's options from the `storage.*` configuration.
storage::StorageOptions StorageOptionsOf(const Config& config) {
  storage::StorageOptions options;
  options.data_dir = config.storage.data_dir;
  options.durability = config.storage.durability == "async" ? storage::Durability::kAsync
                                                            : storage::Durability::kFsync;
  options.group_commit_window_us = config.storage.group_commit_window_us;
  options.memtable_flush_bytes = static_cast<size_t>(config.storage.memtable_flush_bytes);
  options.memtable_flush_age_ms = config.storage.flush_interval_ms;
  options.max_unflushed_bytes = static_cast<size_t>(config.storage.max_unflushed_bytes);
  options.compression =
      storage::ParseCompression(config.storage.compression).value_or(storage::Compression::kLz4);
  options.compaction_min_segments = static_cast<size_t>(config.storage.compaction_min_segments);
  options.block_cache_bytes = static_cast<size_t>(config.storage.block_cache_bytes);
  options.wal_recovery = config.storage.wal_recovery == "truncate" ? storage::WalRecovery::kTruncate
                                                                   : storage::WalRecovery::kStrict;
  options.min_free_bytes = static_cast<uint64_t>(config.storage.min_free_bytes);
  options.master_key_file = config.storage.encryption_master_key_file;
  return options;
}

// The audit log's options from the `audit.*` configuration.
audit::AuditLogOptions AuditOptionsOf(const Config& config, bool expect_existing) {
  audit::AuditLogOptions options;
  options.dir = config.storage.data_dir + "/audit";
  options.checkpoint_entries = static_cast<uint64_t>(config.audit.checkpoint_entries);
  options.checkpoint_interval_ms = config.audit.checkpoint_interval_seconds * 1000;
  options.segment_bytes = static_cast<uint64_t>(config.audit.segment_bytes);
  options.recovery = config.audit.recovery == "restart" ? audit::AuditRecovery::kRestart
                                                        : audit::AuditRecovery::kStrict;
  options.expect_existing = expect_existing;
  return options;
}

audit::AuditEvent SystemEvent(std::string action, std::string resource,
                              json::Value details = json::Value::Object()) {
  audit::AuditEvent event;
  event.principal = std::string(audit::kSystemPrincipal);
  event.action = std::move(action);
  event.resource = std::move(resource);
  event.details = std::move(details);
  return event;
}

// The external OIDC issuers of `config`, with their JWKS loaded and the refresher running;
// null when none is configured.
Result<std::unique_ptr<security::OidcIssuerSet>> StartOidcIssuers(
    const Config& config, security::PrincipalResolver& resolver) {
  if (config.auth.oidc_issuers.empty()) return std::unique_ptr<security::OidcIssuerSet>();
  security::OidcIssuerSetOptions options;
  options.fetch_url = [](const std::string& url) {
    server::HttpClientOptions http;
    http.max_body_bytes = security::kMaxJwksBytes;
    return server::HttpGetOk(url, http);
  };
  STRATA_ASSIGN_OR_RETURN(
      std::unique_ptr<security::OidcIssuerSet> issuers,
      security::OidcIssuerSet::Create(config.auth.oidc_issuers, resolver, std::move(options)));
  issuers->StartRefresher();
  STRATA_LOG(kInfo, "external OIDC issuers configured")
      .Int("issuers", static_cast<int64_t>(config.auth.oidc_issuers.size()));
  return issuers;
}

security::KeyRingOptions KeyRingOptionsOf(const AuthConfig& auth) {
  security::KeyRingOptions options;
  options.algorithm = security::JwtAlgorithmFromName(auth.signing_algorithm)
                          .value_or(security::JwtAlgorithm::kEdDSA);
  options.rotation_seconds = auth.signing_key_rotation_days * 86'400;
  // A retired key verifies until every token it signed has expired (+ the 60 s leeway).
  options.retire_after_seconds = auth.access_token_ttl_seconds + 60;
  return options;
}

service::LoginThrottleOptions LoginThrottleOptionsOf(const AuthConfig& auth) {
  service::LoginThrottleOptions options;
  options.max_failures = auth.login_backoff_max_failures;
  options.max_failures_per_address = auth.login_backoff_max_failures_per_address;
  options.window_seconds = auth.login_backoff_window_seconds;
  options.max_delay_seconds = auth.login_backoff_max_delay_seconds;
  return options;
}

}  // namespace

int RunServer(const Config& config) {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(config.log.level, level);
  SetLogLevel(level);

  // Before anything is created: a bad certificate must not cost the first start its
  // bootstrap key, which is printed only once the server listens.
  std::shared_ptr<const server::TlsContext> tls;
  if (!config.server.tls_cert_file.empty()) {
    Result<std::shared_ptr<const server::TlsContext>> loaded =
        server::TlsContext::Load(server::TlsOptions{.cert_file = config.server.tls_cert_file,
                                                    .key_file = config.server.tls_key_file,
                                                    .min_version = config.server.tls_min_version});
    if (!loaded.ok()) return Fail(loaded.status());
    tls = std::move(loaded).value();
  }

  std::error_code ec;
  std::filesystem::create_directories(config.storage.data_dir, ec);
  if (ec)
    return Fail(Status::IoError("cannot create data directory " + config.storage.data_dir + ": " +
                                ec.message()));
  if (Status locked = LockDataDir(config.storage.data_dir); !locked.ok()) return Fail(locked);

  Result<std::unique_ptr<meta::MetaStore>> opened =
      meta::OpenSqliteMetaStore(config.storage.data_dir + "/meta.db");
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<meta::MetaStore> store = std::move(opened).value();

  security::Authorizer authorizer;
  // The audit log signs its checkpoints with a key kept in the metastore. A key that already
  // existed means this server has written a log before, which must then still be there.
  bool audit_key_created = false;
  Result<std::string> audit_key =
      store->GetOrCreateSecret("audit_signing_key", [&audit_key_created] {
        audit_key_created = true;
        return security::GenerateEd25519KeyPair().private_key;
      });
  if (!audit_key.ok()) return Fail(audit_key.status());
  Result<std::unique_ptr<audit::AuditLog>> opened_audit =
      audit::AuditLog::Open(AuditOptionsOf(config, !audit_key_created), *audit_key);
  if (!opened_audit.ok()) return Fail(opened_audit.status().Annotate("audit log"));
  std::unique_ptr<audit::AuditLog> audit_log = std::move(opened_audit).value();
  if (Status started = audit_log->Append(SystemEvent("server.start", "server")); !started.ok()) {
    return Fail(started);
  }

  security::Authenticator authenticator(*store, authorizer);
  // Before the bootstrap key exists, so a bad issuer does not cost the first start its key.
  Result<std::unique_ptr<security::OidcIssuerSet>> oidc =
      StartOidcIssuers(config, authenticator.resolver());
  if (!oidc.ok()) return Fail(oidc.status());
  const char* operator_key = std::getenv("STRATA_BOOTSTRAP_KEY");
  Result<std::optional<std::string>> bootstrap =
      authenticator.EnsureBootstrapAdmin(operator_key ? operator_key : "");
  if (!bootstrap.ok()) return Fail(bootstrap.status());
  std::optional<std::string> new_admin_key;
  if (bootstrap->has_value()) {
    STRATA_LOG(kInfo, "created the bootstrap admin API key")
        .Bool("from_environment", operator_key != nullptr);
    json::Value roles = json::Value::Array();
    roles.Append(json::Value::String("admin"));
    Status recorded = audit_log->Append(SystemEvent(
        "auth.key.create", "api-keys",
        json::Value::Object({{"name", json::Value::String("bootstrap admin")},
                             {"roles", std::move(roles)},
                             {"from_environment", json::Value::Bool(operator_key != nullptr)}})));
    if (!recorded.ok()) return Fail(recorded);
    if (operator_key == nullptr) new_admin_key = **bootstrap;
  } else if (operator_key != nullptr) {
    STRATA_LOG(kInfo, "an admin key exists; STRATA_BOOTSTRAP_KEY is used only at first start");
  }

  Result<std::string> cursor_secret =
      store->GetOrCreateSecret("cursor_hmac", [] { return security::RandomBytes(32); });
  if (!cursor_secret.ok()) return Fail(cursor_secret.status());

  // The installation secret every dataset's PII keys derive from (security/pii_transforms.h).
  Result<std::string> pii_secret = store->GetOrCreateSecret(
      "pii_key", [] { return security::RandomBytes(security::kPiiSecretBytes); });
  if (!pii_secret.ok()) return Fail(pii_secret.status());
  const security::PiiKeyring pii_keyring(*pii_secret);

  Result<std::unique_ptr<backend::DataBackend>> opened_backend =
      backend::OpenEmbeddedBackend(StorageOptionsOf(config));
  if (!opened_backend.ok()) return Fail(opened_backend.status());
  std::unique_ptr<backend::DataBackend> data = std::move(opened_backend).value();

  service::DatasetService datasets(*store, *data, authorizer, service::CursorCodec(*cursor_secret));
  Result<size_t> unavailable = datasets.OpenAllStorage();
  if (!unavailable.ok()) return Fail(unavailable.status());
  if (unavailable.value() > 0) {
    STRATA_LOG(kError, "some datasets are unavailable; see the errors above")
        .Int("datasets", static_cast<int64_t>(unavailable.value()));
  }
  service::HealthService health(*store, config.storage.data_dir, config.storage.min_free_bytes,
                                audit_log.get());
  service::IngestLimits ingest_limits;
  ingest_limits.max_decoded_body_bytes = static_cast<size_t>(config.ingest.max_decoded_body_bytes);
  ingest_limits.max_rows_per_request = static_cast<size_t>(config.ingest.max_rows_per_request);
  ingest_limits.max_record_bytes = static_cast<size_t>(config.ingest.max_record_bytes);
  ingest_limits.max_errors = static_cast<size_t>(config.ingest.max_errors);
  ingest_limits.memory_budget_bytes = static_cast<size_t>(config.ingest.memory_budget_bytes);
  ingest_limits.max_rejected_per_dataset =
      static_cast<size_t>(config.ingest.max_rejected_per_dataset);
  service::IngestService ingest(datasets, *data, *store, ingest_limits);
  if (Status recovered = ingest.RecoverIdempotencyKeys(); !recovered.ok()) {
    return Fail(recovered.Annotate("settling idempotency keys"));
  }
  service::InfluxWriteService influx(datasets, ingest, authorizer, ingest_limits);
  service::QueryLimits query_limits;
  query_limits.timeout_ms = config.query.timeout_ms;
  query_limits.memory_limit_bytes = config.query.memory_limit_bytes;
  query_limits.max_rows = config.query.max_rows;
  query_limits.parallelism = ThreadsOrCores(static_cast<int>(config.query.parallelism));
  query_limits.cursor_ttl_seconds = config.query.cursor_ttl_seconds;
  query_limits.cache_bytes = config.query.cache_bytes;
  // Every read enforces the dataset's stored row and field policies (and the pii default);
  // the access service invalidates them on every write.
  service::StoredPolicySource stored_policies(store->identity());
  service::QueryService queries(
      datasets, *data, service::CursorCodec(*cursor_secret), query_limits,
      service::MakePolicyResolver(stored_policies, pii_keyring,
                                  service::DatasetRoleSubjects(authorizer)));
  service::PiiService pii(datasets, authorizer, pii_keyring);
  pii.SetAuditSink(audit_log.get());
  queries.SetAuditSink(audit_log.get());

  service::RecordsService records(queries, datasets, authorizer,
                                  service::CursorCodec(*cursor_secret));
  service::JobOptions job_options;
  job_options.data_dir = config.storage.data_dir;
  job_options.workers = static_cast<int>(config.ingest.job_workers);
  job_options.queue_capacity = static_cast<size_t>(config.ingest.job_queue_capacity);
  job_options.chunk_bytes = static_cast<size_t>(config.ingest.job_chunk_bytes);
  job_options.async_threshold_bytes = static_cast<uint64_t>(config.ingest.async_threshold_bytes);
  job_options.max_errors = ingest_limits.max_errors;
  job_options.max_decoded_body_bytes = ingest_limits.max_decoded_body_bytes;
  job_options.delete_job_rows = static_cast<uint64_t>(config.records.delete_job_rows);
  // Delete jobs count and delete through the records service, so it exists first.
  service::JobService jobs(*store, datasets, ingest, records, *data, authorizer, job_options);
  if (Status started = jobs.Start(); !started.ok()) return Fail(started.Annotate("jobs"));
  service::UploadOptions upload_options;
  upload_options.data_dir = config.storage.data_dir;
  upload_options.max_bytes = static_cast<uint64_t>(config.ingest.upload_max_bytes);
  upload_options.expiry_seconds = config.ingest.upload_expiry_seconds;
  service::UploadService uploads(*store, datasets, jobs, upload_options);
  if (Status started = uploads.Start(); !started.ok()) return Fail(started.Annotate("uploads"));

  service::AuditService audit_service(*audit_log, authorizer, service::CursorCodec(*cursor_secret));

  security::PasswordParams password_params;
  service::IdentityService identity(*store, authorizer, authenticator.resolver(),
                                    service::CursorCodec(*cursor_secret), password_params);
  if (Status loaded = identity.LoadRoles(); !loaded.ok()) return Fail(loaded.Annotate("roles"));
  service::AccessService access(*store, authorizer, identity, &stored_policies);
  service::ApiKeyService api_keys(*store, authorizer);

  server::Router router;
  server::AddHealthRoutes(router, health);
  server::AddSpecRoutes(router);
  server::AddDatasetRoutes(router, datasets);
  server::AddInfluxRoutes(router, influx);
  server::AddIngestRoutes(router, ingest, &jobs);
  server::AddJobRoutes(router, jobs);
  server::AddUploadRoutes(router, uploads);
  server::AddQueryRoutes(router, queries);
  server::AddRecordsRoutes(router, records, jobs);
  server::AddIdentityRoutes(router, identity, access, api_keys);
  server::AddPiiRoutes(router, pii);
  server::AddAuditRoutes(router, audit_service);
  server::Dispatcher dispatcher(
      router, authenticator, server::ApiOptions{static_cast<int>(config.server.max_json_depth)},
      server::CorsPolicy(config.server.cors_allowed_origins), audit_log.get());

  server::HttpServerOptions options;
  uint16_t port = 0;
  if (Status parsed = ParseHostPort(config.server.listen, options.host, port); !parsed.ok()) {
    return Fail(parsed);
  }
  options.port = port;
  options.io_threads = ThreadsOrCores(config.server.io_threads);
  options.worker_threads = ThreadsOrCores(config.server.worker_threads);
  options.max_body_bytes = config.server.max_body_bytes;
  options.max_header_bytes = config.server.max_header_bytes;
  options.max_connections = config.server.max_connections;
  options.header_timeout_ms = config.server.header_timeout_ms;
  options.body_timeout_ms = config.server.body_timeout_ms;
  options.idle_timeout_ms = config.server.idle_timeout_ms;
  options.shutdown_timeout_ms = config.server.shutdown_timeout_ms;
  options.tls = tls;
  server::HttpServer http(options, dispatcher);
  if (Status listening = http.Listen(); !listening.ok()) return Fail(listening);

  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  const std::string url = (tls ? "https://" : "http://") + host + ":" + std::to_string(http.port());
  STRATA_LOG(kInfo, "listening")
      .Str("url", url)
      .Int("port", http.port())
      .Bool("tls", tls != nullptr)
      .Int("cors_origins", static_cast<int64_t>(config.server.cors_allowed_origins.size()))
      .Int("io_threads", options.io_threads)
      .Int("worker_threads", options.worker_threads)
      .Str("data_dir", config.storage.data_dir);

  // Strata's own tokens. The issuer defaults to the URL just bound, so it is known only now;
  // the routes are added before Run() serves anything.
  const int64_t now = NowMicros();
  Result<std::unique_ptr<security::KeyRingStore>> opened_keys =
      security::KeyRingStore::Open(*store, KeyRingOptionsOf(config.auth), now / 1'000'000);
  if (!opened_keys.ok()) return Fail(opened_keys.status().Annotate("JWT signing keys"));
  std::unique_ptr<security::KeyRingStore> signing_keys = std::move(opened_keys).value();
  security::RevokedTokenList revoked_tokens(*store);
  security::AccessTokenOptions access_token_options;
  access_token_options.issuer = config.auth.issuer.empty() ? url : config.auth.issuer;
  access_token_options.audience = config.auth.audience;
  security::AccessTokenVerifier access_tokens(*signing_keys, revoked_tokens, *store, authorizer,
                                              access_token_options);
  // External OIDC issuers join this chain after our own tokens (bearer_token_chain.h).
  security::BearerTokenChain bearer_tokens;
  bearer_tokens.Add(&access_tokens);
  if (*oidc != nullptr) bearer_tokens.Add(oidc->get());
  authenticator.SetTokenVerifier(&bearer_tokens);
  service::LoginThrottle login_throttle(LoginThrottleOptionsOf(config.auth));
  const size_t hash_slots = static_cast<size_t>(config.auth.max_concurrent_password_hashes > 0
                                                    ? config.auth.max_concurrent_password_hashes
                                                    : options.worker_threads);
  Result<std::unique_ptr<service::PasswordChecker>> password_checker =
      service::PasswordChecker::Create(security::PasswordParams{}, hash_slots);
  if (!password_checker.ok()) return Fail(password_checker.status());
  service::TokenServiceOptions token_options;
  token_options.access_token_ttl_seconds = config.auth.access_token_ttl_seconds;
  token_options.refresh_token_ttl_seconds = config.auth.refresh_token_ttl_seconds;
  token_options.password_grant = config.auth.password_grant;
  token_options.mfa_required_roles = config.auth.mfa_required_roles;
  service::TokenService tokens(*store, authorizer, *signing_keys, access_tokens, login_throttle,
                               **password_checker, token_options);
  tokens.SetAuditSink(audit_log.get());
  service::MfaOptions mfa_options;
  mfa_options.totp_issuer = config.auth.totp_issuer;
  service::MfaService mfa(*store, login_throttle, mfa_options);
  server::AddAuthRoutes(router, tokens, mfa);
  STRATA_LOG(kInfo, "tokens")
      .Str("issuer", access_token_options.issuer)
      .Str("kid", signing_keys->Current()->ring.current().kid())
      .Bool("password_grant", config.auth.password_grant);

  PrintBanner(url, new_admin_key);

  http.Run([&health] { health.SetDraining(); });
  if (*oidc) (*oidc)->StopRefresher();
  // Running job chunks finish; their jobs resume at the next start.
  uploads.Stop();
  jobs.Stop();
  if (Status closed = data->Close(); !closed.ok()) {
    STRATA_LOG(kError, "storage did not close cleanly").Str("error", closed.ToString());
  }
  // The last entry, then the final checkpoint (HEAD then names the end of the log).
  Status stopped = audit_log->Append(SystemEvent("server.stop", "server"));
  if (stopped.ok()) stopped = audit_log->Close();
  if (!stopped.ok()) {
    STRATA_LOG(kError, "the audit log did not close cleanly").Str("error", stopped.ToString());
  }
  STRATA_LOG(kInfo, "stopped");
  data.reset();
  store.reset();
  StopLogWriter();
  return 0;
}

int RotateMasterKey(const Config& config, const std::string& new_key_file) {
  auto fail = [](const Status& status) {
    std::fprintf(stderr, "stratad: key rotation failed: %s\n", status.ToString().c_str());
    return 1;
  };
  if (config.storage.encryption_master_key_file.empty()) {
    return fail(Status::InvalidArgument(
        "storage.encryption.master_key_file must name the current master key"));
  }
  if (Status locked = LockDataDir(config.storage.data_dir); !locked.ok()) return fail(locked);
  Result<storage::Key> old_key = storage::LoadMasterKey(config.storage.encryption_master_key_file);
  if (!old_key.ok()) return fail(old_key.status());
  Result<storage::Key> new_key = storage::LoadMasterKey(new_key_file);
  if (!new_key.ok()) return fail(new_key.status());
  storage::Env* env = storage::Env::Default();
  if (Status checked = storage::CheckMasterKey(env, config.storage.data_dir, *old_key);
      !checked.ok()) {
    return fail(checked);
  }
  if (Status rewrapped = storage::RewrapDataKeys(env, config.storage.data_dir, *old_key, *new_key);
      !rewrapped.ok()) {
    return fail(rewrapped);
  }
  std::printf(
      "re-wrapped every data key under %s (new key %s).\n"
      "Set storage.encryption.master_key_file to %s before starting stratad.\n",
      config.storage.data_dir.c_str(), storage::MasterKeyFingerprint(*new_key).c_str(),
      new_key_file.c_str());
  return 0;
}

}  // namespace strata::app
