// AuditLog: the tamper-evident audit log of one node (docs/security.md "Audit log";
// line format in audit_entry.h, files in audit_files.h).
//
// Appends: Append() queues the event and blocks until a writer thread has written it and
// fdatasync'ed the segment. Appends that arrive while a write is in flight share the next
// write and fsync (group commit), so auditing every request does not serialise requests on
// the disk. The writer assigns seq (gap-free from 1) and time (never going backwards), and
// chains each entry to the previous one.
// Checkpoints: after `checkpoint_entries` entries, once `checkpoint_interval_ms` has passed
// since the last checkpoint, before a segment is closed for rotation, and at Close(), the
// writer appends a checkpoint line signing (seq, hash) with the server's Ed25519 key, fsyncs,
// then replaces HEAD with it (atomically). HEAD is never ahead of the durable log.
// Failure: after any failed write or fsync the log refuses every later append (Unavailable,
// "audit_unavailable") until the process restarts; callers fail their requests (fail closed).
// Start-up (Open): the whole log is verified. An incomplete last line (a torn write) is
// truncated with a warning and recorded as an `audit.tail_truncated` entry. Any other damage,
// or a missing log where one is expected, refuses to open (AuditRecovery::kStrict) or moves
// the damaged files to broken-<time>/ and starts a new chain whose first entry,
// `audit.chain_restarted`, says why (kRestart).
// Reads: List() and Verify() read what is durable, concurrently with appends.
//
// Thread safety: thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_event.h"
#include "audit/audit_verifier.h"
#include "storage/env/env.h"

namespace strata::audit {

enum class AuditRecovery { kStrict, kRestart };

struct AuditLogOptions {
  std::string dir;  // <data_dir>/audit
  // audit.checkpoint_entries: at most this many entries between checkpoints. REQUIRES: >= 1.
  uint64_t checkpoint_entries = 1000;
  // audit.checkpoint_interval_seconds (in ms here): a checkpoint is written with the first
  // batch after this much time since the last one, or by itself when idle.
  int64_t checkpoint_interval_ms = 60'000;
  // audit.segment_bytes: a segment at this size is closed (with a checkpoint) and a new one
  // begun.
  uint64_t segment_bytes = 64ull << 20;
  AuditRecovery recovery = AuditRecovery::kStrict;  // audit.recovery
  // The server has written an audit log before (its signing key already existed): an empty
  // directory is then a removed log, handled as damage.
  bool expect_existing = false;
  storage::Env* env = storage::Env::Default();  // Never null.
};

struct AuditQuery {
  std::optional<int64_t> since_micros;  // time >= since.
  std::optional<int64_t> until_micros;  // time < until.
  std::string principal;                // Exact; "" = any.
  std::string action;                   // Exact, or a prefix when it ends in ".*"; "" = any.
  std::string dataset;                  // Exact; "" = any.
  bool ascending = false;               // Default: newest first.
  // Where the previous page stopped: descending, entries with seq < after (0: from the
  // newest); ascending, entries with seq > after.
  uint64_t after = 0;
  size_t limit = 100;  // REQUIRES: >= 1.
  // Entries examined at most; a page may then hold fewer than `limit` and still go on.
  size_t scan_budget = 20'000;
};

struct AuditPage {
  std::vector<std::string> entries;  // Entry lines as stored (JSON objects), in query order.
  std::optional<uint64_t> next;      // `after` of the next page; nullopt at the end.
};

class AuditLog final : public AuditSink {
 public:
  // Opens (creating when missing) the log in options.dir, signing checkpoints with
  // `private_key` (a 32-byte Ed25519 seed), and starts the writer. Errors: Corruption when
  // the log is damaged and options.recovery is kStrict (the message says where and what to
  // do); IoError and friends when the directory cannot be used.
  static Result<std::unique_ptr<AuditLog>> Open(AuditLogOptions options, std::string private_key);
  ~AuditLog() override;  // Close(), ignoring its error.

  Status Append(AuditEvent event) override;
  Status Health() const override;

  // Writes the final checkpoint, stops the writer and refuses later appends. Returns the
  // first write error the log met, if any. Idempotent.
  Status Close();

  // Verifies what is durable now with the server's public key.
  Result<VerifyReport> Verify() const;

  // Entries matching `query`, read from what is durable now.
  Result<AuditPage> List(const AuditQuery& query) const;

  const std::string& public_key() const { return public_key_; }
  const std::string& dir() const { return options_.dir; }

 private:
  // Entries are indexed in blocks: a block begins at the first entry of every segment and
  // then every kBlockEntries entries, so a page reads a few blocks, not whole segments.
  static constexpr uint64_t kBlockEntries = 256;
  struct Block {
    size_t segment = 0;
    uint64_t offset = 0;
    uint64_t first_seq = 0;
    int64_t first_time = 0;
    uint64_t entries = 0;
  };
  // The chain position the writer continues from.
  struct ChainState {
    uint64_t next_seq = 1;
    std::string last_hash = GenesisHash();
    int64_t last_time = 0;
  };

  AuditLog(AuditLogOptions options, std::string private_key);
  Status Start(std::vector<AuditEvent>& recovery_events);
  Status WriteHead(const Checkpoint& checkpoint);
  Status OpenSegment(uint64_t first_seq, bool create);
  void WriterLoop();
  // Writes `batch` (and a checkpoint when one is due or `final`) with one fsync.
  Status WriteBatch(std::vector<AuditEvent>& batch, bool final);
  void IndexEntry(size_t segment, uint64_t offset, uint64_t seq, int64_t time);
  std::vector<SegmentExtent> DurableExtents() const;
  Result<std::string> ReadBlock(const std::vector<Block>& blocks,
                                const std::vector<SegmentExtent>& segments, size_t block) const;

  const AuditLogOptions options_;
  const std::string private_key_;
  const std::string public_key_;

  // Writer thread only (and Start, before it runs).
  std::unique_ptr<storage::WritableFile> file_;
  ChainState chain_;
  uint64_t segment_size_ = 0;
  uint64_t entries_since_checkpoint_ = 0;
  std::chrono::steady_clock::time_point checkpoint_due_;

  mutable std::mutex mu_;  // Guards the members below.
  std::condition_variable writer_cv_;
  std::condition_variable done_cv_;
  std::vector<AuditEvent> queue_;
  uint64_t enqueued_ = 0;  // Events ever queued; the n-th is written once written_ >= n.
  uint64_t written_ = 0;
  Status failure_;  // Non-OK after the first failed write: every later append fails.
  bool closing_ = false;
  std::thread writer_;

  mutable std::shared_mutex index_mu_;   // Guards segments_ and blocks_.
  std::vector<SegmentExtent> segments_;  // Durable bytes of every segment.
  std::vector<Block> blocks_;
};

}  // namespace strata::audit
