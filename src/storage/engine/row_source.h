// RowSource: the rows of one scan work item — a segment chunk, a segment's last-rows index or a
// memtable chunk — seen through the dataset's current schema. Columns are decoded lazily, once
// per source, and shared with the block cache (segments) or the memtable (chunks) when no
// conversion is needed.
// Thread safety: a source is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>

#include "common/result.h"
#include "storage/engine/block_cache.h"
#include "storage/engine/dataset_store_impl.h"
#include "types/schema.h"

namespace strata::storage {

using ColumnRef = std::shared_ptr<const types::ColumnVector>;

// Rows [begin, end) of a work item.
struct RowRange {
  uint32_t begin;
  uint32_t end;
};

class RowSource {
 public:
  virtual ~RowSource() = default;

  virtual size_t rows() const = 0;
  virtual int64_t min_seq() const = 0;
  virtual int64_t max_seq() const = 0;
  // Tombstones with seq <= this were applied when the rows were written.
  virtual int64_t applied_tombstone_seq() const { return 0; }
  virtual Result<const int64_t*> Seqs() = 0;
  // The column of a field of the current schema in the field's current type: stored values
  // converted by field id, or the field's default (or NULL) when these rows predate it.
  Result<ColumnRef> Column(uint32_t field_id);
  // Like Column for current fields; for a field no longer in the schema, the stored column
  // as written, or nullptr when absent. Tombstones may name dropped fields.
  Result<ColumnRef> AnyColumn(uint32_t field_id);
  // Column(field_id) handed over for good: moved out when no cache or other holder shares it,
  // copied otherwise. A later Column(field_id) decodes it again.
  Result<types::ColumnVector> ReleaseColumn(uint32_t field_id);
  // Rows `rows` (ascending) of Column(field_id), as a vector of their own; `runs` are the
  // same rows as runs of consecutive ones. A column not decoded yet is decoded for those rows
  // alone where the source allows (StoredRows); a decoded one is copied run by run when the
  // runs are long.
  Result<types::ColumnVector> SelectedColumn(uint32_t field_id, std::span<const uint32_t> rows,
                                             std::span<const RowRange> runs);
  virtual uint64_t bytes_read() const { return 0; }

 protected:
  explicit RowSource(const types::Schema& schema) : schema_(schema) {}
  // The column as stored, or nullptr when these rows have no such field.
  virtual Result<ColumnRef> Stored(uint32_t field_id) = 0;
  // Decodes rows `rows` of the stored column alone into *out and returns true, or returns
  // false when that is not possible or not wanted (the field is absent here, the whole
  // column is at hand, or it should be decoded whole to be cached).
  virtual Result<bool> StoredRows(uint32_t /*field_id*/, std::span<const uint32_t> /*rows*/,
                                  types::ColumnVector* /*out*/) {
    return false;
  }

 private:
  // The field of the current schema with this id, or nullptr.
  const types::Field* FindField(uint32_t field_id) const;

  const types::Schema& schema_;
  std::unordered_map<uint32_t, ColumnRef> columns_;
};

// The chunk index of a segment's last-rows index (segment_format.h LastRowsIndex).
inline constexpr size_t kLastRowsChunk = SIZE_MAX;

// REQUIRES: schema outlives the source; chunk_idx is a chunk of the segment, or
// kLastRowsChunk when the segment has a last-rows index. Decoded columns are looked up in
// `cache` (may be null), and added to it when fill_cache is set.
std::unique_ptr<RowSource> MakeSegmentChunkSource(std::shared_ptr<SegmentHandle> segment,
                                                  size_t chunk_idx, BlockCache* cache,
                                                  bool fill_cache, const types::Schema& schema);
std::unique_ptr<RowSource> MakeMemChunkSource(std::shared_ptr<const MemChunk> chunk,
                                              const types::Schema& schema);

}  // namespace strata::storage

namespace strata::storage {

// Appends the rows of source that survive snap's tombstones and seq — every field of
// snap.layout.schema, with seqs — to out (whose columns match the schema). Flush and
// compaction materialize rows through this, the same filter scans apply.
Status CollectRows(RowSource& source, const Snapshot& snap, types::Batch* out);

}  // namespace strata::storage
