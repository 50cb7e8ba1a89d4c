// JobService's runner: the branch per job type, and how one ingest job walks its body chunk
// by chunk (job_service.h, invariants 2 and 3). Delete jobs: delete_job_runner.cc.
#include <algorithm>
#include <charconv>

#include "common/logging.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "ingest/body_format.h"
#include "service/body_chunker.h"
#include "service/job_body.h"
#include "service/job_service.h"

namespace strata::service {
namespace {

using meta::JobRecord;
using meta::JobState;

// Retries of a chunk that storage refused as overloaded (503): 100 ms doubling to 5 s,
// about two minutes in all.
constexpr int kMaxOverloadRetries = 30;
constexpr std::chrono::milliseconds kFirstRetryDelay{100};
constexpr std::chrono::milliseconds kMaxRetryDelay{5000};

// "/<chunk index><rest>" -> "/<index><rest>".
std::string RebasePointer(std::string_view pointer, uint64_t index) {
  const size_t slash = pointer.size() > 1 ? pointer.find('/', 1) : std::string_view::npos;
  return "/" + std::to_string(index) +
         std::string(slash == std::string_view::npos ? std::string_view() : pointer.substr(slash));
}

// A detail that starts "line N" names a line of the chunk; make it a line of the body.
std::string RebaseLine(std::string detail, int64_t delta) {
  if (delta == 0 || !StartsWith(detail, "line ")) return detail;
  size_t end = 5;
  while (end < detail.size() && detail[end] >= '0' && detail[end] <= '9') ++end;
  int64_t line = 0;
  const auto [ptr, ec] = std::from_chars(detail.data() + 5, detail.data() + end, line);
  if (ec != std::errc() || ptr != detail.data() + end) return detail;
  return "line " + std::to_string(std::max<int64_t>(1, line + delta)) + detail.substr(end);
}

Result<IngestRequest> RequestOf(const JobRecord& job) {
  IngestRequest request;
  request.content_type = job.content_type;
  request.mode = job.mode == "atomic" ? IngestMode::kAtomic : IngestMode::kPartial;
  request.dry_run = job.dry_run;
  STRATA_ASSIGN_OR_RETURN(request.precision, ingest::ParseTimestampPrecision(job.precision));
  std::optional<ingest::TimeUnit> unit = ParseTimeUnitParam(job.time_unit);
  if (!unit) return Status::Corruption("stored job has an unknown time unit");
  request.time_unit = *unit;
  return request;
}

// Reads the chunk that starts at `offset`: whole records, about `target` bytes. Windows
// grow (up to `cap` bytes) while the first record does not end inside them.
Result<std::string> ReadChunk(const JobBody& body, ingest::BodyFormat format, uint64_t offset,
                              size_t target, size_t cap) {
  std::string window;
  size_t window_bytes = std::min(target, cap);
  for (;;) {
    const uint64_t remaining = body.size() - offset;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(window_bytes, remaining));
    STRATA_RETURN_IF_ERROR(body.Read(offset, n, window));
    const bool at_end = n == remaining;
    std::optional<size_t> end = FindChunkEnd(format, window, at_end, offset == 0, target);
    if (end) {
      window.resize(*end);
      return window;
    }
    if (window_bytes >= cap) {
      return Status::PayloadTooLarge("a record at byte " + std::to_string(offset) +
                                     " of the body is larger than "
                                     "ingest.max_decoded_body_bytes (" +
                                     std::to_string(cap) + " bytes)")
          .WithProblemCode("payload_too_large");
    }
    window_bytes = std::min(cap, window_bytes * 2);
  }
}

// CSV: the body's lines up to its first data record, given to every later chunk.
Result<std::string> ReadCsvHeader(const JobBody& body, size_t cap) {
  std::string window;
  size_t window_bytes = std::min<size_t>(64 << 10, cap);
  for (;;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(window_bytes, body.size()));
    STRATA_RETURN_IF_ERROR(body.Read(0, n, window));
    STRATA_ASSIGN_OR_RETURN(std::optional<size_t> end, CsvHeaderEnd(window, n == body.size()));
    if (end) {
      window.resize(*end);
      return window;
    }
    if (window_bytes >= cap) {
      return Status::PayloadTooLarge("the CSV header is larger than ingest.max_decoded_body_bytes")
          .WithProblemCode("payload_too_large");
    }
    window_bytes = std::min(cap, window_bytes * 2);
  }
}

}  // namespace

