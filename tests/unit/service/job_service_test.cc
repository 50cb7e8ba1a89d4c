// JobService: async ingest jobs run through IngestService in chunks — the same records,
// counts and errors as one synchronous request; permissions; cancellation between chunks;
// bounded admission; and recovery after a stop or a crash (resume without duplicates, or
// fail a job whose chunk was in flight).
#include "service/job_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/time_util.h"
#include "job_test_env.h"

namespace strata::service {
namespace {

using meta::JobRecord;
using meta::JobState;
using std::chrono::milliseconds;

constexpr milliseconds kWait{20'000};

class JobServiceTest : public JobTestEnv {
 protected:
  static IngestRequest Request(std::string body,
                               std::string content_type = "application/x-ndjson") {
    IngestRequest request;
    request.body = std::move(body);
    request.content_type = std::move(content_type);
    return request;
  }

  JobRecord RunToEnd(IngestRequest request, const security::Principal& caller) {
    Result<JobRecord> started = jobs_->StartIngest(caller, "metrics", std::move(request));
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    if (!started.ok()) return {};
    EXPECT_TRUE(jobs_->WaitIdleForTest(kWait));
    Result<JobRecord> done = jobs_->Get(caller, started->id);
    EXPECT_TRUE(done.ok()) << done.status().ToString();
    return done.ok() ? done.value() : JobRecord{};
  }
};

TEST_F(JobServiceTest, JobCommitsEveryAcceptedRowOnceAndRemovesItsBody) {
  StartJobs(Options(256));
  const std::string body = Ndjson(100, 10);
  JobRecord job = RunToEnd(Request(body), writer_);
  EXPECT_EQ(job.state, JobState::kSucceeded);
  EXPECT_EQ(job.accepted, 90u);
  EXPECT_EQ(job.rejected, 10u);
  EXPECT_EQ(job.records_done, 100u);
  EXPECT_EQ(job.bytes_done, body.size());
  EXPECT_EQ(job.bytes_total, body.size());
  EXPECT_EQ(job.inflight_end, 0u);
  EXPECT_EQ(job.last_seq - job.first_seq + 1, 90);
  ASSERT_EQ(job.errors.size(), 10u);
  EXPECT_EQ(job.errors[3].index, 30u);
  EXPECT_EQ(job.errors[3].pointer, "/30/value");
  EXPECT_EQ(Rows(), 90u);
  EXPECT_FALSE(Exists(job.body_file));
  EXPECT_GT(job.started_at, 0);
  EXPECT_GE(job.finished_at, job.started_at);
}

// Bodies in every format, with the records that make chunking hard: CSV fields and
// line-protocol strings holding line ends, CRLF, blank lines, comments and bad records.
struct FormatCase {
  const char* name;
  const char* content_type;
  std::string body;
};

std::string CsvBody() {
  std::string body = "\xEF\xBB\xBFts,host,value,note\r\n\r\n";
  for (int i = 0; i < 60; ++i) {
    const std::string ts = std::to_string(1451606400 + i);
    if (i % 13 == 5) {
      body += ts + ",h,notanumber,x\r\n";  // Type error.
    } else if (i % 17 == 3) {
      body += ts + ",h,1,x,extra\n";  // Field count.
    } else if (i % 11 == 2) {
      body += ts + ",h," + std::to_string(i) + ",\"line one\nline \"\"two\"\"\r\nthree\"\n\n";
    } else {
      body += ts + ",h" + std::to_string(i) + "," + std::to_string(i) + ",\"a,b\"\n";
    }
  }
  return body;
}

std::string LineProtocolBody() {
  std::string body = "# a comment\n";
  for (int i = 0; i < 60; ++i) {
    const std::string ts = std::to_string(1451606400 + i) + "000000000";
    if (i % 13 == 5) {
      body += "metrics,host=h value=oops " + ts + "\n";  // Bad field value.
    } else if (i % 17 == 3) {
      body += "other,host=h value=1 " + ts + "\n";  // Wrong measurement.
    } else if (i % 11 == 2) {
      body += "metrics,host=h value=" + std::to_string(i) + ",note=\"multi\nline \\\"x\\\"\n\" " +
              ts + "\r\n   \n";
    } else {
      body +=
          "metrics,host=h\"" + std::to_string(i) + " value=" + std::to_string(i) + " " + ts + "\n";
    }
  }
  return body;
}

std::string JsonArrayBody() {
  std::string body = "[";
  for (int i = 0; i < 40; ++i) {
    if (i > 0) body += ",\n";
    body += R"({"ts":)" + std::to_string(1451606400 + i) + R"(,"host":"h","value":)" +
            (i % 9 == 4 ? std::string("true") : std::to_string(i)) + "}";
  }
  return body + "]";
}

class JobFormatTest : public JobServiceTest, public ::testing::WithParamInterface<int> {
 protected:
  FormatCase Case() const {
    switch (GetParam()) {
      case 0: return {"ndjson", "application/x-ndjson", "\n" + Ndjson(80, 7) + "{\"ts\":\n\n"};
      case 1: return {"csv", "text/csv", CsvBody()};
      case 2: return {"lp", "text/plain; format=line-protocol", LineProtocolBody()};
      default: return {"json", "application/json", JsonArrayBody()};
    }
  }
};

INSTANTIATE_TEST_SUITE_P(Formats, JobFormatTest, ::testing::Range(0, 4));

TEST_P(JobFormatTest, ChunkedJobReportsWhatOneRequestWould) {
  const FormatCase format = Case();
  // The synchronous answer for the same body (a dry run: nothing committed).
  IngestRequest dry = Request(format.body, format.content_type);
  dry.dry_run = true;
  ASSERT_OK_AND_ASSIGN(IngestResult expected, ingest_->Ingest(writer_, "metrics", dry));
  ASSERT_GT(expected.rejected, 0u) << format.name;

  for (size_t chunk_bytes : {size_t{64}, size_t{300}, size_t{1} << 20}) {
    SCOPED_TRACE(std::string(format.name) + ", chunks of " + std::to_string(chunk_bytes));
    StartJobs(Options(chunk_bytes));
    const uint64_t rows_before = Rows();
    JobRecord job = RunToEnd(Request(format.body, format.content_type), writer_);
    EXPECT_EQ(job.state, JobState::kSucceeded) << job.error_code << ": " << job.error_detail;
    EXPECT_EQ(job.accepted, expected.accepted);
    EXPECT_EQ(job.rejected, expected.rejected);
    EXPECT_EQ(Rows() - rows_before, expected.accepted);
    ASSERT_EQ(job.errors.size(), expected.errors.size());
    for (size_t i = 0; i < job.errors.size(); ++i) {
      EXPECT_EQ(job.errors[i].index, expected.errors[i].index);
      EXPECT_EQ(job.errors[i].pointer, expected.errors[i].pointer);
      EXPECT_EQ(job.errors[i].code, expected.errors[i].code);
      EXPECT_EQ(job.errors[i].detail, expected.errors[i].detail);
    }
    jobs_.reset();
  }
}

TEST_F(JobServiceTest, AtomicJobWithABadRecordFailsAndCommitsNothing) {
  StartJobs(Options(64));
  IngestRequest request = Request(Ndjson(30, 29));
  request.mode = IngestMode::kAtomic;
  JobRecord job = RunToEnd(std::move(request), writer_);
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.error_code, "records_invalid");
  EXPECT_EQ(JobFailure(job).code(), StatusCode::kValidationFailed);
  EXPECT_EQ(job.accepted, 0u);
  EXPECT_EQ(job.rejected, 2u);  // Records 0 and 29.
  EXPECT_EQ(Rows(), 0u);
}

TEST_F(JobServiceTest, BodyLevelErrorsFailTheJob) {
  StartJobs(Options(64));
  JobRecord empty = RunToEnd(Request("\n\n  \n"), writer_);
  EXPECT_EQ(empty.state, JobState::kFailed);
  EXPECT_EQ(empty.error_code, "no_records");
  EXPECT_EQ(JobFailure(empty).code(), StatusCode::kInvalidArgument);
  JobRecord header = RunToEnd(Request("a,,b\n1,2,3\n", "text/csv"), writer_);
  EXPECT_EQ(header.state, JobState::kFailed);
  EXPECT_EQ(header.error_code, "csv_bad_header");
  JobRecord json = RunToEnd(Request("[{\"ts\":1,", "application/json"), writer_);
  EXPECT_EQ(json.error_code, "malformed_json");
}

TEST_F(JobServiceTest, StartChecksPermissionDatasetAndFormatUpFront) {
  StartJobs(Options());
  EXPECT_EQ(jobs_->StartIngest(reader_, "metrics", Request(Ndjson(1))).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(jobs_->StartIngest(writer_, "nope", Request(Ndjson(1))).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(jobs_->StartIngest(writer_, "metrics", Request("x", "application/xml")).status().code(),
            StatusCode::kUnsupportedMediaType);
  IngestRequest encoded = Request(Ndjson(1));
  encoded.content_encoding = "snappy";
  EXPECT_EQ(jobs_->StartIngest(writer_, "metrics", encoded).status().code(),
            StatusCode::kUnsupportedMediaType);
  EXPECT_TRUE(jobs_->WaitIdleForTest(kWait));
  EXPECT_EQ(Rows(), 0u);
}

TEST_F(JobServiceTest, CreatorOrWritersReadAndCancelJobs) {
  StartJobs(Options());
  JobRecord job = RunToEnd(Request(Ndjson(3)), writer_);
  ASSERT_EQ(job.state, JobState::kSucceeded);
  EXPECT_OK(jobs_->Get(other_writer_, job.id).status());
  // The creator keeps access with fewer roles; a reader who did not create it has none.
  const security::Principal creator_as_reader{writer_.ref, {"reader"}, {}, {}};
  EXPECT_OK(jobs_->Get(creator_as_reader, job.id).status());
  EXPECT_EQ(jobs_->Get(reader_, job.id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(jobs_->Cancel(reader_, job.id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(jobs_->Get(writer_, "nope").status().code(), StatusCode::kNotFound);
  Result<JobRecord> finished = jobs_->Cancel(writer_, job.id);
  EXPECT_EQ(finished.status().code(), StatusCode::kConflict);
  EXPECT_EQ(finished.status().problem_code(), "job_finished");
}

// Regression (OWASP API1): a job on a dataset the caller cannot see answered "dataset 'x'
// does not exist", naming the hidden dataset and confirming the job; it now answers exactly
// as a missing job does.
TEST_F(JobServiceTest, JobOnAnInvisibleDatasetAnswersLikeAMissingJob) {
  StartJobs(Options());
  JobRecord job = RunToEnd(Request(Ndjson(1)), writer_);
  ASSERT_EQ(job.state, JobState::kSucceeded);
  const security::Principal stranger{"user:sam", {}, {}, {}};
  for (bool cancel : {false, true}) {
    auto call = [&](const std::string& id) {
      return cancel ? jobs_->Cancel(stranger, id).status() : jobs_->Get(stranger, id).status();
    };
    const std::string missing_id(job.id.size(), 'Z');
    const Status hidden = call(job.id);
    const Status missing = call(missing_id);
    EXPECT_EQ(hidden.code(), StatusCode::kNotFound);
    EXPECT_EQ(hidden.problem_code(), missing.problem_code());
    EXPECT_EQ(hidden.message(), "job '" + job.id + "' does not exist");
    EXPECT_EQ(missing.message(), "job '" + missing_id + "' does not exist");
  }
}

TEST_F(JobServiceTest, CancelStopsARunningJobBetweenChunksAndAQueuedOneAtOnce) {
  Gate gate;
  int chunks = 0;
  JobOptions options = Options(128);
  options.before_chunk_for_test = [&](const JobRecord&) {
    if (++chunks == 2) gate.Pass();
  };
  StartJobs(std::move(options));
  ASSERT_OK_AND_ASSIGN(JobRecord running,
                       jobs_->StartIngest(writer_, "metrics", Request(Ndjson(60))));
  ASSERT_OK_AND_ASSIGN(JobRecord queued,
                       jobs_->StartIngest(writer_, "metrics", Request(Ndjson(5))));
  ASSERT_TRUE(gate.WaitArrivals(1));
  ASSERT_OK_AND_ASSIGN(JobRecord cancelled, jobs_->Cancel(writer_, queued.id));
  EXPECT_EQ(cancelled.state, JobState::kCancelled);
  EXPECT_FALSE(Exists(queued.body_file));
  ASSERT_OK_AND_ASSIGN(JobRecord stopping, jobs_->Cancel(writer_, running.id));
  EXPECT_EQ(stopping.state, JobState::kRunning);
  EXPECT_TRUE(stopping.cancel_requested);
  gate.Open();
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord stopped, jobs_->Get(writer_, running.id));
  EXPECT_EQ(stopped.state, JobState::kCancelled);
  // The chunk in progress finished; nothing after it ran, and what ran is counted.
  EXPECT_GT(stopped.bytes_done, 0u);
  EXPECT_LT(stopped.bytes_done, stopped.bytes_total);
  EXPECT_EQ(Rows(), stopped.accepted);
  EXPECT_FALSE(Exists(running.body_file));
}

TEST_F(JobServiceTest, AdmissionIsBounded) {
  Gate gate;
  JobOptions options = Options();
  options.queue_capacity = 2;
  options.before_chunk_for_test = [&](const JobRecord&) { gate.Pass(); };
  StartJobs(std::move(options));
  ASSERT_OK(jobs_->StartIngest(writer_, "metrics", Request(Ndjson(1))).status());
  ASSERT_OK(jobs_->StartIngest(writer_, "metrics", Request(Ndjson(1))).status());
  Result<JobRecord> refused = jobs_->StartIngest(writer_, "metrics", Request(Ndjson(1)));
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(refused.status().problem_code(), "overloaded");
  EXPECT_EQ(jobs_->CheckCapacity().code(), StatusCode::kUnavailable);
  gate.Open();
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  EXPECT_OK(jobs_->CheckCapacity());
  EXPECT_EQ(Rows(), 2u);
}

TEST_F(JobServiceTest, StopLeavesARunningJobToResumeWithoutDuplicates) {
  Gate gate;
  int chunks = 0;
  JobOptions options = Options(200);
  options.before_chunk_for_test = [&](const JobRecord&) {
    if (++chunks == 3) gate.Pass();
  };
  StartJobs(std::move(options));
  ASSERT_OK_AND_ASSIGN(JobRecord job,
                       jobs_->StartIngest(writer_, "metrics", Request(Ndjson(100, 25))));
  ASSERT_TRUE(gate.WaitArrivals(1));
  std::thread stopper([this] { jobs_->Stop(); });
  // Let the chunk finish only once the service is stopping.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (jobs_->CheckCapacity().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  gate.Open();
  stopper.join();
  ASSERT_OK_AND_ASSIGN(JobRecord paused, store_->GetJob(job.id));
  EXPECT_EQ(paused.state, JobState::kRunning);
  EXPECT_EQ(paused.inflight_end, 0u);
  EXPECT_GT(paused.bytes_done, 0u);
  EXPECT_LT(paused.bytes_done, paused.bytes_total);
  EXPECT_EQ(Rows(), paused.accepted);
  EXPECT_TRUE(Exists(job.body_file));

  StartJobs(Options(200));  // A restart.
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord done, jobs_->Get(writer_, job.id));
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.accepted, 96u);
  EXPECT_EQ(done.rejected, 4u);
  EXPECT_EQ(Rows(), 96u);
  ASSERT_EQ(done.errors.size(), 4u);
  EXPECT_EQ(done.errors[3].pointer, "/75/value");
}

JobRecord StoredJob(const std::string& id, const std::string& body_file, uint64_t size) {
  JobRecord job;
  job.id = id;
  job.dataset_id = "metrics";
  job.creator = "key:writer";
  job.creator_roles = {"writer"};
  job.state = JobState::kRunning;
  job.body_file = body_file;
  job.content_type = "application/x-ndjson";
  job.bytes_total = size;
  job.created_at = job.updated_at = job.started_at = NowMicros();
  return job;
}

TEST_F(JobServiceTest, RecoveryResumesAnInFlightChunkThatProvablyStoredNothing) {
  std::filesystem::create_directories(data_dir_ + "/jobs");
  ASSERT_OK(ingest_->Ingest(writer_, "metrics", Request(Ndjson(2))).status());  // Seqs 1-2.
  const std::string body = Ndjson(10);
  WriteFile("jobs/j1", body);
  JobRecord job = StoredJob("j1", "jobs/j1", body.size());
  job.inflight_end = 120;
  job.inflight_seq = 2;  // The dataset still ends at seq 2: the chunk's append never landed.
  ASSERT_OK(store_->CreateJob(job));
  StartJobs(Options());
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord done, jobs_->Get(writer_, "j1"));
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.accepted, 10u);
  EXPECT_EQ(done.inflight_seq, -1);
  EXPECT_EQ(Rows(), 12u);
}

TEST_F(JobServiceTest, RecoveryFailsAJobWhoseChunkWasInFlight) {
  std::filesystem::create_directories(data_dir_ + "/jobs");
  const std::string body = Ndjson(10);
  WriteFile("jobs/j1", body);
  JobRecord job = StoredJob("j1", "jobs/j1", body.size());
  job.bytes_done = 0;
  job.inflight_end = 120;  // The crash came while this chunk was being committed...
  job.inflight_seq = 0;    // ...and the dataset has rows past the seq seen before it.
  ASSERT_OK(ingest_->Ingest(writer_, "metrics", Request(Ndjson(2))).status());
  ASSERT_OK(store_->CreateJob(job));
  StartJobs(Options());
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord failed, jobs_->Get(writer_, "j1"));
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.error_code, "job_interrupted");
  EXPECT_NE(failed.error_detail.find("0-120"), std::string::npos) << failed.error_detail;
  EXPECT_EQ(failed.inflight_end, 0u);
  EXPECT_EQ(Rows(), 2u);  // Never re-ingested.
  EXPECT_FALSE(Exists("jobs/j1"));
}

TEST_F(JobServiceTest, RecoveryResumesAfterTheLastCommittedChunk) {
  std::filesystem::create_directories(data_dir_ + "/jobs");
  std::string body = Ndjson(8);
  body += "{\"ts\":\n";  // Record 8, line 9: invalid JSON.
  body += Ndjson(1);
  const std::string first_four = Ndjson(4);
  ASSERT_EQ(body.compare(0, first_four.size(), first_four), 0);
  WriteFile("jobs/j1", body);
  JobRecord job = StoredJob("j1", "jobs/j1", body.size());
  // Records 0-3 were committed before the restart (here: only recorded, not stored).
  job.bytes_done = first_four.size();
  job.records_done = 4;
  job.lines_done = 4;
  job.accepted = 4;
  job.first_seq = 1;
  job.last_seq = 4;
  ASSERT_OK(store_->CreateJob(job));
  StartJobs(Options(64));
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord done, jobs_->Get(writer_, "j1"));
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.accepted, 9u);
  EXPECT_EQ(done.rejected, 1u);
  EXPECT_EQ(Rows(), 5u);  // Only the records after the committed offset.
  ASSERT_EQ(done.errors.size(), 1u);
  EXPECT_EQ(done.errors[0].index, 8u);
  EXPECT_EQ(done.errors[0].code, "invalid_json");
  EXPECT_EQ(done.errors[0].detail.rfind("line 9", 0), 0u) << done.errors[0].detail;
  EXPECT_EQ(done.first_seq, 1);
}

