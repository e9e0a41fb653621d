#include "terminal.hpp"

#include <unistd.h>

#include <cstdlib>

#include "vramcalc/error.hpp"

namespace vramcalc::cli {

namespace {
bool env_set(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && value[0] != '\0';
}
}  // namespace

ColorMode parse_color_mode(std::string_view text) {
  if (text == "auto") {
    return ColorMode::automatic;
  }
  if (text == "always") {
    return ColorMode::always;
  }
  if (text == "never") {
    return ColorMode::never;
  }
  throw Error(ErrorKind::input, "invalid --color '" + std::string(text) + "'",
              "use --color auto, always or never");
}

bool use_color(ColorMode mode) {
  if (mode != ColorMode::automatic) {
    return mode == ColorMode::always;
  }
  if (env_set("NO_COLOR")) {
    return false;
  }
  for (const char* force : {"CLICOLOR_FORCE", "FORCE_COLOR"}) {
    if (env_set(force) && std::string_view(std::getenv(force)) != "0") {
      return true;
    }
  }
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") {
    return false;
  }
  return isatty(STDOUT_FILENO) == 1;
}

}  // namespace vramcalc::cli