void JobService::RunJob(JobRecord job) {
  if (job.cancel_requested || CancelRequested(job.id)) {
    Finish(job, JobState::kCancelled, Status());
    return;
  }
  if (job.state == JobState::kQueued) {
    job.state = JobState::kRunning;
    job.started_at = NowMicros();
  }
  switch (job.type) {
    case meta::JobType::kIngest: return RunIngestJob(job);
    case meta::JobType::kDelete: return RunDeleteJob(job);
  }
}

void JobService::RunIngestJob(JobRecord& job) {
  Result<IngestRequest> parsed = RequestOf(job);
  if (!parsed.ok()) return Finish(job, JobState::kFailed, parsed.status());
  const IngestRequest base = std::move(parsed).value();
  Result<ingest::BodyFormat> format = ingest::ParseBodyFormat(job.content_type);
  if (!format.ok()) return Finish(job, JobState::kFailed, format.status());

  Result<std::unique_ptr<JobBody>> opened =
      JobBody::Open(options_.env, storage::JoinPath(options_.data_dir, job.body_file),
                    job.content_encoding, options_.max_decoded_body_bytes);
  if (!opened.ok()) return Finish(job, JobState::kFailed, opened.status());
  const JobBody& body = *opened.value();
  job.bytes_total = body.size();
  const size_t limit = options_.max_decoded_body_bytes;
  // Bodies that keep whole-request semantics are one chunk (job_service.h).
  const bool whole =
      *format == ingest::BodyFormat::kJson || base.mode == IngestMode::kAtomic || base.dry_run;
  if (whole && job.bytes_total > limit) {
    return Finish(job, JobState::kFailed,
                  Status::PayloadTooLarge("the body exceeds ingest.max_decoded_body_bytes (" +
                                          std::to_string(limit) +
                                          " bytes); JSON bodies and atomic or dry-run jobs "
                                          "are ingested whole")
                      .WithProblemCode("payload_too_large"));
  }
  std::string header;  // CSV: prefix of every chunk after the first.
  if (*format == ingest::BodyFormat::kCsv && !whole) {
    Result<std::string> read = ReadCsvHeader(body, limit);
    if (!read.ok()) return Finish(job, JobState::kFailed, read.status());
    header = std::move(read).value();
  }
  const uint64_t header_lines = CountLineEnds(*format, header);
  const size_t cap = std::max<size_t>(1, limit - std::min(limit, header.size()));
  const size_t target = whole ? static_cast<size_t>(job.bytes_total)
                              : std::max<size_t>(1, std::min(options_.chunk_bytes, cap));
  if (!Save(job).ok()) return;
  if (job.bytes_total == 0) {
    // No record to commit: Ingest says why, as it would answer a synchronous request.
    Result<IngestResult> empty = IngestChunk(job, base);
    return Finish(job, JobState::kFailed,
                  empty.ok()
                      ? Status::InvalidArgument("the body is empty; send at least one record")
                            .WithProblemCode("no_records")
                      : empty.status());
  }

  // Resumed after its last chunk was recorded (and before it finished), a job skips this.
  while (job.bytes_done < job.bytes_total) {
    if (StopRequested()) return;  // Invariant 3: resumes at the next start.
    if (CancelRequested(job.id)) return Finish(job, JobState::kCancelled, Status());
    Result<std::string> chunk =
        ReadChunk(body, *format, job.bytes_done, target, whole ? limit : cap);
    if (!chunk.ok()) return Finish(job, JobState::kFailed, chunk.status());
    const std::string data = std::move(chunk).value();
    const bool prefixed = job.bytes_done > 0 && !header.empty();

    // Invariant 2: the chunk's end is durable before its rows can be.
    job.inflight_end = job.bytes_done + data.size();
    Result<types::DatasetStats> stats = backend_.Stats(job.dataset_id);
    job.inflight_seq = stats.ok() ? stats->last_seq : -1;
    if (!Save(job).ok()) return;
    if (options_.before_chunk_for_test) options_.before_chunk_for_test(job);

    IngestRequest request = base;
    request.body = prefixed ? header + data : data;
    Result<IngestResult> ingested = IngestChunk(job, request);
    job.inflight_end = 0;
    job.inflight_seq = -1;
    IngestResult result;
    if (ingested.ok()) {
      result = std::move(ingested).value();
    } else if (StopRequested()) {
      // Interrupted while waiting out an overload; nothing of this chunk was committed
      // (IngestService contract 1), so the next start resumes with it.
      Save(job).IgnoreError();
      return;
    } else if (CancelRequested(job.id)) {
      return Finish(job, JobState::kCancelled, Status());
    } else if (ingested.status().problem_code() != "no_records" || job.records_done == 0) {
      return Finish(job, JobState::kFailed, ingested.status());
    }  // else: a tail of blank lines or comments after the last record.

    const int64_t line_delta =
        static_cast<int64_t>(job.lines_done) - static_cast<int64_t>(prefixed ? header_lines : 0);
    for (const IngestRecordError& error : result.errors) {
      if (job.errors.size() >= options_.max_errors) {
        job.errors_truncated = true;
        break;
      }
      meta::JobRecordError stored;
      stored.index = job.records_done + error.index;
      stored.id = error.id;
      stored.pointer = RebasePointer(error.pointer, stored.index);
      stored.code = error.code;
      stored.detail = RebaseLine(error.detail, line_delta);
      job.errors.push_back(std::move(stored));
    }
    job.errors_truncated |= result.errors_truncated;
    job.accepted += result.accepted;
    job.rejected += result.rejected;
    if (result.committed) {
      if (job.first_seq == 0) job.first_seq = result.first_seq;
      job.last_seq = result.last_seq;
    }
    if (result.schema_version != 0) job.schema_version = result.schema_version;
    for (const types::Field& field : result.added_fields) {
      if (std::find(job.added_fields.begin(), job.added_fields.end(), field.name) ==
          job.added_fields.end()) {
        job.added_fields.push_back(field.name);
      }
    }
    job.records_done += result.accepted + result.rejected;
    job.lines_done += CountLineEnds(*format, data);
    job.bytes_done += data.size();
    if (!Save(job).ok()) return;
  }

  if (job.accepted == 0 && job.rejected > 0) {
    const std::string detail =
        job.mode == "atomic"
            ? std::to_string(job.rejected) + " record(s) are invalid; atomic mode committed nothing"
            : "all " + std::to_string(job.rejected) +
                  " record(s) are invalid; nothing was committed";
    return Finish(job, JobState::kFailed,
                  Status::ValidationFailed(detail).WithProblemCode("records_invalid"));
  }
  Finish(job, JobState::kSucceeded, Status());
}

