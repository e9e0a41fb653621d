// load_safetensors_model: a checkpoint's shape from the config.json beside it, its tensors,
// exact bytes and parameter counts from the safetensors headers.
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "safetensors/safetensors_files.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/safetensors.hpp"

namespace vramcalc {

ModelSpec load_safetensors_model(const std::string& path) {
  namespace fs = std::filesystem;
  // The weights first, so that a wrong path is reported as such.
  const SafetensorsInventory inventory = read_safetensors(path);

  // config.json sits beside the weights: in the folder named, or beside the file named.
  std::error_code error;
  fs::path folder = fs::is_directory(path, error) ? fs::path(path) : fs::path(path).parent_path();
  if (folder.empty()) {
    folder = ".";
  }
  // Exists, of whatever type: the config reader says what is wrong with a FIFO or a device.
  if (!fs::exists(fs::symlink_status(folder / "config.json", error))) {
    throw Error(ErrorKind::file,
                "no config.json beside '" + path + "' (looked in '" + folder.string() +
                    "'): the safetensors headers list the weights, but the model's shape "
                    "(layers, heads, context) comes from its config.json",
                "download config.json from the model's repository into '" + folder.string() +
                    "'");
  }
  return safetensors_model_from(read_hf_config_file(folder.string()), inventory);
}

ModelSpec safetensors_model_from(HfConfigReading config, const SafetensorsInventory& inventory) {
  SafetensorsAttachOptions options;
  options.mtp_layers = config.excluded_mtp_layers;
  if (config.quantization && config.quantization->bits) {
    options.packed_bits = *config.quantization->bits;
  }
  attach_safetensors(config.model, inventory, options);
  return std::move(config.model);
}

}  // namespace vramcalc
