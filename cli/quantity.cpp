#include "quantity.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/params_model.hpp"

namespace vramcalc::cli {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

[[noreturn]] void fail(std::string_view flag, std::string_view text, const std::string& why,
                       const std::string& hint) {
  throw Error(ErrorKind::input,
              "invalid " + std::string(flag) + " '" + std::string(text) + "': " + why, hint);
}

// Splits "1.5GiB" into the number "1.5" and the unit "GiB" (spaces between allowed).
// Underscores between digits are dropped ("7_000_000_000").
struct NumberAndUnit {
  std::string number;
  std::string unit;
};

NumberAndUnit split(std::string_view text) {
  NumberAndUnit parts;
  std::size_t i = 0;
  const auto is_number_char = [&](std::size_t k) {
    const char c = text[k];
    if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' ||
        c == '+') {
      return true;
    }
    // An exponent: 'e' or 'E' followed by a digit or sign ("7e9", "1.5E+3").
    if ((c == 'e' || c == 'E') && k > 0 && k + 1 < text.size()) {
      const char next = text[k + 1];
      return std::isdigit(static_cast<unsigned char>(next)) != 0 || next == '-' || next == '+';
    }
    return false;
  };
  while (i < text.size() && is_number_char(i)) {
    if (text[i] != '_') {
      parts.number.push_back(text[i]);
    }
    ++i;
  }
  parts.unit = std::string(trim(text.substr(i)));
  return parts;
}

