#include "storage/segment/column_chunk.h"

#include <cmath>
#include <vector>

#include "storage/encoding/bool_encoding.h"
#include "storage/encoding/float_encoding.h"
#include "storage/encoding/int_encoding.h"
#include "storage/encoding/string_encoding.h"

namespace strata::storage {

using types::ColumnVector;
using types::DataType;

void EncodeColumnChunk(const ColumnVector& column, size_t begin, size_t end, ByteWriter& out) {
  const size_t rows = end - begin;
  bool any_null = false;
  if (column.has_nulls()) {
    for (size_t row_idx = begin; row_idx < end && !any_null; ++row_idx) {
      any_null = column.IsNull(row_idx);
    }
  }
  out.PutU8(any_null ? 1 : 0);
  if (any_null) {
    std::vector<uint8_t> valid(rows);
    for (size_t row_idx = begin; row_idx < end; ++row_idx) {
      valid[row_idx - begin] = column.IsNull(row_idx) ? 0 : 1;
    }
    EncodeBools(valid, out);
  }
  switch (column.type()) {
    case DataType::kBool:
      EncodeBools(std::span<const uint8_t>(column.bools().data() + begin, rows), out);
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      EncodeInts(std::span<const int64_t>(column.ints().data() + begin, rows), out);
      break;
    case DataType::kFloat64:
      EncodeDoubles(std::span<const double>(column.doubles().data() + begin, rows), out);
      break;
    case DataType::kString:
    case DataType::kJson:
      if (column.is_dictionary()) {
        EncodeDictionaryStrings(column.offsets(), column.chars(),
                                std::span<const uint32_t>(column.codes().data() + begin, rows),
                                out);
      } else {
        EncodeStrings(std::span<const uint32_t>(column.offsets().data() + begin, rows + 1),
                      column.chars(), out);
      }
      break;
  }
}

namespace {

// Decodes the rows of a chunk of `rows` rows that `selected` names (every row when null).
Status DecodeChunk(std::string_view body, DataType type, size_t rows,
                   const std::span<const uint32_t>* selected, ColumnVector* out) {
  *out = ColumnVector(type);
  const size_t count = selected != nullptr ? selected->size() : rows;
  // The chunk row that out row i comes from.
  const auto row_of = [selected](size_t i) { return selected != nullptr ? (*selected)[i] : i; };
  ByteReader in(body);
  uint8_t has_validity = 0;
  if (!in.GetU8(&has_validity)) return Status::Corruption("empty column chunk");
  if (has_validity != 0) {
    std::vector<uint8_t> valid(rows);
    STRATA_RETURN_IF_ERROR(DecodeBools(in, rows, valid.data()));
    std::vector<uint8_t>& bitmap = out->mutable_validity();
    bitmap.assign((count + 7) / 8, 0);
    for (size_t i = 0; i < count; ++i) {
      bitmap[i >> 3] |= static_cast<uint8_t>((valid[row_of(i)] & 1) << (i & 7));
    }
  }
  switch (type) {
    case DataType::kBool: {
      std::vector<uint8_t>& bools = out->mutable_bools();
      bools.resize(rows);
      STRATA_RETURN_IF_ERROR(DecodeBools(in, rows, bools.data()));
      if (selected != nullptr) {
        for (size_t i = 0; i < count; ++i) bools[i] = bools[row_of(i)];  // row_of(i) >= i.
        bools.resize(count);
      }
      break;
    }
    case DataType::kInt64:
    case DataType::kTimestamp:
      out->mutable_ints().resize(count);
      STRATA_RETURN_IF_ERROR(selected != nullptr
                                 ? DecodeIntsAt(in, rows, *selected, out->mutable_ints().data())
                                 : DecodeInts(in, rows, out->mutable_ints().data()));
      break;
    case DataType::kFloat64:
      out->mutable_doubles().resize(count);
      STRATA_RETURN_IF_ERROR(
          selected != nullptr ? DecodeDoublesAt(in, rows, *selected, out->mutable_doubles().data())
                              : DecodeDoubles(in, rows, out->mutable_doubles().data()));
      break;
    case DataType::kString:
    case DataType::kJson: {
      // Dictionary blocks stay in dictionary form: scans then hash or compare each distinct
      // string once, and the block cache holds the codes rather than every string.
      STRATA_ASSIGN_OR_RETURN(
          const bool dictionary,
          selected != nullptr
              ? DecodeStringsAt(in, rows, *selected, out->mutable_offsets(), out->mutable_chars(),
                                out->mutable_codes())
              : DecodeStringsKeepingDictionary(in, rows, out->mutable_offsets(),
                                               out->mutable_chars(), out->mutable_codes()));
      if (!in.empty()) return Status::Corruption("trailing bytes in column chunk");
      if (dictionary) {
        out->SetDictionarySize(count);
      } else {
        out->SetSize(count);
      }
      return {};
    }
  }
  if (!in.empty()) return Status::Corruption("trailing bytes in column chunk");
  out->SetSize(count);
  return {};
}

}  // namespace

Status DecodeColumnChunk(std::string_view body, DataType type, size_t rows, ColumnVector* out) {
  return DecodeChunk(body, type, rows, nullptr, out);
}

Status DecodeColumnChunkRows(std::string_view body, DataType type, size_t rows,
                             std::span<const uint32_t> selected, ColumnVector* out) {
  return DecodeChunk(body, type, rows, &selected, out);
}

ZoneMap ComputeZoneMap(const ColumnVector& column, size_t begin, size_t end) {
  ZoneMap zone;
  const bool nulls = column.has_nulls();
  switch (column.type()) {
    case DataType::kBool: {
      bool seen[2] = {false, false};
      for (size_t row_idx = begin; row_idx < end; ++row_idx) {
        if (nulls && column.IsNull(row_idx)) {
          ++zone.null_count;
          continue;
        }
        seen[column.bools()[row_idx] != 0] = true;
      }
      if (seen[0] || seen[1]) {
        zone.has_min_max = true;
        zone.min = !seen[0];
        zone.max = seen[1];
      }
      break;
    }
    case DataType::kInt64:
    case DataType::kTimestamp: {
      const int64_t* values = column.ints().data();
      int64_t lo = INT64_MAX;
      int64_t hi = INT64_MIN;
      size_t valid = 0;
      if (!nulls) {
        for (size_t row_idx = begin; row_idx < end; ++row_idx) {
          lo = std::min(lo, values[row_idx]);
          hi = std::max(hi, values[row_idx]);
        }
        valid = end - begin;
      } else {
        for (size_t row_idx = begin; row_idx < end; ++row_idx) {
          if (column.IsNull(row_idx)) {
            ++zone.null_count;
            continue;
          }
          lo = std::min(lo, values[row_idx]);
          hi = std::max(hi, values[row_idx]);
          ++valid;
        }
      }
      if (valid > 0) {
        zone.has_min_max = true;
        zone.min = lo;
        zone.max = hi;
      }
      break;
    }
    case DataType::kFloat64: {
      const double* values = column.doubles().data();
      double lo = INFINITY;
      double hi = -INFINITY;
      bool any = false;
      for (size_t row_idx = begin; row_idx < end; ++row_idx) {
        if (nulls && column.IsNull(row_idx)) {
          ++zone.null_count;
          continue;
        }
        const double v = values[row_idx];
        if (std::isnan(v)) continue;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        any = true;
      }
      if (any) {
        zone.has_min_max = true;
        zone.min = lo;
        zone.max = hi;
      }
      break;
    }
    case DataType::kString:
    case DataType::kJson: {
      std::string_view lo;
      std::string_view hi;
      bool any = false;
      bool too_long = false;
      auto consider = [&](std::string_view v) {
        if (v.size() > kMaxZoneStringBytes) too_long = true;
        if (!any || v < lo) lo = v;
        if (!any || v > hi) hi = v;
        any = true;
      };
      if (column.is_dictionary()) {
        // Each distinct string is compared once, not once per row.
        thread_local std::vector<uint8_t> used;  // Reused: one flag per entry.
        used.assign(column.dictionary_size(), 0);
        for (size_t row_idx = begin; row_idx < end; ++row_idx) {
          if (nulls && column.IsNull(row_idx)) {
            ++zone.null_count;
            continue;
          }
          used[column.codes()[row_idx]] = 1;
        }
        for (uint32_t entry = 0; entry < column.dictionary_size(); ++entry) {
          if (used[entry] != 0) consider(column.DictionaryEntry(entry));
        }
      } else {
        for (size_t row_idx = begin; row_idx < end; ++row_idx) {
          if (nulls && column.IsNull(row_idx)) {
            ++zone.null_count;
            continue;
          }
          consider(column.StringAt(row_idx));
        }
      }
      if (any && !too_long) {
        zone.has_min_max = true;
        zone.min = std::string(lo);
        zone.max = std::string(hi);
      }
      break;
    }
  }
  return zone;
}

}  // namespace strata::storage
