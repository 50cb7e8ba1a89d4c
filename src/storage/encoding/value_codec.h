// Tagged encoding of one Value, used by segment zone maps, manifests and WAL tombstones.
//
//   value := tag: u8 (0 NULL, 1 bool, 2 int64, 3 float64, 4 string) body
//   body  := bool u8 | int64 zigzag varint | float64 fixed64 (IEEE bits) | string varint
//            length + bytes
//
// Thread safety: pure functions.
#pragma once

#include "storage/encoding/byte_io.h"
#include "types/data_type.h"

namespace strata::storage {

void PutTaggedValue(ByteWriter& out, const types::Value& value);
[[nodiscard]] bool GetTaggedValue(ByteReader& in, types::Value* value);

}  // namespace strata::storage
