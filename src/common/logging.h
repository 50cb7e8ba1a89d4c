// Structured logging: one JSON object per line on stderr.
//
//   STRATA_LOG(kInfo, "request").Str("method", "GET").Int("status", 200);
//
// The line is written when the temporary LogLine is destroyed, at the end of the statement.
// Lines are appended to an in-memory buffer that a background thread writes out every
// 50 ms, so request threads never block on the terminal; warnings and errors are written at
// once. Thread safety: everything here is thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/json_writer.h"

namespace strata {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn", "error"; false on anything else.
bool ParseLogLevel(std::string_view text, LogLevel& out);
std::string_view LogLevelName(LogLevel level);

void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
// Writes everything buffered so far. Call before exit and before writing to stderr directly.
void FlushLogs();
// Stops the background writer after a final flush. Lines logged later are written at once.
void StopLogWriter();

class LogLine {
 public:
  LogLine(LogLevel level, std::string_view message);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Str(std::string_view key, std::string_view value) {
    writer_.Key(key);
    writer_.String(value);
    return *this;
  }
  LogLine& Int(std::string_view key, int64_t value) {
    writer_.Key(key);
    writer_.Int(value);
    return *this;
  }
  LogLine& Double(std::string_view key, double value) {
    writer_.Key(key);
    writer_.Double(value);
    return *this;
  }
  LogLine& Bool(std::string_view key, bool value) {
    writer_.Key(key);
    writer_.Bool(value);
    return *this;
  }

 private:
  LogLevel level_;
  JsonWriter writer_;
};

}  // namespace strata

#define STRATA_LOG(level, message)                        \
  if (!::strata::LogEnabled(::strata::LogLevel::level)) { \
  } else                                                  \
    ::strata::LogLine(::strata::LogLevel::level, message)
