// JobService: asynchronous jobs of two types, run by one runner with a branch per type
// (job_runner.cc): ingest jobs and delete jobs.
//
// Ingest jobs (docs/ingest.md "Async jobs"). A job ingests a body
// kept in a file — an async request's body under <data dir>/jobs/, or a completed tus upload
// under <data dir>/uploads/ — through IngestService::Ingest, the one ingest path, in chunks
// that end on record boundaries (body_chunker.h), and records its progress after each chunk.
//
// Runner: `workers` threads owned by the service take queued jobs in order; they sleep on a
// condition variable when there is nothing to do. Admission is bounded: a new job is refused
// (503) while `queue_capacity` jobs wait or run; jobs recovered at start are always taken.
// Invariants:
//   1. A job is acknowledged only after its body file is fsynced and its record written.
//   2. Before a chunk is ingested its end and the dataset's last sequence number are
//      recorded (JobRecord::inflight_end, inflight_seq); after it, the new committed offset
//      and counts. So after a restart a job resumes after its last committed chunk and never
//      ingests a committed chunk twice. A chunk in flight at a crash is ingested again only
//      when the dataset's last sequence number shows that none of its rows were stored;
//      otherwise (its rows may or may not be stored) the job is marked failed with the
//      reason (problem code job_interrupted).
//   3. Stop() lets running chunks finish and leaves their jobs unfinished, with no chunk in
//      flight, for the next Start() to resume.
//   4. A finished job's body file is removed; its record is kept.
// Cancellation takes effect between chunks: rows of chunks committed before it stay.
// Whole-body semantics: JSON bodies and atomic or dry-run jobs are one chunk, so they keep
// the synchronous request's all-or-nothing and reporting rules (and its size limit,
// ingest.max_decoded_body_bytes). Chunked jobs apply ingest.max_rows_per_request per chunk;
// an error that fails a chunk as a whole (e.g. a CSV quote left open at the end) fails the
// job, and earlier chunks stay committed.
//
// Delete jobs (docs/api.md "Delete records"; delete_job_runner.cc). DELETE .../records with
// a filter matching at least `delete_job_rows` rows commits the delete synchronously (its
// rows vanish from reads at once) and answers with a job that erases them from storage;
// ?async=true answers with a job right after validation, and the job counts, commits and
// erases. Steps, each recorded before the next (meta::JobRecord):
//   1. Count (async only): the filter is bound again as the creator (with the creator's
//      roles and the row policies in force then) and the matching rows counted; 0 finishes
//      the job.
//   2. Commit (async only): the delete is committed and its sequence number recorded.
//      A crash between the two commits it again on resume: harmless, the same rows (and
//      matching rows appended since) are deleted, and `deleted` keeps the first count.
//   3. Erase: DataBackend::EraseDeleted, recording segments_total and segments_rewritten
//      after each rewritten segment; the job succeeds when the rows are erased.
// Cancellation before the commit deletes nothing; after it the rows stay deleted (they are
// hidden from reads, and background compaction erases them later) and the job ends
// cancelled. Stop() interrupts erasure between segments; the next Start() resumes it.
//
// Permissions: starting a job needs data:write (ingest) or data:delete (delete) on the
// dataset; the job then runs with the starter's roles. Reading or cancelling one needs the
// same permission, or being its creator.
// Thread safety: thread-safe. Start() and Stop() are called once each, from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "backend/data_backend.h"
#include "common/result.h"
#include "meta/meta_store.h"
#include "security/authorizer.h"
#include "security/principal.h"
#include "service/dataset_service.h"
#include "service/ingest_service.h"
#include "service/records_service.h"
#include "storage/env/env.h"

