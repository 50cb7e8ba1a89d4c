// MemoryBudget: bytes that requests in flight may hold at once on this node (ingest bodies and
// the batches decoded from them). A request that would go over waits for nobody: it is
// refused with 503 overloaded and Retry-After, so memory stays bounded under any load and the
// client retries once the requests ahead have finished.
// Thread safety: thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <utility>

#include "common/result.h"

namespace strata::service {

class MemoryBudget {
 public:
  // Bytes held while alive; returned on destruction.
  class Reservation {
   public:
    Reservation(Reservation&& other) noexcept
        : budget_(other.budget_), bytes_(std::exchange(other.bytes_, 0)) {}
    Reservation& operator=(Reservation&&) = delete;
    Reservation(const Reservation&) = delete;
    ~Reservation() {
      if (bytes_ > 0) budget_->used_.fetch_sub(bytes_);
    }
    size_t bytes() const { return bytes_; }

   private:
    friend class MemoryBudget;
    Reservation(MemoryBudget* budget, size_t bytes) : budget_(budget), bytes_(bytes) {}
    MemoryBudget* budget_;
    size_t bytes_;
  };

  explicit MemoryBudget(size_t capacity) : capacity_(capacity) {}

  // Reserves `bytes`, or answers Unavailable (problem code overloaded) when that would exceed
  // the capacity. A reservation larger than the whole capacity is granted when nothing else
  // is held, so one large request (bounded by the body limits) still gets through alone.
  Result<Reservation> Reserve(size_t bytes);

  size_t used() const { return used_.load(); }
  size_t capacity() const { return capacity_; }

 private:
  const size_t capacity_;
  std::atomic<size_t> used_{0};
};

}  // namespace strata::service
