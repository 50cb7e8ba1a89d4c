// Env: the file operations the engine uses, behind an interface so tests can inject faults
// (failed writes and syncs, a full disk) without touching the real disk's behaviour.
// Thread safety: Env methods are thread-safe. A WritableFile or RandomAccessFile is used by
// one thread at a time, except RandomAccessFile::Read, which is safe from many threads.
// Errors: ENOSPC and EDQUOT become Status::InsufficientStorage; other failures IoError; every
// message names the path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata::storage {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes every appended byte durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes in the file, including appended ones not yet synced.
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly n bytes at offset into out (replacing). A short file is Corruption.
  virtual Status Read(uint64_t offset, size_t n, std::string& out) const = 0;
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The real file system. Never null; lives for the process.
  static Env* Default();

  // Creates (or truncates) path for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens path for appending at its end, creating it when missing.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Names (not paths) of the entries of dir, sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  virtual Status CreateDirs(const std::string& dir) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status DeleteFile(const std::string& path) = 0;
  virtual Status DeleteDirRecursive(const std::string& dir) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // fsyncs a directory so that entries created, renamed or deleted in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Bytes available to this process on the file system holding path.
  virtual Result<uint64_t> FreeBytes(const std::string& path) = 0;
};

// Writes data to path atomically: a temporary file, fsync, rename over path, fsync of the
// directory. Readers see the old or the new content, never a mix.
Status WriteFileAtomically(Env* env, const std::string& path, std::string_view data);

// "dir/name".
std::string JoinPath(std::string_view dir, std::string_view name);
std::string DirName(std::string_view path);
std::string BaseName(std::string_view path);

}  // namespace strata::storage
