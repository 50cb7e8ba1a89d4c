#include "server/api/problem.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/json.h"
#include "test_util.h"

namespace strata::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

json::Value Body(const ApiResponse& response) {
  Result<json::Value> parsed = json::Parse(response.body);
  EXPECT_TRUE(parsed.ok()) << response.body;
  return parsed.ok() ? std::move(parsed).value() : json::Value();
}

std::string Str(const json::Value& body, std::string_view key) {
  const json::Value* value = body.Find(key);
  return value != nullptr && value->is_string() ? value->string_value() : "<missing>";
}

std::string HeaderOf(const ApiResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

TEST(ProblemResponseTest, Shape) {
  const ApiResponse response =
      ProblemResponse(Status::NotFound("dataset 'x' does not exist"), "01REQ");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), "<absent>");
  const json::Value body = Body(response);
  EXPECT_EQ(Str(body, "type"), "/problems/not-found");
  EXPECT_EQ(Str(body, "title"), "Not found");
  ASSERT_NE(body.Find("status"), nullptr);
  EXPECT_EQ(body.Find("status")->int64_value(), 404);
  EXPECT_EQ(Str(body, "code"), "not_found");
  EXPECT_EQ(Str(body, "detail"), "dataset 'x' does not exist");
  EXPECT_EQ(Str(body, "instance"), "urn:strata:request:01REQ");
  EXPECT_EQ(Str(body, "request_id"), "01REQ");
  EXPECT_EQ(body.Find("errors"), nullptr);     // Only when there are details.
  EXPECT_EQ(body.members()[0].first, "type");  // RFC 9457 members first.
}

TEST(ProblemResponseTest, ProblemCodeBecomesADashedTypeSlug) {
  const ApiResponse response = ProblemResponse(
      Status::InvalidArgument("malformed JSON: x").WithProblemCode("malformed_json"), "r");
  EXPECT_EQ(response.status, 400);
  const json::Value body = Body(response);
  EXPECT_EQ(Str(body, "type"), "/problems/malformed-json");
  EXPECT_EQ(Str(body, "code"), "malformed_json");
  EXPECT_EQ(Str(body, "title"), "Bad request");

  const json::Value precondition = Body(ProblemResponse(Status::PreconditionFailed("stale"), "r"));
  EXPECT_EQ(Str(precondition, "type"), "/problems/precondition-failed");
  EXPECT_EQ(Str(precondition, "title"), "Precondition failed");
}

TEST(ProblemResponseTest, ErrorsCarryTheirLocation) {
  const Status status = Status::ValidationFailed("invalid dataset")
                            .WithErrors({ErrorDetail::Pointer("/fields/0/type", "unknown type"),
                                         ErrorDetail::Parameter("limit", "expected an integer"),
                                         ErrorDetail::Header("If-Match", "malformed entity tag")});
  const ApiResponse response = ProblemResponse(status, "r");
  EXPECT_EQ(response.status, 422);
  const json::Value body = Body(response);
  EXPECT_EQ(Str(body, "title"), "Validation failed");
  const json::Value* errors = body.Find("errors");
  ASSERT_NE(errors, nullptr);
  ASSERT_EQ(errors->items().size(), 3u);
  EXPECT_EQ(Str(errors->items()[0], "pointer"), "/fields/0/type");
  EXPECT_EQ(Str(errors->items()[0], "detail"), "unknown type");
  EXPECT_EQ(errors->items()[0].Find("parameter"), nullptr);
  EXPECT_EQ(Str(errors->items()[1], "parameter"), "limit");
  EXPECT_EQ(Str(errors->items()[1], "detail"), "expected an integer");
  EXPECT_EQ(Str(errors->items()[2], "header"), "If-Match");
  EXPECT_EQ(errors->items()[2].Find("pointer"), nullptr);
}

TEST(ProblemResponseTest, InvalidTokenChallenge) {
  const ApiResponse response = ProblemResponse(
      Status::Unauthenticated("unknown API key").WithProblemCode("invalid_token"), "r");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"),
            R"(Bearer realm="strata", error="invalid_token")");
  EXPECT_EQ(Str(Body(response), "title"), "Unauthenticated");
}

TEST(ProblemResponseTest, MissingCredentialsChallengeHasNoError) {
  const ApiResponse missing = ProblemResponse(
      Status::Unauthenticated("missing credentials").WithProblemCode("missing_credentials"), "r");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(HeaderOf(missing, "WWW-Authenticate"), R"(Bearer realm="strata")");
  const ApiResponse plain = ProblemResponse(Status::Unauthenticated("no"), "r");
  EXPECT_EQ(HeaderOf(plain, "WWW-Authenticate"), R"(Bearer realm="strata")");
}

