#include "security/jws_crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <bit>
#include <optional>

#include "common/check.h"

namespace strata::security::internal {

class EvpKey {
 public:
  explicit EvpKey(EVP_PKEY* key) : key_(key) {}
  ~EvpKey() { EVP_PKEY_free(key_); }
  EvpKey(const EvpKey&) = delete;
  EvpKey& operator=(const EvpKey&) = delete;

  // OpenSSL takes keys by non-const pointer even for operations that only read them.
  EVP_PKEY* get() const { return key_; }

 private:
  EVP_PKEY* key_;
};

namespace {

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

const unsigned char* Bytes(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

BnPtr ToBn(std::string_view big_endian) {
  return BnPtr(BN_bin2bn(Bytes(big_endian), static_cast<int>(big_endian.size()), nullptr));
}

std::string FromBn(const BIGNUM* bn, size_t size) {
  std::string out(size, '\0');
  STRATA_CHECK(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                            static_cast<int>(size)) == static_cast<int>(size));
  return out;
}

std::string GetBnParam(const EVP_PKEY* key, const char* name, size_t size) {
  BIGNUM* raw = nullptr;
  STRATA_CHECK(EVP_PKEY_get_bn_param(key, name, &raw) == 1);
  BnPtr bn(raw);
  return FromBn(bn.get(), size);
}

// Builds a key of `type` from `bld`'s parameters; nullptr when OpenSSL refuses them.
EVP_PKEY* FromData(const char* type, int selection, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

// A P-256 public key, or a key pair when `d` is set.
Result<EvpKeyPtr> P256Key(std::optional<std::string_view> d, std::string_view x,
                          std::string_view y) {
  if (x.size() != kP256FieldBytes || y.size() != kP256FieldBytes) {
    return Status::InvalidArgument("P-256 coordinates must be 32 bytes each");
  }
  if (d.has_value() && d->size() != kP256FieldBytes) {
    return Status::InvalidArgument("a P-256 private key must be 32 bytes");
  }
  std::string point = "\x04";  // Uncompressed SEC1 encoding.
  point.append(x);
  point.append(y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  BnPtr private_scalar = d.has_value() ? ToBn(*d) : nullptr;
  STRATA_CHECK(bld != nullptr && (!d.has_value() || private_scalar != nullptr));
  STRATA_CHECK(
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1);
  STRATA_CHECK(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                                point.size()) == 1);
  if (d.has_value()) {
    STRATA_CHECK(
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, private_scalar.get()) == 1);
  }
  const int selection = d.has_value() ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  auto key = std::make_shared<const EvpKey>(FromData("EC", selection, bld.get()));
  if (key->get() == nullptr) return Status::InvalidArgument("P-256 point is not on the curve");
  // Point on the curve, not infinity, of the right order; for a pair, d in [1, n) and
  // d * G == (x, y).
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  STRATA_CHECK(check != nullptr);
  const bool valid =
      d.has_value() ? EVP_PKEY_check(check.get()) == 1 : EVP_PKEY_public_check(check.get()) == 1;
  ERR_clear_error();
  if (!valid) {
    return Status::InvalidArgument(d.has_value() ? "P-256 private key does not match its point"
                                                 : "P-256 public key is invalid");
  }
  return EvpKeyPtr(std::move(key));
}

bool DigestVerify(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  STRATA_CHECK(ctx != nullptr);
  const bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(input),
                                   input.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace

Result<EvpKeyPtr> P256PublicKey(std::string_view x, std::string_view y) {
  return P256Key(std::nullopt, x, y);
}

Result<EvpKeyPtr> P256PrivateKey(std::string_view d, std::string_view x, std::string_view y) {
  return P256Key(d, x, y);
}

P256KeyPair GenerateP256KeyPair() {
  EVP_PKEY* raw = EVP_EC_gen("P-256");
  STRATA_CHECK(raw != nullptr);
  auto key = std::make_shared<const EvpKey>(raw);
  P256KeyPair pair;
  pair.d = GetBnParam(raw, OSSL_PKEY_PARAM_PRIV_KEY, kP256FieldBytes);
  pair.x = GetBnParam(raw, OSSL_PKEY_PARAM_EC_PUB_X, kP256FieldBytes);
  pair.y = GetBnParam(raw, OSSL_PKEY_PARAM_EC_PUB_Y, kP256FieldBytes);
  pair.key = std::move(key);
  return pair;
}

Result<EvpKeyPtr> RsaPublicKey(std::string_view n, std::string_view e) {
  while (!n.empty() && n.front() == '\0') n.remove_prefix(1);
  while (!e.empty() && e.front() == '\0') e.remove_prefix(1);
  const size_t bits =
      n.empty() ? 0 : (n.size() - 1) * 8 + std::bit_width(static_cast<uint8_t>(n.front()));
  if (bits < kMinRsaBits || bits > kMaxRsaBits || (n.back() & 1) == 0) {
    return Status::InvalidArgument("RSA modulus must be odd and of 2048 to 8192 bits");
  }
  if (e.empty() || e.size() > 8 || (e.back() & 1) == 0 || (e.size() == 1 && e[0] == 1)) {
    return Status::InvalidArgument("RSA exponent must be odd, greater than 1 and at most 64 bits");
  }
  BnPtr modulus = ToBn(n);
  BnPtr exponent = ToBn(e);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  STRATA_CHECK(modulus != nullptr && exponent != nullptr && bld != nullptr);
  STRATA_CHECK(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) == 1);
  STRATA_CHECK(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) == 1);
  auto key = std::make_shared<const EvpKey>(FromData("RSA", EVP_PKEY_PUBLIC_KEY, bld.get()));
  if (key->get() == nullptr) return Status::InvalidArgument("RSA public key is invalid");
  return EvpKeyPtr(std::move(key));
}

std::string Es256Sign(const EvpKey& key, std::string_view signing_input) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  STRATA_CHECK(ctx != nullptr);
  STRATA_CHECK(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
  unsigned char der[80];  // A DER ECDSA-P256 signature is at most 72 bytes.
  size_t der_size = sizeof(der);
  STRATA_CHECK(
      EVP_DigestSign(ctx.get(), der, &der_size, Bytes(signing_input), signing_input.size()) == 1);
  const unsigned char* cursor = der;
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_size)));
  STRATA_CHECK(sig != nullptr);
  return FromBn(ECDSA_SIG_get0_r(sig.get()), kP256FieldBytes) +
         FromBn(ECDSA_SIG_get0_s(sig.get()), kP256FieldBytes);
}

bool Es256Verify(const EvpKey& key, std::string_view signing_input, std::string_view signature) {
  if (signature.size() != 2 * kP256FieldBytes) return false;
  BnPtr r = ToBn(signature.substr(0, kP256FieldBytes));
  BnPtr s = ToBn(signature.substr(kP256FieldBytes));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  STRATA_CHECK(r != nullptr && s != nullptr && sig != nullptr);
  STRATA_CHECK(ECDSA_SIG_set0(sig.get(), r.release(), s.release()) == 1);
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_size <= 0) return false;
  const bool ok = DigestVerify(
      key.get(), signing_input,
      std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(der_size)));
  OPENSSL_free(der);
  return ok;
}

bool Rs256Verify(const EvpKey& key, std::string_view signing_input, std::string_view signature) {
  if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key.get()))) return false;
  return DigestVerify(key.get(), signing_input, signature);
}

}  // namespace strata::security::internal
