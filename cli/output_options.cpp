#include "output_options.hpp"

#include "cli11.hpp"

#include "flags.hpp"

#include "vramcalc/error.hpp"

namespace vramcalc::cli {

void add_output_options(Flags& flags, OutputOptions& options) {
  flags.text("--format", options.format, "FORMAT", "Output", "Output: text (default) or json");
  flags.text("--color", options.color, "WHEN", "Output",
             "Colour: auto (default: on a terminal, off with NO_COLOR), always, never");
  flags.text("--gpu-db", options.gpu_db_files, "FILE", "Hardware",
             "Extra GPU database (JSON), merged by id over the built-in one; repeatable. "
             "$VRAMCALC_GPU_DB names one too");
}

Format parse_format(const std::string& text) {
  if (text == "text") {
    return Format::text;
  }
  if (text == "json") {
    return Format::json;
  }
  throw Error(ErrorKind::input, "invalid --format '" + text + "'", "use --format text or json");
}

}  // namespace vramcalc::cli
