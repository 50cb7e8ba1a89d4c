// Cancellation: a flag that long work polls to stop early — set when the client of a request
// disconnects, when a deadline passes, or on shutdown.
// Thread safety: thread-safe; Cancel() may be called from any thread, any number of times.
#pragma once

#include <atomic>
#include <memory>

namespace strata {

class Cancellation {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

using CancellationPtr = std::shared_ptr<Cancellation>;

}  // namespace strata
