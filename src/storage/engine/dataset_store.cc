#include "storage/engine/dataset_store.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "common/logging.h"
#include "common/time_util.h"
#include "storage/encoding/byte_io.h"
#include "storage/engine/dataset_store_impl.h"
#include "storage/engine/manifest_file.h"
#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_reader.h"

namespace strata::storage {

SegmentHandle::~SegmentHandle() {
  if (obsolete.load()) {
    if (reader != nullptr && cache != nullptr) cache->EraseSegment(reader->cache_id());
    Status status = env->DeleteFile(path);
    if (!status.ok()) {
      STRATA_LOG(kWarn, "obsolete segment not deleted").Str("error", status.ToString());
    }
  }
}

std::string DatasetStore::Impl::SegmentPath(uint64_t segment_id) const {
  char name[32];
  std::snprintf(name, sizeof(name), "seg-%012" PRIu64 ".seg", segment_id);
  return JoinPath(dir, name);
}

std::string DatasetStore::Impl::WalPath(int64_t first_seq) const {
  char name[40];
  std::snprintf(name, sizeof(name), "wal-%020" PRId64 ".log", first_seq);
  return JoinPath(dir, name);
}

types::ColumnVector ConvertColumn(const types::ColumnVector* stored, const types::Field& field,
                                  size_t rows) {
  if (stored == nullptr) {
    types::ColumnVector column(field.type);
    column.Reserve(rows);
    for (size_t row_idx = 0; row_idx < rows; ++row_idx) column.AppendValue(field.default_value);
    return column;
  }
  types::ColumnVector column = *stored;
  if (column.type() == types::DataType::kInt64 && field.type == types::DataType::kFloat64) {
    column.WidenToFloat64();
  }
  return column;
}

DatasetStore::DatasetStore(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)), dir_(impl_->dir), id_(impl_->id) {}

DatasetStore::~DatasetStore() { Close().IgnoreError(); }

