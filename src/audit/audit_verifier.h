// Verification of an audit log directory (docs/security.md "Audit log"): the hash chain of
// every entry, the signature of every checkpoint, and the HEAD checkpoint against the end of
// the log. Used by GET /v1/audit/verify, by `stratad audit verify` and at start-up.
//
// What is checked, in order, stopping at the first damage:
//   - entries have seq 1, 2, 3, ... (a gap is a deleted entry, a step back a reordered one);
//     a segment's first entry has the seq its file name announces;
//   - each line is in canonical form, its prev is the previous entry's hash and its hash is
//     SHA-256(prev || canonical form) (any edited byte fails one of these);
//   - time never goes backwards;
//   - each checkpoint follows the entry it signs, names its hash, and its Ed25519 signature
//     verifies with the given public key;
//   - HEAD is a checkpoint that verifies too, of an entry the log holds with that hash; a log
//     that ends before HEAD's seq was truncated. Segments without HEAD are damage.
//   - every line ends with '\n' (an incomplete last line is a torn write or a truncation).
// Thread safety: stateless; safe to run while the log is being appended to when `extents`
// limits the read to what is durable and HEAD is replaced only after that has grown.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_entry.h"
#include "common/result.h"
#include "storage/env/env.h"

namespace strata::audit {

struct SegmentExtent {
  std::string name;    // File name in the directory.
  uint64_t bytes = 0;  // How much of it to read.
};

struct LineInfo {
  size_t segment = 0;   // Index into VerifyReport::segments.
  uint64_t offset = 0;  // Of the line's first byte.
  uint64_t length = 0;  // Including its '\n'.
  const AuditLine& line;
};

struct VerifyOptions {
  std::string public_key;  // 32 raw bytes: verifies checkpoints and HEAD.
  // The segments to read and how many bytes of each (the writer's durable sizes), asked
  // for after HEAD has been read, so that HEAD never runs ahead of them. Null: every segment
  // file in the directory, whole.
  std::function<std::vector<SegmentExtent>()> extents;
  // An incomplete last line of the last segment is reported in `torn_tail_offset` instead
  // of as damage (start-up recovery truncates it).
  bool allow_torn_tail = false;
  // Called for each intact line, in order.
  std::function<void(const LineInfo&)> on_line;
};

struct VerifyReport {
  bool ok = true;
  uint64_t entries = 0;      // Intact entries.
  uint64_t checkpoints = 0;  // Verified checkpoint lines (HEAD not counted).
  uint64_t last_seq = 0;     // Of the last intact entry.
  std::string last_hash = GenesisHash();
  int64_t last_time = 0;
  std::optional<Checkpoint> head;             // HEAD as read.
  std::optional<Checkpoint> last_checkpoint;  // The last intact checkpoint line.
  std::vector<SegmentExtent> segments;        // Segments read; bytes = the intact prefix.
  // When this chain was begun by audit.recovery=restart: the details of its first entry
  // (audit.chain_restarted: where the damaged chain went, where and why it broke).
  std::optional<json::Value> previous_chain;

  // When !ok: the first entry that is missing or not intact (0 when the damage is in HEAD
  // alone), the file (a segment name or "HEAD"), the byte offset of the bad line, and why.
  uint64_t first_broken_seq = 0;
  std::string file;
  uint64_t offset = 0;
  std::string reason;

  // allow_torn_tail: where an incomplete last line begins in the last segment.
  std::optional<uint64_t> torn_tail_offset;
};

// Verifies the log in `dir`. Errors only when the directory or a file cannot be read;
// damage is a report with ok == false. A missing directory is an empty, intact log.
Result<VerifyReport> VerifyAuditLog(storage::Env* env, const std::string& dir,
                                    const VerifyOptions& options);

}  // namespace strata::audit
