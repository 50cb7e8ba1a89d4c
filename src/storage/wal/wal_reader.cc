#include "storage/wal/wal_reader.h"

#include "storage/crypto/block_cipher.h"
#include "storage/encoding/crc32c.h"

namespace strata::storage {
namespace {

uint32_t LoadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
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
    const uint64_t left = data.size() - offset;
    std::string problem;
    uint32_t length = 0;
    if (left < kWalHeaderBytes) {
      problem = "incomplete record header";
    } else {
      length = LoadU32(data.data() + offset);
      const uint32_t crc = LoadU32(data.data() + offset + 4);
      if (length > kMaxWalRecordBytes || length > left - kWalHeaderBytes) {
        problem = "record length " + std::to_string(length) + " runs past the end of the file";
      } else if (Crc32c(std::string_view(data.data() + offset + 8, length + 1)) != crc) {
        problem = "checksum mismatch";
        // Only a record that ends exactly at the end of the file can be a torn write.
        if (offset + kWalHeaderBytes + length != data.size() &&
            policy != WalDamagePolicy::kStopAtDamage) {
          return Status::Corruption(
              "write-ahead log " + path + " is damaged at offset " + std::to_string(offset) +
              " (checksum mismatch) before its end; the dataset was not opened. Restore the "
              "file from a backup, or set storage.wal_recovery = \"truncate\" to drop the "
              "log from this offset on (records after it are lost).");
        }
      } else if (const uint8_t type = static_cast<uint8_t>(data[offset + 8]);
                 type != static_cast<uint8_t>(WalRecordType::kBatch) &&
                 type != static_cast<uint8_t>(WalRecordType::kTombstone)) {
        return Status::Corruption("write-ahead log " + path +
                                  " has an unknown record type at offset " +
                                  std::to_string(offset));
      }
    }
    if (!problem.empty()) {
      if (policy == WalDamagePolicy::kFail) {
        return Status::Corruption("write-ahead log " + path + " is damaged at offset " +
                                  std::to_string(offset) + " (" + problem + ")");
      }
      result.torn_tail = true;
      result.tail_problem = problem + " at offset " + std::to_string(offset);
      break;
    }
    WalRecord record;
    record.type = static_cast<WalRecordType>(data[offset + 8]);
    record.offset = offset;
    record.payload = std::string_view(data.data() + offset + kWalHeaderBytes, length);
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
