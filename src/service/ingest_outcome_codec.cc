#include "service/ingest_outcome_codec.h"

#include "common/json.h"
#include "common/json_writer.h"
#include "types/schema_json.h"

namespace strata::service {
namespace {

constexpr int kLastStatusCode = static_cast<int>(StatusCode::kInternal);

Status Malformed() { return Status::Corruption("malformed stored ingest outcome"); }

int64_t IntOf(const json::Value& object, std::string_view key) {
  const json::Value* value = object.Find(key);
  return value != nullptr && value->is_int64() ? value->int64_value() : 0;
}

std::string StringOf(const json::Value& object, std::string_view key) {
  const json::Value* value = object.Find(key);
  return value != nullptr && value->is_string() ? value->string_value() : std::string();
}

bool BoolOf(const json::Value& object, std::string_view key) {
  const json::Value* value = object.Find(key);
  return value != nullptr && value->is_bool() && value->bool_value();
}

}  // namespace

void WriteIngestRecordErrors(JsonWriter& writer, const std::vector<IngestRecordError>& errors) {
  writer.BeginArray();
  for (const IngestRecordError& error : errors) {
    writer.BeginObject();
    writer.Member("index", static_cast<uint64_t>(error.index));
    if (error.id) writer.Member("id", *error.id);
    writer.Member("pointer", error.pointer);
    writer.Member("code", error.code);
    writer.Member("detail", error.detail);
    writer.EndObject();
  }
  writer.EndArray();
}

std::string EncodeIngestOutcome(const Result<IngestResult>& outcome) {
  JsonWriter writer;
  writer.BeginObject();
  if (!outcome.ok()) {
    const Status& status = outcome.status();
    writer.Member("status", static_cast<int64_t>(status.code()));
    writer.Member("problem", status.problem_code());
    writer.Member("message", status.message());
    writer.Key("errors");
    writer.BeginArray();
    for (const ErrorDetail& error : status.errors()) {
      writer.BeginObject();
      writer.Member("location", static_cast<int64_t>(error.location));
      writer.Member("where", error.where);
      writer.Member("detail", error.detail);
      writer.EndObject();
    }
    writer.EndArray();
    writer.EndObject();
    return writer.Take();
  }
  const IngestResult& result = outcome.value();
  writer.Member("accepted", static_cast<uint64_t>(result.accepted));
  writer.Member("rejected", static_cast<uint64_t>(result.rejected));
  writer.Member("committed", result.committed);
  writer.Member("first_seq", result.first_seq);
  writer.Member("last_seq", result.last_seq);
  writer.Member("schema_version", static_cast<uint64_t>(result.schema_version));
  writer.Member("dry_run", result.dry_run);
  writer.Member("atomic", result.mode == IngestMode::kAtomic);
  writer.Member("errors_truncated", result.errors_truncated);
  writer.Key("added_fields");
  writer.BeginArray();
  for (const types::Field& field : result.added_fields) types::WriteFieldJson(writer, field);
  writer.EndArray();
  writer.Key("errors");
  WriteIngestRecordErrors(writer, result.errors);
  writer.EndObject();
  return writer.Take();
}

Result<Result<IngestResult>> DecodeIngestOutcome(std::string_view text) {
  Result<json::Value> parsed = json::Parse(text);
  if (!parsed.ok() || !parsed.value().is_object()) return Malformed();
  const json::Value& root = parsed.value();
  if (root.Find("status") != nullptr) {
    const int64_t code = IntOf(root, "status");
    if (code <= 0 || code > kLastStatusCode) return Malformed();
    Status status = Status::FromCode(static_cast<StatusCode>(code), StringOf(root, "message"));
    const std::string problem = StringOf(root, "problem");
    if (!problem.empty()) status = status.WithProblemCode(problem);
    std::vector<ErrorDetail> errors;
    if (const json::Value* list = root.Find("errors"); list != nullptr && list->is_array()) {
      for (const json::Value& item : list->items()) {
        const int64_t location = IntOf(item, "location");
        if (location < 0 || location > static_cast<int64_t>(ErrorDetail::Location::kHeader)) {
          return Malformed();
        }
        errors.push_back({static_cast<ErrorDetail::Location>(location), StringOf(item, "where"),
                          StringOf(item, "detail")});
      }
    }
    if (!errors.empty()) status = status.WithErrors(std::move(errors));
    return Result<IngestResult>(std::move(status));
  }
  IngestResult result;
  result.accepted = static_cast<size_t>(IntOf(root, "accepted"));
  result.rejected = static_cast<size_t>(IntOf(root, "rejected"));
  result.committed = BoolOf(root, "committed");
  result.first_seq = IntOf(root, "first_seq");
  result.last_seq = IntOf(root, "last_seq");
  result.schema_version = static_cast<uint32_t>(IntOf(root, "schema_version"));
  result.dry_run = BoolOf(root, "dry_run");
  result.mode = BoolOf(root, "atomic") ? IngestMode::kAtomic : IngestMode::kPartial;
  result.errors_truncated = BoolOf(root, "errors_truncated");
  if (const json::Value* fields = root.Find("added_fields"); fields != nullptr) {
    if (!fields->is_array()) return Malformed();
    for (const json::Value& item : fields->items()) {
      types::Field field;
      field.id = static_cast<uint32_t>(IntOf(item, "id"));
      field.name = StringOf(item, "name");
      std::optional<types::DataType> type = types::ParseDataType(StringOf(item, "type"));
      if (!type) return Malformed();
      field.type = *type;
      field.nullable = BoolOf(item, "nullable");
      result.added_fields.push_back(std::move(field));
    }
  }
  if (const json::Value* errors = root.Find("errors"); errors != nullptr) {
    if (!errors->is_array()) return Malformed();
    for (const json::Value& item : errors->items()) {
      IngestRecordError error;
      error.index = static_cast<size_t>(IntOf(item, "index"));
      if (const json::Value* id = item.Find("id"); id != nullptr && id->is_string()) {
        error.id = id->string_value();
      }
      error.pointer = StringOf(item, "pointer");
      error.code = StringOf(item, "code");
      error.detail = StringOf(item, "detail");
      result.errors.push_back(std::move(error));
    }
  }
  return Result<IngestResult>(std::move(result));
}

}  // namespace strata::service
