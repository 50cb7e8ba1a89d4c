// JobService's delete jobs (job_service.h "Delete jobs"): the synchronous answer below the
// threshold, a job that erases a committed delete at or above it, async jobs that count and
// commit as their creator, validation before anything is deleted, permissions, cancellation
// before and after the commit, and resuming after a stop.
#include <gtest/gtest.h>

#include <thread>

#include "job_test_env.h"

namespace strata::service {
namespace {

using meta::JobRecord;
using meta::JobState;
using meta::JobType;
using std::chrono::milliseconds;

class DeleteJobTest : public JobTestEnv {
 protected:
  JobOptions DeleteOptions(uint64_t delete_job_rows) const {
    JobOptions options = Options();
    options.delete_job_rows = delete_job_rows;
    return options;
  }

  // `records` NDJSON records: host h<i % 7>, ts 1451606400 + first + i.
  void Ingest(int records, int first = 0) {
    std::string body;
    for (int i = first; i < first + records; ++i) {
      body += R"({"ts":)" + std::to_string(1451606400 + i) + R"(,"host":"h)" +
              std::to_string(i % 7) + R"(","value":)" + std::to_string(i) + "}\n";
    }
    IngestRequest request;
    request.body = std::move(body);
    request.content_type = "application/x-ndjson";
    ASSERT_OK_AND_ASSIGN(IngestResult result, ingest_->Ingest(admin_, "metrics", request));
    ASSERT_EQ(result.accepted, static_cast<uint64_t>(records));
  }

  // Rows every read sees (stored rows minus deleted ones).
  uint64_t Visible() {
    Result<types::ScanStats> stats =
        backend_.get().Scan("metrics", {}, [](types::Batch&) { return true; });
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return stats.ok() ? stats->rows_returned : 0;
  }

  JobRecord WaitFinished(const std::string& job_id) {
    EXPECT_TRUE(jobs_->WaitIdleForTest(kJobTestWait));
    Result<JobRecord> job = store_->GetJob(job_id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? job.value() : JobRecord{};
  }

  // Erases a delete of `filter` through a job; afterwards the stored rows are in segments.
  void DeleteThroughJob(const std::string& filter) {
    ASSERT_OK_AND_ASSIGN(DeleteOutcome outcome,
                         jobs_->DeleteRecords(editor_, "metrics", filter, true));
    ASSERT_TRUE(outcome.job.has_value());
    EXPECT_EQ(WaitFinished(outcome.job->id).state, JobState::kSucceeded);
  }

  // Rows 0..139 in two segments (h6 of rows 0..69 and h5 of rows 0..139 erased on the way:
  // 110 left), rows 140..167 (4 per host) in memory: 138 rows.
  void LoadSegments() {
    Ingest(70);
    DeleteThroughJob("host = 'h6'");  // Its erasure flushes: segment 1.
    Ingest(70, 70);
    DeleteThroughJob("host = 'h5'");  // Flush: segment 2; segment 1 rewritten.
    Ingest(28, 140);
  }

  const security::Principal editor_{"key:editor", {"editor"}, {}, {}};
  const security::Principal other_editor_{"key:editor2", {"editor"}, {}, {}};
};

TEST_F(DeleteJobTest, BelowTheThresholdTheDeleteAnswersItsCount) {
  StartJobs(DeleteOptions(1000));
  Ingest(70);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome outcome,
                       jobs_->DeleteRecords(editor_, "metrics", "host = 'h1'", std::nullopt));
  EXPECT_EQ(outcome.deleted, 10);
  EXPECT_FALSE(outcome.job.has_value());
  EXPECT_EQ(Visible(), 60u);
  // Nothing matched: 0, no job.
  ASSERT_OK_AND_ASSIGN(outcome, jobs_->DeleteRecords(editor_, "metrics", "host = 'zz'", {}));
  EXPECT_EQ(outcome.deleted, 0);
  EXPECT_FALSE(outcome.job.has_value());
}

TEST_F(DeleteJobTest, AtTheThresholdTheDeleteIsCommittedAndAJobErasesIt) {
  StartJobs(DeleteOptions(15));
  LoadSegments();
  const uint64_t before = Visible();
  // h1: 10 of rows 0..69, 10 of 70..139, 4 of 140..167.
  ASSERT_OK_AND_ASSIGN(DeleteOutcome outcome,
                       jobs_->DeleteRecords(editor_, "metrics", "host = 'h1'", std::nullopt));
  EXPECT_EQ(outcome.deleted, 24);
  ASSERT_TRUE(outcome.job.has_value());
  EXPECT_EQ(outcome.job->type, JobType::kDelete);
  EXPECT_EQ(outcome.job->deleted, 24u);
  EXPECT_GT(outcome.job->tombstone_seq, 0);
  EXPECT_EQ(outcome.job->filter, "host = 'h1'");
  EXPECT_EQ(Visible(), before - 24);  // Gone from reads before the answer.

  JobRecord done = WaitFinished(outcome.job->id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.deleted, 24u);
  EXPECT_EQ(done.segments_total, 2u);
  EXPECT_EQ(done.segments_rewritten, 2u);
  EXPECT_GT(done.finished_at, 0);
  ASSERT_OK_AND_ASSIGN(types::EraseProgress erased,
                       backend_.get().GetEraseProgress("metrics", done.tombstone_seq));
  EXPECT_TRUE(erased.erased);
  EXPECT_EQ(Rows(), Visible());  // Stored rows: none deleted is left.

  // ?async=false keeps the synchronous answer above the threshold.
  ASSERT_OK_AND_ASSIGN(outcome, jobs_->DeleteRecords(editor_, "metrics", "host = 'h2'", false));
  EXPECT_EQ(outcome.deleted, 24);
  EXPECT_FALSE(outcome.job.has_value());
}

