// Server configuration: the option table, its defaults, and the three sources that set it.
// Precedence: flags > STRATA_* environment variables > TOML file > defaults.
// Every option `section.key` has the environment name STRATA_SECTION_KEY.
// Thread safety: a Config is a plain value; load it once at startup, then share it read-only.
// No option is hot-reloadable yet: changes take effect on restart.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace strata {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::string grpc_listen = "127.0.0.1:9090";
  int io_threads = 0;      // 0: one per core.
  int worker_threads = 0;  // 0: one per core.
  int64_t max_body_bytes = 64ll << 20;
  int64_t max_header_bytes = 16 << 10;
  int64_t max_connections = 10000;
  int64_t header_timeout_ms = 10'000;
  int64_t body_timeout_ms = 60'000;
  int64_t idle_timeout_ms = 60'000;
  int64_t shutdown_timeout_ms = 10'000;
  int64_t max_json_depth = 64;
  // server.tls.*: HTTPS instead of HTTP when both files are set (docs/security.md
  // "Transport"). ValidateConfig refuses one without the other.
  std::string tls_cert_file;            // PEM: the certificate, then any intermediates.
  std::string tls_key_file;             // PEM: its private key, unencrypted.
  std::string tls_min_version = "1.2";  // 1.2 | 1.3
  // server.cors.allowed_origins: exact origins ("https://app.example.com"), lower-cased.
  // Empty: CORS is off and responses carry no CORS headers.
  std::vector<std::string> cors_allowed_origins;
};

struct StorageConfig {
  std::string data_dir = "./data";
  int64_t min_free_bytes = 64ll << 20;  // /readyz fails and writes stop below this.
  std::string durability = "fsync";     // fsync | async
  int64_t group_commit_window_us = 0;
  int64_t memtable_flush_bytes = 64ll << 20;
  int64_t flush_interval_ms = 60'000;
  int64_t max_unflushed_bytes = 0;  // 0: 4 x memtable_flush_bytes
  std::string compression = "lz4";  // none | lz4 | zstd
  int64_t compaction_min_segments = 4;
  int64_t block_cache_bytes = 512ll << 20;
  std::string wal_recovery = "strict";     // strict | truncate
  std::string encryption_master_key_file;  // storage.encryption.master_key_file
};

struct IngestConfig {
  int64_t max_decoded_body_bytes = 256ll << 20;  // After Content-Encoding is undone.
  int64_t max_rows_per_request = 1'000'000;
  int64_t max_record_bytes = 1 << 20;
  int64_t max_errors = 1000;                   // Record errors listed per response.
  int64_t max_rejected_per_dataset = 100'000;  // Dead letters kept per dataset.
  int64_t memory_budget_bytes = 1ll << 30;     // Ingest requests in flight, node-wide.
  // Async jobs and tus uploads (docs/ingest.md "Async jobs", "Resumable uploads (tus)").
  int64_t async_threshold_bytes = 16ll << 20;  // Larger bodies become jobs; 0: on request only.
  int64_t job_workers = 1;
  int64_t job_queue_capacity = 64;
  int64_t job_chunk_bytes = 4ll << 20;
  int64_t upload_max_bytes = 1ll << 30;
  int64_t upload_expiry_seconds = 86'400;
};

struct QueryConfig {
  int64_t timeout_ms = 30'000;
  int64_t memory_limit_bytes = 1ll << 30;
  int64_t max_rows = 10'000;  // Rows per response: the page size cap.
  int64_t parallelism = 0;    // Scan threads per query; 0: one per core.
  int64_t cursor_ttl_seconds = 3600;
  int64_t cache_bytes = 64ll << 20;  // Result cache; 0 disables it.
};

struct RecordsConfig {
  // DELETE /v1/datasets/{id}/records matching at least this many rows answers 202 with a job
  // that erases them from storage (docs/api.md "Delete records"); 0: only with ?async=true.
  int64_t delete_job_rows = 1'000'000;
};

struct AuditConfig {
  int64_t checkpoint_entries = 1000;         // Entries between signed checkpoints, at most.
  int64_t checkpoint_interval_seconds = 60;  // ...or this long since the last one.
  int64_t segment_bytes = 64ll << 20;        // A segment file is closed at this size.
  std::string recovery = "strict";           // strict | restart
};

struct LogConfig {
  std::string level = "info";
};

// One external OpenID Connect issuer whose JWTs authenticate callers: one
// [[auth.oidc.issuers]] table (docs/security.md "External identity providers (OIDC)").
// Set only by the configuration file; restart to change. ValidateConfig checks every rule
// stated here.
struct OidcIssuerConfig {
  // Short id in principal refs "oidc:<name>:<sub>": [a-z0-9][a-z0-9_-]{0,31}, unique.
  std::string name;
  // The exact "iss" of its tokens; unique among issuers. Required.
  std::string issuer;
  // A token's "aud" must contain one of these. Required, not empty.
  std::vector<std::string> audiences;
  // Exactly one of the two: a JWKS file read at start (and again on an unknown kid), or an
  // https:// URL (plain http:// only to loopback) fetched at start, every
  // jwks_refresh_seconds, and on an unknown kid.
  std::string jwks_file;
  std::string jwks_url;
  // Signature algorithms accepted, each key bound to one of them: RS256, ES256, EdDSA. "none"
  // and HS* are refused. Default: all three.
  std::vector<std::string> algorithms = {"RS256", "ES256", "EdDSA"};
  // Accepted header "typ" values (case-insensitive, "application/" optional); "" admits
  // tokens without typ. Default: JWT and at+jwt (a token without typ is refused).
  std::vector<std::string> types = {"JWT", "at+jwt"};
  // Clock skew allowed on exp, nbf and iat: 0..60 s. Default: 60.
  int64_t leeway_seconds = 60;
  // Claim names; a name starting with "/" is a JSON pointer into the claims
  // ("/realm_access/roles"). Defaults: "sub", "groups".
  std::string subject_claim = "sub";
  std::string groups_claim = "groups";
  // Principal attribute name -> claim name. Default: none.
  std::map<std::string, std::string> attribute_claims;
  // Prefixed to every group of the token. Default (nullopt): "<name>:", so an external group
  // never meets an internal one by accident; "" shares the internal names.
  std::optional<std::string> group_prefix;
  // Narrow the principal to the token's scope/scp permissions. Default: false (nullopt
  // scopes: everything the principal's grants give).
  bool map_scope = false;
  // Seconds between JWKS fetches; jwks_url only: 10..604800. Default (nullopt): 600.
  std::optional<int64_t> jwks_refresh_seconds;
};

