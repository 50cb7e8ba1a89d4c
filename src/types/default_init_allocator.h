// DefaultInitAllocator: std::allocator, except that value-initialising an element (what
// vector::resize(n) and vector(n) do) default-initialises it instead, which leaves trivial
// types such as int64_t and double uninitialised. For buffers that are written in full right
// after they are sized (decoders, selections), where zero-filling first costs a pass over the
// memory. Explicit values (resize(n, v), assign, push_back) initialise as usual.
// Thread safety: stateless; all instances compare equal.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace strata::types {

template <typename T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };

  DefaultInitAllocator() noexcept = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}  // NOLINT: rebinding.

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <typename U>
  friend bool operator==(const DefaultInitAllocator&, const DefaultInitAllocator<U>&) noexcept {
    return true;
  }
};

}  // namespace strata::types
