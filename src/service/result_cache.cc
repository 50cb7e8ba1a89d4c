#include "service/result_cache.h"

namespace strata::service {

size_t CachedResult::MemoryBytes() const {
  size_t bytes = sizeof(CachedResult);
  bytes += rows.MemoryBytes();
  for (const exec::ResultColumn& column : columns) bytes += column.name.size() + 32;
  return bytes;
}

std::shared_ptr<const CachedResult> ResultCache::Find(const std::string& key) {
  if (!enabled()) return nullptr;
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->result;
}

void ResultCache::Insert(const std::string& key, std::shared_ptr<const CachedResult> result) {
  if (!enabled()) return;
  const size_t bytes = result->MemoryBytes() + key.size();
  if (bytes > capacity_bytes_ / 4) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front({key, std::move(result), bytes});
  index_[key] = lru_.begin();
  bytes_ += bytes;
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

size_t ResultCache::size_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace strata::service
