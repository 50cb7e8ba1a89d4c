// The audit log's line format (docs/formats/audit.md): entries chained by SHA-256, and
// checkpoints signed with Ed25519.
//
//   entry:      {"seq":7,"time":"2024-05-01T12:00:00.123456Z","principal":"key:01J...",
//                "action":"datasets.create","dataset":"cpu","resource":"/v1/datasets",
//                "outcome":"success","status":201,"request_id":"01J...","trace_id":"",
//                "details":{...},"prev":"<64 hex>","hash":"<64 hex>"}
//   checkpoint: {"checkpoint":7,"hash":"<64 hex>","time":"...","key_id":"<16 hex>",
//                "signature":"<base64url, 64 bytes>"}
//
// Canonical form of an entry: the line up to and including "details", closed with '}' —
// members in the order above, no whitespace, `details` with its object members sorted by
// key at every level, strings as valid UTF-8 (invalid bytes become U+FFFD) escaped as
// AppendJsonString does, time with exactly six fractional digits.
//   hash(entry n) = SHA-256(hash(entry n-1) || canonical(n)), raw 32-byte hashes;
//   hash(entry 0) = 32 zero bytes (the genesis).
// A line must be byte-identical to the encoding of what it parses to, so any change to any
// byte of it is detected (as a hash mismatch, a parse error or a non-canonical line).
//
// A checkpoint signs "strata-audit-checkpoint-v1\n" followed by its line without the
// signature member (closed with '}'). key_id = hex of the first 8 bytes of SHA-256(public key).
// Thread safety: stateless functions over plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "audit/audit_event.h"
#include "common/result.h"

namespace strata::audit {

inline constexpr size_t kHashBytes = 32;

// 32 zero bytes: the hash before entry 1.
std::string GenesisHash();

struct AuditEntry {
  uint64_t seq = 0;         // 1, 2, 3, ... without gaps.
  int64_t time_micros = 0;  // Non-decreasing with seq.
  AuditEvent event;
  std::string prev_hash;  // 32 raw bytes: the hash of entry seq - 1.
  std::string hash;       // 32 raw bytes: ChainHash(prev_hash, canonical form).
};

struct Checkpoint {
  uint64_t seq = 0;  // The entry it signs; 0 only for the genesis checkpoint of a new log.
  std::string hash;  // 32 raw bytes: that entry's hash (GenesisHash() for seq 0).
  int64_t time_micros = 0;
  std::string key_id;     // 16 hex digits naming the signing key.
  std::string signature;  // 64 raw bytes.
};

// "2024-05-01T12:00:00.123456Z". REQUIRES: micros >= 0.
std::string FormatAuditTime(int64_t micros);

// Replaces every byte sequence that is not valid UTF-8 with U+FFFD.
std::string SanitizeUtf8(std::string_view text);

// The canonical form of entry `seq` (see above). Strings of `event` are sanitised here.
std::string CanonicalEntry(uint64_t seq, int64_t time_micros, const AuditEvent& event);
// SHA-256(prev_hash || canonical).
std::string ChainHash(std::string_view prev_hash, std::string_view canonical);

// Builds the entry after `prev_hash` and fills its hash; the event's strings are sanitised.
AuditEntry MakeEntry(uint64_t seq, int64_t time_micros, AuditEvent event, std::string prev_hash);
// The entry's line, without '\n'. REQUIRES: entry.hash and entry.prev_hash are 32 bytes.
std::string EncodeEntryLine(const AuditEntry& entry);

// 16 hex digits.
std::string KeyId(std::string_view public_key);
// The bytes a checkpoint's signature covers.
std::string CheckpointSignedBytes(const Checkpoint& checkpoint);
// A checkpoint of (seq, hash) signed with `private_key` (32-byte Ed25519 seed).
Checkpoint SignCheckpoint(uint64_t seq, std::string hash, int64_t time_micros,
                          std::string_view private_key);
// True when the checkpoint names `public_key` and its signature verifies with it.
bool VerifyCheckpoint(const Checkpoint& checkpoint, std::string_view public_key);
std::string EncodeCheckpointLine(const Checkpoint& checkpoint);

// One line of a segment file (without '\n'), checked to be in canonical form.
// Errors: Corruption naming what is wrong (not JSON, a missing or unexpected member, a bad
// value, not canonical). The entry's hash is not checked here: that needs the chain.
using AuditLine = std::variant<AuditEntry, Checkpoint>;
Result<AuditLine> ParseAuditLine(std::string_view line);

// The public key file (signing.pub): 64 hex digits and a newline.
std::string EncodePublicKeyFile(std::string_view public_key);
// Accepts the 64 hex digits with surrounding whitespace. InvalidArgument otherwise.
Result<std::string> ParsePublicKeyFile(std::string_view text);

}  // namespace strata::audit
