#include "audit/audit_entry.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/json_writer.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "security/crypto.h"

namespace strata::audit {
namespace {

constexpr std::string_view kCheckpointDomain = "strata-audit-checkpoint-v1\n";
constexpr size_t kKeyIdBytes = 8;
constexpr size_t kSignatureBytes = 64;

Status Bad(std::string_view why) { return Status::Corruption(why); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // Upper case is not canonical.
}

// Lower-case hex of exactly 2 * `bytes` digits, decoded; nullopt otherwise.
std::optional<std::string> HexDecode(std::string_view text, size_t bytes) {
  if (text.size() != 2 * bytes) return std::nullopt;
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) {
    const int high = HexValue(text[2 * i]);
    const int low = HexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<char>(high * 16 + low);
  }
  return out;
}

void AppendString(std::string& out, std::string_view text) {
  AppendJsonString(out, SanitizeUtf8(text));
}

void AppendMember(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  AppendString(out, value);
}

// `details` in canonical form: object members sorted by key (the first of equal keys kept),
// integers in decimal, other numbers with 17 significant digits.
void AppendCanonicalValue(std::string& out, const json::Value& value) {
  switch (value.type()) {
    case json::Type::kNull: out += "null"; return;
    case json::Type::kBool: out += value.bool_value() ? "true" : "false"; return;
    case json::Type::kInt64: out += std::to_string(value.int64_value()); return;
    case json::Type::kUint64: out += std::to_string(value.uint64_value()); return;
    case json::Type::kDouble: {
      const double number = value.double_value();
      if (!std::isfinite(number)) {
        out += "null";
      } else if (number == 0) {
        out += '0';  // Also -0, which would not read back as written.
      } else {
        char buffer[32];
        const int n = std::snprintf(buffer, sizeof(buffer), "%.17g", number);
        out.append(buffer, static_cast<size_t>(n));
      }
      return;
    }
    case json::Type::kString: AppendString(out, value.string_value()); return;
    case json::Type::kArray: {
      out += '[';
      for (size_t i = 0; i < value.items().size(); ++i) {
        if (i > 0) out += ',';
        AppendCanonicalValue(out, value.items()[i]);
      }
      out += ']';
      return;
    }
    case json::Type::kObject: {
      std::vector<std::pair<std::string, const json::Value*>> members;
      members.reserve(value.members().size());
      for (const auto& [key, member] : value.members()) {
        members.emplace_back(SanitizeUtf8(key), &member);
      }
      std::stable_sort(members.begin(), members.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0 && members[i].first == members[i - 1].first) continue;
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, members[i].first);
        out += ':';
        AppendCanonicalValue(out, *members[i].second);
      }
      out += '}';
      return;
    }
  }
}

std::string CheckpointBody(const Checkpoint& checkpoint) {
  std::string out = "{\"checkpoint\":" + std::to_string(checkpoint.seq);
  out += ",\"hash\":\"" + HexEncode(checkpoint.hash) + "\"";
  out += ",\"time\":\"" + FormatAuditTime(checkpoint.time_micros) + "\"";
  out += ",\"key_id\":";
  AppendString(out, checkpoint.key_id);
  return out;
}

// Typed members of a parsed line.
const json::Value* Member(const json::Value& object, std::string_view key) {
  return object.Find(key);
}

Result<std::string> StringMember(const json::Value& object, std::string_view key) {
  const json::Value* value = Member(object, key);
  if (value == nullptr || !value->is_string()) {
    return Bad("member \"" + std::string(key) + "\" is missing or not a string");
  }
  return value->string_value();
}

Result<int64_t> IntMember(const json::Value& object, std::string_view key, int64_t min,
                          int64_t max) {
  const json::Value* value = Member(object, key);
  if (value == nullptr || !value->is_int64() || value->int64_value() < min ||
      value->int64_value() > max) {
    return Bad("member \"" + std::string(key) + "\" is missing or not an integer in range");
  }
  return value->int64_value();
}

Result<std::string> HashMember(const json::Value& object, std::string_view key) {
  STRATA_ASSIGN_OR_RETURN(std::string text, StringMember(object, key));
  std::optional<std::string> hash = HexDecode(text, kHashBytes);
  if (!hash) return Bad("member \"" + std::string(key) + "\" is not 64 lower-case hex digits");
  return std::move(*hash);
}

Result<int64_t> TimeMember(const json::Value& object) {
  STRATA_ASSIGN_OR_RETURN(std::string text, StringMember(object, "time"));
  std::optional<int64_t> micros = ParseRfc3339(text);
  if (!micros || *micros < 0) return Bad("member \"time\" is not an RFC 3339 time");
  return *micros;
}