Result<std::unique_ptr<DatasetStore>> DatasetStore::Open(Env* env, std::string dir,
                                                         types::DatasetLayout layout,
                                                         const StorageOptions& options,
                                                         BlockCache* cache,
                                                         std::unique_ptr<BlockCipher> cipher) {
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->dir = std::move(dir);
  impl->id = layout.id;
  impl->options = options;
  impl->cache = cache;
  impl->cipher = std::move(cipher);
  impl->layout = std::move(layout);
  Impl& s = *impl;
  auto annotate = [&](const Status& status) {
    return status.Annotate("dataset '" + s.id + "' cannot be opened");
  };

  // 1. The manifest: which segments hold which rows.
  Manifest manifest;
  Status status = ReadManifestFile(env, s.dir, s.cipher.get(), s.id, &manifest);
  if (status.code() == StatusCode::kNotFound) {
    manifest = Manifest{};
    status = WriteManifestFile(env, s.dir, s.cipher.get(), s.id, manifest);
  }
  if (!status.ok()) return annotate(status);
  auto version = std::make_shared<Version>();
  version->manifest = manifest;
  for (const SegmentEntry& entry : manifest.segments) {
    Result<std::shared_ptr<SegmentHandle>> handle = s.OpenSegment(entry);
    if (!handle.ok()) return annotate(handle.status());
    version->segments.push_back(std::move(handle).value());
  }
  s.current = version;
  s.next_file_id = manifest.next_file_id;
  s.last_seq = manifest.last_seq;
  s.last_ingest_micros = manifest.last_ingest_micros;
  for (types::CommittedNote note : manifest.notes) {
    note.dataset = s.id;
    std::string key = note.key;
    s.notes.emplace(std::move(key), std::move(note));
  }

  // 2. Files a crash left behind: unreferenced segments and temporary files.
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(s.dir));
  std::vector<std::string> wal_files;
  for (const std::string& name : names) {
    if (name.ends_with(".tmp")) {
      env->DeleteFile(JoinPath(s.dir, name)).IgnoreError();
    } else if (name.starts_with("seg-")) {
      const bool referenced = std::any_of(
          manifest.segments.begin(), manifest.segments.end(),
          [&](const SegmentEntry& entry) { return BaseName(s.SegmentPath(entry.id)) == name; });
      if (!referenced) env->DeleteFile(JoinPath(s.dir, name)).IgnoreError();
    } else if (name.starts_with("wal-") && name.ends_with(".log")) {
      wal_files.push_back(name);
    }
  }

  // 3. Replay the WAL past the flushed sequence number into the memtable.
  s.active = std::make_shared<Memtable>();
  for (size_t file_idx = 0; file_idx < wal_files.size(); ++file_idx) {
    const std::string path = JoinPath(s.dir, wal_files[file_idx]);
    const bool last_file = file_idx + 1 == wal_files.size();
    auto apply = [&](const WalRecord& record) -> Status {
      if (record.type == WalRecordType::kTombstone) {
        ByteReader in(record.payload);
        Tombstone tombstone;
        uint64_t seq = 0;
        if (!in.GetFixed64(&seq) || !in.GetZigzag64(&tombstone.created_micros) ||
            !GetPredicates(in, &tombstone.predicates) || !in.empty()) {
          return Status::Corruption("malformed tombstone record in " + path);
        }
        tombstone.seq = static_cast<int64_t>(seq);
        s.last_seq = std::max(s.last_seq, tombstone.seq);
        if (tombstone.seq <= manifest.flushed_seq) return {};
        s.active->last_seq = std::max(s.active->last_seq, tombstone.seq);
        s.active->tombstones.push_back(std::move(tombstone));
        s.erase_pending = true;
        return {};
      }
      auto chunk = std::make_shared<MemChunk>();
      std::optional<types::CommitNote> note;
      Status decoded = DecodeBatchRecord(record.payload, &chunk->first_seq, &chunk->batch, &note);
      if (!decoded.ok()) return decoded.Annotate(path);
      s.last_seq = std::max(s.last_seq, chunk->last_seq());
      // A note is unconfirmed until its writer says otherwise; notes of records already
      // flushed were carried into the manifest if still unconfirmed then.
      if (note && chunk->last_seq() > manifest.flushed_seq) {
        s.notes[note->key] = types::CommittedNote{s.id, note->key, std::move(note->payload),
                                                  chunk->first_seq, chunk->last_seq()};
      }
      if (chunk->last_seq() <= manifest.flushed_seq) return {};
      s.active->bytes += chunk->batch.MemoryBytes();
      s.active->rows += chunk->batch.num_rows;
      s.active->last_seq = std::max(s.active->last_seq, chunk->last_seq());
      if (s.active->oldest_micros == 0) s.active->oldest_micros = NowMicros();
      s.active->chunks.push_back(std::move(chunk));
      return {};
    };
    const WalDamagePolicy policy = options.wal_recovery == WalRecovery::kTruncate
                                       ? WalDamagePolicy::kStopAtDamage
                                   : last_file ? WalDamagePolicy::kTornTailOnly
                                               : WalDamagePolicy::kFail;
    Result<WalReadResult> read = ReadWal(env, path, s.cipher.get(), s.id, policy, apply);
    if (!read.ok()) return annotate(read.status());
    if (read.value().torn_tail) {
      STRATA_LOG(kWarn, "truncating torn write-ahead log tail")
          .Str("dataset", s.id)
          .Str("file", path)
          .Str("problem", read.value().tail_problem);
      STRATA_RETURN_IF_ERROR(env->TruncateFile(path, read.value().valid_bytes));
    }
    s.active->wal_paths.push_back(path);
    if (read.value().torn_tail && !last_file) {
      // storage.wal_recovery = "truncate": everything after the damage is dropped.
      STRATA_LOG(kError, "write-ahead log damaged; dropping the records after the damage")
          .Str("dataset", s.id)
          .Str("file", path);
      for (size_t later = file_idx + 1; later < wal_files.size(); ++later) {
        STRATA_RETURN_IF_ERROR(env->DeleteFile(JoinPath(s.dir, wal_files[later])));
      }
      break;
    }
  }
  s.visible_seq = s.last_seq;

  // 4. Continue writing the last WAL, or start one.
  const std::string wal_path =
      s.active->wal_paths.empty() ? s.WalPath(s.last_seq + 1) : s.active->wal_paths.back();
  STRATA_ASSIGN_OR_RETURN(s.wal, WalWriter::Open(env, wal_path, s.cipher.get(), s.id));
  STRATA_RETURN_IF_ERROR(s.wal->Sync());
  s.wal_good_size = s.wal->size();
  if (s.active->wal_paths.empty()) s.active->wal_paths.push_back(wal_path);
  return std::unique_ptr<DatasetStore>(new DatasetStore(std::move(impl)));
}

