// Encryption-at-rest key files. Each encrypted dataset keeps its data key, wrapped by the
// master key, in <dataset dir>/DATAKEY together with its nonce prefix and the persisted
// nonce-counter reservation (storage/crypto/block_cipher.h). <data dir>/KEYCHECK holds a
// random key wrapped by the master key, so a wrong master key fails at start even when no
// dataset exists yet.
//
//   DATAKEY := magic "STRKEY01" | wrapped key (61) | nonce prefix (4) | reserved_until: u64
//              | crc32c: u32
//
// Thread safety: functions are thread-safe for distinct paths.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "storage/crypto/aes_gcm.h"
#include "storage/crypto/block_cipher.h"
#include "storage/env/env.h"

namespace strata::storage {

// Verifies master against <data_dir>/KEYCHECK, creating the file on first use.
Status CheckMasterKey(Env* env, const std::string& data_dir, const Key& master);

// Creates <dataset_dir>/DATAKEY with a new data key.
Status CreateDataKeyFile(Env* env, const std::string& dataset_dir, const std::string& dataset_id,
                         const Key& master);

// Opens the cipher of an encrypted dataset; it persists its nonce reservations to DATAKEY.
Result<std::unique_ptr<BlockCipher>> OpenDatasetCipher(Env* env, const std::string& dataset_dir,
                                                       const std::string& dataset_id,
                                                       const Key& master);

// Re-wraps every data key under data_dir (and KEYCHECK) from old_master to new_master.
// Each file is replaced atomically; running it again after an interruption finishes the job.
Status RewrapDataKeys(Env* env, const std::string& data_dir, const Key& old_master,
                      const Key& new_master);

inline constexpr std::string_view kDataKeyFileName = "DATAKEY";

}  // namespace strata::storage