namespace strata::service {

struct JobOptions {
  std::string data_dir;  // Bodies go to <data_dir>/jobs/.
  // Runner threads. Default: 1.
  int workers = 1;
  // Most jobs queued or running before new ones are refused with 503. Default: 64.
  size_t queue_capacity = 64;
  // Target size of one chunk of a chunked job. Default: 4 MiB.
  size_t chunk_bytes = size_t{4} << 20;
  // Request bodies larger than this become jobs unless ?async=false; 0: only on request.
  // Default: 16 MiB.
  uint64_t async_threshold_bytes = uint64_t{16} << 20;
  // Rejected records listed per job. Default: 1000 (ingest.max_errors).
  size_t max_errors = 1000;
  // Largest chunk, and largest decoded body of a compressed or unchunkable job.
  // Default: 256 MiB (ingest.max_decoded_body_bytes).
  size_t max_decoded_body_bytes = size_t{256} << 20;
  // A delete matching at least this many rows runs as a job (202) unless ?async=false;
  // 0: only on request. Default: 1000000 (records.delete_job_rows).
  uint64_t delete_job_rows = 1'000'000;
  storage::Env* env = storage::Env::Default();
  // Test hook: runs on the runner thread before each chunk is ingested.
  std::function<void(const meta::JobRecord&)> before_chunk_for_test;
  // Test hook: runs on the runner thread before a delete job commits its delete and at each
  // erasure step (tombstone_seq then set), before cancellation and stop are checked.
  std::function<void(const meta::JobRecord&)> before_delete_step_for_test;
};

// The answer to DELETE .../records: the rows deleted, and the job that erases them (or,
// with ?async=true, counts, deletes and erases them) when there is one.
struct DeleteOutcome {
  int64_t deleted = 0;  // With an async job: 0 (the job counts).
  std::optional<meta::JobRecord> job;
};

// What an ingest job does with its body: an IngestRequest without the body.
struct IngestJobSpec {
  std::string content_type;
  std::string content_encoding;  // "" = identity.
  IngestMode mode = IngestMode::kPartial;
  bool dry_run = false;
  ingest::TimestampPrecision precision = ingest::TimestampPrecision::kNanoseconds;
  ingest::TimeUnit time_unit = ingest::TimeUnit::kAuto;
};

// Checks what can be checked before the body is read, with the answers POST /ingest gives:
// 415 for an unknown Content-Type or Content-Encoding, 400 for too many codings.
Status ValidateIngestJobSpec(const IngestJobSpec& spec);

// The query-parameter names of epoch units: "auto", "s", "ms", "us", "ns".
std::string_view TimeUnitParam(ingest::TimeUnit unit);
std::optional<ingest::TimeUnit> ParseTimeUnitParam(std::string_view text);

// Why a failed job failed, as a Status (code, problem code, message). OK unless failed.
Status JobFailure(const meta::JobRecord& job);

class JobService {
 public:
  // Every reference must outlive the service.
  JobService(meta::MetaStore& store, DatasetService& datasets, IngestService& ingest,
             RecordsService& records, backend::DataBackend& backend,
             const security::Authorizer& authorizer, JobOptions options);
  ~JobService();  // Stop().
  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  // Recovers the jobs a previous run left unfinished (invariant 2), removes body files that
  // no unfinished job needs, and starts the runner threads.
  Status Start();
  // Stops the runner threads (invariant 3). Idempotent.
  void Stop();

  // Whether an ingest request runs as a job: `requested` is its ?async= parameter when
  // given; otherwise bodies larger than async_threshold_bytes do.
  bool ShouldRunAsync(std::optional<bool> requested, size_t body_bytes) const;

  // POST .../ingest?async=true: checks the dataset, permission and spec, stores the body
  // (fsynced), records the job and queues it. Errors: those of ValidateIngestJobSpec,
  // NotFound, PermissionDenied, Unavailable (queue full), storage errors.
  Result<meta::JobRecord> StartIngest(const security::Principal& caller,
                                      std::string_view dataset_id, IngestRequest request);

