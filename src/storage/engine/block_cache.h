// BlockCache: decoded column chunks of segments, shared by every scan, bounded by bytes and
// evicted least-recently-used first. Chunks are immutable and handed out by shared_ptr, so
// eviction never disturbs a scan holding one.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "types/column_vector.h"

namespace strata::storage {

class BlockCache {
 public:
  explicit BlockCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  struct Key {
    uint64_t segment = 0;  // SegmentReader::cache_id()
    uint32_t column = 0;
    uint32_t chunk = 0;
    bool operator==(const Key&) const = default;
  };

  std::shared_ptr<const types::ColumnVector> Lookup(const Key& key);
  void Insert(const Key& key, std::shared_ptr<const types::ColumnVector> chunk);
  size_t capacity_bytes() const { return capacity_bytes_; }
  // Drops every chunk of a segment (after the segment is deleted).
  void EraseSegment(uint64_t segment);

  size_t bytes() const;

 private:
  struct KeyHash {
    size_t operator()(const Key& key) const {
      return std::hash<uint64_t>()(key.segment * 0x9E3779B97F4A7C15ULL ^
                                   (static_cast<uint64_t>(key.column) << 32 | key.chunk));
    }
  };
  struct Entry {
    Key key;
    std::shared_ptr<const types::ColumnVector> chunk;
    size_t bytes;
  };

  const size_t capacity_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // Front: most recently used.
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;
  size_t bytes_ = 0;
};

}  // namespace strata::storage
