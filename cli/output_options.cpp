#include "output_options.hpp"

#include <CLI/CLI.hpp>

#include "vramcalc/error.hpp"

namespace vramcalc::cli {

void add_output_options(CLI::App& app, OutputOptions& options) {
  app.add_option("--format", options.format, "Output: text (default) or json")
      ->group("Output")
      ->type_name("FORMAT");
  app.add_option("--color", options.color,
                 "Colour: auto (default: on a terminal, off with NO_COLOR), always, never")
      ->group("Output")
      ->type_name("WHEN");
  app.add_option("--gpu-db", options.gpu_db_files,
                 "Extra GPU database (JSON), merged by id over the built-in one; repeatable. "
                 "$VRAMCALC_GPU_DB names one too")
      ->group("Hardware")
      ->type_name("FILE");
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
