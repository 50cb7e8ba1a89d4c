#include "backend/embedded/embedded_backend.h"

#include <map>
#include <mutex>
#include <string>

#include "common/logging.h"
#include "storage/engine/storage_engine.h"

namespace strata::backend {
namespace {

class EmbeddedBackend final : public DataBackend {
 public:
  explicit EmbeddedBackend(std::unique_ptr<storage::StorageEngine> engine)
      : engine_(std::move(engine)) {}
  ~EmbeddedBackend() override { Close().IgnoreError(); }

  Status OpenDataset(const types::DatasetLayout& layout) override {
    Status status = engine_->OpenDataset(layout);
    std::lock_guard lock(mu_);
    if (status.ok() || status.code() == StatusCode::kAlreadyExists) {
      failed_.erase(layout.id);
      return {};
    }
    STRATA_LOG(kError, "dataset cannot be opened; it answers 503 until this is fixed")
        .Str("dataset", layout.id)
        .Str("error", status.ToString());
    failed_[layout.id] = status;
    return status;
  }

  Status DropDataset(std::string_view id) override {
    {
      std::lock_guard lock(mu_);
      failed_.erase(std::string(id));
    }
    return engine_->DropDataset(id);
  }

  Status UpdateLayout(const types::DatasetLayout& layout) override {
    STRATA_RETURN_IF_ERROR(Available(layout.id));
    return engine_->UpdateLayout(layout);
  }

  Result<types::AppendResult> Append(std::string_view id, types::Batch batch,
                                     const types::CommitNote* note) override {
    STRATA_RETURN_IF_ERROR(Available(id));
    return engine_->Append(id, std::move(batch), note);
  }

  Result<std::vector<types::CommittedNote>> UnconfirmedNotes() override {
    return engine_->UnconfirmedNotes();
  }

  Status ConfirmNotes(std::string_view id, const std::vector<std::string>& keys) override {
    STRATA_RETURN_IF_ERROR(Available(id));
    return engine_->ConfirmNotes(id, keys);
  }

  Result<int64_t> DeleteWhere(std::string_view id,
                              std::vector<types::Predicate> predicates) override {
    STRATA_RETURN_IF_ERROR(Available(id));
    return engine_->DeleteWhere(id, std::move(predicates));
  }

  Result<types::EraseProgress> GetEraseProgress(std::string_view id, int64_t delete_seq) override {
    STRATA_RETURN_IF_ERROR(Available(id));
    return engine_->GetEraseProgress(id, delete_seq);
  }

  Result<types::EraseProgress> EraseDeleted(std::string_view id, int64_t delete_seq,
                                            const types::EraseCallback& report) override {
    STRATA_RETURN_IF_ERROR(Available(id));
    return engine_->EraseDeleted(id, delete_seq, report);
  }

  Result<types::ScanStats> Scan(std::string_view id, const types::ScanSpec& spec,
                                const types::BatchSink& sink) override {
    STRATA_RETURN_IF_ERROR(Available(id));
    return engine_->Scan(id, spec, sink);
  }

  Result<types::DatasetStats> Stats(std::string_view id) override {
    STRATA_RETURN_IF_ERROR(Available(id));
    return engine_->Stats(id);
  }

  Status Close() override { return engine_->Close(); }

 private:
  Status Available(std::string_view id) {
    std::lock_guard lock(mu_);
    auto it = failed_.find(std::string(id));
    if (it == failed_.end()) return {};
    return Status::Unavailable("dataset '" + std::string(id) +
                               "' is unavailable: its storage failed to open (" +
                               std::string(it->second.message()) + ")")
        .WithProblemCode("dataset_unavailable");
  }

  std::unique_ptr<storage::StorageEngine> engine_;
  std::mutex mu_;
  std::map<std::string, Status> failed_;
};

}  // namespace

Result<std::unique_ptr<DataBackend>> OpenEmbeddedBackend(storage::StorageOptions options) {
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<storage::StorageEngine> engine,
                          storage::StorageEngine::Open(std::move(options)));
  return std::unique_ptr<DataBackend>(new EmbeddedBackend(std::move(engine)));
}

}  // namespace strata::backend
