// IngestService: permissions, what is committed in each mode, schema evolution by writers,
// and limits — with a real engine behind TestBackend.
#include "service/ingest_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "common/json.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "service/ingest_outcome_codec.h"
#include "test_backend.h"
#include "test_util.h"

namespace strata::service {
namespace {

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<meta::MetaStore>> opened = meta::OpenSqliteMetaStore(":memory:");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    datasets_ = std::make_unique<DatasetService>(*store_, backend_.get(), authorizer_,
                                                 CursorCodec(std::string(32, 'c')));
    limits_.max_errors = 2;
    ingest_ = std::make_unique<IngestService>(*datasets_, backend_.get(), *store_, limits_);
  }

  void CreateMetrics(std::string_view mode) {
    const std::string body =
        R"({"id":"metrics","time_field":"ts","schema_mode":")" + std::string(mode) +
        R"(","fields":[{"name":"ts","type":"timestamp"},{"name":"host","type":"string"},
                       {"name":"value","type":"float64","nullable":true}]})";
    Result<json::Value> parsed = json::Parse(body);
    ASSERT_TRUE(parsed.ok());
    Result<DatasetSpec> spec = DecodeDatasetSpec(parsed.value(), SpecKind::kCreate);
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    ASSERT_TRUE(datasets_->Create(admin_, std::move(spec).value()).ok());
  }

  Result<IngestResult> Ingest(const security::Principal& caller, std::string body,
                              IngestMode mode = IngestMode::kPartial, bool dry_run = false) {
    IngestRequest request;
    request.body = std::move(body);
    request.content_type = "application/x-ndjson";
    request.mode = mode;
    request.dry_run = dry_run;
    return ingest_->Ingest(caller, "metrics", std::move(request));
  }

  uint64_t Rows() {
    Result<types::DatasetStats> stats = backend_.get().Stats("metrics");
    return stats.ok() ? stats.value().rows : 0;
  }

  security::Authorizer authorizer_;
  strata::testing::TestBackend backend_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<DatasetService> datasets_;
  IngestLimits limits_;
  std::unique_ptr<IngestService> ingest_;
  const security::Principal admin_{"key:admin", {"admin"}, {}, {}};
  const security::Principal writer_{"key:writer", {"writer"}, {}, {}};
  const security::Principal reader_{"key:reader", {"reader"}, {}, {}};
};

constexpr const char* kGood = R"({"ts":1451606400,"host":"a","value":1})"
                              "\n"
                              R"({"ts":1451606401,"host":"b"})"
                              "\n";
constexpr const char* kOneBad = R"({"ts":1451606400,"host":"a","value":"x"})"
                                "\n";

TEST_F(IngestServiceTest, WritersIngestReadersDoNot) {
  CreateMetrics("strict");
  Result<IngestResult> denied = Ingest(reader_, kGood);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(IngestResult result, Ingest(writer_, kGood));
  EXPECT_EQ(result.accepted, 2u);
  EXPECT_TRUE(result.committed);
  EXPECT_EQ(result.first_seq, 1);
  EXPECT_EQ(result.last_seq, 2);
  EXPECT_EQ(Rows(), 2u);
  IngestRequest missing;
  missing.body = kGood;
  missing.content_type = "application/x-ndjson";
  EXPECT_EQ(ingest_->Ingest(writer_, "nope", std::move(missing)).status().code(),
            StatusCode::kNotFound);
}

TEST_F(IngestServiceTest, AtomicAndDryRunCommitNothing) {
  CreateMetrics("strict");
  ASSERT_OK_AND_ASSIGN(IngestResult atomic,
                       Ingest(writer_, std::string(kGood) + kOneBad, IngestMode::kAtomic));
  EXPECT_FALSE(atomic.committed);
  EXPECT_EQ(atomic.accepted, 0u);
  EXPECT_EQ(atomic.rejected, 1u);
  ASSERT_OK_AND_ASSIGN(IngestResult dry,
                       Ingest(writer_, std::string(kGood) + kOneBad, IngestMode::kPartial, true));
  EXPECT_FALSE(dry.committed);
  EXPECT_EQ(dry.accepted, 2u);
  EXPECT_EQ(Rows(), 0u);
  ASSERT_OK_AND_ASSIGN(IngestResult partial, Ingest(writer_, std::string(kGood) + kOneBad));
  EXPECT_TRUE(partial.committed);
  EXPECT_EQ(partial.accepted, 2u);
  ASSERT_EQ(partial.errors.size(), 1u);
  EXPECT_EQ(partial.errors[0].pointer, "/2/value");
  EXPECT_EQ(Rows(), 2u);
}

