// Encryption at rest end to end: nothing of an encrypted dataset is readable in any file,
// a wrong master key fails at open, and altered or moved blocks are detected.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "storage/crypto/master_key.h"
#include "storage/engine/key_store.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::MetricsLayout;
using testing::ScanRows;
using testing::TempDir;
using testing::TestOptions;

constexpr std::string_view kSentinel = "SENTINEL-7f3a9c-do-not-leak";

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

types::Batch SentinelBatch(int64_t first, size_t rows) {
  types::Batch batch = testing::MetricsBatch(first, rows);
  types::ColumnVector hosts(types::DataType::kString);
  for (size_t i = 0; i < rows; ++i)
    hosts.AppendString(std::string(kSentinel) + "-" + std::to_string(i % 3));
  batch.columns[1] = std::move(hosts);
  return batch;
}

class StorageEncryptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteKey(key_file_, 'k');
    WriteKey(other_key_file_, 'x');
  }

  static void WriteKey(const std::string& path, char fill) {
    std::ofstream(path) << std::string(64, fill == 'k' ? 'a' : 'b') << "\n";
  }

  Status Open(const std::string& key_file) {
    if (engine_ != nullptr) engine_->Close().IgnoreError();
    engine_.reset();
    StorageOptions options = TestOptions(dir_.path());
    options.master_key_file = key_file;
    STRATA_ASSIGN_OR_RETURN(engine_, StorageEngine::Open(options));
    return engine_->OpenDataset(MetricsLayout());
  }

  // Every byte of every file under the data directory.
  std::vector<std::pair<std::string, std::string>> AllFiles() const {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
      if (entry.is_regular_file()) files.emplace_back(entry.path(), ReadAll(entry.path()));
    }
    return files;
  }

  TempDir dir_;
  TempDir keys_;
  std::string key_file_ = keys_.path() + "/master.key";
  std::string other_key_file_ = keys_.path() + "/other.key";
  std::unique_ptr<StorageEngine> engine_;
};

TEST_F(StorageEncryptionTest, SentinelNeverAppearsInAnyFile) {
  ASSERT_OK(Open(key_file_));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(0, 300)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(300, 300)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Compact("metrics", 1));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(600, 50)).status());  // Only in the WAL.
  ASSERT_OK(
      engine_->DeleteWhere("metrics", {{2, types::CompareOp::kEq, {std::string(kSentinel) + "-1"}}})
          .status());
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 650u - 217u);
  const std::vector<std::pair<std::string, std::string>> files = AllFiles();
  ASSERT_GE(files.size(), 4u);
  for (const auto& [path, content] : files) {
    EXPECT_EQ(content.find(kSentinel), std::string::npos) << "plaintext in " << path;
    EXPECT_EQ(content.find("host_"), std::string::npos) << path;
  }
  // Reopening with the right key reads everything back.
  ASSERT_OK(Open(key_file_));
  ASSERT_OK_AND_ASSIGN(rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 650u - 217u);
}

TEST_F(StorageEncryptionTest, WithoutEncryptionTheSentinelIsVisible) {
  // The control for the test above: the sentinel is findable when nothing is encrypted.
  ASSERT_OK(Open(""));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(0, 10)).status());
  bool found = false;
  for (const auto& [path, content] : AllFiles())
    found = found || content.find(kSentinel) != std::string::npos;
  EXPECT_TRUE(found);
}

TEST_F(StorageEncryptionTest, WrongMasterKeyFailsAtOpen) {
  ASSERT_OK(Open(key_file_));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(0, 10)).status());
  engine_->Close().IgnoreError();
  engine_.reset();
  StorageOptions options = TestOptions(dir_.path());
  options.master_key_file = other_key_file_;
  Result<std::unique_ptr<StorageEngine>> wrong = StorageEngine::Open(options);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("master key"), std::string_view::npos)
      << wrong.status().ToString();
  // Without a key, the encrypted dataset says what it needs.
  EXPECT_EQ(Open("").code(), StatusCode::kInvalidArgument);
}

TEST_F(StorageEncryptionTest, RotationRewrapsDataKeys) {
  ASSERT_OK(Open(key_file_));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(0, 100)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Close());
  engine_.reset();
  ASSERT_OK_AND_ASSIGN(Key old_key, LoadMasterKey(key_file_));
  ASSERT_OK_AND_ASSIGN(Key new_key, LoadMasterKey(other_key_file_));
  ASSERT_OK(RewrapDataKeys(Env::Default(), dir_.path(), old_key, new_key));
  // Running it again (an interrupted rotation resumed) is harmless.
  ASSERT_OK(RewrapDataKeys(Env::Default(), dir_.path(), old_key, new_key));
  EXPECT_FALSE(Open(key_file_).ok());
  ASSERT_OK(Open(other_key_file_));
  ASSERT_OK_AND_ASSIGN(testing::Rows rows, ScanRows(*engine_, "metrics"));
  EXPECT_EQ(rows.rows.size(), 100u);
}

TEST_F(StorageEncryptionTest, TamperedAndMovedDataIsDetected) {
  ASSERT_OK(Open(key_file_));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(0, 300)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(300, 300)).status());
  ASSERT_OK(engine_->Flush("metrics"));
  ASSERT_OK(engine_->Close());
  engine_.reset();
  const std::string dir = dir_.path() + "/datasets/metrics/";
  std::vector<std::string> segments;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("seg-")) segments.push_back(entry.path());
  }
  ASSERT_EQ(segments.size(), 2u);
  // Swapping two segment files: each block is bound to its file name.
  const std::string a = ReadAll(segments[0]);
  const std::string b = ReadAll(segments[1]);
  std::ofstream(segments[0], std::ios::binary) << b;
  std::ofstream(segments[1], std::ios::binary) << a;
  Status swapped = Open(key_file_);
  EXPECT_EQ(swapped.code(), StatusCode::kCorruption) << swapped.ToString();
  EXPECT_NE(swapped.message().find("authentication"), std::string_view::npos) << swapped.ToString();
}

TEST_F(StorageEncryptionTest, SwappedWalRecordsAreDetected) {
  ASSERT_OK(Open(key_file_));
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(0, 20)).status());
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(20, 20)).status());
  ASSERT_OK(engine_->Append("metrics", SentinelBatch(40, 20)).status());
  ASSERT_OK(engine_->Close());
  engine_.reset();
  std::string wal_path;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() + "/datasets/metrics")) {
    if (entry.path().filename().string().starts_with("wal-")) wal_path = entry.path();
  }
  // Three records of equal length: swap the first two whole (their checksums stay valid).
  std::string wal = ReadAll(wal_path);
  ASSERT_EQ(wal.size() % 3, 0u);
  const size_t record = wal.size() / 3;
  std::string swapped = wal.substr(record, record) + wal.substr(0, record) + wal.substr(2 * record);
  std::ofstream(wal_path, std::ios::binary) << swapped;
  Status opened = Open(key_file_);
  EXPECT_EQ(opened.code(), StatusCode::kCorruption) << opened.ToString();
  EXPECT_NE(opened.message().find("authentication"), std::string_view::npos) << opened.ToString();
}

}  // namespace
}  // namespace strata::storage
