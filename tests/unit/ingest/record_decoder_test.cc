// RecordDecoder: each format's records reach the builder, and every rejected record — parser
// or type error — is reported once, in order, with its index, line, raw text and id.
#include "ingest/record_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::ingest {
namespace {

using types::DataType;

types::Schema CpuSchema() {
  types::Schema schema;
  schema.version = 1;
  schema.fields = {{1, "time", DataType::kTimestamp, false, {}, false, ""},
                   {2, "id", DataType::kString, true, {}, false, ""},
                   {3, "host", DataType::kString, false, {}, false, ""},
                   {4, "usage", DataType::kFloat64, true, {}, false, ""},
                   {5, "count", DataType::kInt64, true, {}, false, ""}};
  schema.next_field_id = 6;
  return schema;
}

struct Rejection {
  size_t index;
  size_t line;
  std::string raw;
  std::string id;
  std::string code;
  std::string pointer;
};

class Collect : public RejectSink {
 public:
  void OnRejected(const RejectedRecord& record) override {
    ASSERT_FALSE(record.issues.empty());
    rejected.push_back({record.index, record.line, std::string(record.raw),
                        record.id ? std::string(*record.id) : "",
                        std::string(record.issues[0].code), record.issues[0].pointer});
  }
  std::vector<Rejection> rejected;
};

struct Decoded {
  RecordDecodeSummary summary;
  std::vector<Rejection> rejected;
  types::Batch batch;
};

Decoded Decode(BodyFormat format, std::string body, RecordDecodeOptions options = {},
               TimeUnit unit = TimeUnit::kAuto) {
  TypeOptions types;
  types.record_id_field = "id";
  types.epoch_unit = unit;
  RecordBuilder builder(CpuSchema(), types);
  Collect sink;
  Result<RecordDecodeSummary> summary = DecodeRecords(format, body, options, builder, sink);
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  return {summary.ok() ? summary.value() : RecordDecodeSummary{}, sink.rejected,
          builder.TakeBatch()};
}

TEST(RecordDecoderTest, CsvCellsConvertByFieldTypeAndEmptyCellsAreNull) {
  Decoded decoded = Decode(BodyFormat::kCsv,
                           "time,id,host,usage,count\n"
                           "2016-01-01T00:00:00Z,a,h0,1.5,7\n"
                           "1451606401,b,\"\",,\n"
                           "2016-01-01T00:00:02Z,c,h2,lots,1\n"
                           "2016-01-01T00:00:03Z,d,h3\n");
  EXPECT_EQ(decoded.summary.records, 4u);
  EXPECT_EQ(decoded.summary.accepted, 2u);
  ASSERT_EQ(decoded.batch.num_rows, 2u);
  EXPECT_EQ(decoded.batch.columns[0].IntAt(1), 1451606401000000);  // Epoch seconds.
  EXPECT_EQ(decoded.batch.columns[2].StringAt(1), "");             // Quoted empty: "".
  EXPECT_TRUE(decoded.batch.columns[3].IsNull(1));                 // Unquoted empty: NULL.
  EXPECT_EQ(decoded.batch.columns[4].IntAt(0), 7);
  ASSERT_EQ(decoded.rejected.size(), 2u);
  EXPECT_EQ(decoded.rejected[0].index, 2u);
  EXPECT_EQ(decoded.rejected[0].line, 4u);
  EXPECT_EQ(decoded.rejected[0].code, "type_mismatch");
  EXPECT_EQ(decoded.rejected[0].pointer, "/usage");
  EXPECT_EQ(decoded.rejected[0].id, "c");
  EXPECT_EQ(decoded.rejected[0].raw, "2016-01-01T00:00:02Z,c,h2,lots,1");
  EXPECT_EQ(decoded.rejected[1].code, "csv_field_count");
  EXPECT_EQ(decoded.rejected[1].index, 3u);
}

TEST(RecordDecoderTest, CsvHeaderProblemsFailTheBody) {
  for (const char* body : {"", "time,time\n1,2\n", "time,host\n\"open,x\n"}) {
    RecordBuilder builder(CpuSchema());
    Collect sink;
    std::string text = body;
    Result<RecordDecodeSummary> summary = DecodeRecords(BodyFormat::kCsv, text, {}, builder, sink);
    EXPECT_EQ(summary.status().code(), StatusCode::kInvalidArgument) << body;
  }
}

TEST(RecordDecoderTest, LineProtocolMapsTagsFieldsAndTimestamp) {
  RecordDecodeOptions options;
  options.dataset_id = "cpu";
  options.time_field = "time";
  options.precision = TimestampPrecision::kMilliseconds;
  Decoded decoded = Decode(BodyFormat::kLineProtocol,
                           "cpu,host=h0,id=x usage=0.5,count=3i 1451606400123\n"
                           "mem,host=h1 usage=1 1451606400124\n"
                           "cpu,host=h2 count=\"three\" 1451606400125\n"
                           "cpu,host=h3 usage=2,count=4u 1451606400126\n"
                           "cpu host=oops\n",
                           options, TimeUnit::kMicros);
  EXPECT_EQ(decoded.summary.records, 5u);
  EXPECT_EQ(decoded.summary.accepted, 2u);
  ASSERT_EQ(decoded.batch.num_rows, 2u);
  EXPECT_EQ(decoded.batch.columns[0].IntAt(0), 1451606400123000);
  EXPECT_EQ(decoded.batch.columns[1].StringAt(0), "x");
  EXPECT_EQ(decoded.batch.columns[2].StringAt(1), "h3");
  EXPECT_EQ(decoded.batch.columns[4].IntAt(1), 4);
  ASSERT_EQ(decoded.rejected.size(), 3u);
  EXPECT_EQ(decoded.rejected[0].code, "lp_measurement_mismatch");
  EXPECT_EQ(decoded.rejected[0].line, 2u);
  EXPECT_EQ(decoded.rejected[1].code, "type_mismatch");
  EXPECT_EQ(decoded.rejected[1].pointer, "/count");
  EXPECT_EQ(decoded.rejected[2].code, "lp_bad_field_value");  // An unquoted string.
  EXPECT_EQ(decoded.rejected[2].raw, "cpu host=oops");
}

TEST(RecordDecoderTest, JsonRejectionsCarryRawTextAndIds) {
  Decoded decoded = Decode(BodyFormat::kNdjson,
                           "{\"time\":1451606400,\"id\":\"a\",\"host\":\"h\"}\n"
                           "{\"time\":1451606400,\"id\":\"b\",\"host\":7}\n"
                           "{not json\n");
  EXPECT_EQ(decoded.summary.accepted, 1u);
  ASSERT_EQ(decoded.rejected.size(), 2u);
  EXPECT_EQ(decoded.rejected[0].id, "b");
  EXPECT_EQ(decoded.rejected[0].raw, "{\"time\":1451606400,\"id\":\"b\",\"host\":7}");
  EXPECT_EQ(decoded.rejected[1].code, "invalid_json");
  EXPECT_EQ(decoded.rejected[1].line, 3u);
}

TEST(RecordDecoderTest, MaxRecordsFailsEveryFormat) {
  RecordDecodeOptions options;
  options.max_records = 2;
  const std::vector<std::pair<BodyFormat, std::string>> bodies = {
      {BodyFormat::kNdjson, "{}\n{}\n{}\n"},
      {BodyFormat::kCsv, "host\na\nb\nc\n"},
      {BodyFormat::kLineProtocol, "x f=1\nx f=2\nx f=3\n"}};
  for (auto [format, body] : bodies) {
    RecordBuilder builder(CpuSchema());
    Collect sink;
    Result<RecordDecodeSummary> summary = DecodeRecords(format, body, options, builder, sink);
    EXPECT_EQ(summary.status().code(), StatusCode::kPayloadTooLarge) << BodyFormatName(format);
    EXPECT_EQ(summary.status().problem_code(), "too_many_records");
  }
}

}  // namespace
}  // namespace strata::ingest
