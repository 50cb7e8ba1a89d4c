#include "security/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/check.h"

namespace strata::security {

std::string Sha256(std::string_view data) {
  unsigned char digest[32];
  unsigned int size = 0;
  STRATA_CHECK(EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) == 1);
  return std::string(reinterpret_cast<char*>(digest), size);
}

std::string Sha1(std::string_view data) {
  unsigned char digest[20];
  unsigned int size = 0;
  STRATA_CHECK(EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha1(), nullptr) == 1);
  return std::string(reinterpret_cast<char*>(digest), size);
}

std::string Md5(std::string_view data) {
  unsigned char digest[16];
  unsigned int size = 0;
  STRATA_CHECK(EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr) == 1);
  return std::string(reinterpret_cast<char*>(digest), size);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  STRATA_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                    reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
                    &size) != nullptr);
  return std::string(reinterpret_cast<char*>(mac), size);
}

std::string RandomBytes(size_t count) {
  std::string out(count, '\0');
  STRATA_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) ==
               1);
  return out;
}

std::string RandomBase62(size_t count) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(count);
  while (out.size() < count) {
    for (unsigned char byte : RandomBytes(count)) {
      if (byte >= 248) continue;  // 248 = 4 * 62: reject to keep the choice uniform.
      out.push_back(kAlphabet[byte % 62]);
      if (out.size() == count) break;
    }
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace strata::security
