#include "service/access_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "common/ids.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "security/policy_json.h"
#include "service/policy_compiler.h"
#include "service/policy_resolver.h"

namespace strata::service {
namespace {

using security::Permission;

constexpr size_t kMaxGrantsPerRequest = 256;
constexpr std::string_view kKinds = "grants, row_policies or field_policies";

Status Invalid(std::vector<ErrorDetail> errors) {
  std::string detail = errors[0].where + ": " + errors[0].detail;
  if (errors.size() > 1) detail += " (and " + std::to_string(errors.size() - 1) + " more)";
  return Status::ValidationFailed(detail).WithErrors(std::move(errors));
}

Status KeptChanging(std::string_view dataset) {
  return Status::Conflict("the access of dataset '" + std::string(dataset) +
                          "' kept changing while this request ran; retry it")
      .WithProblemCode("access_conflict");
}

const types::Field* FieldWithId(const types::Schema& schema, uint32_t id) {
  for (const types::Field& field : schema.fields) {
    if (field.id == id) return &field;
  }
  return nullptr;
}

// `policy` as clients see it: its filter in the schema's current field names, without the
// field ids it stores (they are keyed by the names it was written with).
security::RowPolicy Shown(security::RowPolicy policy, const types::Schema& schema) {
  policy.filter = FilterWithCurrentNames(policy, schema);
  policy.field_ids.clear();
  return policy;
}

security::FieldPolicy Shown(security::FieldPolicy policy, const types::Schema& schema) {
  if (const types::Field* field = FieldWithId(schema, policy.field_id)) policy.field = field->name;
  return policy;
}

std::vector<AccessGrantSpec> DecodeGrants(const json::Value& body,
                                          std::vector<ErrorDetail>& errors) {
  std::vector<AccessGrantSpec> grants;
  const json::Value* list = body.Find("grants");
  if (list == nullptr || list->is_null()) return grants;
  if (!list->is_array()) {
    errors.push_back(ErrorDetail::Pointer(
        "/grants", "expected an array, got " + std::string(json::TypeName(list->type()))));
    return grants;
  }
  if (list->items().size() > kMaxGrantsPerRequest) {
    errors.push_back(ErrorDetail::Pointer(
        "/grants", "at most " + std::to_string(kMaxGrantsPerRequest) + " grants per request"));
    return grants;
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < list->items().size(); ++i) {
    const json::Value& item = list->items()[i];
    const std::string pointer = json::PointerAppend("/grants", i);
    if (!item.is_object()) {
      errors.push_back(
          ErrorDetail::Pointer(pointer, "expected an object {\"principal\", \"role\"}, got " +
                                            std::string(json::TypeName(item.type()))));
      continue;
    }
    AccessGrantSpec grant;
    bool ok = true;
    for (const auto& [key, member] : item.members()) {
      if (key != "principal" && key != "role") {
        errors.push_back(ErrorDetail::Pointer(
            json::PointerAppend(pointer, key),
            "unknown member '" + key + "'" + DidYouMean(key, {"principal", "role"})));
        ok = false;
      }
    }
    for (const auto& [key, target] :
         {std::pair<std::string_view, std::string*>{"principal", &grant.principal},
          {"role", &grant.role}}) {
      const json::Value* member = item.Find(key);
      const std::string where = json::PointerAppend(pointer, key);
      if (member == nullptr) {
        errors.push_back(ErrorDetail::Pointer(where, "required"));
        ok = false;
      } else if (!member->is_string() || member->string_value().empty()) {
        errors.push_back(ErrorDetail::Pointer(where, "expected a non-empty string"));
        ok = false;
      } else {
        *target = member->string_value();
      }
    }
    if (ok && seen.emplace(grant.principal, grant.role).second) grants.push_back(grant);
  }
  return grants;
}

// Replaces the policy of `stored` with `added`'s name (keeping its id), or appends `added`
// with a new id.
template <typename Policy>
void Merge(std::vector<Policy>& stored, Policy added) {
  for (Policy& policy : stored) {
    if (policy.name != added.name) continue;
    added.id = policy.id;
    policy = std::move(added);
    return;
  }
  added.id = NewUlid();
  stored.push_back(std::move(added));
}

template <typename Policy>
bool Erase(std::vector<Policy>& policies, std::string_view name) {
  auto it = std::find_if(policies.begin(), policies.end(),
                         [&](const Policy& policy) { return policy.name == name; });
  if (it == policies.end()) return false;
  policies.erase(it);
  return true;
}

}  // namespace

Result<AccessUpdate> DecodeAccessUpdate(const json::Value& body) {
  std::vector<ErrorDetail> errors;
  AccessUpdate update;
  static constexpr std::string_view kGrants[] = {"grants"};
  Result<security::DatasetPolicies> policies =
      security::DecodeDatasetPolicies(body, security::PolicyJsonMode::kRequest, kGrants);
  if (policies.ok()) {
    update.policies = std::move(policies).value();
  } else {
    for (ErrorDetail error : policies.status().errors()) {
      if (error.where == "/subject" || error.where == "/role") {
        error.detail =
            "unknown member; grants are added as {\"grants\": [{\"principal\": \"user:ana\", "
            "\"role\": \"reader\"}]}";
      }
      errors.push_back(std::move(error));
    }
  }
  if (!body.is_object()) return Invalid(std::move(errors));
  update.grants = DecodeGrants(body, errors);
  // A field policy without a name is named after its field: adding another such policy for
  // the field replaces it, and DELETE .../field_policies/<field> removes it.
  std::map<std::string, size_t> names;
  for (size_t i = 0; i < update.policies.field.size(); ++i) {
    security::FieldPolicy& policy = update.policies.field[i];
    const bool named = !policy.name.empty();
    if (!named) policy.name = policy.field;
    if (!names.emplace(policy.name, i).second) {
      errors.push_back(ErrorDetail::Pointer(
          json::PointerAppend("/field_policies", i) + (named ? "/name" : "/field"),
          "another field policy of this request is named '" + policy.name +
              "' (a field policy without a name is named after its field); name them apart"));
    }
  }
  update.has_policies = !update.policies.empty();
  if (errors.empty() && update.grants.empty() && !update.has_policies) {
    errors.push_back(
        ErrorDetail::Pointer("",
                             "nothing to add: give grants, row_policies or field_policies (DELETE "
                             ".../access/{kind}/{name} removes an entry)"));
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  return update;
}

Result<AccessDocument> AccessService::Get(const security::Principal& caller,
                                          std::string_view dataset) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kAccessRead, dataset));
  return Document(dataset);
}