TEST_F(IngestServiceTest, ErrorsAreCappedButAllCounted) {
  CreateMetrics("strict");
  std::string body;
  for (int i = 0; i < 5; ++i) body += kOneBad;
  ASSERT_OK_AND_ASSIGN(IngestResult result, Ingest(writer_, body));
  EXPECT_EQ(result.rejected, 5u);
  EXPECT_EQ(result.errors.size(), 2u);
  EXPECT_TRUE(result.errors_truncated);
}

TEST_F(IngestServiceTest, EvolveModeLetsWritersAddFields) {
  CreateMetrics("evolve");
  const std::string body = R"({"ts":1451606400,"host":"a","region":"eu","load":{"p50":0.5}})";
  ASSERT_OK_AND_ASSIGN(IngestResult dry, Ingest(writer_, body, IngestMode::kPartial, true));
  EXPECT_EQ(dry.schema_version, 2u);
  EXPECT_EQ(dry.added_fields.size(), 2u);
  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord before, datasets_->Get(admin_, "metrics"));
  EXPECT_EQ(before.schema.version, 1u);  // The dry run changed nothing.

  ASSERT_OK_AND_ASSIGN(IngestResult result, Ingest(writer_, body));
  EXPECT_EQ(result.accepted, 1u);
  EXPECT_EQ(result.schema_version, 2u);
  ASSERT_EQ(result.added_fields.size(), 2u);
  EXPECT_EQ(result.added_fields[0].name, "region");
  EXPECT_EQ(result.added_fields[1].name, "load.p50");
  EXPECT_EQ(result.added_fields[1].type, types::DataType::kFloat64);
  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord after, datasets_->Get(admin_, "metrics"));
  EXPECT_EQ(after.schema.version, 2u);
  ASSERT_NE(after.schema.Find("load.p50"), nullptr);
  EXPECT_TRUE(after.schema.Find("load.p50")->nullable);
  // Already there: no new version.
  ASSERT_OK_AND_ASSIGN(IngestResult again, Ingest(writer_, body));
  EXPECT_TRUE(again.added_fields.empty());
  EXPECT_EQ(again.schema_version, 2u);
}

TEST_F(IngestServiceTest, StrictDatasetsCannotBeEvolvedThroughIngest) {
  CreateMetrics("strict");
  types::Field field;
  field.name = "region";
  field.type = types::DataType::kString;
  EXPECT_EQ(datasets_->AddInferredFields(writer_, "metrics", {field}).status().code(),
            StatusCode::kValidationFailed);
  EXPECT_EQ(datasets_->AddInferredFields(reader_, "metrics", {field}).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(IngestServiceTest, BodyLevelProblems) {
  CreateMetrics("strict");
  IngestRequest request;
  request.body = kGood;
  request.content_type = "application/xml";
  EXPECT_EQ(ingest_->Ingest(writer_, "metrics", request).status().code(),
            StatusCode::kUnsupportedMediaType);
  request.content_type = "application/json";
  request.content_encoding = "gzip";
  EXPECT_EQ(ingest_->Ingest(writer_, "metrics", request).status().code(),
            StatusCode::kInvalidArgument);  // Not gzip at all.
  request.content_encoding = "snappy";
  EXPECT_EQ(ingest_->Ingest(writer_, "metrics", request).status().code(),
            StatusCode::kUnsupportedMediaType);
  request.content_encoding = "";
  request.body = "[]";
  EXPECT_EQ(ingest_->Ingest(writer_, "metrics", request).status().problem_code(), "no_records");
  EXPECT_EQ(Rows(), 0u);
}

}  // namespace
}  // namespace strata::service

