// DatasetCache: the current record of recently read datasets, so reads of dataset metadata
// (every request that names a dataset) do not go to the metastore.
//
// Correctness: valid while this process makes every write to the metastore, which the data
// directory lock guarantees for the embedded control plane. Every write calls Invalidate()
// after it commits. A read that raced with a write must not put back what the write replaced:
// Insert() is refused unless no write happened since the reader's Generation().
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "meta/records.h"

namespace strata::service {

// A dataset's current record with its ETag and JSON form (dataset_codec.h), computed once
// per revision.
struct DatasetDocument {
  meta::DatasetRecord record;
  std::string etag;
  std::string json;
};

class DatasetCache {
 public:
  static constexpr size_t kMaxEntries = 4096;

  std::shared_ptr<const DatasetDocument> Find(std::string_view id) const {
    std::shared_lock lock(mu_);
    auto it = entries_.find(std::string(id));
    return it == entries_.end() ? nullptr : it->second;
  }

  // Read before loading from the store; pass to Insert.
  uint64_t Generation() const {
    std::shared_lock lock(mu_);
    return generation_;
  }

  void Insert(uint64_t generation, std::shared_ptr<const DatasetDocument> document) {
    std::unique_lock lock(mu_);
    if (generation != generation_) return;  // A write happened meanwhile; the read may be stale.
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[document->record.id] = std::move(document);
  }

  void Invalidate(std::string_view id) {
    std::unique_lock lock(mu_);
    ++generation_;
    entries_.erase(std::string(id));
  }

 private:
  mutable std::shared_mutex mu_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const DatasetDocument>> entries_;
};

}  // namespace strata::service
