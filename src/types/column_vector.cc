#include "types/column_vector.h"

#include <algorithm>
#include <bit>
#include <functional>

#include "common/check.h"

namespace strata::types {

bool IsIntegerStored(DataType type) {
  return type == DataType::kInt64 || type == DataType::kTimestamp;
}

bool IsStringStored(DataType type) { return type == DataType::kString || type == DataType::kJson; }

void ColumnVector::Reserve(size_t rows, size_t string_bytes) {
  switch (type_) {
    case DataType::kBool: bools_.reserve(rows); break;
    case DataType::kInt64:
    case DataType::kTimestamp: ints_.reserve(rows); break;
    case DataType::kFloat64: doubles_.reserve(rows); break;
    case DataType::kString:
    case DataType::kJson:
      if (dictionary_) {
        codes_.reserve(rows);
      } else {
        offsets_.reserve(rows + 1);
        chars_.reserve(string_bytes);
      }
      break;
  }
}

void ColumnVector::Clear() {
  size_ = 0;
  bools_.clear();
  ints_.clear();
  doubles_.clear();
  offsets_.assign(1, 0);
  chars_.clear();
  validity_.clear();
  dictionary_ = false;
  codes_.clear();
  dictionary_index_.clear();
}

void ColumnVector::MarkValid() {
  if (!validity_.empty()) {
    if ((size_ & 7) == 0) validity_.push_back(0);
    validity_[size_ >> 3] |= static_cast<uint8_t>(1u << (size_ & 7));
  }
}

void ColumnVector::MarkNull() {
  if (validity_.empty()) {
    // Every earlier row was valid: materialize their bits.
    validity_.assign((size_ + 8) / 8, 0);
    for (size_t row_idx = 0; row_idx < size_; ++row_idx) {
      validity_[row_idx >> 3] |= static_cast<uint8_t>(1u << (row_idx & 7));
    }
  } else if ((size_ & 7) == 0) {
    validity_.push_back(0);
  }
}

void ColumnVector::AppendNull() {
  MarkNull();
  switch (type_) {
    case DataType::kBool: bools_.push_back(0); break;
    case DataType::kInt64:
    case DataType::kTimestamp: ints_.push_back(0); break;
    case DataType::kFloat64: doubles_.push_back(0.0); break;
    case DataType::kString:
    case DataType::kJson:
      if (dictionary_) {
        codes_.push_back(FindOrAddEntry({}));
      } else {
        offsets_.push_back(static_cast<uint32_t>(chars_.size()));
      }
      break;
  }
  ++size_;
}

void ColumnVector::AppendBool(bool value) {
  STRATA_DCHECK(type_ == DataType::kBool);
  MarkValid();
  bools_.push_back(value ? 1 : 0);
  ++size_;
}

void ColumnVector::AppendInt(int64_t value) {
  STRATA_DCHECK(IsIntegerStored(type_));
  MarkValid();
  ints_.push_back(value);
  ++size_;
}

void ColumnVector::AppendDouble(double value) {
  STRATA_DCHECK(type_ == DataType::kFloat64);
  MarkValid();
  doubles_.push_back(value);
  ++size_;
}

void ColumnVector::AppendString(std::string_view value) {
  STRATA_DCHECK(IsStringStored(type_));
  MarkValid();
  if (dictionary_) {
    codes_.push_back(FindOrAddEntry(value));
  } else {
    chars_.append(value);
    offsets_.push_back(static_cast<uint32_t>(chars_.size()));
  }
  ++size_;
}

uint32_t ColumnVector::FindOrAddEntry(std::string_view value) {
  const size_t entries = offsets_.size() - 1;
  if ((entries + 1) * 2 > dictionary_index_.size()) RebuildDictionaryIndex();
  const size_t mask = dictionary_index_.size() - 1;
  for (size_t slot = std::hash<std::string_view>{}(value)&mask;; slot = (slot + 1) & mask) {
    const uint32_t entry = dictionary_index_[slot];
    if (entry == 0) {
      chars_.append(value);
      offsets_.push_back(static_cast<uint32_t>(chars_.size()));
      dictionary_index_[slot] = static_cast<uint32_t>(entries + 1);
      return static_cast<uint32_t>(entries);
    }
    if (DictionaryEntry(entry - 1) == value) return entry - 1;
  }
}

void ColumnVector::RebuildDictionaryIndex() {
  const size_t entries = offsets_.size() - 1;
  size_t slots = 64;
  while (slots < (entries + 1) * 4) slots *= 2;
  dictionary_index_.assign(slots, 0);
  const size_t mask = slots - 1;
  for (size_t entry = 0; entry < entries; ++entry) {
    size_t slot =
        std::hash<std::string_view>{}(DictionaryEntry(static_cast<uint32_t>(entry))) & mask;
    while (dictionary_index_[slot] != 0) slot = (slot + 1) & mask;
    dictionary_index_[slot] = static_cast<uint32_t>(entry + 1);
  }
}

template <typename RowRange>
void ColumnVector::AppendWithDictionary(const ColumnVector& other, const RowRange& rows,
                                        size_t count) {
  if (size_ == 0 && !dictionary_) {
    Clear();
    dictionary_ = true;  // An empty vector takes the dictionary form of its source.
  }
  if (!dictionary_ || !other.dictionary_) {
    rows([&](size_t row_idx) { AppendFrom(other, row_idx); });
    return;
  }
  // Translating other's entries costs a lookup per entry; for a few rows out of a large
  // dictionary, a lookup per row is cheaper.
  const bool per_row = count * 4 < other.dictionary_size();
  thread_local std::vector<uint32_t> translation;
  if (!per_row) translation.assign(other.dictionary_size(), UINT32_MAX);
  if (codes_.capacity() < codes_.size() + count) {
    codes_.reserve(std::max(codes_.size() + count, codes_.capacity() * 2));  // Geometric.
  }
  if (!per_row && validity_.empty() && !other.has_nulls()) {
    // Every row valid, before and after: codes only.
    rows([&](size_t row_idx) {
      const uint32_t code = other.codes_[row_idx];
      uint32_t& mine = translation[code];
      if (mine == UINT32_MAX) mine = FindOrAddEntry(other.DictionaryEntry(code));
      codes_.push_back(mine);
    });
    size_ += count;
    return;
  }
  rows([&](size_t row_idx) {
    if (other.IsNull(row_idx)) {
      MarkNull();
    } else {
      MarkValid();
    }
    const uint32_t code = other.codes_[row_idx];
    if (per_row) {
      codes_.push_back(FindOrAddEntry(other.DictionaryEntry(code)));
    } else {
      uint32_t& mine = translation[code];
      if (mine == UINT32_MAX) mine = FindOrAddEntry(other.DictionaryEntry(code));
      codes_.push_back(mine);
    }
    ++size_;
  });
}

bool ColumnVector::DictionaryEncode(double max_distinct_ratio) {
  if (!IsStringStored(type_) || dictionary_) return dictionary_;
  const auto max_distinct = static_cast<size_t>(max_distinct_ratio * static_cast<double>(size_));
  ColumnVector encoded(type_);
  encoded.dictionary_ = true;
  encoded.codes_.resize(size_);
  for (size_t row_idx = 0; row_idx < size_; ++row_idx) {
    encoded.codes_[row_idx] = encoded.FindOrAddEntry(StringAt(row_idx));
    if (encoded.dictionary_size() > max_distinct) return false;
  }
  encoded.size_ = size_;
  encoded.validity_ = std::move(validity_);
  encoded.dictionary_index_ = {};  // Rebuilt if rows are appended later.
  *this = std::move(encoded);
  return true;
}

void ColumnVector::DictionaryDecode() {
  if (!dictionary_) return;
  ColumnVector plain(type_);
  size_t bytes = 0;
  for (uint32_t code : codes_) bytes += offsets_[code + 1] - offsets_[code];
  plain.Reserve(size_, bytes);
  for (size_t row_idx = 0; row_idx < size_; ++row_idx) {
    plain.chars_.append(StringAt(row_idx));
    plain.offsets_.push_back(static_cast<uint32_t>(plain.chars_.size()));
  }
  plain.size_ = size_;
  plain.validity_ = std::move(validity_);
  *this = std::move(plain);
}

void ColumnVector::SetDictionarySize(size_t rows) {
  STRATA_DCHECK(IsStringStored(type_) && codes_.size() == rows);
  dictionary_ = true;
  size_ = rows;
  dictionary_index_.clear();
}

void ColumnVector::Truncate(size_t rows) {
  STRATA_CHECK(rows <= size_);
  switch (type_) {
    case DataType::kBool: bools_.resize(rows); break;
    case DataType::kInt64:
    case DataType::kTimestamp: ints_.resize(rows); break;
    case DataType::kFloat64: doubles_.resize(rows); break;
    case DataType::kString:
    case DataType::kJson:
      if (dictionary_) {
        codes_.resize(rows);  // Entries stay: other rows may share them.
      } else {
        offsets_.resize(rows + 1);
        chars_.resize(offsets_[rows]);
      }
      break;
  }
  size_ = rows;
  if (validity_.empty()) return;
  validity_.resize((rows + 7) / 8);
  // Bits past the end must be 0: MarkNull relies on it when it reuses this byte.
  if ((rows & 7) != 0) validity_.back() &= static_cast<uint8_t>((1u << (rows & 7)) - 1);
  // Keep the bitmap only while a NULL is left (invariant 3).
  const size_t full_bytes = rows / 8;
  for (size_t i = 0; i < full_bytes; ++i) {
    if (validity_[i] != 0xff) return;
  }
  for (size_t row_idx = full_bytes * 8; row_idx < rows; ++row_idx) {
    if (IsNull(row_idx)) return;
  }
  validity_.clear();
}

void ColumnVector::AppendValue(const Value& value) {
  if (std::holds_alternative<std::monostate>(value)) {
    AppendNull();
  } else if (const bool* b = std::get_if<bool>(&value)) {
    AppendBool(*b);
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    if (type_ == DataType::kFloat64) {
      AppendDouble(static_cast<double>(*i));
    } else {
      AppendInt(*i);
    }
  } else if (const double* d = std::get_if<double>(&value)) {
    AppendDouble(*d);
  } else {
    AppendString(std::get<std::string>(value));
  }
}

void ColumnVector::AppendRange(const ColumnVector& other, size_t begin, size_t end) {
  STRATA_DCHECK(other.type_ == type_ && begin <= end && end <= other.size_);
  if (begin == end) return;
  if (IsStringStored(type_) && (dictionary_ || other.dictionary_)) {
    AppendWithDictionary(
        other,
        [&](auto&& append_row) {
          for (size_t row_idx = begin; row_idx < end; ++row_idx) append_row(row_idx);
        },
        end - begin);
    return;
  }
  if (other.has_nulls() || has_nulls()) {
    for (size_t row_idx = begin; row_idx < end; ++row_idx) AppendFrom(other, row_idx);
    return;
  }
  switch (type_) {
    case DataType::kBool:
      bools_.insert(bools_.end(), other.bools_.begin() + begin, other.bools_.begin() + end);
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      ints_.insert(ints_.end(), other.ints_.begin() + begin, other.ints_.begin() + end);
      break;
    case DataType::kFloat64:
      doubles_.insert(doubles_.end(), other.doubles_.begin() + begin, other.doubles_.begin() + end);
      break;
    case DataType::kString:
    case DataType::kJson: {
      const uint32_t from = other.offsets_[begin];
      const uint32_t base = static_cast<uint32_t>(chars_.size());
      chars_.append(other.chars_, from, other.offsets_[end] - from);
      for (size_t row_idx = begin + 1; row_idx <= end; ++row_idx) {
        offsets_.push_back(base + other.offsets_[row_idx] - from);
      }
      break;
    }
  }
  size_ += end - begin;
}

void ColumnVector::AppendFrom(const ColumnVector& other, size_t row_idx) {
  if (other.IsNull(row_idx)) {
    AppendNull();
    return;
  }
  switch (type_) {
    case DataType::kBool: AppendBool(other.bools_[row_idx] != 0); break;
    case DataType::kInt64:
    case DataType::kTimestamp: AppendInt(other.ints_[row_idx]); break;
    case DataType::kFloat64: AppendDouble(other.doubles_[row_idx]); break;
    case DataType::kString:
    case DataType::kJson: AppendString(other.StringAt(row_idx)); break;
  }
}

void ColumnVector::AppendSelected(const ColumnVector& other, std::span<const uint32_t> rows) {
  STRATA_DCHECK(other.type_ == type_);
  if (rows.empty()) return;
  if (IsStringStored(type_) && (dictionary_ || other.dictionary_)) {
    AppendWithDictionary(
        other,
        [&](auto&& append_row) {
          for (uint32_t row_idx : rows) append_row(row_idx);
        },
        rows.size());
    return;
  }
  if (other.has_nulls() || has_nulls()) {
    for (uint32_t row_idx : rows) AppendFrom(other, row_idx);
    return;
  }
  switch (type_) {
    case DataType::kBool: {
      const size_t base = bools_.size();
      bools_.resize(base + rows.size());
      for (size_t i = 0; i < rows.size(); ++i) bools_[base + i] = other.bools_[rows[i]];
      break;
    }
    case DataType::kInt64:
    case DataType::kTimestamp: {
      const size_t base = ints_.size();
      ints_.resize(base + rows.size());
      for (size_t i = 0; i < rows.size(); ++i) ints_[base + i] = other.ints_[rows[i]];
      break;
    }
    case DataType::kFloat64: {
      const size_t base = doubles_.size();
      doubles_.resize(base + rows.size());
      for (size_t i = 0; i < rows.size(); ++i) doubles_[base + i] = other.doubles_[rows[i]];
      break;
    }
    case DataType::kString:
    case DataType::kJson:
      for (uint32_t row_idx : rows) {
        chars_.append(other.chars_, other.offsets_[row_idx],
                      other.offsets_[row_idx + 1] - other.offsets_[row_idx]);
        offsets_.push_back(static_cast<uint32_t>(chars_.size()));
      }
      break;
  }
  size_ += rows.size();
}

size_t ColumnVector::NullCount() const {
  if (validity_.empty()) return 0;
  size_t valid = 0;
  const size_t full_bytes = size_ / 8;
  for (size_t i = 0; i < full_bytes; ++i) valid += std::popcount(validity_[i]);
  for (size_t row_idx = full_bytes * 8; row_idx < size_; ++row_idx) valid += !IsNull(row_idx);
  return size_ - valid;
}

Value ColumnVector::ValueAt(size_t row_idx) const {
  if (IsNull(row_idx)) return std::monostate{};
  switch (type_) {
    case DataType::kBool: return bools_[row_idx] != 0;
    case DataType::kInt64:
    case DataType::kTimestamp: return ints_[row_idx];
    case DataType::kFloat64: return doubles_[row_idx];
    case DataType::kString:
    case DataType::kJson: return std::string(StringAt(row_idx));
  }
  return std::monostate{};
}

void ColumnVector::WidenToFloat64() {
  STRATA_DCHECK(type_ == DataType::kInt64);
  doubles_.resize(ints_.size());
  for (size_t row_idx = 0; row_idx < ints_.size(); ++row_idx) {
    doubles_[row_idx] = static_cast<double>(ints_[row_idx]);
  }
  ints_.clear();
  ints_.shrink_to_fit();
  type_ = DataType::kFloat64;
}

size_t ColumnVector::MemoryBytes() const {
  return bools_.capacity() + ints_.capacity() * sizeof(int64_t) +
         doubles_.capacity() * sizeof(double) + offsets_.capacity() * sizeof(uint32_t) +
         chars_.capacity() + validity_.capacity() +
         (codes_.capacity() + dictionary_index_.capacity()) * sizeof(uint32_t);
}

}  // namespace strata::types
