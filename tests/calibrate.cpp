// vramcalc_calibrate: derives vramcalc's data-derived constants from the calibration rows of
// tests/data/ (tests/support/calibration.hpp) and writes include/vramcalc/calibrated.hpp.
//   vramcalc_calibrate            print the header it would write
//   vramcalc_calibrate --write    write it
//   vramcalc_calibrate --check    exit 1 when the committed header differs (a ctest test)
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "calibration.hpp"

namespace {

std::string header_path() {
  return std::string(VRAMCALC_SOURCE_DIR) + "/include/vramcalc/calibrated.hpp";
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const std::string header =
      vramcalc::test::calibrated_header(vramcalc::test::derived_constants());
  if (mode == "--write") {
    std::ofstream(header_path(), std::ios::binary) << header;
    std::printf("wrote %s\n", header_path().c_str());
    return 0;
  }
  if (mode == "--check") {
    if (read(header_path()) != header) {
      std::fprintf(stderr,
                   "%s is stale: the calibration rows give other constants.\n"
                   "Run build/tests/vramcalc_calibrate --write, rebuild, and commit the header.\n"
                   "It would be:\n%s",
                   header_path().c_str(), header.c_str());
      return 1;
    }
    std::printf("%s is current\n", header_path().c_str());
    return 0;
  }
  std::fwrite(header.data(), 1, header.size(), stdout);
  return 0;
}
