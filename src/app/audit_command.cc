#include "app/audit_command.h"

#include <cstdio>

#include "audit/audit_files.h"
#include "audit/audit_verifier.h"
#include "common/json.h"
#include "common/strings.h"
#include "storage/env/env.h"

namespace strata::app {
namespace {

int CannotVerify(const std::string& message) {
  std::fprintf(stderr, "stratad: cannot verify the audit log: %s\n", message.c_str());
  return kAuditCannotVerify;
}

}  // namespace

int VerifyAuditCommand(const std::string& dir, const std::string& public_key_file) {
  storage::Env* env = storage::Env::Default();
  if (!env->FileExists(dir)) return CannotVerify("no such directory: " + dir);
  const std::string stored_key_path = storage::JoinPath(dir, audit::kPublicKeyFileName);
  const std::string key_path = public_key_file.empty() ? stored_key_path : public_key_file;
  if (!env->FileExists(key_path)) {
    return CannotVerify(key_path +
                        " does not exist; pass the server's public key with --public-key FILE");
  }
  Result<std::string> key_text = env->ReadFile(key_path);
  if (!key_text.ok()) return CannotVerify(key_text.status().ToString());
  Result<std::string> public_key = audit::ParsePublicKeyFile(*key_text);
  if (!public_key.ok()) {
    return CannotVerify(key_path + ": " + std::string(public_key.status().message()));
  }
  if (!public_key_file.empty() && env->FileExists(stored_key_path)) {
    Result<std::string> stored = env->ReadFile(stored_key_path);
    Result<std::string> stored_key =
        stored.ok() ? audit::ParsePublicKeyFile(*stored) : Result<std::string>(stored.status());
    if (!stored_key.ok() || *stored_key != *public_key) {
      std::printf(
          "note: %s does not hold the pinned public key (key %s); verifying with the "
          "pinned key\n",
          stored_key_path.c_str(), audit::KeyId(*public_key).c_str());
    }
  }

  audit::VerifyOptions options;
  options.public_key = *public_key;
  Result<audit::VerifyReport> verified = audit::VerifyAuditLog(env, dir, options);
  if (!verified.ok()) return CannotVerify(verified.status().ToString());
  const audit::VerifyReport& report = *verified;
  if (!report.ok) {
    std::printf(
        "audit log BROKEN at entry %llu\n  file:   %s\n  offset: %llu\n  reason: %s\n"
        "  intact before it: %llu entries, %llu checkpoints\n",
        static_cast<unsigned long long>(report.first_broken_seq), report.file.c_str(),
        static_cast<unsigned long long>(report.offset), report.reason.c_str(),
        static_cast<unsigned long long>(report.entries),
        static_cast<unsigned long long>(report.checkpoints));
    return kAuditBroken;
  }
  if (report.previous_chain) {
    std::printf("note: this chain was begun by audit.recovery=restart; the one before it: %s\n",
                json::Serialize(*report.previous_chain).c_str());
  }
  std::printf(
      "audit log intact: %llu entries, %llu checkpoints, last entry %llu (hash %s), HEAD at "
      "entry %llu, key %s\n",
      static_cast<unsigned long long>(report.entries),
      static_cast<unsigned long long>(report.checkpoints),
      static_cast<unsigned long long>(report.last_seq), HexEncode(report.last_hash).c_str(),
      static_cast<unsigned long long>(report.head ? report.head->seq : 0),
      audit::KeyId(*public_key).c_str());
  return kAuditIntact;
}

}  // namespace strata::app
