// Result<T>: a T or a non-OK Status, never an OK Status.
// Thread safety: as T.
#pragma once

#include <optional>
#include <utility>

#include "common/check.h"
#include "common/status.h"

namespace strata {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    STRATA_CHECK(!status_.ok());
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  const T& value() const& {
    STRATA_DCHECK(ok());
    return *value_;
  }
  T& value() & {
    STRATA_DCHECK(ok());
    return *value_;
  }
  T value() && {
    STRATA_DCHECK(ok());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;  // OK iff value_ is engaged.
  std::optional<T> value_;
};

}  // namespace strata

// Evaluates `expr` (a Result<T>); returns its Status when not OK, else binds `decl` to the value.
#define STRATA_ASSIGN_OR_RETURN(decl, expr) \
  STRATA_ASSIGN_OR_RETURN_IMPL(STRATA_CONCAT(strata_result_, __LINE__), decl, expr)
#define STRATA_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  decl = std::move(tmp).value()
