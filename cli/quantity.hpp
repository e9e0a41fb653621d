#pragma once
// Parsers for the quantities users type on the command line. Each throws vramcalc::Error
// (kind input) with a message naming the flag and a hint showing a valid form.

#include <cstdint>
#include <string_view>

namespace vramcalc::cli {

/// "7B", "7b", "0.5B", "1.5T", "350M", "125K", "7e9", "7000000000", "7_000_000_000".
/// K/M/B/T are decimal (10^3 .. 10^12). Must be > 0 and <= 10^15.
[[nodiscard]] std::uint64_t parse_param_count(std::string_view text, std::string_view flag);

/// "24GB", "24 GiB", "512MiB", "1.5TB": a unit is required. KB/MB/GB/TB are decimal,
/// KiB/MiB/GiB/TiB binary; "B" is bytes.
[[nodiscard]] std::uint64_t parse_size(std::string_view text, std::string_view flag);

/// Tokens: "4096", "8k" (= 8192), "32K", "128k" (= 131072), "1M" (= 1048576). Token counts
/// use binary K/M, as context lengths are quoted ("128k" is 131072 tokens).
[[nodiscard]] std::uint64_t parse_token_count(std::string_view text, std::string_view flag);

/// A positive whole number no larger than `max`: "4", "16".
[[nodiscard]] std::uint64_t parse_count(std::string_view text, std::string_view flag,
                                        std::uint64_t max);

}  // namespace vramcalc::cli
