#include "service/dataset_codec.h"

#include <cmath>

#include "common/check.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "types/schema_json.h"

namespace strata::service {
namespace {

constexpr size_t kMaxTags = 32;
constexpr size_t kMaxTagBytes = 64;
constexpr int64_t kMinRetentionSeconds = 3600;

constexpr std::string_view kWritable[] = {"id",           "description",   "tags",
                                          "owner",        "retention",     "time_field",
                                          "partition_by", "schema_mode",   "record_id_field",
                                          "sort_key",     "keep_rejected", "fields"};
constexpr std::string_view kReadOnly[] = {"schema", "created_at", "updated_at", "revision",
                                          "stats"};

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagBytes) return false;
  for (size_t i = 0; i < tag.size(); ++i) {
    const char c = tag[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-' && c != '.' && c != ':' && c != '/'))) {
      return false;
    }
  }
  return true;
}

// Principal references: user:<name>, group:<name>, role:<name>, key:<id>.
bool IsValidPrincipalRef(std::string_view ref) {
  const size_t colon = ref.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view kind = ref.substr(0, colon);
  const std::string_view name = ref.substr(colon + 1);
  if (kind != "user" && kind != "group" && kind != "role" && kind != "key") return false;
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == '@';
    if (!ok) return false;
  }
  return true;
}

class SpecDecoder {
 public:
  SpecDecoder(const json::Value& body, SpecKind kind) : body_(body), kind_(kind) {}

  Result<DatasetSpec> Decode() {
    if (!body_.is_object()) {
      Fail("", "expected a JSON object, got " + std::string(json::TypeName(body_.type())));
      return Done();
    }
    CheckMembers();
    spec_.id = OptionalString("id", [&](const std::string& v) -> std::string {
      return IsValidDatasetId(v) ? ""
                                 : "invalid dataset id '" + v +
                                       "': use a lower-case letter, then up to 62 lower-case "
                                       "letters, digits or '_'";
    });
    spec_.description = OptionalString("description", [](const std::string& v) -> std::string {
      return v.size() <= types::kMaxDescriptionBytes ? "" : "longer than 4096 bytes";
    });
    spec_.owner = OptionalString("owner", [](const std::string& v) -> std::string {
      return IsValidPrincipalRef(v) ? ""
                                    : "expected a principal reference such as 'user:ana', "
                                      "'group:ops', 'role:admin' or 'key:<id>'";
    });
    if (const json::Value* owner = body_.Find("owner"); owner && owner->is_null()) {
      Fail("/owner", "a dataset always has an owner");
    }
    spec_.retention = OptionalString("retention", [](const std::string& v) -> std::string {
      std::optional<int64_t> seconds = ParseDurationSeconds(v);
      if (!seconds) return "expected a duration such as '12h', '30d' or '2w' (units s, m, h, d, w)";
      if (*seconds < kMinRetentionSeconds) return "retention must be at least 1h";
      return "";
    });
    spec_.time_field = OptionalString("time_field", NoCheck);
    spec_.record_id_field = OptionalString("record_id_field", NoCheck);
    DecodeEnum("partition_by", spec_.partition_by, meta::ParsePartitionBy, "hour, day or month",
               meta::PartitionBy::kDay);
    DecodeEnum("schema_mode", spec_.schema_mode, meta::ParseSchemaMode, "strict or evolve",
               meta::SchemaMode::kStrict);
    DecodeTags();
    DecodeSortKey();
    if (const json::Value* keep = body_.Find("keep_rejected"); keep != nullptr) {
      if (keep->is_null()) {
        spec_.keep_rejected = false;
      } else if (keep->is_bool()) {
        spec_.keep_rejected = keep->bool_value();
      } else {
        Fail("/keep_rejected",
             "expected true, false or null, got " + std::string(json::TypeName(keep->type())));
      }
    }
    DecodeFields();
    if (kind_ == SpecKind::kCreate && body_.Find("id") == nullptr) Fail("/id", "required");
    if (const json::Value* id = body_.Find("id"); id != nullptr && id->is_null()) {
      Fail("/id", "a dataset id cannot be null");
    }
    return Done();
  }

 private:
  static std::string NoCheck(const std::string&) { return ""; }

  void Fail(std::string pointer, std::string detail) {
    errors_.push_back(ErrorDetail::Pointer(std::move(pointer), std::move(detail)));
  }

