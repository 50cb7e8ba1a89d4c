#include "storage/wal/wal_writer.h"

#include "storage/crypto/block_cipher.h"
#include "storage/encoding/crc32c.h"

namespace strata::storage {

WalWriter::WalWriter(std::unique_ptr<WritableFile> file, BlockCipher* cipher,
                     std::string dataset_id)
    : file_(std::move(file)),
      cipher_(cipher),
      dataset_id_(std::move(dataset_id)),
      file_name_(BaseName(file_->path())) {}

Result<std::unique_ptr<WalWriter>> WalWriter::Open(Env* env, const std::string& path,
                                                   BlockCipher* cipher, std::string dataset_id) {
  const bool existed = env->FileExists(path);
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewAppendableFile(path));
  if (!existed) STRATA_RETURN_IF_ERROR(env->SyncDir(DirName(path)));
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(file), cipher, std::move(dataset_id)));
}

Status WalWriter::Stage(WalRecordType type, std::string_view payload) {
  STRATA_RETURN_IF_ERROR(broken_);
  const uint64_t offset = size();
  if (cipher_ != nullptr) {
    sealed_.clear();
    STRATA_RETURN_IF_ERROR(
        cipher_->Seal(BlockAad(dataset_id_, file_name_, offset), payload, sealed_));
    payload = sealed_;
  }
  if (payload.size() > kMaxWalRecordBytes) {
    return Status::PayloadTooLarge("a WAL record is limited to " +
                                   std::to_string(kMaxWalRecordBytes) + " bytes");
  }
  const char type_byte = static_cast<char>(type);
  const uint32_t length = static_cast<uint32_t>(payload.size());
  const uint32_t crc = Crc32c(payload, Crc32c(std::string_view(&type_byte, 1)));
  char header[kWalHeaderBytes];
  for (int i = 0; i < 4; ++i) header[i] = static_cast<char>(length >> (8 * i));
  header[4] = type_byte;
  const uint32_t header_crc = Crc32c(std::string_view(header, 5));
  for (int i = 0; i < 4; ++i) header[5 + i] = static_cast<char>(header_crc >> (8 * i));
  for (int i = 0; i < 4; ++i) header[9 + i] = static_cast<char>(crc >> (8 * i));
  staged_.append(header, kWalHeaderBytes);
  staged_.append(payload);
  return {};
}

Status WalWriter::Commit(bool sync) {
  STRATA_RETURN_IF_ERROR(broken_);
  Status status = file_->Append(staged_);
  staged_.clear();
  if (status.ok() && sync) status = file_->Sync();
  if (!status.ok()) broken_ = status.Annotate("the write-ahead log failed earlier");
  return status;
}

Status WalWriter::Sync() {
  STRATA_RETURN_IF_ERROR(broken_);
  Status status = file_->Sync();
  if (!status.ok()) broken_ = status.Annotate("the write-ahead log failed earlier");
  return status;
}

Status WalWriter::Close() {
  if (!broken_.ok()) {
    file_->Close().IgnoreError();
    return broken_;
  }
  return file_->Close();
}

}  // namespace strata::storage
