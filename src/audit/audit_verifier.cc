#include "audit/audit_verifier.h"

#include <algorithm>

#include "audit/audit_files.h"

namespace strata::audit {
namespace {

constexpr size_t kReadChunk = 1 << 20;

// Checks lines one at a time against the chain so far.
class ChainCheck {
 public:
  ChainCheck(const VerifyOptions& options, VerifyReport& report)
      : options_(options), report_(report), key_id_(KeyId(options.public_key)) {}

  // False once damage is found (the report then says where and why).
  bool Line(size_t segment, uint64_t offset, std::string_view line, bool first_in_segment,
            std::optional<uint64_t> named_seq) {
    Result<AuditLine> parsed = ParseAuditLine(line);
    const std::string& file = report_.segments[segment].name;
    if (!parsed.ok()) {
      return Damage(report_.last_seq + 1, file, offset,
                    "line of entry " + std::to_string(report_.last_seq + 1) +
                        " (or a checkpoint after entry " + std::to_string(report_.last_seq) +
                        ") is damaged: " + std::string(parsed.status().message()));
    }
    if (const AuditEntry* entry = std::get_if<AuditEntry>(&*parsed)) {
      if (!Entry(*entry, file, offset, first_in_segment, named_seq)) return false;
    } else if (!CheckpointLine(std::get<Checkpoint>(*parsed), file, offset)) {
      return false;
    }
    if (options_.on_line) {
      options_.on_line(LineInfo{segment, offset, line.size() + 1, *parsed});
    }
    return true;
  }

  bool Damage(uint64_t seq, const std::string& file, uint64_t offset, std::string reason) {
    report_.ok = false;
    report_.first_broken_seq = seq;
    report_.file = file;
    report_.offset = offset;
    report_.reason = std::move(reason);
    return false;
  }

 private:
  bool Entry(const AuditEntry& entry, const std::string& file, uint64_t offset,
             bool first_in_segment, std::optional<uint64_t> named_seq) {
    const uint64_t expected = report_.last_seq + 1;
    if (entry.seq > expected) {
      return Damage(expected, file, offset,
                    "entry " + std::to_string(expected) + " is missing: the next line is entry " +
                        std::to_string(entry.seq));
    }
    if (entry.seq < expected) {
      return Damage(expected, file, offset,
                    "entries are out of order: entry " + std::to_string(entry.seq) +
                        " appears where entry " + std::to_string(expected) + " belongs");
    }
    if (first_in_segment && named_seq && *named_seq != entry.seq) {
      return Damage(expected, file, offset,
                    "the segment's name says it starts at entry " + std::to_string(*named_seq));
    }
    if (entry.prev_hash != report_.last_hash) {
      return Damage(entry.seq, file, offset,
                    "entry " + std::to_string(entry.seq) +
                        ": prev does not match the hash of the entry before it");
    }
    const std::string hash =
        ChainHash(entry.prev_hash, CanonicalEntry(entry.seq, entry.time_micros, entry.event));
    if (hash != entry.hash) {
      return Damage(entry.seq, file, offset,
                    "entry " + std::to_string(entry.seq) +
                        ": the hash does not match its content (the entry was modified)");
    }
    if (entry.time_micros < report_.last_time) {
      return Damage(entry.seq, file, offset,
                    "entry " + std::to_string(entry.seq) + ": time goes backwards");
    }
    if (report_.head && report_.head->seq == entry.seq && report_.head->hash != entry.hash) {
      return Damage(entry.seq, file, offset,
                    "entry " + std::to_string(entry.seq) +
                        " differs from the one the HEAD checkpoint signed");
    }
    if (entry.seq == 1 && entry.event.action == "audit.chain_restarted") {
      report_.previous_chain = entry.event.details;
    }
    ++report_.entries;
    report_.last_seq = entry.seq;
    report_.last_hash = entry.hash;
    report_.last_time = entry.time_micros;
    return true;
  }

  bool CheckpointLine(const Checkpoint& checkpoint, const std::string& file, uint64_t offset) {
    const std::string at = "checkpoint of entry " + std::to_string(checkpoint.seq);
    if (checkpoint.seq != report_.last_seq) {
      const uint64_t broken =
          checkpoint.seq < report_.last_seq ? checkpoint.seq : report_.last_seq + 1;
      return Damage(broken, file, offset,
                    at + " follows entry " + std::to_string(report_.last_seq) +
                        " (an entry is missing or lines were moved)");
    }
    if (checkpoint.hash != report_.last_hash) {
      return Damage(checkpoint.seq, file, offset, at + ": the entry's hash is not the signed one");
    }
    if (checkpoint.key_id != key_id_) {
      return Damage(
          checkpoint.seq, file, offset,
          at + " is signed by key " + checkpoint.key_id + ", not by the verifying key " + key_id_);
    }
    if (!VerifyCheckpoint(checkpoint, options_.public_key)) {
      return Damage(checkpoint.seq, file, offset, at + ": the signature does not verify");
    }
    ++report_.checkpoints;
    report_.last_checkpoint = checkpoint;
    return true;
  }

