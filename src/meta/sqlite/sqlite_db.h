// Thin RAII wrappers over the SQLite C API, private to the SQLite MetaStore.
// Thread safety: none; SqliteMetaStore serialises access.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::meta::sqlite {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Status of preparation: Internal when the SQL did not compile.
  const Status& status() const { return status_; }

  // Binds are 1-based, as in SQLite.
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& Bind(int index, int64_t value);
  Statement& BindNull(int index);

  // Steps once: true when a row is ready, false when done; errors as IoError/Internal.
  Result<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
};

// Runs statements without results (DDL, PRAGMA, BEGIN/COMMIT).
Status Exec(sqlite3* db, std::string_view sql);

// Runs `body` (returning Status) inside BEGIN IMMEDIATE ... COMMIT, rolling back when it
// or the commit fails. REQUIRES: the caller serialises use of `db`.
template <typename Fn>
Status InTransaction(sqlite3* db, Fn&& body) {
  STRATA_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  Status status = body();
  if (status.ok()) status = Exec(db, "COMMIT");
  if (!status.ok()) Exec(db, "ROLLBACK").IgnoreError();  // Nothing to add to `status`.
  return status;
}

// Maps the database's last error to a Status that names no file path.
Status ErrorStatus(sqlite3* db, std::string_view what);

}  // namespace strata::meta::sqlite
