#include "meta/sqlite/sqlite_identity_store.h"

#include "common/json.h"
#include "common/json_writer.h"
#include "meta/sqlite/job_rows.h"
#include "meta/sqlite/sqlite_db.h"

namespace strata::meta::sqlite {
namespace {

std::string AttributesToJson(const std::map<std::string, std::string>& attributes) {
  JsonWriter writer;
  writer.BeginObject();
  for (const auto& [key, value] : attributes) {
    writer.Key(key);
    writer.String(value);
  }
  writer.EndObject();
  return writer.Take();
}

Result<std::map<std::string, std::string>> AttributesFromJson(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  if (!parsed.ok() || !parsed->is_object()) {
    return Status::Corruption("stored attributes are not an object");
  }
  std::map<std::string, std::string> out;
  for (const json::Value::Member& member : parsed->members()) {
    if (!member.second.is_string()) return Status::Corruption("stored attribute is not a string");
    out[member.first] = member.second.string_value();
  }
  return out;
}

constexpr std::string_view kSelectUser =
    "SELECT name, kind, display_name, password_hash, groups_json, attributes, disabled, "
    "totp_secret, totp_enabled, totp_last_step, recovery_codes, created_at, updated_at, "
    "revision FROM users";

Result<UserRecord> ReadUser(const Statement& row) {
  UserRecord user;
  user.name = row.Text(0);
  user.kind = row.Text(1);
  user.display_name = row.Text(2);
  user.password_hash = row.Text(3);
  STRATA_ASSIGN_OR_RETURN(user.groups, StringsFromJson(row.Text(4)));
  STRATA_ASSIGN_OR_RETURN(user.attributes, AttributesFromJson(row.Text(5)));
  user.disabled = row.Int(6) != 0;
  user.totp_secret = row.Text(7);
  user.totp_enabled = row.Int(8) != 0;
  user.totp_last_step = row.Int(9);
  STRATA_ASSIGN_OR_RETURN(user.recovery_code_hashes, StringsFromJson(row.Text(10)));
  user.created_at = row.Int(11);
  user.updated_at = row.Int(12);
  user.revision = static_cast<uint64_t>(row.Int(13));
  return user;
}

void BindUser(Statement& statement, const UserRecord& user) {
  statement.Bind(1, user.name).Bind(2, user.kind).Bind(3, user.display_name);
  statement.Bind(4, user.password_hash).Bind(5, StringsToJson(user.groups));
  statement.Bind(6, AttributesToJson(user.attributes)).Bind(7, int64_t{user.disabled ? 1 : 0});
  statement.BindBlob(8, user.totp_secret).Bind(9, int64_t{user.totp_enabled ? 1 : 0});
  statement.Bind(10, user.totp_last_step).Bind(11, StringsToJson(user.recovery_code_hashes));
  statement.Bind(12, user.created_at).Bind(13, user.updated_at);
  statement.Bind(14, static_cast<int64_t>(user.revision));
}

GrantRecord ReadGrant(const Statement& row) {
  GrantRecord grant;
  grant.id = row.Text(0);
  grant.subject = row.Text(1);
  grant.role = row.Text(2);
  grant.resource = row.Text(3);
  grant.created_by = row.Text(4);
  grant.created_at = row.Int(5);
  return grant;
}

RefreshTokenRecord ReadRefreshToken(const Statement& row) {
  RefreshTokenRecord token;
  token.id = row.Text(0);
  token.family = row.Text(1);
  token.hash = row.Text(2);
  token.subject = row.Text(3);
  token.client_id = row.Text(4);
  token.scope = row.Text(5);
  token.created_at = row.Int(6);
  token.expires_at = row.Int(7);
  token.used_at = row.Int(8);
  token.revoked_at = row.Int(9);
  return token;
}

class SqliteIdentityStore final : public IdentityStore {
 public:
  SqliteIdentityStore(sqlite3* db, std::mutex& mu) : db_(db), mu_(mu) {}

