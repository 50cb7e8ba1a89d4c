// ValueTransform: what a field policy shows the caller instead of a field's stored values
// (mask, hash, tokenize; docs/security.md "Row and field policies"). The binder wraps every
// reference to such a field in a FuncId::kTransform call, so filters, grouping, sorting and
// output all read the transformed value; row policies bind the raw field instead.
//
// Implementations live above sql and exec (the security layer's PII transforms, adapted by
// the service layer), so neither sql nor exec depends on a crypto library. The executor
// (exec/transform_kernel.cc) feeds a transform the canonical text of each non-NULL value —
// the text CAST(x AS string) gives (exec/value_text.h) — once per dictionary entry for
// dictionary-form strings, and keeps NULL as NULL.
// Thread safety: implementations are immutable and called from many executor threads.
#pragma once

#include <string>
#include <string_view>

namespace strata::sql {

class ValueTransform {
 public:
  virtual ~ValueTransform() = default;

  // Names the transform in plan text and EXPLAIN: "mask", "hash", "tokenize".
  virtual std::string_view name() const = 0;

  // Appends the transformed form of a non-NULL value, given by its canonical text, to `out`.
  // Deterministic: equal inputs give equal outputs, so grouping and DISTINCT still work.
  virtual void Apply(std::string_view text, std::string& out) const = 0;
};

}  // namespace strata::sql