Result<std::shared_ptr<SegmentHandle>> DatasetStore::Impl::OpenSegment(const SegmentEntry& entry) {
  auto handle = std::make_shared<SegmentHandle>();
  handle->entry = entry;
  handle->path = SegmentPath(entry.id);
  handle->env = env;
  handle->cache = cache;
  STRATA_ASSIGN_OR_RETURN(handle->reader, SegmentReader::Open(env, handle->path, cipher.get(), id));
  return handle;
}

Result<AppendResult> DatasetStore::Append(types::Batch batch, const types::CommitNote* note) {
  if (batch.num_rows == 0) return Status::InvalidArgument("an append needs at least one row");
  if (const std::string problem = batch.Validate(); !problem.empty()) {
    return Status::InvalidArgument("malformed batch: " + problem);
  }
  // String dictionaries are built here, as rows arrive, on the appending threads in
  // parallel: the WAL record and the memtable then hold each distinct string of the batch
  // once, and flush and compaction find distinct strings through codes instead of hashing
  // every row again.
  for (types::ColumnVector& column : batch.columns) {
    if (types::IsStringStored(column.type())) column.DictionaryEncode();
  }
  // Reused per thread: a fresh multi-megabyte buffer per append costs more in page faults
  // than the encoding itself.
  thread_local ByteWriter encoded;
  encoded.buffer().clear();
  EncodeBatchRecord(0, batch, encoded, note);
  CommitWriter writer;
  writer.kind = CommitWriter::Kind::kAppend;
  writer.note = note;
  writer.batch = &batch;
  writer.encoded = &encoded.buffer();
  STRATA_RETURN_IF_ERROR(impl_->Commit(&writer));
  return AppendResult{writer.first_seq, writer.last_seq};
}

Result<int64_t> DatasetStore::DeleteWhere(std::vector<types::Predicate> predicates) {
  CommitWriter writer;
  writer.kind = CommitWriter::Kind::kDelete;
  writer.predicates = &predicates;
  STRATA_RETURN_IF_ERROR(impl_->Commit(&writer));
  return writer.first_seq;
}

std::vector<types::CommittedNote> DatasetStore::UnconfirmedNotes() const {
  std::lock_guard lock(impl_->mu);
  std::vector<types::CommittedNote> notes;
  for (const auto& [key, note] : impl_->notes) notes.push_back(note);
  return notes;
}

void DatasetStore::ConfirmNotes(const std::vector<std::string>& keys) {
  std::lock_guard lock(impl_->mu);
  for (const std::string& key : keys) impl_->notes.erase(key);
}

Status DatasetStore::Impl::RepairWalLocked() {
  // A failed write (not a failed sync) leaves whole, synced records before wal_good_size:
  // cut the partial tail and continue in the same file.
  const std::string path = wal->path();
  wal->Close().IgnoreError();
  wal.reset();
  STRATA_RETURN_IF_ERROR(env->TruncateFile(path, wal_good_size));
  STRATA_ASSIGN_OR_RETURN(wal, WalWriter::Open(env, path, cipher.get(), id));
  STRATA_RETURN_IF_ERROR(wal->Sync());
  broken = Status();
  return {};
}

