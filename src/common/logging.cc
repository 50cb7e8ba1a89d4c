#include "common/logging.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/time_util.h"

namespace strata {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

void WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return;  // Nowhere to report a failure to log; drop the rest.
    done += static_cast<size_t>(n);
  }
}

// Buffers lines; a background thread writes them to stderr.
class LogSink {
 public:
  static LogSink& Get() {
    static LogSink* sink = new LogSink();  // Never destroyed: usable during static teardown.
    return *sink;
  }

  void Append(std::string&& line, bool urgent) {
    std::unique_lock lock(mu_);
    if (!running_ || urgent) {
      buffer_ += line;
      std::string out;
      out.swap(buffer_);
      std::lock_guard write_lock(write_mu_);
      lock.unlock();
      WriteAll(STDERR_FILENO, out);
      return;
    }
    buffer_ += line;
    if (buffer_.size() > (1 << 16)) cv_.notify_one();
  }

  void Flush() {
    std::unique_lock lock(mu_);
    std::string out;
    out.swap(buffer_);
    std::lock_guard write_lock(write_mu_);
    lock.unlock();
    WriteAll(STDERR_FILENO, out);
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (!running_) return;
      running_ = false;
    }
    cv_.notify_one();
    thread_.join();
    Flush();
  }

 private:
  LogSink() : thread_([this] { Run(); }) {}

  void Run() {
    std::unique_lock lock(mu_);
    while (running_) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      if (buffer_.empty()) continue;
      std::string out;
      out.swap(buffer_);
      {
        std::lock_guard write_lock(write_mu_);
        lock.unlock();
        WriteAll(STDERR_FILENO, out);
      }  // write_mu_ is released before mu_ is taken again: mu_ -> write_mu_ is the only order.
      lock.lock();
    }
  }

  std::mutex mu_;        // Guards buffer_ and running_.
  std::mutex write_mu_;  // Keeps writes in order; taken while mu_ is held, then mu_ released.
  std::condition_variable cv_;
  std::string buffer_;
  bool running_ = true;
  std::thread thread_;
};

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel& out) {
  if (text == "debug") {
    out = LogLevel::kDebug;
  } else if (text == "info") {
    out = LogLevel::kInfo;
  } else if (text == "warn") {
    out = LogLevel::kWarn;
  } else if (text == "error") {
    out = LogLevel::kError;
  } else {
    return false;
  }
  return true;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}
void FlushLogs() { LogSink::Get().Flush(); }
void StopLogWriter() { LogSink::Get().Stop(); }

LogLine::LogLine(LogLevel level, std::string_view message) : level_(level) {
  writer_.BeginObject();
  writer_.Member("ts", FormatRfc3339(NowMicros()));
  writer_.Member("level", LogLevelName(level));
  writer_.Member("msg", message);
}

LogLine::~LogLine() {
  writer_.EndObject();
  std::string line = writer_.Take();
  line.push_back('\n');
  LogSink::Get().Append(std::move(line), level_ >= LogLevel::kWarn);
}

}  // namespace strata
