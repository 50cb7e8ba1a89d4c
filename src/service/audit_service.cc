#include "service/audit_service.h"

#include <charconv>

#include "common/time_util.h"

namespace strata::service {
namespace {

constexpr std::string_view kCursorKind = "audit";

Status BadParameter(std::string_view name, const std::string& message) {
  return Status::InvalidArgument(message)
      .WithProblemCode("invalid_parameter")
      .WithErrors({ErrorDetail::Parameter(std::string(name), message)});
}

Result<std::optional<int64_t>> ParseTime(std::string_view name, const std::string& text) {
  if (text.empty()) return std::optional<int64_t>();
  std::optional<int64_t> micros = ParseRfc3339(text);
  if (!micros) {
    return BadParameter(name, std::string(name) +
                                  " must be an RFC 3339 time such as 2024-05-01T12:00:00Z, got '" +
                                  text + "'");
  }
  return micros;
}

}  // namespace

Result<AuditListPage> AuditService::List(const security::Principal& caller,
                                         const AuditListRequest& request) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, security::Permission::kAuditRead));
  audit::AuditQuery query;
  STRATA_ASSIGN_OR_RETURN(query.since_micros, ParseTime("since", request.since));
  STRATA_ASSIGN_OR_RETURN(query.until_micros, ParseTime("until", request.until));
  if (request.order == "asc") {
    query.ascending = true;
  } else if (!request.order.empty() && request.order != "desc") {
    return BadParameter("order",
                        "order must be desc (newest first) or asc, got '" + request.order + "'");
  }
  query.principal = request.principal;
  query.action = request.action;
  query.dataset = request.dataset;
  query.limit = request.page.limit;
  // The cursor is bound to the filters, so it cannot continue a different listing.
  const std::string filters = request.since + "\n" + request.until + "\n" + request.principal +
                              "\n" + request.action + "\n" + request.dataset + "\n" +
                              (query.ascending ? "asc" : "desc");
  if (!request.page.cursor.empty()) {
    STRATA_ASSIGN_OR_RETURN(std::string payload,
                            cursors_.Decode(kCursorKind, filters, request.page.cursor));
    uint64_t after = 0;
    const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), after);
    if (ec != std::errc() || end != payload.data() + payload.size()) {
      return Status::InvalidArgument("invalid cursor")
          .WithProblemCode("invalid_cursor")
          .WithErrors({ErrorDetail::Parameter("cursor", "not a cursor of this listing")});
    }
    query.after = after;
  }
  STRATA_ASSIGN_OR_RETURN(audit::AuditPage found, log_.List(query));
  AuditListPage page;
  page.items = std::move(found.entries);
  if (found.next)
    page.next_cursor = cursors_.Encode(kCursorKind, filters, std::to_string(*found.next));
  return page;
}

Result<audit::VerifyReport> AuditService::Verify(const security::Principal& caller) {
  STRATA_RETURN_IF_ERROR(authorizer_.Require(caller, security::Permission::kAuditRead));
  return log_.Verify();
}

}  // namespace strata::service
