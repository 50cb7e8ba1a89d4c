// Control-plane records of the security model: users and service accounts, custom roles,
// grants, refresh tokens and the row/field policies of datasets (DESIGN.md "Security model").
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strata::meta {

// A user (signs in with a password) or a service account (client credentials). Both are
// principals: "user:<name>" and "service:<name>".
struct UserRecord {
  std::string name;           // Unique across users and service accounts.
  std::string kind = "user";  // "user" | "service".
  std::string display_name;
  // PHC string: argon2id of the password (users) or of the client secret (services);
  // "" = no password, so password and client-credential grants fail.
  std::string password_hash;
  std::vector<std::string> groups;
  std::map<std::string, std::string> attributes;  // Read by row policies as $user.<key>.
  bool disabled = false;
  // TOTP (RFC 6238). The secret is kept from enrolment; MFA is on once a first code
  // confirmed it (totp_enabled). totp_last_step: the last accepted step, never reused.
  std::string totp_secret;
  bool totp_enabled = false;
  int64_t totp_last_step = 0;
  std::vector<std::string> recovery_code_hashes;  // Unused ones; a used code is removed.
  int64_t created_at = 0;                         // Microseconds since the epoch.
  int64_t updated_at = 0;
  uint64_t revision = 1;  // Incremented by every change (optimistic concurrency).
};

// A custom role: a named set of permissions ("data:read", ...). Built-in roles are not
// stored.
struct RoleRecord {
  std::string name;
  std::string description;
  std::vector<std::string> permissions;
  int64_t created_at = 0;
};

// subject ("user:<n>", "service:<n>", "group:<g>", "key:<id>") holds `role` on `resource`
// ("*" = every dataset, else a dataset id).
struct GrantRecord {
  std::string id;
  std::string subject;
  std::string role;
  std::string resource;
  std::string created_by;
  int64_t created_at = 0;
};

// A refresh token, stored as SHA-256 of its secret. Tokens of one sign-in form a family:
// each refresh consumes the presented token and issues the next; presenting a consumed
// token again revokes the whole family (RFC 9700 §4.14.2).
struct RefreshTokenRecord {
  std::string id;
  std::string family;
  std::string hash;     // 32 raw bytes.
  std::string subject;  // Principal reference.
  std::string client_id;
  std::string scope;  // Space-separated, as granted.
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int64_t used_at = 0;     // 0: not consumed yet.
  int64_t revoked_at = 0;  // 0: not revoked.
};

// The row and field policies of one dataset, as a JSON document the security layer parses.
struct DatasetPoliciesRecord {
  std::string dataset_id;
  std::string body = "{\"row_policies\":[],\"field_policies\":[]}";
  std::string updated_by;
  int64_t updated_at = 0;
  uint64_t revision = 0;  // 0: never written.
};

}  // namespace strata::meta
