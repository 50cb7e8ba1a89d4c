#include "common/trace_context.h"

namespace strata {
namespace {

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view text) {
  return text.find_first_not_of('0') == std::string_view::npos;
}

}  // namespace

std::optional<TraceParent> ParseTraceParent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags  =  2+1+32+1+16+1+2 = 55 characters.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  const std::string_view version = header.substr(0, 2);
  const std::string_view trace_id = header.substr(3, 32);
  const std::string_view parent_id = header.substr(36, 16);
  const std::string_view flags = header.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) || !IsLowerHex(parent_id) ||
      !IsLowerHex(flags) || AllZero(trace_id) || AllZero(parent_id)) {
    return std::nullopt;
  }
  // Version 00 has exactly 55 characters; later versions may append "-..." fields.
  if (version == "00" ? header.size() != 55 : (header.size() > 55 && header[55] != '-')) {
    return std::nullopt;
  }
  TraceParent parent;
  parent.trace_id = std::string(trace_id);
  parent.parent_id = std::string(parent_id);
  parent.flags = static_cast<uint8_t>(std::stoi(std::string(flags), nullptr, 16));
  return parent;
}

}  // namespace strata