Result<AccessDocument> AccessService::Document(std::string_view dataset) {
  STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord record, store_.GetDataset(dataset));
  STRATA_ASSIGN_OR_RETURN(meta::DatasetAccessRecord access,
                          store_.identity().GetDatasetAccess(dataset));
  STRATA_ASSIGN_OR_RETURN(security::DatasetPolicies policies,
                          security::DatasetPoliciesFromJson(access.policies.body));
  AccessDocument document;
  document.dataset = std::string(dataset);
  document.version = access.policies.revision;
  document.grants = std::move(access.grants);
  for (security::RowPolicy& policy : policies.row) {
    document.policies.row.push_back(Shown(std::move(policy), record.schema));
  }
  for (security::FieldPolicy& policy : policies.field) {
    document.policies.field.push_back(Shown(std::move(policy), record.schema));
  }
  return document;
}

void AccessService::CheckPrincipals(const AccessUpdate& update, std::vector<ErrorDetail>& errors) {
  for (size_t i = 0; i < update.grants.size(); ++i) {
    Status exists = identity_.CheckSubjectExists(update.grants[i].principal);
    if (exists.ok()) continue;
    errors.push_back(
        ErrorDetail::Pointer(json::PointerAppend(json::PointerAppend("/grants", i), "principal"),
                             std::string(exists.message())));
  }
}

void AccessService::PolicyChanged(std::string_view dataset, bool grants_changed) {
  if (policies_ != nullptr) policies_->Invalidate(dataset);
  if (grants_changed) authorizer_.NoteIdentityChanged();
}

