// Tampering with a closed audit log: every change to its files is found, at the right entry.
#include "audit/audit_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "audit/audit_log.h"
#include "audit_test_util.h"
#include "test_util.h"

namespace strata::audit {
namespace {

using ::testing::HasSubstr;
using namespace testing;  // NOLINT: the helpers of audit_test_util.h

constexpr int kEntries = 20;

class AuditVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AuditLogOptions options;
    options.dir = dir_.path();
    options.checkpoint_entries = 5;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> log, AuditLog::Open(options, TestPrivateKey()));
    for (int n = 1; n <= kEntries; ++n) ASSERT_OK(log->Append(NumberedEvent(n)));
    ASSERT_OK(log->Close());
    const std::vector<std::string> segments = Segments(dir_.path());
    ASSERT_EQ(segments.size(), 1u);
    segment_ = dir_.Sub(segments[0]);
    lines_ = SplitLines(ReadWholeFile(segment_));
    // 20 entries and a checkpoint after every 5th.
    ASSERT_EQ(lines_.size(), 24u);
    ASSERT_TRUE(Verify().ok);
  }

  VerifyReport Verify(const std::string& public_key = TestPublicKey()) {
    VerifyOptions options;
    options.public_key = public_key;
    Result<VerifyReport> report = VerifyAuditLog(storage::Env::Default(), dir_.path(), options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : VerifyReport();
  }

  // Index in lines_ of entry `seq`.
  size_t LineOf(uint64_t seq) const {
    for (size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].rfind("{\"seq\":" + std::to_string(seq) + ",", 0) == 0) return i;
    }
    ADD_FAILURE() << "no entry " << seq;
    return 0;
  }
  size_t CheckpointLineOf(uint64_t seq) const {
    for (size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].rfind("{\"checkpoint\":" + std::to_string(seq) + ",", 0) == 0) return i;
    }
    ADD_FAILURE() << "no checkpoint " << seq;
    return 0;
  }
  void Rewrite(const std::vector<std::string>& lines) {
    WriteWholeFile(segment_, JoinLines(lines));
  }

  TempDir dir_;
  std::string segment_;
  std::vector<std::string> lines_;
};

TEST_F(AuditVerifierTest, IntactLogVerifies) {
  const VerifyReport report = Verify();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.entries, static_cast<uint64_t>(kEntries));
  EXPECT_EQ(report.checkpoints, 4u);
  EXPECT_EQ(report.last_seq, static_cast<uint64_t>(kEntries));
  ASSERT_TRUE(report.head.has_value());
  EXPECT_EQ(report.head->seq, static_cast<uint64_t>(kEntries));
}

TEST_F(AuditVerifierTest, FlippedByteInAnyMemberIsFoundAtItsEntry) {
  const uint64_t target = 7;
  const std::string original = lines_[LineOf(target)];
  // The first byte of each member's value (inside the quotes for strings).
  for (const char* member : {"seq", "time", "principal", "action", "dataset", "resource", "outcome",
                             "status", "request_id", "trace_id", "details", "prev", "hash"}) {
    const std::string key = std::string("\"") + member + "\":";
    size_t at = original.find(key);
    ASSERT_NE(at, std::string::npos) << member;
    at += key.size();
    if (original[at] == '"') ++at;
    if (original[at] == '{') at = original.find("event", at);  // Inside details' "note".
    for (const int bit : {0x01, 0x20}) {
      std::vector<std::string> lines = lines_;
      lines[LineOf(target)][at] = static_cast<char>(original[at] ^ bit);
      Rewrite(lines);
      const VerifyReport report = Verify();
      EXPECT_FALSE(report.ok) << member;
      EXPECT_EQ(report.first_broken_seq, target) << member << ": " << report.reason;
      EXPECT_EQ(report.file, Segments(dir_.path())[0]);
    }
  }
}

TEST_F(AuditVerifierTest, DeletedEntryIsFound) {
  std::vector<std::string> lines = lines_;
  lines.erase(lines.begin() + static_cast<ptrdiff_t>(LineOf(7)));
  Rewrite(lines);
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 7u);
  EXPECT_THAT(report.reason, HasSubstr("entry 7 is missing"));
}

TEST_F(AuditVerifierTest, ReorderedEntriesAreFound) {
  std::vector<std::string> lines = lines_;
  std::swap(lines[LineOf(7)], lines[LineOf(8)]);
  Rewrite(lines);
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 7u);
}