TEST_F(DeleteJobTest, AnAsyncJobCountsCommitsAndErases) {
  StartJobs(DeleteOptions(0));  // 0: jobs only on request.
  LoadSegments();
  ASSERT_OK_AND_ASSIGN(DeleteOutcome sync,
                       jobs_->DeleteRecords(editor_, "metrics", "host = 'h0'", std::nullopt));
  EXPECT_FALSE(sync.job.has_value());
  ASSERT_OK_AND_ASSIGN(DeleteOutcome outcome,
                       jobs_->DeleteRecords(editor_, "metrics", "host = 'h3'", true));
  EXPECT_EQ(outcome.deleted, 0);
  ASSERT_TRUE(outcome.job.has_value());
  EXPECT_EQ(outcome.job->state, JobState::kQueued);
  EXPECT_EQ(outcome.job->tombstone_seq, 0);
  EXPECT_EQ(outcome.job->creator, "key:editor");
  EXPECT_EQ(outcome.job->creator_roles, std::vector<std::string>{"editor"});
  JobRecord done = WaitFinished(outcome.job->id);
  EXPECT_EQ(done.state, JobState::kSucceeded) << done.error_detail;
  EXPECT_EQ(done.deleted, 24u);
  EXPECT_GT(done.tombstone_seq, 0);
  EXPECT_EQ(done.segments_rewritten, done.segments_total);
  EXPECT_EQ(Rows(), Visible());
  EXPECT_EQ(Visible(), 138u - 24 - 24);  // h0, then h3.

  // Nothing matches: succeeded with 0, nothing committed.
  ASSERT_OK_AND_ASSIGN(outcome, jobs_->DeleteRecords(editor_, "metrics", "host = 'zz'", true));
  done = WaitFinished(outcome.job->id);
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.deleted, 0u);
  EXPECT_EQ(done.tombstone_seq, 0);
}

TEST_F(DeleteJobTest, EveryDeleteIsValidatedBeforeAnythingIsDeletedOrQueued) {
  StartJobs(DeleteOptions(1));
  Ingest(70);
  for (std::optional<bool> async : {std::optional<bool>(), std::optional<bool>(true)}) {
    Result<DeleteOutcome> bad = jobs_->DeleteRecords(editor_, "metrics", "host = ", async);
    EXPECT_EQ(bad.status().problem_code(), "sql_syntax");
    bad = jobs_->DeleteRecords(editor_, "metrics", "  ", async);
    EXPECT_EQ(bad.status().problem_code(), "invalid_parameter");
    bad = jobs_->DeleteRecords(editor_, "metrics", "value + 1 > 3", async);
    EXPECT_EQ(bad.status().problem_code(), "unsupported_filter");
    bad = jobs_->DeleteRecords(editor_, "metrics", "nope = 1", async);
    EXPECT_EQ(bad.status().problem_code(), "sql_semantic");
    bad = jobs_->DeleteRecords(writer_, "metrics", "host = 'h1'", async);
    EXPECT_EQ(bad.status().code(), StatusCode::kPermissionDenied);
    bad = jobs_->DeleteRecords(editor_, "missing", "host = 'h1'", async);
    EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  }
  EXPECT_TRUE(jobs_->WaitIdleForTest(kJobTestWait));
  EXPECT_EQ(Visible(), 70u);
  ASSERT_OK_AND_ASSIGN(std::vector<JobRecord> unfinished, store_->ListUnfinishedJobs());
  EXPECT_TRUE(unfinished.empty());
}

