// ColumnVector: the values of one field for a run of rows, stored flat by physical type so
// that appending and scanning never allocate per row.
// Thread safety: a plain value; concurrent readers of a vector nobody mutates are safe.
// Invariants:
//   1. Exactly one payload vector is used, chosen by type(): bools (kBool), ints (kInt64,
//      kTimestamp), doubles (kFloat64), offsets + chars (kString, kJson).
//   2. Every payload holds size() slots; a NULL slot holds 0, 0.0, false or "".
//   3. validity is empty while every row is valid; otherwise it holds a bit per row
//      (LSB first, 1 = valid) and (size()+7)/8 bytes.
//   4. offsets[0] == 0, offsets is non-decreasing, offsets.back() == chars.size().
//      Plain form: offsets has size()+1 entries; string i is chars[offsets[i], offsets[i+1]).
//   5. Dictionary form (string-stored types only, is_dictionary()): offsets and chars hold
//      the distinct entries (entry e is chars[offsets[e], offsets[e+1])), and codes holds one
//      entry number per row, each < dictionary_size(). Entries may be unused (e.g. after
//      Truncate); a NULL row's entry is "". Rows read the same in either form: the form is a
//      representation, chosen for memory and speed (low-cardinality strings are hashed once
//      per distinct value by flush, compaction and grouping, not once per row).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "types/data_type.h"
#include "types/default_init_allocator.h"

namespace strata::types {

// Payloads of fixed-width values: resize(n) leaves new slots uninitialised (decoders and
// selections write every slot they size); invariant 2 below still holds for NULL slots,
// which are always written explicitly.
using IntBuffer = std::vector<int64_t, DefaultInitAllocator<int64_t>>;
using DoubleBuffer = std::vector<double, DefaultInitAllocator<double>>;

class ColumnVector {
 public:
  explicit ColumnVector(DataType type = DataType::kInt64) : type_(type) {}

  DataType type() const { return type_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void Reserve(size_t rows, size_t string_bytes = 0);
  // Empties the vector and returns it to plain form.
  void Clear();

  void AppendNull();
  void AppendBool(bool value);
  void AppendInt(int64_t value);  // kInt64 and kTimestamp.
  void AppendDouble(double value);
  void AppendString(std::string_view value);  // kString and kJson.
  // Appends `value`, which must hold the alternative matching type() or monostate.
  void AppendValue(const Value& value);
  // Appends rows [begin, end) of `other`. REQUIRES: other.type() == type(). An empty string
  // vector copying from a dictionary-form one takes the dictionary form.
  void AppendRange(const ColumnVector& other, size_t begin, size_t end);
  // Appends row `row_idx` of `other`. REQUIRES: other.type() == type().
  void AppendFrom(const ColumnVector& other, size_t row_idx);
  // Appends the rows of `other` listed in `rows`, in that order. REQUIRES: same type.
  void AppendSelected(const ColumnVector& other, std::span<const uint32_t> rows);

  bool has_nulls() const { return !validity_.empty(); }
  bool IsNull(size_t row_idx) const {
    return !validity_.empty() && (validity_[row_idx >> 3] & (1u << (row_idx & 7))) == 0;
  }
  size_t NullCount() const;

  bool BoolAt(size_t row_idx) const { return bools_[row_idx] != 0; }
  int64_t IntAt(size_t row_idx) const { return ints_[row_idx]; }
  double DoubleAt(size_t row_idx) const { return doubles_[row_idx]; }
  std::string_view StringAt(size_t row_idx) const {
    return DictionaryEntry(dictionary_ ? codes_[row_idx] : static_cast<uint32_t>(row_idx));
  }
  // The value of a row as a Value (monostate for NULL). For tests and slow paths.
  Value ValueAt(size_t row_idx) const;

  // Dictionary form (invariant 5).
  bool is_dictionary() const { return dictionary_; }
  size_t dictionary_size() const { return dictionary_ ? offsets_.size() - 1 : 0; }
  std::string_view DictionaryEntry(uint32_t entry) const {
    return std::string_view(chars_.data() + offsets_[entry], offsets_[entry + 1] - offsets_[entry]);
  }
  const std::vector<uint32_t>& codes() const { return codes_; }
  // Converts a plain string vector to dictionary form (one hash per row), keeping it plain
  // when more than `max_distinct_ratio` of the rows are distinct (dictionaries would not
  // pay). Returns whether the vector is in dictionary form afterwards.
  bool DictionaryEncode(double max_distinct_ratio = 0.5);
  // Converts a dictionary-form vector to plain form.
  void DictionaryDecode();

  // Raw payloads (invariant 1). Mutable access is for decoders that fill a vector in place;
  // they must restore the invariants through SetSize() (plain form) or
  // SetDictionarySize() (dictionary form: offsets/chars hold entries, codes the rows).
  const std::vector<uint8_t>& bools() const { return bools_; }
  const IntBuffer& ints() const { return ints_; }
  const DoubleBuffer& doubles() const { return doubles_; }
  const std::vector<uint32_t>& offsets() const { return offsets_; }
  const std::string& chars() const { return chars_; }
  const std::vector<uint8_t>& validity() const { return validity_; }
  std::vector<uint8_t>& mutable_bools() { return bools_; }
  IntBuffer& mutable_ints() { return ints_; }
  DoubleBuffer& mutable_doubles() { return doubles_; }
  std::vector<uint32_t>& mutable_offsets() { return offsets_; }
  std::string& mutable_chars() { return chars_; }
  std::vector<uint8_t>& mutable_validity() { return validity_; }
  std::vector<uint32_t>& mutable_codes() { return codes_; }
  void SetSize(size_t rows) { size_ = rows; }
  void SetDictionarySize(size_t rows);

  // Drops every row from `rows` on, keeping the capacity (decoders roll back a rejected
  // record this way). Validity becomes empty again when no NULL is left (invariant 3);
  // dictionary entries stay. REQUIRES: rows <= size().
  void Truncate(size_t rows);

  // Converts an int64 column to float64 in place (schema widening).
  void WidenToFloat64();

  // Bytes held by the payloads, for memory accounting.
  size_t MemoryBytes() const;

 private:
  void MarkValid();
  void MarkNull();
  // Dictionary form: the entry holding `value`, added when missing.
  uint32_t FindOrAddEntry(std::string_view value);
  void RebuildDictionaryIndex();
  // Appends the `count` rows of `other` that `rows` visits when either vector is in
  // dictionary form: between two dictionary-form vectors through a translation of other's
  // entries (each looked up once), else row by row.
  template <typename RowRange>
  void AppendWithDictionary(const ColumnVector& other, const RowRange& rows, size_t count);

  DataType type_;
  size_t size_ = 0;
  std::vector<uint8_t> bools_;
  IntBuffer ints_;
  DoubleBuffer doubles_;
  std::vector<uint32_t> offsets_{0};
  std::string chars_;
  std::vector<uint8_t> validity_;
  bool dictionary_ = false;
  std::vector<uint32_t> codes_;
  // Dictionary form: open-addressing index over the entries (entry + 1; 0 = empty slot);
  // empty until a lookup needs it, and cleared by decoders that replace the entries.
  std::vector<uint32_t> dictionary_index_;
};

// Whether `type` is stored in ints(), doubles(), bools() or offsets()/chars().
bool IsIntegerStored(DataType type);
bool IsStringStored(DataType type);

}  // namespace strata::types
