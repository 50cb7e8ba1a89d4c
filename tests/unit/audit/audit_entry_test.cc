#include "audit/audit_entry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "audit_test_util.h"
#include "common/strings.h"
#include "security/crypto.h"
#include "test_util.h"

namespace strata::audit {
namespace {

using ::testing::HasSubstr;
using testing::TestPrivateKey;
using testing::TestPublicKey;

constexpr int64_t kTime = 1714564800123456;  // 2024-05-01T12:00:00.123456Z

AuditEvent SampleEvent() {
  AuditEvent event;
  event.principal = "key:01ABC";
  event.action = "datasets.create";
  event.dataset = "cpu";
  event.resource = "/v1/datasets";
  event.outcome = Outcome::kSuccess;
  event.status = 201;
  event.request_id = "req-1";
  json::Value inner = json::Value::Object({{"b", json::Value::Bool(true)}, {"a", json::Value()}});
  json::Value list = json::Value::Array({json::Value::String("x"), json::Value::String("y")});
  // Members deliberately out of order: the canonical form sorts them.
  event.details = json::Value::Object({{"z", json::Value::Int(1)},
                                       {"a", std::move(list)},
                                       {"m", std::move(inner)},
                                       {"s", json::Value::String("tab\tquote\"\xC3\xA9")}});
  return event;
}

// Golden values: a change here changes the format of every existing log (and breaks their
// verification); it needs a new format version instead.
TEST(AuditEntryTest, CanonicalFormIsStable) {
  EXPECT_EQ(CanonicalEntry(1, kTime, SampleEvent()),
            R"({"seq":1,"time":"2024-05-01T12:00:00.123456Z","principal":"key:01ABC",)"
            R"("action":"datasets.create","dataset":"cpu","resource":"/v1/datasets",)"
            R"("outcome":"success","status":201,"request_id":"req-1","trace_id":"",)"
            R"("details":{"a":["x","y"],"m":{"a":null,"b":true},"s":"tab\tquote\")"
            "\xC3\xA9"
            R"(","z":1}})");
  const AuditEntry entry = MakeEntry(1, kTime, SampleEvent(), GenesisHash());
  EXPECT_EQ(HexEncode(entry.hash),
            "2caa515e79e0ae62712004dd72ff0607e22f91815aa10d6d601a51477d6d3727");
  EXPECT_EQ(entry.prev_hash, GenesisHash());
}

TEST(AuditEntryTest, HashChainsThePreviousHash) {
  const AuditEntry first = MakeEntry(1, kTime, SampleEvent(), GenesisHash());
  const AuditEntry second = MakeEntry(2, kTime, SampleEvent(), first.hash);
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(second.hash, ChainHash(first.hash, CanonicalEntry(2, kTime, SampleEvent())));
  EXPECT_NE(second.hash, MakeEntry(2, kTime, SampleEvent(), GenesisHash()).hash);
}

TEST(AuditEntryTest, TimeAlwaysHasSixFractionalDigits) {
  EXPECT_EQ(FormatAuditTime(kTime), "2024-05-01T12:00:00.123456Z");
  EXPECT_EQ(FormatAuditTime(1714564800000000), "2024-05-01T12:00:00.000000Z");
  EXPECT_EQ(FormatAuditTime(1714564800100000), "2024-05-01T12:00:00.100000Z");
}