  // DELETE .../records?filter=: `async` is the ?async= parameter when given. Checks the
  // delete (RecordsService::PrepareDelete errors, answered before anything is deleted),
  // then: async=true records a delete job and returns it (deleted 0); otherwise counts the
  // matching rows and commits the delete, and when async is not false and the count is at
  // least delete_job_rows (> 0), also records a job that erases them. Unavailable (queue
  // full) is answered before the delete when a job would be needed.
  Result<DeleteOutcome> DeleteRecords(const security::Principal& caller,
                                      std::string_view dataset_id, const std::string& filter,
                                      std::optional<bool> async);

  // For UploadService. Unavailable when the queue is full.
  Status CheckCapacity() const;
  // The record of a new queued job that ingests `body_file` (relative to the data
  // directory) with `spec`, run as `creator`. Not stored: store it, then Enqueue() it.
  meta::JobRecord NewJob(const security::Principal& creator, std::string_view dataset_id,
                         const IngestJobSpec& spec, std::string body_file, std::string upload_id,
                         uint64_t body_bytes) const;
  // Queues a stored job. REQUIRES: the job's record is stored and unfinished.
  void Enqueue(const std::string& job_id);

  // The job, for its creator or a holder of data:write (ingest jobs) or data:delete (delete
  // jobs) on its dataset. NotFound, also for
  // a job whose dataset is invisible to the caller (answered as a missing job, so neither the
  // job nor its dataset can be probed); PermissionDenied when the dataset is visible.
  Result<meta::JobRecord> Get(const security::Principal& caller, std::string_view job_id);
  // Cancels the job: a queued one at once, a running one after its current chunk or
  // erasure step (the returned record then says cancel_requested). Conflict (job_finished)
  // if it has finished.
  Result<meta::JobRecord> Cancel(const security::Principal& caller, std::string_view job_id);

  const JobOptions& options() const { return options_; }

  // Waits until no job is queued or running; false on timeout.
  bool WaitIdleForTest(std::chrono::milliseconds timeout);

 private:
  void WorkerLoop();
  // OK for the creator or a holder of the job type's permission on the job's dataset; a job
  // on a dataset the caller cannot see is NotFound exactly as a missing job is.
  Status Authorize(const security::Principal& caller, const meta::JobRecord& job) const;
  // Whether a chunk in flight at a crash provably stored no row (invariant 2).
  bool InflightChunkAbsent(const meta::JobRecord& job);

  // Runs `job` until it finishes, is cancelled, or Stop() is called (job_runner.cc): marks
  // it running, then runs the branch of its type.
  void RunJob(meta::JobRecord job);
  void RunIngestJob(meta::JobRecord& job);
  // Counts, commits and erases (delete_job_runner.cc).
  void RunDeleteJob(meta::JobRecord& job);
  // A new queued delete job of `filter` run as `creator`. Not stored.
  meta::JobRecord NewDeleteJob(const security::Principal& creator, std::string_view dataset_id,
                               const std::string& filter) const;
  // Ingests one chunk with retries while storage is overloaded.
  Result<IngestResult> IngestChunk(const meta::JobRecord& job, const IngestRequest& request);
  // Persists `job`; a failure is logged and returned.
  Status Save(meta::JobRecord& job);
  void Finish(meta::JobRecord& job, meta::JobState state, const Status& failure);
  void RemoveBody(const meta::JobRecord& job);
  // Waits up to `delay`; false when the job should stop waiting (Stop or cancel).
  bool Pause(const std::string& job_id, std::chrono::milliseconds delay);
  bool StopRequested();
  bool CancelRequested(const std::string& job_id);

  meta::MetaStore& store_;
  DatasetService& datasets_;
  IngestService& ingest_;
  RecordsService& records_;
  backend::DataBackend& backend_;
  const security::Authorizer& authorizer_;
  const JobOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // Signals queue_, stopping_, cancels_ and idleness.
  std::deque<std::string> queue_;
  std::unordered_set<std::string> running_;
  std::unordered_set<std::string> cancels_;  // Running jobs asked to cancel.
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace strata::service
