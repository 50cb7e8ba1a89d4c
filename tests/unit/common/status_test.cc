#include "common/status.h"

#include <gtest/gtest.h>

#include "common/result.h"

namespace strata {
namespace {

TEST(StatusTest, OkAllocatesNothingAndHasOkCode) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, ProblemCodeDefaultsToCodeNameAndCanBeRefined) {
  Status status = Status::InvalidArgument("bad");
  EXPECT_EQ(status.problem_code(), "invalid_argument");
  Status refined = status.WithProblemCode("malformed_json");
  EXPECT_EQ(refined.problem_code(), "malformed_json");
  EXPECT_EQ(status.problem_code(), "invalid_argument");  // Copies are independent.
  EXPECT_EQ(refined.message(), "bad");
}

TEST(StatusTest, CarriesErrorDetails) {
  Status status = Status::ValidationFailed("invalid").WithErrors(
      {ErrorDetail::Pointer("/fields/0/type", "unknown type")});
  ASSERT_EQ(status.errors().size(), 1u);
  EXPECT_EQ(status.errors()[0].where, "/fields/0/type");
  EXPECT_EQ(status.Annotate("dataset").message(), "dataset: invalid");
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> value = 7;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 7);
  Result<int> error = Status::NotFound("x");
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace strata
