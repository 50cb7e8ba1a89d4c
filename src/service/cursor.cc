#include "service/cursor.h"

#include "common/strings.h"
#include "security/crypto.h"

namespace strata::service {
namespace {
constexpr size_t kMacBytes = 16;
}

std::string CursorCodec::Mac(std::string_view kind, std::string_view filter,
                             std::string_view payload) const {
  std::string message;
  message.reserve(kind.size() + filter.size() + payload.size() + 2);
  message.append(kind).push_back('\n');
  message.append(filter).push_back('\n');
  message.append(payload);
  return security::HmacSha256(secret_, message).substr(0, kMacBytes);
}

std::string CursorCodec::Encode(std::string_view kind, std::string_view filter,
                                std::string_view payload) const {
  return Base64UrlEncode(payload) + "." + Base64UrlEncode(Mac(kind, filter, payload));
}

Result<std::string> CursorCodec::Decode(std::string_view kind, std::string_view filter,
                                        std::string_view cursor) const {
  auto invalid = [](std::string_view why) {
    return Status::InvalidArgument("invalid cursor: " + std::string(why))
        .WithProblemCode("invalid_cursor")
        .WithErrors({ErrorDetail::Parameter("cursor", std::string(why))});
  };
  const size_t dot = cursor.find('.');
  if (dot == std::string_view::npos) return invalid("not a cursor issued by this listing");
  std::optional<std::string> payload = Base64UrlDecode(cursor.substr(0, dot));
  std::optional<std::string> mac = Base64UrlDecode(cursor.substr(dot + 1));
  if (!payload || !mac || !security::ConstantTimeEquals(*mac, Mac(kind, filter, *payload))) {
    return invalid("not a cursor issued by this listing with these filters");
  }
  return std::move(*payload);
}

}  // namespace strata::service