  Result<DatasetSpec> Done() {
    if (errors_.empty()) return std::move(spec_);
    std::string detail = errors_[0].where + ": " + errors_[0].detail;
    if (errors_.size() > 1) detail += " (and " + std::to_string(errors_.size() - 1) + " more)";
    return Status::ValidationFailed(detail).WithErrors(std::move(errors_));
  }

  void CheckMembers() {
    std::vector<std::string_view> known(std::begin(kWritable), std::end(kWritable));
    for (const auto& [key, value] : body_.members()) {
      bool writable = false, read_only = false;
      for (std::string_view name : kWritable) writable |= name == key;
      for (std::string_view name : kReadOnly) read_only |= name == key;
      if (read_only && kind_ == SpecKind::kReplace) continue;  // Round-tripped from a GET.
      if (read_only) {
        Fail(json::PointerAppend("", key), "'" + key + "' is read-only");
      } else if (!writable) {
        Fail(json::PointerAppend("", key),
             "unknown attribute '" + key + "'" + DidYouMean(key, known));
      } else if (key == "fields" && kind_ != SpecKind::kCreate) {
        Fail("/fields", "fields change through PATCH /v1/datasets/{id}/schema");
      }
    }
  }

  // Decodes a string member: absent -> nullopt, null -> "", string -> checked value.
  template <typename Check>
  std::optional<std::string> OptionalString(std::string_view name, Check check) {
    const json::Value* value = body_.Find(name);
    if (value == nullptr) return std::nullopt;
    const std::string pointer = json::PointerAppend("", name);
    if (value->is_null()) return std::string();
    if (!value->is_string()) {
      Fail(pointer, "expected a string or null, got " + std::string(json::TypeName(value->type())));
      return std::nullopt;
    }
    std::string error = check(value->string_value());
    if (!error.empty()) {
      Fail(pointer, std::move(error));
      return std::nullopt;
    }
    return value->string_value();
  }

  template <typename Enum, typename Parse>
  void DecodeEnum(std::string_view name, std::optional<Enum>& out, Parse parse,
                  std::string_view allowed, Enum null_value) {
    const json::Value* value = body_.Find(name);
    if (value == nullptr) return;
    const std::string pointer = json::PointerAppend("", name);
    if (value->is_null()) {
      out = null_value;
    } else if (!value->is_string()) {
      Fail(pointer, "expected one of " + std::string(allowed));
    } else if (std::optional<Enum> parsed = parse(value->string_value())) {
      out = *parsed;
    } else {
      Fail(pointer, "unknown value '" + value->string_value() + "'; expected one of " +
                        std::string(allowed));
    }
  }

  // Names only; which fields they must name is the service's rule (types::CheckRoles).
  void DecodeSortKey() {
    const json::Value* value = body_.Find("sort_key");
    if (value == nullptr) return;
    if (value->is_null()) {
      spec_.sort_key.emplace();
      return;
    }
    if (!value->is_array()) {
      Fail("/sort_key", "expected an array of field names, e.g. [\"hostname\", \"time\"]");
      return;
    }
    std::vector<std::string> names;
    for (size_t i = 0; i < value->items().size(); ++i) {
      const json::Value& name = value->items()[i];
      if (!name.is_string()) {
        Fail(json::PointerAppend("/sort_key", i), "expected a field name");
        continue;
      }
      names.push_back(name.string_value());
    }
    spec_.sort_key = std::move(names);
  }

  void DecodeTags() {
    const json::Value* value = body_.Find("tags");
    if (value == nullptr) return;
    if (value->is_null()) {
      spec_.tags.emplace();
      return;
    }
    if (!value->is_array()) {
      Fail("/tags", "expected an array of strings");
      return;
    }
    if (value->items().size() > kMaxTags) {
      Fail("/tags", "at most 32 tags");
      return;
    }
    std::vector<std::string> tags;
    for (size_t i = 0; i < value->items().size(); ++i) {
      const json::Value& tag = value->items()[i];
      const std::string pointer = json::PointerAppend("/tags", i);
      if (!tag.is_string() || !IsValidTag(tag.string_value())) {
        Fail(pointer,
             "a tag is 1-64 characters: a letter or digit, then letters, digits, '_', "
             "'-', '.', ':' or '/'");
        continue;
      }
      bool duplicate = false;
      for (const std::string& seen : tags) duplicate |= seen == tag.string_value();
      if (duplicate) {
        Fail(pointer, "duplicate tag '" + tag.string_value() + "'");
        continue;
      }
      tags.push_back(tag.string_value());
    }
    spec_.tags = std::move(tags);
  }

