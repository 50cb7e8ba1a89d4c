#include "storage/crypto/data_key.h"

#include <openssl/crypto.h>

#include <cstring>

namespace strata::storage {
namespace {

constexpr std::string_view kAadPrefix = "strata-data-key:";

std::string DataKeyAad(std::string_view context) {
  std::string aad(kAadPrefix);
  aad += context;
  return aad;
}

std::string_view AsChars(const Key& key) {
  return {reinterpret_cast<const char*>(key.data()), key.size()};
}

}  // namespace

Result<Key> NewDataKey() {
  Key key;
  STRATA_RETURN_IF_ERROR(RandomBytes(key.data(), key.size()));
  return key;
}

Result<std::string> WrapDataKey(const Key& master, std::string_view context, const Key& data_key) {
  Nonce nonce;
  STRATA_RETURN_IF_ERROR(RandomBytes(nonce.data(), nonce.size()));
  std::string wrapped;
  wrapped.reserve(kWrappedDataKeyBytes);
  wrapped.push_back(static_cast<char>(kWrappedDataKeyVersion));
  wrapped.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  STRATA_RETURN_IF_ERROR(Seal(master, nonce, DataKeyAad(context), AsChars(data_key), wrapped));
  return wrapped;
}

Result<Key> UnwrapDataKey(const Key& master, std::string_view context, std::string_view wrapped) {
  const std::string where = "cannot unwrap the data key of '" + std::string(context) + "': ";
  if (wrapped.size() != kWrappedDataKeyBytes) {
    return Status::Corruption(where + "the stored wrapped key is " +
                              std::to_string(wrapped.size()) + " bytes, expected " +
                              std::to_string(kWrappedDataKeyBytes) + " (the record is damaged)");
  }
  const auto version = static_cast<uint8_t>(wrapped[0]);
  if (version != kWrappedDataKeyVersion) {
    return Status::Corruption(where + "unsupported wrapped key format version " +
                              std::to_string(version) + " (expected " +
                              std::to_string(kWrappedDataKeyVersion) +
                              "; the record is damaged or was written by a newer version)");
  }
  Nonce nonce;
  std::memcpy(nonce.data(), wrapped.data() + 1, kNonceBytes);
  std::string plain;
  const Status status =
      Open(master, nonce, DataKeyAad(context), wrapped.substr(1 + kNonceBytes), plain);
  if (!status.ok()) {
    if (status.code() != StatusCode::kCorruption) return status;  // OpenSSL itself failed.
    return Status::Corruption(
        where +
        "the master key does not match the one this data was encrypted with (or the key file "
        "is damaged). Check that the configured master key file is the one used when this "
        "dataset was created (compare key fingerprints in the logs); if it is, the stored "
        "wrapped key belongs to another dataset or is damaged");
  }
  Key key;
  std::memcpy(key.data(), plain.data(), kKeyBytes);  // Open verified the length: 32 bytes.
  OPENSSL_cleanse(plain.data(), plain.size());
  return key;
}

}  // namespace strata::storage
