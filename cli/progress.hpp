#pragma once
// A one-line progress indicator on stderr while a remote model is read: drawn only on a
// terminal, only once a read has taken more than a moment, and erased when loading ends, so
// nothing of it reaches a pipe, a file or the JSON on stdout.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "vramcalc/remote.hpp"

namespace vramcalc::cli {

/// Draws "vramcalc: reading FILE  1.2 MB" over itself with carriage returns.
class TerminalProgress final : public FetchProgress {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  using Writer = std::function<void(std::string_view)>;

  /// Nothing is drawn in the first k_delay after construction; then at most every k_interval.
  static constexpr std::chrono::milliseconds k_delay{500};
  static constexpr std::chrono::milliseconds k_interval{100};

  /// `write` receives the escape sequences and text to show; `now` tells the time.
  explicit TerminalProgress(Writer write, Clock now = std::chrono::steady_clock::now);

  void on_bytes(std::string_view file, std::uint64_t done, std::uint64_t expected,
                std::uint64_t total) noexcept override;
  void on_finish() noexcept override;

 private:
  Writer m_write;
  Clock m_now;
  std::chrono::steady_clock::time_point m_start;
  std::chrono::steady_clock::time_point m_last_drawn;
  bool m_drawn = false;
};

/// A TerminalProgress writing to stderr when stderr is a terminal and TERM is not "dumb";
/// null otherwise.
[[nodiscard]] std::unique_ptr<FetchProgress> stderr_progress();

}  // namespace vramcalc::cli
