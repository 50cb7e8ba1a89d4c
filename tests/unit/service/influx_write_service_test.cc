// InfluxWriteService: grouping one body by measurement, datasets created on first write (or
// not, without datasets:create), and the accounting of dropped lines — with a real engine
// behind TestBackend.
#include "service/influx_write_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/json.h"
#include "common/time_util.h"
#include "meta/sqlite/sqlite_meta_store.h"
#include "test_backend.h"
#include "test_util.h"

namespace strata::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class InfluxWriteServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, meta::OpenSqliteMetaStore(":memory:"));
    datasets_ = std::make_unique<DatasetService>(*store_, backend_.get(), authorizer_,
                                                 CursorCodec(std::string(32, 'c')));
    limits_.max_errors = 3;
    limits_.max_rows_per_request = 50;
    ingest_ = std::make_unique<IngestService>(*datasets_, backend_.get(), *store_, limits_);
    influx_ = std::make_unique<InfluxWriteService>(*datasets_, *ingest_, authorizer_, limits_);
  }

  Result<InfluxWriteResult> Write(
      const security::Principal& caller, std::string body,
      ingest::TimestampPrecision precision = ingest::TimestampPrecision::kNanoseconds) {
    InfluxWriteRequest request;
    request.body = std::move(body);
    request.precision = precision;
    return influx_->Write(caller, std::move(request));
  }

  // A strict dataset `id` with time, host (string) and usage (float64).
  void CreateStrict(const std::string& id) {
    ASSERT_OK_AND_ASSIGN(json::Value body,
                         json::Parse(R"({"id":")" + id + R"(","time_field":"time","fields":[
            {"name":"time","type":"timestamp"},{"name":"host","type":"string","nullable":true},
            {"name":"usage","type":"float64","nullable":true}]})"));
    ASSERT_OK_AND_ASSIGN(DatasetSpec spec, DecodeDatasetSpec(body, SpecKind::kCreate));
    ASSERT_OK(datasets_->Create(admin_, std::move(spec)).status());
  }

  uint64_t Rows(const std::string& id) {
    Result<types::DatasetStats> stats = backend_.get().Stats(id);
    return stats.ok() ? stats.value().rows : 0;
  }

  // Rows of `id` with min_us <= time < max_us.
  uint64_t RowsBetween(const std::string& id, int64_t min_us, int64_t max_us) {
    types::ScanSpec spec;
    spec.min_time = min_us;
    spec.max_time = max_us;
    Result<types::ScanStats> scanned =
        backend_.get().Scan(id, spec, [](types::Batch&) { return true; });
    EXPECT_TRUE(scanned.ok()) << scanned.status().ToString();
    return scanned.ok() ? scanned.value().rows_returned : 0;
  }

  // The time values of `id`'s rows, in scan order.
  std::vector<int64_t> Times(const std::string& id) {
    std::vector<int64_t> times;
    Result<meta::DatasetRecord> dataset = datasets_->Get(admin_, id);
    EXPECT_TRUE(dataset.ok()) << dataset.status().ToString();
    if (!dataset.ok()) return times;
    const uint32_t time_id = dataset->schema.Find("time")->id;
    types::ScanSpec spec;
    spec.field_ids = {time_id};
    EXPECT_OK(backend_.get()
                  .Scan(id, spec,
                        [&](types::Batch& batch) {
                          const types::ColumnVector* column = batch.Column(time_id);
                          for (size_t row_idx = 0; row_idx < batch.num_rows; ++row_idx) {
                            times.push_back(column->IntAt(row_idx));
                          }
                          return true;
                        })
                  .status());
    return times;
  }

  security::Authorizer authorizer_;
  strata::testing::TestBackend backend_;
  std::unique_ptr<meta::MetaStore> store_;
  std::unique_ptr<DatasetService> datasets_;
  IngestLimits limits_;
  std::unique_ptr<IngestService> ingest_;
  std::unique_ptr<InfluxWriteService> influx_;
  const security::Principal admin_{"key:admin", {"admin"}, {}, {}};
  const security::Principal writer_{"key:writer", {"writer"}, {}, {}};
  const security::Principal reader_{"key:reader", {"reader"}, {}, {}};
};

std::vector<uint64_t> LinesOf(const InfluxWriteResult& result) {
  std::vector<uint64_t> lines;
  for (const InfluxLineError& error : result.errors) lines.push_back(error.line);
  return lines;
}

