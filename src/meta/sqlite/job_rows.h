// Row codecs of the SQLite MetaStore, private to it: the jobs and uploads tables (migration 6)
// — column lists, binding a record to an INSERT OR REPLACE, reading a row back — and the
// JSON-array text columns every table uses for lists of strings.
// Thread safety: stateless functions; statements belong to the caller's connection.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "meta/records.h"
#include "meta/sqlite/sqlite_db.h"

namespace strata::meta::sqlite {

// A list of strings as a JSON array, as list columns store it.
std::string StringsToJson(const std::vector<std::string>& values);
// Corruption when `text` is not a JSON array of strings.
Result<std::vector<std::string>> StringsFromJson(std::string_view text);

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