  void DecodeFields() {
    const json::Value* value = body_.Find("fields");
    if (kind_ != SpecKind::kCreate) return;
    if (value == nullptr) {
      Fail("/fields", "required (an array of field definitions; may be empty)");
      return;
    }
    if (!value->is_array()) {
      Fail("/fields", "expected an array of field definitions");
      return;
    }
    std::vector<types::Field> fields;
    for (size_t i = 0; i < value->items().size(); ++i) {
      if (std::optional<types::Field> field = types::DecodeField(
              value->items()[i], json::PointerAppend("/fields", i), false, errors_)) {
        fields.push_back(std::move(*field));
      }
    }
    spec_.fields = std::move(fields);
  }

  const json::Value& body_;
  SpecKind kind_;
  DatasetSpec spec_;
  std::vector<ErrorDetail> errors_;
};

void WriteOptionalString(JsonWriter& writer, std::string_view key, const std::string& value) {
  writer.Key(key);
  if (value.empty()) {
    writer.Null();
  } else {
    writer.String(value);
  }
}

}  // namespace

bool IsValidDatasetId(std::string_view id) {
  if (id.empty() || id.size() > 63 || id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Result<DatasetSpec> DecodeDatasetSpec(const json::Value& body, SpecKind kind) {
  return SpecDecoder(body, kind).Decode();
}

void WriteDatasetJson(JsonWriter& writer, const meta::DatasetRecord& dataset) {
  writer.BeginObject();
  writer.Member("id", dataset.id);
  writer.Member("description", dataset.description);
  writer.Key("tags");
  writer.BeginArray();
  for (const std::string& tag : dataset.tags) writer.String(tag);
  writer.EndArray();
  writer.Member("owner", dataset.owner);
  WriteOptionalString(writer, "time_field", dataset.time_field);
  writer.Member("partition_by", meta::PartitionByName(dataset.partition_by));
  writer.Member("schema_mode", meta::SchemaModeName(dataset.schema_mode));
  WriteOptionalString(writer, "record_id_field", dataset.record_id_field);
  writer.Key("sort_key");
  writer.BeginArray();
  for (const std::string& name : dataset.sort_key) writer.String(name);
  writer.EndArray();
  WriteOptionalString(writer, "retention", dataset.retention);
  writer.Member("keep_rejected", dataset.keep_rejected);
  writer.Key("schema");
  types::WriteSchemaJson(writer, dataset.schema);
  writer.Member("created_at", FormatRfc3339(dataset.created_at));
  writer.Member("updated_at", FormatRfc3339(dataset.updated_at));
  writer.Member("revision", static_cast<uint64_t>(dataset.revision));
  writer.EndObject();
}

std::string DatasetJsonWithStats(std::string_view dataset_json,
                                 const std::optional<types::DatasetStats>& stats) {
  JsonWriter writer;
  if (!stats) {
    writer.Null();
  } else {
    writer.BeginObject();
    writer.Member("rows", static_cast<uint64_t>(stats->rows));
    writer.Member("bytes_on_disk", static_cast<uint64_t>(stats->bytes_on_disk));
    writer.Key("compression_ratio");
    writer.Double(std::round(stats->compression_ratio() * 100) / 100);
    writer.Member("segments", static_cast<uint64_t>(stats->segments));
    writer.Member("partitions", static_cast<uint64_t>(stats->partitions));
    writer.Member("unflushed_rows", static_cast<uint64_t>(stats->memtable_rows));
    writer.Member("last_seq", stats->last_seq);
    writer.Key("last_ingest_at");
    if (stats->last_ingest_micros == 0) {
      writer.Null();
    } else {
      writer.String(FormatRfc3339(stats->last_ingest_micros));
    }
    writer.EndObject();
  }
  // dataset_json is an object: splice the member in before its closing brace.
  STRATA_DCHECK(!dataset_json.empty() && dataset_json.back() == '}');
  std::string json(dataset_json.substr(0, dataset_json.size() - 1));
  json += ",\"stats\":";
  json += writer.Take();
  json += '}';
  return json;
}

void WriteSchemaVersionJson(JsonWriter& writer, const meta::SchemaVersionRecord& version) {
  writer.BeginObject();
  writer.Member("version", static_cast<int64_t>(version.version));
  writer.Member("created_at", FormatRfc3339(version.created_at));
  writer.Member("author", version.author);
  writer.Key("changes");
  writer.Raw(version.changes_json);
  writer.Key("fields");
  writer.BeginArray();
  for (const types::Field& field : version.schema.fields) types::WriteFieldJson(writer, field);
  writer.EndArray();
  writer.EndObject();
}

}  // namespace strata::service
