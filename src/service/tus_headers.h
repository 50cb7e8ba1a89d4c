// The tus 1.0 request headers whose meaning is the upload service's business
// (CONVENTIONS.md §2): Upload-Metadata (which also names how the upload is ingested) and
// Upload-Checksum. The HTTP handlers pass them on as sent.
// Thread safety: stateless functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "service/job_service.h"

namespace strata::service {

struct UploadMetadataEntry {
  std::string key;
  std::optional<std::string> value;  // Decoded; nullopt for a key sent without a value.
};

// Parses "key base64,key2 base64,flag": comma-separated entries, each a key (non-empty,
// printable ASCII without spaces and commas, unique) and an optional standard base64 value.
// "" has no entries. InvalidArgument (invalid_upload_metadata) naming the header otherwise.
Result<std::vector<UploadMetadataEntry>> ParseUploadMetadata(std::string_view header);

// How an upload with these metadata is ingested: `content-type` (default
// application/x-ndjson), `content-encoding`, `mode` (partial | atomic), `precision` and
// `time_unit`, with the meanings and checks of POST /ingest. Other keys (filename, ...) are
// kept but not interpreted.
Result<IngestJobSpec> IngestSpecFromMetadata(const std::vector<UploadMetadataEntry>& entries);

enum class ChecksumAlgorithm { kSha1, kMd5 };
// The Tus-Checksum-Algorithm list.
inline constexpr std::string_view kChecksumAlgorithms = "sha1,md5";

struct UploadChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kSha1;
  std::string digest;  // Raw bytes.
};

// Parses "<algorithm> <base64 digest>". InvalidArgument with problem code
// checksum_algorithm_unsupported for an algorithm not in kChecksumAlgorithms, and
// invalid_checksum for anything else malformed.
Result<UploadChecksum> ParseUploadChecksum(std::string_view header);
// Whether `data` has the checksum's digest.
bool ChecksumMatches(const UploadChecksum& checksum, std::string_view data);

// Standard base64 (RFC 4648 §4), padding optional. nullopt on any other character or an
// impossible length.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace strata::service
