#pragma once
// Terminal manners: whether to colour, and the 16-colour escape codes.

#include <string>
#include <string_view>

namespace vramcalc::cli {

enum class ColorMode { automatic, always, never };

/// Parses --color auto|always|never; throws vramcalc::Error (kind input) otherwise.
[[nodiscard]] ColorMode parse_color_mode(std::string_view text);

/// auto: stdout is a terminal, TERM is not "dumb" and NO_COLOR is empty (no-color.org);
/// CLICOLOR_FORCE or FORCE_COLOR (non-empty, not "0") force it on. always/never are final.
[[nodiscard]] bool use_color(ColorMode mode);

/// Wraps text in an ANSI colour when enabled.
class Painter {
 public:
  explicit Painter(bool enabled) : m_enabled(enabled) {}
  [[nodiscard]] std::string bold(std::string_view s) const { return wrap("1", s); }
  [[nodiscard]] std::string dim(std::string_view s) const { return wrap("2", s); }
  [[nodiscard]] std::string green(std::string_view s) const { return wrap("32", s); }
  [[nodiscard]] std::string red(std::string_view s) const { return wrap("31", s); }
  [[nodiscard]] std::string yellow(std::string_view s) const { return wrap("33", s); }
  [[nodiscard]] std::string cyan(std::string_view s) const { return wrap("36", s); }

 private:
  [[nodiscard]] std::string wrap(std::string_view code, std::string_view s) const {
    if (!m_enabled) {
      return std::string(s);
    }
    return "\x1b[" + std::string(code) + "m" + std::string(s) + "\x1b[0m";
  }
  bool m_enabled;
};

}  // namespace vramcalc::cli
