// BodyReader: strict decoding of a JSON request object member by member, collecting every
// problem as a JSON-pointer error (RFC 9457 `errors`), for the small management bodies
// (users, roles, grants, API keys, access entries).
// Thread safety: one reader per request.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace strata::service {

class BodyReader {
 public:
  // Returns "" when `value` is acceptable, else what is wrong with it.
  using Check = std::function<std::string(const std::string& value)>;

  // Members of `body` not in `allowed` are errors; so is a body that is not an object.
  BodyReader(const json::Value& body, std::initializer_list<std::string_view> allowed);

  // The member as a string; nullopt when absent (an error when `required`) or invalid.
  std::optional<std::string> String(std::string_view key, bool required, const Check& check = {});
  // An array of at most `max_items` strings, each passing `check`.
  std::optional<std::vector<std::string>> Strings(std::string_view key, size_t max_items,
                                                  const Check& check = {});
  // An object of at most `max_items` string members.
  std::optional<std::map<std::string, std::string>> StringMap(std::string_view key,
                                                              size_t max_items);
  std::optional<bool> Bool(std::string_view key);
  std::optional<int64_t> Int(std::string_view key, int64_t min, int64_t max);
  bool Has(std::string_view key) const { return body_.is_object() && body_.Find(key) != nullptr; }

  void Fail(std::string pointer, std::string detail);
  // OK, or ValidationFailed naming the first problem with every problem in `errors`.
  Status Finish();

 private:
  const json::Value* Member(std::string_view key);

  const json::Value& body_;
  std::vector<ErrorDetail> errors_;
};

// Names of users, service accounts, groups and roles: [a-z0-9][a-z0-9._@-]{0,63}.
std::string CheckName(const std::string& name);

}  // namespace strata::service
