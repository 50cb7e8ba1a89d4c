// ResultCache: a bounded LRU of query results (first JSON pages), keyed by everything that
// decides a result — the normalised plan, its parameters (bound into the plan), the caller's
// policy fingerprint and the read dataset's version (its last committed sequence number and
// schema version). A commit changes the version, so a cached result is never served stale:
// it simply stops being found and ages out.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/executor.h"
#include "exec/row_sink.h"
#include "types/column_vector.h"

namespace strata::service {

struct CachedResult {
  std::vector<exec::ResultColumn> columns;
  exec::ResultRows rows;
  exec::ExecStats stats;  // stats.scan.snapshot_seq: the snapshot the result was read at.
  bool more = false;      // Rows follow this page (the reader builds its own cursor).

  size_t MemoryBytes() const;
};

class ResultCache {
 public:
  // 0 disables the cache.
  explicit ResultCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  bool enabled() const { return capacity_bytes_ > 0; }
  std::shared_ptr<const CachedResult> Find(const std::string& key);
  // Results larger than a quarter of the capacity are not kept.
  void Insert(const std::string& key, std::shared_ptr<const CachedResult> result);

  size_t size_bytes() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedResult> result;
    size_t bytes;
  };
  const size_t capacity_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // Most recent first.
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace strata::service
