#include "gpus_command.hpp"

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "output.hpp"
#include "gpu_db_loading.hpp"
#include "render.hpp"

namespace vramcalc::cli {

void setup_gpus(CLI::App& app, GpusCommandOptions& options) {
  add_output_options(app, options.output);
}

int run_gpus(const GpusCommandOptions& options) {
  const Format format = parse_format(options.output.format);
  const bool color = use_color(parse_color_mode(options.output.color));
  const GpuDatabase database = load_gpu_database(options.output.gpu_db_files);
  const std::string out = format == Format::json ? render_gpus_json(database)
                                                 : render_gpus_text(database, Painter(color));
  write_output(out);
  return k_exit_ok;
}

}  // namespace vramcalc::cli
