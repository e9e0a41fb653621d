#pragma once
// The safetensors reader over any folder of files (internal): read_safetensors and
// load_safetensors_model for local paths are built on these, and so are remote repositories.

#include <string>

#include "io/file_set.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/safetensors.hpp"

namespace vramcalc {

/// read_safetensors over the files of `folder`: `name` is one `.safetensors` file of it, an
/// index of it (a name ending in `.json`), or empty for the whole folder (its
/// model.safetensors.index.json, else its only *.safetensors.index.json, else every
/// *.safetensors file). `label` becomes the inventory's path. Throws as read_safetensors.
[[nodiscard]] SafetensorsInventory read_safetensors_in(const io::FileSet& folder,
                                                      const std::string& name,
                                                      const std::string& label);

/// The model of a checkpoint from its config.json (already read) and the headers' inventory:
/// attach_safetensors leaving out the config's MTP layers and taking packed bits from its
/// quantization_config. Throws as attach_safetensors.
[[nodiscard]] ModelSpec safetensors_model_from(HfConfigReading config,
                                               const SafetensorsInventory& inventory);

}  // namespace vramcalc
