#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "storage/env/env.h"
#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_reader.h"
#include "storage/wal/wal_writer.h"
#include "storage_test_util.h"

namespace strata::storage {
namespace {

using testing::TempDir;

// Writes without fsync: these tests rewrite a file thousands of times.
void WriteRaw(const std::string& path, std::string_view data) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), file), data.size());
  std::fclose(file);
}

std::vector<std::string> Payloads() {
  std::vector<std::string> payloads;
  std::mt19937 rng(7);
  for (size_t size : {0u, 1u, 17u, 200u, 3u, 64u}) {
    std::string payload(size, '\0');
    for (char& c : payload) c = static_cast<char>(rng());
    payloads.push_back(std::move(payload));
  }
  return payloads;
}

std::string WriteLog(const std::string& path, const std::vector<std::string>& payloads) {
  auto writer = WalWriter::Open(Env::Default(), path, nullptr, "ds");
  EXPECT_TRUE(writer.ok());
  for (const std::string& payload : payloads) {
    EXPECT_OK(writer.value()->Stage(WalRecordType::kBatch, payload));
  }
  EXPECT_OK(writer.value()->Commit(true));
  EXPECT_OK(writer.value()->Close());
  return Env::Default()->ReadFile(path).value();
}

Result<WalReadResult> ReadAll(const std::string& path, WalDamagePolicy policy,
                              std::vector<std::string>* out) {
  out->clear();
  return ReadWal(Env::Default(), path, nullptr, "ds", policy, [&](const WalRecord& record) {
    out->emplace_back(record.payload);
    return Status();
  });
}

TEST(WalTest, RecordsRoundTrip) {
  TempDir dir;
  const std::string path = dir.path() + "/wal.log";
  const std::vector<std::string> payloads = Payloads();
  WriteLog(path, payloads);
  std::vector<std::string> read;
  ASSERT_OK_AND_ASSIGN(WalReadResult result, ReadAll(path, WalDamagePolicy::kFail, &read));
  EXPECT_EQ(read, payloads);
  EXPECT_FALSE(result.torn_tail);
}

// A crash can cut the file anywhere: every prefix reads as whole records plus a torn tail,
// never an error and never a partial record.
TEST(WalTest, EveryTruncationIsATornTail) {
  TempDir dir;
  const std::string path = dir.path() + "/wal.log";
  const std::vector<std::string> payloads = Payloads();
  const std::string full = WriteLog(path, payloads);
  std::vector<size_t> boundaries = {0};
  for (const std::string& payload : payloads) {
    boundaries.push_back(boundaries.back() + kWalHeaderBytes + payload.size());
  }
  for (size_t length = 0; length <= full.size(); ++length) {
    WriteRaw(path, full.substr(0, length));
    std::vector<std::string> read;
    ASSERT_OK_AND_ASSIGN(WalReadResult result,
                         ReadAll(path, WalDamagePolicy::kTornTailOnly, &read));
    const size_t whole =
        std::upper_bound(boundaries.begin(), boundaries.end(), length) - boundaries.begin() - 1;
    ASSERT_EQ(read.size(), whole) << "length " << length;
    EXPECT_TRUE(std::equal(read.begin(), read.end(), payloads.begin()));
    EXPECT_EQ(result.torn_tail, length != boundaries[whole]) << "length " << length;
    EXPECT_EQ(result.valid_bytes, boundaries[whole]);
  }
}

