#include "audit/audit_log.h"

#include <algorithm>
#include <ctime>

#include "audit/audit_files.h"
#include "common/logging.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "security/crypto.h"

namespace strata::audit {
namespace {

using Clock = std::chrono::steady_clock;

// "20240501T120000Z": a directory name for a damaged log moved aside.
std::string CompactUtcTime(int64_t micros) {
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

AuditEvent SystemEvent(std::string action, json::Value details) {
  AuditEvent event;
  event.principal = std::string(kSystemPrincipal);
  event.action = std::move(action);
  event.resource = "audit";
  event.details = std::move(details);
  return event;
}

json::Value Object(std::vector<json::Value::Member> members) {
  return json::Value::Object(std::move(members));
}

// Moves every segment and HEAD of `dir` into a new broken-<time>/ directory, with a copy of
// the public key, and returns that directory's name.
Result<std::string> MoveAside(storage::Env* env, const std::string& dir,
                              std::string_view public_key) {
  std::string name = "broken-" + CompactUtcTime(NowMicros());
  for (int attempt = 2; env->FileExists(storage::JoinPath(dir, name)); ++attempt) {
    name = "broken-" + CompactUtcTime(NowMicros()) + "-" + std::to_string(attempt);
  }
  const std::string target = storage::JoinPath(dir, name);
  STRATA_RETURN_IF_ERROR(env->CreateDirs(target));
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> files, env->ListDir(dir));
  for (const std::string& file : files) {
    if (!ParseSegmentName(file) && file != kHeadFileName) continue;
    STRATA_RETURN_IF_ERROR(
        env->RenameFile(storage::JoinPath(dir, file), storage::JoinPath(target, file)));
  }
  STRATA_RETURN_IF_ERROR(storage::WriteFileAtomically(
      env, storage::JoinPath(target, kPublicKeyFileName), EncodePublicKeyFile(public_key)));
  STRATA_RETURN_IF_ERROR(env->SyncDir(target));
  STRATA_RETURN_IF_ERROR(env->SyncDir(dir));
  return name;
}

bool ActionMatches(std::string_view action, std::string_view filter) {
  if (filter.empty()) return true;
  if (filter.size() >= 2 && filter.substr(filter.size() - 2) == ".*") {
    return action.substr(0, filter.size() - 1) == filter.substr(0, filter.size() - 1);
  }
  return action == filter;
}

bool Matches(const AuditEntry& entry, const AuditQuery& query) {
  const AuditEvent& event = entry.event;
  if (query.since_micros && entry.time_micros < *query.since_micros) return false;
  if (query.until_micros && entry.time_micros >= *query.until_micros) return false;
  if (!query.principal.empty() && event.principal != query.principal) return false;
  if (!query.dataset.empty() && event.dataset != query.dataset) return false;
  return ActionMatches(event.action, query.action);
}

// The entries of one block in file order, with their lines.
struct BlockEntry {
  AuditEntry entry;
  std::string_view line;
};

Result<std::vector<BlockEntry>> ParseBlock(const std::string& data) {
  std::vector<BlockEntry> entries;
  size_t begin = 0;
  while (begin < data.size()) {
    size_t end = data.find('\n', begin);
    if (end == std::string::npos) end = data.size();
    const std::string_view line(data.data() + begin, end - begin);
    begin = end + 1;
    if (line.empty()) continue;
    Result<AuditLine> parsed = ParseAuditLine(line);
    if (!parsed.ok()) {
      return Status::Corruption("the audit log is damaged; GET /v1/audit/verify says where");
    }
    if (AuditEntry* entry = std::get_if<AuditEntry>(&*parsed)) {
      entries.push_back({std::move(*entry), line});
    }
  }
  return entries;
}

}  // namespace

AuditLog::AuditLog(AuditLogOptions options, std::string private_key)
    : options_(std::move(options)),
      private_key_(std::move(private_key)),
      public_key_(security::Ed25519PublicKey(private_key_)) {}

AuditLog::~AuditLog() { Close().IgnoreError(); }

Result<std::unique_ptr<AuditLog>> AuditLog::Open(AuditLogOptions options, std::string private_key) {
  if (private_key.size() != 32) {
    return Status::InvalidArgument("the audit signing key must be a 32-byte Ed25519 seed");
  }
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(options), std::move(private_key)));
  std::vector<AuditEvent> recovery_events;
  STRATA_RETURN_IF_ERROR(log->Start(recovery_events));
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  for (AuditEvent& event : recovery_events) {
    STRATA_RETURN_IF_ERROR(log->Append(std::move(event)));
  }
  return log;
}

