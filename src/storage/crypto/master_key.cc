#include "storage/crypto/master_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/strings.h"

namespace strata::storage {
namespace {

constexpr size_t kHexKeyChars = 2 * kKeyBytes;
// A key file is tiny; refuse to slurp something huge that was configured by mistake.
constexpr size_t kMaxKeyFileBytes = 4096;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Wipes a buffer that held key material when it goes out of scope.
struct Wiper {
  std::string& buf;
  ~Wiper() { OPENSSL_cleanse(buf.data(), buf.size()); }
};

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

Status ReadError(const std::string& path, int err) {
  return Status::InvalidArgument("cannot read master key file " + Quoted(path) + ": " +
                                 std::strerror(err));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsTrailingSpace(char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; }

}  // namespace

Result<Key> LoadMasterKey(const std::string& path) {
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) return ReadError(path, errno);

  std::string contents;
  Wiper wipe{contents};
  contents.resize(kMaxKeyFileBytes + 1);
  const size_t size = std::fread(contents.data(), 1, contents.size(), file.get());
  if (std::ferror(file.get())) return ReadError(path, errno != 0 ? errno : EIO);
  if (size > kMaxKeyFileBytes) {
    return Status::InvalidArgument("master key file " + Quoted(path) +
                                   ": expected 32 raw bytes or 64 hex characters, found more "
                                   "than " +
                                   std::to_string(kMaxKeyFileBytes) + " bytes");
  }

  Key key;
  if (size == kKeyBytes) {  // Raw bytes, taken literally (even if the last one is '\n').
    std::memcpy(key.data(), contents.data(), kKeyBytes);
    return key;
  }

  size_t text_len = size;
  while (text_len > 0 && IsTrailingSpace(contents[text_len - 1])) --text_len;
  if (text_len != kHexKeyChars) {
    std::string message = "master key file " + Quoted(path) +
                          ": expected 32 raw bytes or 64 hex characters, found " +
                          std::to_string(size) + " bytes";
    if (text_len != size) {
      message += " (" + std::to_string(text_len) + " before trailing whitespace)";
    }
    return Status::InvalidArgument(message);
  }
  for (size_t byte_idx = 0; byte_idx < kKeyBytes; ++byte_idx) {
    const int hi = HexValue(contents[2 * byte_idx]);
    const int lo = HexValue(contents[2 * byte_idx + 1]);
    if (hi < 0 || lo < 0) {
      OPENSSL_cleanse(key.data(), key.size());
      const size_t offset = hi < 0 ? 2 * byte_idx : 2 * byte_idx + 1;
      // The offending character is not echoed: it is part of a secret.
      return Status::InvalidArgument(
          "master key file " + Quoted(path) + " has 64 characters but is not valid hex " +
          "(character at offset " + std::to_string(offset) +
          " is not 0-9 or a-f); expected 32 raw bytes or 64 hex characters");
    }
    key[byte_idx] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return key;
}

std::string MasterKeyFingerprint(const Key& key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &digest_len, EVP_sha256(), nullptr) != 1 ||
      digest_len < 8) {
    return "unknown";  // SHA-256 is always available; this is defensive only.
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), 8));
}

}  // namespace strata::storage