// A flipped bit anywhere is detected: before the last record it is Corruption (the dataset
// does not open); in the last record it is a torn tail. No damaged payload is ever returned.
TEST(WalTest, EveryBitFlipIsDetected) {
  TempDir dir;
  const std::string path = dir.path() + "/wal.log";
  const std::vector<std::string> payloads = Payloads();
  const std::string full = WriteLog(path, payloads);
  const size_t last_record = full.size() - kWalHeaderBytes - payloads.back().size();
  for (size_t offset = 0; offset < full.size(); ++offset) {
    for (int bit : {0, 5}) {
      std::string damaged = full;
      damaged[offset] = static_cast<char>(damaged[offset] ^ (1 << bit));
      WriteRaw(path, damaged);
      std::vector<std::string> read;
      Result<WalReadResult> result = ReadAll(path, WalDamagePolicy::kTornTailOnly, &read);
      for (size_t i = 0; i < read.size(); ++i) ASSERT_EQ(read[i], payloads[i]) << offset;
      if (result.ok()) {
        // Only damage inside the last record may pass as a torn write.
        EXPECT_TRUE(result.value().torn_tail) << "offset " << offset;
        EXPECT_GE(offset, last_record) << "damage before the last record passed as torn";
        EXPECT_EQ(read.size(), payloads.size() - 1);
      } else {
        EXPECT_EQ(result.status().code(), StatusCode::kCorruption);
        EXPECT_NE(result.status().message().find(path), std::string_view::npos);
      }
    }
  }
}

TEST(WalTest, StopAtDamageKeepsThePrefix) {
  TempDir dir;
  const std::string path = dir.path() + "/wal.log";
  const std::vector<std::string> payloads = Payloads();
  std::string full = WriteLog(path, payloads);
  full[kWalHeaderBytes] ^= 1;  // The first record's payload: damage before the end.
  WriteRaw(path, full);
  std::vector<std::string> read;
  EXPECT_EQ(ReadAll(path, WalDamagePolicy::kTornTailOnly, &read).status().code(),
            StatusCode::kCorruption);
  ASSERT_OK_AND_ASSIGN(WalReadResult result, ReadAll(path, WalDamagePolicy::kStopAtDamage, &read));
  EXPECT_TRUE(result.torn_tail);
}

// A file system that extends a file before writing it can leave zeros after a crash.
TEST(WalTest, ZeroFilledTailIsATornTail) {
  TempDir dir;
  const std::string path = dir.path() + "/wal.log";
  const std::vector<std::string> payloads = Payloads();
  WriteRaw(path, WriteLog(path, payloads) + std::string(100, '\0'));
  std::vector<std::string> read;
  ASSERT_OK_AND_ASSIGN(WalReadResult result, ReadAll(path, WalDamagePolicy::kTornTailOnly, &read));
  EXPECT_TRUE(result.torn_tail);
  EXPECT_EQ(read, payloads);
}

TEST(BatchCodecTest, RoundTripsEveryTypeWithNulls) {
  types::Batch batch = testing::MetricsBatch(0, 50);
  types::ColumnVector flags(types::DataType::kBool);
  types::ColumnVector doc(types::DataType::kJson);
  for (int i = 0; i < 50; ++i) {
    if (i % 3 == 0)
      flags.AppendNull();
    else
      flags.AppendBool(i % 2 == 0);
    doc.AppendString(i % 5 == 0 ? "" : R"({"a":1})");
  }
  batch.field_ids.push_back(9);
  batch.columns.push_back(std::move(flags));
  batch.field_ids.push_back(10);
  batch.columns.push_back(std::move(doc));
  ByteWriter out;
  EncodeBatchRecord(42, batch, out);
  int64_t first_seq = 0;
  types::Batch decoded;
  ASSERT_OK(DecodeBatchRecord(out.buffer(), &first_seq, &decoded));
  EXPECT_EQ(first_seq, 42);
  ASSERT_EQ(decoded.num_rows, 50u);
  ASSERT_EQ(decoded.field_ids, batch.field_ids);
  for (size_t col = 0; col < batch.columns.size(); ++col) {
    for (size_t row = 0; row < 50; ++row) {
      EXPECT_EQ(decoded.columns[col].ValueAt(row), batch.columns[col].ValueAt(row));
    }
  }
  // Every truncation is refused cleanly.
  for (size_t length = 0; length < out.size(); ++length) {
    EXPECT_FALSE(
        DecodeBatchRecord(std::string_view(out.buffer()).substr(0, length), &first_seq, &decoded)
            .ok());
  }
}