TEST_F(DeleteJobTest, ReadingADeleteJobNeedsDataDeleteOrBeingItsCreator) {
  StartJobs(DeleteOptions(1));
  Ingest(70);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome outcome,
                       jobs_->DeleteRecords(editor_, "metrics", "host = 'h1'", std::nullopt));
  ASSERT_TRUE(outcome.job.has_value());
  const std::string id = outcome.job->id;
  WaitFinished(id);
  EXPECT_OK(jobs_->Get(editor_, id).status());
  EXPECT_OK(jobs_->Get(other_editor_, id).status());
  EXPECT_OK(jobs_->Get(admin_, id).status());
  // data:write (enough for ingest jobs) is not enough for a delete job.
  EXPECT_EQ(jobs_->Get(writer_, id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(jobs_->Cancel(writer_, id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(jobs_->Get(reader_, id).status().code(), StatusCode::kPermissionDenied);
  // Finished: cancelling is a conflict.
  EXPECT_EQ(jobs_->Cancel(editor_, id).status().problem_code(), "job_finished");
}

TEST_F(DeleteJobTest, CancelBeforeTheCommitDeletesNothing) {
  Gate gate;
  JobOptions options = DeleteOptions(0);
  options.before_delete_step_for_test = [&](const JobRecord&) { gate.Pass(); };
  StartJobs(std::move(options));
  Ingest(70);
  ASSERT_OK_AND_ASSIGN(DeleteOutcome outcome,
                       jobs_->DeleteRecords(editor_, "metrics", "host = 'h1'", true));
  ASSERT_TRUE(gate.WaitArrivals(1));  // Counted, not committed.
  ASSERT_OK_AND_ASSIGN(JobRecord cancelling, jobs_->Cancel(editor_, outcome.job->id));
  EXPECT_TRUE(cancelling.cancel_requested);
  gate.Open();
  JobRecord done = WaitFinished(outcome.job->id);
  EXPECT_EQ(done.state, JobState::kCancelled);
  EXPECT_EQ(done.tombstone_seq, 0);
  EXPECT_EQ(done.deleted, 10u);  // What it would have deleted.
  EXPECT_EQ(Visible(), 70u);
}

TEST_F(DeleteJobTest, CancelAfterTheCommitKeepsTheRowsDeleted) {
  StartJobs(DeleteOptions(0));
  LoadSegments();
  jobs_.reset();
  Gate gate;
  JobOptions options = DeleteOptions(0);
  options.before_delete_step_for_test = [&](const JobRecord& job) {
    if (job.tombstone_seq != 0) gate.Pass();  // Erasure steps only.
  };
  StartJobs(std::move(options));
  const uint64_t before = Visible();
  ASSERT_OK_AND_ASSIGN(DeleteOutcome outcome,
                       jobs_->DeleteRecords(editor_, "metrics", "host = 'h1'", true));
  ASSERT_TRUE(gate.WaitArrivals(1));
  ASSERT_OK(jobs_->Cancel(editor_, outcome.job->id).status());
  gate.Open();
  JobRecord done = WaitFinished(outcome.job->id);
  EXPECT_EQ(done.state, JobState::kCancelled);
  EXPECT_GT(done.tombstone_seq, 0);
  EXPECT_EQ(done.segments_total, 2u);
  EXPECT_EQ(done.segments_rewritten, 0u);
  EXPECT_EQ(Visible(), before - 24);  // Still deleted for every read...
  ASSERT_OK_AND_ASSIGN(types::EraseProgress progress,
                       backend_.get().GetEraseProgress("metrics", done.tombstone_seq));
  EXPECT_FALSE(progress.erased);  // ...and left to background compaction to erase.
  EXPECT_EQ(progress.segments_pending, 2u);
  EXPECT_GT(Rows(), Visible());
}

TEST_F(DeleteJobTest, StoppedJobsResumeAfterARestart) {
  StartJobs(DeleteOptions(0));
  LoadSegments();
  jobs_.reset();
  // Stop once before the commit and once during erasure; each restart resumes the job.
  for (int stop_at : {0, 1}) {
    Gate gate;
    JobOptions options = DeleteOptions(0);
    options.before_delete_step_for_test = [&gate, stop_at](const JobRecord& job) {
      if ((job.tombstone_seq != 0) == (stop_at == 1)) gate.Pass();
    };
    StartJobs(std::move(options));
    const uint64_t before = Visible();
    const std::string filter = stop_at == 0 ? "host = 'h1'" : "host = 'h2'";
    ASSERT_OK_AND_ASSIGN(DeleteOutcome outcome,
                         jobs_->DeleteRecords(editor_, "metrics", filter, true));
    ASSERT_TRUE(gate.WaitArrivals(1));
    std::thread stopper([this] { jobs_->Stop(); });
    const auto deadline = std::chrono::steady_clock::now() + kJobTestWait;
    while (jobs_->CheckCapacity().ok() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    gate.Open();
    stopper.join();
    ASSERT_OK_AND_ASSIGN(JobRecord paused, store_->GetJob(outcome.job->id));
    EXPECT_EQ(paused.state, JobState::kRunning);
    EXPECT_EQ(paused.deleted, 24u);
    if (stop_at == 0) {
      EXPECT_EQ(paused.tombstone_seq, 0);
      EXPECT_EQ(Visible(), before);  // Not committed yet.
    } else {
      EXPECT_GT(paused.tombstone_seq, 0);
      EXPECT_EQ(Visible(), before - 24);
    }

    StartJobs(DeleteOptions(0));  // A restart.
    JobRecord done = WaitFinished(outcome.job->id);
    EXPECT_EQ(done.state, JobState::kSucceeded) << done.error_detail;
    EXPECT_EQ(done.deleted, 24u);
    if (stop_at == 1) {
      EXPECT_EQ(done.tombstone_seq, paused.tombstone_seq);
    }
    EXPECT_EQ(done.segments_rewritten, done.segments_total);
    EXPECT_EQ(Visible(), before - 24);
    EXPECT_EQ(Rows(), Visible());
    jobs_.reset();
  }
}

}  // namespace
}  // namespace strata::service
