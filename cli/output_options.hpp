#pragma once
// Options every command shares: output format, colour and extra GPU databases.

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace vramcalc::cli {

enum class Format { text, json };

struct OutputOptions {
  std::string format = "text";          ///< --format text|json
  std::string color = "auto";           ///< --color auto|always|never
  std::vector<std::string> gpu_db_files;  ///< --gpu-db FILE (repeatable)
};

/// Registers --format, --color and --gpu-db on `app` in the "Output" group.
void add_output_options(CLI::App& app, OutputOptions& options);

/// Parses --format; throws vramcalc::Error (kind input) on anything but text or json.
[[nodiscard]] Format parse_format(const std::string& text);

}  // namespace vramcalc::cli
