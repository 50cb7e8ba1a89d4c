#include "ingest/record_decoder.h"

#include "ingest/csv_reader.h"
#include "ingest/json_decoder.h"

namespace strata::ingest {
namespace {

Status TooManyRecords(size_t max_records) {
  return Status::PayloadTooLarge("the body holds more than " + std::to_string(max_records) +
                                 " records (ingest.max_rows_per_request); split it")
      .WithProblemCode("too_many_records");
}

// Reports builder errors of the record just ended.
void ReportBuilderErrors(const RecordBuilder& builder, size_t index, size_t line,
                         std::string_view raw, std::vector<RecordIssue>& issues, RejectSink& sink) {
  issues.clear();
  for (const RecordError& error : builder.errors()) {
    issues.push_back({RecordErrorCodeName(error.code), error.pointer, error.detail});
  }
  sink.OnRejected({index, line, raw, builder.record_id(), {}, issues});
}

// The CSV variant: the header line travels with the row.
void ReportCsvBuilderErrors(const RecordBuilder& builder, const CsvRecord& record,
                            std::string_view header, std::vector<RecordIssue>& issues,
                            RejectSink& sink) {
  issues.clear();
  for (const RecordError& error : builder.errors()) {
    issues.push_back({RecordErrorCodeName(error.code), error.pointer, error.detail});
  }
  sink.OnRejected(
      {record.index(), record.line(), record.raw(), builder.record_id(), header, issues});
}

class JsonSinkAdapter : public DecodeSink {
 public:
  JsonSinkAdapter(const std::string& body, RejectSink& sink) : body_(body), sink_(sink) {}
  void OnRecord(const DecodedRecord& record) override {
    if (record.accepted) return;
    issues_.clear();
    for (const RecordError& error : record.errors) {
      issues_.push_back({RecordErrorCodeName(error.code), error.pointer, error.detail});
    }
    sink_.OnRejected({record.index,
                      record.line,
                      std::string_view(body_).substr(record.begin, record.end - record.begin),
                      record.id,
                      {},
                      issues_});
  }

