#pragma once
/// Reading a whole JSON input (a config.json, a GPU database) from a regular file, a pipe or
/// standard input, with a cap on its bytes and a limit on the time a pipe is waited for.

#include <chrono>
#include <cstdint>
#include <string>

namespace vramcalc {

/// How much of a JSON input is read, and for how long a pipe is waited on.
struct TextInputLimits {
  /// Most bytes accepted; a longer input is an error. Requires: > 0.
  std::uint64_t max_bytes = 0;
  /// Pipes only: the whole read, from the first byte to its writer closing it. Default: 30 s,
  /// ample for `<(jq ...)` or a download; a writer that never finishes is an error after it.
  std::chrono::milliseconds time_limit{30'000};
};

/// The path that names standard input.
inline constexpr std::string_view k_stdin_path = "-";

/// Reads the whole of `path`: a regular file (up to its end, however large it says it is), or
/// a pipe (a FIFO with a writer, `<(...)` process substitution, `-` for standard input) until
/// its writer closes it. Opening never blocks and the type is checked on the open descriptor.
/// Throws vramcalc::Error (kind file) naming `what` and the path: a directory, a device or a
/// socket; standard input that is a terminal; a FIFO without a writer; an empty pipe; more than
/// `limits.max_bytes`; a pipe still open after `limits.time_limit`.
[[nodiscard]] std::string read_text_input(const std::string& path, const std::string& what,
                                          const TextInputLimits& limits);

}  // namespace vramcalc
