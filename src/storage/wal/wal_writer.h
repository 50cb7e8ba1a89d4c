// WalWriter: appends framed records to one WAL file. Records are staged in memory and written
// with one write() and at most one fdatasync per Commit, which is how group commit makes one
// sync cover many appends.
// Thread safety: not thread-safe; the dataset's commit leader owns it.
// Invariant: after a failed Commit the writer is broken: every later call fails, because
// the file's tail is unknown (recovery truncates it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/env/env.h"
#include "storage/wal/wal_format.h"

namespace strata::storage {

class BlockCipher;

class WalWriter {
 public:
  // Creates (or appends to) the file at path. cipher is null for a plaintext dataset and
  // otherwise must outlive the writer; dataset_id goes into each record's AAD.
  static Result<std::unique_ptr<WalWriter>> Open(Env* env, const std::string& path,
                                                 BlockCipher* cipher, std::string dataset_id);

  // Frames payload as the next record (after those already staged).
  Status Stage(WalRecordType type, std::string_view payload);
  // Writes the staged records and, when sync is set, makes them durable.
  Status Commit(bool sync);
  // Makes every committed record durable.
  Status Sync();
  Status Close();

  // Bytes in the file once the staged records are written.
  uint64_t size() const { return file_->Size() + staged_.size(); }
  const std::string& path() const { return file_->path(); }

 private:
  WalWriter(std::unique_ptr<WritableFile> file, BlockCipher* cipher, std::string dataset_id);

  std::unique_ptr<WritableFile> file_;
  BlockCipher* cipher_;
  std::string dataset_id_;
  std::string file_name_;
  std::string staged_;
  std::string sealed_;  // Scratch for encrypted payloads.
  Status broken_;
};

}  // namespace strata::storage
