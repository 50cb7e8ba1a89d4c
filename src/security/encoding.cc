#include "security/encoding.h"

#include <cstdint>

#include "common/strings.h"

namespace strata::security {
namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// Swaps the two characters in which base64 and base64url differ.
std::string SwapAlphabet(std::string_view text, char from62, char from63, char to62, char to63) {
  std::string out(text);
  for (char& c : out) {
    if (c == from62) {
      c = to62;
    } else if (c == from63) {
      c = to63;
    } else if (c == to62 || c == to63) {
      c = '=';  // Foreign to the source alphabet: make the decoder refuse it.
    }
  }
  return out;
}

}  // namespace

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : bytes) {
    acc = (acc << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kBase32Alphabet[(acc >> bits) & 31]);
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(acc << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  const size_t padded_size = text.size();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  // Characters in the last group of 8: 2, 4, 5 or 7 (1, 3 and 6 are never produced).
  const size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) return std::nullopt;
  if (padded_size != text.size() && (tail == 0 || padded_size - text.size() != 8 - tail)) {
    return std::nullopt;  // Padding, when present, fills exactly the last group of 8.
  }
  std::string out;
  out.reserve(text.size() * 5 / 8);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int value = Base32Value(c);
    if (value < 0) return std::nullopt;
    acc = (acc << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // Non-zero unused bits.
  return out;
}

std::optional<std::string> Base64UrlDecodeStrict(std::string_view text) {
  if (text.find('=') != std::string_view::npos) return std::nullopt;
  std::optional<std::string> bytes = Base64UrlDecode(text);
  // Re-encoding reproduces the input only when the unused trailing bits were zero.
  if (!bytes.has_value() || Base64UrlEncode(*bytes) != text) return std::nullopt;
  return bytes;
}

std::string Base64EncodeUnpadded(std::string_view bytes) {
  return SwapAlphabet(Base64UrlEncode(bytes), '-', '_', '+', '/');
}

std::optional<std::string> Base64DecodeUnpaddedStrict(std::string_view text) {
  return Base64UrlDecodeStrict(SwapAlphabet(text, '+', '/', '-', '_'));
}

}  // namespace strata::security