Result<AccessDocument> AccessService::Update(const security::Principal& caller,
                                             std::string_view dataset, const json::Value& body) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kAccessManage, dataset));
  STRATA_RETURN_IF_ERROR(store_.GetDataset(dataset).status());  // 404 before 422.
  STRATA_ASSIGN_OR_RETURN(AccessUpdate update, DecodeAccessUpdate(body));
  std::vector<ErrorDetail> errors;
  for (size_t i = 0; i < update.grants.size(); ++i) {
    if (!authorizer_.PermissionsOf(update.grants[i].role)) {
      errors.push_back(ErrorDetail::Pointer(
          json::PointerAppend(json::PointerAppend("/grants", i), "role"),
          "unknown role '" + update.grants[i].role + "' (GET /v1/roles lists them)"));
    }
  }
  if (!errors.empty()) return Invalid(std::move(errors));
  for (const AccessGrantSpec& grant : update.grants) {
    STRATA_RETURN_IF_ERROR(identity_.RequireGrantAuthority(caller, grant.role, dataset));
  }
  CheckPrincipals(update, errors);

  for (int attempt = 1;; ++attempt) {
    STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord record, store_.GetDataset(dataset));
    std::vector<ErrorDetail> invalid = errors;
    security::DatasetPolicies added = update.policies;
    if (Status valid = ValidatePolicies(added, record.schema); !valid.ok()) {
      invalid.insert(invalid.end(), valid.errors().begin(), valid.errors().end());
    }
    if (!invalid.empty()) return Invalid(std::move(invalid));

    STRATA_ASSIGN_OR_RETURN(meta::DatasetAccessRecord access,
                            store_.identity().GetDatasetAccess(dataset));
    STRATA_ASSIGN_OR_RETURN(security::DatasetPolicies stored,
                            security::DatasetPoliciesFromJson(access.policies.body));
    for (security::RowPolicy& policy : added.row) Merge(stored.row, std::move(policy));
    for (security::FieldPolicy& policy : added.field) Merge(stored.field, std::move(policy));
    for (const auto& [pointer, count] :
         {std::pair<std::string, size_t>{"/row_policies", stored.row.size()},
          {"/field_policies", stored.field.size()}}) {
      if (count > security::kMaxPoliciesPerKind) {
        invalid.push_back(ErrorDetail::Pointer(
            pointer, "a dataset has at most " + std::to_string(security::kMaxPoliciesPerKind) +
                         " policies of a kind; this would make " + std::to_string(count)));
      }
    }
    if (!invalid.empty()) return Invalid(std::move(invalid));

    meta::DatasetAccessChange change;
    change.dataset_id = std::string(dataset);
    change.expected_revision = access.policies.revision;
    change.updated_by = caller.ref;
    change.updated_at = NowMicros();
    for (const AccessGrantSpec& grant : update.grants) {
      const bool held = std::any_of(
          access.grants.begin(), access.grants.end(), [&](const meta::GrantRecord& existing) {
            return existing.subject == grant.principal && existing.role == grant.role;
          });
      if (held) continue;
      change.add_grants.push_back(meta::GrantRecord{NewUlid(), grant.principal, grant.role,
                                                    std::string(dataset), caller.ref,
                                                    change.updated_at});
    }
    if (update.has_policies) {
      // Validated against this schema version; the write requires it to be still current.
      change.schema_version = record.schema.version;
      change.policies_body = security::DatasetPoliciesToJson(stored);
    }
    if (change.add_grants.empty() && !change.policies_body) return Document(dataset);
    Result<uint64_t> written = store_.identity().UpdateDatasetAccess(change);
    if (written.ok()) {
      PolicyChanged(dataset, !change.add_grants.empty());
      return Document(dataset);
    }
    // Another write got there first (a grant added, the access or the schema changed).
    const StatusCode code = written.status().code();
    if (code != StatusCode::kConflict && code != StatusCode::kAlreadyExists) {
      return written.status();
    }
    if (attempt == kMaxAttempts) return KeptChanging(dataset);
  }
}

