#include "service/stored_policy_source.h"

#include "security/policy_json.h"

namespace strata::service {

Result<std::shared_ptr<const security::DatasetPolicies>> StoredPolicySource::PoliciesFor(
    const meta::DatasetRecord& dataset) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(dataset.id);
    if (it != entries_.end() && it->second.created_at == dataset.created_at) {
      return it->second.policies;
    }
    generation = generation_;
    ++loads_;
  }
  STRATA_ASSIGN_OR_RETURN(meta::DatasetPoliciesRecord record,
                          store_.GetDatasetPolicies(dataset.id));
  STRATA_ASSIGN_OR_RETURN(security::DatasetPolicies parsed,
                          security::DatasetPoliciesFromJson(record.body));
  auto policies = std::make_shared<const security::DatasetPolicies>(std::move(parsed));
  std::lock_guard lock(mu_);
  // An Invalidate since the read above may be for a write this read missed: serve what was
  // read (it was current when the read began) but do not keep it.
  if (generation == generation_) {
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[dataset.id] = Entry{dataset.created_at, policies};
  }
  return policies;
}

void StoredPolicySource::Invalidate(std::string_view dataset_id) {
  std::lock_guard lock(mu_);
  ++generation_;
  entries_.erase(std::string(dataset_id));
}

uint64_t StoredPolicySource::LoadsForTest() const {
  std::lock_guard lock(mu_);
  return loads_;
}

}  // namespace strata::service