TEST_F(JobServiceTest, RecoveryFinishesAJobWhoseLastChunkWasRecorded) {
  std::filesystem::create_directories(data_dir_ + "/jobs");
  const std::string body = "[" + std::string(R"({"ts":1451606400,"host":"a"})") + "]";
  WriteFile("jobs/j1", body);
  JobRecord job = StoredJob("j1", "jobs/j1", body.size());
  job.content_type = "application/json";
  job.bytes_done = body.size();  // The crash came after the progress, before the finish.
  job.records_done = 1;
  job.accepted = 1;
  ASSERT_OK(store_->CreateJob(job));
  StartJobs(Options());
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord done, jobs_->Get(writer_, "j1"));
  EXPECT_EQ(done.state, JobState::kSucceeded);
  EXPECT_EQ(done.accepted, 1u);
  EXPECT_EQ(Rows(), 0u);  // Nothing ingested again.
  EXPECT_FALSE(Exists("jobs/j1"));
}

TEST_F(JobServiceTest, RecoveryCancelsRequestedJobsAndRemovesOrphanBodies) {
  std::filesystem::create_directories(data_dir_ + "/jobs");
  WriteFile("jobs/j1", Ndjson(3));
  WriteFile("jobs/orphan", "left by a request that crashed before its job was recorded");
  JobRecord job = StoredJob("j1", "jobs/j1", Ndjson(3).size());
  job.state = JobState::kQueued;
  ASSERT_OK(store_->CreateJob(job));
  ASSERT_OK(store_->RequestJobCancel("j1").status());
  StartJobs(Options());
  ASSERT_TRUE(jobs_->WaitIdleForTest(kWait));
  ASSERT_OK_AND_ASSIGN(JobRecord cancelled, jobs_->Get(writer_, "j1"));
  EXPECT_EQ(cancelled.state, JobState::kCancelled);
  EXPECT_FALSE(Exists("jobs/j1"));
  EXPECT_FALSE(Exists("jobs/orphan"));
  EXPECT_EQ(Rows(), 0u);
}

TEST_F(JobServiceTest, ShouldRunAsyncFollowsTheRequestThenTheThreshold) {
  JobOptions options = Options();
  options.async_threshold_bytes = 100;
  StartJobs(std::move(options));
  EXPECT_TRUE(jobs_->ShouldRunAsync(true, 1));
  EXPECT_FALSE(jobs_->ShouldRunAsync(false, 1000));
  EXPECT_FALSE(jobs_->ShouldRunAsync(std::nullopt, 100));
  EXPECT_TRUE(jobs_->ShouldRunAsync(std::nullopt, 101));
}

TEST(JobFailureTest, RebuildsTheStatusOfAFailedJob) {
  JobRecord job;
  EXPECT_OK(JobFailure(job));
  job.state = JobState::kFailed;
  job.error_status = "payload_too_large";
  job.error_code = "too_many_records";
  job.error_detail = "too many";
  const Status status = JobFailure(job);
  EXPECT_EQ(status.code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(status.problem_code(), "too_many_records");
  EXPECT_EQ(status.message(), "too many");
}

}  // namespace
}  // namespace strata::service
