#include "service/job_service.h"

#include <algorithm>

#include "common/ids.h"
#include "common/logging.h"
#include "common/time_util.h"
#include "ingest/body_format.h"
#include "ingest/content_decoding.h"

namespace strata::service {
namespace {

using meta::JobRecord;
using meta::JobState;
using security::Permission;

constexpr std::string_view kJobsDir = "jobs";

// The answer for a job id that does not exist, worded as the metastore words it.
Status JobNotFound(std::string_view job_id) {
  return Status::NotFound("job '" + std::string(job_id) + "' does not exist");
}

Status StatusOf(StatusCode code, std::string_view message) {
  switch (code) {
    case StatusCode::kOk:
    case StatusCode::kInternal: return Status::Internal(message);
    case StatusCode::kInvalidArgument: return Status::InvalidArgument(message);
    case StatusCode::kValidationFailed: return Status::ValidationFailed(message);
    case StatusCode::kUnauthenticated: return Status::Unauthenticated(message);
    case StatusCode::kPermissionDenied: return Status::PermissionDenied(message);
    case StatusCode::kNotFound: return Status::NotFound(message);
    case StatusCode::kAlreadyExists: return Status::AlreadyExists(message);
    case StatusCode::kConflict: return Status::Conflict(message);
    case StatusCode::kPreconditionFailed: return Status::PreconditionFailed(message);
    case StatusCode::kPayloadTooLarge: return Status::PayloadTooLarge(message);
    case StatusCode::kUnsupportedMediaType: return Status::UnsupportedMediaType(message);
    case StatusCode::kResourceExhausted: return Status::ResourceExhausted(message);
    case StatusCode::kUnavailable: return Status::Unavailable(message);
    case StatusCode::kInsufficientStorage: return Status::InsufficientStorage(message);
    case StatusCode::kDeadlineExceeded: return Status::DeadlineExceeded(message);
    case StatusCode::kCorruption: return Status::Corruption(message);
    case StatusCode::kIoError: return Status::IoError(message);
  }
  return Status::Internal(message);
}

}  // namespace

Status ValidateIngestJobSpec(const IngestJobSpec& spec) {
  STRATA_RETURN_IF_ERROR(ingest::ParseBodyFormat(spec.content_type).status());
  return ingest::ParseContentEncoding(spec.content_encoding).status();
}

std::string_view TimeUnitParam(ingest::TimeUnit unit) {
  switch (unit) {
    case ingest::TimeUnit::kAuto: return "auto";
    case ingest::TimeUnit::kSeconds: return "s";
    case ingest::TimeUnit::kMillis: return "ms";
    case ingest::TimeUnit::kMicros: return "us";
    case ingest::TimeUnit::kNanos: return "ns";
  }
  return "auto";
}

std::optional<ingest::TimeUnit> ParseTimeUnitParam(std::string_view text) {
  for (ingest::TimeUnit unit :
       {ingest::TimeUnit::kAuto, ingest::TimeUnit::kSeconds, ingest::TimeUnit::kMillis,
        ingest::TimeUnit::kMicros, ingest::TimeUnit::kNanos}) {
    if (TimeUnitParam(unit) == text) return unit;
  }
  return std::nullopt;
}

Status JobFailure(const JobRecord& job) {
  if (job.state != JobState::kFailed) return Status();
  StatusCode code = StatusCode::kInternal;
  for (int value = static_cast<int>(StatusCode::kInvalidArgument);
       value <= static_cast<int>(StatusCode::kInternal); ++value) {
    if (StatusCodeName(static_cast<StatusCode>(value)) == job.error_status) {
      code = static_cast<StatusCode>(value);
    }
  }
  Status status = StatusOf(code, job.error_detail);
  return job.error_code.empty() ? status : status.WithProblemCode(job.error_code);
}

JobService::JobService(meta::MetaStore& store, DatasetService& datasets, IngestService& ingest,
                       RecordsService& records, backend::DataBackend& backend,
                       const security::Authorizer& authorizer, JobOptions options)
    : store_(store),
      datasets_(datasets),
      ingest_(ingest),
      records_(records),
      backend_(backend),
      authorizer_(authorizer),
      options_(std::move(options)) {}

JobService::~JobService() { Stop(); }

Status JobService::Start() {
  storage::Env* env = options_.env;
  const std::string jobs_dir = storage::JoinPath(options_.data_dir, kJobsDir);
  STRATA_RETURN_IF_ERROR(env->CreateDirs(jobs_dir));
  STRATA_ASSIGN_OR_RETURN(std::vector<JobRecord> unfinished, store_.ListUnfinishedJobs());
  std::unordered_set<std::string> live_bodies;
  for (JobRecord& job : unfinished) {
    if (job.type == meta::JobType::kDelete) {
      // Resumes at its recorded step (job_service.h "Delete jobs"); a cancel requested
      // before the stop is honoured there.
      queue_.push_back(job.id);
      continue;
    }
    if (job.inflight_end > job.bytes_done && InflightChunkAbsent(job)) {
      STRATA_LOG(kInfo, "job interrupted before its chunk was stored; it resumes with it")
          .Str("job", job.id)
          .Int("bytes_done", static_cast<int64_t>(job.bytes_done));
      job.inflight_end = 0;
      job.inflight_seq = -1;
      STRATA_RETURN_IF_ERROR(store_.UpdateJob(job));
    }
    if (job.inflight_end > job.bytes_done) {
      STRATA_LOG(kWarn, "job interrupted while a chunk was being committed; marked failed")
          .Str("job", job.id)
          .Int("bytes_done", static_cast<int64_t>(job.bytes_done))
          .Int("inflight_end", static_cast<int64_t>(job.inflight_end));
      const std::string detail =
          "the server stopped while bytes " + std::to_string(job.bytes_done) + "-" +
          std::to_string(job.inflight_end) +
          " of the body were being committed; rows from that range may or may not be "
          "stored, so the job was not resumed. Bytes before " +
          std::to_string(job.bytes_done) + " are committed (see accepted and rejected)";
      Finish(job, JobState::kFailed,
             Status::Unavailable(detail).WithProblemCode("job_interrupted"));
      continue;
    }
    if (job.cancel_requested) {
      Finish(job, JobState::kCancelled, Status());
      continue;
    }
    live_bodies.insert(job.body_file);
    queue_.push_back(job.id);
  }
  // Bodies of jobs that finished without removing them, and of requests that crashed
  // before their job was recorded.
  STRATA_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(jobs_dir));
  for (const std::string& name : names) {
    const std::string relative = std::string(kJobsDir) + "/" + name;
    if (live_bodies.count(relative) != 0) continue;
    env->DeleteFile(storage::JoinPath(jobs_dir, name)).IgnoreError();  // Retried next start.
  }
  if (!queue_.empty()) {
    STRATA_LOG(kInfo, "resuming unfinished jobs").Int("jobs", static_cast<int64_t>(queue_.size()));
  }
  const int workers = std::max(1, options_.workers);
  for (int worker = 0; worker < workers; ++worker) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
  return Status();
}