Status DatasetStore::Impl::RotateLocked() {
  if (active->chunks.empty() && active->tombstones.empty()) return {};
  const std::string path = WalPath(last_seq + 1);
  if (path == wal->path()) {
    // Nothing was written since the current WAL was started (after recovery replayed older
    // files into this memtable): it stays the live WAL, and only the older files go with
    // the frozen memtable.
    auto frozen_memtable = std::move(active);
    std::erase(frozen_memtable->wal_paths, path);
    frozen.push_back(std::move(frozen_memtable));
    active = std::make_shared<Memtable>();
    active->wal_paths.push_back(path);
    return {};
  }
  STRATA_RETURN_IF_ERROR(wal->Close());
  wal.reset();
  Result<std::unique_ptr<WalWriter>> next = WalWriter::Open(env, path, cipher.get(), id);
  if (!next.ok()) {
    broken = next.status().Annotate("cannot start a new write-ahead log");
    return broken;
  }
  wal = std::move(next).value();
  wal_good_size = wal->size();
  frozen.push_back(std::move(active));
  active = std::make_shared<Memtable>();
  active->wal_paths.push_back(path);
  return {};
}

Status DatasetStore::Impl::Commit(CommitWriter* writer) {
  std::unique_lock lock(mu);
  if (closed) return Status::Unavailable("dataset '" + id + "' is closed");
  if (writer->kind != CommitWriter::Kind::kRotate && options.min_free_bytes > 0) {
    const int64_t now = NowMicros();
    if (now - free_check_micros > 100'000) {
      free_check_micros = now;
      Result<uint64_t> free = env->FreeBytes(dir);
      free_bytes = free.ok() ? free.value() : UINT64_MAX;
    }
    if (free_bytes < options.min_free_bytes) {
      return Status::InsufficientStorage(
          "free disk space is below storage.min_free_bytes; writes resume when space is freed");
    }
  }
  if (writer->kind == CommitWriter::Kind::kAppend) {
    // Backpressure: memory is bounded when flushing falls behind.
    const size_t limit = UnflushedLimit();
    if (UnflushedBytesLocked() > limit) {
      if (wake_maintenance) wake_maintenance();
      const bool drained =
          flushed_cv.wait_for(lock, std::chrono::milliseconds(options.write_stall_timeout_ms),
                              [&] { return closed || UnflushedBytesLocked() <= limit; });
      if (closed) return Status::Unavailable("dataset '" + id + "' is closed");
      if (!drained) {
        return Status::Unavailable("dataset '" + id +
                                   "' is overloaded: " + std::to_string(UnflushedBytesLocked()) +
                                   " bytes wait to be written to segments; retry later")
            .WithProblemCode("overloaded");
      }
    }
  }
  writers.push_back(writer);
  while (!writer->done && writer != writers.front()) writer->cv.wait(lock);
  if (writer->done) return writer->status;

  // This writer leads: it commits itself and the appends queued behind it.
  auto finish_front = [&] {
    writers.pop_front();
    if (!writers.empty()) writers.front()->cv.notify_one();
  };
  if (!broken.ok() && !wal_sync_failed) {
    Status repaired = RepairWalLocked();
    if (!repaired.ok()) broken = repaired;
  }
  if (!broken.ok()) {
    writer->status = broken.Annotate("dataset '" + id +
                                     "' refuses writes until it is reopened (restart stratad): "
                                     "its write-ahead log failed earlier");
    finish_front();
    return writer->status;
  }
  if (writer->kind == CommitWriter::Kind::kRotate) {
    writer->status = RotateLocked();
    finish_front();
    return writer->status;
  }
  if (options.group_commit_window_us > 0) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(options.group_commit_window_us));
    lock.lock();
  }
  std::vector<CommitWriter*> group;
  size_t group_bytes = 0;
  for (CommitWriter* member : writers) {
    if (member->kind == CommitWriter::Kind::kRotate) break;
    if (!group.empty() && group_bytes > (64u << 20)) break;
    group.push_back(member);
    if (member->kind == CommitWriter::Kind::kAppend) {
      member->first_seq = last_seq + 1;
      last_seq += static_cast<int64_t>(member->batch->num_rows);
      group_bytes += member->batch->MemoryBytes();
    } else {
      member->first_seq = ++last_seq;
    }
    member->last_seq = last_seq;
  }
  const int64_t now = NowMicros();
  WalWriter* log = wal.get();
  lock.unlock();

  Status status;
  for (CommitWriter* member : group) {
    if (member->kind == CommitWriter::Kind::kAppend) {
      SetBatchRecordSeq(member->first_seq, *member->encoded);
      status = log->Stage(WalRecordType::kBatch, *member->encoded);
    } else {
      ByteWriter payload(std::move(tombstone_scratch));
      payload.buffer().clear();
      payload.PutFixed64(static_cast<uint64_t>(member->first_seq));
      payload.PutZigzag64(now);
      PutPredicates(payload, *member->predicates);
      status = log->Stage(WalRecordType::kTombstone, payload.buffer());
      tombstone_scratch = payload.Release();
    }
    if (!status.ok()) break;
  }
  bool sync_failed = false;
  if (status.ok()) {
    status = log->Commit(false);
    if (status.ok() && options.durability == Durability::kFsync) {
      status = log->Sync();
      sync_failed = !status.ok();
    }
  }

  lock.lock();
  if (!status.ok()) {
    broken = status;
    wal_sync_failed = wal_sync_failed || sync_failed;
    // The sequence numbers of the group are never reused: a later commit continues above.
    STRATA_LOG(kError, "write-ahead log write failed; the dataset refuses writes")
        .Str("dataset", id)
        .Str("error", status.ToString());
  } else {
    wal_good_size = log->size();
    for (CommitWriter* member : group) {
      if (member->kind == CommitWriter::Kind::kAppend) {
        auto chunk = std::make_shared<MemChunk>();
        chunk->first_seq = member->first_seq;
        chunk->batch = std::move(*member->batch);
        active->bytes += chunk->batch.MemoryBytes();
        active->rows += chunk->batch.num_rows;
        if (active->oldest_micros == 0) active->oldest_micros = now;
        active->chunks.push_back(std::move(chunk));
        last_ingest_micros = now;
        if (member->note != nullptr) {
          notes[member->note->key] = types::CommittedNote{
              id, member->note->key, member->note->payload, member->first_seq, member->last_seq};
        }
      } else {
        Tombstone tombstone;
        tombstone.seq = member->first_seq;
        tombstone.created_micros = now;
        tombstone.predicates = std::move(*member->predicates);
        active->tombstones.push_back(std::move(tombstone));
        erase_pending = true;
      }
      active->last_seq = member->last_seq;
      visible_seq = member->last_seq;
    }
  }
  for (CommitWriter* member : group) {
    writers.pop_front();
    member->status = status;
    member->done = true;
    if (member != writer) member->cv.notify_one();
  }
  if (!writers.empty()) writers.front()->cv.notify_one();
  return writer->status;
}

