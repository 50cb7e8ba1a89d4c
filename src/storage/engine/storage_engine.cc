#include "storage/engine/storage_engine.h"

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>

#include "common/logging.h"
#include "common/time_util.h"
#include "storage/crypto/master_key.h"
#include "storage/engine/block_cache.h"
#include "storage/engine/key_store.h"

namespace strata::storage {

struct StorageEngine::Impl {
  StorageOptions options;
  Env* env = nullptr;
  std::string datasets_dir;
  std::string trash_dir;
  std::unique_ptr<BlockCache> cache;
  std::optional<Key> master_key;

  mutable std::shared_mutex mu;
  std::map<std::string, std::shared_ptr<DatasetStore>, std::less<>> datasets;

  // Two background tasks, so that a long compaction never delays a flush (and with it the
  // appends waiting for memory).
  std::mutex bg_mu;
  std::condition_variable flush_cv;
  std::condition_variable compact_cv;
  bool stopping = false;
  bool wake_flush = false;
  bool wake_compact = false;
  std::thread flusher;
  std::thread compactor;

  Result<std::shared_ptr<DatasetStore>> Find(std::string_view id) const {
    std::shared_lock lock(mu);
    auto it = datasets.find(id);
    if (it == datasets.end()) {
      return Status::NotFound("dataset '" + std::string(id) +
                              "' is not open in the storage engine");
    }
    return it->second;
  }

  std::vector<std::shared_ptr<DatasetStore>> All() const {
    std::shared_lock lock(mu);
    std::vector<std::shared_ptr<DatasetStore>> all;
    for (const auto& [id, store] : datasets) all.push_back(store);
    return all;
  }

  void Wake() {
    std::lock_guard lock(bg_mu);
    wake_flush = true;
    flush_cv.notify_one();
  }

  // Runs step on every dataset each maintenance interval, or when woken.
  void Loop(std::condition_variable& cv, bool& woken, std::string_view task,
            const std::function<Status(DatasetStore&)>& step) {
    std::unique_lock lock(bg_mu);
    while (!stopping) {
      cv.wait_for(lock, std::chrono::milliseconds(options.maintenance_interval_ms),
                  [&] { return stopping || woken; });
      if (stopping) break;
      woken = false;
      lock.unlock();
      for (const auto& store : All()) {
        Status status = step(*store);
        if (!status.ok()) {
          STRATA_LOG(kError, "storage maintenance failed")
              .Str("task", task)
              .Str("dataset", store->id())
              .Str("error", status.ToString());
        }
      }
      lock.lock();
    }
  }

  void Start() {
    flusher = std::thread([this] {
      Loop(flush_cv, wake_flush, "flush", [this](DatasetStore& store) {
        Status status = store.RunFlush(NowMicros());
        std::lock_guard lock(bg_mu);
        wake_compact = true;  // New segments may make a merge due.
        compact_cv.notify_one();
        return status;
      });
    });
    compactor = std::thread([this] {
      Loop(compact_cv, wake_compact, "compaction",
           [](DatasetStore& store) { return store.RunCompaction(NowMicros()); });
    });
  }
};

StorageEngine::StorageEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StorageEngine::~StorageEngine() { Close().IgnoreError(); }

Result<std::unique_ptr<StorageEngine>> StorageEngine::Open(StorageOptions options, Env* env) {
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->datasets_dir = JoinPath(options.data_dir, "datasets");
  impl->trash_dir = JoinPath(options.data_dir, "trash");
  impl->cache = std::make_unique<BlockCache>(options.block_cache_bytes);
  STRATA_RETURN_IF_ERROR(env->CreateDirs(impl->datasets_dir));
  // Drops interrupted by a crash finish now.
  if (env->FileExists(impl->trash_dir)) {
    STRATA_RETURN_IF_ERROR(env->DeleteDirRecursive(impl->trash_dir));
  }
  if (!options.master_key_file.empty()) {
    STRATA_ASSIGN_OR_RETURN(Key key, LoadMasterKey(options.master_key_file));
    STRATA_RETURN_IF_ERROR(CheckMasterKey(env, options.data_dir, key));
    impl->master_key = key;
    STRATA_LOG(kInfo, "encryption at rest is on")
        .Str("master_key_fingerprint", MasterKeyFingerprint(key));
  }
  impl->options = std::move(options);
  auto engine = std::unique_ptr<StorageEngine>(new StorageEngine(std::move(impl)));
  if (!engine->impl_->options.manual_maintenance) engine->impl_->Start();
  return engine;
}

const StorageOptions& StorageEngine::options() const { return impl_->options; }

Status StorageEngine::OpenDataset(const types::DatasetLayout& layout) {
  Impl& s = *impl_;
  std::unique_lock lock(s.mu);
  if (s.datasets.contains(layout.id)) {
    return Status::AlreadyExists("dataset '" + layout.id + "' is already open");
  }
  const std::string dir = JoinPath(s.datasets_dir, layout.id);
  const bool fresh = !s.env->FileExists(dir);
  if (fresh) {
    STRATA_RETURN_IF_ERROR(s.env->CreateDirs(dir));
    STRATA_RETURN_IF_ERROR(s.env->SyncDir(s.datasets_dir));
  }
  std::unique_ptr<BlockCipher> cipher;
  const bool has_key_file = s.env->FileExists(JoinPath(dir, kDataKeyFileName));
  if (s.master_key && !has_key_file) {
    STRATA_ASSIGN_OR_RETURN(std::vector<std::string> files, s.env->ListDir(dir));
    if (!files.empty()) {
      return Status::InvalidArgument(
          "dataset '" + layout.id +
          "' was stored without encryption before "
          "storage.encryption.master_key_file was set; export and re-ingest it to encrypt it");
    }
    STRATA_RETURN_IF_ERROR(CreateDataKeyFile(s.env, dir, layout.id, *s.master_key));
  }
  if (s.env->FileExists(JoinPath(dir, kDataKeyFileName))) {
    if (!s.master_key) {
      return Status::InvalidArgument("dataset '" + layout.id +
                                     "' is encrypted; set storage.encryption.master_key_file");
    }
    STRATA_ASSIGN_OR_RETURN(cipher, OpenDatasetCipher(s.env, dir, layout.id, *s.master_key));
  }
  STRATA_ASSIGN_OR_RETURN(
      std::unique_ptr<DatasetStore> store,
      DatasetStore::Open(s.env, dir, layout, s.options, s.cache.get(), std::move(cipher)));
  if (!s.options.manual_maintenance) store->SetMaintenanceWaker([raw = &s] { raw->Wake(); });
  s.datasets.emplace(layout.id, std::move(store));
  return {};
}

bool StorageEngine::HasDataset(std::string_view id) const {
  std::shared_lock lock(impl_->mu);
  return impl_->datasets.contains(id);
}

Status StorageEngine::DropDataset(std::string_view id) {
  Impl& s = *impl_;
  std::shared_ptr<DatasetStore> store;
  {
    std::unique_lock lock(s.mu);
    auto it = s.datasets.find(id);
    if (it != s.datasets.end()) {
      store = std::move(it->second);
      s.datasets.erase(it);
    }
  }
  if (store != nullptr) store->Close().IgnoreError();
  const std::string dir = JoinPath(s.datasets_dir, id);
  if (!s.env->FileExists(dir)) return {};
  // Rename first, so a crash mid-delete never leaves a half dataset under datasets/.
  STRATA_RETURN_IF_ERROR(s.env->CreateDirs(s.trash_dir));
  const std::string trash =
      JoinPath(s.trash_dir, std::string(id) + "-" + std::to_string(NowMicros()));
  STRATA_RETURN_IF_ERROR(s.env->RenameFile(dir, trash));
  STRATA_RETURN_IF_ERROR(s.env->SyncDir(s.datasets_dir));
  return s.env->DeleteDirRecursive(trash);
}

Status StorageEngine::UpdateLayout(const types::DatasetLayout& layout) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(layout.id));
  store->UpdateLayout(layout);
  return {};
}