TEST(AuditEntryTest, LineRoundTrips) {
  const AuditEntry entry = MakeEntry(1, kTime, SampleEvent(), GenesisHash());
  const std::string line = EncodeEntryLine(entry);
  EXPECT_THAT(line, HasSubstr(R"("prev":"0000000000000000)"));
  ASSERT_OK_AND_ASSIGN(AuditLine parsed, ParseAuditLine(line));
  ASSERT_TRUE(std::holds_alternative<AuditEntry>(parsed));
  const AuditEntry& back = std::get<AuditEntry>(parsed);
  EXPECT_EQ(back.seq, 1u);
  EXPECT_EQ(back.time_micros, kTime);
  EXPECT_EQ(back.event.principal, "key:01ABC");
  EXPECT_EQ(back.event.status, 201);
  EXPECT_EQ(back.hash, entry.hash);
  EXPECT_EQ(EncodeEntryLine(back), line);
}

TEST(AuditEntryTest, InvalidUtf8IsReplacedSoTheLineStaysJson) {
  AuditEvent event = SampleEvent();
  event.resource = "/v1/datasets/\xFF\xC3";
  event.details = json::Value::Object({{"bad\xE0\x80", json::Value::String("\xED\xA0\x80ok")}});
  const AuditEntry entry = MakeEntry(3, kTime, event, GenesisHash());
  const std::string line = EncodeEntryLine(entry);
  ASSERT_OK_AND_ASSIGN(AuditLine parsed, ParseAuditLine(line));
  const AuditEntry& back = std::get<AuditEntry>(parsed);
  EXPECT_EQ(back.event.resource, "/v1/datasets/\xEF\xBF\xBD\xEF\xBF\xBD");
  // The chain hashes the sanitised form, so the parsed entry verifies.
  EXPECT_EQ(ChainHash(GenesisHash(), CanonicalEntry(3, kTime, back.event)), entry.hash);
  EXPECT_EQ(SanitizeUtf8("plain \xC3\xA9 \xF0\x9F\x98\x80"), "plain \xC3\xA9 \xF0\x9F\x98\x80");
}

TEST(AuditEntryTest, NonCanonicalLinesAreRejected) {
  const std::string line = EncodeEntryLine(MakeEntry(1, kTime, SampleEvent(), GenesisHash()));
  std::string spaced = line;
  spaced.insert(1, " ");
  EXPECT_FALSE(ParseAuditLine(spaced).ok());
  std::string unsorted = line;
  const size_t a = unsorted.find(R"("a":["x","y"],)");
  ASSERT_NE(a, std::string::npos);
  unsorted.erase(a, std::string(R"("a":["x","y"],)").size());
  unsorted.insert(unsorted.find(R"("z":1)") + 5, R"(,"a":["x","y"])");
  EXPECT_THAT(ParseAuditLine(unsorted).status().message(), HasSubstr("canonical"));
  std::string upper = line;
  const size_t hash = upper.find(R"("hash":")") + 8;
  for (size_t i = hash; i < hash + 64; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_FALSE(ParseAuditLine(upper).ok());
  EXPECT_FALSE(ParseAuditLine(line.substr(0, line.size() - 1)).ok());
  EXPECT_FALSE(ParseAuditLine(R"({"hello":1})").ok());
}

TEST(AuditEntryTest, CheckpointsVerifyOnlyWithTheirKey) {
  const std::string hash = security::Sha256("x");
  const Checkpoint checkpoint = SignCheckpoint(42, hash, kTime, TestPrivateKey());
  EXPECT_EQ(checkpoint.key_id, KeyId(TestPublicKey()));
  EXPECT_EQ(checkpoint.key_id.size(), 16u);
  EXPECT_TRUE(VerifyCheckpoint(checkpoint, TestPublicKey()));

  const std::string line = EncodeCheckpointLine(checkpoint);
  ASSERT_OK_AND_ASSIGN(AuditLine parsed, ParseAuditLine(line));
  ASSERT_TRUE(std::holds_alternative<Checkpoint>(parsed));
  EXPECT_TRUE(VerifyCheckpoint(std::get<Checkpoint>(parsed), TestPublicKey()));

  Checkpoint moved = checkpoint;
  moved.seq = 43;
  EXPECT_FALSE(VerifyCheckpoint(moved, TestPublicKey()));
  Checkpoint forged = checkpoint;
  forged.signature[10] ^= 1;
  EXPECT_FALSE(VerifyCheckpoint(forged, TestPublicKey()));
  const security::Ed25519KeyPair other = security::GenerateEd25519KeyPair();
  EXPECT_FALSE(VerifyCheckpoint(checkpoint, other.public_key));
  const Checkpoint resigned = SignCheckpoint(42, hash, kTime, other.private_key);
  EXPECT_FALSE(VerifyCheckpoint(resigned, TestPublicKey()));
}

TEST(AuditEntryTest, PublicKeyFile) {
  const std::string text = EncodePublicKeyFile(TestPublicKey());
  EXPECT_EQ(text.size(), 65u);
  ASSERT_OK_AND_ASSIGN(std::string key, ParsePublicKeyFile("  " + text + "\n"));
  EXPECT_EQ(key, TestPublicKey());
  EXPECT_FALSE(ParsePublicKeyFile("abc").ok());
  EXPECT_FALSE(ParsePublicKeyFile(std::string(64, 'g')).ok());
}

TEST(AuditEntryTest, SegmentNames) {
  EXPECT_EQ(SegmentName(1), "audit-00000000000000000001.ndjson");
  EXPECT_EQ(ParseSegmentName("audit-00000000000000000042.ndjson"), 42u);
  EXPECT_FALSE(ParseSegmentName("audit-42.ndjson"));
  EXPECT_FALSE(ParseSegmentName("HEAD"));
}

TEST(AuditEntryTest, OutcomeFromHttpStatus) {
  EXPECT_EQ(OutcomeForHttpStatus(201), Outcome::kSuccess);
  EXPECT_EQ(OutcomeForHttpStatus(304), Outcome::kSuccess);
  EXPECT_EQ(OutcomeForHttpStatus(401), Outcome::kDenied);
  EXPECT_EQ(OutcomeForHttpStatus(403), Outcome::kDenied);
  EXPECT_EQ(OutcomeForHttpStatus(404), Outcome::kError);
  EXPECT_EQ(OutcomeForHttpStatus(503), Outcome::kError);
}

}  // namespace
}  // namespace strata::audit
