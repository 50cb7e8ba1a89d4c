#include "storage/env/fault_injection_env.h"

#include <mutex>

namespace strata::storage {
namespace {

class FaultyFile final : public WritableFile {
 public:
  FaultyFile(std::unique_ptr<WritableFile> base, const FaultInjectionEnv* env)
      : base_(std::move(base)), env_(env) {}

  Status Append(std::string_view data) override {
    STRATA_RETURN_IF_ERROR(env_->WriteFault(path()));
    return base_->Append(data);
  }
  Status Sync() override {
    STRATA_RETURN_IF_ERROR(env_->SyncFault(path()));
    return base_->Sync();
  }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<WritableFile> base_;
  const FaultInjectionEnv* env_;
};

}  // namespace

void FaultInjectionEnv::SetFaultFilter(std::string filter) {
  std::lock_guard lock(filter_mu_);
  filter_ = std::move(filter);
}

bool FaultInjectionEnv::Matches(const std::string& path) const {
  std::lock_guard lock(filter_mu_);
  return filter_.empty() || path.find(filter_) != std::string::npos;
}

Status FaultInjectionEnv::WriteFault(const std::string& path) const {
  const Fault fault = write_fault_.load();
  if (fault == Fault::kNone || !Matches(path)) return {};
  if (fault == Fault::kNoSpace) {
    return Status::InsufficientStorage("disk full: write " + path + ": No space left on device");
  }
  return Status::IoError("write " + path + ": Input/output error (injected)");
}

Status FaultInjectionEnv::SyncFault(const std::string& path) const {
  sync_count_.fetch_add(1);
  if (!sync_fault_.load() || !Matches(path)) return {};
  return Status::IoError("fdatasync " + path + ": Input/output error (injected)");
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& path) {
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewWritableFile(path));
  return std::unique_ptr<WritableFile>(new FaultyFile(std::move(file), this));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& path) {
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewAppendableFile(path));
  return std::unique_ptr<WritableFile>(new FaultyFile(std::move(file), this));
}

}  // namespace strata::storage
