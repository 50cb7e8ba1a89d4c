#include "storage/encoding/value_codec.h"

#include <cstring>

namespace strata::storage {

void PutTaggedValue(ByteWriter& out, const types::Value& value) {
  out.PutU8(static_cast<uint8_t>(value.index()));
  if (const bool* b = std::get_if<bool>(&value)) {
    out.PutU8(*b ? 1 : 0);
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    out.PutZigzag64(*i);
  } else if (const double* d = std::get_if<double>(&value)) {
    uint64_t bits = 0;
    std::memcpy(&bits, d, 8);
    out.PutFixed64(bits);
  } else if (const std::string* s = std::get_if<std::string>(&value)) {
    out.PutLengthPrefixed(*s);
  }
}

bool GetTaggedValue(ByteReader& in, types::Value* value) {
  uint8_t tag = 0;
  if (!in.GetU8(&tag)) return false;
  switch (tag) {
    case 0: *value = std::monostate{}; return true;
    case 1: {
      uint8_t b = 0;
      if (!in.GetU8(&b)) return false;
      *value = b != 0;
      return true;
    }
    case 2: {
      int64_t i = 0;
      if (!in.GetZigzag64(&i)) return false;
      *value = i;
      return true;
    }
    case 3: {
      uint64_t bits = 0;
      if (!in.GetFixed64(&bits)) return false;
      double d = 0;
      std::memcpy(&d, &bits, 8);
      *value = d;
      return true;
    }
    case 4: {
      std::string_view s;
      if (!in.GetLengthPrefixed(&s)) return false;
      *value = std::string(s);
      return true;
    }
    default: return false;
  }
}

}  // namespace strata::storage