TEST_F(InfluxWriteServiceTest, GroupsPointsByMeasurementAndCreatesTheDatasets) {
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult result,
                       Write(admin_,
                             "# Telegraf writes many measurements in one body\n"
                             "cpu,host=a usage=1.5,n=3i,ok=true 1700000000000000000\n"
                             "mem,host=a used=10u 1700000000000000000\n"
                             "\n"
                             "cpu,host=b usage=2,msg=\"two\nlines\" 1700000001000000000\n"
                             "cpu,host=c usage=3 1700000002000000000\n"));
  EXPECT_EQ(result.records, 4u);
  EXPECT_EQ(result.written, 4u);
  EXPECT_EQ(result.dropped, 0u);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_THAT(result.created_datasets, ElementsAre("cpu", "mem"));
  EXPECT_EQ(Rows("cpu"), 3u);
  EXPECT_EQ(Rows("mem"), 1u);

  // The created dataset: evolve mode, time field "time" by day, the rest inferred.
  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord cpu, datasets_->Get(admin_, "cpu"));
  EXPECT_EQ(cpu.schema_mode, meta::SchemaMode::kEvolve);
  EXPECT_EQ(cpu.time_field, "time");
  EXPECT_EQ(cpu.partition_by, meta::PartitionBy::kDay);
  auto type_of = [&](std::string_view name) {
    const types::Field* field = cpu.schema.Find(name);
    return field == nullptr ? std::string("<absent>")
                            : std::string(types::DataTypeName(field->type));
  };
  EXPECT_EQ(type_of("time"), "timestamp");
  EXPECT_EQ(type_of("host"), "string");
  EXPECT_EQ(type_of("usage"), "float64");
  EXPECT_EQ(type_of("n"), "int64");
  EXPECT_EQ(type_of("ok"), "bool");
  EXPECT_EQ(type_of("msg"), "string");
  ASSERT_OK_AND_ASSIGN(meta::DatasetRecord mem, datasets_->Get(admin_, "mem"));
  ASSERT_NE(mem.schema.Find("used"), nullptr);
  EXPECT_EQ(mem.schema.Find("used")->type, types::DataType::kInt64);

  // Nanoseconds became microseconds.
  EXPECT_EQ(RowsBetween("cpu", 1'700'000'000'000'000, 1'700'000'001'000'000), 1u);
  EXPECT_EQ(RowsBetween("cpu", 1'700'000'001'000'000, 1'700'000'003'000'000), 2u);

  // A second write creates nothing and appends.
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult again, Write(admin_, "cpu usage=4 1700000003000000000"));
  EXPECT_TRUE(again.created_datasets.empty());
  EXPECT_EQ(Rows("cpu"), 4u);
}

TEST_F(InfluxWriteServiceTest, PrecisionAndOneNowForTheWholeRequest) {
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult seconds,
                       Write(admin_, "cpu usage=1 1700000000\nmem used=1 1700000000",
                             ingest::TimestampPrecision::kSeconds));
  EXPECT_EQ(seconds.written, 2u);
  EXPECT_EQ(RowsBetween("cpu", 1'700'000'000'000'000, 1'700'000'000'000'001), 1u);
  EXPECT_EQ(RowsBetween("mem", 1'700'000'000'000'000, 1'700'000'000'000'001), 1u);

  // Points without a timestamp share the request's time, across datasets too.
  const int64_t before = NowMicros();
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult now,
                       Write(admin_, "cpu usage=2\nmem used=2\ncpu usage=3"));
  const int64_t after = NowMicros();
  EXPECT_EQ(now.written, 3u);
  const std::vector<int64_t> cpu = Times("cpu");
  const std::vector<int64_t> mem = Times("mem");
  ASSERT_EQ(cpu.size(), 3u);
  ASSERT_EQ(mem.size(), 2u);
  EXPECT_THAT(cpu, ElementsAre(1'700'000'000'000'000, mem[1], mem[1]));
  EXPECT_GE(mem[1], before);
  EXPECT_LE(mem[1], after);
}

TEST_F(InfluxWriteServiceTest, WithoutDatasetsCreateMissingDatasetsAreReported) {
  CreateStrict("mem");
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult result, Write(writer_,
                                                       "mem,host=a usage=1 1700000000000000000\n"
                                                       "cpu,host=a usage=1 1700000000000000000\n"
                                                       "cpu,host=b usage=2 1700000000000000000\n"
                                                       "mem,host=b usage=2 1700000000000000000\n"));
  EXPECT_EQ(result.written, 2u);
  EXPECT_EQ(result.dropped, 2u);
  EXPECT_EQ(result.dropped_missing, 2u);
  EXPECT_THAT(result.missing_datasets, ElementsAre("cpu"));
  EXPECT_TRUE(result.created_datasets.empty());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 2u);
  EXPECT_EQ(result.errors[0].message, "database not found: \"cpu\"");
  EXPECT_EQ(Rows("mem"), 2u);
  EXPECT_EQ(datasets_->Get(admin_, "cpu").status().code(), StatusCode::kNotFound);

  // Only missing datasets: nothing written, every point dropped as missing.
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult missing, Write(writer_, "disk free=1\nnet rx=2i"));
  EXPECT_EQ(missing.written, 0u);
  EXPECT_EQ(missing.dropped, 2u);
  EXPECT_EQ(missing.dropped_missing, 2u);
  EXPECT_THAT(missing.missing_datasets, ElementsAre("disk", "net"));
}