Result<AuditLine> ParseEntry(const json::Value& object, std::string_view line) {
  static constexpr std::string_view kMembers[] = {
      "seq",    "time",       "principal", "action",  "dataset", "resource", "outcome",
      "status", "request_id", "trace_id",  "details", "prev",    "hash"};
  if (object.members().size() != std::size(kMembers)) {
    return Bad("an entry has " + std::to_string(std::size(kMembers)) + " members, this line " +
               std::to_string(object.members().size()));
  }
  AuditEntry entry;
  STRATA_ASSIGN_OR_RETURN(int64_t seq, IntMember(object, "seq", 1, INT64_MAX));
  entry.seq = static_cast<uint64_t>(seq);
  STRATA_ASSIGN_OR_RETURN(entry.time_micros, TimeMember(object));
  AuditEvent& event = entry.event;
  STRATA_ASSIGN_OR_RETURN(event.principal, StringMember(object, "principal"));
  STRATA_ASSIGN_OR_RETURN(event.action, StringMember(object, "action"));
  STRATA_ASSIGN_OR_RETURN(event.dataset, StringMember(object, "dataset"));
  STRATA_ASSIGN_OR_RETURN(event.resource, StringMember(object, "resource"));
  STRATA_ASSIGN_OR_RETURN(std::string outcome, StringMember(object, "outcome"));
  std::optional<Outcome> parsed_outcome = ParseOutcome(outcome);
  if (!parsed_outcome) return Bad("member \"outcome\" is not success, denied or error");
  event.outcome = *parsed_outcome;
  STRATA_ASSIGN_OR_RETURN(int64_t status, IntMember(object, "status", 0, 999));
  event.status = static_cast<int>(status);
  STRATA_ASSIGN_OR_RETURN(event.request_id, StringMember(object, "request_id"));
  STRATA_ASSIGN_OR_RETURN(event.trace_id, StringMember(object, "trace_id"));
  const json::Value* details = Member(object, "details");
  if (details == nullptr || !details->is_object()) {
    return Bad("member \"details\" is missing or not an object");
  }
  event.details = *details;
  STRATA_ASSIGN_OR_RETURN(entry.prev_hash, HashMember(object, "prev"));
  STRATA_ASSIGN_OR_RETURN(entry.hash, HashMember(object, "hash"));
  if (EncodeEntryLine(entry) != line) return Bad("the entry is not in canonical form");
  return AuditLine(std::move(entry));
}

Result<AuditLine> ParseCheckpoint(const json::Value& object, std::string_view line) {
  if (object.members().size() != 5) {
    return Bad("a checkpoint has 5 members, this line " + std::to_string(object.members().size()));
  }
  Checkpoint checkpoint;
  STRATA_ASSIGN_OR_RETURN(int64_t seq, IntMember(object, "checkpoint", 0, INT64_MAX));
  checkpoint.seq = static_cast<uint64_t>(seq);
  STRATA_ASSIGN_OR_RETURN(checkpoint.hash, HashMember(object, "hash"));
  STRATA_ASSIGN_OR_RETURN(checkpoint.time_micros, TimeMember(object));
  STRATA_ASSIGN_OR_RETURN(checkpoint.key_id, StringMember(object, "key_id"));
  STRATA_ASSIGN_OR_RETURN(std::string signature, StringMember(object, "signature"));
  std::optional<std::string> raw = Base64UrlDecode(signature);
  if (!raw || raw->size() != kSignatureBytes) {
    return Bad("member \"signature\" is not a base64url Ed25519 signature");
  }
  checkpoint.signature = std::move(*raw);
  if (EncodeCheckpointLine(checkpoint) != line) {
    return Bad("the checkpoint is not in canonical form");
  }
  return AuditLine(std::move(checkpoint));
}

}  // namespace

std::string GenesisHash() { return std::string(kHashBytes, '\0'); }

