#include "storage/engine/row_source.h"

namespace strata::storage {

const types::Field* RowSource::FindField(uint32_t field_id) const {
  for (const types::Field& field : schema_.fields) {
    if (field.id == field_id) return &field;
  }
  return nullptr;
}

Result<ColumnRef> RowSource::Column(uint32_t field_id) {
  if (auto it = columns_.find(field_id); it != columns_.end()) return it->second;
  const types::Field* field = FindField(field_id);
  if (field == nullptr) return Status::Internal("column of a field not in the schema");
  STRATA_ASSIGN_OR_RETURN(ColumnRef stored, Stored(field_id));
  ColumnRef column;
  if (stored != nullptr && stored->type() == field->type) {
    column = std::move(stored);
  } else {
    column =
        std::make_shared<const types::ColumnVector>(ConvertColumn(stored.get(), *field, rows()));
  }
  columns_[field_id] = column;
  return column;
}

Result<types::ColumnVector> RowSource::ReleaseColumn(uint32_t field_id) {
  STRATA_ASSIGN_OR_RETURN(ColumnRef column, Column(field_id));
  columns_.erase(field_id);
  if (column.use_count() == 1) {
    // The only holder: the vector was created mutable (decoded or converted here), so it may
    // be moved from.
    return std::move(const_cast<types::ColumnVector&>(*column));
  }
  return types::ColumnVector(*column);
}

Result<types::ColumnVector> RowSource::SelectedColumn(uint32_t field_id,
                                                      std::span<const uint32_t> rows,
                                                      std::span<const RowRange> runs) {
  const types::Field* field = FindField(field_id);
  if (field != nullptr && !columns_.contains(field_id)) {
    types::ColumnVector picked;
    STRATA_ASSIGN_OR_RETURN(const bool decoded, StoredRows(field_id, rows, &picked));
    if (decoded) {
      if (picked.type() == field->type) return picked;
      return ConvertColumn(&picked, *field, rows.size());
    }
  }
  STRATA_ASSIGN_OR_RETURN(ColumnRef column, Column(field_id));
  types::ColumnVector out(column->type());
  out.Reserve(rows.size());
  // Runs of 32 rows and more on average: a copy per run beats a gather per row.
  if (runs.size() * 32 <= rows.size()) {
    for (const RowRange& run : runs) out.AppendRange(*column, run.begin, run.end);
  } else {
    out.AppendSelected(*column, rows);
  }
  return out;
}

Result<ColumnRef> RowSource::AnyColumn(uint32_t field_id) {
  if (FindField(field_id) != nullptr) return Column(field_id);
  return Stored(field_id);
}

namespace {

class SegmentChunkSource final : public RowSource {
 public:
  SegmentChunkSource(std::shared_ptr<SegmentHandle> segment, size_t chunk_idx, BlockCache* cache,
                     bool fill_cache, const types::Schema& schema)
      : RowSource(schema),
        segment_(std::move(segment)),
        chunk_idx_(chunk_idx),
        cache_(cache),
        fill_cache_(fill_cache) {}

  size_t rows() const override {
    const SegmentFooter& footer = segment_->reader->footer();
    return last_rows() ? footer.last_rows->rows : footer.ChunkRows(chunk_idx_);
  }
  int64_t min_seq() const override { return segment_->entry.min_seq; }
  int64_t max_seq() const override { return segment_->entry.max_seq; }
  int64_t applied_tombstone_seq() const override { return segment_->entry.applied_tombstone_seq; }
  uint64_t bytes_read() const override { return bytes_read_; }

  Result<const int64_t*> Seqs() override {
    if (seqs_ == nullptr) {
      STRATA_ASSIGN_OR_RETURN(seqs_, Stored(kSeqFieldId));
      if (seqs_ == nullptr) return Status::Corruption(segment_->path + " has no sequence column");
    }
    return seqs_->ints().data();
  }

 protected:
  Result<ColumnRef> Stored(uint32_t field_id) override {
    const SegmentFooter& footer = segment_->reader->footer();
    const size_t col_idx = ColumnIndex(field_id);
    if (col_idx == footer.columns.size()) return ColumnRef();
    const BlockCache::Key key = CacheKey(col_idx);
    if (ColumnRef cached = cache_ != nullptr ? cache_->Lookup(key) : nullptr) return cached;
    auto column = std::make_shared<types::ColumnVector>();
    if (last_rows()) {
      STRATA_RETURN_IF_ERROR(segment_->reader->ReadLastRows(col_idx, column.get()));
      bytes_read_ += footer.last_rows->blocks[col_idx].stored_bytes;
    } else {
      STRATA_RETURN_IF_ERROR(segment_->reader->ReadChunk(col_idx, chunk_idx_, column.get()));
      bytes_read_ += footer.columns[col_idx].chunks[chunk_idx_].stored_bytes;
    }
    if (cache_ != nullptr && fill_cache_) cache_->Insert(key, column);
    return ColumnRef(std::move(column));
  }

