#include "vramcalc/version.hpp"

namespace vramcalc {
std::string_view version() {
  return VRAMCALC_VERSION;
}
}  // namespace vramcalc
