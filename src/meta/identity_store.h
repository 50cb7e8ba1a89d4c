// IdentityStore: the durable part of the security model (identity_records.h), reached
// through MetaStore::identity() so the services never issue SQL.
//
// Thread safety: implementations are safe to call from any thread.
// Consistency: each call is one transaction; writes that take an `expected_revision` succeed
// only if the stored revision still equals it, and otherwise return Conflict.
// Access revision: every dataset has one (DatasetPoliciesRecord::revision, 0 until its access
// first changes); it grows with every change of the dataset's policies or of the grants on
// it, whichever call makes it, so it versions the dataset's whole access document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "meta/identity_records.h"

namespace strata::meta {

// The access of one dataset: its grants and its policies, read in one transaction.
struct DatasetAccessRecord {
  std::vector<GrantRecord> grants;  // Ordered by id.
  DatasetPoliciesRecord policies;   // revision: the access's revision (see below).
};

// One change of a dataset's access, applied in one transaction or not at all.
struct DatasetAccessChange {
  std::string dataset_id;
  // Conflict unless the dataset's schema is still at this version: the one the policies
  // were validated against. 0: not checked.
  uint32_t schema_version = 0;
  // Conflict unless the access is still at this revision.
  uint64_t expected_revision = 0;
  std::vector<GrantRecord> add_grants;       // On dataset_id. AlreadyExists if one exists.
  std::vector<std::string> remove_grants;    // Ids of grants on dataset_id. NotFound if not.
  std::optional<std::string> policies_body;  // The new policies document; nullopt keeps it.
  std::string updated_by;
  int64_t updated_at = 0;
};

struct GrantFilter {
  std::vector<std::string> subjects;  // Empty: any subject.
  std::string resource;               // "": any resource.
  std::string role;                   // "": any role.
};

class IdentityStore {
 public:
  virtual ~IdentityStore() = default;

  // AlreadyExists if the name is taken (by a user or a service account).
  virtual Status CreateUser(const UserRecord& user) = 0;
  // NotFound if there is no such user or service account.
  virtual Result<UserRecord> GetUser(std::string_view name) = 0;
  // Names > after_name, ascending, at most `limit`; kind "" lists both kinds.
  virtual Result<std::vector<UserRecord>> ListUsers(std::string_view kind,
                                                    std::string_view after_name, size_t limit) = 0;
  // REQUIRES: user.revision == expected_revision + 1. NotFound if gone; Conflict if changed.
  virtual Status UpdateUser(const UserRecord& user, uint64_t expected_revision) = 0;
  // Deletes the user and every grant naming "<kind>:<name>". NotFound if gone.
  virtual Status DeleteUser(std::string_view name) = 0;

  // AlreadyExists if the name is taken.
  virtual Status CreateRole(const RoleRecord& role) = 0;
  virtual Result<std::vector<RoleRecord>> ListRoles() = 0;
  // NotFound if gone; FailedPrecondition while a grant names the role.
  virtual Status DeleteRole(std::string_view name) = 0;

  // AlreadyExists if the same subject already holds the same role on the same resource.
  // A grant on a dataset advances that dataset's access revision; so does DeleteGrant.
  virtual Status CreateGrant(const GrantRecord& grant) = 0;
  // The grant with this id, or nullopt.
  virtual Result<std::optional<GrantRecord>> FindGrant(std::string_view id) = 0;
  // Returns the deleted grant. NotFound if there is none with this id.
  virtual Result<GrantRecord> DeleteGrant(std::string_view id) = 0;
  // Grants matching every set member of `filter`, ordered by id.
  virtual Result<std::vector<GrantRecord>> ListGrants(const GrantFilter& filter) = 0;
  // Deletes every grant on `resource` (its dataset was deleted).
  virtual Status DeleteGrantsOn(std::string_view resource) = 0;

  virtual Status CreateRefreshToken(const RefreshTokenRecord& token) = 0;
  virtual Result<std::optional<RefreshTokenRecord>> FindRefreshToken(std::string_view hash) = 0;
  // Marks the token consumed at `now` if it was not consumed yet; false when it already was
  // (the caller then revokes the family: the token was replayed).
  virtual Result<bool> ConsumeRefreshToken(std::string_view id, int64_t now_micros) = 0;
  // Revokes every token of the family; returns how many were still unrevoked.
  virtual Result<int64_t> RevokeTokenFamily(std::string_view family, int64_t now_micros) = 0;
  // Revokes every token of `subject` (password change, user disabled or deleted).
  virtual Status RevokeTokensOf(std::string_view subject, int64_t now_micros) = 0;
  // Deletes tokens that expired before `now`; returns how many.
  virtual Result<int64_t> DeleteExpiredRefreshTokens(int64_t now_micros) = 0;

  // Access tokens revoked before they expire (RFC 7009), by JWT id. Revoking a jti twice
  // keeps the later expiry.
  virtual Status RevokeAccessToken(std::string_view jti, int64_t expires_at_micros) = 0;
  // Revocations that have not expired at `now`, as (jti, expires_at).
  virtual Result<std::vector<std::pair<std::string, int64_t>>> ListRevokedAccessTokens(
      int64_t now_micros) = 0;
  // Forgets revocations whose token expired before `now` (it is refused anyway); returns how
  // many.
  virtual Result<int64_t> DeleteExpiredAccessTokenRevocations(int64_t now_micros) = 0;

  // The dataset's policies; a record with revision 0 and an empty body when none were set.
  // They are deleted with the dataset (MetaStore::DeleteDataset).
  virtual Result<DatasetPoliciesRecord> GetDatasetPolicies(std::string_view dataset_id) = 0;
  // REQUIRES: record.revision == expected_revision + 1 (0 for the first write). Conflict
  // if the stored revision differs.
  virtual Status PutDatasetPolicies(const DatasetPoliciesRecord& record,
                                    uint64_t expected_revision) = 0;

  // The dataset's grants and policies. NotFound if there is no such dataset.
  virtual Result<DatasetAccessRecord> GetDatasetAccess(std::string_view dataset_id) = 0;
  // Applies `change` (see DatasetAccessChange for its checks) and returns the new access
  // revision. NotFound if the dataset is gone.
  virtual Result<uint64_t> UpdateDatasetAccess(const DatasetAccessChange& change) = 0;
};

}  // namespace strata::meta
