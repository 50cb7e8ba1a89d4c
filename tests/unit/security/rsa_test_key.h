// RsaTestKey: an RS256 key made with OpenSSL directly, standing in for an external issuer's
// key in the JWT verifier tests (SigningKey makes only ES256 and EdDSA keys).
#pragma once

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <string>
#include <string_view>

#include "common/strings.h"

namespace strata::security {

struct RsaTestKey {
  EVP_PKEY* pkey = nullptr;  // Leaked on purpose: a few per test binary.
  std::string n, e;          // Base64url modulus and public exponent.
  std::string pem;           // SubjectPublicKeyInfo PEM of the public key.
};

// The base64url big-endian bytes of the key's BIGNUM parameter `name`.
inline std::string RsaParamBase64Url(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return Base64UrlEncode(out);
}

inline RsaTestKey MakeRsaTestKey(int bits) {
  RsaTestKey key;
  key.pkey = EVP_RSA_gen(static_cast<unsigned int>(bits));
  EXPECT_NE(key.pkey, nullptr);
  key.n = RsaParamBase64Url(key.pkey, OSSL_PKEY_PARAM_RSA_N);
  key.e = RsaParamBase64Url(key.pkey, OSSL_PKEY_PARAM_RSA_E);
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PUBKEY(bio, key.pkey), 1);
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  key.pem.assign(mem->data, mem->length);
  BIO_free(bio);
  return key;
}

// RSASSA-PKCS1-v1_5 with SHA-256 (RS256) over `input`.
inline std::string RsaSha256Sign(EVP_PKEY* pkey, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey), 1);
  size_t size = 0;
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &size,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  std::string signature(size, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  signature.resize(size);
  return signature;
}

}  // namespace strata::security