  Status CreateUser(const UserRecord& user) override {
    std::lock_guard lock(mu_);
    return InTransaction(db_, [&]() -> Status {
      Statement exists(db_, "SELECT 1 FROM users WHERE name = ?");
      exists.Bind(1, user.name);
      STRATA_ASSIGN_OR_RETURN(bool found, exists.Step());
      if (found) return Status::AlreadyExists("name '" + user.name + "' is taken");
      Statement insert(db_, "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      BindUser(insert, user);
      return insert.Run();
    });
  }

  Result<UserRecord> GetUser(std::string_view name) override {
    std::lock_guard lock(mu_);
    return FindUser(name);
  }

  Result<std::vector<UserRecord>> ListUsers(std::string_view kind, std::string_view after_name,
                                            size_t limit) override {
    std::lock_guard lock(mu_);
    Statement query(db_, std::string(kSelectUser) +
                             " WHERE (?1 = '' OR kind = ?1) AND name > ?2 ORDER BY name LIMIT ?3");
    query.Bind(1, kind).Bind(2, after_name).Bind(3, static_cast<int64_t>(limit));
    std::vector<UserRecord> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      STRATA_ASSIGN_OR_RETURN(UserRecord user, ReadUser(query));
      out.push_back(std::move(user));
    }
    return out;
  }

  Status UpdateUser(const UserRecord& user, uint64_t expected_revision) override {
    std::lock_guard lock(mu_);
    return InTransaction(db_, [&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(UserRecord stored, FindUser(user.name));
      if (stored.revision != expected_revision) {
        return Status::Conflict("'" + user.name + "' was changed concurrently");
      }
      Statement update(db_,
                       "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                       "?, ?)");
      BindUser(update, user);
      return update.Run();
    });
  }

  Status DeleteUser(std::string_view name) override {
    std::lock_guard lock(mu_);
    return InTransaction(db_, [&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(UserRecord stored, FindUser(name));
      Statement remove(db_, "DELETE FROM users WHERE name = ?");
      remove.Bind(1, name);
      STRATA_RETURN_IF_ERROR(remove.Run());
      const std::string subject = stored.kind + ":" + stored.name;
      Statement bump(db_, R"sql(
UPDATE dataset_policies SET revision = revision + 1
WHERE dataset_id IN (SELECT resource FROM grants WHERE subject = ?))sql");
      bump.Bind(1, subject);
      STRATA_RETURN_IF_ERROR(bump.Run());
      Statement grants(db_, "DELETE FROM grants WHERE subject = ?");
      grants.Bind(1, subject);
      return grants.Run();
    });
  }

  Status CreateRole(const RoleRecord& role) override {
    std::lock_guard lock(mu_);
    return InTransaction(db_, [&]() -> Status {
      Statement exists(db_, "SELECT 1 FROM roles WHERE name = ?");
      exists.Bind(1, role.name);
      STRATA_ASSIGN_OR_RETURN(bool found, exists.Step());
      if (found) return Status::AlreadyExists("role '" + role.name + "' already exists");
      Statement insert(db_, "INSERT INTO roles VALUES (?, ?, ?, ?)");
      insert.Bind(1, role.name).Bind(2, role.description);
      insert.Bind(3, StringsToJson(role.permissions)).Bind(4, role.created_at);
      return insert.Run();
    });
  }

  Result<std::vector<RoleRecord>> ListRoles() override {
    std::lock_guard lock(mu_);
    Statement query(db_,
                    "SELECT name, description, permissions, created_at FROM roles ORDER BY name");
    std::vector<RoleRecord> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      RoleRecord role;
      role.name = query.Text(0);
      role.description = query.Text(1);
      STRATA_ASSIGN_OR_RETURN(role.permissions, StringsFromJson(query.Text(2)));
      role.created_at = query.Int(3);
      out.push_back(std::move(role));
    }
    return out;
  }

  Status DeleteRole(std::string_view name) override {
    std::lock_guard lock(mu_);
    return InTransaction(db_, [&]() -> Status {
      Statement used(db_, "SELECT COUNT(*) FROM grants WHERE role = ?");
      used.Bind(1, name);
      STRATA_ASSIGN_OR_RETURN(bool row, used.Step());
      if (row && used.Int(0) > 0) {
        return Status::Conflict("role '" + std::string(name) + "' is held by " +
                                std::to_string(used.Int(0)) + " grant(s); delete them first");
      }
      Statement remove(db_, "DELETE FROM roles WHERE name = ?");
      remove.Bind(1, name);
      STRATA_RETURN_IF_ERROR(remove.Run());
      if (sqlite3_changes(db_) == 0) {
        return Status::NotFound("role '" + std::string(name) + "' does not exist");
      }
      return Status();
    });
  }

