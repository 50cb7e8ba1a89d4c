// tus header parsing: Upload-Metadata (and the ingest options it names), Upload-Checksum,
// standard base64.
#include "service/tus_headers.h"

#include <gtest/gtest.h>

#include "security/crypto.h"
#include "test_util.h"

namespace strata::service {
namespace {

TEST(Base64DecodeTest, DecodesStandardAlphabetWithOrWithoutPadding) {
  EXPECT_EQ(Base64Decode("d29ybGQ="), "world");
  EXPECT_EQ(Base64Decode("d29ybGQ"), "world");
  EXPECT_EQ(Base64Decode(""), "");
  EXPECT_EQ(Base64Decode("+/+/"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(Base64Decode("d29y-GQ="), std::nullopt);  // URL alphabet.
  EXPECT_EQ(Base64Decode("d"), std::nullopt);
}

TEST(UploadMetadataTest, ParsesPairsAndFlags) {
  ASSERT_OK_AND_ASSIGN(std::vector<UploadMetadataEntry> entries,
                       ParseUploadMetadata("filename d29ybGQ=, is_confidential ,empty "));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].key, "filename");
  EXPECT_EQ(entries[0].value, "world");
  EXPECT_EQ(entries[1].key, "is_confidential");
  EXPECT_EQ(entries[1].value, std::nullopt);
  EXPECT_EQ(entries[2].value, std::nullopt);
  ASSERT_OK_AND_ASSIGN(entries, ParseUploadMetadata(""));
  EXPECT_TRUE(entries.empty());
}

TEST(UploadMetadataTest, RefusesDuplicatesBadKeysAndBadValues) {
  for (std::string_view bad : {"a d29y,a d29y", "a not*base64", ",a", "a,", "k\x01 d29y"}) {
    Result<std::vector<UploadMetadataEntry>> parsed = ParseUploadMetadata(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().problem_code(), "invalid_upload_metadata") << bad;
    ASSERT_EQ(parsed.status().errors().size(), 1u);
    EXPECT_EQ(parsed.status().errors()[0].where, "Upload-Metadata");
  }
}

TEST(UploadMetadataTest, NamesTheIngestOptions) {
  ASSERT_OK_AND_ASSIGN(IngestJobSpec defaults, IngestSpecFromMetadata({}));
  EXPECT_EQ(defaults.content_type, "application/x-ndjson");
  EXPECT_EQ(defaults.mode, IngestMode::kPartial);
  ASSERT_OK_AND_ASSIGN(IngestJobSpec spec,
                       IngestSpecFromMetadata({{"content-type", "text/plain; format=line-protocol"},
                                               {"content-encoding", "gzip"},
                                               {"mode", "atomic"},
                                               {"precision", "ms"},
                                               {"time_unit", "s"},
                                               {"filename", "x.lp"}}));
  EXPECT_EQ(spec.content_type, "text/plain; format=line-protocol");
  EXPECT_EQ(spec.content_encoding, "gzip");
  EXPECT_EQ(spec.mode, IngestMode::kAtomic);
  EXPECT_EQ(spec.precision, ingest::TimestampPrecision::kMilliseconds);
  EXPECT_EQ(spec.time_unit, ingest::TimeUnit::kSeconds);
  EXPECT_EQ(IngestSpecFromMetadata({{"content-type", "image/png"}}).status().code(),
            StatusCode::kUnsupportedMediaType);
  EXPECT_EQ(IngestSpecFromMetadata({{"time_unit", "fortnights"}}).status().problem_code(),
            "invalid_upload_metadata");
  EXPECT_EQ(IngestSpecFromMetadata({{"precision", "x"}}).status().problem_code(),
            "invalid_upload_metadata");
}

TEST(UploadChecksumTest, ParsesAndVerifies) {
  // The tus specification's example: sha1 of "hello".
  ASSERT_OK_AND_ASSIGN(UploadChecksum checksum,
                       ParseUploadChecksum("sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00="));
  EXPECT_EQ(checksum.algorithm, ChecksumAlgorithm::kSha1);
  EXPECT_TRUE(ChecksumMatches(checksum, "hello"));
  EXPECT_FALSE(ChecksumMatches(checksum, "hello!"));
  ASSERT_OK_AND_ASSIGN(checksum, ParseUploadChecksum("MD5 XUFAKrxLKna5cZ2REBfFkg=="));
  EXPECT_EQ(checksum.algorithm, ChecksumAlgorithm::kMd5);
  EXPECT_TRUE(ChecksumMatches(checksum, "hello"));
  EXPECT_EQ(ParseUploadChecksum("crc32 AAAAAA==").status().problem_code(),
            "checksum_algorithm_unsupported");
  EXPECT_EQ(ParseUploadChecksum("sha1").status().problem_code(), "invalid_checksum");
  EXPECT_EQ(ParseUploadChecksum("sha1 XUFAKrxLKna5cZ2REBfFkg==").status().problem_code(),
            "invalid_checksum");  // An md5-sized digest.
  EXPECT_EQ(ParseUploadChecksum("sha1 !!!").status().problem_code(), "invalid_checksum");
}

}  // namespace
}  // namespace strata::service
