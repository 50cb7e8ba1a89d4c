// SqliteMetaStore: the embedded MetaStore, one SQLite database file in WAL mode.
// Thread safety: all methods are thread-safe; one connection serialised by a mutex (the
// control plane is small and its statements take microseconds).
// Durability: synchronous=FULL, so a call that returned OK survives power loss.
#pragma once

#include <memory>
#include <string>

#include "meta/meta_store.h"

namespace strata::meta {

// Opens (creating if needed) the database at `path` (":memory:" for tests) and applies any
// pending migrations. Fails if the file was written by a newer stratad.
Result<std::unique_ptr<MetaStore>> OpenSqliteMetaStore(const std::string& path);

// The number of the newest migration this build knows.
int SqliteSchemaVersion();

}  // namespace strata::meta