size_t DatasetStore::Impl::UnflushedBytesLocked() const {
  size_t bytes = active->bytes;
  for (const auto& memtable : frozen) bytes += memtable->bytes;
  return bytes;
}

int64_t DatasetStore::Impl::ResyncHorizonLocked() const {
  int64_t horizon = current->manifest.resync_horizon;
  for (const Tombstone& tombstone : current->manifest.tombstones) {
    horizon = std::max(horizon, tombstone.seq);
  }
  auto add = [&](const Memtable& memtable) {
    for (const Tombstone& tombstone : memtable.tombstones) {
      horizon = std::max(horizon, tombstone.seq);
    }
  };
  for (const auto& memtable : frozen) add(*memtable);
  add(*active);
  return horizon;
}

void DatasetStore::SetMaintenanceWaker(std::function<void()> wake) {
  std::lock_guard lock(impl_->mu);
  impl_->wake_maintenance = std::move(wake);
}

Snapshot DatasetStore::Impl::TakeSnapshot(int64_t snapshot_seq) const {
  Snapshot snap;
  std::lock_guard lock(mu);
  snap.version = current;
  snap.seq = snapshot_seq > 0 ? std::min(snapshot_seq, visible_seq) : visible_seq;
  snap.layout = layout;
  for (const Tombstone& tombstone : current->manifest.tombstones) {
    if (tombstone.seq <= snap.seq) snap.tombstones.push_back(tombstone);
  }
  auto add = [&](const Memtable& memtable) {
    for (const auto& chunk : memtable.chunks) {
      if (chunk->first_seq <= snap.seq) snap.chunks.push_back(chunk);
    }
    for (const Tombstone& tombstone : memtable.tombstones) {
      if (tombstone.seq <= snap.seq) snap.tombstones.push_back(tombstone);
    }
  };
  for (const auto& memtable : frozen) add(*memtable);
  add(*active);
  return snap;
}

