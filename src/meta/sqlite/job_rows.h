// Row codecs of the jobs and uploads tables (migration 5), private to the SQLite MetaStore:
// the column lists, binding a record to an INSERT OR REPLACE, and reading a row back.
// Thread safety: stateless functions; statements belong to the caller's connection.
#pragma once

#include <string_view>

#include "common/result.h"
#include "meta/records.h"
#include "meta/sqlite/sqlite_db.h"

namespace strata::meta::sqlite {

// "SELECT <every job column> FROM jobs"; append a WHERE clause.
extern const std::string_view kSelectJob;
// Inserts or replaces a whole job row, cancel_requested included.
extern const std::string_view kUpsertJob;
// Binds `job` to the parameters of kUpsertJob.
void BindJob(Statement& statement, const JobRecord& job);
// Reads the current row of a kSelectJob statement. Corruption if a stored value is invalid.
Result<JobRecord> ReadJob(const Statement& row);

extern const std::string_view kSelectUpload;
extern const std::string_view kUpsertUpload;
void BindUpload(Statement& statement, const UploadRecord& upload);
Result<UploadRecord> ReadUpload(const Statement& row);

}  // namespace strata::meta::sqlite