Status AuditLog::Start(std::vector<AuditEvent>& recovery_events) {
  storage::Env* env = options_.env;
  const std::string& dir = options_.dir;
  STRATA_RETURN_IF_ERROR(env->CreateDirs(dir));

  const std::string key_path = storage::JoinPath(dir, kPublicKeyFileName);
  const std::string key_text = EncodePublicKeyFile(public_key_);
  Result<std::string> stored_key =
      env->FileExists(key_path) ? env->ReadFile(key_path) : Result<std::string>(std::string());
  if (!stored_key.ok() || *stored_key != key_text) {
    if (stored_key.ok() && !stored_key->empty()) {
      STRATA_LOG(kWarn, "audit signing.pub did not hold this server's public key; rewritten")
          .Str("file", key_path);
    }
    STRATA_RETURN_IF_ERROR(storage::WriteFileAtomically(env, key_path, key_text));
  }

  std::vector<Block> blocks;
  VerifyOptions verify;
  verify.public_key = public_key_;
  verify.allow_torn_tail = true;
  verify.on_line = [&blocks](const LineInfo& info) {
    if (const AuditEntry* entry = std::get_if<AuditEntry>(&info.line)) {
      if (blocks.empty() || blocks.back().segment != info.segment ||
          blocks.back().entries >= kBlockEntries) {
        blocks.push_back({info.segment, info.offset, entry->seq, entry->time_micros, 0});
      }
      ++blocks.back().entries;
    }
  };
  STRATA_ASSIGN_OR_RETURN(VerifyReport report, VerifyAuditLog(env, dir, verify));

  std::optional<std::string> damage;
  const bool missing =
      report.ok && options_.expect_existing && report.segments.empty() && !report.head;
  if (!report.ok) {
    damage = "the audit log in " + dir + " is damaged at entry " +
             std::to_string(report.first_broken_seq) + " (" + report.file + ", offset " +
             std::to_string(report.offset) + "): " + report.reason;
  } else if (missing) {
    damage = "the audit log in " + dir +
             " is missing, but this server has written one before (its signing key exists)";
    report.reason = "the audit log was missing";
  }
  if (damage) {
    if (options_.recovery == AuditRecovery::kStrict) {
      return Status::Corruption(
          *damage + ". Nothing was changed. Inspect it with `stratad audit verify " + dir +
          "`; restore the directory from a backup, or start once with --set "
          "audit.recovery=restart to move the damaged log aside (into " +
          dir + "/broken-<time>/) and begin a new chain");
    }
    std::string moved;
    if (!missing) {
      STRATA_ASSIGN_OR_RETURN(moved, MoveAside(env, dir, public_key_));
    }
    STRATA_LOG(kError, "audit log damaged; moved aside and a new chain begun (audit.recovery)")
        .Str("damage", *damage)
        .Str("moved_to", moved.empty() ? "-" : storage::JoinPath(dir, moved));
    recovery_events.push_back(SystemEvent(
        "audit.chain_restarted",
        Object({{"moved_to", json::Value::String(moved)},
                {"first_broken_seq", json::Value::Uint(report.first_broken_seq)},
                {"file", json::Value::String(report.file)},
                {"reason", json::Value::String(report.reason)},
                {"last_intact_seq", json::Value::Uint(report.last_seq)},
                {"last_intact_hash", json::Value::String(HexEncode(report.last_hash))}})));
    report = VerifyReport();
    blocks.clear();
  } else if (report.torn_tail_offset) {
    const SegmentExtent& last = report.segments.back();
    const std::string path = storage::JoinPath(dir, last.name);
    STRATA_ASSIGN_OR_RETURN(uint64_t size, env->FileSize(path));
    STRATA_LOG(kWarn, "truncating torn audit log tail")
        .Str("file", path)
        .Int("offset", static_cast<int64_t>(*report.torn_tail_offset))
        .Int("dropped_bytes", static_cast<int64_t>(size - *report.torn_tail_offset));
    STRATA_RETURN_IF_ERROR(env->TruncateFile(path, *report.torn_tail_offset));
    recovery_events.push_back(SystemEvent(
        "audit.tail_truncated",
        Object({{"file", json::Value::String(last.name)},
                {"offset", json::Value::Uint(*report.torn_tail_offset)},
                {"dropped_bytes", json::Value::Uint(size - *report.torn_tail_offset)}})));
  }

  if (!report.head) {
    // HEAD exists before any segment, so that a removed HEAD is detectable.
    STRATA_RETURN_IF_ERROR(WriteHead(SignCheckpoint(0, GenesisHash(), NowMicros(), private_key_)));
  } else if (report.last_checkpoint && report.last_checkpoint->seq > report.head->seq) {
    // A crash came between a checkpoint's fsync and the HEAD that repeats it.
    STRATA_RETURN_IF_ERROR(WriteHead(*report.last_checkpoint));
  }
  chain_.next_seq = report.last_seq + 1;
  chain_.last_hash = report.last_hash;
  chain_.last_time = report.last_time;
  const uint64_t signed_seq = report.last_checkpoint ? report.last_checkpoint->seq : 0;
  entries_since_checkpoint_ = report.last_seq - std::min(signed_seq, report.last_seq);
  checkpoint_due_ = Clock::now() + std::chrono::milliseconds(options_.checkpoint_interval_ms);
  segments_ = report.segments;
  blocks_ = std::move(blocks);
  if (segments_.empty()) return OpenSegment(chain_.next_seq, true);
  segment_size_ = segments_.back().bytes;
  return OpenSegment(*ParseSegmentName(segments_.back().name), false);
}