std::string FormatAuditTime(int64_t micros) {
  const int64_t fraction = micros % 1'000'000;
  std::string text = FormatRfc3339(micros - fraction);  // "...:SSZ": no fraction.
  char digits[16];
  std::snprintf(digits, sizeof(digits), ".%06lld", static_cast<long long>(fraction));
  text.insert(text.size() - 1, digits);
  return text;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // Range of the second byte.
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;  // No surrogates.
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    }
    bool valid = length > 0 && i + length <= size;
    for (size_t k = 1; valid && k < length; ++k) {
      const unsigned char c = bytes[i + k];
      valid = k == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF);
    }
    if (valid) {
      out.append(text.data() + i, length);
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string CanonicalEntry(uint64_t seq, int64_t time_micros, const AuditEvent& event) {
  std::string out;
  out.reserve(256);
  out += "{\"seq\":" + std::to_string(seq);
  out += ",\"time\":\"" + FormatAuditTime(time_micros) + "\"";
  AppendMember(out, "principal", event.principal);
  AppendMember(out, "action", event.action);
  AppendMember(out, "dataset", event.dataset);
  AppendMember(out, "resource", event.resource);
  AppendMember(out, "outcome", OutcomeName(event.outcome));
  out += ",\"status\":" + std::to_string(event.status);
  AppendMember(out, "request_id", event.request_id);
  AppendMember(out, "trace_id", event.trace_id);
  out += ",\"details\":";
  if (event.details.is_object()) {
    AppendCanonicalValue(out, event.details);
  } else {
    out += "{}";
  }
  out += '}';
  return out;
}

std::string ChainHash(std::string_view prev_hash, std::string_view canonical) {
  std::string message;
  message.reserve(prev_hash.size() + canonical.size());
  message.append(prev_hash).append(canonical);
  return security::Sha256(message);
}

AuditEntry MakeEntry(uint64_t seq, int64_t time_micros, AuditEvent event, std::string prev_hash) {
  AuditEntry entry;
  entry.seq = seq;
  entry.time_micros = time_micros;
  entry.hash = ChainHash(prev_hash, CanonicalEntry(seq, time_micros, event));
  entry.event = std::move(event);
  entry.prev_hash = std::move(prev_hash);
  return entry;
}

std::string EncodeEntryLine(const AuditEntry& entry) {
  std::string line = CanonicalEntry(entry.seq, entry.time_micros, entry.event);
  line.pop_back();  // The closing '}'.
  line += ",\"prev\":\"" + HexEncode(entry.prev_hash) + "\"";
  line += ",\"hash\":\"" + HexEncode(entry.hash) + "\"}";
  return line;
}

std::string KeyId(std::string_view public_key) {
  return HexEncode(security::Sha256(public_key).substr(0, kKeyIdBytes));
}

std::string CheckpointSignedBytes(const Checkpoint& checkpoint) {
  return std::string(kCheckpointDomain) + CheckpointBody(checkpoint) + "}";
}

Checkpoint SignCheckpoint(uint64_t seq, std::string hash, int64_t time_micros,
                          std::string_view private_key) {
  Checkpoint checkpoint;
  checkpoint.seq = seq;
  checkpoint.hash = std::move(hash);
  checkpoint.time_micros = time_micros;
  checkpoint.key_id = KeyId(security::Ed25519PublicKey(private_key));
  checkpoint.signature = security::Ed25519Sign(private_key, CheckpointSignedBytes(checkpoint));
  return checkpoint;
}

bool VerifyCheckpoint(const Checkpoint& checkpoint, std::string_view public_key) {
  return checkpoint.key_id == KeyId(public_key) &&
         security::Ed25519Verify(public_key, CheckpointSignedBytes(checkpoint),
                                 checkpoint.signature);
}

std::string EncodeCheckpointLine(const Checkpoint& checkpoint) {
  return CheckpointBody(checkpoint) + ",\"signature\":\"" + Base64UrlEncode(checkpoint.signature) +
         "\"}";
}

Result<AuditLine> ParseAuditLine(std::string_view line) {
  Result<json::Value> parsed = json::Parse(line);
  if (!parsed.ok()) return Bad("the line is not JSON");
  const json::Value& object = *parsed;
  if (!object.is_object() || object.members().empty()) return Bad("the line is not an object");
  const std::string& first = object.members().front().first;
  if (first == "seq") return ParseEntry(object, line);
  if (first == "checkpoint") return ParseCheckpoint(object, line);
  return Bad("the line is neither an entry nor a checkpoint");
}

std::string EncodePublicKeyFile(std::string_view public_key) {
  return HexEncode(public_key) + "\n";
}

Result<std::string> ParsePublicKeyFile(std::string_view text) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.remove_suffix(1);
  }
  std::optional<std::string> key = HexDecode(ToLower(trimmed), 32);
  if (!key) {
    return Status::InvalidArgument(
        "a public key file holds the 32-byte Ed25519 public key as 64 hex digits");
  }
  return std::move(*key);
}

}  // namespace strata::audit