TEST_F(AuditVerifierTest, TruncationAtALineBoundaryIsFound) {
  std::vector<std::string> lines(lines_.begin(),
                                 lines_.begin() + static_cast<ptrdiff_t>(LineOf(17) + 1));
  Rewrite(lines);
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 18u);
  EXPECT_THAT(report.reason, HasSubstr("truncated"));
  EXPECT_THAT(report.reason, HasSubstr("ends at entry 17"));
}

TEST_F(AuditVerifierTest, TruncationInsideALineIsFound) {
  std::string data = JoinLines(std::vector<std::string>(
      lines_.begin(), lines_.begin() + static_cast<ptrdiff_t>(LineOf(17) + 1)));
  data += lines_[LineOf(18)].substr(0, 40);
  WriteWholeFile(segment_, data);
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 18u);
  EXPECT_THAT(report.reason, HasSubstr("incomplete"));
}

TEST_F(AuditVerifierTest, RemovingTheWholeLogIsFoundThroughHead) {
  std::filesystem::remove(segment_);
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 1u);
  EXPECT_THAT(report.reason, HasSubstr("truncated"));
}

TEST_F(AuditVerifierTest, MissingHeadIsFound) {
  std::filesystem::remove(dir_.Sub("HEAD"));
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.file, "HEAD");
  EXPECT_THAT(report.reason, HasSubstr("HEAD is missing"));
}

TEST_F(AuditVerifierTest, ForgedCheckpointSignatureIsFound) {
  std::vector<std::string> lines = lines_;
  ASSERT_OK_AND_ASSIGN(AuditLine parsed, ParseAuditLine(lines[CheckpointLineOf(10)]));
  Checkpoint checkpoint = std::get<Checkpoint>(parsed);
  checkpoint.signature[0] ^= 1;
  lines[CheckpointLineOf(10)] = EncodeCheckpointLine(checkpoint);
  Rewrite(lines);
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 10u);
  EXPECT_THAT(report.reason, HasSubstr("signature does not verify"));
}

TEST_F(AuditVerifierTest, CheckpointSignedWithAnotherKeyIsFound) {
  std::vector<std::string> lines = lines_;
  ASSERT_OK_AND_ASSIGN(AuditLine parsed, ParseAuditLine(lines[CheckpointLineOf(10)]));
  const Checkpoint& original = std::get<Checkpoint>(parsed);
  const security::Ed25519KeyPair other = security::GenerateEd25519KeyPair();
  lines[CheckpointLineOf(10)] = EncodeCheckpointLine(
      SignCheckpoint(original.seq, original.hash, original.time_micros, other.private_key));
  Rewrite(lines);
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 10u);
  EXPECT_THAT(report.reason, HasSubstr("signed by key"));
}

TEST_F(AuditVerifierTest, WrongPinnedPublicKeyFails) {
  const VerifyReport report = Verify(security::GenerateEd25519KeyPair().public_key);
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.reason, HasSubstr("not by the verifying key"));
}

// Without the private key, an attacker who edits entry 7 and recomputes every later hash
// still cannot produce the next checkpoint's signature.
TEST_F(AuditVerifierTest, RehashedChainIsCaughtByTheNextCheckpoint) {
  std::vector<std::string> lines = lines_;
  std::string prev = GenesisHash();
  for (std::string& line : lines) {
    ASSERT_OK_AND_ASSIGN(AuditLine parsed, ParseAuditLine(line));
    AuditEntry* entry = std::get_if<AuditEntry>(&parsed);
    if (entry == nullptr) continue;
    if (entry->seq == 7) entry->event.principal = "key:someone-else";
    const AuditEntry rebuilt = MakeEntry(entry->seq, entry->time_micros, entry->event, prev);
    line = EncodeEntryLine(rebuilt);
    prev = rebuilt.hash;
  }
  Rewrite(lines);
  const VerifyReport report = Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_broken_seq, 10u);
  EXPECT_THAT(report.reason, HasSubstr("not the signed one"));
}

TEST_F(AuditVerifierTest, EmptyDirectoryIsAnIntactEmptyLog) {
  TempDir empty;
  VerifyOptions options;
  options.public_key = TestPublicKey();
  ASSERT_OK_AND_ASSIGN(VerifyReport report,
                       VerifyAuditLog(storage::Env::Default(), empty.path(), options));
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.entries, 0u);
}

}  // namespace
}  // namespace strata::audit
