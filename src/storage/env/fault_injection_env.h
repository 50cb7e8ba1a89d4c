// FaultInjectionEnv: wraps an Env and makes chosen operations fail, to test that the engine
// never acknowledges after a failed write or sync and recovers consistently. For tests.
// Thread safety: thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "storage/env/env.h"

namespace strata::storage {

class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env* base) : base_(base) {}

  enum class Fault { kNone, kIoError, kNoSpace };
  // Every WritableFile::Append fails with `fault` while set.
  void SetWriteFault(Fault fault) { write_fault_ = fault; }
  // Every WritableFile::Sync fails while set.
  void SetSyncFault(bool fail) { sync_fault_ = fail; }
  // Only files whose name contains this substring are affected ("" = all).
  void SetFaultFilter(std::string filter);
  // WritableFile::Sync calls made on files of this Env so far, failed ones included.
  int64_t sync_count() const { return sync_count_.load(); }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  Result<std::string> ReadFile(const std::string& path) override { return base_->ReadFile(path); }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_->ListDir(dir);
  }
  Status CreateDirs(const std::string& dir) override { return base_->CreateDirs(dir); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status DeleteFile(const std::string& path) override { return base_->DeleteFile(path); }
  Status DeleteDirRecursive(const std::string& dir) override {
    return base_->DeleteDirRecursive(dir);
  }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    return base_->TruncateFile(path, size);
  }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Result<uint64_t> FreeBytes(const std::string& path) override { return base_->FreeBytes(path); }

  // Fault checks used by the wrapped files.
  Status WriteFault(const std::string& path) const;
  Status SyncFault(const std::string& path) const;

 private:
  bool Matches(const std::string& path) const;

  Env* base_;
  std::atomic<Fault> write_fault_{Fault::kNone};
  std::atomic<bool> sync_fault_{false};
  mutable std::atomic<int64_t> sync_count_{0};
  mutable std::mutex filter_mu_;
  std::string filter_;
};

}  // namespace strata::storage