Status AuditLog::WriteHead(const Checkpoint& checkpoint) {
  return storage::WriteFileAtomically(options_.env, storage::JoinPath(options_.dir, kHeadFileName),
                                      EncodeCheckpointLine(checkpoint) + "\n");
}

Status AuditLog::OpenSegment(uint64_t first_seq, bool create) {
  const std::string name = SegmentName(first_seq);
  const std::string path = storage::JoinPath(options_.dir, name);
  if (create) {
    STRATA_ASSIGN_OR_RETURN(file_, options_.env->NewWritableFile(path));
    STRATA_RETURN_IF_ERROR(options_.env->SyncDir(options_.dir));
    std::unique_lock lock(index_mu_);
    segments_.push_back({name, 0});
    segment_size_ = 0;
    return Status();
  }
  STRATA_ASSIGN_OR_RETURN(file_, options_.env->NewAppendableFile(path));
  return Status();
}

Status AuditLog::Append(AuditEvent event) {
  std::unique_lock lock(mu_);
  if (!failure_.ok()) return failure_;
  if (closing_) return AuditUnavailable("the server is shutting down");
  queue_.push_back(std::move(event));
  const uint64_t ticket = ++enqueued_;
  writer_cv_.notify_one();
  done_cv_.wait(lock, [&] { return written_ >= ticket || !failure_.ok(); });
  if (written_ >= ticket) return Status();
  return failure_;
}

Status AuditLog::Health() const {
  std::lock_guard lock(mu_);
  if (!failure_.ok()) return failure_;
  if (closing_) return AuditUnavailable("the server is shutting down");
  return Status();
}

Status AuditLog::Close() {
  {
    std::lock_guard lock(mu_);
    if (!closing_) {
      closing_ = true;
      writer_cv_.notify_one();
    }
  }
  if (writer_.joinable()) writer_.join();
  std::lock_guard lock(mu_);
  return failure_;
}