  const VerifyOptions& options_;
  VerifyReport& report_;
  std::string key_id_;
};

// Reads HEAD into report.head. False (with the damage reported) when it is unusable.
Result<bool> ReadHead(storage::Env* env, const std::string& dir, const VerifyOptions& options,
                      ChainCheck& check, VerifyReport& report) {
  const std::string path = storage::JoinPath(dir, kHeadFileName);
  if (!env->FileExists(path)) return true;
  STRATA_ASSIGN_OR_RETURN(std::string text, env->ReadFile(path));
  const std::string head_file(kHeadFileName);
  if (text.empty() || text.back() != '\n') {
    return check.Damage(0, head_file, 0, "HEAD is incomplete");
  }
  text.pop_back();
  Result<AuditLine> parsed = ParseAuditLine(text);
  if (!parsed.ok() || !std::holds_alternative<Checkpoint>(*parsed)) {
    return check.Damage(
        0, head_file, 0,
        "HEAD is damaged: " + (parsed.ok() ? std::string("not a checkpoint")
                                           : std::string(parsed.status().message())));
  }
  const Checkpoint& head = std::get<Checkpoint>(*parsed);
  if (head.key_id != KeyId(options.public_key)) {
    return check.Damage(0, head_file, 0,
                        "HEAD is signed by key " + head.key_id + ", not by the verifying key " +
                            KeyId(options.public_key));
  }
  if (!VerifyCheckpoint(head, options.public_key)) {
    return check.Damage(0, head_file, 0, "HEAD: the signature does not verify");
  }
  if (head.seq == 0 && head.hash != GenesisHash()) {
    return check.Damage(0, head_file, 0, "HEAD: a checkpoint of entry 0 must name no hash");
  }
  report.head = head;
  return true;
}

Result<std::vector<SegmentExtent>> ListSegments(storage::Env* env, const std::string& dir) {
  std::vector<SegmentExtent> segments;
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  for (const std::string& name : names) {
    if (!ParseSegmentName(name)) continue;
    STRATA_ASSIGN_OR_RETURN(uint64_t bytes, env->FileSize(storage::JoinPath(dir, name)));
    segments.push_back({name, bytes});
  }
  // Sorted by name = by first seq (fixed-width digits).
  std::sort(segments.begin(), segments.end(),
            [](const SegmentExtent& a, const SegmentExtent& b) { return a.name < b.name; });
  return segments;
}

}  // namespace

Result<VerifyReport> VerifyAuditLog(storage::Env* env, const std::string& dir,
                                    const VerifyOptions& options) {
  VerifyReport report;
  ChainCheck check(options, report);
  if (!env->FileExists(dir)) return report;
  STRATA_ASSIGN_OR_RETURN(bool head_ok, ReadHead(env, dir, options, check, report));
  if (!head_ok) return report;
  if (options.extents) {
    report.segments = options.extents();
  } else {
    STRATA_ASSIGN_OR_RETURN(report.segments, ListSegments(env, dir));
  }
  if (!report.segments.empty() && !report.head) {
    check.Damage(report.entries + 1, std::string(kHeadFileName), 0,
                 "HEAD is missing: it is written before the first segment, so it was removed");
    return report;
  }

  for (size_t segment = 0; segment < report.segments.size(); ++segment) {
    const bool last_segment = segment + 1 == report.segments.size();
    const std::string name = report.segments[segment].name;
    const uint64_t size = report.segments[segment].bytes;
    const std::optional<uint64_t> named_seq = ParseSegmentName(name);
    report.segments[segment].bytes = 0;
    STRATA_ASSIGN_OR_RETURN(std::unique_ptr<storage::RandomAccessFile> file,
                            env->NewRandomAccessFile(storage::JoinPath(dir, name)));
    const uint64_t readable = std::min(size, file->Size());
    std::string pending;      // Bytes of lines not yet complete.
    uint64_t line_start = 0;  // Offset of pending's first byte.
    bool first_line = true;
    std::string chunk;
    for (uint64_t offset = 0; offset < readable;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kReadChunk, readable - offset));
      STRATA_RETURN_IF_ERROR(file->Read(offset, n, chunk));
      offset += n;
      pending += chunk;
      size_t begin = 0;
      for (size_t newline = pending.find('\n'); newline != std::string::npos;
           newline = pending.find('\n', begin)) {
        const std::string_view line(pending.data() + begin, newline - begin);
        if (!check.Line(segment, line_start, line, first_line, named_seq)) return report;
        first_line = false;
        line_start += line.size() + 1;
        report.segments[segment].bytes = line_start;
        begin = newline + 1;
      }
      pending.erase(0, begin);
    }
    if (!pending.empty()) {
      if (last_segment && options.allow_torn_tail) {
        report.torn_tail_offset = line_start;
      } else {
        check.Damage(report.last_seq + 1, name, line_start,
                     "the last line is incomplete (a write cut short by a crash, or the file "
                     "was truncated)");
        return report;
      }
    }
    if (first_line && !last_segment) {
      check.Damage(report.last_seq + 1, name, 0, "the segment is empty");
      return report;
    }
  }

  if (report.head && report.head->seq > report.last_seq) {
    const std::string file =
        report.segments.empty() ? std::string(kHeadFileName) : report.segments.back().name;
    const uint64_t end = report.segments.empty() ? 0 : report.segments.back().bytes;
    check.Damage(report.last_seq + 1, file, end,
                 "the log was truncated: it ends at entry " + std::to_string(report.last_seq) +
                     " but HEAD holds a checkpoint of entry " + std::to_string(report.head->seq));
  }
  return report;
}

}  // namespace strata::audit
