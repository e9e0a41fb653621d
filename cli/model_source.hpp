#pragma once
// Which model the command is about: a bare parameter count, a catalog entry, a config.json,
// a GGUF file or safetensors files. Exactly one source per command.

#include <optional>
#include <string>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/model.hpp"

namespace CLI {
class App;
}

namespace vramcalc::cli {

struct ModelSourceOptions {
  std::string params;
  bool params_given = false;
  std::string model;        ///< --model NAME (catalog)
  std::string config;       ///< --config PATH (file or folder)
  std::string gguf;         ///< --gguf PATH (a file, or any shard of a split model)
  std::string safetensors;  ///< --safetensors PATH (file, folder of shards, or index.json)
  std::string layers, hidden, heads, kv_heads, head_dim, vocab;  ///< --params shape overrides
};

struct LoadedModel {
  ModelSpec model;
  std::vector<std::string> notes;          ///< what the reader assumed or skipped
  std::optional<WeightFormat> stored_format;  ///< the checkpoint's own quantization
};

/// Registers the model-source flags in the "Model" group.
void add_model_source_options(CLI::App& app, ModelSourceOptions& options);

/// Loads a model file by what it is: GGUF (by magic or .gguf), safetensors (.safetensors, an
/// index .json, or a folder holding *.safetensors), a config.json (or a folder holding only
/// one). Used by `vramcalc inspect`.
[[nodiscard]] LoadedModel load_model_file(const std::string& path);

/// Loads the one model source given. Throws vramcalc::Error (usage) when none or several are
/// given, or shape overrides come without --params; (input/file) when the source is bad.
/// `converting`: the weights will be costed in another precision (--dtype). A safetensors
/// checkpoint then reads the config.json beside it, whose tensors are the model's parameters
/// (a quantized checkpoint's packed tensors and scales are not).
[[nodiscard]] LoadedModel load_model(const ModelSourceOptions& options, bool converting = false);

}  // namespace vramcalc::cli
