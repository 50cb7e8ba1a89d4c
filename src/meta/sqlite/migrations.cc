#include "meta/sqlite/migrations.h"

namespace strata::meta::sqlite {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, "datasets and schema history", R"sql(
CREATE TABLE datasets (
  id              TEXT PRIMARY KEY,
  description     TEXT NOT NULL,
  tags            TEXT NOT NULL,     -- JSON array, in the order given
  owner           TEXT NOT NULL,
  retention       TEXT NOT NULL,     -- '' = forever
  time_field      TEXT NOT NULL,     -- '' = none
  partition_by    TEXT NOT NULL,
  schema_mode     TEXT NOT NULL,
  record_id_field TEXT NOT NULL,     -- '' = none
  schema_version  INTEGER NOT NULL,  -- current version in schema_versions
  created_at      INTEGER NOT NULL,  -- microseconds since the epoch
  updated_at      INTEGER NOT NULL,
  revision        INTEGER NOT NULL
) WITHOUT ROWID;
-- Index of datasets by tag, for filtered listings.
CREATE TABLE dataset_tags (
  tag        TEXT NOT NULL,
  dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  PRIMARY KEY (tag, dataset_id)
) WITHOUT ROWID;
CREATE INDEX dataset_tags_by_dataset ON dataset_tags(dataset_id);
CREATE TABLE schema_versions (
  dataset_id    TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  version       INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  author        TEXT NOT NULL,
  changes       TEXT NOT NULL,     -- JSON array of applied changes
  fields        TEXT NOT NULL,     -- JSON array of fields (types/schema_json.h)
  next_field_id INTEGER NOT NULL,
  PRIMARY KEY (dataset_id, version)
) WITHOUT ROWID;
)sql"},
      {2, "api keys and server secrets", R"sql(
CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  hash       BLOB NOT NULL UNIQUE,  -- SHA-256 of the key; the key is never stored
  prefix     TEXT NOT NULL,
  principal  TEXT NOT NULL,
  roles      TEXT NOT NULL,         -- JSON array
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,      -- 0 = never
  revoked_at INTEGER NOT NULL       -- 0 = not revoked
) WITHOUT ROWID;
CREATE TABLE secrets (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
)sql"},
      {3, "dataset sort keys", R"sql(
ALTER TABLE datasets ADD COLUMN sort_key TEXT NOT NULL DEFAULT '[]';  -- JSON array of names
)sql"},
      {4, "idempotency keys", R"sql(
CREATE TABLE idempotency_keys (
  principal   TEXT NOT NULL,
  key         TEXT NOT NULL,
  dataset     TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  done        INTEGER NOT NULL,
  outcome     BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (principal, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
)sql"},
      {5, "dead letters", R"sql(
ALTER TABLE datasets ADD COLUMN keep_rejected INTEGER NOT NULL DEFAULT 0;
CREATE TABLE rejected_records (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  dataset     TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  request_id  TEXT NOT NULL,
  record_index INTEGER NOT NULL,
  format      TEXT NOT NULL,
  code        TEXT NOT NULL,
  pointer     TEXT NOT NULL,
  detail      TEXT NOT NULL,
  raw         BLOB NOT NULL
);
CREATE INDEX rejected_records_dataset ON rejected_records (dataset, id);
)sql"},
      {6, "async jobs and resumable uploads", R"sql(
CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,
  dataset_id       TEXT NOT NULL,     -- no foreign key: a job outlives its dataset
  creator          TEXT NOT NULL,
  creator_roles    TEXT NOT NULL,     -- JSON array
  state            TEXT NOT NULL,     -- queued | running | succeeded | failed | cancelled
  cancel_requested INTEGER NOT NULL,
  body_file        TEXT NOT NULL,     -- relative to the data directory
  upload_id        TEXT NOT NULL,     -- '' = the body of an async request
  content_type     TEXT NOT NULL,
  content_encoding TEXT NOT NULL,
  mode             TEXT NOT NULL,
  dry_run          INTEGER NOT NULL,
  precision        TEXT NOT NULL,
  time_unit        TEXT NOT NULL,
  bytes_total      INTEGER NOT NULL,
  bytes_done       INTEGER NOT NULL,  -- committed prefix of the (decoded) body
  inflight_end     INTEGER NOT NULL,  -- > 0 while [bytes_done, inflight_end) is committed
  inflight_seq     INTEGER NOT NULL,  -- the dataset's last seq before that chunk; -1 unknown
  records_done     INTEGER NOT NULL,
  lines_done       INTEGER NOT NULL,
  accepted         INTEGER NOT NULL,
  rejected         INTEGER NOT NULL,
  first_seq        INTEGER NOT NULL,
  last_seq         INTEGER NOT NULL,
  schema_version   INTEGER NOT NULL,
  added_fields     TEXT NOT NULL,     -- JSON array of field names
  errors           TEXT NOT NULL,     -- JSON array of {index, id?, pointer, code, detail}
  errors_truncated INTEGER NOT NULL,
  error_status     TEXT NOT NULL,     -- status code name; '' unless failed
  error_code       TEXT NOT NULL,
  error_detail     TEXT NOT NULL,
  created_at       INTEGER NOT NULL,  -- microseconds since the epoch
  started_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  finished_at      INTEGER NOT NULL
);
CREATE INDEX jobs_unfinished ON jobs(created_at) WHERE state IN ('queued', 'running');
CREATE TABLE uploads (
  id            TEXT PRIMARY KEY,
  dataset_id    TEXT NOT NULL,
  creator       TEXT NOT NULL,
  creator_roles TEXT NOT NULL,        -- JSON array
  length        INTEGER NOT NULL,     -- -1 = deferred
  offset_bytes  INTEGER NOT NULL,     -- acknowledged (fsynced) bytes
  metadata      TEXT NOT NULL,        -- Upload-Metadata as sent
  job_id        TEXT NOT NULL,        -- '' until complete
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX uploads_by_expiry ON uploads(expires_at);
)sql"},
      {7, "users, roles, grants, refresh tokens, dataset policies; scoped api keys", R"sql(
CREATE TABLE users (
  name           TEXT PRIMARY KEY,
  kind           TEXT NOT NULL,     -- user | service
  display_name   TEXT NOT NULL,
  password_hash  TEXT NOT NULL,     -- PHC string; '' = none
  groups_json    TEXT NOT NULL,     -- JSON array
  attributes     TEXT NOT NULL,     -- JSON object of strings
  disabled       INTEGER NOT NULL,
  totp_secret    BLOB NOT NULL,     -- '' = not enrolled
  totp_enabled   INTEGER NOT NULL,
  totp_last_step INTEGER NOT NULL,
  recovery_codes TEXT NOT NULL,     -- JSON array of SHA-256 hex
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  revision       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE roles (
  name        TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  permissions TEXT NOT NULL,        -- JSON array
  created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE grants (
  id         TEXT PRIMARY KEY,
  subject    TEXT NOT NULL,
  role       TEXT NOT NULL,
  resource   TEXT NOT NULL,         -- '*' or a dataset id
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (subject, role, resource)
) WITHOUT ROWID;
CREATE INDEX grants_by_resource ON grants(resource);
CREATE TABLE refresh_tokens (
  id         TEXT PRIMARY KEY,
  family     TEXT NOT NULL,
  hash       BLOB NOT NULL UNIQUE,  -- SHA-256 of the token; the token is never stored
  subject    TEXT NOT NULL,
  client_id  TEXT NOT NULL,
  scope      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family);
CREATE INDEX refresh_tokens_by_subject ON refresh_tokens(subject);
CREATE TABLE dataset_policies (
  dataset_id TEXT PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
  body       TEXT NOT NULL,         -- JSON: row_policies and field_policies
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  revision   INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]';    -- permission names
ALTER TABLE api_keys ADD COLUMN datasets TEXT NOT NULL DEFAULT '[]';  -- [] = every dataset
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
)sql"},
      {8, "revoked access tokens", R"sql(
CREATE TABLE revoked_access_tokens (
  jti        TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL       -- the token's exp; the row is useless afterwards
) WITHOUT ROWID;
CREATE INDEX revoked_access_tokens_by_expiry ON revoked_access_tokens(expires_at);
)sql"},
      {9, "delete jobs", R"sql(
-- Rows written before this migration are ingest jobs.
ALTER TABLE jobs ADD COLUMN job_type TEXT NOT NULL DEFAULT 'ingest';  -- ingest | delete
ALTER TABLE jobs ADD COLUMN delete_filter TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN deleted_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN tombstone_seq INTEGER NOT NULL DEFAULT 0;  -- 0 = not committed
ALTER TABLE jobs ADD COLUMN segments_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN segments_rewritten INTEGER NOT NULL DEFAULT 0;
)sql"},
  };
  return migrations;
}

}  // namespace strata::meta::sqlite
