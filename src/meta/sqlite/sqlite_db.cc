#include "meta/sqlite/sqlite_db.h"

namespace strata::meta::sqlite {

Status ErrorStatus(sqlite3* db, std::string_view what) {
  const int code = sqlite3_extended_errcode(db);
  // Messages that reach clients (503, 507, 409) say what happened in the metastore's terms;
  // SQLite's own text goes only into internal errors, which are logged and never shown.
  const std::string internal = std::string(what) + ": " + sqlite3_errstr(code);
  switch (code & 0xFF) {
    case SQLITE_FULL: return Status::InsufficientStorage("the metastore's disk is full");
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::Unavailable("the metastore is busy; retry shortly");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::Corruption(internal);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY: return Status::IoError(internal);
    case SQLITE_CONSTRAINT: return Status::AlreadyExists("the record already exists");
    default: return Status::Internal(internal);
  }
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    status_ = ErrorStatus(db, "prepare");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  if (!status_.ok()) return status_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(db_, "step");
}

Status Statement::Run() {
  for (;;) {
    STRATA_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status();
  }
}

std::string Statement::Text(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  const int size = sqlite3_column_bytes(stmt_, col);
  return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
}

Status Exec(sqlite3* db, std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    Status status = ErrorStatus(db, "exec");
    sqlite3_free(error);
    return status;
  }
  return Status();
}

}  // namespace strata::meta::sqlite
