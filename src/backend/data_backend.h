// DataBackend: where dataset rows live. The services talk to this interface only; the
// embedded columnar engine (embedded/) is the default implementation and a ClickHouse one
// serves cluster mode. It speaks of datasets, batches and scans — never of files.
//
// Thread safety: implementations are thread-safe.
// Contract:
//   1. Append returns only after the rows are durable (per the node's durability setting),
//      with their dataset sequence numbers; the rows are then visible to every later Scan.
//   2. Scan reads a consistent snapshot: rows with seq <= ScanStats::snapshot_seq (and
//      > ScanSpec::min_seq) that no delete with a larger seq removed.
//   3. A dataset that failed to open answers Unavailable, with the reason, on every call.
//   4. Stats' resync_horizon counts every delete and every row removed by retention
//      (types/dataset_stats.h): a changes cursor (ScanSpec::min_seq) below it is incomplete.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "types/batch.h"
#include "types/commit_note.h"
#include "types/dataset_layout.h"
#include "types/dataset_stats.h"
#include "types/scan_spec.h"

namespace strata::backend {

class DataBackend {
 public:
  virtual ~DataBackend() = default;

  // Makes the dataset available, creating its storage when missing. Called for every
  // dataset at start and for each new one.
  virtual Status OpenDataset(const types::DatasetLayout& layout) = 0;
  // Deletes every row of the dataset and its storage. Idempotent.
  virtual Status DropDataset(std::string_view id) = 0;
  // Applies a new schema version, retention or sort order.
  virtual Status UpdateLayout(const types::DatasetLayout& layout) = 0;

  // `note` (may be null) is committed atomically with the rows and kept, across restarts,
  // until ConfirmNotes releases it (types/commit_note.h).
  virtual Result<types::AppendResult> Append(std::string_view id, types::Batch batch,
                                             const types::CommitNote* note) = 0;
  Result<types::AppendResult> Append(std::string_view id, types::Batch batch) {
    return Append(id, std::move(batch), nullptr);
  }
  // Unconfirmed notes of every available dataset.
  virtual Result<std::vector<types::CommittedNote>> UnconfirmedNotes() = 0;
  virtual Status ConfirmNotes(std::string_view id, const std::vector<std::string>& keys) = 0;
  // Deletes the rows committed so far that satisfy every predicate; returns the delete's seq.
  virtual Result<int64_t> DeleteWhere(std::string_view id,
                                      std::vector<types::Predicate> predicates) = 0;
  // How far the physical erasure of the delete with seq `delete_seq` (a DeleteWhere result)
  // has come (types::EraseProgress). InvalidArgument for a seq the dataset never assigned.
  virtual Result<types::EraseProgress> GetEraseProgress(std::string_view id,
                                                        int64_t delete_seq) = 0;
  // Removes the delete's rows from storage now rather than in background maintenance,
  // calling `report` (may be empty) before each step and once erased; returning false from
  // it stops early. Returns the last progress. Safe alongside appends, scans and background
  // maintenance; an error or a stop leaves the delete in force, and calling again continues.
  virtual Result<types::EraseProgress> EraseDeleted(std::string_view id, int64_t delete_seq,
                                                    const types::EraseCallback& report) = 0;
  virtual Result<types::ScanStats> Scan(std::string_view id, const types::ScanSpec& spec,
                                        const types::BatchSink& sink) = 0;
  virtual Result<types::DatasetStats> Stats(std::string_view id) = 0;

  // Flushes what must be flushed and releases resources; later calls fail.
  virtual Status Close() = 0;
};

}  // namespace strata::backend
