// TokenService: Strata's OAuth 2.0 authorization server (docs/security.md "Tokens",
// CONVENTIONS.md §8): the grants of the token endpoint, token revocation (RFC 7009) and
// introspection (RFC 7662).
//
// Grants:
//   - password (RFC 6749 §4.3; off unless auth.password_grant): users only. argon2id
//     verification; the hash is upgraded when its parameters are below the current ones.
//     A user with TOTP enabled must also send `totp` (or `recovery_code`); a user who holds a
//     role of auth.mfa_required_roles without TOTP enabled is refused with
//     "mfa_enrolment_required" (they enrol with an API key, docs/security.md "MFA").
//     Public clients: `client_id` is optional (default "strata"), no secret.
//   - client_credentials (§4.4): service accounts, secret by HTTP Basic or in the body. No
//     refresh token.
//   - refresh_token (§6): rotating. The presented token is consumed and a new one of the
//     same family (same scope, client and subject) is returned; presenting a consumed token
//     again revokes the whole family. A disabled or deleted subject fails.
// Scope: optional; a subset of the permissions the subject holds (of the original grant on
// refresh). Omitted: the token has no scope claim and carries everything its subject holds
// at each use.
// Errors of Token(): the Status's problem code is the RFC 6749 §5.2 error and its message
// the error_description:
//   invalid_request, invalid_grant, unauthorized_client, unsupported_grant_type,
//   invalid_scope            InvalidArgument (400)
//   invalid_client           Unauthenticated (401)
//   slow_down                ResourceExhausted (429), ThrottledRetryAfter() gives the wait
//   temporarily_unavailable  Unavailable (503): too many password hashes at once
// Account enumeration: unknown, disabled and password-less accounts get the same answer as a
// wrong password, after the same argon2id cost (PasswordChecker's decoy), and the same
// backoff (LoginThrottle keys the name as sent).
// Audit (docs/security.md "Audit log"): every token request, granted or refused, appends an
// auth.token entry (subject, grant type, client, scope, attempted account, error code); a
// token is not issued when its entry cannot be written.
// Thread safety: thread-safe; SetAuditSink() before requests arrive.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_event.h"
#include "common/result.h"
#include "meta/meta_store.h"
#include "security/access_token_verifier.h"
#include "security/authorizer.h"
#include "security/key_ring_store.h"
#include "security/principal.h"
#include "security/principal_resolver.h"
#include "service/login_throttle.h"
#include "service/password_checker.h"

namespace strata::service {

// The prefix of refresh tokens: "strata_rt_" + 43 base64url characters (256 random bits).
inline constexpr std::string_view kRefreshTokenPrefix = "strata_rt_";

struct TokenServiceOptions {
  // Lifetime of access tokens. Default: 15 min.
  int64_t access_token_ttl_seconds = 900;
  // Lifetime of each refresh token (each refresh starts a new one). Default: 30 days.
  int64_t refresh_token_ttl_seconds = int64_t{30} * 86'400;
  // Whether grant_type=password is served. Default: false (RFC 9700 §2.4).
  bool password_grant = false;
  // Users holding one of these roles (on every dataset or on one) must use TOTP.
  // Default: admin.
  std::vector<std::string> mfa_required_roles = {"admin"};
  // client_id of password and refresh grants that send none.
  std::string default_client_id = "strata";
  // Microseconds since the epoch; null = NowMicros. Test hook; the verifier's clock should
  // be the same.
  std::function<int64_t()> clock;
};

enum class ClientAuthentication {
  kNone,   // No client secret (public client).
  kBasic,  // Authorization: Basic (RFC 6749 §2.3.1).
  kPost,   // client_id and client_secret in the body.
};

// A token request, decoded from the form by the transport. Empty strings are absent
// parameters (RFC 6749 §3.1: a parameter without a value is omitted).
struct TokenRequest {
  std::string grant_type;
  std::string username;
  std::string password;
  std::string totp;
  std::string recovery_code;
  std::optional<std::string> scope;
  std::string refresh_token;
  std::string client_id;
  std::string client_secret;
  ClientAuthentication client_auth = ClientAuthentication::kNone;
  std::string address;  // The client's IP address, for backoff; "" = none.
};

struct IssuedTokens {
  std::string access_token;
  int64_t expires_in = 0;     // Seconds.
  std::string refresh_token;  // "" when none is issued.
  std::string scope;          // The token's scope; "" when it has no scope claim.
  std::string subject;        // Principal ref of the token's subject ("user:ana").
};

// RFC 7662 §2.2. When !active, nothing else is set.
struct TokenIntrospection {
  bool active = false;
  std::string token_type;  // "Bearer" (access token) or "refresh_token".
  std::string scope;       // "" when the token has no scope.
  std::string client_id;
  std::string username;  // The user's name; "" for service accounts.
  std::string sub;
  std::string aud;  // Access tokens only.
  std::string iss;
  std::string jti;  // Access tokens only.
  int64_t exp = 0;
  int64_t iat = 0;
  int64_t nbf = 0;  // Access tokens only.
};

class TokenService {
 public:
  // Every reference must outlive the service. The issuer and audience are the verifier's.
  TokenService(meta::MetaStore& store, const security::Authorizer& authorizer,
               security::KeyRingStore& keys, security::AccessTokenVerifier& verifier,
               LoginThrottle& throttle, PasswordChecker& passwords, TokenServiceOptions options);

