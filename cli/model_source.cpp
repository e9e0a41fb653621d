#include "model_source.hpp"

#include <filesystem>

#include <CLI/CLI.hpp>

#include "quantity.hpp"
#include "vramcalc/catalog.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"
#include "vramcalc/hf_config.hpp"
#include "vramcalc/params_model.hpp"
#include "vramcalc/safetensors.hpp"
#include "vramcalc/quantization.hpp"

namespace vramcalc::cli {

namespace {

// Shape overrides: generous caps, checked again by the library.
constexpr std::uint64_t k_max_shape_value = 100'000'000;

std::optional<std::uint32_t> shape_value(const std::string& text, const char* flag) {
  if (text.empty()) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(parse_count(text, flag, k_max_shape_value));
}

LoadedModel from_reading(HfConfigReading reading) {
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

bool looks_like_gguf(const std::string& path) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".gguf") == 0) {
    return true;
  }
  return is_gguf_file(path);
}

bool ends_with(const std::string& text, std::string_view tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
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

LoadedModel from_safetensors(const std::string& path) {
  LoadedModel loaded;
  loaded.model = load_safetensors_model(path);
  return loaded;
}

LoadedModel from_gguf(const std::string& path) {
  LoadedModel loaded;
  loaded.model = load_gguf_model(path);
  return loaded;
}

}  // namespace

LoadedModel load_model_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error) && looks_like_gguf(path)) {
    return from_gguf(path);
  }
  if (looks_like_safetensors(path)) {
    return from_safetensors(path);
  }
  return from_reading(read_hf_config_file(path));
}

void add_model_source_options(CLI::App& app, ModelSourceOptions& o) {
  app.add_option("--params", o.params,
                 "Parameter count: 7B, 0.5B, 1.5T, 350M, 7e9, 7_000_000_000 (K/M/B/T = "
                 "10^3..10^12)")
      ->group("Model")
      ->type_name("COUNT")
      ->each([&o](const std::string&) { o.params_given = true; });
  app.add_option("--model", o.model,
                 "A model of the built-in catalog: llama-3.1-8b, 'Qwen/Qwen2.5-7B', mixtral "
                 "('vramcalc models' lists them)")
      ->group("Model")
      ->type_name("NAME");
  app.add_option("--config", o.config, "A Hugging Face config.json, or the folder holding it")
      ->group("Model")
      ->type_name("PATH");
  app.add_option("--gguf", o.gguf,
                 "A GGUF file (or any shard of a split model): exact tensor bytes, header only")
      ->group("Model")
      ->type_name("PATH");
  app.add_option("--safetensors", o.safetensors,
                 "safetensors weights: a file, a folder of shards or model.safetensors.index.json"
                 " (config.json beside them); exact bytes from the headers")
      ->group("Model")
      ->type_name("PATH");
  const auto shape = [&](const char* name, std::string& target, const char* help) {
    app.add_option(name, target, help)->group("Model")->type_name("N");
  };
  shape("--layers", o.layers, "With --params: transformer layers of the assumed shape");
  shape("--hidden", o.hidden, "With --params: hidden size");
  shape("--heads", o.heads, "With --params: attention heads");
  shape("--kv-heads", o.kv_heads, "With --params: key/value heads (divide --heads)");
  shape("--head-dim", o.head_dim, "With --params: head dimension (default hidden/heads)");
  shape("--vocab", o.vocab, "With --params: vocabulary size");
}

LoadedModel load_model(const ModelSourceOptions& o, bool converting) {
  const int sources = (o.params_given ? 1 : 0) + (o.model.empty() ? 0 : 1) +
                      (o.config.empty() ? 0 : 1) + (o.gguf.empty() ? 0 : 1) +
                      (o.safetensors.empty() ? 0 : 1);
  if (sources == 0) {
    throw Error(ErrorKind::usage, "no model given",
                "give one of --params 7B, --model llama-3.1-8b, --config config.json, "
                "--gguf model.gguf, --safetensors DIR");
  }
  if (sources > 1) {
    throw Error(ErrorKind::usage, "more than one model given",
                "use exactly one of --params, --model, --config, --gguf, --safetensors");
  }
  ShapeOverrides overrides;
  overrides.layers = shape_value(o.layers, "--layers");
  overrides.hidden = shape_value(o.hidden, "--hidden");
  overrides.heads = shape_value(o.heads, "--heads");
  overrides.kv_heads = shape_value(o.kv_heads, "--kv-heads");
  overrides.head_dim = shape_value(o.head_dim, "--head-dim");
  overrides.vocab = shape_value(o.vocab, "--vocab");
  if (overrides.any() && !o.params_given) {
    throw Error(ErrorKind::usage, "shape overrides (--layers, --hidden, ...) apply to --params",
                "a catalog model or a file already has its shape; drop the overrides");
  }
  if (o.params_given) {
    LoadedModel loaded;
    loaded.model = model_from_params(parse_param_count(o.params, "--params"), overrides);
    return loaded;
  }
  if (!o.model.empty()) {
    return from_reading(read_catalog_entry(find_catalog_entry(o.model)));
  }
  if (!o.gguf.empty()) {
    return from_gguf(o.gguf);
  }
  if (!o.safetensors.empty()) {
    if (converting) {
      std::error_code error;
      const std::filesystem::path path(o.safetensors);
      const std::string folder =
          std::filesystem::is_directory(path, error) ? path.string() : path.parent_path().string();
      LoadedModel loaded = from_reading(read_hf_config_file(folder.empty() ? "." : folder));
      loaded.notes.push_back("--dtype costs the parameters of the config.json beside the "
                             "weights, not the stored tensors");
      loaded.stored_format.reset();
      return loaded;
    }
    return from_safetensors(o.safetensors);
  }
  return from_reading(read_hf_config_file(o.config));
}

}  // namespace vramcalc::cli
