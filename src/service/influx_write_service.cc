#include "service/influx_write_service.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/check.h"
#include "common/time_util.h"
#include "service/dataset_codec.h"

namespace strata::service {
namespace {

using security::Permission;

constexpr std::string_view kLineProtocolContentType = "text/plain; format=line-protocol";
constexpr std::string_view kBadMeasurement =
    "the measurement names the dataset, so it must be a dataset id: a lower-case letter, then "
    "up to 62 lower-case letters, digits or '_'";

// A point of a group: where its record starts in the body, and its text (a view into the
// inflated body).
struct GroupRecord {
  uint64_t line = 0;
  std::string_view raw;
};

// The points of one measurement, in body order.
struct Group {
  std::string dataset;
  std::string body;                  // The points' text, one per line.
  std::vector<GroupRecord> records;  // records[i] is the i-th record of `body`.
};

// The reason a point was rejected: the error's detail, preceded by `field "<name>": ` when
// the pointer ("/<index>/<field>") names a field that the detail does not quote already.
std::string ReasonOf(const IngestRecordError& error) {
  const size_t slash = error.pointer.find('/', 1);
  if (slash == std::string::npos) return error.detail;
  std::string field;
  for (size_t pos = slash + 1; pos < error.pointer.size(); ++pos) {
    const char c = error.pointer[pos];
    if (c == '~' && pos + 1 < error.pointer.size()) {  // RFC 6901: ~1 is '/', ~0 is '~'.
      field.push_back(error.pointer[++pos] == '1' ? '/' : '~');
    } else {
      field.push_back(c);
    }
  }
  const std::string quoted = "\"" + field + "\"";
  if (error.detail.find(quoted) != std::string::npos) return error.detail;
  return "field " + quoted + ": " + error.detail;
}

std::string UnableToParse(std::string_view raw_line, std::string_view reason) {
  std::string message;
  ingest::AppendUnableToParse(message, raw_line, reason);
  return message;
}

}  // namespace

Result<InfluxWriteResult> InfluxWriteService::Write(const security::Principal& caller,
                                                    InfluxWriteRequest request) {
  // Access is decided per measurement's dataset below (data:write on it, or datasets:create
  // for a missing one).
  STRATA_RETURN_IF_ERROR(
      InflateRequestBody(request.body, request.content_encoding, limits_.max_decoded_body_bytes));
  const std::string& body = request.body;
  const int64_t now_us = NowMicros();  // One time for every point without a timestamp.

  // Group the points by measurement. Errors found here come in line order, so keeping the
  // first max_errors of them keeps every one that can be among the first max_errors overall.
  InfluxWriteResult result;
  size_t reader_errors = 0;
  auto add_error = [&](uint64_t line, std::string message) {
    if (reader_errors++ >= limits_.max_errors) {
      result.errors_truncated = true;
      return;
    }
    result.errors.push_back({line, std::move(message)});
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, size_t> group_index;
  size_t last_group = SIZE_MAX;  // Consecutive points mostly share their measurement.
  ingest::LineProtocolOptions options;
  options.precision = request.precision;
  options.now_us = now_us;
  options.max_line_bytes = limits_.max_record_bytes;  // As IngestService reads the groups.
  ingest::LineProtocolReader reader(body, options);
  ingest::Point point;
  for (;;) {
    const ingest::LineProtocolReader::Outcome outcome = reader.Next(point);
    if (outcome == ingest::LineProtocolReader::Outcome::kEnd) break;
    if (++result.records > limits_.max_rows_per_request) {
      return Status::PayloadTooLarge("the body holds more than " +
                                     std::to_string(limits_.max_rows_per_request) +
                                     " records (ingest.max_rows_per_request); split it")
          .WithProblemCode("too_many_records");
    }
    if (outcome == ingest::LineProtocolReader::Outcome::kLineError) {
      add_error(reader.error().line, reader.error().message);
      continue;
    }
    if (!IsValidDatasetId(point.measurement)) {
      add_error(point.line, UnableToParse(point.raw_line, kBadMeasurement));
      continue;
    }
    if (last_group == SIZE_MAX || groups[last_group].dataset != point.measurement) {
      auto [it, inserted] = group_index.try_emplace(std::string(point.measurement), groups.size());
      if (inserted) groups.push_back(Group{it->first, {}, {}});
      last_group = it->second;
    }
    Group& group = groups[last_group];
    group.body.append(point.raw_line);
    group.body.push_back('\n');
    group.records.push_back({point.line, point.raw_line});
  }
  if (result.records == 0) {
    return Status::InvalidArgument("writing requires points: the body holds no line protocol")
        .WithProblemCode("no_records");
  }

  // Write each group into its dataset, creating the dataset when it is missing.
  for (Group& group : groups) {
    Result<std::shared_ptr<const DatasetDocument>> found =
        datasets_.LoadForData(caller, group.dataset, Permission::kDataWrite);
    if (!found.ok()) {
      if (found.status().code() != StatusCode::kNotFound) return found.status();
      if (!authorizer_.Has(caller, Permission::kDatasetsCreate)) {
        result.missing_datasets.push_back(group.dataset);
        result.dropped_missing += group.records.size();
        result.errors.push_back(
            {group.records.front().line, "database not found: \"" + group.dataset + "\""});
        continue;
      }
      STRATA_ASSIGN_OR_RETURN(const bool created, CreateDataset(caller, group.dataset));
      if (created) result.created_datasets.push_back(group.dataset);
    }
    IngestRequest ingest_request;
    ingest_request.body = std::move(group.body);
    ingest_request.content_type = std::string(kLineProtocolContentType);
    ingest_request.precision = request.precision;
    ingest_request.now_us = now_us;
    Result<IngestResult> ingested =
        ingest_.Ingest(caller, group.dataset, std::move(ingest_request));
    if (!ingested.ok()) {
      // The dataset existed a moment ago: another request is creating it (its storage is not
      // open yet) or deleting it. A retry finds it settled, so answer a retryable error
      // rather than dropping the points.
      if (ingested.status().code() == StatusCode::kNotFound) {
        return Status::Unavailable("dataset '" + group.dataset +
                                   "' is being created or deleted by another request; retry")
            .WithProblemCode("dataset_busy");
      }
      return ingested.status();
    }
    result.written += ingested->accepted;
    for (const IngestRecordError& error : ingested->errors) {
      STRATA_DCHECK(error.index < group.records.size());
      if (error.index >= group.records.size()) continue;
      const GroupRecord& record = group.records[error.index];
      result.errors.push_back({record.line, UnableToParse(record.raw, ReasonOf(error))});
    }
    if (ingested->errors_truncated) result.errors_truncated = true;
  }

  result.dropped = result.records - result.written;
  std::stable_sort(
      result.errors.begin(), result.errors.end(),
      [](const InfluxLineError& a, const InfluxLineError& b) { return a.line < b.line; });
  if (result.errors.size() > limits_.max_errors) {
    result.errors.resize(limits_.max_errors);
    result.errors_truncated = true;
  }
  return result;
}

Result<bool> InfluxWriteService::CreateDataset(const security::Principal& caller,
                                               const std::string& id) {
  DatasetSpec spec;
  spec.id = id;
  spec.description = "created by an InfluxDB line protocol write";
  spec.time_field = "time";
  spec.partition_by = meta::PartitionBy::kDay;
  spec.schema_mode = meta::SchemaMode::kEvolve;
  types::Field time;
  time.name = "time";
  time.type = types::DataType::kTimestamp;
  time.nullable = false;
  spec.fields = std::vector<types::Field>{std::move(time)};
  Result<meta::DatasetRecord> made = datasets_.Create(caller, std::move(spec));
  if (made.ok()) return true;
  if (made.status().code() == StatusCode::kAlreadyExists) return false;
  return made.status();
}

}  // namespace strata::service
