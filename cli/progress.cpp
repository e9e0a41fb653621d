// The progress line on stderr: progress.hpp.
#include "progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace vramcalc::cli {

namespace {

// Longest file name shown: the line stays within 80 columns.
constexpr std::size_t k_max_name = 40;

std::string megabytes(std::uint64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

}  // namespace

TerminalProgress::TerminalProgress(Writer write, Clock now)
    : m_write(std::move(write)), m_now(std::move(now)), m_start(m_now()) {}

void TerminalProgress::on_bytes(std::string_view file, std::uint64_t done,
                                std::uint64_t expected, std::uint64_t total) noexcept {
  try {
    const auto now = m_now();
    if (now - m_start < k_delay || (m_drawn && now - m_last_drawn < k_interval)) {
      return;
    }
    if (file.size() > k_max_name) {
      file = file.substr(file.size() - k_max_name);
    }
    std::string line = fmt::format("\r\x1b[Kvramcalc: reading {} {}", file, megabytes(done));
    if (expected > 0) {
      line += fmt::format(" of {}", megabytes(expected));
    }
    line += fmt::format(" ({} in all)", megabytes(total));
    m_write(line);
    m_drawn = true;
    m_last_drawn = now;
  } catch (...) {
    // Progress is a courtesy: a failure to draw never stops the reading.
  }
}

void TerminalProgress::on_finish() noexcept {
  if (!m_drawn) {
    return;
  }
  try {
    m_write("\r\x1b[K");
    m_drawn = false;
  } catch (...) {
  }
}

std::unique_ptr<FetchProgress> stderr_progress() {
  const char* term = std::getenv("TERM");
  if (::isatty(STDERR_FILENO) == 0 || (term != nullptr && std::strcmp(term, "dumb") == 0)) {
    return nullptr;
  }
  return std::make_unique<TerminalProgress>([](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  });
}

}  // namespace vramcalc::cli
