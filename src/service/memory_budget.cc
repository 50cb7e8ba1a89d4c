#include "service/memory_budget.h"

#include <string>

namespace strata::service {

Result<MemoryBudget::Reservation> MemoryBudget::Reserve(size_t bytes) {
  size_t used = used_.load();
  while (true) {
    const bool fits = used + bytes <= capacity_ || used == 0;
    if (!fits) {
      return Status::Unavailable("the server is ingesting " + std::to_string(used) +
                                 " bytes, its budget (ingest.memory_budget_bytes) is " +
                                 std::to_string(capacity_) + "; retry shortly")
          .WithProblemCode("overloaded");
    }
    if (used_.compare_exchange_weak(used, used + bytes)) return Reservation(this, bytes);
  }
}

}  // namespace strata::service
