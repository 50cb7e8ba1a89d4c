// StorageEngine: the embedded engine for a whole node — every dataset under
// <data_dir>/datasets/<id>/, the shared block cache, the master key for encryption at rest,
// and the background task that flushes, compacts and applies retention.
// Thread safety: every method is thread-safe. Operations on a dataset being dropped either
// finish before the drop or fail with NotFound.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/engine/dataset_store.h"
#include "storage/engine/storage_options.h"
#include "storage/env/env.h"

namespace strata::storage {

class StorageEngine {
 public:
  // Prepares data_dir, loads and checks the master key (a wrong key fails here) and starts
  // the background task unless options.manual_maintenance.
  static Result<std::unique_ptr<StorageEngine>> Open(StorageOptions options,
                                                     Env* env = Env::Default());
  ~StorageEngine();

  // Opens the dataset's files, creating them when missing, and recovers its WAL.
  // AlreadyExists when the dataset is open.
  Status OpenDataset(const types::DatasetLayout& layout);
  // Closes the dataset and deletes its files durably.
  Status DropDataset(std::string_view id);
  Status UpdateLayout(const types::DatasetLayout& layout);
  bool HasDataset(std::string_view id) const;

  // `note`: see DatasetStore::Append.
  Result<AppendResult> Append(std::string_view id, types::Batch batch,
                              const types::CommitNote* note = nullptr);
  // Unconfirmed commit notes of every open dataset.
  std::vector<types::CommittedNote> UnconfirmedNotes() const;
  Status ConfirmNotes(std::string_view id, const std::vector<std::string>& keys);
  Result<int64_t> DeleteWhere(std::string_view id, std::vector<types::Predicate> predicates);
  // Physical erasure of one delete: see DatasetStore::GetEraseProgress and EraseDeleted.
  Result<EraseProgress> GetEraseProgress(std::string_view id, int64_t delete_seq) const;
  Result<EraseProgress> EraseDeleted(std::string_view id, int64_t delete_seq,
                                     const EraseCallback& report);
  Result<types::ScanStats> Scan(std::string_view id, const types::ScanSpec& spec,
                                const BatchSink& sink);
  Result<DatasetStats> Stats(std::string_view id) const;
  // Decoded column chunks held by the block cache shared by every dataset.
  size_t BlockCacheBytes() const;

  // Maintenance on demand (tests, operations); the background task runs the same steps.
  Status Flush(std::string_view id);
  Status Compact(std::string_view id, size_t min_segments = 1);
  Status ApplyRetention(std::string_view id, int64_t now_micros);
  Status RunMaintenance(std::string_view id, int64_t now_micros);

  // Stops the background task and closes every dataset (their WALs are synced).
  Status Close();

  const StorageOptions& options() const;

 private:
  struct Impl;
  explicit StorageEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::storage
