// JobService's delete jobs (job_service.h "Delete jobs"): how DELETE .../records becomes an
// answer or a job, and how the runner counts, commits and erases one delete.
#include <algorithm>

#include "common/ids.h"
#include "common/logging.h"
#include "common/time_util.h"
#include "service/job_service.h"

namespace strata::service {

using meta::JobRecord;
using meta::JobState;

JobRecord JobService::NewDeleteJob(const security::Principal& creator, std::string_view dataset_id,
                                   const std::string& filter) const {
  JobRecord job;
  job.id = NewUlid();
  job.type = meta::JobType::kDelete;
  job.dataset_id = std::string(dataset_id);
  job.creator = creator.ref;
  job.creator_roles = security::RolesOn(creator, dataset_id);
  job.state = JobState::kQueued;
  job.filter = filter;
  job.created_at = NowMicros();
  job.updated_at = job.created_at;
  return job;
}

Result<DeleteOutcome> JobService::DeleteRecords(const security::Principal& caller,
                                                std::string_view dataset_id,
                                                const std::string& filter,
                                                std::optional<bool> async) {
  const std::string dataset(dataset_id);
  STRATA_ASSIGN_OR_RETURN(PreparedDelete prepared, records_.PrepareDelete(caller, dataset, filter));
  DeleteOutcome outcome;
  if (async.value_or(false)) {
    STRATA_RETURN_IF_ERROR(CheckCapacity());
    JobRecord job = NewDeleteJob(caller, dataset, filter);
    STRATA_RETURN_IF_ERROR(store_.CreateJob(job));
    Enqueue(job.id);
    outcome.job = std::move(job);
    return outcome;
  }
  STRATA_ASSIGN_OR_RETURN(outcome.deleted, records_.CountDelete(prepared));
  if (outcome.deleted == 0) return outcome;
  const bool as_job = !async.has_value() && options_.delete_job_rows > 0 &&
                      static_cast<uint64_t>(outcome.deleted) >= options_.delete_job_rows;
  // Refused before anything is deleted when the job could not be queued.
  if (as_job) STRATA_RETURN_IF_ERROR(CheckCapacity());
  STRATA_ASSIGN_OR_RETURN(int64_t seq, records_.CommitDelete(prepared));
  if (!as_job) return outcome;
  JobRecord job = NewDeleteJob(caller, dataset, filter);
  job.deleted = static_cast<uint64_t>(outcome.deleted);
  job.tombstone_seq = seq;
  if (Status created = store_.CreateJob(job); !created.ok()) {
    // The rows are deleted: say so. Background compaction erases them without a job.
    STRATA_LOG(kError, "delete committed but its job could not be recorded")
        .Str("dataset", dataset)
        .Int("deleted", outcome.deleted)
        .Str("error", created.ToString());
    return outcome;
  }
  Enqueue(job.id);
  outcome.job = std::move(job);
  return outcome;
}

void JobService::RunDeleteJob(JobRecord& job) {
  if (job.tombstone_seq == 0) {
    // Steps 1 and 2, as the creator with the roles it had when it started the job.
    const security::Principal principal =
        security::ActingOn(job.creator, job.dataset_id, job.creator_roles);
    Result<PreparedDelete> prepared = records_.PrepareDelete(principal, job.dataset_id, job.filter);
    if (!prepared.ok()) return Finish(job, JobState::kFailed, prepared.status());
    if (job.deleted == 0) {
      Result<int64_t> counted = records_.CountDelete(*prepared);
      if (!counted.ok()) return Finish(job, JobState::kFailed, counted.status());
      if (*counted == 0) return Finish(job, JobState::kSucceeded, Status());
      job.deleted = static_cast<uint64_t>(*counted);
    }
    if (!Save(job).ok()) return;
    if (options_.before_delete_step_for_test) options_.before_delete_step_for_test(job);
    // The last point at which stopping or cancelling leaves every row in place.
    if (StopRequested()) return;
    if (CancelRequested(job.id)) return Finish(job, JobState::kCancelled, Status());
    Result<int64_t> seq = records_.CommitDelete(*prepared);
    if (!seq.ok()) return Finish(job, JobState::kFailed, seq.status());
    job.tombstone_seq = *seq;
    if (!Save(job).ok()) return;
  }

  // Step 3. segments_pending never grows once the delete is flushed, so the total is fixed
  // by the first report, also across restarts (a resumed job adds what it had rewritten).
  bool stopped = false;
  bool cancelled = false;
  Result<types::EraseProgress> erased = backend_.EraseDeleted(
      job.dataset_id, job.tombstone_seq, [&](const types::EraseProgress& progress) {
        if (!progress.unflushed) {
          job.segments_total =
              std::max(job.segments_total, progress.segments_pending + job.segments_rewritten);
          job.segments_rewritten = job.segments_total - progress.segments_pending;
        }
        if (options_.before_delete_step_for_test) options_.before_delete_step_for_test(job);
        Save(job).IgnoreError();  // Logged; the progress shown lags until the next save.
        if (progress.erased) return true;
        stopped = StopRequested();
        cancelled = !stopped && CancelRequested(job.id);
        return !stopped && !cancelled;
      });
  if (stopped) return;  // Resumes at the next start.
  // Rows stay deleted: the delete is committed and hides them from every read.
  if (cancelled) return Finish(job, JobState::kCancelled, Status());
  if (!erased.ok()) {
    if (StopRequested()) return;
    const Status failure = erased.status();
    return Finish(
        job, JobState::kFailed,
        failure.Annotate("erasing the deleted rows failed; they stay deleted, and background "
                         "compaction erases them later"));
  }
  Finish(job, JobState::kSucceeded, Status());
}

}  // namespace strata::service