TEST_F(InfluxWriteServiceTest, WritingNeedsDataWrite) {
  Result<InfluxWriteResult> denied = Write(reader_, "cpu usage=1");
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(datasets_->Get(admin_, "cpu").status().code(), StatusCode::kNotFound);
}

TEST_F(InfluxWriteServiceTest, BadLinesAreDroppedAndTheOthersCommitted) {
  CreateStrict("cpu");
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult result,
                       Write(admin_,
                             "cpu,host=a usage=1 1700000000000000000\n"     // 1: ok
                             "cpu,host=a usage= 1700000000000000000\n"      // 2: no value
                             "CPU,host=a usage=1 1700000000000000000\n"     // 3: not an id
                             "cpu,host=a usage=\"high\"\n"                  // 4: string in float
                             "cpu,host=b usage=2 1700000000000000000\n"     // 5: ok
                             "cpu,host=b extra=2 1700000000000000000\n"));  // 6: strict
  EXPECT_EQ(result.records, 6u);
  EXPECT_EQ(result.written, 2u);
  EXPECT_EQ(result.dropped, 4u);
  EXPECT_EQ(result.dropped_missing, 0u);
  EXPECT_EQ(Rows("cpu"), 2u);
  // In line order, capped at max_errors (3).
  EXPECT_THAT(LinesOf(result), ElementsAre(2, 3, 4));
  EXPECT_TRUE(result.errors_truncated);
  EXPECT_EQ(result.errors[0].message,
            "unable to parse 'cpu,host=a usage= 1700000000000000000': missing field value");
  EXPECT_THAT(result.errors[1].message,
              StartsWith("unable to parse 'CPU,host=a usage=1 1700000000000000000': the "
                         "measurement names the dataset"));
  EXPECT_THAT(result.errors[2].message,
              StartsWith("unable to parse 'cpu,host=a usage=\"high\"': field \"usage\": "));
  EXPECT_THAT(result.errors[2].message, HasSubstr("float64"));
  EXPECT_EQ(datasets_->Get(admin_, "CPU").status().code(), StatusCode::kNotFound);
}

TEST_F(InfluxWriteServiceTest, LineNumbersCountPhysicalLines) {
  ASSERT_OK(Write(admin_, "log msg=\"a string field\" 0").status());
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult result,
                       Write(admin_,
                             "log msg=\"first\nsecond\nthird\" 1\n"  // lines 1-3
                             "\n"                                    // 4
                             "log msg=\"x\" 2\n"                     // 5
                             "log msg=5i 3\n"));                     // 6: int into string
  EXPECT_EQ(result.written, 2u);
  EXPECT_THAT(LinesOf(result), ElementsAre(6));
}

TEST_F(InfluxWriteServiceTest, RequestLevelErrors) {
  Result<InfluxWriteResult> empty = Write(admin_, "");
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().problem_code(), "no_records");
  EXPECT_EQ(Write(admin_, "# only a comment\n\n").status().problem_code(), "no_records");

  std::string many;
  for (int i = 0; i < 51; ++i) many += "cpu usage=1\n";
  Result<InfluxWriteResult> too_many = Write(admin_, many);
  EXPECT_EQ(too_many.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(too_many.status().problem_code(), "too_many_records");
  EXPECT_EQ(datasets_->Get(admin_, "cpu").status().code(), StatusCode::kNotFound);

  InfluxWriteRequest deflate;
  deflate.body = "cpu usage=1";
  deflate.content_encoding = "deflate";
  EXPECT_EQ(influx_->Write(admin_, std::move(deflate)).status().code(),
            StatusCode::kUnsupportedMediaType);
  InfluxWriteRequest corrupt;
  corrupt.body = "not gzip at all";
  corrupt.content_encoding = "gzip";
  EXPECT_EQ(influx_->Write(admin_, std::move(corrupt)).status().problem_code(),
            "malformed_encoded_body");
}

TEST_F(InfluxWriteServiceTest, AllBadLinesWriteNothingAndCreateNothing) {
  ASSERT_OK_AND_ASSIGN(InfluxWriteResult result, Write(admin_, "cpu\nBad v=1\ncpu v=\n"));
  EXPECT_EQ(result.records, 3u);
  EXPECT_EQ(result.written, 0u);
  EXPECT_EQ(result.dropped, 3u);
  EXPECT_THAT(LinesOf(result), ElementsAre(1, 2, 3));
  EXPECT_FALSE(result.errors_truncated);
  EXPECT_TRUE(result.created_datasets.empty());
}

}  // namespace
}  // namespace strata::service
