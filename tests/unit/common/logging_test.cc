#include "common/logging.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace strata {
namespace {

// Regression: the background writer took the write lock and then the buffer lock, while
// FlushLogs took them in the opposite order — a deadlock when both ran at once (found by
// the TSan build; `make tsan` runs this test).
TEST(LoggingTest, ConcurrentLoggingAndFlushingFinish) {
  SetLogLevel(LogLevel::kWarn);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300 && !stop.load(); ++i) {
        STRATA_LOG(kWarn, "logging_test: concurrent writer")
            .Int("thread", t)
            .Int("i", i)
            .Str("padding", std::string(120, 'x'));
        if (i % 50 == 0) FlushLogs();
        if (t == 0 && i % 100 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(60));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  FlushLogs();
  SetLogLevel(LogLevel::kInfo);
  SUCCEED();
}

}  // namespace
}  // namespace strata
