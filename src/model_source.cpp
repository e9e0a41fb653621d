// Loading a model from its source: model_source.hpp.
#include "vramcalc/model_source.hpp"

#include <filesystem>
#include <string_view>

#include "model_reading.hpp"
#include "remote/remote_model.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/quantization.hpp"
#include "vramcalc/safetensors.hpp"

namespace vramcalc {

LoadedModel loaded_from_reading(HfConfigReading reading) {
  LoadedModel loaded;
  loaded.model = std::move(reading.model);
  loaded.notes = std::move(reading.notes);
  if (reading.quantization) {
    loaded.stored_format = weight_format_for(*reading.quantization);
    if (!loaded.stored_format) {
      loaded.notes.push_back("quantization method '" + reading.quantization->method +
                             "' is not modelled: weights are costed at the config's dtype");
    }
  }
  return loaded;
}

HfConfigReading read_hf_config_in(const io::FileSet& folder, const std::string& name) {
  const auto source = folder.open(name);
  const std::string origin = folder.path_of(name);
  if (source->size() > k_max_config_json_bytes) {
    throw Error(ErrorKind::file,
                origin + ": is " + std::to_string(source->size()) +
                    " bytes, far larger than any config.json (limit 16 MiB)",
                "check that it is a Hugging Face config.json");
  }
  std::string text(static_cast<std::size_t>(source->size()), '\0');
  source->read(0, text.data(), text.size());
  return read_hf_config(text, origin);
}

bool stores_quantized(const ModelSpec& model) {
  for (const auto& tensor : model.tensors) {
    const std::string& t = tensor.stored_type;
    if (t != "F32" && t != "F16" && t != "BF16" && t != "F64") {
      return true;
    }
  }
  return false;
}

LoadedModel converted_checkpoint(HfConfigReading reading) {
  LoadedModel loaded = loaded_from_reading(std::move(reading));
  loaded.notes.push_back("--dtype costs the parameters of the config.json beside the "
                         "weights, not the stored tensors");
  loaded.stored_format.reset();
  return loaded;
}

namespace {

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

bool looks_like_gguf(const std::string& path) {
  if (ends_with(path, ".gguf")) {
    return true;
  }
  return is_gguf_file(path);
}

// A folder of shards, a .safetensors file, or model.safetensors.index.json.
bool looks_like_safetensors(const std::string& path) {
  if (ends_with(path, ".safetensors") || ends_with(path, ".safetensors.index.json")) {
    return true;
  }
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) {
    return false;
  }
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    if (ends_with(entry.path().filename().string(), ".safetensors")) {
      return true;
    }
  }
  return false;
}

LoadedModel from_gguf(const std::string& path) {
  LoadedModel loaded;
  loaded.model = load_gguf_model(path);
  return loaded;
}

LoadedModel from_safetensors(const std::string& path, bool converting) {
  LoadedModel loaded;
  loaded.model = load_safetensors_model(path);
  if (!converting || !stores_quantized(loaded.model)) {
    // Plain float tensors are the parameters: another precision is costed on them.
    return loaded;
  }
  std::error_code error;
  const std::filesystem::path file(path);
  const std::string folder =
      std::filesystem::is_directory(file, error) ? file.string() : file.parent_path().string();
  return converted_checkpoint(read_hf_config_file(folder.empty() ? "." : folder));
}

LoadedModel from_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error) && looks_like_gguf(path)) {
    return from_gguf(path);
  }
  if (looks_like_safetensors(path)) {
    return from_safetensors(path, false);
  }
  return loaded_from_reading(read_hf_config_file(path));
}

}  // namespace

LoadedModel load_model(const ModelSourceSpec& spec) {
  if (spec.overrides.any() && spec.kind != ModelSourceKind::params) {
    throw Error(ErrorKind::usage, "shape overrides (--layers, --hidden, ...) apply to --params",
                "a catalog model or a file already has its shape; drop the overrides");
  }
  switch (spec.kind) {
    case ModelSourceKind::params: {
      LoadedModel loaded;
      loaded.model = model_from_params(spec.params, spec.overrides);
      return loaded;
    }
    case ModelSourceKind::catalog:
      return loaded_from_reading(read_catalog_entry(find_catalog_entry(spec.location)));
    case ModelSourceKind::config:
      return loaded_from_reading(read_hf_config_file(spec.location));
    case ModelSourceKind::gguf:
      return from_gguf(spec.location);
    case ModelSourceKind::safetensors:
      return from_safetensors(spec.location, spec.converting);
    case ModelSourceKind::file:
      return from_file(spec.location);
    case ModelSourceKind::hub:
      return remote::load_hub_model(spec);
    case ModelSourceKind::url:
      return remote::load_url_model(spec);
  }
  throw Error(ErrorKind::usage, "unknown model source", "");
}

}  // namespace vramcalc