void JobService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool JobService::InflightChunkAbsent(const JobRecord& job) {
  if (job.inflight_seq < 0) return false;
  Result<types::DatasetStats> stats = backend_.Stats(job.dataset_id);
  // Rows of the chunk would have sequence numbers above inflight_seq.
  return stats.ok() && stats->last_seq <= job.inflight_seq;
}

bool JobService::ShouldRunAsync(std::optional<bool> requested, size_t body_bytes) const {
  if (requested) return *requested;
  return options_.async_threshold_bytes > 0 && body_bytes > options_.async_threshold_bytes;
}

Status JobService::CheckCapacity() const {
  std::lock_guard lock(mu_);
  if (stopping_) return Status::Unavailable("the server is shutting down; retry shortly");
  if (queue_.size() + running_.size() >= options_.queue_capacity) {
    return Status::Unavailable("too many jobs are queued (ingest.job_queue_capacity = " +
                               std::to_string(options_.queue_capacity) + "); retry shortly")
        .WithProblemCode("overloaded");
  }
  return Status();
}

JobRecord JobService::NewJob(const security::Principal& creator, std::string_view dataset_id,
                             const IngestJobSpec& spec, std::string body_file,
                             std::string upload_id, uint64_t body_bytes) const {
  JobRecord job;
  job.id = NewUlid();
  job.dataset_id = std::string(dataset_id);
  job.creator = creator.ref;
  job.creator_roles = security::RolesOn(creator, dataset_id);
  job.state = JobState::kQueued;
  job.body_file = std::move(body_file);
  job.upload_id = std::move(upload_id);
  job.content_type = spec.content_type;
  job.content_encoding = spec.content_encoding;
  job.mode = spec.mode == IngestMode::kAtomic ? "atomic" : "partial";
  job.dry_run = spec.dry_run;
  job.precision = std::string(ingest::TimestampPrecisionName(spec.precision));
  job.time_unit = std::string(TimeUnitParam(spec.time_unit));
  job.bytes_total = body_bytes;
  job.created_at = NowMicros();
  job.updated_at = job.created_at;
  return job;
}

