#include "vramcalc/bytes.hpp"

#include <limits>
#include <string>

#include "vramcalc/error.hpp"

namespace vramcalc {

std::optional<std::uint64_t> try_mul(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t result = 0;
  if (__builtin_mul_overflow(a, b, &result)) {
    return std::nullopt;
  }
  return result;
}

std::optional<std::uint64_t> try_add(std::uint64_t a, std::uint64_t b) noexcept {
  std::uint64_t result = 0;
  if (__builtin_add_overflow(a, b, &result)) {
    return std::nullopt;
  }
  return result;
}

namespace {
// 128-bit intermediate for ratios of 64-bit counts (a GCC/Clang extension on every 64-bit target).
__extension__ using Uint128 = unsigned __int128;

[[noreturn]] void throw_overflow(const char* what) {
  throw Error(ErrorKind::input,
              "too large to compute: the " + std::string(what) + " would exceed 2^64",
              "use smaller values (context, batch or model dimensions)");
}
}  // namespace

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const char* what) {
  const auto result = try_mul(a, b);
  if (!result) {
    throw_overflow(what);
  }
  return *result;
}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const char* what) {
  const auto result = try_add(a, b);
  if (!result) {
    throw_overflow(what);
  }
  return *result;
}

std::uint64_t mul_div_ceil(std::uint64_t value, std::uint64_t numerator, std::uint64_t denominator,
                           const char* what) {
  const Uint128 product = static_cast<Uint128>(value) * numerator;
  const Uint128 quotient = product / denominator + (product % denominator != 0 ? 1 : 0);
  if (quotient > std::numeric_limits<std::uint64_t>::max()) {
    throw_overflow(what);
  }
  return static_cast<std::uint64_t>(quotient);
}

std::int64_t signed_difference(std::uint64_t a, std::uint64_t b) noexcept {
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (a >= b) {
    const std::uint64_t d = a - b;
    return d > max ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(d);
  }
  const std::uint64_t d = b - a;
  return d > max ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(d);
}

}  // namespace vramcalc
