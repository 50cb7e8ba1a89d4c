#include "security/pii_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>

#include "common/check.h"

namespace strata::security {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

unsigned char* MutableBytes(std::string& data) {
  return reinterpret_cast<unsigned char*>(data.data());
}
const unsigned char* Bytes(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

// Fetched once: EVP_CIPHER_fetch looks the algorithm up in the provider tables.
const EVP_CIPHER* Siv() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-SIV", nullptr);
  STRATA_CHECK(cipher != nullptr);
  return cipher;
}

}  // namespace

std::string HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                       size_t length) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  STRATA_CHECK(kdf != nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  STRATA_CHECK(ctx != nullptr);
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  size_t count = 0;
  params[count++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[count++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                      const_cast<char*>(ikm.data()), ikm.size());
  if (!salt.empty()) {
    params[count++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size());
  }
  params[count++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                      const_cast<char*>(info.data()), info.size());
  params[count] = OSSL_PARAM_construct_end();
  std::string out(length, '\0');
  const int derived = EVP_KDF_derive(ctx, MutableBytes(out), length, params);
  EVP_KDF_CTX_free(ctx);
  STRATA_CHECK(derived == 1);
  return out;
}

std::string SivSeal(std::string_view key, std::span<const std::string_view> associated_data,
                    std::string_view plaintext) {
  STRATA_CHECK(key.size() == kSivKeyBytes && !plaintext.empty());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  STRATA_CHECK(ctx != nullptr);
  STRATA_CHECK(EVP_EncryptInit_ex2(ctx.get(), Siv(), Bytes(key), nullptr, nullptr) == 1);
  int length = 0;
  for (std::string_view component : associated_data) {
    STRATA_CHECK(EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(component),
                                   static_cast<int>(component.size())) == 1);
  }
  std::string out(kSivTagBytes + plaintext.size(), '\0');
  unsigned char* ciphertext = MutableBytes(out) + kSivTagBytes;
  STRATA_CHECK(EVP_EncryptUpdate(ctx.get(), ciphertext, &length, Bytes(plaintext),
                                 static_cast<int>(plaintext.size())) == 1);
  int final_length = 0;
  STRATA_CHECK(EVP_EncryptFinal_ex(ctx.get(), ciphertext + length, &final_length) == 1);
  STRATA_CHECK(
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kSivTagBytes, MutableBytes(out)) == 1);
  return out;
}

std::optional<std::string> SivOpen(std::string_view key,
                                   std::span<const std::string_view> associated_data,
                                   std::string_view sealed) {
  if (key.size() != kSivKeyBytes || sealed.size() <= kSivTagBytes) return std::nullopt;
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr || EVP_DecryptInit_ex2(ctx.get(), Siv(), Bytes(key), nullptr, nullptr) != 1) {
    return std::nullopt;
  }
  std::string tag(sealed.substr(0, kSivTagBytes));
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kSivTagBytes, tag.data()) != 1) {
    return std::nullopt;
  }
  int length = 0;
  for (std::string_view component : associated_data) {
    if (EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(component),
                          static_cast<int>(component.size())) != 1) {
      return std::nullopt;
    }
  }
  const std::string_view ciphertext = sealed.substr(kSivTagBytes);
  std::string plaintext(ciphertext.size(), '\0');
  if (EVP_DecryptUpdate(ctx.get(), MutableBytes(plaintext), &length, Bytes(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1) {
    return std::nullopt;
  }
  int final_length = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), MutableBytes(plaintext) + length, &final_length) != 1) {
    return std::nullopt;
  }
  plaintext.resize(static_cast<size_t>(length + final_length));
  return plaintext;
}

}  // namespace strata::security
