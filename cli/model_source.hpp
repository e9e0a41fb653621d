#pragma once
// The model-source flags: a Hugging Face Hub repository, a URL, a bare parameter count, a
// catalog entry, a config.json, a GGUF file or safetensors files. Exactly one source per
// command; the library loads it.

#include <string>

#include "vramcalc/model_source.hpp"

namespace vramcalc::cli {

class Flags;

struct ModelSourceOptions {
  std::string hf;       ///< --hf ORG/REPO[@REVISION] (Hugging Face Hub)
  std::string hf_file;  ///< --hf-file NAME (with --hf: the file to read)
  std::string url;      ///< --url URL (one file on an HTTP(S) server with Range support)
  /// --dtype as typed, set by the command that owns the flag: in a --hf repository of GGUF
  /// files it picks the file of that quantization.
  std::string dtype;
  std::string params;
  bool params_given = false;
  std::string model;        ///< --model NAME (catalog)
  std::string config;       ///< --config PATH (file or folder)
  std::string gguf;         ///< --gguf PATH (a file, or any shard of a split model)
  std::string safetensors;  ///< --safetensors PATH (file, folder of shards, or index.json)
  std::string layers, hidden, heads, kv_heads, head_dim, vocab;  ///< --params shape overrides
};

/// Declares the model-source flags in the "Model" group.
void add_model_source_options(Flags& flags, ModelSourceOptions& options);

/// Declares only the remote flags (--hf, --hf-file, --url), for commands that take a path.
void add_remote_source_options(Flags& flags, ModelSourceOptions& options);

/// The one source the flags name. Throws vramcalc::Error (usage) when none or several are
/// given; (input) when a count or shape value cannot be read. `converting`: --dtype was given
/// to cost the weights in another precision. Remote sources take their settings from the
/// environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, XDG_CACHE_HOME).
[[nodiscard]] ModelSourceSpec model_source_spec(const ModelSourceOptions& options,
                                                bool converting);

/// load_model(spec), drawing a progress line on stderr while a remote model is read when
/// stderr is a terminal.
[[nodiscard]] LoadedModel load_model_with_progress(ModelSourceSpec spec);

}  // namespace vramcalc::cli
