#pragma once
// Exit codes, like grep's: 0 computed (and fits, when hardware was named), 1 computed but does
// not fit, 2 any usage, input, file or data error.

namespace vramcalc::cli {
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_does_not_fit = 1;
inline constexpr int k_exit_error = 2;
}  // namespace vramcalc::cli