Result<IngestResult> JobService::IngestChunk(const JobRecord& job, const IngestRequest& request) {
  const security::Principal principal =
      security::ActingOn(job.creator, job.dataset_id, job.creator_roles);
  std::chrono::milliseconds delay = kFirstRetryDelay;
  for (int attempt = 0;; ++attempt) {
    Result<IngestResult> result = ingest_.Ingest(principal, job.dataset_id, request);
    if (result.ok() || result.status().code() != StatusCode::kUnavailable ||
        attempt == kMaxOverloadRetries) {
      return result;
    }
    if (!Pause(job.id, delay)) return result;  // Stop or cancel: the chunk is not committed.
    delay = std::min(kMaxRetryDelay, delay * 2);
  }
}

Status JobService::Save(JobRecord& job) {
  job.updated_at = NowMicros();
  Status saved = store_.UpdateJob(job);
  if (!saved.ok()) {
    // The job stays as last stored; the next start resumes or fails it from there.
    STRATA_LOG(kError, "cannot record job progress; the job stops here")
        .Str("job", job.id)
        .Str("error", saved.ToString());
  }
  return saved;
}

void JobService::Finish(JobRecord& job, JobState state, const Status& failure) {
  job.state = state;
  job.inflight_end = 0;
  job.inflight_seq = -1;
  job.finished_at = NowMicros();
  if (state == JobState::kFailed) {
    job.error_status = std::string(StatusCodeName(failure.code()));
    job.error_code = std::string(failure.problem_code());
    job.error_detail = std::string(failure.message());
    STRATA_LOG(kWarn, "job failed")
        .Str("job", job.id)
        .Str("dataset", job.dataset_id)
        .Str("error", failure.ToString());
  }
  if (Save(job).ok()) RemoveBody(job);
}

void JobService::RemoveBody(const JobRecord& job) {
  if (job.body_file.empty()) return;
  // A file left behind is removed by the next start (jobs/) or the upload reaper (uploads/).
  options_.env->DeleteFile(storage::JoinPath(options_.data_dir, job.body_file)).IgnoreError();
}

bool JobService::Pause(const std::string& job_id, std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [&] { return stopping_ || cancels_.count(job_id) != 0; });
  return !stopping_ && cancels_.count(job_id) == 0;
}

bool JobService::StopRequested() {
  std::lock_guard lock(mu_);
  return stopping_;
}

bool JobService::CancelRequested(const std::string& job_id) {
  std::lock_guard lock(mu_);
  return cancels_.count(job_id) != 0;
}

}  // namespace strata::service