inline constexpr int64_t kDefaultJwksRefreshSeconds = 600;

// The group prefix in effect: the configured one, else "<name>:".
std::string EffectiveGroupPrefix(const OidcIssuerConfig& issuer);

// auth.*: Strata's own OAuth 2.0 tokens, MFA, sign-in backoff (docs/security.md "Tokens") and
// external OIDC issuers. Defaults as initialised here.
struct AuthConfig {
  std::string issuer;  // "" = the server's own URL, http(s)://<listen host>:<port>.
  std::string audience = "strata";
  int64_t access_token_ttl_seconds = 900;
  int64_t refresh_token_ttl_seconds = int64_t{30} * 86'400;
  std::string signing_algorithm = "EdDSA";  // EdDSA | ES256
  int64_t signing_key_rotation_days = 90;   // 0 = never rotate by age.
  bool password_grant = false;              // RFC 9700 §2.4: off unless needed.
  std::vector<std::string> mfa_required_roles = {"admin"};
  std::string totp_issuer = "Strata";
  // auth.login_backoff.*
  int64_t login_backoff_max_failures = 5;
  int64_t login_backoff_max_failures_per_address = 20;
  int64_t login_backoff_window_seconds = 900;
  int64_t login_backoff_max_delay_seconds = 900;
  int64_t max_concurrent_password_hashes = 0;  // 0 = one per worker thread.
  std::vector<OidcIssuerConfig> oidc_issuers;  // [[auth.oidc.issuers]]
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  IngestConfig ingest;
  QueryConfig query;
  RecordsConfig records;
  AuditConfig audit;
  LogConfig log;
  AuthConfig auth;
};

// kStringList: a TOML array of strings, or in the environment and --set, one string of
// comma-separated items.
enum class OptionKind { kString, kInt, kBool, kStringList };

// One documented option. docs/configuration.md lists every entry; a unit test keeps the two
// in step.
struct OptionSpec {
  std::string_view key;  // "server.max_body_bytes"
  OptionKind kind;
  std::string_view help;
  // Parses `text` and stores it; an error message names the option and what it expects.
  Status (*apply)(Config& config, std::string_view text);
  std::string (*get)(const Config& config);
};

const std::vector<OptionSpec>& ConfigOptions();

// One value in a table of a TOML array of tables. Keys of nested tables are dotted
// ("attribute_claims.region").
struct ConfigItem {
  OptionKind kind = OptionKind::kString;
  std::string text;               // kString
  int64_t int_value = 0;          // kInt
  bool bool_value = false;        // kBool
  std::vector<std::string> list;  // kStringList
};
using ConfigTable = std::map<std::string, ConfigItem, std::less<>>;

// A documented array of tables, such as [[auth.oidc.issuers]]: settable only in the file.
struct TableListSpec {
  std::string_view key;  // "auth.oidc.issuers"
  std::string_view help;
  // Appends the entry `table` describes; `where` names it in errors ("auth.oidc.issuers[0]").
  Status (*apply)(Config& config, const ConfigTable& table, const std::string& where);
};

const std::vector<TableListSpec>& ConfigTableLists();

// Appends one [[auth.oidc.issuers]] entry (config_oidc.cc). Checks option names and types;
// ValidateConfig checks the values.
Status ApplyOidcIssuerTable(Config& config, const ConfigTable& table, const std::string& where);

// Checks one issuer; errors name it ("auth.oidc.issuers 'corp': option algorithms: ...").
Status ValidateOidcIssuer(const OidcIssuerConfig& issuer);

// "server.max_body_bytes" -> "STRATA_SERVER_MAX_BODY_BYTES".
std::string EnvName(std::string_view key);

// Sets option `key` from its text form. Unknown keys are errors with a suggestion.
Status ApplyConfigOption(Config& config, std::string_view key, std::string_view text);

// Reads a TOML file; every leaf must be a known option of the right TOML type.
Status ApplyConfigFile(Config& config, const std::string& path);

// Applies STRATA_* variables from `environ`. Unknown STRATA_* names (other than the few
// that are not options, such as STRATA_BOOTSTRAP_KEY) are returned in `unknown`.
Status ApplyConfigEnvironment(Config& config, std::vector<std::string>* unknown);

// Checks relations between options that single-option parsing cannot.
Status ValidateConfig(const Config& config);

// Splits "host:port" or "[v6]:port". REQUIRES nothing; returns InvalidArgument when malformed.
Status ParseHostPort(std::string_view text, std::string& host, uint16_t& port);

}  // namespace strata
