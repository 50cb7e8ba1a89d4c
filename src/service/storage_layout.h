// The storage layout (types/dataset_layout.h) of a dataset record: what the data backend
// needs from the metadata to store and read the dataset's rows.
// Thread safety: pure function.
#pragma once

#include "meta/records.h"
#include "types/dataset_layout.h"

namespace strata::service {

types::DatasetLayout StorageLayoutOf(const meta::DatasetRecord& dataset);

}  // namespace strata::service
