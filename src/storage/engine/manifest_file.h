// Reading and atomically replacing a dataset's MANIFEST file (storage/engine/manifest.h).
// Thread safety: callers serialize writes per dataset (DatasetStore's maintenance mutex).
#pragma once

#include <string>

#include "common/status.h"
#include "storage/engine/manifest.h"
#include "storage/env/env.h"

namespace strata::storage {

class BlockCipher;

inline constexpr std::string_view kManifestFileName = "MANIFEST";

// NotFound when the dataset has no manifest yet; Corruption naming the file when it fails
// its checksum or authentication.
Status ReadManifestFile(Env* env, const std::string& dir, BlockCipher* cipher,
                        const std::string& dataset_id, Manifest* manifest);
Status WriteManifestFile(Env* env, const std::string& dir, BlockCipher* cipher,
                         const std::string& dataset_id, const Manifest& manifest);

}  // namespace strata::storage