TEST(BatchCodecTest, KeepsDictionaryFormAndShrinksTheRecord) {
  types::Batch batch = testing::MetricsBatch(0, 1000, testing::kT0, 1'000'000, 300);
  types::ColumnVector tag(types::DataType::kString);
  for (int i = 0; i < 1000; ++i) {
    if (i % 11 == 0) {
      tag.AppendNull();
    } else {
      tag.AppendString(i % 2 == 0 ? "even" : "odd");
    }
  }
  batch.field_ids.push_back(9);
  batch.columns.push_back(std::move(tag));
  ByteWriter plain;
  EncodeBatchRecord(7, batch, plain);
  for (types::ColumnVector& column : batch.columns) column.DictionaryEncode();
  ASSERT_TRUE(batch.columns[1].is_dictionary());  // 300 hosts in 1000 rows.
  ASSERT_TRUE(batch.columns[4].is_dictionary());
  ByteWriter dictionary;
  EncodeBatchRecord(7, batch, dictionary);
  EXPECT_LT(dictionary.size(), plain.size());
  int64_t first_seq = 0;
  types::Batch decoded;
  ASSERT_OK(DecodeBatchRecord(dictionary.buffer(), &first_seq, &decoded));
  EXPECT_TRUE(decoded.columns[1].is_dictionary());
  EXPECT_EQ(decoded.columns[1].dictionary_size(), 300u);
  for (size_t col = 0; col < batch.columns.size(); ++col) {
    for (size_t row = 0; row < batch.num_rows; ++row) {
      ASSERT_EQ(decoded.columns[col].ValueAt(row), batch.columns[col].ValueAt(row));
    }
  }
  for (size_t length = 0; length < dictionary.size(); ++length) {
    EXPECT_FALSE(DecodeBatchRecord(std::string_view(dictionary.buffer()).substr(0, length),
                                   &first_seq, &decoded)
                     .ok());
  }
}

TEST(BatchCodecTest, RejectsDictionaryCodesOutOfRange) {
  types::Batch batch;
  batch.num_rows = 3;
  batch.field_ids = {1};
  types::ColumnVector column(types::DataType::kString);
  for (const char* value : {"a", "b", "a"}) column.AppendString(value);
  ASSERT_TRUE(column.DictionaryEncode(1.0));
  batch.columns.push_back(std::move(column));
  ByteWriter out;
  EncodeBatchRecord(1, batch, out);
  // The last byte is the third row's one-byte code: point it past the two entries.
  std::string bad = out.buffer();
  bad.back() = 2;
  int64_t first_seq = 0;
  types::Batch decoded;
  EXPECT_EQ(DecodeBatchRecord(bad, &first_seq, &decoded).code(), StatusCode::kCorruption);
  bad.back() = 1;
  EXPECT_OK(DecodeBatchRecord(bad, &first_seq, &decoded));
}

TEST(BatchCodecTest, CarriesACommitNote) {
  types::Batch batch = testing::MetricsBatch(0, 3);
  types::CommitNote note{"principal\nkey", std::string("payload\0with nul", 17)};
  ByteWriter out;
  EncodeBatchRecord(5, batch, out, &note);
  int64_t first_seq = 0;
  types::Batch decoded;
  std::optional<types::CommitNote> read;
  ASSERT_OK(DecodeBatchRecord(out.buffer(), &first_seq, &decoded, &read));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->key, note.key);
  EXPECT_EQ(read->payload, note.payload);
  EXPECT_EQ(decoded.num_rows, 3u);
  ByteWriter plain;
  EncodeBatchRecord(5, batch, plain);
  ASSERT_OK(DecodeBatchRecord(plain.buffer(), &first_seq, &decoded, &read));
  EXPECT_FALSE(read.has_value());
  // A cut note, or bytes after it, is corruption.
  for (size_t length = plain.size() + 1; length < out.size(); ++length) {
    EXPECT_FALSE(DecodeBatchRecord(std::string_view(out.buffer()).substr(0, length), &first_seq,
                                   &decoded, &read)
                     .ok());
  }
  EXPECT_FALSE(DecodeBatchRecord(out.buffer() + "x", &first_seq, &decoded, &read).ok());
}

}  // namespace
}  // namespace strata::storage