 private:
  const std::string& body_;
  RejectSink& sink_;
  std::vector<RecordIssue> issues_;
};

Result<RecordDecodeSummary> DecodeJsonBody(BodyFormat format, std::string& body,
                                           const RecordDecodeOptions& options,
                                           RecordBuilder& builder, RejectSink& sink) {
  DecodeOptions json_options;
  json_options.shape = format == BodyFormat::kNdjson ? JsonShape::kNdjson : JsonShape::kAuto;
  json_options.max_record_bytes = options.max_record_bytes;
  json_options.max_records = options.max_records;
  JsonSinkAdapter adapter(body, sink);
  STRATA_ASSIGN_OR_RETURN(DecodeSummary summary, DecodeJson(body, json_options, builder, &adapter));
  return RecordDecodeSummary{summary.records, summary.accepted, summary.rejected};
}

Result<RecordDecodeSummary> DecodeCsvBody(std::string_view body, const RecordDecodeOptions& options,
                                          RecordBuilder& builder, RejectSink& sink) {
  CsvOptions csv_options;
  csv_options.max_record_bytes = options.max_record_bytes;
  csv_options.max_field_bytes =
      std::min(options.max_record_bytes, builder.options().max_string_bytes);
  CsvReader reader(body, csv_options);
  if (!reader.ReadHeader()) return reader.error().ToStatus();
  // Header names are the record's keys: dotted names address flattened fields.
  const std::string_view header_raw = reader.header().raw();
  std::vector<std::string> names;
  for (size_t col = 0; col < reader.header().size(); ++col) {
    names.emplace_back(reader.header().field(col));
  }
  RecordDecodeSummary summary;
  CsvRecord record;
  std::vector<RecordIssue> issues;
  while (true) {
    const CsvStep step = reader.Next(record);
    if (step == CsvStep::kEnd) break;
    if (step == CsvStep::kFatal) return reader.error().ToStatus();
    if (++summary.records > options.max_records) return TooManyRecords(options.max_records);
    if (step == CsvStep::kRecordError) {
      const CsvError& error = reader.error();
      issues.assign(1, {error.code, "",
                        "line " + std::to_string(error.line) + ", column " +
                            std::to_string(error.column) + ": " + error.message});
      sink.OnRejected(
          {record.index(), record.line(), record.raw(), std::nullopt, header_raw, issues});
      ++summary.rejected;
      continue;
    }
    builder.BeginRecord();
    for (size_t col = 0; col < record.size(); ++col) {
      // An empty unquoted cell is NULL; "" is the empty string.
      if (record.field(col).empty() && !record.quoted(col)) {
        builder.SetNull(names[col]);
      } else {
        builder.SetString(names[col], record.field(col), false);
      }
    }
    if (builder.EndRecord()) {
      ++summary.accepted;
    } else {
      ReportCsvBuilderErrors(builder, record, header_raw, issues, sink);
      ++summary.rejected;
    }
  }
  return summary;
}

Result<RecordDecodeSummary> DecodeLineProtocolBody(std::string_view body,
                                                   const RecordDecodeOptions& options,
                                                   RecordBuilder& builder, RejectSink& sink) {
  LineProtocolOptions lp_options;
  lp_options.precision = options.precision;
  lp_options.now_us = options.now_us;
  lp_options.max_line_bytes = options.max_record_bytes;
  LineProtocolReader reader(body, lp_options);
  RecordDecodeSummary summary;
  Point point;
  std::vector<RecordIssue> issues;
  while (true) {
    const LineProtocolReader::Outcome outcome = reader.Next(point);
    if (outcome == LineProtocolReader::Outcome::kEnd) break;
    if (++summary.records > options.max_records) return TooManyRecords(options.max_records);
    if (outcome == LineProtocolReader::Outcome::kLineError) {
      const LineProtocolError& error = reader.error();
      issues.assign(1, {error.code_name(), "",
                        "line " + std::to_string(error.line) + ", column " +
                            std::to_string(error.column) + ": " + error.message});
      sink.OnRejected({error.index, error.line, error.raw_line, std::nullopt, {}, issues});
      ++summary.rejected;
      continue;
    }
    if (!options.dataset_id.empty() && point.measurement != options.dataset_id) {
      issues.assign(1, {"lp_measurement_mismatch", "",
                        "line " + std::to_string(point.line) + ": measurement '" +
                            std::string(point.measurement) + "' is not this dataset ('" +
                            options.dataset_id + "')"});
      sink.OnRejected({point.index, point.line, point.raw_line, std::nullopt, {}, issues});
      ++summary.rejected;
      continue;
    }
    builder.BeginRecord();
    for (const Tag& tag : point.tags) builder.SetString(tag.key, tag.value, true);
    for (const Field& field : point.fields) {
      switch (field.kind) {
        case FieldKind::kFloat: builder.SetDouble(field.key, field.float_value, false); break;
        case FieldKind::kInt: builder.SetInt(field.key, field.int_value); break;
        case FieldKind::kUInt: builder.SetUInt(field.key, field.uint_value); break;
        case FieldKind::kString: builder.SetString(field.key, field.string_value, true); break;
        case FieldKind::kBool: builder.SetBool(field.key, field.bool_value); break;
      }
    }
    if (!options.time_field.empty()) builder.SetInt(options.time_field, point.timestamp_us);
    if (builder.EndRecord()) {
      ++summary.accepted;
    } else {
      ReportBuilderErrors(builder, point.index, point.line, point.raw_line, issues, sink);
      ++summary.rejected;
    }
  }
  return summary;
}

}  // namespace

Result<RecordDecodeSummary> DecodeRecords(BodyFormat format, std::string& body,
                                          const RecordDecodeOptions& options,
                                          RecordBuilder& builder, RejectSink& sink) {
  switch (format) {
    case BodyFormat::kJson:
    case BodyFormat::kNdjson: return DecodeJsonBody(format, body, options, builder, sink);
    case BodyFormat::kCsv: return DecodeCsvBody(body, options, builder, sink);
    case BodyFormat::kLineProtocol: return DecodeLineProtocolBody(body, options, builder, sink);
  }
  return Status::Internal("unknown body format");
}

}  // namespace strata::ingest
