#include "security/oidc_issuer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include "common/logging.h"

namespace strata::security {
namespace {

std::string Where(const OidcIssuerConfig& config) {
  return "auth.oidc.issuers '" + config.name + "': option " +
         (config.jwks_url.empty() ? "jwks_file " + config.jwks_file
                                  : "jwks_url " + config.jwks_url);
}

Result<std::string> ReadJwksFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read: " + std::string(std::strerror(errno)));
  std::string data(kMaxJwksBytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) return Status::IoError("cannot read the file");
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > kMaxJwksBytes) return Status::InvalidArgument("larger than 1 MiB");
  return data;
}

bool Allowed(const OidcIssuerConfig& config, JwtAlgorithm alg) {
  return std::find(config.algorithms.begin(), config.algorithms.end(), JwtAlgorithmName(alg)) !=
         config.algorithms.end();
}

}  // namespace

Result<std::vector<JwtPublicKey>> IssuerKeysFromJwks(const OidcIssuerConfig& issuer,
                                                     std::string_view jwks_json,
                                                     std::vector<std::string>& skipped) {
  if (jwks_json.size() > kMaxJwksBytes) return Status::InvalidArgument("JWKS is larger than 1 MiB");
  Result<json::Value> document = json::Parse(jwks_json);
  if (!document.ok() || !document->is_object()) {
    return Status::InvalidArgument("JWKS is not a JSON object");
  }
  // RSA keys without "alg" get RS256 when the issuer allows it (the one RSA algorithm there
  // is here), so ParseJwks binds them like any other key.
  const json::Value* keys = document->Find("keys");
  if (keys != nullptr && keys->is_array() && Allowed(issuer, JwtAlgorithm::kRS256)) {
    json::Value patched_keys = json::Value::Array();
    for (const json::Value& jwk : keys->items()) {
      json::Value copy = jwk;
      const json::Value* kty = jwk.is_object() ? jwk.Find("kty") : nullptr;
      if (kty != nullptr && kty->is_string() && kty->string_value() == "RSA" &&
          jwk.Find("alg") == nullptr) {
        copy.Set("alg", json::Value::String("RS256"));
      }
      patched_keys.Append(std::move(copy));
    }
    document->Set("keys", std::move(patched_keys));
  }
  STRATA_ASSIGN_OR_RETURN(ParsedJwks parsed, ParseJwks(json::Serialize(*document)));
  skipped = std::move(parsed.skipped);
  std::vector<JwtPublicKey> usable;
  for (JwtPublicKey& key : parsed.keys) {
    if (Allowed(issuer, key.alg())) {
      usable.push_back(std::move(key));
    } else {
      skipped.push_back("kid '" + key.kid() + "': alg " + std::string(JwtAlgorithmName(key.alg())) +
                        " is not in the issuer's algorithms");
    }
  }
  if (usable.empty()) return Status::InvalidArgument("JWKS has no usable key");
  return usable;
}

Result<std::unique_ptr<OidcIssuer>> OidcIssuer::Create(OidcIssuerConfig config,
                                                       JwksFetcher fetch_url,
                                                       int64_t min_refetch_interval_seconds,
                                                       int64_t failed_fetch_retry_seconds) {
  STRATA_RETURN_IF_ERROR(ValidateOidcIssuer(config));
  if (!config.jwks_url.empty() && !fetch_url) {
    return Status::InvalidArgument("auth.oidc.issuers '" + config.name +
                                   "': no fetcher for jwks_url");
  }
  std::unique_ptr<OidcIssuer> issuer(new OidcIssuer(std::move(config), std::move(fetch_url),
                                                    min_refetch_interval_seconds,
                                                    failed_fetch_retry_seconds, nullptr));
  STRATA_ASSIGN_OR_RETURN(JwtVerifier verifier, JwtVerifier::Create(issuer->VerifierOptions({})));
  issuer->verifier_ = std::make_shared<const JwtVerifier>(std::move(verifier));
  return issuer;
}

OidcIssuer::OidcIssuer(OidcIssuerConfig config, JwksFetcher fetch_url,
                       int64_t min_refetch_interval_seconds, int64_t failed_fetch_retry_seconds,
                       std::shared_ptr<const JwtVerifier> verifier)
    : config_(std::move(config)),
      fetch_url_(std::move(fetch_url)),
      min_refetch_interval_seconds_(min_refetch_interval_seconds),
      failed_fetch_retry_seconds_(failed_fetch_retry_seconds),
      verifier_(std::move(verifier)) {}

