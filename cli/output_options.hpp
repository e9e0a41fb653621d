#pragma once
// Options every command shares: output format, colour and extra GPU databases.

#include <string>
#include <vector>

namespace vramcalc::cli {

class Flags;

enum class Format { text, json };

struct OutputOptions {
  std::string format = "text";          ///< --format text|json
  std::string color = "auto";           ///< --color auto|always|never
  std::vector<std::string> gpu_db_files;  ///< --gpu-db FILE (repeatable)
};

/// Declares --format and --color ("Output") and --gpu-db ("Hardware").
void add_output_options(Flags& flags, OutputOptions& options);

/// Parses --format; throws vramcalc::Error (kind input) on anything but text or json.
[[nodiscard]] Format parse_format(const std::string& text);

}  // namespace vramcalc::cli
