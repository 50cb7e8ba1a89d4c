// The sql::ValueTransform of each transforming field action (mask, hash, tokenize), built
// on the security layer's PII transforms (security/pii_transforms.h). The policy compiler
// puts them into the caller's PolicyContext; the executor applies them.
// Thread safety: the transforms are immutable and thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "security/pii_transforms.h"
#include "sql/value_transform.h"

namespace strata::service {

// Strings keep their last 4 characters; shared, it holds no key.
std::shared_ptr<const sql::ValueTransform> MaskTransform();
// Keyed hash under the dataset's hash key (the same for every field of the dataset).
std::shared_ptr<const sql::ValueTransform> HashTransform(const security::FieldTransformKeys& keys);
// Reversible token bound to the dataset and field `field_id`.
std::shared_ptr<const sql::ValueTransform> TokenTransform(const security::FieldTransformKeys& keys,
                                                          uint32_t field_id);

}  // namespace strata::service