TEST(ProblemResponseTest, OnlyA401Challenges) {
  for (const Status& status : {Status::PermissionDenied("missing permission datasets:update"),
                               Status::InvalidArgument("x").WithProblemCode("invalid_token")}) {
    const ApiResponse response = ProblemResponse(status, "r");
    EXPECT_NE(response.status, 401);
    EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), "<absent>");
  }
}

TEST(ProblemResponseTest, ServerErrorsHideTheirMessage) {
  for (const Status& status : {Status::Internal("null pointer in /src/secret.cc"),
                               Status::IoError("cannot write /var/lib/strata/meta.db"),
                               Status::Corruption("stored schema is invalid at /3/type")}) {
    const ApiResponse response = ProblemResponse(status, "01HIDDEN");
    EXPECT_EQ(response.status, 500);
    EXPECT_THAT(response.body, Not(HasSubstr(std::string(status.message()))));
    EXPECT_THAT(response.body, Not(HasSubstr("/var/lib")));
    const json::Value body = Body(response);
    EXPECT_THAT(Str(body, "detail"), HasSubstr("01HIDDEN"));
    EXPECT_EQ(Str(body, "title"), "Internal server error");
    EXPECT_EQ(Str(body, "code"), std::string(status.problem_code()));
  }
}

TEST(ProblemResponseTest, HttpStatusOverride) {
  const ApiResponse not_allowed = ProblemResponse(
      Status::InvalidArgument("DELETE is not allowed").WithProblemCode("method_not_allowed"), "r",
      405);
  EXPECT_EQ(not_allowed.status, 405);
  const json::Value body = Body(not_allowed);
  EXPECT_EQ(body.Find("status")->int64_value(), 405);
  EXPECT_EQ(Str(body, "title"), "Method not allowed");
  EXPECT_EQ(Str(body, "type"), "/problems/method-not-allowed");
  EXPECT_EQ(Str(body, "detail"), "DELETE is not allowed");

  const ApiResponse too_large = ProblemResponse(
      Status::PayloadTooLarge("headers too large").WithProblemCode("headers_too_large"), "r", 431);
  EXPECT_EQ(too_large.status, 431);
  EXPECT_EQ(Str(Body(too_large), "title"), "Request header fields too large");
}

TEST(ProblemResponseTest, MessagesAreEscaped) {
  const ApiResponse response =
      ProblemResponse(Status::InvalidArgument("bad \"quote\" and \\ and\nnewline"), "r\"id");
  const json::Value body = Body(response);
  EXPECT_EQ(Str(body, "detail"), "bad \"quote\" and \\ and\nnewline");
  EXPECT_EQ(Str(body, "request_id"), "r\"id");
}

TEST(HttpStatusForTest, EveryCode) {
  const std::pair<StatusCode, int> expected[] = {
      {StatusCode::kOk, 200},
      {StatusCode::kInvalidArgument, 400},
      {StatusCode::kValidationFailed, 422},
      {StatusCode::kUnauthenticated, 401},
      {StatusCode::kPermissionDenied, 403},
      {StatusCode::kNotFound, 404},
      {StatusCode::kAlreadyExists, 409},
      {StatusCode::kConflict, 409},
      {StatusCode::kPreconditionFailed, 412},
      {StatusCode::kPayloadTooLarge, 413},
      {StatusCode::kUnsupportedMediaType, 415},
      {StatusCode::kResourceExhausted, 429},
      {StatusCode::kUnavailable, 503},
      {StatusCode::kInsufficientStorage, 507},
      {StatusCode::kDeadlineExceeded, 504},
      {StatusCode::kCorruption, 500},
      {StatusCode::kIoError, 500},
      {StatusCode::kInternal, 500},
  };
  for (const auto& [code, http] : expected) {
    EXPECT_EQ(HttpStatusFor(code), http) << StatusCodeName(code);
  }
}

TEST(ProblemResponseTest, TitlesFollowTheStatus) {
  const std::pair<Status, std::string_view> cases[] = {
      {Status::PermissionDenied("x"), "Forbidden"},
      {Status::AlreadyExists("x"), "Conflict"},
      {Status::Conflict("x"), "Conflict"},
      {Status::PayloadTooLarge("x"), "Content too large"},
      {Status::UnsupportedMediaType("x"), "Unsupported media type"},
      {Status::ResourceExhausted("x"), "Too many requests"},
      {Status::Unavailable("x"), "Service unavailable"},
      {Status::DeadlineExceeded("x"), "Gateway timeout"},
      {Status::InsufficientStorage("x"), "Insufficient storage"},
  };
  for (const auto& [status, title] : cases) {
    const ApiResponse response = ProblemResponse(status, "r");
    EXPECT_EQ(response.status, HttpStatusFor(status.code()));
    EXPECT_EQ(Str(Body(response), "title"), title) << status.ToString();
    EXPECT_EQ(Str(Body(response), "detail"), "x");  // Client errors keep their message.
  }
}

}  // namespace
}  // namespace strata::server
