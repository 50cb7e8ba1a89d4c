#include "common/config.h"

#include <charconv>
#include <cstdlib>

#include "common/logging.h"
#include "common/strings.h"

extern char** environ;

namespace strata {
namespace {

Status Invalid(std::string_view key, std::string_view expected, std::string_view text) {
  return Status::InvalidArgument("option " + std::string(key) + ": expected " +
                                 std::string(expected) + ", got '" + std::string(text) + "'");
}

Status ParseInt(std::string_view key, std::string_view text, int64_t min, int64_t max,
                int64_t& out) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max) {
    return Invalid(key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]",
                   text);
  }
  out = value;
  return Status();
}

template <int64_t Min, int64_t Max, auto Section, auto Member>
Status SetInt(Config& config, std::string_view text, std::string_view key) {
  int64_t value;
  STRATA_RETURN_IF_ERROR(ParseInt(key, text, Min, Max, value));
  (config.*Section).*Member =
      static_cast<std::remove_reference_t<decltype((config.*Section).*Member)>>(value);
  return Status();
}

Status SetAddress(std::string_view key, std::string_view text, std::string& out) {
  std::string host;
  uint16_t port;
  if (!ParseHostPort(text, host, port).ok()) return Invalid(key, "HOST:PORT", text);
  out = std::string(text);
  return Status();
}

// A browser origin as the Origin header carries it: http(s)://host[:port], no path.
Status CheckOrigin(std::string_view key, std::string_view origin) {
  if (origin == "*" || origin == "null") {
    return Status::InvalidArgument("option " + std::string(key) + ": '" + std::string(origin) +
                                   "' is not allowed; list each origin, such as "
                                   "https://app.example.com");
  }
  const size_t scheme_end = origin.find("://");
  const std::string_view scheme =
      scheme_end == std::string_view::npos ? std::string_view() : origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Invalid(key, "origins of the form https://host[:port]", origin);
  }
  std::string_view authority = origin.substr(scheme_end + 3);
  if (authority.find_first_of("/?#@") != std::string_view::npos) {
    return Invalid(key, "an origin without path, query or user (https://host[:port])", origin);
  }
  std::string_view host = authority;
  if (StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid(key, "https://host[:port]", origin);
    host = authority.substr(0, close + 1);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
  }
  const std::string_view port = authority.substr(host.size());
  bool host_ok = !host.empty();
  if (!StartsWith(host, "[")) {
    for (char c : host) {
      host_ok &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    }
  }
  bool port_ok = port.empty();
  if (port.size() >= 2 && port.size() <= 6 && port[0] == ':') {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data() + 1, port.data() + port.size(), value);
    port_ok = ec == std::errc() && ptr == port.data() + port.size() && value > 0 && value < 65536;
  }
  if (!host_ok || !port_ok) return Invalid(key, "https://host[:port]", origin);
  return Status();
}

// Comma-separated origins; blanks around items and empty items are ignored.
Status SetOrigins(std::string_view key, std::string_view text, std::vector<std::string>& out) {
  std::vector<std::string> origins;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string item = ToLower(Trim(text.substr(0, comma)));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    STRATA_RETURN_IF_ERROR(CheckOrigin(key, item));
    origins.push_back(item);
  }
  out = std::move(origins);
  return Status();
}

Status SetBool(std::string_view key, std::string_view text, bool& out) {
  if (text == "true") {
    out = true;
  } else if (text == "false") {
    out = false;
  } else {
    return Invalid(key, "true|false", text);
  }
  return Status();
}

// An OAuth issuer identifier (RFC 8414 §2): an http(s) URL without query or fragment; "" =
// derived from the listen address.
Status SetIssuer(std::string_view key, std::string_view text, std::string& out) {
  const bool url = StartsWith(text, "https://") || StartsWith(text, "http://");
  if (!text.empty() && (!url || text.find_first_of("?# \t") != std::string_view::npos)) {
    return Invalid(key, "an http(s):// URL without query or fragment", text);
  }
  out = std::string(text);
  return Status();
}

