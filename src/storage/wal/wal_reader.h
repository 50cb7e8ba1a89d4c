// Reading a WAL file back at recovery.
// Thread safety: pure function over a file nobody writes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/env/env.h"
#include "storage/wal/wal_format.h"

namespace strata::storage {

class BlockCipher;

struct WalRecord {
  WalRecordType type = WalRecordType::kBatch;
  uint64_t offset = 0;       // Of the record's header in the file.
  std::string_view payload;  // Decrypted; valid during the callback only.
};

struct WalReadResult {
  uint64_t records = 0;
  uint64_t valid_bytes = 0;  // Length of the prefix made of whole, verified records.
  bool torn_tail = false;    // The file ends in a damaged final record.
  std::string tail_problem;  // What was wrong with it, for the log.
};

enum class WalDamagePolicy {
  kFail,          // Any damage is Corruption.
  kTornTailOnly,  // A damaged last record ends the log; other damage is Corruption.
  kStopAtDamage,  // Any damage ends the log (the operator chose to drop what follows).
};

// Calls fn for each record of the file in order. A damaged last record (incomplete, or
// failing its checksum while ending exactly at the end of the file) is a torn write: it was
// never acknowledged, because acks follow the fsync of whole records. Damage that policy
// does not tolerate is Corruption naming the file, the offset and the operator's options.
// An error from fn stops the read.
Result<WalReadResult> ReadWal(Env* env, const std::string& path, BlockCipher* cipher,
                              std::string_view dataset_id, WalDamagePolicy policy,
                              const std::function<Status(const WalRecord&)>& fn);

}  // namespace strata::storage