void AuditLog::WriterLoop() {
  std::vector<AuditEvent> batch;
  for (;;) {
    bool final = false;
    {
      std::unique_lock lock(mu_);
      while (queue_.empty() && !closing_ && failure_.ok()) {
        if (entries_since_checkpoint_ == 0) {
          writer_cv_.wait(lock);
        } else if (writer_cv_.wait_until(lock, checkpoint_due_) == std::cv_status::timeout) {
          break;
        }
      }
      if (!failure_.ok()) {
        // Nothing more is written; waiters see the failure. Wait for Close().
        queue_.clear();
        writer_cv_.wait(lock, [this] { return closing_; });
        if (file_) file_->Close().IgnoreError();
        return;
      }
      batch.swap(queue_);
      final = closing_;
    }
    const Status written = WriteBatch(batch, final);
    {
      std::lock_guard lock(mu_);
      if (written.ok()) {
        written_ += batch.size();
      } else {
        STRATA_LOG(kError,
                   "writing the audit log failed; audited requests are refused until "
                   "restart")
            .Str("error", written.ToString());
        failure_ = AuditUnavailable("writing the audit log failed; the server log says why");
      }
      done_cv_.notify_all();
      if (final) {
        if (file_) file_->Close().IgnoreError();
        return;
      }
    }
    batch.clear();
  }
}

Status AuditLog::WriteBatch(std::vector<AuditEvent>& batch, bool final) {
  struct Pending {
    uint64_t offset;
    uint64_t seq;
    int64_t time;
  };
  std::vector<Pending> pending;
  pending.reserve(batch.size());
  ChainState chain = chain_;
  std::string data;
  for (AuditEvent& event : batch) {
    chain.last_time = std::max(NowMicros(), chain.last_time);
    AuditEntry entry =
        MakeEntry(chain.next_seq, chain.last_time, std::move(event), chain.last_hash);
    pending.push_back({segment_size_ + data.size(), entry.seq, entry.time_micros});
    data += EncodeEntryLine(entry);
    data += '\n';
    chain.last_hash = std::move(entry.hash);
    ++chain.next_seq;
  }
  const uint64_t unsigned_entries = entries_since_checkpoint_ + batch.size();
  const bool rotate = segment_size_ + data.size() >= options_.segment_bytes;
  const bool checkpoint =
      unsigned_entries > 0 && (unsigned_entries >= options_.checkpoint_entries || final || rotate ||
                               Clock::now() >= checkpoint_due_);
  std::optional<Checkpoint> signed_checkpoint;
  if (checkpoint) {
    chain.last_time = std::max(NowMicros(), chain.last_time);
    signed_checkpoint =
        SignCheckpoint(chain.next_seq - 1, chain.last_hash, chain.last_time, private_key_);
    data += EncodeCheckpointLine(*signed_checkpoint);
    data += '\n';
  }
  if (data.empty()) return Status();

  STRATA_RETURN_IF_ERROR(file_->Append(data));
  STRATA_RETURN_IF_ERROR(file_->Sync());
  chain_ = std::move(chain);
  segment_size_ += data.size();
  {
    std::unique_lock lock(index_mu_);
    const size_t segment = segments_.size() - 1;
    segments_.back().bytes = segment_size_;
    for (const Pending& entry : pending) IndexEntry(segment, entry.offset, entry.seq, entry.time);
  }
  if (signed_checkpoint) {
    entries_since_checkpoint_ = 0;
    checkpoint_due_ = Clock::now() + std::chrono::milliseconds(options_.checkpoint_interval_ms);
    // After the checkpoint line is durable and visible to readers (see DurableExtents).
    STRATA_RETURN_IF_ERROR(WriteHead(*signed_checkpoint));
  } else {
    entries_since_checkpoint_ = unsigned_entries;
  }
  if (rotate && !final) {
    STRATA_RETURN_IF_ERROR(file_->Close());
    STRATA_RETURN_IF_ERROR(OpenSegment(chain_.next_seq, true));
  }
  return Status();
}

// REQUIRES: index_mu_ held exclusively.
void AuditLog::IndexEntry(size_t segment, uint64_t offset, uint64_t seq, int64_t time) {
  if (blocks_.empty() || blocks_.back().segment != segment ||
      blocks_.back().entries >= kBlockEntries) {
    blocks_.push_back({segment, offset, seq, time, 0});
  }
  ++blocks_.back().entries;
}

std::vector<SegmentExtent> AuditLog::DurableExtents() const {
  std::shared_lock lock(index_mu_);
  return segments_;
}

