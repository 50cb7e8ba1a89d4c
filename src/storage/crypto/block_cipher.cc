#include "storage/crypto/block_cipher.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "common/check.h"

namespace strata::storage {
namespace {

constexpr std::string_view kBlockAadTag = "strata-block:";

void AppendBigEndian64(uint64_t value, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

}  // namespace

Result<NoncePrefix> NewNoncePrefix() {
  NoncePrefix prefix;
  STRATA_RETURN_IF_ERROR(RandomBytes(prefix.data(), prefix.size()));
  return prefix;
}

std::string BlockAad(std::string_view dataset, std::string_view file, uint64_t block_index) {
  std::string aad;
  aad.reserve(kBlockAadTag.size() + 3 * 8 + dataset.size() + file.size());
  aad.append(kBlockAadTag);
  AppendBigEndian64(dataset.size(), aad);
  aad.append(dataset);
  AppendBigEndian64(file.size(), aad);
  aad.append(file);
  AppendBigEndian64(block_index, aad);
  return aad;
}

BlockCipher::BlockCipher(Key data_key, NoncePrefix prefix, uint64_t reserved_until,
                         PersistFn persist_reservation, uint64_t reservation_step)
    : key_(data_key),
      prefix_(prefix),
      persist_reservation_(std::move(persist_reservation)),
      reservation_step_(reservation_step == 0 ? 1 : reservation_step),
      next_counter_(reserved_until),
      reserved_until_(reserved_until) {
  STRATA_DCHECK(reservation_step > 0);
  STRATA_DCHECK(persist_reservation_ != nullptr);
  OPENSSL_cleanse(data_key.data(), data_key.size());
}

BlockCipher::~BlockCipher() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<uint64_t> BlockCipher::NextCounter() {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_counter_ >= reserved_until_) {
    if (next_counter_ > std::numeric_limits<uint64_t>::max() - reservation_step_) {
      return Status::ResourceExhausted(
          "block encryption nonce counter exhausted; rotate the dataset's data key");
    }
    const uint64_t new_reservation = next_counter_ + reservation_step_;
    STRATA_RETURN_IF_ERROR(persist_reservation_(new_reservation));
    reserved_until_ = new_reservation;
  }
  return next_counter_++;
}

Status BlockCipher::Seal(std::string_view aad, std::string_view plaintext, std::string& out) {
  STRATA_ASSIGN_OR_RETURN(const uint64_t counter, NextCounter());
  Nonce nonce;
  std::copy(prefix_.begin(), prefix_.end(), nonce.begin());
  for (size_t byte_idx = 0; byte_idx < 8; ++byte_idx) {
    nonce[kNoncePrefixBytes + byte_idx] = static_cast<uint8_t>(counter >> (56 - 8 * byte_idx));
  }
  const size_t old_size = out.size();
  out.reserve(old_size + plaintext.size() + kSealOverhead);
  out.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  const Status status = storage::Seal(key_, nonce, aad, plaintext, out);
  if (!status.ok()) out.resize(old_size);  // The counter stays consumed, never reused.
  return status;
}

Status BlockCipher::Open(std::string_view aad, std::string_view sealed, std::string& out) const {
  if (sealed.size() < kSealOverhead) {
    out.clear();
    return Status::Corruption("authentication failed: encrypted block is " +
                              std::to_string(sealed.size()) + " bytes, shorter than the " +
                              std::to_string(kSealOverhead) + "-byte minimum");
  }
  Nonce nonce;
  std::copy_n(sealed.begin(), kNonceBytes, nonce.begin());
  return storage::Open(key_, nonce, aad, sealed.substr(kNonceBytes), out);
}

}  // namespace strata::storage