  // For chunk columns the cache does not hold, when the scan reads through the cache or
  // keeps at most a quarter of the chunk's rows: a column decoded for a few rows is not
  // cached (the next scan decodes what it keeps again, which costs little), one decoded for
  // most of them is decoded whole and cached.
  Result<bool> StoredRows(uint32_t field_id, std::span<const uint32_t> rows,
                          types::ColumnVector* out) override {
    if (last_rows()) return false;
    if (cache_ != nullptr && fill_cache_ && rows.size() * kMostRowsRatio > this->rows()) {
      return false;
    }
    const SegmentFooter& footer = segment_->reader->footer();
    const size_t col_idx = ColumnIndex(field_id);
    if (col_idx == footer.columns.size()) return false;
    if (cache_ != nullptr && cache_->Lookup(CacheKey(col_idx)) != nullptr) return false;
    STRATA_RETURN_IF_ERROR(segment_->reader->ReadChunkRows(col_idx, chunk_idx_, rows, out));
    bytes_read_ += footer.columns[col_idx].chunks[chunk_idx_].stored_bytes;
    return true;
  }

 private:
  static constexpr uint32_t kLastRowsCacheChunk = UINT32_MAX;
  // A scan that fills the cache decodes a column whole when it keeps more than 1/this of
  // the rows.
  static constexpr size_t kMostRowsRatio = 4;
  bool last_rows() const { return chunk_idx_ == kLastRowsChunk; }
  // The segment column of a field, or footer().columns.size() when it has none.
  size_t ColumnIndex(uint32_t field_id) const {
    const SegmentFooter& footer = segment_->reader->footer();
    size_t col_idx = footer.columns.size();
    for (size_t i = 0; i < footer.columns.size(); ++i) {
      if (footer.columns[i].field_id == field_id) col_idx = i;
    }
    return col_idx;
  }
  BlockCache::Key CacheKey(size_t col_idx) const {
    return {segment_->reader->cache_id(), static_cast<uint32_t>(col_idx),
            last_rows() ? kLastRowsCacheChunk : static_cast<uint32_t>(chunk_idx_)};
  }

  std::shared_ptr<SegmentHandle> segment_;
  size_t chunk_idx_;  // kLastRowsChunk: the last-rows index.
  BlockCache* cache_;
  bool fill_cache_;
  ColumnRef seqs_;
  uint64_t bytes_read_ = 0;
};

class MemChunkSource final : public RowSource {
 public:
  MemChunkSource(std::shared_ptr<const MemChunk> chunk, const types::Schema& schema)
      : RowSource(schema), chunk_(std::move(chunk)) {}

  size_t rows() const override { return chunk_->batch.num_rows; }
  int64_t min_seq() const override { return chunk_->first_seq; }
  int64_t max_seq() const override { return chunk_->last_seq(); }

  Result<const int64_t*> Seqs() override {
    if (seqs_.empty()) {
      seqs_.resize(rows());
      for (size_t row_idx = 0; row_idx < seqs_.size(); ++row_idx) {
        seqs_[row_idx] = chunk_->first_seq + static_cast<int64_t>(row_idx);
      }
    }
    return seqs_.data();
  }

 protected:
  Result<ColumnRef> Stored(uint32_t field_id) override {
    const std::optional<size_t> col_idx = chunk_->batch.ColumnIndex(field_id);
    if (!col_idx) return ColumnRef();
    // Shares ownership with the chunk: no copy.
    return ColumnRef(chunk_, &chunk_->batch.columns[*col_idx]);
  }

 private:
  std::shared_ptr<const MemChunk> chunk_;
  std::vector<int64_t> seqs_;
};

}  // namespace

std::unique_ptr<RowSource> MakeSegmentChunkSource(std::shared_ptr<SegmentHandle> segment,
                                                  size_t chunk_idx, BlockCache* cache,
                                                  bool fill_cache, const types::Schema& schema) {
  return std::make_unique<SegmentChunkSource>(std::move(segment), chunk_idx, cache, fill_cache,
                                              schema);
}

std::unique_ptr<RowSource> MakeMemChunkSource(std::shared_ptr<const MemChunk> chunk,
                                              const types::Schema& schema) {
  return std::make_unique<MemChunkSource>(std::move(chunk), schema);
}

}  // namespace strata::storage