Result<JobRecord> JobService::StartIngest(const security::Principal& caller,
                                          std::string_view dataset_id, IngestRequest request) {
  STRATA_RETURN_IF_ERROR(
      datasets_.LoadForData(caller, dataset_id, Permission::kDataWrite).status());
  IngestJobSpec spec;
  spec.content_type = request.content_type;
  spec.content_encoding = request.content_encoding;
  spec.mode = request.mode;
  spec.dry_run = request.dry_run;
  spec.precision = request.precision;
  spec.time_unit = request.time_unit;
  STRATA_RETURN_IF_ERROR(ValidateIngestJobSpec(spec));
  STRATA_RETURN_IF_ERROR(CheckCapacity());

  JobRecord job = NewJob(caller, dataset_id, spec, "", "", request.body.size());
  job.body_file = std::string(kJobsDir) + "/" + job.id;
  const std::string path = storage::JoinPath(options_.data_dir, job.body_file);
  // Invariant 1: the body is durable before the record that points at it.
  STRATA_RETURN_IF_ERROR(storage::WriteFileAtomically(options_.env, path, request.body));
  if (Status created = store_.CreateJob(job); !created.ok()) {
    options_.env->DeleteFile(path).IgnoreError();  // Start() removes it otherwise.
    return created;
  }
  Enqueue(job.id);
  return job;
}

void JobService::Enqueue(const std::string& job_id) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(job_id);
  }
  cv_.notify_all();
}

Status JobService::Authorize(const security::Principal& caller, const JobRecord& job) const {
  if (!caller.ref.empty() && caller.ref == job.creator) return Status();
  const Permission needed =
      job.type == meta::JobType::kDelete ? Permission::kDataDelete : Permission::kDataWrite;
  Status allowed = authorizer_.RequireOn(caller, needed, job.dataset_id);
  if (allowed.code() == StatusCode::kNotFound) return JobNotFound(job.id);
  return allowed;
}

Result<JobRecord> JobService::Get(const security::Principal& caller, std::string_view job_id) {
  STRATA_ASSIGN_OR_RETURN(JobRecord job, store_.GetJob(job_id));
  STRATA_RETURN_IF_ERROR(Authorize(caller, job));
  return job;
}

Result<JobRecord> JobService::Cancel(const security::Principal& caller, std::string_view job_id) {
  STRATA_ASSIGN_OR_RETURN(JobRecord job, store_.GetJob(job_id));
  STRATA_RETURN_IF_ERROR(Authorize(caller, job));
  if (meta::IsFinished(job.state)) {
    return Status::Conflict("job '" + job.id + "' has already " +
                            (job.state == JobState::kSucceeded
                                 ? std::string("succeeded")
                                 : "finished (" + std::string(meta::JobStateName(job.state)) + ")"))
        .WithProblemCode("job_finished");
  }
  STRATA_ASSIGN_OR_RETURN(job, store_.RequestJobCancel(job_id));
  bool was_queued = false;
  {
    std::lock_guard lock(mu_);
    auto queued = std::find(queue_.begin(), queue_.end(), job.id);
    if (queued != queue_.end()) {
      queue_.erase(queued);  // No runner will take it now.
      was_queued = true;
    } else if (running_.count(job.id) != 0) {
      cancels_.insert(job.id);
    }
  }
  cv_.notify_all();
  if (was_queued && !meta::IsFinished(job.state)) {
    Finish(job, JobState::kCancelled, Status());
    cv_.notify_all();
  }
  return job;
}

bool JobService::WaitIdleForTest(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return queue_.empty() && running_.empty(); });
}

void JobService::WorkerLoop() {
  for (;;) {
    std::string job_id;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job_id = std::move(queue_.front());
      queue_.pop_front();
      running_.insert(job_id);
    }
    Result<JobRecord> job = store_.GetJob(job_id);
    if (job.ok() && !meta::IsFinished(job->state)) {
      RunJob(std::move(job).value());
    } else if (!job.ok()) {
      STRATA_LOG(kError, "cannot load a queued job")
          .Str("job", job_id)
          .Str("error", job.status().ToString());
    }
    {
      std::lock_guard lock(mu_);
      running_.erase(job_id);
      cancels_.erase(job_id);
    }
    cv_.notify_all();
  }
}

}  // namespace strata::service