Status AccessService::Remove(const security::Principal& caller, std::string_view dataset,
                             std::string_view kind, std::string_view name) {
  STRATA_RETURN_IF_ERROR(authorizer_.RequireOn(caller, Permission::kAccessManage, dataset));
  if (kind != "grants" && kind != "row_policies" && kind != "field_policies") {
    return Status::NotFound("'" + std::string(kind) + "' is not a kind of access entry; expected " +
                            std::string(kKinds));
  }
  const std::string what =
      kind == "grants" ? "grant" : (kind == "row_policies" ? "row policy" : "field policy");
  auto absent = [&] {
    return Status::NotFound(what + " '" + std::string(name) + "' does not exist on dataset '" +
                            std::string(dataset) + "'");
  };
  for (int attempt = 1;; ++attempt) {
    STRATA_ASSIGN_OR_RETURN(meta::DatasetAccessRecord access,
                            store_.identity().GetDatasetAccess(dataset));
    meta::DatasetAccessChange change;
    change.dataset_id = std::string(dataset);
    change.expected_revision = access.policies.revision;
    change.updated_by = caller.ref;
    change.updated_at = NowMicros();
    if (kind == "grants") {
      auto grant = std::find_if(access.grants.begin(), access.grants.end(),
                                [&](const meta::GrantRecord& g) { return g.id == name; });
      if (grant == access.grants.end()) return absent();
      STRATA_RETURN_IF_ERROR(identity_.RequireGrantAuthority(caller, grant->role, dataset));
      change.remove_grants.push_back(grant->id);
    } else {
      STRATA_ASSIGN_OR_RETURN(security::DatasetPolicies stored,
                              security::DatasetPoliciesFromJson(access.policies.body));
      const bool erased =
          kind == "row_policies" ? Erase(stored.row, name) : Erase(stored.field, name);
      if (!erased) return absent();
      change.policies_body = security::DatasetPoliciesToJson(stored);
    }
    Result<uint64_t> written = store_.identity().UpdateDatasetAccess(change);
    if (written.ok()) {
      PolicyChanged(dataset, kind == "grants");
      return Status();
    }
    const StatusCode code = written.status().code();
    if (code == StatusCode::kNotFound && kind == "grants") return absent();  // Removed meanwhile.
    if (code != StatusCode::kConflict) return written.status();
    if (attempt == kMaxAttempts) return KeptChanging(dataset);
  }
}

Result<AuthzExplanation> AccessService::Explain(const security::Principal& caller,
                                                const json::Value& body) {
  STRATA_ASSIGN_OR_RETURN(AuthzExplanation explanation, identity_.Explain(caller, body));
  if (explanation.resource == "*" || !explanation.visible ||
      !StartsWith(explanation.action, "data:")) {
    return explanation;
  }
  Result<meta::DatasetRecord> found = store_.GetDataset(explanation.resource);
  if (found.status().code() == StatusCode::kNotFound) return explanation;  // Nothing to read.
  STRATA_ASSIGN_OR_RETURN(meta::DatasetRecord record, std::move(found));
  STRATA_ASSIGN_OR_RETURN(meta::DatasetPoliciesRecord stored,
                          store_.identity().GetDatasetPolicies(explanation.resource));
  STRATA_ASSIGN_OR_RETURN(security::DatasetPolicies policies,
                          security::DatasetPoliciesFromJson(stored.body));
  const security::PolicySubject subject =
      DatasetRoleSubjects(authorizer_)(explanation.principal, record);
  AppliedPolicies applied;
  for (security::RowPolicy& policy : policies.row) {
    if (!security::PolicyApplies(policy.applies_to, policy.except, subject)) continue;
    applied.row.push_back(Shown(std::move(policy), record.schema));
  }
  for (security::FieldPolicy& policy : policies.field) {
    if (!security::PolicyApplies(policy.applies_to, policy.except, subject)) continue;
    applied.field.push_back(Shown(std::move(policy), record.schema));
  }
  if (!subject.pii_read) {
    for (const types::Field& field : record.schema.fields) {
      if (field.pii) applied.pii_masked.push_back(field.name);
    }
  }
  explanation.policies = std::move(applied);
  return explanation;
}

void WriteAccessDocumentJson(JsonWriter& writer, const AccessDocument& document) {
  writer.BeginObject();
  writer.Member("dataset", document.dataset);
  writer.Member("version", document.version);
  writer.Key("grants");
  writer.BeginArray();
  for (const meta::GrantRecord& grant : document.grants) {
    writer.BeginObject();
    writer.Member("id", grant.id);
    writer.Member("principal", grant.subject);
    writer.Member("role", grant.role);
    writer.Member("created_by", grant.created_by);
    writer.Member("created_at", FormatRfc3339(grant.created_at));
    writer.EndObject();
  }
  writer.EndArray();
  security::WriteDatasetPoliciesMembers(writer, document.policies);
  writer.EndObject();
}

}  // namespace strata::service
