#include "service/cursor.h"

#include <gtest/gtest.h>

#include <string>

#include "common/strings.h"
#include "test_util.h"

namespace strata::service {
namespace {

const std::string kSecret(32, 's');

void ExpectInvalidCursor(const Result<std::string>& result) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().problem_code(), "invalid_cursor");
  ASSERT_EQ(result.status().errors().size(), 1u);
  EXPECT_EQ(result.status().errors()[0].location, ErrorDetail::Location::kParameter);
  EXPECT_EQ(result.status().errors()[0].where, "cursor");
}

TEST(CursorCodecTest, RoundTrip) {
  CursorCodec codec(kSecret);
  for (std::string_view payload : {"", "a", "my_dataset", "42", "with.dot and space/slash"}) {
    const std::string cursor = codec.Encode("datasets", "prefix\ntag", payload);
    ASSERT_OK_AND_ASSIGN(std::string decoded, codec.Decode("datasets", "prefix\ntag", cursor));
    EXPECT_EQ(decoded, payload);
  }
  const std::string binary("\x00\xff\x01", 3);
  ASSERT_OK_AND_ASSIGN(std::string decoded, codec.Decode("k", "", codec.Encode("k", "", binary)));
  EXPECT_EQ(decoded, binary);
}

TEST(CursorCodecTest, CursorsAreUrlSafeAndDeterministic) {
  CursorCodec codec(kSecret);
  const std::string cursor = codec.Encode("datasets", "f", "payload?&=+/");
  EXPECT_EQ(
      cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
      std::string::npos)
      << cursor;
  EXPECT_EQ(cursor, codec.Encode("datasets", "f", "payload?&=+/"));
  EXPECT_NE(cursor, codec.Encode("datasets", "f", "payload?&=+/x"));
}

TEST(CursorCodecTest, TamperedPayloadIsRefused) {
  CursorCodec codec(kSecret);
  const std::string cursor = codec.Encode("datasets", "", "alpha");
  const std::string mac = cursor.substr(cursor.find('.'));
  ExpectInvalidCursor(codec.Decode("datasets", "", Base64UrlEncode("bravo") + mac));
  std::string flipped = cursor;
  flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
  ExpectInvalidCursor(codec.Decode("datasets", "", flipped));
}

TEST(CursorCodecTest, TamperedMacIsRefused) {
  CursorCodec codec(kSecret);
  std::string cursor = codec.Encode("datasets", "", "alpha");
  const size_t dot = cursor.find('.');
  cursor[dot + 1] = cursor[dot + 1] == 'A' ? 'B' : 'A';
  ExpectInvalidCursor(codec.Decode("datasets", "", cursor));
  const std::string truncated = codec.Encode("datasets", "", "alpha");
  ExpectInvalidCursor(codec.Decode("datasets", "", truncated.substr(0, truncated.size() - 4)));
  ExpectInvalidCursor(codec.Decode("datasets", "", truncated.substr(0, dot + 1)));
}

TEST(CursorCodecTest, OtherKindFilterOrSecretIsRefused) {
  CursorCodec codec(kSecret);
  const std::string cursor = codec.Encode("datasets", "logs\nprod", "alpha");
  ExpectInvalidCursor(codec.Decode("schema_versions", "logs\nprod", cursor));
  ExpectInvalidCursor(codec.Decode("datasets", "logs\ndev", cursor));
  ExpectInvalidCursor(codec.Decode("datasets", "", cursor));
  CursorCodec other(std::string(32, 't'));
  ExpectInvalidCursor(other.Decode("datasets", "logs\nprod", cursor));
}

TEST(CursorCodecTest, GarbageIsRefused) {
  CursorCodec codec(kSecret);
  for (std::string_view garbage : {"", ".", "garbage", "a.b.c", "!!!.???", "YWxwaGE", "YWxwaGE.",
                                   ".AAAAAAAAAAAAAAAAAAAAAA", "YWxwaGE=.====="}) {
    SCOPED_TRACE(garbage);
    ExpectInvalidCursor(codec.Decode("datasets", "", garbage));
  }
}

}  // namespace
}  // namespace strata::service