Result<VerifyReport> AuditLog::Verify() const {
  VerifyOptions options;
  options.public_key = public_key_;
  options.extents = [this] { return DurableExtents(); };
  return VerifyAuditLog(options_.env, options_.dir, options);
}

Result<std::string> AuditLog::ReadBlock(const std::vector<Block>& blocks,
                                        const std::vector<SegmentExtent>& segments,
                                        size_t block) const {
  const Block& first = blocks[block];
  const uint64_t end = block + 1 < blocks.size() && blocks[block + 1].segment == first.segment
                           ? blocks[block + 1].offset
                           : segments[first.segment].bytes;
  STRATA_ASSIGN_OR_RETURN(std::unique_ptr<storage::RandomAccessFile> file,
                          options_.env->NewRandomAccessFile(
                              storage::JoinPath(options_.dir, segments[first.segment].name)));
  std::string data;
  STRATA_RETURN_IF_ERROR(file->Read(first.offset, end - first.offset, data));
  return data;
}

Result<AuditPage> AuditLog::List(const AuditQuery& query) const {
  std::vector<Block> blocks;
  std::vector<SegmentExtent> segments;
  {
    std::shared_lock lock(index_mu_);
    blocks = blocks_;
    segments = segments_;
  }
  AuditPage page;
  const size_t limit = std::max<size_t>(query.limit, 1);
  size_t examined = 0;
  uint64_t last_examined = 0;
  uint64_t last_taken = 0;
  // Returns true when the page is finished (page.next set as needed).
  auto visit = [&](const BlockEntry& item) -> bool {
    ++examined;
    last_examined = item.entry.seq;
    if (Matches(item.entry, query)) {
      if (page.entries.size() == limit) {  // One more exists: the page goes on.
        page.next = last_taken;
        return true;
      }
      page.entries.emplace_back(item.line);
      last_taken = item.entry.seq;
    }
    if (examined >= query.scan_budget) {
      page.next = page.entries.size() == limit ? last_taken : last_examined;
      return true;
    }
    return false;
  };

  if (!query.ascending) {
    const uint64_t upper = query.after == 0 ? UINT64_MAX : query.after;  // seq < upper
    size_t block = static_cast<size_t>(
        std::lower_bound(blocks.begin(), blocks.end(), upper,
                         [](const Block& b, uint64_t seq) { return b.first_seq < seq; }) -
        blocks.begin());
    while (block-- > 0) {
      if (query.until_micros && blocks[block].first_time >= *query.until_micros) continue;
      STRATA_ASSIGN_OR_RETURN(std::string data, ReadBlock(blocks, segments, block));
      STRATA_ASSIGN_OR_RETURN(std::vector<BlockEntry> entries, ParseBlock(data));
      for (size_t i = entries.size(); i-- > 0;) {
        const AuditEntry& entry = entries[i].entry;
        if (entry.seq >= upper) continue;
        // Times never decrease with seq: nothing older can be in range.
        if (query.since_micros && entry.time_micros < *query.since_micros) return page;
        if (visit(entries[i])) return page;
      }
    }
    return page;
  }

  const uint64_t lower = query.after;  // seq > lower
  size_t block = static_cast<size_t>(
      std::upper_bound(blocks.begin(), blocks.end(), lower + 1,
                       [](uint64_t seq, const Block& b) { return seq < b.first_seq; }) -
      blocks.begin());
  block = block == 0 ? 0 : block - 1;
  for (; block < blocks.size(); ++block) {
    if (query.since_micros && block + 1 < blocks.size() &&
        blocks[block + 1].first_time < *query.since_micros) {
      continue;  // Every entry of this block is older than `since`.
    }
    STRATA_ASSIGN_OR_RETURN(std::string data, ReadBlock(blocks, segments, block));
    STRATA_ASSIGN_OR_RETURN(std::vector<BlockEntry> entries, ParseBlock(data));
    for (const BlockEntry& item : entries) {
      if (item.entry.seq <= lower) continue;
      if (query.until_micros && item.entry.time_micros >= *query.until_micros) return page;
      if (visit(item)) return page;
    }
  }
  return page;
}

}  // namespace strata::audit
