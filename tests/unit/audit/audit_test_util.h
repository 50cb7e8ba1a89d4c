// Helpers for the audit log tests: a temporary directory, whole-file reads and writes, and
// a log filled with numbered events.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "audit/audit_files.h"
#include "audit/audit_log.h"
#include "security/crypto.h"

namespace strata::audit::testing {

class TempDir {
 public:
  TempDir() {
    std::string templ = ::testing::TempDir() + "/strata_audit_XXXXXX";
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteWholeFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

// Lines without their '\n'; a last line without one is kept as it is.
inline std::vector<std::string> SplitLines(const std::string& data) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < data.size()) {
    size_t end = data.find('\n', begin);
    if (end == std::string::npos) {
      lines.push_back(data.substr(begin));
      break;
    }
    lines.push_back(data.substr(begin, end - begin));
    begin = end + 1;
  }
  return lines;
}

inline std::string JoinLines(const std::vector<std::string>& lines) {
  std::string data;
  for (const std::string& line : lines) data += line + "\n";
  return data;
}

// Segment file names of `dir`, in order.
inline std::vector<std::string> Segments(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (ParseSegmentName(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline AuditEvent NumberedEvent(int n, std::string principal = "key:tester") {
  AuditEvent event;
  event.principal = std::move(principal);
  event.action = n % 2 == 0 ? "datasets.create" : "data.read";
  event.dataset = n % 3 == 0 ? "cpu" : "mem";
  event.resource = "/v1/datasets/" + event.dataset;
  event.outcome = Outcome::kSuccess;
  event.status = 200;
  event.request_id = "req-" + std::to_string(n);
  event.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  event.details = json::Value::Object(
      {{"n", json::Value::Int(n)}, {"note", json::Value::String("event " + std::to_string(n))}});
  return event;
}

// A fixed signing key, so that tests can also verify with its public key.
inline std::string TestPrivateKey() { return std::string(32, '\x07'); }
inline std::string TestPublicKey() { return security::Ed25519PublicKey(TestPrivateKey()); }

}  // namespace strata::audit::testing
