#pragma once
// Pieces of load_model shared by local and remote sources (internal): a config reading as a
// LoadedModel, and config.json read from any folder of files.

#include <string>

#include "io/file_set.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/model_source.hpp"

namespace vramcalc {

/// The model a config.json describes, with its notes and the format its quantization_config
/// gives (a note when that format is not modelled).
[[nodiscard]] LoadedModel loaded_from_reading(HfConfigReading reading);

/// Reads and parses `name` (a config.json) of `folder`, refusing one over
/// k_max_config_json_bytes before reading it. Throws as read_hf_config.
[[nodiscard]] HfConfigReading read_hf_config_in(const io::FileSet& folder,
                                                const std::string& name);

/// Whether a checkpoint stores packed or scaled weights (GPTQ, AWQ, FP8, ...) rather than
/// plain floats: its tensors are then not the model's parameters.
[[nodiscard]] bool stores_quantized(const ModelSpec& model);

/// loaded_from_reading of the config.json beside a quantized checkpoint whose weights are to be
/// converted (--dtype): it costs the config's parameters, not the stored tensors.
[[nodiscard]] LoadedModel converted_checkpoint(HfConfigReading reading);

}  // namespace vramcalc
