#include "app/identity_commands.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "app/server_app.h"
#include "common/ids.h"
#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "security/authorizer.h"
#include "security/encoding.h"
#include "security/jwk.h"
#include "security/key_ring_store.h"
#include "security/password_hash.h"
#include "security/recovery_codes.h"
#include "security/totp.h"

namespace strata::app {
namespace {

int Failed(std::string_view what, const Status& status) {
  std::fprintf(stderr, "stratad: %.*s failed: %s\n", static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  return 1;
}

// The data directory locked and its metastore open, as a server would have them.
Result<std::unique_ptr<meta::MetaStore>> OpenOffline(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.storage.data_dir, ec);
  if (ec) {
    return Status::IoError("cannot create data directory " + config.storage.data_dir + ": " +
                           ec.message());
  }
  STRATA_RETURN_IF_ERROR(LockDataDir(config.storage.data_dir));
  return meta::OpenSqliteMetaStore(config.storage.data_dir + "/meta.db");
}

// The account name rule of the identity endpoints: 1 to 64 of [a-z0-9._@-], starting with a
// letter or digit.
bool IsValidAccountName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '@' && c != '-'))) return false;
  }
  return true;
}

Status CheckRoles(meta::MetaStore& store, const std::vector<std::string>& roles) {
  STRATA_ASSIGN_OR_RETURN(std::vector<meta::RoleRecord> custom, store.identity().ListRoles());
  for (const std::string& role : roles) {
    bool known = security::IsBuiltInRole(role);
    for (const meta::RoleRecord& record : custom) known = known || record.name == role;
    if (!known) {
      return Status::InvalidArgument("unknown role '" + role +
                                     "'; built-in roles are admin, owner, editor, writer, "
                                     "reader, auditor");
    }
  }
  return Status();
}

Result<std::string> ReadSecretLine(std::istream& in) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return Status::InvalidArgument("stdin holds no password");
  if (line.size() > security::kMaxPasswordBytes) {
    return Status::InvalidArgument("the password is longer than " +
                                   std::to_string(security::kMaxPasswordBytes) + " bytes");
  }
  return line;
}

}  // namespace

int RotateSigningKey(const Config& config, bool drop_old) {
  Result<std::unique_ptr<meta::MetaStore>> store = OpenOffline(config);
  if (!store.ok()) return Failed("signing key rotation", store.status());
  security::KeyRingOptions options;
  options.algorithm = security::JwtAlgorithmFromName(config.auth.signing_algorithm)
                          .value_or(security::JwtAlgorithm::kEdDSA);
  options.rotation_seconds = 0;  // Rotate() below is the one rotation.
  options.retire_after_seconds = config.auth.access_token_ttl_seconds + 60;
  const int64_t now = NowMicros() / 1'000'000;
  Result<std::unique_ptr<security::KeyRingStore>> keys =
      security::KeyRingStore::Open(**store, options, now);
  if (!keys.ok()) return Failed("signing key rotation", keys.status());
  const std::string old_kid = (*keys)->Current()->ring.current().kid();
  if (Status rotated = (*keys)->Rotate(now, drop_old); !rotated.ok()) {
    return Failed("signing key rotation", rotated);
  }
  std::shared_ptr<const security::KeyRingStore::Snapshot> ring = (*keys)->Current();
  std::printf("new signing key %s (%s) is current.\n", ring->ring.current().kid().c_str(),
              std::string(security::JwtAlgorithmName(ring->ring.current().alg())).c_str());
  if (drop_old) {
    std::printf("every earlier key, including %s, is dropped: their tokens no longer verify.\n",
                old_kid.c_str());
  } else {
    std::printf("%zu retired key(s), including %s, verify their tokens until they expire.\n",
                ring->ring.retired().size(), old_kid.c_str());
  }
  return 0;
}

int AddUser(const Config& config, const UserAddOptions& options, std::istream& in) {
  constexpr std::string_view kWhat = "user add";
  if (!IsValidAccountName(options.name)) {
    return Failed(
        kWhat, Status::InvalidArgument("--name: use 1 to 64 lower-case letters, digits and . _ @ - "
                                       "(starting with a letter or digit)"));
  }
  if (options.service && !options.password_stdin) {
    return Failed(kWhat, Status::InvalidArgument(
                             "a service account needs its client secret: --password-stdin"));
  }
  if (options.service && options.totp) {
    return Failed(kWhat, Status::InvalidArgument("--totp is for users, not service accounts"));
  }
  meta::UserRecord user;
  user.name = options.name;
  user.kind = options.service ? "service" : "user";
  if (options.password_stdin) {
    Result<std::string> password = ReadSecretLine(in);
    if (!password.ok()) return Failed(kWhat, password.status());
    Result<std::string> hashed = security::HashPassword(*password, security::PasswordParams{});
    if (!hashed.ok()) return Failed(kWhat, hashed.status());
    user.password_hash = std::move(hashed).value();
  }
  std::vector<std::string> recovery_codes;
  if (options.totp) {
    user.totp_secret = security::GenerateTotpSecret();
    user.totp_enabled = true;
    recovery_codes = security::GenerateRecoveryCodes();
    for (const std::string& code : recovery_codes) {
      user.recovery_code_hashes.push_back(security::HashRecoveryCode(code));
    }
  }
  Result<std::unique_ptr<meta::MetaStore>> store = OpenOffline(config);
  if (!store.ok()) return Failed(kWhat, store.status());
  if (Status checked = CheckRoles(**store, options.roles); !checked.ok()) {
    return Failed(kWhat, checked);
  }
  const int64_t now = NowMicros();
  user.created_at = user.updated_at = now;
  if (Status created = (*store)->identity().CreateUser(user); !created.ok()) {
    return Failed(kWhat, created);
  }
  const std::string ref = user.kind + ":" + user.name;
  std::printf(
      "created %s%s\n", ref.c_str(),
      user.password_hash.empty() ? " (no password: it can sign in only with API keys)" : "");
  for (const std::string& role : options.roles) {
    Status granted =
        (*store)->identity().CreateGrant({NewUlid(), ref, role, "*", "stratad user add", now});
    if (!granted.ok()) return Failed(kWhat, granted);
    std::printf("granted %s on every dataset\n", role.c_str());
  }
  if (options.totp) {
    // Shown once; only the secret (for codes) and the codes' hashes are stored.
    std::printf("totp_secret: %s\n", security::Base32Encode(user.totp_secret).c_str());
    std::printf("otpauth_uri: %s\n",
                security::OtpauthUri(config.auth.totp_issuer, user.name, user.totp_secret).c_str());
    std::printf("recovery_codes:");
    for (const std::string& code : recovery_codes) std::printf(" %s", code.c_str());
    std::printf("\n");
  }
  return 0;
}

}  // namespace strata::app
