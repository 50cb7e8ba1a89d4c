#include "service/policy_resolver.h"

#include "service/policy_compiler.h"

namespace strata::service {

SubjectResolver DatasetRoleSubjects(const security::Authorizer& authorizer) {
  return [&authorizer](const security::Principal& caller, const meta::DatasetRecord& dataset) {
    security::PolicySubject subject;
    subject.ref = caller.ref;
    subject.groups = caller.groups;
    subject.roles = security::RolesOn(caller, dataset.id);
    subject.attributes = caller.attributes;
    subject.pii_read = authorizer.HasOn(caller, security::Permission::kPiiRead, dataset.id);
    return subject;
  };
}

PolicyResolver MakePolicyResolver(PolicySource& source, const security::PiiKeyring& keyring,
                                  SubjectResolver subjects) {
  return [&source, &keyring, subjects = std::move(subjects)](
             const security::Principal& caller,
             const meta::DatasetRecord& dataset) -> Result<sql::PolicyContext> {
    STRATA_ASSIGN_OR_RETURN(std::shared_ptr<const security::DatasetPolicies> policies,
                            source.PoliciesFor(dataset));
    const security::PolicySubject subject = subjects(caller, dataset);
    return CompilePolicies(dataset.schema, *policies, subject,
                           keyring.KeysFor(dataset.id, dataset.created_at));
  };
}

}  // namespace strata::service
