// StoredPolicySource: the PolicySource of the server — each dataset's row and field policies
// as the metastore keeps them (meta::IdentityStore::GetDatasetPolicies), parsed once and
// cached per dataset.
//
// Freshness: whoever writes a dataset's policies calls Invalidate(dataset id) after the
// write commits (service/access_service.h does), so the next read sees the change. A cached
// entry also belongs to one incarnation of its dataset (DatasetRecord::created_at): a
// dataset deleted and created again under the same id never reads its predecessor's entry.
// Renames and other schema changes do not rewrite stored policies (they name fields by id),
// so they need no invalidation.
// Thread safety: thread-safe. A load that races an Invalidate of its dataset is not cached,
// so an entry never outlives the write that invalidated it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "meta/identity_store.h"
#include "service/policy_resolver.h"

namespace strata::service {

class StoredPolicySource : public PolicySource {
 public:
  // At most `max_entries` datasets are cached; past that the cache starts over.
  // `store` must outlive the source.
  explicit StoredPolicySource(meta::IdentityStore& store, size_t max_entries = 4096)
      : store_(store), max_entries_(max_entries) {}

  // Errors: Corruption when the stored document does not parse; the store's errors.
  Result<std::shared_ptr<const security::DatasetPolicies>> PoliciesFor(
      const meta::DatasetRecord& dataset) override;

  // Drops the cached policies of `dataset_id`; the next read loads them again.
  void Invalidate(std::string_view dataset_id);

  // Loads from the store so far (tests check that the cache serves repeated reads).
  uint64_t LoadsForTest() const;

 private:
  struct Entry {
    int64_t created_at = 0;  // The dataset incarnation the policies belong to.
    std::shared_ptr<const security::DatasetPolicies> policies;
  };

  meta::IdentityStore& store_;
  const size_t max_entries_;
  mutable std::mutex mu_;  // Guards the members below.
  std::unordered_map<std::string, Entry> entries_;
  uint64_t generation_ = 0;  // Advanced by every Invalidate.
  uint64_t loads_ = 0;
};

}  // namespace strata::service
