#pragma once
/// Byte counts and units. Every memory figure in vramcalc is a 64-bit unsigned count of bytes;
/// a figure that can be negative (headroom) is a signed 64-bit count. Units are explicit:
/// GB = 10^9 bytes, GiB = 2^30 bytes, never mixed within one figure.

#include <cstdint>
#include <optional>

namespace vramcalc {

inline constexpr std::uint64_t k_kb = 1000ULL;
inline constexpr std::uint64_t k_mb = 1000ULL * k_kb;
inline constexpr std::uint64_t k_gb = 1000ULL * k_mb;
inline constexpr std::uint64_t k_tb = 1000ULL * k_gb;
inline constexpr std::uint64_t k_kib = 1024ULL;
inline constexpr std::uint64_t k_mib = 1024ULL * k_kib;
inline constexpr std::uint64_t k_gib = 1024ULL * k_mib;
inline constexpr std::uint64_t k_tib = 1024ULL * k_gib;

/// a * b, or nullopt when the product does not fit in 64 bits.
[[nodiscard]] std::optional<std::uint64_t> try_mul(std::uint64_t a, std::uint64_t b) noexcept;
/// a + b, or nullopt when the sum does not fit in 64 bits.
[[nodiscard]] std::optional<std::uint64_t> try_add(std::uint64_t a, std::uint64_t b) noexcept;

/// a * b; throws vramcalc::Error (kind input) naming `what` when the product overflows.
[[nodiscard]] std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const char* what);
/// a + b; throws vramcalc::Error (kind input) naming `what` when the sum overflows.
[[nodiscard]] std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const char* what);

/// ceil(value * numerator / denominator) with a 128-bit intermediate; throws on overflow of the
/// result. `denominator` must be non-zero.
[[nodiscard]] std::uint64_t mul_div_ceil(std::uint64_t value, std::uint64_t numerator,
                                         std::uint64_t denominator, const char* what);

/// ceil(a / b) for b > 0.
[[nodiscard]] constexpr std::uint64_t div_ceil(std::uint64_t a, std::uint64_t b) noexcept {
  return a / b + (a % b != 0 ? 1 : 0);
}

/// Rounds `value` up to a multiple of `step` (step > 0).
[[nodiscard]] constexpr std::uint64_t round_up(std::uint64_t value, std::uint64_t step) noexcept {
  return div_ceil(value, step) * step;
}

/// Bytes in decimal gigabytes (10^9), for display only.
[[nodiscard]] constexpr double to_gb(std::uint64_t bytes) noexcept {
  return static_cast<double>(bytes) / static_cast<double>(k_gb);
}
/// Bytes in binary gibibytes (2^30), for display only.
[[nodiscard]] constexpr double to_gib(std::uint64_t bytes) noexcept {
  return static_cast<double>(bytes) / static_cast<double>(k_gib);
}

/// Difference a - b as a signed count (both are below 2^63 in practice; saturates otherwise).
[[nodiscard]] std::int64_t signed_difference(std::uint64_t a, std::uint64_t b) noexcept;

}  // namespace vramcalc
