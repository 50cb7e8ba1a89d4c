// StorageOptions: the embedded engine's tuning, from the `storage.*` configuration options
// (docs/configuration.md). None is hot-reloadable; they apply at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/encoding/compression.h"

namespace strata::storage {

enum class Durability {
  kFsync,  // An append is acknowledged after the fsync that covers its WAL record.
  kAsync,  // Acknowledged after the write(); a machine crash can lose the last ~second.
};

enum class WalRecovery {
  kStrict,    // Damage before the end of a WAL stops the dataset from opening.
  kTruncate,  // Damage drops the log from the damaged record on, with an error in the log.
};

struct StorageOptions {
  std::string data_dir;
  Durability durability = Durability::kFsync;
  // Extra time a commit leader waits for more appends to share its fsync. Appends arriving
  // while an fsync runs always share the next one. Default: 0.
  int64_t group_commit_window_us = 0;
  // A memtable is flushed to segments once it holds this many bytes... Default: 64 MiB.
  size_t memtable_flush_bytes = 64u << 20;
  // ...or once its oldest row is this old. Default: 60 s.
  int64_t memtable_flush_age_ms = 60'000;
  // Appends wait (up to write_stall_timeout_ms, then fail with Unavailable "overloaded")
  // while a dataset holds more than this many bytes not yet flushed. 0: four times
  // memtable_flush_bytes. Bounds memory when flushing falls behind ingestion.
  size_t max_unflushed_bytes = 0;
  int64_t write_stall_timeout_ms = 10'000;
  Compression compression = Compression::kLz4;
  int zstd_level = 3;
  size_t chunk_rows = 65536;
  // Compaction merges a partition once it has this many segments. Default: 4.
  size_t compaction_min_segments = 4;
  // Decoded column chunks kept in memory for scans. Default: 512 MiB.
  size_t block_cache_bytes = 512u << 20;
  // How often the background task checks flush age, compaction and retention. Default: 1 s.
  int64_t maintenance_interval_ms = 1000;
  WalRecovery wal_recovery = WalRecovery::kStrict;
  // Appends fail with InsufficientStorage while free disk is below this. Default: 0 (off).
  uint64_t min_free_bytes = 0;
  // 32-byte master key file; empty: datasets are not encrypted.
  std::string master_key_file;
  // Run no background thread (tests drive Flush/Compact/ApplyRetention by hand).
  bool manual_maintenance = false;
};

}  // namespace strata::storage