namespace strata::service {
namespace {

class IdempotencyTest : public IngestServiceTest {
 protected:
  Result<IngestResult> IngestWithKey(std::string body, std::string key) {
    IngestRequest request;
    request.body = std::move(body);
    request.content_type = "application/x-ndjson";
    request.idempotency_key = std::move(key);
    return ingest_->Ingest(writer_, "metrics", std::move(request));
  }
};

TEST_F(IdempotencyTest, ARetryGetsTheFirstOutcomeAndAddsNoRows) {
  CreateMetrics("strict");
  ASSERT_OK_AND_ASSIGN(IngestResult first, IngestWithKey(std::string(kGood) + kOneBad, "k1"));
  EXPECT_FALSE(first.replayed);
  ASSERT_OK_AND_ASSIGN(IngestResult again, IngestWithKey(std::string(kGood) + kOneBad, "k1"));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.first_seq, first.first_seq);
  EXPECT_EQ(again.last_seq, first.last_seq);
  EXPECT_EQ(again.accepted, 2u);
  ASSERT_EQ(again.errors.size(), 1u);
  EXPECT_EQ(again.errors[0].pointer, first.errors[0].pointer);
  EXPECT_EQ(Rows(), 2u);
  // Storage released the commit note once the outcome was recorded.
  ASSERT_OK_AND_ASSIGN(std::vector<types::CommittedNote> notes, backend_.get().UnconfirmedNotes());
  EXPECT_TRUE(notes.empty());
}

TEST_F(IdempotencyTest, ADifferentRequestOrOneStillRunningIsRefused) {
  CreateMetrics("strict");
  ASSERT_TRUE(IngestWithKey(kGood, "k2").ok());
  EXPECT_EQ(IngestWithKey(kOneBad, "k2").status().problem_code(), "idempotency_key_reused");
  // Another principal's key of the same name is another key.
  IngestRequest request;
  request.body = kGood;
  request.content_type = "application/x-ndjson";
  request.idempotency_key = "k2";
  ASSERT_OK_AND_ASSIGN(IngestResult admin, ingest_->Ingest(admin_, "metrics", request));
  EXPECT_FALSE(admin.replayed);

  meta::IdempotencyRecord running;
  running.principal = writer_.ref;
  running.key = "k3";
  running.dataset = "metrics";
  running.fingerprint = "whatever";
  running.expires_at = INT64_MAX;
  ASSERT_OK(store_->BeginIdempotency(running, 0).status());
  EXPECT_EQ(IngestWithKey(kGood, "k3").status().code(), StatusCode::kConflict);
}

TEST_F(IdempotencyTest, RequestErrorsAreReplayedTransientOnesAreNot) {
  CreateMetrics("strict");
  IngestRequest request;
  request.body = kGood;
  request.content_type = "application/xml";
  request.idempotency_key = "k4";
  EXPECT_EQ(ingest_->Ingest(writer_, "metrics", request).status().code(),
            StatusCode::kUnsupportedMediaType);
  Result<IngestResult> replay = ingest_->Ingest(writer_, "metrics", request);
  EXPECT_EQ(replay.status().code(), StatusCode::kUnsupportedMediaType);
  EXPECT_EQ(replay.status().problem_code(), "unsupported_media_type");
  ASSERT_OK_AND_ASSIGN(std::optional<meta::IdempotencyRecord> stored,
                       store_->GetIdempotency(writer_.ref, "k4"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(stored->done);
}

TEST_F(IdempotencyTest, StartUpSettlesKeysACrashLeftPending) {
  CreateMetrics("strict");
  // A crash after the append committed (note in storage) but before the metastore update...
  meta::IdempotencyRecord committed;
  committed.principal = writer_.ref;
  committed.key = "crashed-after";
  committed.dataset = "metrics";
  committed.fingerprint = "f1";
  committed.expires_at = INT64_MAX;
  ASSERT_OK(store_->BeginIdempotency(committed, 0).status());
  IngestResult outcome;
  outcome.accepted = 3;
  outcome.committed = true;
  outcome.schema_version = 1;
  types::Batch batch = types::Batch::ForSchema(datasets_->Get(admin_, "metrics").value().schema);
  for (int i = 0; i < 3; ++i) {
    batch.columns[0].AppendInt(1451606400000000 + i);
    batch.columns[1].AppendString("h");
    batch.columns[2].AppendNull();
  }
  batch.num_rows = 3;
  types::CommitNote note{writer_.ref + "\ncrashed-after", EncodeIngestOutcome(outcome)};
  ASSERT_OK_AND_ASSIGN(types::AppendResult appended,
                       backend_.get().Append("metrics", std::move(batch), &note));
  // ...and one before its append.
  meta::IdempotencyRecord lost = committed;
  lost.key = "crashed-before";
  ASSERT_OK(store_->BeginIdempotency(lost, 0).status());

  ASSERT_OK(ingest_->RecoverIdempotencyKeys());
  ASSERT_OK_AND_ASSIGN(std::optional<meta::IdempotencyRecord> after,
                       store_->GetIdempotency(writer_.ref, "crashed-after"));
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->done);
  ASSERT_OK_AND_ASSIGN(Result<IngestResult> recovered, DecodeIngestOutcome(after->outcome));
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered.value().first_seq, appended.first_seq);
  EXPECT_EQ(recovered.value().last_seq, appended.last_seq);
  EXPECT_EQ(recovered.value().accepted, 3u);
  ASSERT_OK_AND_ASSIGN(std::optional<meta::IdempotencyRecord> released,
                       store_->GetIdempotency(writer_.ref, "crashed-before"));
  EXPECT_FALSE(released.has_value());
  ASSERT_OK_AND_ASSIGN(std::vector<types::CommittedNote> notes, backend_.get().UnconfirmedNotes());
  EXPECT_TRUE(notes.empty());
}

TEST(IngestOutcomeCodecTest, RoundTripsResultsAndErrors) {
  IngestResult result;
  result.accepted = 7;
  result.rejected = 1;
  result.committed = true;
  result.first_seq = 10;
  result.last_seq = 16;
  result.schema_version = 3;
  result.mode = IngestMode::kAtomic;
  result.errors_truncated = true;
  types::Field field;
  field.id = 9;
  field.name = "region";
  field.type = types::DataType::kString;
  field.nullable = true;
  result.added_fields.push_back(field);
  result.errors.push_back({4, std::string("evt-4"), "/4/usage", "type_mismatch", "expected"});
  ASSERT_OK_AND_ASSIGN(Result<IngestResult> decoded,
                       DecodeIngestOutcome(EncodeIngestOutcome(result)));
  ASSERT_TRUE(decoded.ok());
  const IngestResult& back = decoded.value();
  EXPECT_EQ(back.accepted, 7u);
  EXPECT_EQ(back.last_seq, 16);
  EXPECT_EQ(back.mode, IngestMode::kAtomic);
  EXPECT_TRUE(back.errors_truncated);
  ASSERT_EQ(back.added_fields.size(), 1u);
  EXPECT_EQ(back.added_fields[0].name, "region");
  ASSERT_EQ(back.errors.size(), 1u);
  EXPECT_EQ(back.errors[0].id, std::optional<std::string>("evt-4"));

  Status error = Status::PayloadTooLarge("too big")
                     .WithProblemCode("too_many_records")
                     .WithErrors({ErrorDetail::Header("Content-Length", "over")});
  ASSERT_OK_AND_ASSIGN(Result<IngestResult> failed,
                       DecodeIngestOutcome(EncodeIngestOutcome(Result<IngestResult>(error))));
  EXPECT_EQ(failed.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(failed.status().problem_code(), "too_many_records");
  EXPECT_EQ(failed.status().message(), "too big");
  ASSERT_EQ(failed.status().errors().size(), 1u);
  EXPECT_EQ(failed.status().errors()[0].where, "Content-Length");
  EXPECT_FALSE(DecodeIngestOutcome("not json").ok());
  EXPECT_FALSE(DecodeIngestOutcome(R"({"status":99})").ok());
}

}  // namespace
}  // namespace strata::service

