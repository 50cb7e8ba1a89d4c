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
  };
  return migrations;
}

}  // namespace strata::meta::sqlite
