// escape_for_terminal: one function for every untrusted string that reaches a terminal
// (ECMA-48 control functions: C0, DEL and C1; Unicode UAX #9 bidirectional controls).
#include "vramcalc/escape.hpp"

#include <cstdint>

namespace vramcalc {

namespace {

constexpr const char* k_hex = "0123456789abcdef";

bool continuation(std::string_view text, std::size_t at) {
  return at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0U) == 0x80U;
}

// Length of the well-formed UTF-8 sequence at `at` (RFC 3629 section 4), 0 when there is none;
// its code point in `code`.
std::size_t decode(std::string_view text, std::size_t at, std::uint32_t& code) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = 0;
  std::uint32_t least = 0;
  if (lead < 0x80U) {
    code = lead;
    return 1;
  }
  if (lead >= 0xC2U && lead < 0xE0U) {
    length = 2;
    code = lead & 0x1FU;
    least = 0x80;
  } else if (lead >= 0xE0U && lead < 0xF0U) {
    length = 3;
    code = lead & 0x0FU;
    least = 0x800;
  } else if (lead >= 0xF0U && lead < 0xF5U) {
    length = 4;
    code = lead & 0x07U;
    least = 0x10000;
  } else {
    return 0;  // a continuation byte, an overlong two-byte lead, or 0xF5..0xFF
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (!continuation(text, at + k)) {
      return 0;
    }
    code = (code << 6U) | (static_cast<unsigned char>(text[at + k]) & 0x3FU);
  }
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  return code < least || surrogate || code > 0x10FFFF ? 0 : length;
}

bool bidi_control(std::uint32_t code) {
  return code == 0x061C || code == 0x200E || code == 0x200F || (code >= 0x202A && code <= 0x202E) ||
         (code >= 0x2066 && code <= 0x2069);
}

void hex_byte(std::string& out, unsigned char byte) {
  out += "\\x";
  out += k_hex[byte >> 4U];
  out += k_hex[byte & 0xFU];
}

}  // namespace

std::string escape_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t code = 0;
    const std::size_t length = decode(text, i, code);
    if (length == 0) {
      hex_byte(out, static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (code < 0x20 || (code >= 0x7F && code <= 0x9F)) {
      for (std::size_t k = 0; k < length; ++k) {
        hex_byte(out, static_cast<unsigned char>(text[i + k]));
      }
    } else if (bidi_control(code)) {
      out += "\\u{";
      for (int shift = 12; shift >= 0; shift -= 4) {
        out += k_hex[(code >> static_cast<unsigned>(shift)) & 0xFU];
      }
      out += "}";
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t code = 0;
    const std::size_t length = decode(text, i, code);
    if (length == 0) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace vramcalc
