// Manifest: the durable description of a dataset's stored state — which segments form it,
// up to which sequence number rows are in segments, the delete tombstones not yet erased
// from every segment, and the resync horizon of changes cursors. Replaced atomically (write,
// fsync, rename, fsync dir) on every change, so a crash leaves the old or the new version
// (docs/formats/segment.md).
//
//   MANIFEST := magic "STRMAN01" | crc32c: u32 | length: u32 | payload ([sealed])
//
// Thread safety: plain values and pure functions.
// Invariants: segment ids are unique and < next_file_id; flushed_seq <= last_seq;
// resync_horizon >= the seq of every tombstone (once the manifest has been written by this
// version of the code; older manifests may hold tombstones above it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "types/commit_note.h"
#include "types/scan_spec.h"

namespace strata::storage {

inline constexpr std::string_view kManifestMagic = "STRMAN01";

struct SegmentEntry {
  uint64_t id = 0;
  int64_t partition = 0;
  uint64_t rows = 0;
  uint64_t file_bytes = 0;
  uint64_t logical_bytes = 0;  // Rows at their in-memory width, for compression ratio.
  int64_t min_seq = 0;
  int64_t max_seq = 0;
  int64_t min_time = 0;  // Of the time field; 0 without one.
  int64_t max_time = 0;
  int64_t applied_tombstone_seq = 0;
  uint32_t schema_version = 0;
  bool compacted = false;  // Written by compaction rather than a flush.
  // The fields the rows are sorted by (then seq); unset when unknown (segments of manifests
  // written before it was recorded), so compaction sorts them again.
  std::optional<std::vector<uint32_t>> order_key;
};

struct Tombstone {
  int64_t seq = 0;  // Deletes matching rows with a smaller sequence number.
  std::vector<types::Predicate> predicates;  // All must hold; empty matches every row.
  int64_t created_micros = 0;
};

struct Manifest {
  uint64_t version = 0;
  int64_t flushed_seq = 0;  // Every row with seq <= flushed_seq is in a segment (or deleted).
  int64_t last_seq = 0;     // The highest sequence number ever assigned, as of this version.
  uint64_t next_file_id = 1;
  int64_t last_ingest_micros = 0;
  std::vector<SegmentEntry> segments;
  std::vector<Tombstone> tombstones;
  // Commit notes not yet confirmed by their writer, kept here once their WAL records may be
  // gone (see types/commit_note.h). `dataset` is not stored.
  std::vector<types::CommittedNote> notes;
  // The largest seq of a delete this manifest ever held (tombstones are collected once
  // erased, this is not) or of a row removed by retention (dropped segments, and expired rows
  // that flush or compaction did not write). Never decreases. 0 in manifests written before
  // it existed. See types::DatasetStats::resync_horizon.
  int64_t resync_horizon = 0;
};

std::string EncodeManifestPayload(const Manifest& manifest);
Status DecodeManifestPayload(std::string_view payload, Manifest* manifest);

// Predicates as stored in manifests and WAL tombstone records.
class ByteWriter;
class ByteReader;
void PutPredicates(ByteWriter& out, const std::vector<types::Predicate>& predicates);
bool GetPredicates(ByteReader& in, std::vector<types::Predicate>* predicates);

}  // namespace strata::storage
