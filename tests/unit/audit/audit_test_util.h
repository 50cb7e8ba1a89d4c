// Helpers for the audit log tests: a temporary directory, whole-file reads and writes, and
// a log filled with numbered events.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <atomic>
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
#include "storage/env/env.h"

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

// The real file system, counting the fsyncs of the files it creates.
class CountingEnv final : public storage::Env {
 public:
  std::atomic<int> syncs{0};

  Result<std::unique_ptr<storage::WritableFile>> NewWritableFile(const std::string& path) override {
    return Wrap(base_->NewWritableFile(path));
  }
  Result<std::unique_ptr<storage::WritableFile>> NewAppendableFile(
      const std::string& path) override {
    return Wrap(base_->NewAppendableFile(path));
  }
  Result<std::unique_ptr<storage::RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  Result<std::string> ReadFile(const std::string& path) override { return base_->ReadFile(path); }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_->ListDir(dir);
  }
  Status CreateDirs(const std::string& dir) override { return base_->CreateDirs(dir); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status DeleteFile(const std::string& path) override { return base_->DeleteFile(path); }
  Status DeleteDirRecursive(const std::string& dir) override {
    return base_->DeleteDirRecursive(dir);
  }
  Status TruncateFile(const std::string& path, uint64_t size) override {
    return base_->TruncateFile(path, size);
  }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Result<uint64_t> FreeBytes(const std::string& path) override { return base_->FreeBytes(path); }

 private:
  class File final : public storage::WritableFile {
   public:
    File(std::unique_ptr<storage::WritableFile> base, std::atomic<int>& syncs)
        : base_(std::move(base)), syncs_(syncs) {}
    Status Append(std::string_view data) override { return base_->Append(data); }
    Status Sync() override {
      syncs_.fetch_add(1);
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }
    uint64_t Size() const override { return base_->Size(); }
    const std::string& path() const override { return base_->path(); }

   private:
    std::unique_ptr<storage::WritableFile> base_;
    std::atomic<int>& syncs_;
  };
  Result<std::unique_ptr<storage::WritableFile>> Wrap(
      Result<std::unique_ptr<storage::WritableFile>> file) {
    if (!file.ok()) return file.status();
    return std::unique_ptr<storage::WritableFile>(new File(std::move(file).value(), syncs));
  }
  storage::Env* base_ = storage::Env::Default();
};

// A fixed signing key, so that tests can also verify with its public key.
inline std::string TestPrivateKey() { return std::string(32, '\x07'); }
inline std::string TestPublicKey() { return security::Ed25519PublicKey(TestPrivateKey()); }

}  // namespace strata::audit::testing