void DatasetStore::UpdateLayout(types::DatasetLayout layout) {
  std::lock_guard lock(impl_->mu);
  impl_->layout = std::move(layout);
}

types::DatasetLayout DatasetStore::layout() const {
  std::lock_guard lock(impl_->mu);
  return impl_->layout;
}

DatasetStats DatasetStore::Stats() const {
  std::lock_guard lock(impl_->mu);
  DatasetStats stats;
  std::vector<int64_t> partitions;
  for (const SegmentEntry& segment : impl_->current->manifest.segments) {
    stats.rows += segment.rows;
    stats.bytes_on_disk += segment.file_bytes;
    stats.logical_bytes += segment.logical_bytes;
    partitions.push_back(segment.partition);
  }
  std::sort(partitions.begin(), partitions.end());
  stats.partitions = std::unique(partitions.begin(), partitions.end()) - partitions.begin();
  stats.segments = impl_->current->manifest.segments.size();
  auto add = [&](const Memtable& memtable) { stats.memtable_rows += memtable.rows; };
  for (const auto& memtable : impl_->frozen) add(*memtable);
  add(*impl_->active);
  stats.rows += stats.memtable_rows;
  for (const auto& memtable : impl_->frozen) {
    for (const std::string& path : memtable->wal_paths) {
      Result<uint64_t> size = impl_->env->FileSize(path);
      if (size.ok()) stats.bytes_on_disk += size.value();
    }
  }
  if (impl_->wal != nullptr) stats.bytes_on_disk += impl_->wal->size();
  stats.last_seq = impl_->visible_seq;
  stats.last_ingest_micros = impl_->last_ingest_micros;
  stats.resync_horizon = impl_->ResyncHorizonLocked();
  return stats;
}

Status DatasetStore::Close() {
  if (impl_ == nullptr) return {};
  std::scoped_lock maintenance(impl_->flush_mu, impl_->compact_mu);
  std::unique_lock lock(impl_->mu);
  if (impl_->closed) return {};
  // Wait for in-flight commits: a closing writer joins the queue like a rotation would.
  while (!impl_->writers.empty()) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    lock.lock();
  }
  impl_->closed = true;
  impl_->flushed_cv.notify_all();
  Status status;
  if (impl_->wal != nullptr) {
    if (impl_->broken.ok()) status = impl_->wal->Sync();
    Status closed = impl_->wal->Close();
    if (status.ok() && impl_->broken.ok()) status = closed;
    impl_->wal.reset();
  }
  return status;
}

}  // namespace strata::storage
