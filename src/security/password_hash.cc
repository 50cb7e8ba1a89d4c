#include "security/password_hash.h"

#include <argon2.h>

#include <charconv>
#include <optional>

#include "security/crypto.h"
#include "security/encoding.h"

namespace strata::security {
namespace {

constexpr std::string_view kPrefix = "$argon2id$v=19$";
constexpr size_t kMinSaltBytes = 8;  // ARGON2_MIN_SALT_LENGTH.
constexpr size_t kMaxSaltBytes = 64;
constexpr size_t kMinHashBytes = 16;
constexpr size_t kMaxHashBytes = 64;

struct ParsedPhc {
  PasswordParams params;
  std::string salt;
  std::string hash;
};

Status CheckParams(const PasswordParams& p) {
  if (p.parallelism < 1 || p.parallelism > kMaxParallelism) {
    return Status::InvalidArgument("argon2id parallelism must be between 1 and 16");
  }
  if (p.iterations < 1 || p.iterations > kMaxIterations) {
    return Status::InvalidArgument("argon2id iterations must be between 1 and 16");
  }
  if (p.memory_kib < 8 * p.parallelism || p.memory_kib > kMaxMemoryKib) {
    return Status::InvalidArgument(
        "argon2id memory must be at least 8 KiB per lane and at most 1 GiB");
  }
  return Status();
}

// Consumes "<name>=<decimal>" from the front of `text`. The number has no sign and no
// leading zero, so each value has one spelling.
std::optional<uint32_t> ConsumeParam(std::string_view& text, std::string_view name) {
  if (text.substr(0, name.size()) != name || text.substr(name.size(), 1) != "=") {
    return std::nullopt;
  }
  text.remove_prefix(name.size() + 1);
  const size_t digits = text.find_first_not_of("0123456789");
  const std::string_view number = text.substr(0, digits);
  if (number.empty() || number.size() > 10 || (number.size() > 1 && number[0] == '0')) {
    return std::nullopt;
  }
  uint64_t value = 0;
  std::from_chars(number.data(), number.data() + number.size(), value);
  if (value > UINT32_MAX) return std::nullopt;
  text.remove_prefix(number.size());
  return static_cast<uint32_t>(value);
}

bool ConsumeChar(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

Result<ParsedPhc> ParsePhc(std::string_view phc) {
  const Status malformed = Status::InvalidArgument("not an argon2id v=19 PHC string");
  if (phc.substr(0, kPrefix.size()) != kPrefix) return malformed;
  std::string_view rest = phc.substr(kPrefix.size());
  ParsedPhc out;
  const std::optional<uint32_t> m = ConsumeParam(rest, "m");
  if (!m.has_value() || !ConsumeChar(rest, ',')) return malformed;
  const std::optional<uint32_t> t = ConsumeParam(rest, "t");
  if (!t.has_value() || !ConsumeChar(rest, ',')) return malformed;
  const std::optional<uint32_t> p = ConsumeParam(rest, "p");
  if (!p.has_value() || !ConsumeChar(rest, '$')) return malformed;
  out.params = PasswordParams{.memory_kib = *m, .iterations = *t, .parallelism = *p};
  STRATA_RETURN_IF_ERROR(CheckParams(out.params));

  const size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) return malformed;
  std::optional<std::string> salt = Base64DecodeUnpaddedStrict(rest.substr(0, dollar));
  std::optional<std::string> hash = Base64DecodeUnpaddedStrict(rest.substr(dollar + 1));
  if (!salt.has_value() || !hash.has_value()) {
    return Status::InvalidArgument("argon2id salt or hash is not unpadded base64");
  }
  if (salt->size() < kMinSaltBytes || salt->size() > kMaxSaltBytes) {
    return Status::InvalidArgument("argon2id salt must be 8 to 64 bytes");
  }
  if (hash->size() < kMinHashBytes || hash->size() > kMaxHashBytes) {
    return Status::InvalidArgument("argon2id hash must be 16 to 64 bytes");
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

// Raw argon2id output of `hash_bytes` bytes; nullopt when libargon2 fails.
std::optional<std::string> Argon2id(std::string_view password, std::string_view salt,
                                    const PasswordParams& params, size_t hash_bytes) {
  std::string out(hash_bytes, '\0');
  const int rc =
      argon2id_hash_raw(params.iterations, params.memory_kib, params.parallelism, password.data(),
                        password.size(), salt.data(), salt.size(), out.data(), out.size());
  if (rc != ARGON2_OK) return std::nullopt;
  return out;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, const PasswordParams& params) {
  if (password.size() > kMaxPasswordBytes) {
    return Status::ValidationFailed("password must be at most 1024 bytes")
        .WithProblemCode("password_too_long");
  }
  STRATA_RETURN_IF_ERROR(CheckParams(params));
  const std::string salt = RandomBytes(kPasswordSaltBytes);
  std::optional<std::string> hash = Argon2id(password, salt, params, kPasswordHashBytes);
  if (!hash.has_value()) return Status::Internal("argon2id hashing failed");
  return std::string(kPrefix) + "m=" + std::to_string(params.memory_kib) +
         ",t=" + std::to_string(params.iterations) + ",p=" + std::to_string(params.parallelism) +
         "$" + Base64EncodeUnpadded(salt) + "$" + Base64EncodeUnpadded(*hash);
}

bool VerifyPassword(std::string_view password, std::string_view phc) {
  if (password.size() > kMaxPasswordBytes) return false;
  Result<ParsedPhc> parsed = ParsePhc(phc);
  if (!parsed.ok()) return false;
  std::optional<std::string> hash =
      Argon2id(password, parsed->salt, parsed->params, parsed->hash.size());
  return hash.has_value() && ConstantTimeEquals(*hash, parsed->hash);
}

bool NeedsRehash(std::string_view phc, const PasswordParams& current) {
  Result<ParsedPhc> parsed = ParsePhc(phc);
  if (!parsed.ok()) return true;
  const PasswordParams& stored = parsed->params;
  return stored.memory_kib < current.memory_kib || stored.iterations < current.iterations ||
         stored.parallelism < current.parallelism || parsed->salt.size() < kPasswordSaltBytes ||
         parsed->hash.size() < kPasswordHashBytes;
}

Result<PasswordParams> ParsePasswordParams(std::string_view phc) {
  STRATA_ASSIGN_OR_RETURN(ParsedPhc parsed, ParsePhc(phc));
  return parsed.params;
}

}  // namespace strata::security
