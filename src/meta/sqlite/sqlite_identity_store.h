// The SQLite IdentityStore: the tables of migrations 7 and 8 on the metastore's connection.
// Thread safety: every call locks the mutex the SqliteMetaStore shares with it.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>

#include "meta/identity_store.h"

namespace strata::meta::sqlite {

// `db` and `mu` belong to the owning MetaStore and must outlive the result.
std::unique_ptr<IdentityStore> MakeSqliteIdentityStore(sqlite3* db, std::mutex& mu);

}  // namespace strata::meta::sqlite
