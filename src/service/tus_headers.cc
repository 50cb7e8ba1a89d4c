#include "service/tus_headers.h"

#include "common/strings.h"
#include "security/crypto.h"

namespace strata::service {
namespace {

Status BadMetadata(std::string message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_upload_metadata")
      .WithErrors({ErrorDetail::Header("Upload-Metadata", message)});
}

Status BadChecksum(std::string message, std::string_view code = "invalid_checksum") {
  return Status::InvalidArgument(message).WithProblemCode(code).WithErrors(
      {ErrorDetail::Header("Upload-Checksum", message)});
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool IsKeyChar(char c) { return c > ' ' && c < 0x7f && c != ','; }

}  // namespace

std::optional<std::string> Base64Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int value = Base64Value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

Result<std::vector<UploadMetadataEntry>> ParseUploadMetadata(std::string_view header) {
  std::vector<UploadMetadataEntry> entries;
  if (Trim(header).empty()) return entries;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view entry = Trim(header.substr(start, comma - start));
    start = comma + 1;
    const size_t space = entry.find(' ');
    const std::string_view key = entry.substr(0, space);
    if (key.empty()) return BadMetadata("Upload-Metadata has an empty entry or key");
    for (char c : key) {
      if (!IsKeyChar(c)) {
        return BadMetadata("Upload-Metadata key '" + std::string(key) +
                           "' must be printable ASCII without spaces or commas");
      }
    }
    for (const UploadMetadataEntry& other : entries) {
      if (other.key == key) {
        return BadMetadata("Upload-Metadata names key '" + std::string(key) + "' twice");
      }
    }
    UploadMetadataEntry parsed;
    parsed.key = std::string(key);
    if (space != std::string_view::npos) {
      const std::string_view encoded = Trim(entry.substr(space + 1));
      std::optional<std::string> value = Base64Decode(encoded);
      if (!value || encoded.find(' ') != std::string_view::npos) {
        return BadMetadata("the Upload-Metadata value of '" + std::string(key) +
                           "' is not base64 (RFC 4648)");
      }
      parsed.value = std::move(*value);
    }
    entries.push_back(std::move(parsed));
    if (comma == header.size()) break;
  }
  return entries;
}

Result<IngestJobSpec> IngestSpecFromMetadata(const std::vector<UploadMetadataEntry>& entries) {
  IngestJobSpec spec;
  spec.content_type = "application/x-ndjson";
  for (const UploadMetadataEntry& entry : entries) {
    const std::string value = entry.value.value_or("");
    if (entry.key == "content-type") {
      spec.content_type = value;
    } else if (entry.key == "content-encoding") {
      spec.content_encoding = value;
    } else if (entry.key == "mode") {
      if (value == "atomic") {
        spec.mode = IngestMode::kAtomic;
      } else if (value != "partial") {
        return BadMetadata("Upload-Metadata mode must be partial or atomic, got '" + value + "'");
      }
    } else if (entry.key == "precision") {
      Result<ingest::TimestampPrecision> precision = ingest::ParseTimestampPrecision(value);
      if (!precision.ok()) return BadMetadata(std::string(precision.status().message()));
      spec.precision = precision.value();
    } else if (entry.key == "time_unit") {
      std::optional<ingest::TimeUnit> unit = ParseTimeUnitParam(value);
      if (!unit) {
        return BadMetadata("Upload-Metadata time_unit must be auto, s, ms, us or ns, got '" +
                           value + "'");
      }
      spec.time_unit = *unit;
    }
  }
  Status valid = ValidateIngestJobSpec(spec);
  if (!valid.ok()) {
    return valid.WithErrors({ErrorDetail::Header(
        "Upload-Metadata", "content-type or content-encoding: " + std::string(valid.message()))});
  }
  return spec;
}

Result<UploadChecksum> ParseUploadChecksum(std::string_view header) {
  const std::string_view text = Trim(header);
  const size_t space = text.find(' ');
  if (space == std::string_view::npos) {
    return BadChecksum("Upload-Checksum must be '<algorithm> <base64 digest>', e.g. 'sha1 " +
                       std::string("Kq5sNclPz7QV2+lfQIuc6R7oRu0=") + "'");
  }
  const std::string algorithm = ToLower(text.substr(0, space));
  UploadChecksum checksum;
  size_t digest_bytes = 0;
  if (algorithm == "sha1") {
    checksum.algorithm = ChecksumAlgorithm::kSha1;
    digest_bytes = 20;
  } else if (algorithm == "md5") {
    checksum.algorithm = ChecksumAlgorithm::kMd5;
    digest_bytes = 16;
  } else {
    return BadChecksum("checksum algorithm '" + algorithm + "' is not supported; use one of " +
                           std::string(kChecksumAlgorithms),
                       "checksum_algorithm_unsupported");
  }
  std::optional<std::string> digest = Base64Decode(Trim(text.substr(space + 1)));
  if (!digest || digest->size() != digest_bytes) {
    return BadChecksum("the Upload-Checksum digest must be the base64 of " +
                       std::to_string(digest_bytes) + " bytes (" + algorithm + ")");
  }
  checksum.digest = std::move(*digest);
  return checksum;
}

bool ChecksumMatches(const UploadChecksum& checksum, std::string_view data) {
  const std::string digest =
      checksum.algorithm == ChecksumAlgorithm::kSha1 ? security::Sha1(data) : security::Md5(data);
  return digest == checksum.digest;
}

}  // namespace strata::service
