#include "security/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>

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

std::string HmacSha1(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  STRATA_CHECK(HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
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

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const unsigned char* Bytes(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

}  // namespace

Ed25519KeyPair GenerateEd25519KeyPair() {
  Ed25519KeyPair pair;
  pair.private_key = RandomBytes(32);
  pair.public_key = Ed25519PublicKey(pair.private_key);
  return pair;
}

std::string Ed25519PublicKey(std::string_view private_key) {
  STRATA_CHECK(private_key.size() == 32);
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(private_key),
                                           private_key.size()));
  STRATA_CHECK(key != nullptr);
  std::string out(32, '\0');
  size_t size = out.size();
  STRATA_CHECK(EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(out.data()),
                                           &size) == 1 &&
               size == 32);
  return out;
}

std::string Ed25519Sign(std::string_view private_key, std::string_view message) {
  STRATA_CHECK(private_key.size() == 32);
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(private_key),
                                           private_key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  STRATA_CHECK(key != nullptr && ctx != nullptr);
  STRATA_CHECK(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1);
  std::string signature(64, '\0');
  size_t size = signature.size();
  STRATA_CHECK(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                              Bytes(message), message.size()) == 1 &&
               size == 64);
  return signature;
}

bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (key == nullptr || ctx == nullptr) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                          message.size()) == 1;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace strata::security
