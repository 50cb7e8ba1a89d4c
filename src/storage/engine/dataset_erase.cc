// DatasetStore's erasure of one delete on demand (GetEraseProgress, EraseDeleted): the same
// manifest edits as background compaction's erasure (dataset_maintenance.cc), driven for
// one tombstone and reported step by step. Each rewrite runs under compact_mu and installs
// its manifest edit through InstallManifest, so edits stay one at a time (invariant 5).
#include <algorithm>

#include "common/check.h"
#include "common/logging.h"
#include "storage/engine/dataset_store_impl.h"

namespace strata::storage {

EraseProgress DatasetStore::Impl::EraseProgressLocked(int64_t delete_seq) const {
  auto holds = [&](const std::vector<Tombstone>& tombstones) {
    return std::any_of(tombstones.begin(), tombstones.end(),
                       [&](const Tombstone& tombstone) { return tombstone.seq == delete_seq; });
  };
  bool unflushed = holds(active->tombstones);
  for (const auto& memtable : frozen) unflushed = unflushed || holds(memtable->tombstones);
  EraseProgress progress;
  // A flush moves a tombstone from its memtable into the manifest in one step under mu
  // (invariant 3), so it is always in exactly one of them until it is collected.
  if (!unflushed && !holds(current->manifest.tombstones)) {
    progress.erased = true;
    return progress;
  }
  progress.unflushed = unflushed;
  for (const SegmentEntry& segment : current->manifest.segments) {
    if (DeleteAppliesTo(segment, delete_seq)) ++progress.segments_pending;
  }
  return progress;
}

Result<EraseProgress> DatasetStore::GetEraseProgress(int64_t delete_seq) const {
  std::lock_guard lock(impl_->mu);
  if (delete_seq <= 0 || delete_seq > impl_->last_seq) {
    return Status::InvalidArgument("dataset '" + impl_->id + "' has no sequence number " +
                                   std::to_string(delete_seq));
  }
  return impl_->EraseProgressLocked(delete_seq);
}

Result<EraseProgress> DatasetStore::EraseDeleted(int64_t delete_seq, const EraseCallback& report) {
  Impl& s = *impl_;
  STRATA_ASSIGN_OR_RETURN(EraseProgress progress, GetEraseProgress(delete_seq));
  if (progress.unflushed) {
    // Records the tombstone in the manifest; rows in memory that it covers are not written.
    STRATA_RETURN_IF_ERROR(Flush());
    STRATA_ASSIGN_OR_RETURN(progress, GetEraseProgress(delete_seq));
    STRATA_DCHECK(!progress.unflushed);
  }
  while (true) {
    if (report && !report(progress)) return progress;
    if (progress.erased) return progress;
    {
      std::lock_guard compacting(s.compact_mu);
      {
        std::lock_guard lock(s.mu);
        if (s.closed) return Status::Unavailable("dataset '" + s.id + "' is closed");
      }
      const auto [version, layout] = s.CurrentVersionAndLayout();
      auto pending = std::find_if(version->segments.begin(), version->segments.end(),
                                  [&](const std::shared_ptr<SegmentHandle>& segment) {
                                    return DeleteAppliesTo(segment->entry, delete_seq);
                                  });
      if (pending != version->segments.end()) {
        // Applies every tombstone of the version, so later ones are erased from it too.
        STRATA_RETURN_IF_ERROR(s.MergeSegments({*pending}, version->manifest, layout));
      } else {
        // No segment holds its rows: an edit collects the tombstone (CollectGarbageTombstones).
        STRATA_RETURN_IF_ERROR(s.InstallManifest(nullptr, {}, {}, 0));
      }
    }
    STRATA_ASSIGN_OR_RETURN(EraseProgress next, GetEraseProgress(delete_seq));
    // Every step rewrites a segment the delete applied to, or collects it: progress is
    // strict, so this loop ends. Checked, because a step that changed nothing would spin.
    if (!next.erased && next.segments_pending >= progress.segments_pending) {
      return Status::Internal("erasing delete " + std::to_string(delete_seq) + " of dataset '" +
                              s.id + "' made no progress");
    }
    progress = next;
  }
}

}  // namespace strata::storage
