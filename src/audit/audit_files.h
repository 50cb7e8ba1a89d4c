// The files of an audit log directory (<data_dir>/audit/, docs/formats/audit.md):
//
//   audit-<first seq, 20 digits>.ndjson   segments: entry and checkpoint lines, appended only
//   HEAD                                  the latest checkpoint line, replaced atomically
//   signing.pub                           the Ed25519 public key that verifies checkpoints
//   broken-<time>/                        a damaged log moved aside by audit.recovery=restart
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::audit {

inline constexpr std::string_view kHeadFileName = "HEAD";
inline constexpr std::string_view kPublicKeyFileName = "signing.pub";

// "audit-00000000000000000001.ndjson".
std::string SegmentName(uint64_t first_seq);
// The first seq a segment's name announces; nullopt for any other file name.
std::optional<uint64_t> ParseSegmentName(std::string_view name);

}  // namespace strata::audit
