#include "storage/crypto/aes_gcm.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace strata::storage {
namespace {

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

// EVP takes int lengths; larger inputs are fed in chunks.
constexpr size_t kMaxChunk = size_t{1} << 30;

// Internal error carrying OpenSSL's reason; clears the thread's error queue.
Status OpenSslError(std::string_view what) {
  std::string message(what);
  const unsigned long err = ERR_peek_last_error();
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    message += ": ";
    message += buf;
  }
  ERR_clear_error();
  return Status::Internal(message);
}

Status AuthenticationFailed(std::string_view detail) {
  ERR_clear_error();
  std::string message = "authentication failed: ";
  message += detail;
  return Status::Corruption(message);
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Feeds `aad` into an initialized encrypt (encrypt=true) or decrypt context.
bool UpdateAad(EVP_CIPHER_CTX* ctx, bool encrypt, std::string_view aad) {
  while (!aad.empty()) {
    const size_t n = std::min(aad.size(), kMaxChunk);
    int out_len = 0;
    const int rc = encrypt
                       ? EVP_EncryptUpdate(ctx, nullptr, &out_len, Bytes(aad), static_cast<int>(n))
                       : EVP_DecryptUpdate(ctx, nullptr, &out_len, Bytes(aad), static_cast<int>(n));
    if (rc != 1) return false;
    aad.remove_prefix(n);
  }
  return true;
}

// Transforms `in` into dst[0, in.size()) (GCM is a stream mode: output length == input length).
bool UpdateData(EVP_CIPHER_CTX* ctx, bool encrypt, std::string_view in, uint8_t* dst) {
  while (!in.empty()) {
    const size_t n = std::min(in.size(), kMaxChunk);
    int out_len = 0;
    const int rc = encrypt ? EVP_EncryptUpdate(ctx, dst, &out_len, Bytes(in), static_cast<int>(n))
                           : EVP_DecryptUpdate(ctx, dst, &out_len, Bytes(in), static_cast<int>(n));
    if (rc != 1 || static_cast<size_t>(out_len) != n) return false;
    in.remove_prefix(n);
    dst += n;
  }
  return true;
}

}  // namespace

Status Seal(const Key& key, const Nonce& nonce, std::string_view aad, std::string_view plaintext,
            std::string& out) {
  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("AES-GCM: cannot allocate cipher context");
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()) != 1) {
    return OpenSslError("AES-GCM: cannot initialize encryption");
  }
  if (!UpdateAad(ctx.get(), /*encrypt=*/true, aad)) {
    return OpenSslError("AES-GCM: cannot authenticate associated data");
  }
  const size_t old_size = out.size();
  out.resize(old_size + plaintext.size() + kTagBytes);
  uint8_t* dst = reinterpret_cast<uint8_t*>(out.data()) + old_size;
  int final_len = 0;
  if (!UpdateData(ctx.get(), /*encrypt=*/true, plaintext, dst) ||
      EVP_EncryptFinal_ex(ctx.get(), dst + plaintext.size(), &final_len) != 1 || final_len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes),
                          dst + plaintext.size()) != 1) {
    out.resize(old_size);
    return OpenSslError("AES-GCM: encryption failed");
  }
  return Status();
}

Status Open(const Key& key, const Nonce& nonce, std::string_view aad, std::string_view sealed,
            std::string& out) {
  out.clear();
  if (sealed.size() < kTagBytes) {
    return AuthenticationFailed("sealed data is " + std::to_string(sealed.size()) +
                                " bytes, shorter than the " + std::to_string(kTagBytes) +
                                "-byte tag");
  }
  const std::string_view ciphertext = sealed.substr(0, sealed.size() - kTagBytes);
  // The tag buffer is non-const for EVP_CTRL_GCM_SET_TAG's signature.
  std::array<uint8_t, kTagBytes> tag;
  std::copy_n(Bytes(sealed) + ciphertext.size(), kTagBytes, tag.begin());

  CtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return OpenSslError("AES-GCM: cannot allocate cipher context");
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data()) != 1) {
    return OpenSslError("AES-GCM: cannot initialize decryption");
  }
  if (!UpdateAad(ctx.get(), /*encrypt=*/false, aad)) {
    return OpenSslError("AES-GCM: cannot authenticate associated data");
  }
  out.resize(ciphertext.size());
  if (!UpdateData(ctx.get(), /*encrypt=*/false, ciphertext,
                  reinterpret_cast<uint8_t*>(out.data()))) {
    OPENSSL_cleanse(out.data(), out.size());
    out.clear();
    return OpenSslError("AES-GCM: decryption failed");
  }
  uint8_t final_block[16];  // GCM final emits nothing; EVP still wants a buffer.
  int final_len = 0;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                          tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), final_block, &final_len) != 1 || final_len != 0) {
    // Unverified plaintext must not leak, not even through a reused buffer.
    OPENSSL_cleanse(out.data(), out.size());
    out.clear();
    return AuthenticationFailed(
        "the data was modified, or the key, nonce or associated data differ from sealing");
  }
  return Status();
}

Status RandomBytes(void* out, size_t n) {
  auto* dst = static_cast<unsigned char*>(out);
  while (n > 0) {
    const size_t chunk = std::min(n, static_cast<size_t>(INT_MAX));
    if (RAND_bytes(dst, static_cast<int>(chunk)) != 1) {
      return OpenSslError("the random number generator failed");
    }
    dst += chunk;
    n -= chunk;
  }
  return Status();
}

}  // namespace strata::storage