// Parses a finite decimal number; nullopt when it is not one (or has trailing garbage).
std::optional<double> to_double(const std::string& number) {
  if (number.empty() || number == "+" || number == "-") {
    return std::nullopt;
  }
  const char* begin = number.data();
  if (*begin == '+') {
    ++begin;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(begin, number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// value * multiplier as a whole count, checking sign, finiteness and range.
std::uint64_t to_count(std::string_view flag, std::string_view text, double value,
                       double multiplier, double max, const std::string& hint) {
  if (value < 0 || std::signbit(value)) {
    fail(flag, text, "it must be positive", hint);
  }
  const double scaled = value * multiplier;
  if (!std::isfinite(scaled)) {
    fail(flag, text, "it is not a finite number", hint);
  }
  if (scaled > max) {
    fail(flag, text, "it is absurdly large", hint);
  }
  const auto count = static_cast<std::uint64_t>(std::llround(scaled));
  if (count == 0) {
    fail(flag, text, "it must be greater than zero", hint);
  }
  return count;
}

}  // namespace

std::uint64_t parse_param_count(std::string_view raw, std::string_view flag) {
  const std::string_view text = trim(raw);
  const std::string hint =
      "write a count such as 7B, 0.5B, 1.5T, 350M, 125K, 7e9 or 7000000000 (K/M/B/T = 10^3..10^12)";
  if (text.empty()) {
    fail(flag, raw, "it is empty", hint);
  }
  const NumberAndUnit parts = split(text);
  const std::optional<double> value = to_double(parts.number);
  if (!value) {
    fail(flag, raw, parts.number.empty() ? "there is no number" : "it is not a number", hint);
  }
  double multiplier = 1;
  const std::string unit = lower(parts.unit);
  if (unit == "k") {
    multiplier = 1e3;
  } else if (unit == "m") {
    multiplier = 1e6;
  } else if (unit == "b" || unit == "g") {
    multiplier = 1e9;
  } else if (unit == "t") {
    multiplier = 1e12;
  } else if (!unit.empty()) {
    fail(flag, raw, "unknown unit '" + parts.unit + "'", hint);
  }
  if (std::signbit(*value) || *value < 0) {
    fail(flag, raw, "a parameter count must be positive", hint);
  }
  if (*value * multiplier > static_cast<double>(k_max_params)) {
    fail(flag, raw, "it is over 10^15 parameters, larger than any model", hint);
  }
  // Plain integers are taken exactly, not through a double.
  if (multiplier == 1 && parts.number.find_first_of(".eE") == std::string::npos) {
    std::uint64_t exact = 0;
    const char* begin = parts.number.data() + (parts.number.front() == '+' ? 1 : 0);
    const auto [end, error] =
        std::from_chars(begin, parts.number.data() + parts.number.size(), exact);
    if (error == std::errc() && end == parts.number.data() + parts.number.size()) {
      if (exact == 0) {
        fail(flag, raw, "a parameter count must be greater than zero", hint);
      }
      return exact;
    }
  }
  return to_count(flag, raw, *value, multiplier, static_cast<double>(k_max_params), hint);
}

std::uint64_t parse_size(std::string_view raw, std::string_view flag) {
  const std::string_view text = trim(raw);
  const std::string hint =
      "write a size with a unit, e.g. 24GB (10^9 bytes) or 24GiB (2^30 bytes); MB/MiB/TB/TiB too";
  if (text.empty()) {
    fail(flag, raw, "it is empty", hint);
  }
  const NumberAndUnit parts = split(text);
  const std::optional<double> value = to_double(parts.number);
  if (!value) {
    fail(flag, raw, parts.number.empty() ? "there is no number" : "it is not a number", hint);
  }
  const std::string unit = lower(parts.unit);
  double multiplier = 0;
  if (unit.empty()) {
    fail(flag, raw, "a size needs a unit", hint);
  } else if (unit == "b") {
    multiplier = 1;
  } else if (unit == "kb") {
    multiplier = static_cast<double>(k_kb);
  } else if (unit == "mb") {
    multiplier = static_cast<double>(k_mb);
  } else if (unit == "gb") {
    multiplier = static_cast<double>(k_gb);
  } else if (unit == "tb") {
    multiplier = static_cast<double>(k_tb);
  } else if (unit == "kib") {
    multiplier = static_cast<double>(k_kib);
  } else if (unit == "mib") {
    multiplier = static_cast<double>(k_mib);
  } else if (unit == "gib") {
    multiplier = static_cast<double>(k_gib);
  } else if (unit == "tib") {
    multiplier = static_cast<double>(k_tib);
  } else {
    fail(flag, raw, "unknown unit '" + parts.unit + "'", hint);
  }
  // 1 PiB: far above any memory a tool like this sizes, well inside 64 bits.
  constexpr double k_max_size = 1125899906842624.0;
  return to_count(flag, raw, *value, multiplier, k_max_size, hint);
}

std::uint64_t parse_token_count(std::string_view raw, std::string_view flag) {
  const std::string_view text = trim(raw);
  const std::string hint = "write a token count such as 4096, 8k (8192), 32K or 128k (131072)";
  if (text.empty()) {
    fail(flag, raw, "it is empty", hint);
  }
  const NumberAndUnit parts = split(text);
  const std::optional<double> value = to_double(parts.number);
  if (!value) {
    fail(flag, raw, parts.number.empty() ? "there is no number" : "it is not a number", hint);
  }
  const std::string unit = lower(parts.unit);
  double multiplier = 1;
  if (unit == "k") {
    multiplier = 1024;
  } else if (unit == "m") {
    multiplier = 1024.0 * 1024.0;
  } else if (!unit.empty()) {
    fail(flag, raw, "unknown unit '" + parts.unit + "'", hint);
  }
  const double scaled = *value * multiplier;
  if (std::isfinite(scaled) && scaled >= 0 && scaled != std::floor(scaled)) {
    fail(flag, raw, "it is not a whole number of tokens", hint);
  }
  return to_count(flag, raw, *value, multiplier, 1e8, hint + "; at most 10^8 tokens");
}

std::uint64_t parse_count(std::string_view raw, std::string_view flag, std::uint64_t max) {
  const std::string_view text = trim(raw);
  const std::string hint = "write a positive whole number, at most " + std::to_string(max);
  std::uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (!text.empty() && *begin == '+') {
    ++begin;
  }
  if (text.empty()) {
    fail(flag, raw, "it is empty", hint);
  }
  if (text.front() == '-') {
    fail(flag, raw, "it must be positive", hint);
  }
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (error == std::errc::result_out_of_range) {
    fail(flag, raw, "it is too large", hint);
  }
  if (error != std::errc() || stop != end) {
    fail(flag, raw, "it is not a whole number", hint);
  }
  if (value == 0) {
    fail(flag, raw, "it must be greater than zero", hint);
  }
  if (value > max) {
    fail(flag, raw, "it is too large", hint);
  }
  return value;
}

}  // namespace vramcalc::cli
