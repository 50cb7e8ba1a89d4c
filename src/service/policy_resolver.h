// The PolicyResolver (service/query_catalog.h) that enforces row and field policies: for
// each read, the dataset's policies from a PolicySource, compiled for the caller
// (service/policy_compiler.h) with the dataset's PII keys.
// Thread safety: the resolver is thread-safe when its PolicySource is.
#pragma once

#include <functional>
#include <memory>

#include "common/result.h"
#include "meta/records.h"
#include "security/authorizer.h"
#include "security/pii_transforms.h"
#include "security/policy.h"
#include "service/query_catalog.h"

namespace strata::service {

// Where the policies of a dataset are kept (service/stored_policy_source.h: the metastore).
class PolicySource {
 public:
  virtual ~PolicySource() = default;
  // The policies of `dataset` (this incarnation of its id: a dataset deleted and created
  // again has none of its predecessor's): empty when it has none. Never null. An error fails
  // the read (fail closed), never reads without policies.
  virtual Result<std::shared_ptr<const security::DatasetPolicies>> PoliciesFor(
      const meta::DatasetRecord& dataset) = 0;
};

// A source without policies: only the pii default applies (pii fields masked for callers
// without pii:read).
class NoPolicies : public PolicySource {
 public:
  Result<std::shared_ptr<const security::DatasetPolicies>> PoliciesFor(
      const meta::DatasetRecord&) override {
    return none_;
  }

 private:
  const std::shared_ptr<const security::DatasetPolicies> none_ =
      std::make_shared<security::DatasetPolicies>();
};

// The caller as policies see it on a dataset: groups, roles held there, attributes, pii:read.
using SubjectResolver = std::function<security::PolicySubject(const security::Principal& caller,
                                                              const meta::DatasetRecord& dataset)>;

// The roles the caller holds on the dataset (those on every dataset, then those granted on
// it: security::RolesOn) and pii:read there (Authorizer::HasOn, credential scopes included).
// `authorizer` must outlive the resolver.
SubjectResolver DatasetRoleSubjects(const security::Authorizer& authorizer);

// `source` and `keyring` must outlive the resolver.
PolicyResolver MakePolicyResolver(PolicySource& source, const security::PiiKeyring& keyring,
                                  SubjectResolver subjects);

}  // namespace strata::service
