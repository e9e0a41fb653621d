#pragma once
// The model-source flags: a bare parameter count, a catalog entry, a config.json, a GGUF file
// or safetensors files. Exactly one source per command; the library loads it.

#include <string>

#include "vramcalc/model_source.hpp"

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

/// Registers the model-source flags in the "Model" group.
void add_model_source_options(CLI::App& app, ModelSourceOptions& options);

/// The one source the flags name. Throws vramcalc::Error (usage) when none or several are
/// given; (input) when a count or shape value cannot be read. `converting`: --dtype was given.
[[nodiscard]] ModelSourceSpec model_source_spec(const ModelSourceOptions& options,
                                                bool converting);

}  // namespace vramcalc::cli
