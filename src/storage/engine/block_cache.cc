#include "storage/engine/block_cache.h"

namespace strata::storage {

std::shared_ptr<const types::ColumnVector> BlockCache::Lookup(const Key& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->chunk;
}

void BlockCache::Insert(const Key& key, std::shared_ptr<const types::ColumnVector> chunk) {
  const size_t bytes = chunk->MemoryBytes() + sizeof(Entry);
  if (bytes > capacity_bytes_) return;
  std::lock_guard lock(mu_);
  if (index_.contains(key)) return;
  lru_.push_front(Entry{key, std::move(chunk), bytes});
  index_[key] = lru_.begin();
  bytes_ += bytes;
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void BlockCache::EraseSegment(uint64_t segment) {
  std::lock_guard lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->key.segment == segment) {
      bytes_ -= it->bytes;
      index_.erase(it->key);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t BlockCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace strata::storage
