#include "ingest/body_format.h"

#include <gtest/gtest.h>

namespace strata::ingest {
namespace {

TEST(BodyFormatTest, MapsMediaTypesCaseInsensitivelyWithParameters) {
  EXPECT_EQ(ParseBodyFormat("application/json").value(), BodyFormat::kJson);
  EXPECT_EQ(ParseBodyFormat("Application/JSON; charset=UTF-8").value(), BodyFormat::kJson);
  EXPECT_EQ(ParseBodyFormat("application/x-ndjson").value(), BodyFormat::kNdjson);
  EXPECT_EQ(ParseBodyFormat("application/jsonl").value(), BodyFormat::kNdjson);
  EXPECT_EQ(ParseBodyFormat("text/csv; header=present").value(), BodyFormat::kCsv);
  EXPECT_EQ(ParseBodyFormat("text/plain; format=line-protocol").value(), BodyFormat::kLineProtocol);
  EXPECT_EQ(ParseBodyFormat("text/plain;charset=utf-8;format=\"Line-Protocol\"").value(),
            BodyFormat::kLineProtocol);
}

TEST(BodyFormatTest, RefusesWhatItCannotRead) {
  for (const char* value : {"", "  ", "application/xml", "text/plain", "text/csv; charset=latin1",
                            "multipart/form-data; boundary=x", "application/json-seq"}) {
    Result<BodyFormat> parsed = ParseBodyFormat(value);
    ASSERT_FALSE(parsed.ok()) << value;
    EXPECT_EQ(parsed.status().code(), StatusCode::kUnsupportedMediaType) << value;
    EXPECT_EQ(parsed.status().problem_code(), "unsupported_media_type");
    EXPECT_NE(parsed.status().message().find("text/csv"), std::string_view::npos) << value;
  }
}

}  // namespace
}  // namespace strata::ingest
