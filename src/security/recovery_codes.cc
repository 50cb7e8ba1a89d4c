#include "security/recovery_codes.h"

#include <set>

#include "common/strings.h"
#include "security/crypto.h"

namespace strata::security {
namespace {

constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford, lower case.
constexpr size_t kGroupChars = 5;

std::string GenerateOne() {
  const std::string random = RandomBytes(2 * kGroupChars);
  std::string code;
  for (size_t char_idx = 0; char_idx < random.size(); ++char_idx) {
    if (char_idx == kGroupChars) code.push_back('-');
    code.push_back(kAlphabet[static_cast<uint8_t>(random[char_idx]) & 31]);  // 256 % 32 == 0.
  }
  return code;
}

std::string Normalise(std::string_view code) {
  std::string out;
  out.reserve(code.size());
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == 'i' || c == 'l') c = '1';
    if (c == 'o') c = '0';
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::vector<std::string> GenerateRecoveryCodes(size_t count) {
  std::vector<std::string> codes;
  std::set<std::string> seen;
  while (codes.size() < count) {
    std::string code = GenerateOne();
    if (seen.insert(code).second) codes.push_back(std::move(code));
  }
  return codes;
}

std::string HashRecoveryCode(std::string_view code) { return HexEncode(Sha256(Normalise(code))); }

}  // namespace strata::security
