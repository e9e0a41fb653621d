#include "cli_checks.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "catch.hpp"

namespace vramcalc::test {

void check_input_error(const CliResult& result, const std::string& needle) {
  INFO("stderr: " << result.err);
  CHECK_FALSE(result.timed_out);
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  CHECK(result.err.rfind("vramcalc: error: ", 0) == 0);
  CHECK(result.err.find(needle) != std::string::npos);
  CHECK(result.err.find("\n  hint: ") != std::string::npos);
  CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 2);
  CHECK_FALSE(has_terminal_controls(result.err));
}

bool has_terminal_controls(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0U;
    if ((byte < 0x20 && byte != '\n') || byte == 0x7f || (byte == 0xc2 && next >= 0x80 && next <= 0x9f)) {
      return true;
    }
  }
  return false;
}

void make_fifo(const std::string& path) {
  if (::mkfifo(path.c_str(), 0600) != 0) {
    throw std::runtime_error("mkfifo " + path + ": " + std::strerror(errno));
  }
}

}  // namespace vramcalc::test
