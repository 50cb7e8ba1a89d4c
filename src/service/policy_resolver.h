// The PolicyResolver (service/query_catalog.h) that enforces row and field policies: for
// each read, the dataset's policies from a PolicySource, compiled for the caller
// (service/policy_compiler.h) with the dataset's PII keys.
// Thread safety: the resolver is thread-safe when its PolicySource is.
#pragma once

#include <functional>
#include <string_view>

#include "common/result.h"
#include "meta/records.h"
#include "security/authorizer.h"
#include "security/pii_transforms.h"
#include "security/policy.h"
#include "service/query_catalog.h"

namespace strata::service {

// Where the policies of a dataset are kept (the access service implements it over the
// metastore).
class PolicySource {
 public:
  virtual ~PolicySource() = default;
  // The policies of `dataset_id`: empty when it has none. An error fails the read (fail
  // closed), never reads without policies.
  virtual Result<security::DatasetPolicies> PoliciesFor(std::string_view dataset_id) = 0;
};

// A source without policies: only the pii default applies (pii fields masked for callers
// without pii:read).
class NoPolicies : public PolicySource {
 public:
  Result<security::DatasetPolicies> PoliciesFor(std::string_view) override {
    return security::DatasetPolicies();
  }
};

// The caller as policies see it on a dataset: groups, roles held there, attributes, pii:read.
using SubjectResolver = std::function<security::PolicySubject(const security::Principal& caller,
                                                              const meta::DatasetRecord& dataset)>;

// Roles held everywhere (Principal::roles) and pii:read from `authorizer`; what applies
// until grants per dataset exist. `authorizer` must outlive the resolver.
SubjectResolver GlobalRoleSubjects(const security::Authorizer& authorizer);

// `source` and `keyring` must outlive the resolver.
PolicyResolver MakePolicyResolver(PolicySource& source, const security::PiiKeyring& keyring,
                                  SubjectResolver subjects);

}  // namespace strata::service
