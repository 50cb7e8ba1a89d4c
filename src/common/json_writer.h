// JsonWriter: a small, allocation-light JSON encoder that appends to one std::string.
// Thread safety: none; one writer per thread.
// Invariant: calls describe one well-formed value (keys only directly inside objects);
// misuse is a bug and trips a debug check, never produces output that looks valid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(256); }

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // REQUIRES: directly inside an object, and the previous call was not Key().
  void Key(std::string_view key);

  void String(std::string_view value);
  void Int(int64_t value);
  void UInt(uint64_t value);
  // Non-finite values have no JSON form and are written as null.
  void Double(double value);
  void Bool(bool value);
  void Null();
  // Appends `json`, which must already be one encoded JSON value.
  void Raw(std::string_view json);

  // Shorthands for a member: Key(key) followed by the value.
  void Member(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  void Member(std::string_view key, const char* value) {
    Key(key);
    String(value);
  }
  void Member(std::string_view key, int64_t value) {
    Key(key);
    Int(value);
  }
  void Member(std::string_view key, int value) {
    Key(key);
    Int(value);
  }
  void Member(std::string_view key, uint64_t value) {
    Key(key);
    UInt(value);
  }
  void Member(std::string_view key, double value) {
    Key(key);
    Double(value);
  }
  void Member(std::string_view key, bool value) {
    Key(key);
    Bool(value);
  }

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  std::vector<bool> has_items_;  // One entry per open container: does it have an item yet?
  bool after_key_ = false;
};

// Appends `value` to `out` as a quoted, escaped JSON string.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace strata
