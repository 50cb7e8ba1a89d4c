// String helpers shared by every layer: base64url, suggestions for misspelled names.
// Thread safety: all functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

// Base64url (RFC 4648 §5) without padding.
std::string Base64UrlEncode(std::string_view bytes);
// Accepts unpadded or padded input; nullopt on any other character.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);

// Edit distance: insert, delete, substitute and swap two adjacent characters each cost 1.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a likely typo (distance at
// most 2, and less than half the length of `name`), else nullopt.
std::optional<std::string> SuggestName(std::string_view name,
                                       const std::vector<std::string_view>& candidates);

// " (did you mean 'x'?)" when SuggestName finds one, else "".
std::string DidYouMean(std::string_view name, const std::vector<std::string_view>& candidates);

bool StartsWith(std::string_view text, std::string_view prefix);
std::string ToLower(std::string_view text);
// Trims spaces and tabs at both ends.
std::string_view Trim(std::string_view text);

}  // namespace strata
