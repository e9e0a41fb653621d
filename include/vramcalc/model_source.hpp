#pragma once
/// Loading a model from where the user names it: a Hugging Face Hub repository, a URL, a bare
/// parameter count, the built-in catalog, a config.json, a GGUF file or safetensors files. One
/// entry point for every command, so the command line only maps its flags to a
/// ModelSourceSpec.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/remote.hpp"

namespace vramcalc {

/// Where a model comes from.
enum class ModelSourceKind {
  params,       ///< a bare parameter count (`params`) with an assumed shape
  catalog,      ///< a built-in catalog entry (`location` is its name)
  config,       ///< a Hugging Face config.json, or the folder holding it
  gguf,         ///< a GGUF file (or any shard of a split model)
  safetensors,  ///< a .safetensors file, a folder of shards, or model.safetensors.index.json
  file,         ///< any model file, recognised by its content (GGUF, safetensors, config.json)
  hub,          ///< a Hugging Face Hub repository: `location` is "ORG/REPO[@REVISION]"
  url,          ///< one GGUF, safetensors or config.json file at an http(s) URL (`location`)
};

/// The one model source of a request.
struct ModelSourceSpec {
  ModelSourceKind kind = ModelSourceKind::params;
  std::string location;          ///< path or catalog name (unused for params)
  std::uint64_t params = 0;      ///< for params: the parameter count
  ShapeOverrides overrides;      ///< for params: shape fields the user set
  /// The weights will be costed in another precision (--dtype). A quantized safetensors
  /// checkpoint then reads the config.json beside it, whose tensors are the model's parameters (a quantized
  /// checkpoint's packed tensors and scales are not).
  bool converting = false;
  /// hub: the file to read (a GGUF file or any shard of a split one, a .safetensors file, a
  /// config.json); empty: chosen from the repository's files.
  std::string hub_file;
  /// hub: the --dtype the user gave. In a repository of GGUF files it picks the file whose
  /// name carries that quantization (`q4_k_m` -> `*Q4_K_M*.gguf`) instead of converting.
  std::string dtype;
  RemoteSettings remote;              ///< hub, url: endpoint, token, offline, cache, limits
  FetchProgress* progress = nullptr;  ///< hub, url: told as bytes arrive; may be null
};

/// A model as read, with what the reader had to assume.
struct LoadedModel {
  ModelSpec model;
  std::vector<std::string> notes;             ///< what the reader assumed or skipped
  std::optional<WeightFormat> stored_format;  ///< the checkpoint's own quantization
  /// ModelSourceSpec::dtype picked the file of a GGUF repository: the weights are that file's,
  /// and the dtype must not be applied again as a conversion.
  bool dtype_picked_file = false;
  std::optional<RemoteRead> remote;  ///< hub, url: what was fetched and what came from cache
};

/// Reads the model `spec` names. Throws vramcalc::Error (usage) when shape overrides come
/// without a parameter count; (input/file/data) when the source is bad, including every
/// remote failure (not found, gated, rate limited, offline without a cache, ...).
[[nodiscard]] LoadedModel load_model(const ModelSourceSpec& spec);

}  // namespace vramcalc