  Status CreateGrant(const GrantRecord& grant) override {
    std::lock_guard lock(mu_);
    return InTransaction(db_, [&]() -> Status {
      STRATA_RETURN_IF_ERROR(InsertGrant(grant));
      if (grant.resource == "*") return Status();
      return AdvanceAccessRevision(grant.resource, grant.created_by, grant.created_at).status();
    });
  }

  Result<std::optional<GrantRecord>> FindGrant(std::string_view id) override {
    std::lock_guard lock(mu_);
    Statement query(db_, "SELECT * FROM grants WHERE id = ?");
    query.Bind(1, id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::optional<GrantRecord>();
    return std::optional<GrantRecord>(ReadGrant(query));
  }

  Result<GrantRecord> DeleteGrant(std::string_view id) override {
    std::lock_guard lock(mu_);
    GrantRecord grant;
    STRATA_RETURN_IF_ERROR(InTransaction(db_, [&]() -> Status {
      Statement query(db_, "SELECT * FROM grants WHERE id = ?");
      query.Bind(1, id);
      STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
      if (!found) return Status::NotFound("grant '" + std::string(id) + "' does not exist");
      grant = ReadGrant(query);
      Statement remove(db_, "DELETE FROM grants WHERE id = ?");
      remove.Bind(1, id);
      STRATA_RETURN_IF_ERROR(remove.Run());
      if (grant.resource == "*") return Status();
      Statement bump(db_,
                     "UPDATE dataset_policies SET revision = revision + 1 WHERE dataset_id = ?");
      bump.Bind(1, grant.resource);
      return bump.Run();
    }));
    return grant;
  }

  Result<std::vector<GrantRecord>> ListGrants(const GrantFilter& filter) override {
    std::lock_guard lock(mu_);
    Statement query(db_, R"sql(
SELECT * FROM grants
WHERE (?1 = '[]' OR subject IN (SELECT value FROM json_each(?1)))
  AND (?2 = '' OR resource = ?2) AND (?3 = '' OR role = ?3)
ORDER BY id)sql");
    query.Bind(1, StringsToJson(filter.subjects)).Bind(2, filter.resource).Bind(3, filter.role);
    std::vector<GrantRecord> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      out.push_back(ReadGrant(query));
    }
    return out;
  }

  Status DeleteGrantsOn(std::string_view resource) override {
    std::lock_guard lock(mu_);
    Statement remove(db_, "DELETE FROM grants WHERE resource = ?");
    remove.Bind(1, resource);
    return remove.Run();
  }