JwtVerifierOptions OidcIssuer::VerifierOptions(std::vector<JwtPublicKey> keys) const {
  JwtVerifierOptions options;
  options.keys = std::move(keys);
  options.issuer = config_.issuer;
  options.audiences = config_.audiences;
  options.types = config_.types;
  options.leeway_seconds = config_.leeway_seconds;
  for (const std::string& name : config_.algorithms) {
    if (std::optional<JwtAlgorithm> alg = JwtAlgorithmFromName(name)) {
      options.algorithms.push_back(*alg);
    }
  }
  return options;
}

Result<std::string> OidcIssuer::LoadDocument() const {
  if (!config_.jwks_url.empty()) return fetch_url_(config_.jwks_url);
  return ReadJwksFile(config_.jwks_file);
}

std::shared_ptr<const JwtVerifier> OidcIssuer::current() const {
  std::lock_guard lock(mu_);
  return verifier_;
}

Status OidcIssuer::Refresh(int64_t now_unix_seconds) {
  std::lock_guard fetch_lock(fetch_mu_);
  std::vector<std::string> skipped;
  Result<std::vector<JwtPublicKey>> keys = Status::Internal("unreachable");
  Result<std::string> document = LoadDocument();
  if (document.ok()) {
    keys = IssuerKeysFromJwks(config_, *document, skipped);
  } else {
    keys = document.status();
  }
  for (const std::string& reason : skipped) {
    STRATA_LOG(kWarn, "OIDC issuer JWKS: key left out")
        .Str("issuer", config_.name)
        .Str("reason", reason);
  }
  Result<JwtVerifier> verifier =
      keys.ok() ? JwtVerifier::Create(VerifierOptions(*keys)) : Result<JwtVerifier>(keys.status());
  const bool periodic = !config_.jwks_url.empty();
  const int64_t refresh_seconds = config_.jwks_refresh_seconds.value_or(kDefaultJwksRefreshSeconds);
  std::lock_guard lock(mu_);
  if (!verifier.ok()) {
    next_refresh_at_ =
        periodic ? now_unix_seconds + std::min(refresh_seconds, failed_fetch_retry_seconds_)
                 : std::numeric_limits<int64_t>::max();
    const Status failed = verifier.status().Annotate(Where(config_));
    STRATA_LOG(kError, "OIDC issuer JWKS not loaded; keeping the previous keys")
        .Str("issuer", config_.name)
        .Int("keys_kept", static_cast<int64_t>(verifier_->options().keys.size()))
        .Str("error", failed.ToString());
    return failed;
  }
  next_refresh_at_ =
      periodic ? now_unix_seconds + refresh_seconds : std::numeric_limits<int64_t>::max();
  verifier_ = std::make_shared<const JwtVerifier>(std::move(verifier).value());
  STRATA_LOG(kInfo, "OIDC issuer JWKS loaded")
      .Str("issuer", config_.name)
      .Int("keys", static_cast<int64_t>(verifier_->options().keys.size()));
  return Status();
}

Result<VerifiedJwt> OidcIssuer::Verify(std::string_view token, int64_t now_unix_seconds) {
  Result<VerifiedJwt> verified = current()->Verify(token, now_unix_seconds);
  if (verified.ok() || !IsUnknownJwtKey(verified.status())) return verified;
  {
    std::lock_guard lock(mu_);
    if (refetched_once_ && now_unix_seconds < last_refetch_at_ + min_refetch_interval_seconds_) {
      return verified;  // Refetched recently: the kid is unknown to the issuer as well.
    }
    refetched_once_ = true;
    last_refetch_at_ = now_unix_seconds;
  }
  STRATA_LOG(kInfo, "OIDC token names an unknown key; refetching the issuer's JWKS")
      .Str("issuer", config_.name);
  if (!Refresh(now_unix_seconds).ok()) return verified;
  return current()->Verify(token, now_unix_seconds);
}

int64_t OidcIssuer::next_refresh_at() const {
  std::lock_guard lock(mu_);
  return next_refresh_at_;
}

size_t OidcIssuer::key_count() const { return current()->options().keys.size(); }

}  // namespace strata::security