Result<AppendResult> StorageEngine::Append(std::string_view id, types::Batch batch,
                                           const types::CommitNote* note) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  Result<AppendResult> result = store->Append(std::move(batch), note);
  if (result.ok() && !impl_->options.manual_maintenance && store->NeedsFlush(NowMicros())) {
    impl_->Wake();
  }
  return result;
}

std::vector<types::CommittedNote> StorageEngine::UnconfirmedNotes() const {
  std::vector<std::shared_ptr<DatasetStore>> stores;
  {
    std::shared_lock lock(impl_->mu);
    for (const auto& [id, store] : impl_->datasets) stores.push_back(store);
  }
  std::vector<types::CommittedNote> notes;
  for (const auto& store : stores) {
    for (types::CommittedNote& note : store->UnconfirmedNotes()) notes.push_back(std::move(note));
  }
  return notes;
}

Status StorageEngine::ConfirmNotes(std::string_view id, const std::vector<std::string>& keys) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  store->ConfirmNotes(keys);
  return {};
}

Result<int64_t> StorageEngine::DeleteWhere(std::string_view id,
                                           std::vector<types::Predicate> predicates) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  Result<int64_t> seq = store->DeleteWhere(std::move(predicates));
  if (seq.ok() && !impl_->options.manual_maintenance) impl_->Wake();
  return seq;
}

Result<EraseProgress> StorageEngine::GetEraseProgress(std::string_view id,
                                                      int64_t delete_seq) const {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  return store->GetEraseProgress(delete_seq);
}

Result<EraseProgress> StorageEngine::EraseDeleted(std::string_view id, int64_t delete_seq,
                                                  const EraseCallback& report) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  return store->EraseDeleted(delete_seq, report);
}

Result<types::ScanStats> StorageEngine::Scan(std::string_view id, const types::ScanSpec& spec,
                                             const BatchSink& sink) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  return store->Scan(spec, sink);
}

Result<DatasetStats> StorageEngine::Stats(std::string_view id) const {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  return store->Stats();
}

size_t StorageEngine::BlockCacheBytes() const { return impl_->cache->bytes(); }

Status StorageEngine::Flush(std::string_view id) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  return store->Flush();
}

Status StorageEngine::Compact(std::string_view id, size_t min_segments) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  return store->Compact(min_segments);
}

Status StorageEngine::ApplyRetention(std::string_view id, int64_t now_micros) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  return store->ApplyRetention(now_micros);
}

Status StorageEngine::RunMaintenance(std::string_view id, int64_t now_micros) {
  STRATA_ASSIGN_OR_RETURN(std::shared_ptr<DatasetStore> store, impl_->Find(id));
  return store->RunMaintenance(now_micros);
}

Status StorageEngine::Close() {
  if (impl_ == nullptr) return {};
  {
    std::lock_guard lock(impl_->bg_mu);
    impl_->stopping = true;
    impl_->flush_cv.notify_one();
    impl_->compact_cv.notify_one();
  }
  if (impl_->flusher.joinable()) impl_->flusher.join();
  if (impl_->compactor.joinable()) impl_->compactor.join();
  std::map<std::string, std::shared_ptr<DatasetStore>, std::less<>> datasets;
  {
    std::unique_lock lock(impl_->mu);
    datasets.swap(impl_->datasets);
  }
  Status first;
  for (auto& [id, store] : datasets) {
    Status status = store->Close();
    if (first.ok() && !status.ok()) first = status;
  }
  return first;
}

}  // namespace strata::storage