  Status CreateRefreshToken(const RefreshTokenRecord& token) override {
    std::lock_guard lock(mu_);
    Statement insert(db_, "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.Bind(1, token.id).Bind(2, token.family).BindBlob(3, token.hash);
    insert.Bind(4, token.subject).Bind(5, token.client_id).Bind(6, token.scope);
    insert.Bind(7, token.created_at).Bind(8, token.expires_at).Bind(9, token.used_at);
    insert.Bind(10, token.revoked_at);
    return insert.Run();
  }

  Result<std::optional<RefreshTokenRecord>> FindRefreshToken(std::string_view hash) override {
    std::lock_guard lock(mu_);
    Statement query(db_, "SELECT * FROM refresh_tokens WHERE hash = ?");
    query.BindBlob(1, hash);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::optional<RefreshTokenRecord>();
    return std::optional<RefreshTokenRecord>(ReadRefreshToken(query));
  }

  Result<bool> ConsumeRefreshToken(std::string_view id, int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement update(db_, "UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at = 0");
    update.Bind(1, now_micros).Bind(2, id);
    STRATA_RETURN_IF_ERROR(update.Run());
    return sqlite3_changes(db_) == 1;
  }

  Result<int64_t> RevokeTokenFamily(std::string_view family, int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement update(
        db_, "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at = 0");
    update.Bind(1, now_micros).Bind(2, family);
    STRATA_RETURN_IF_ERROR(update.Run());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status RevokeTokensOf(std::string_view subject, int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement update(
        db_, "UPDATE refresh_tokens SET revoked_at = ? WHERE subject = ? AND revoked_at = 0");
    update.Bind(1, now_micros).Bind(2, subject);
    return update.Run();
  }

  Result<int64_t> DeleteExpiredRefreshTokens(int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement remove(db_, "DELETE FROM refresh_tokens WHERE expires_at < ?");
    remove.Bind(1, now_micros);
    STRATA_RETURN_IF_ERROR(remove.Run());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status RevokeAccessToken(std::string_view jti, int64_t expires_at_micros) override {
    std::lock_guard lock(mu_);
    Statement upsert(db_,
                     "INSERT INTO revoked_access_tokens VALUES (?, ?) ON CONFLICT(jti) DO UPDATE "
                     "SET expires_at = MAX(expires_at, excluded.expires_at)");
    upsert.Bind(1, jti).Bind(2, expires_at_micros);
    return upsert.Run();
  }

  Result<std::vector<std::pair<std::string, int64_t>>> ListRevokedAccessTokens(
      int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement query(db_, "SELECT jti, expires_at FROM revoked_access_tokens WHERE expires_at >= ?");
    query.Bind(1, now_micros);
    std::vector<std::pair<std::string, int64_t>> out;
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      out.emplace_back(query.Text(0), query.Int(1));
    }
    return out;
  }

  Result<int64_t> DeleteExpiredAccessTokenRevocations(int64_t now_micros) override {
    std::lock_guard lock(mu_);
    Statement remove(db_, "DELETE FROM revoked_access_tokens WHERE expires_at < ?");
    remove.Bind(1, now_micros);
    STRATA_RETURN_IF_ERROR(remove.Run());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Result<DatasetPoliciesRecord> GetDatasetPolicies(std::string_view dataset_id) override {
    std::lock_guard lock(mu_);
    return ReadPolicies(dataset_id);
  }

  Result<DatasetAccessRecord> GetDatasetAccess(std::string_view dataset_id) override {
    std::lock_guard lock(mu_);  // Every write of this store takes it: the reads agree.
    DatasetAccessRecord access;
    STRATA_RETURN_IF_ERROR(SchemaVersionOf(dataset_id).status());
    Statement grants(db_, "SELECT * FROM grants WHERE resource = ? ORDER BY id");
    grants.Bind(1, dataset_id);
    for (;;) {
      STRATA_ASSIGN_OR_RETURN(bool row, grants.Step());
      if (!row) break;
      access.grants.push_back(ReadGrant(grants));
    }
    STRATA_ASSIGN_OR_RETURN(access.policies, ReadPolicies(dataset_id));
    return access;
  }

  Result<uint64_t> UpdateDatasetAccess(const DatasetAccessChange& change) override {
    std::lock_guard lock(mu_);
    uint64_t revision = 0;
    STRATA_RETURN_IF_ERROR(InTransaction(db_, [&]() -> Status {
      STRATA_ASSIGN_OR_RETURN(uint32_t schema_version, SchemaVersionOf(change.dataset_id));
      if (change.schema_version != 0 && schema_version != change.schema_version) {
        return Status::Conflict("the schema of '" + change.dataset_id +
                                "' changed while its access was being updated");
      }
      STRATA_ASSIGN_OR_RETURN(DatasetPoliciesRecord current, ReadPolicies(change.dataset_id));
      if (current.revision != change.expected_revision) {
        return Status::Conflict("the access of '" + change.dataset_id +
                                "' was changed concurrently");
      }
      for (const std::string& id : change.remove_grants) {
        Statement remove(db_, "DELETE FROM grants WHERE id = ? AND resource = ?");
        remove.Bind(1, id).Bind(2, change.dataset_id);
        STRATA_RETURN_IF_ERROR(remove.Run());
        if (sqlite3_changes(db_) == 0) {
          return Status::NotFound("grant '" + id + "' does not exist");
        }
      }
      for (const GrantRecord& grant : change.add_grants) {
        if (grant.resource != change.dataset_id) {
          return Status::InvalidArgument("a grant of another resource in a dataset's access");
        }
        STRATA_RETURN_IF_ERROR(InsertGrant(grant));
      }
      if (change.policies_body) {
        Statement update(db_, R"sql(
INSERT INTO dataset_policies VALUES (?1, ?2, ?3, ?4, 0)
ON CONFLICT (dataset_id) DO UPDATE SET body = ?2, updated_by = ?3, updated_at = ?4)sql");
        update.Bind(1, change.dataset_id).Bind(2, *change.policies_body);
        update.Bind(3, change.updated_by).Bind(4, change.updated_at);
        STRATA_RETURN_IF_ERROR(update.Run());
      }
      STRATA_ASSIGN_OR_RETURN(
          revision, AdvanceAccessRevision(change.dataset_id, change.updated_by, change.updated_at));
      return Status();
    }));
    return revision;
  }

  Status PutDatasetPolicies(const DatasetPoliciesRecord& record,
                            uint64_t expected_revision) override {
    std::lock_guard lock(mu_);
    return InTransaction(db_, [&]() -> Status {
      Statement query(db_, "SELECT revision FROM dataset_policies WHERE dataset_id = ?");
      query.Bind(1, record.dataset_id);
      STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
      const uint64_t stored = found ? static_cast<uint64_t>(query.Int(0)) : 0;
      if (stored != expected_revision) {
        return Status::Conflict("the policies of '" + record.dataset_id +
                                "' were changed concurrently");
      }
      Statement upsert(db_, "INSERT OR REPLACE INTO dataset_policies VALUES (?, ?, ?, ?, ?)");
      upsert.Bind(1, record.dataset_id).Bind(2, record.body).Bind(3, record.updated_by);
      upsert.Bind(4, record.updated_at).Bind(5, static_cast<int64_t>(record.revision));
      return upsert.Run();
    });
  }

 private:
  Result<DatasetPoliciesRecord> ReadPolicies(std::string_view dataset_id) {
    Statement query(db_,
                    "SELECT body, updated_by, updated_at, revision FROM dataset_policies "
                    "WHERE dataset_id = ?");
    query.Bind(1, dataset_id);
    DatasetPoliciesRecord record;
    record.dataset_id = std::string(dataset_id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return record;
    record.body = query.Text(0);
    record.updated_by = query.Text(1);
    record.updated_at = query.Int(2);
    record.revision = static_cast<uint64_t>(query.Int(3));
    return record;
  }

  // The current schema version of the dataset. NotFound if there is no such dataset.
  Result<uint32_t> SchemaVersionOf(std::string_view dataset_id) {
    Statement query(db_, "SELECT schema_version FROM datasets WHERE id = ?");
    query.Bind(1, dataset_id);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Status::NotFound("dataset '" + std::string(dataset_id) + "' does not exist");
    return static_cast<uint32_t>(query.Int(0));
  }

  // AlreadyExists if the subject holds the role on the resource already.
  Status InsertGrant(const GrantRecord& grant) {
    Statement exists(db_, "SELECT id FROM grants WHERE subject = ? AND role = ? AND resource = ?");
    exists.Bind(1, grant.subject).Bind(2, grant.role).Bind(3, grant.resource);
    STRATA_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (found) {
      return Status::AlreadyExists(grant.subject + " already holds " + grant.role + " on " +
                                   grant.resource + " (grant " + exists.Text(0) + ")");
    }
    Statement insert(db_, "INSERT INTO grants VALUES (?, ?, ?, ?, ?, ?)");
    insert.Bind(1, grant.id).Bind(2, grant.subject).Bind(3, grant.role);
    insert.Bind(4, grant.resource).Bind(5, grant.created_by).Bind(6, grant.created_at);
    return insert.Run();
  }

  // Increments the access revision of the dataset, if it exists (creating its record at
  // revision 1), and returns the new one.
  Result<uint64_t> AdvanceAccessRevision(std::string_view dataset_id, std::string_view by,
                                         int64_t at) {
    Statement bump(db_, R"sql(
INSERT INTO dataset_policies
SELECT ?1, '{"row_policies":[],"field_policies":[]}', ?2, ?3, 1
WHERE EXISTS (SELECT 1 FROM datasets WHERE id = ?1)
ON CONFLICT (dataset_id) DO UPDATE SET revision = revision + 1, updated_by = ?2,
  updated_at = ?3)sql");
    bump.Bind(1, dataset_id).Bind(2, by).Bind(3, at);
    STRATA_RETURN_IF_ERROR(bump.Run());
    STRATA_ASSIGN_OR_RETURN(DatasetPoliciesRecord record, ReadPolicies(dataset_id));
    return record.revision;
  }

  Result<UserRecord> FindUser(std::string_view name) {
    Statement query(db_, std::string(kSelectUser) + " WHERE name = ?");
    query.Bind(1, name);
    STRATA_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Status::NotFound("'" + std::string(name) + "' does not exist");
    return ReadUser(query);
  }

  sqlite3* db_;
  std::mutex& mu_;
};

}  // namespace

std::unique_ptr<IdentityStore> MakeSqliteIdentityStore(sqlite3* db, std::mutex& mu) {
  return std::make_unique<SqliteIdentityStore>(db, mu);
}

}  // namespace strata::meta::sqlite
