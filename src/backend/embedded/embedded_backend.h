// The embedded DataBackend: the columnar storage engine of src/storage in this process.
// Thread safety: thread-safe.
#pragma once

#include <memory>

#include "backend/data_backend.h"
#include "common/result.h"
#include "storage/engine/storage_options.h"

namespace strata::backend {

// Opens the engine under options.data_dir (a wrong master key fails here).
Result<std::unique_ptr<DataBackend>> OpenEmbeddedBackend(storage::StorageOptions options);

}  // namespace strata::backend
