#include "storage/engine/manifest.h"

#include "storage/encoding/byte_io.h"
#include "storage/encoding/value_codec.h"
#include "types/schema.h"

namespace strata::storage {

void PutPredicates(ByteWriter& out, const std::vector<types::Predicate>& predicates) {
  out.PutVarint64(predicates.size());
  for (const types::Predicate& predicate : predicates) {
    out.PutVarint32(predicate.field_id);
    out.PutU8(static_cast<uint8_t>(predicate.op));
    out.PutVarint64(predicate.values.size());
    for (const types::Value& value : predicate.values) PutTaggedValue(out, value);
  }
}

bool GetPredicates(ByteReader& in, std::vector<types::Predicate>* predicates) {
  uint64_t count = 0;
  if (!in.GetVarint64(&count) || count > in.remaining()) return false;
  predicates->resize(count);
  for (types::Predicate& predicate : *predicates) {
    uint8_t op = 0;
    uint64_t values = 0;
    if (!in.GetVarint32(&predicate.field_id) || !in.GetU8(&op) ||
        op > static_cast<uint8_t>(types::CompareOp::kIn) || !in.GetVarint64(&values) ||
        values > in.remaining()) {
      return false;
    }
    predicate.op = static_cast<types::CompareOp>(op);
    predicate.values.resize(values);
    for (types::Value& value : predicate.values) {
      if (!GetTaggedValue(in, &value)) return false;
    }
  }
  return true;
}

std::string EncodeManifestPayload(const Manifest& manifest) {
  ByteWriter out;
  out.PutVarint64(manifest.version);
  out.PutZigzag64(manifest.flushed_seq);
  out.PutZigzag64(manifest.last_seq);
  out.PutVarint64(manifest.next_file_id);
  out.PutZigzag64(manifest.last_ingest_micros);
  out.PutVarint64(manifest.segments.size());
  for (const SegmentEntry& segment : manifest.segments) {
    out.PutVarint64(segment.id);
    out.PutZigzag64(segment.partition);
    out.PutVarint64(segment.rows);
    out.PutVarint64(segment.file_bytes);
    out.PutVarint64(segment.logical_bytes);
    out.PutZigzag64(segment.min_seq);
    out.PutZigzag64(segment.max_seq);
    out.PutZigzag64(segment.min_time);
    out.PutZigzag64(segment.max_time);
    out.PutZigzag64(segment.applied_tombstone_seq);
    out.PutVarint32(segment.schema_version);
    // Flags: bit 0 compacted, bit 1 order key follows.
    out.PutU8((segment.compacted ? 1 : 0) | (segment.order_key ? 2 : 0));
    if (segment.order_key) {
      out.PutVarint64(segment.order_key->size());
      for (uint32_t field_id : *segment.order_key) out.PutVarint32(field_id);
    }
  }
  out.PutVarint64(manifest.tombstones.size());
  for (const Tombstone& tombstone : manifest.tombstones) {
    out.PutZigzag64(tombstone.seq);
    out.PutZigzag64(tombstone.created_micros);
    PutPredicates(out, tombstone.predicates);
  }
  // Optional trailing sections, each omitted when it is empty or 0 and nothing follows it, so
  // that manifests written before a section existed read as empty or 0: notes, then the
  // resync horizon.
  if (!manifest.notes.empty() || manifest.resync_horizon != 0) {
    out.PutVarint64(manifest.notes.size());
    for (const types::CommittedNote& note : manifest.notes) {
      out.PutLengthPrefixed(note.key);
      out.PutLengthPrefixed(note.payload);
      out.PutZigzag64(note.first_seq);
      out.PutZigzag64(note.last_seq);
    }
  }
  if (manifest.resync_horizon != 0) out.PutZigzag64(manifest.resync_horizon);
  return out.Release();
}

Status DecodeManifestPayload(std::string_view payload, Manifest* manifest) {
  ByteReader in(payload);
  uint64_t segments = 0;
  auto bad = [] { return Status::Corruption("malformed manifest"); };
  if (!in.GetVarint64(&manifest->version) || !in.GetZigzag64(&manifest->flushed_seq) ||
      !in.GetZigzag64(&manifest->last_seq) || !in.GetVarint64(&manifest->next_file_id) ||
      !in.GetZigzag64(&manifest->last_ingest_micros) || !in.GetVarint64(&segments) ||
      segments > payload.size()) {
    return bad();
  }
  manifest->segments.resize(segments);
  for (SegmentEntry& segment : manifest->segments) {
    uint8_t flags = 0;
    if (!in.GetVarint64(&segment.id) || !in.GetZigzag64(&segment.partition) ||
        !in.GetVarint64(&segment.rows) || !in.GetVarint64(&segment.file_bytes) ||
        !in.GetVarint64(&segment.logical_bytes) || !in.GetZigzag64(&segment.min_seq) ||
        !in.GetZigzag64(&segment.max_seq) || !in.GetZigzag64(&segment.min_time) ||
        !in.GetZigzag64(&segment.max_time) || !in.GetZigzag64(&segment.applied_tombstone_seq) ||
        !in.GetVarint32(&segment.schema_version) || !in.GetU8(&flags) || flags > 3) {
      return bad();
    }
    segment.compacted = (flags & 1) != 0;
    if ((flags & 2) != 0) {
      uint64_t key_fields = 0;
      if (!in.GetVarint64(&key_fields) || key_fields > types::kMaxFields) return bad();
      segment.order_key.emplace(key_fields);
      for (uint32_t& field_id : *segment.order_key) {
        if (!in.GetVarint32(&field_id)) return bad();
      }
    }
  }
  uint64_t tombstones = 0;
  if (!in.GetVarint64(&tombstones) || tombstones > payload.size()) return bad();
  manifest->tombstones.resize(tombstones);
  for (Tombstone& tombstone : manifest->tombstones) {
    if (!in.GetZigzag64(&tombstone.seq) || !in.GetZigzag64(&tombstone.created_micros) ||
        !GetPredicates(in, &tombstone.predicates)) {
      return bad();
    }
  }
  manifest->notes.clear();
  if (!in.empty()) {
    uint64_t notes = 0;
    if (!in.GetVarint64(&notes) || notes > payload.size()) return bad();
    manifest->notes.resize(notes);
    for (types::CommittedNote& note : manifest->notes) {
      std::string_view key;
      std::string_view body;
      if (!in.GetLengthPrefixed(&key) || !in.GetLengthPrefixed(&body) ||
          !in.GetZigzag64(&note.first_seq) || !in.GetZigzag64(&note.last_seq)) {
        return bad();
      }
      note.key = std::string(key);
      note.payload = std::string(body);
    }
  }
  manifest->resync_horizon = 0;
  if (!in.empty() && !in.GetZigzag64(&manifest->resync_horizon)) return bad();
  if (!in.empty()) return bad();
  return {};
}

}  // namespace strata::storage