// Comma-separated role names; blanks around items and empty items are ignored.
Status SetRoleNames(std::string_view key, std::string_view text, std::vector<std::string>& out) {
  std::vector<std::string> roles;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string item(Trim(text.substr(0, comma)));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    for (char c : item) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.' || c == ':';
      if (!ok || item.size() > 64) return Invalid(key, "role names", item);
    }
    roles.push_back(item);
  }
  out = std::move(roles);
  return Status();
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ",";
    out += item;
  }
  return out;
}

#define STRATA_INT_OPTION(section, member, min, max, help)                                \
  OptionSpec {                                                                            \
#section "." #member, OptionKind::kInt, help,                                           \
        [](Config& c, std::string_view t) {                                                 \
          return SetInt<min, max, &Config::section, &decltype(Config::section)::member>(    \
              c, t, #section "." #member);                                                  \
        },                                                                                  \
        [](const Config& c) { return std::to_string(c.section.member); } \
  }

// An int option whose key has a sub-section ("auth.login_backoff.window_seconds") stored in
// Config::section.member.
#define STRATA_NESTED_INT_OPTION(key, section, member, min, max, help)                        \
  OptionSpec {                                                                                \
    key, OptionKind::kInt, help,                                                              \
        [](Config& c, std::string_view t) {                                                   \
          return SetInt<min, max, &Config::section, &decltype(Config::section)::member>(c, t, \
                                                                                        key); \
        },                                                                                    \
        [](const Config& c) { return std::to_string(c.section.member); }                      \
  }

const std::vector<OptionSpec>& BuildOptions() {
  static const std::vector<OptionSpec> options = {
      {"server.listen", OptionKind::kString,
       "HTTP listen address, HOST:PORT (port 0 picks a free one)",
       [](Config& c, std::string_view t) {
         return SetAddress("server.listen", t, c.server.listen);
       },
       [](const Config& c) { return c.server.listen; }},
      {"server.grpc_listen", OptionKind::kString,
       "gRPC listen address, HOST:PORT (reserved: the gRPC front door is not built yet)",
       [](Config& c, std::string_view t) {
         return SetAddress("server.grpc_listen", t, c.server.grpc_listen);
       },
       [](const Config& c) { return c.server.grpc_listen; }},
      STRATA_INT_OPTION(server, io_threads, 0, 256, "I/O threads; 0 = one per core"),
      STRATA_INT_OPTION(server, worker_threads, 0, 256,
                        "worker threads for CPU-heavy requests; 0 = one per core"),
      STRATA_INT_OPTION(server, max_body_bytes, 1024, int64_t{1} << 40,
                        "largest request body in bytes; larger bodies get 413"),
      STRATA_INT_OPTION(server, max_header_bytes, 1024, 1 << 20,
                        "largest request head (request line + headers) in bytes; larger gets 431"),
      STRATA_INT_OPTION(server, max_connections, 1, 1'000'000,
                        "open connections; further ones get 503 and are closed"),
      STRATA_INT_OPTION(server, header_timeout_ms, 100, 3'600'000,
                        "time to receive a request head once it has started"),
      STRATA_INT_OPTION(server, body_timeout_ms, 100, 86'400'000, "time to receive a request body"),
      STRATA_INT_OPTION(server, idle_timeout_ms, 100, 86'400'000,
                        "time a keep-alive connection may wait for its next request"),
      STRATA_INT_OPTION(server, shutdown_timeout_ms, 0, 3'600'000,
                        "on SIGTERM/SIGINT, how long in-flight requests may take to finish"),
      STRATA_INT_OPTION(server, max_json_depth, 2, 1000,
                        "deepest nesting of arrays and objects accepted in a JSON body"),
      {"server.tls.cert_file", OptionKind::kString,
       "PEM certificate (chain) for HTTPS; with server.tls.key_file, the server speaks only "
       "TLS 1.2+",
       [](Config& c, std::string_view t) -> Status {
         c.server.tls_cert_file = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.server.tls_cert_file; }},
      {"server.tls.key_file", OptionKind::kString,
       "PEM private key of server.tls.cert_file (unencrypted)",
       [](Config& c, std::string_view t) -> Status {
         c.server.tls_key_file = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.server.tls_key_file; }},
      {"server.tls.min_version", OptionKind::kString, "oldest TLS version accepted: 1.2 or 1.3",
       [](Config& c, std::string_view t) -> Status {
         if (t != "1.2" && t != "1.3") return Invalid("server.tls.min_version", "1.2|1.3", t);
         c.server.tls_min_version = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.server.tls_min_version; }},
      {"server.cors.allowed_origins", OptionKind::kStringList,
       "browser origins allowed to call the API (CORS), e.g. https://app.example.com; "
       "empty = CORS off",
       [](Config& c, std::string_view t) {
         return SetOrigins("server.cors.allowed_origins", t, c.server.cors_allowed_origins);
       },
       [](const Config& c) { return JoinList(c.server.cors_allowed_origins); }},
      {"storage.data_dir", OptionKind::kString, "directory that holds all data and metadata",
       [](Config& c, std::string_view t) -> Status {
         if (t.empty()) return Invalid("storage.data_dir", "a directory path", t);
         c.storage.data_dir = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.storage.data_dir; }},
      STRATA_INT_OPTION(storage, min_free_bytes, 0, int64_t{1} << 50,
                        "below this much free disk in the data dir, /readyz fails and writes "
                        "answer 507"),
      {"storage.durability", OptionKind::kString,
       "fsync: acknowledge writes after the WAL fsync; async: after the write (faster, a "
       "machine crash loses the last moments)",
       [](Config& c, std::string_view t) -> Status {
         if (t != "fsync" && t != "async") return Invalid("storage.durability", "fsync|async", t);
         c.storage.durability = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.storage.durability; }},
      STRATA_INT_OPTION(storage, group_commit_window_us, 0, 100'000,
                        "extra time a WAL commit waits so more writes share its fsync"),
      STRATA_INT_OPTION(storage, memtable_flush_bytes, int64_t{1} << 16, int64_t{1} << 36,
                        "a dataset's in-memory rows are written to a segment at this size"),
      STRATA_INT_OPTION(storage, flush_interval_ms, 10, 86'400'000,
                        "...or once the oldest of them is this old"),
      STRATA_INT_OPTION(storage, max_unflushed_bytes, 0, int64_t{1} << 40,
                        "writes to a dataset wait, then answer 503 overloaded, while it holds "
                        "more unflushed bytes; 0 = 4 x memtable_flush_bytes"),
      {"storage.compression", OptionKind::kString, "segment block compression: none, lz4 or zstd",
       [](Config& c, std::string_view t) -> Status {
         if (t != "none" && t != "lz4" && t != "zstd") {
           return Invalid("storage.compression", "none|lz4|zstd", t);
         }
         c.storage.compression = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.storage.compression; }},
      STRATA_INT_OPTION(storage, compaction_min_segments, 2, 1000,
                        "compaction merges this many segments of one size tier of a partition"),
      STRATA_INT_OPTION(storage, block_cache_bytes, 0, int64_t{1} << 42,
                        "memory for decoded column chunks shared by all scans"),
      {"storage.wal_recovery", OptionKind::kString,
       "strict: a WAL damaged before its end stops that dataset from opening; truncate: drop "
       "the log from the damage on (loses the records after it)",
       [](Config& c, std::string_view t) -> Status {
         if (t != "strict" && t != "truncate") {
           return Invalid("storage.wal_recovery", "strict|truncate", t);
         }
         c.storage.wal_recovery = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.storage.wal_recovery; }},
      {"storage.encryption.master_key_file", OptionKind::kString,
       "file holding the 32-byte master key (raw or 64 hex characters); when set, every "
       "dataset is encrypted at rest",
       [](Config& c, std::string_view t) -> Status {
         c.storage.encryption_master_key_file = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.storage.encryption_master_key_file; }},
      STRATA_INT_OPTION(query, timeout_ms, 1, int64_t{1} << 32,
                        "longest a query may run; longer answers 504 query_timeout"),
      STRATA_INT_OPTION(query, memory_limit_bytes, 1 << 20, int64_t{1} << 42,
                        "memory one query may hold (groups, sort buffers); more answers 422 "
                        "query_memory_limit"),
      STRATA_INT_OPTION(query, max_rows, 1, int64_t{1} << 32,
                        "most rows in one query response; the default and cap of limit"),
      STRATA_INT_OPTION(query, parallelism, 0, 256, "scan threads per query; 0 = one per core"),
      STRATA_INT_OPTION(query, cursor_ttl_seconds, 1, int64_t{1} << 32,
                        "how long a query cursor stays valid"),
      STRATA_INT_OPTION(query, cache_bytes, 0, int64_t{1} << 40,
                        "memory of the query result cache; 0 disables it"),
      STRATA_INT_OPTION(records, delete_job_rows, 0, int64_t{1} << 50,
                        "deletes by filter matching at least this many rows answer 202 with a "
                        "job that erases them from storage, unless ?async=false; 0 = only with "
                        "?async=true"),
      STRATA_INT_OPTION(ingest, max_decoded_body_bytes, 1024, int64_t{1} << 40,
                        "largest ingest body once its Content-Encoding is undone; larger gets "
                        "413"),
      STRATA_INT_OPTION(ingest, max_rows_per_request, 1, int64_t{1} << 32,
                        "most records in one ingest request; more gets 413"),
      STRATA_INT_OPTION(ingest, max_record_bytes, 64, int64_t{1} << 30,
                        "largest record (JSON object, NDJSON line, CSV row, line) in bytes; "
                        "larger is rejected as record_too_large"),
      STRATA_INT_OPTION(ingest, max_errors, 1, 1'000'000,
                        "most record errors listed in one ingest response (errors_truncated "
                        "says when more were found)"),
      STRATA_INT_OPTION(ingest, max_rejected_per_dataset, 1, int64_t{1} << 32,
                        "dead letters kept per dataset with keep_rejected; the oldest go first"),
      STRATA_INT_OPTION(ingest, memory_budget_bytes, 1 << 20, int64_t{1} << 42,
                        "memory that ingest requests in flight may hold together; beyond it "
                        "they answer 503 overloaded with Retry-After"),
      STRATA_INT_OPTION(ingest, async_threshold_bytes, 0, int64_t{1} << 40,
                        "ingest bodies larger than this run as async jobs (202) unless "
                        "?async=false; 0 = only with ?async=true"),
      STRATA_INT_OPTION(ingest, job_workers, 1, 64,
                        "threads that run async jobs (ingest and delete)"),
      STRATA_INT_OPTION(ingest, job_queue_capacity, 1, 1'000'000,
                        "most async jobs queued or running; more are refused with 503"),
      STRATA_INT_OPTION(ingest, job_chunk_bytes, 1024, int64_t{1} << 32,
                        "an async job commits its body in chunks of about this size"),
      STRATA_INT_OPTION(ingest, upload_max_bytes, 1, int64_t{1} << 50,
                        "largest tus upload (Tus-Max-Size)"),
      STRATA_INT_OPTION(ingest, upload_expiry_seconds, 1, int64_t{365} * 86'400,
                        "an incomplete tus upload is removed this long after its last PATCH"),
      STRATA_INT_OPTION(audit, checkpoint_entries, 1, 1'000'000'000,
                        "the audit log writes a signed checkpoint after at most this many "
                        "entries"),
      STRATA_INT_OPTION(audit, checkpoint_interval_seconds, 1, 86'400,
                        "...or once this long has passed since the last checkpoint"),
      STRATA_INT_OPTION(audit, segment_bytes, 4096, int64_t{1} << 40,
                        "an audit log segment file is closed (and a new one begun) at this size"),
      {"audit.recovery", OptionKind::kString,
       "strict: a damaged audit log stops the server from starting; restart: move it aside "
       "into audit/broken-<time>/ and begin a new chain",
       [](Config& c, std::string_view t) -> Status {
         if (t != "strict" && t != "restart") {
           return Invalid("audit.recovery", "strict|restart", t);
         }
         c.audit.recovery = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.audit.recovery; }},
      {"auth.issuer", OptionKind::kString,
       "the iss of access tokens and the discovery issuer (the public URL of the server); "
       "empty = http(s)://<server.listen>",
       [](Config& c, std::string_view t) { return SetIssuer("auth.issuer", t, c.auth.issuer); },
       [](const Config& c) { return c.auth.issuer; }},
      {"auth.audience", OptionKind::kString, "the aud of access tokens",
       [](Config& c, std::string_view t) -> Status {
         if (t.empty()) return Invalid("auth.audience", "a non-empty string", t);
         c.auth.audience = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.auth.audience; }},
      STRATA_INT_OPTION(auth, access_token_ttl_seconds, 60, 86'400, "lifetime of access tokens"),
      STRATA_INT_OPTION(auth, refresh_token_ttl_seconds, 60, int64_t{365} * 86'400,
                        "lifetime of a refresh token (each refresh issues a new one)"),
      {"auth.signing_algorithm", OptionKind::kString,
       "algorithm of new access-token signing keys: EdDSA or ES256",
       [](Config& c, std::string_view t) -> Status {
         if (t != "EdDSA" && t != "ES256") {
           return Invalid("auth.signing_algorithm", "EdDSA|ES256", t);
         }
         c.auth.signing_algorithm = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.auth.signing_algorithm; }},
      STRATA_INT_OPTION(auth, signing_key_rotation_days, 0, 3650,
                        "age at which the signing key is replaced; 0 = never"),
      {"auth.password_grant", OptionKind::kBool,
       "serve grant_type=password at /v1/auth/token (first-party clients)",
       [](Config& c, std::string_view t) {
         return SetBool("auth.password_grant", t, c.auth.password_grant);
       },
       [](const Config& c) { return std::string(c.auth.password_grant ? "true" : "false"); }},
      {"auth.mfa_required_roles", OptionKind::kStringList,
       "users holding one of these roles must sign in with TOTP",
       [](Config& c, std::string_view t) {
         return SetRoleNames("auth.mfa_required_roles", t, c.auth.mfa_required_roles);
       },
       [](const Config& c) { return JoinList(c.auth.mfa_required_roles); }},
      {"auth.totp_issuer", OptionKind::kString, "issuer label shown by authenticator apps",
       [](Config& c, std::string_view t) -> Status {
         if (t.empty() || t.size() > 64) {
           return Invalid("auth.totp_issuer", "1 to 64 characters", t);
         }
         c.auth.totp_issuer = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.auth.totp_issuer; }},
      STRATA_NESTED_INT_OPTION("auth.login_backoff.max_failures", auth, login_backoff_max_failures,
                               1, 1000, "failed sign-ins of one account before backoff starts"),
      STRATA_NESTED_INT_OPTION("auth.login_backoff.max_failures_per_address", auth,
                               login_backoff_max_failures_per_address, 1, 100'000,
                               "failed sign-ins from one address before backoff starts"),
      STRATA_NESTED_INT_OPTION("auth.login_backoff.window_seconds", auth,
                               login_backoff_window_seconds, 1, 86'400,
                               "a longer pause between failures starts their count again"),
      STRATA_NESTED_INT_OPTION("auth.login_backoff.max_delay_seconds", auth,
                               login_backoff_max_delay_seconds, 1, 86'400,
                               "longest wait imposed after repeated failures"),
      STRATA_INT_OPTION(auth, max_concurrent_password_hashes, 0, 1024,
                        "argon2id verifications running at once; 0 = server.worker_threads"),
      {"log.level", OptionKind::kString, "debug, info, warn or error",
       [](Config& c, std::string_view t) -> Status {
         LogLevel level;
         if (!ParseLogLevel(t, level)) return Invalid("log.level", "debug|info|warn|error", t);
         c.log.level = std::string(t);
         return Status();
       },
       [](const Config& c) { return c.log.level; }},
  };
  return options;
}

// Environment variables with the STRATA_ prefix that are not options.
constexpr std::string_view kNonOptionEnv[] = {"STRATA_BOOTSTRAP_KEY"};

}  // namespace

const std::vector<OptionSpec>& ConfigOptions() { return BuildOptions(); }

const std::vector<TableListSpec>& ConfigTableLists() {
  static const std::vector<TableListSpec> lists = {
      {"auth.oidc.issuers",
       "external OpenID Connect issuers whose JWTs authenticate callers (docs/security.md)",
       &ApplyOidcIssuerTable},
  };
  return lists;
}

std::string EnvName(std::string_view key) {
  std::string out = "STRATA_";
  for (char c : key) {
    out.push_back(c == '.' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
  }
  return out;
}

Status ApplyConfigOption(Config& config, std::string_view key, std::string_view text) {
  std::vector<std::string_view> keys;
  for (const OptionSpec& spec : ConfigOptions()) {
    if (spec.key == key) return spec.apply(config, text);
    keys.push_back(spec.key);
  }
  for (const TableListSpec& spec : ConfigTableLists()) {
    if (spec.key == key) {
      return Status::InvalidArgument("option " + std::string(key) +
                                     " is set only in the configuration file, as [[" +
                                     std::string(key) + "]] tables");
    }
    keys.push_back(spec.key);
  }
  return Status::InvalidArgument("unknown option '" + std::string(key) + "'" +
                                 DidYouMean(key, keys));
}

Status ApplyConfigEnvironment(Config& config, std::vector<std::string>* unknown) {
  for (const OptionSpec& spec : ConfigOptions()) {
    const std::string name = EnvName(spec.key);
    if (const char* value = std::getenv(name.c_str())) {
      Status status = spec.apply(config, value);
      if (!status.ok()) return status.Annotate("environment variable " + name);
    }
  }
  if (unknown == nullptr) return Status();
  for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
    std::string_view entry(*env);
    if (!StartsWith(entry, "STRATA_")) continue;
    const std::string_view name = entry.substr(0, entry.find('='));
    bool known = false;
    for (std::string_view other : kNonOptionEnv) known |= other == name;
    for (const OptionSpec& spec : ConfigOptions()) known |= EnvName(spec.key) == name;
    if (!known) unknown->emplace_back(name);
  }
  return Status();
}

Status ValidateConfig(const Config& config) {
  if (config.server.listen == config.server.grpc_listen) {
    return Status::InvalidArgument("server.listen and server.grpc_listen must differ");
  }
  const bool has_cert = !config.server.tls_cert_file.empty();
  const bool has_key = !config.server.tls_key_file.empty();
  if (has_cert != has_key) {
    return Status::InvalidArgument(
        std::string("server.tls.cert_file and server.tls.key_file must be set together: ") +
        (has_cert ? "server.tls.key_file" : "server.tls.cert_file") + " is missing");
  }
  const std::vector<OidcIssuerConfig>& issuers = config.auth.oidc_issuers;
  for (size_t issuer_idx = 0; issuer_idx < issuers.size(); ++issuer_idx) {
    STRATA_RETURN_IF_ERROR(ValidateOidcIssuer(issuers[issuer_idx]));
    for (size_t other_idx = 0; other_idx < issuer_idx; ++other_idx) {
      if (issuers[other_idx].name == issuers[issuer_idx].name) {
        return Status::InvalidArgument("auth.oidc.issuers '" + issuers[issuer_idx].name +
                                       "': option name: used by two issuers");
      }
      if (issuers[other_idx].issuer == issuers[issuer_idx].issuer) {
        return Status::InvalidArgument("auth.oidc.issuers '" + issuers[issuer_idx].name +
                                       "': option issuer: '" + issuers[issuer_idx].issuer +
                                       "' is also the issuer of '" + issuers[other_idx].name + "'");
      }
    }
  }
  return Status();
}

Status ParseHostPort(std::string_view text, std::string& host, uint16_t& port) {
  size_t colon;
  if (StartsWith(text, "[")) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument("malformed address");
    }
    host = std::string(text.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string_view::npos) return Status::InvalidArgument("malformed address");
    host = std::string(text.substr(0, colon));
    if (host.find(':') != std::string::npos) {
      return Status::InvalidArgument("malformed address: write IPv6 hosts as [addr]:port");
    }
  }
  const std::string_view port_text = text.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (host.empty() || port_text.empty() || ec != std::errc() ||
      ptr != port_text.data() + port_text.size() || value > 65535) {
    return Status::InvalidArgument("malformed address");
  }
  port = static_cast<uint16_t>(value);
  return Status();
}

}  // namespace strata
