#include "service/memory_budget.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace strata::service {
namespace {

TEST(MemoryBudgetTest, RefusesBeyondCapacityAndReturnsOnRelease) {
  MemoryBudget budget(100);
  auto first = std::make_unique<Result<MemoryBudget::Reservation>>(budget.Reserve(60));
  ASSERT_TRUE(first->ok());
  EXPECT_EQ(budget.used(), 60u);
  Result<MemoryBudget::Reservation> second = budget.Reserve(50);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().problem_code(), "overloaded");
  {
    Result<MemoryBudget::Reservation> third = budget.Reserve(40);
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(budget.used(), 100u);
  }
  EXPECT_EQ(budget.used(), 60u);
  first.reset();  // Releases the first reservation.
  EXPECT_EQ(budget.used(), 0u);
}

TEST(MemoryBudgetTest, OneOversizedReservationPassesAlone) {
  MemoryBudget budget(10);
  Result<MemoryBudget::Reservation> big = budget.Reserve(1000);
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE(budget.Reserve(1).ok());
}

TEST(MemoryBudgetTest, ConcurrentReservationsNeverExceedTheCapacity) {
  MemoryBudget budget(1000);
  std::atomic<size_t> peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        Result<MemoryBudget::Reservation> held = budget.Reserve(300);
        if (!held.ok()) continue;
        size_t now = budget.used();
        size_t seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(peak.load(), 1000u);
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace strata::service
