#include "exec/value_text.h"

#include <charconv>
#include <cmath>

#include "common/strings.h"
#include "common/time_util.h"
#include "exec/kernel_util.h"

namespace strata::exec::internal {
namespace {

// Drops one leading '+' that std::from_chars does not accept ("+-1" stays invalid).
std::string_view SkipPlus(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  return text;
}

}  // namespace

void AppendDoubleText(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? "Infinity" : "-Infinity");
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    out.append(buf, end);
  }
}

void AppendIntText(std::string& out, int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, end);
}

void AppendValueText(std::string& out, const Datum& arg, size_t row_idx) {
  switch (TypeOf(arg)) {
    case DataType::kBool: out.append(BoolAt(arg, row_idx) ? "true" : "false"); break;
    case DataType::kInt64: AppendIntText(out, IntAt(arg, row_idx)); break;
    case DataType::kFloat64: AppendDoubleText(out, DoubleAt(arg, row_idx)); break;
    case DataType::kTimestamp: out.append(FormatRfc3339(IntAt(arg, row_idx))); break;
    case DataType::kString:
    case DataType::kJson: out.append(StringAt(arg, row_idx)); break;
  }
}

std::optional<bool> ParseBoolText(std::string_view text) {
  const std::string lower = ToLower(Trim(text));
  if (lower == "true" || lower == "t" || lower == "yes" || lower == "y" || lower == "on" ||
      lower == "1") {
    return true;
  }
  if (lower == "false" || lower == "f" || lower == "no" || lower == "n" || lower == "off" ||
      lower == "0") {
    return false;
  }
  return std::nullopt;
}

std::optional<int64_t> ParseInt64Text(std::string_view text) {
  text = SkipPlus(Trim(text));
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> ParseFloat64Text(std::string_view text) {
  text = SkipPlus(Trim(text));
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace strata::exec::internal