namespace strata::service {
namespace {

// Several writers on one dataset: every row is stored exactly once, which the scan proves
// with a count and a checksum over the values (no query API is needed for that).
TEST_F(IngestServiceTest, ConcurrentWritersLoseAndDuplicateNothing) {
  CreateMetrics("strict");
  constexpr int kWriters = 4;
  constexpr int kRequests = 15;
  constexpr int kRows = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int writer = 0; writer < kWriters; ++writer) {
    threads.emplace_back([&, writer] {
      for (int request = 0; request < kRequests; ++request) {
        std::string body;
        for (int i = 0; i < kRows; ++i) {
          const int64_t n = (writer * kRequests + request) * kRows + i;
          body += R"({"ts":)" + std::to_string(1451606400 + n) + R"(,"host":"h)" +
                  std::to_string(n % 7) + R"(","value":)" + std::to_string(n) + "}\n";
        }
        Result<IngestResult> result = Ingest(writer_, std::move(body));
        if (!result.ok() || result.value().accepted != kRows) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const int64_t total = int64_t{kWriters} * kRequests * kRows;
  int64_t rows = 0;
  double value_sum = 0;
  int64_t time_sum = 0;
  ASSERT_OK(backend_.get()
                .Scan("metrics", types::ScanSpec{},
                      [&](types::Batch& batch) {
                        for (size_t i = 0; i < batch.num_rows; ++i) {
                          ++rows;
                          time_sum += batch.columns[0].IntAt(i) / 1'000'000 - 1451606400;
                          value_sum += batch.columns[2].DoubleAt(i);
                        }
                        return true;
                      })
                .status());
  EXPECT_EQ(rows, total);
  // Every n in [0, total) exactly once, in both columns.
  EXPECT_EQ(time_sum, total * (total - 1) / 2);
  EXPECT_EQ(value_sum, static_cast<double>(total * (total - 1) / 2));
}

}  // namespace
}  // namespace strata::service
