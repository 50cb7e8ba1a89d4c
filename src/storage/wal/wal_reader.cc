#include "storage/wal/wal_reader.h"

#include <algorithm>

#include "storage/crypto/block_cipher.h"
#include "storage/encoding/crc32c.h"

namespace strata::storage {
namespace {

uint32_t LoadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

bool AllZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

bool KnownType(uint8_t type) {
  return type == static_cast<uint8_t>(WalRecordType::kBatch) ||
         type == static_cast<uint8_t>(WalRecordType::kTombstone);
}

}  // namespace

Result<WalReadResult> ReadWal(Env* env, const std::string& path, BlockCipher* cipher,
                              std::string_view dataset_id, WalDamagePolicy policy,
                              const std::function<Status(const WalRecord&)>& fn) {
  STRATA_ASSIGN_OR_RETURN(std::string data, env->ReadFile(path));
  const std::string file_name = BaseName(path);
  WalReadResult result;
  std::string plain;
  uint64_t offset = 0;
  while (offset < data.size()) {
    const std::string_view rest = std::string_view(data).substr(offset);
    // Classify damage: `torn` is what a crash leaves at the end of the log.
    std::string problem;
    bool torn = false;
    uint32_t length = 0;
    if (rest.size() < kWalHeaderBytes) {
      problem = "incomplete record header";
      torn = true;
    } else if (Crc32c(rest.substr(0, 5)) != LoadU32(rest.data() + 5)) {
      problem = "record header checksum mismatch";
      torn = AllZero(rest);
    } else {
      length = LoadU32(rest.data());
      const uint8_t type = static_cast<uint8_t>(rest[4]);
      if (!KnownType(type) || length > kMaxWalRecordBytes) {
        problem = "unknown record type or length";
      } else if (length > rest.size() - kWalHeaderBytes) {
        problem = "record cut short";
        torn = true;
      } else {
        const uint32_t crc = LoadU32(rest.data() + 9);
        const uint32_t actual =
            Crc32c(rest.substr(kWalHeaderBytes, length), Crc32c(rest.substr(4, 1)));
        if (actual != crc) {
          problem = "payload checksum mismatch";
          torn = AllZero(rest.substr(kWalHeaderBytes + length));
        }
      }
    }
    if (!problem.empty()) {
      const std::string where = problem + " at offset " + std::to_string(offset);
      const bool tolerated = policy == WalDamagePolicy::kStopAtDamage ||
                             (policy == WalDamagePolicy::kTornTailOnly && torn);
      if (!tolerated) {
        return Status::Corruption(
            "write-ahead log " + path + " is damaged (" + where + ")" +
            (torn ? std::string()
                  : " before its end; the dataset was not opened. Restore the file from a "
                    "backup, or set storage.wal_recovery = \"truncate\" to drop the log from "
                    "this offset on (the records after it are lost)"));
      }
      result.torn_tail = true;
      result.tail_problem = where;
      break;
    }
    WalRecord record;
    record.type = static_cast<WalRecordType>(rest[4]);
    record.offset = offset;
    record.payload = rest.substr(kWalHeaderBytes, length);
    if (cipher != nullptr) {
      Status status = cipher->Open(BlockAad(dataset_id, file_name, offset), record.payload, plain);
      if (!status.ok()) {
        if (policy == WalDamagePolicy::kStopAtDamage) {
          result.torn_tail = true;
          result.tail_problem = "authentication failure at offset " + std::to_string(offset);
          break;
        }
        return Status::Corruption("write-ahead log " + path + " record at offset " +
                                  std::to_string(offset) +
                                  " failed authentication: it was altered or moved");
      }
      record.payload = plain;
    }
    STRATA_RETURN_IF_ERROR(fn(record));
    offset += kWalHeaderBytes + length;
    ++result.records;
    result.valid_bytes = offset;
  }
  return result;
}

}  // namespace strata::storage