  // `ids`: the request's audit ids; null = not audited (no sink, or a caller outside the API).
  Result<IssuedTokens> Token(const TokenRequest& request, const audit::RequestIds* ids = nullptr);

  // RFC 7009: revokes `token` (an access token's jti until it expires; a refresh token's
  // whole family) when `caller` is its subject or holds admin. Unknown, invalid or foreign
  // tokens, and tokens of other subjects, change nothing and still succeed, so the answer
  // reveals nothing about them.
  Status Revoke(const security::Principal& caller, std::string_view token);

  // RFC 7662: the token's state when `caller` is its subject or holds admin; inactive for
  // anything else (unknown, expired, revoked, consumed, of a disabled or deleted subject,
  // or of another subject).
  Result<TokenIntrospection> Introspect(const security::Principal& caller, std::string_view token);

  void SetAuditSink(audit::AuditSink* sink) { audit_ = sink; }

  const std::string& issuer() const { return verifier_.options().issuer; }
  bool password_grant_enabled() const { return options_.password_grant; }
  // The signing keys, for /.well-known/jwks.json and the discovery documents.
  std::shared_ptr<const security::KeyRingStore::Snapshot> keys() const { return keys_.Current(); }

 private:
  struct Grant {
    security::Principal principal;
    std::string client_id;
    std::optional<std::vector<std::string>> scope;
    std::vector<std::string> amr;  // Authentication methods (RFC 8176): "pwd", "otp".
  };

  int64_t Now() const;
  Result<IssuedTokens> RunGrant(const TokenRequest& request, int64_t now);
  Status AuditToken(const TokenRequest& request, const audit::RequestIds& ids,
                    const Result<IssuedTokens>& result);
  Result<IssuedTokens> PasswordGrant(const TokenRequest& request, int64_t now);
  Result<IssuedTokens> ClientCredentialsGrant(const TokenRequest& request, int64_t now);
  Result<IssuedTokens> RefreshGrant(const TokenRequest& request, int64_t now);
  // For grants other than client_credentials: a client that sends a secret must be a valid
  // service account (else invalid_client), which may not use this grant
  // (unauthorized_client).
  Status RefuseConfidentialClient(const TokenRequest& request, int64_t now);
  // A consumed refresh token came back: revokes its family; the answer for the request.
  Status ReuseDetected(const meta::RefreshTokenRecord& record, int64_t now);
  // The service account of the request's client credentials; invalid_client otherwise.
  Result<security::Principal> AuthenticateClient(const TokenRequest& request, int64_t now);
  // Replaces the user's hash with one of the current parameters; failures are only logged.
  void Rehash(const std::string& name, const std::string& old_hash, std::string_view password,
              int64_t now);
  Result<std::string> SignAccessToken(const Grant& grant, int64_t now);
  // A new refresh token of `family` ("" = a new family).
  Result<std::string> MintRefreshToken(const Grant& grant, std::string family, int64_t now);
  Result<IssuedTokens> Issue(const Grant& grant, bool with_refresh_token, std::string family,
                             int64_t now);
  bool MayInspect(const security::Principal& caller, std::string_view subject) const;
  // Housekeeping (key rotation, expired refresh tokens), at most once a minute.
  void MaybeMaintain(int64_t now);

  meta::MetaStore& store_;
  const security::Authorizer& authorizer_;
  security::KeyRingStore& keys_;
  security::AccessTokenVerifier& verifier_;
  LoginThrottle& throttle_;
  PasswordChecker& passwords_;
  security::PrincipalResolver resolver_;
  const TokenServiceOptions options_;
  std::atomic<int64_t> last_maintenance_{0};
  audit::AuditSink* audit_ = nullptr;
};

}  // namespace strata::service
