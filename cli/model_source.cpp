#include "model_source.hpp"

#include "cli11.hpp"

#include "flags.hpp"

#include "progress.hpp"
#include "quantity.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/params_model.hpp"

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

}  // namespace

void add_remote_source_options(Flags& flags, ModelSourceOptions& o) {
  flags.text("--hf", o.hf, "REPO", "Model",
             "A Hugging Face Hub repository, ORG/REPO[@REVISION]: config.json and the "
             "weights' headers are read, never the weights (HF_TOKEN, HF_ENDPOINT, "
             "HF_HUB_OFFLINE)");
  flags.text("--hf-file", o.hf_file, "NAME", "Model",
             "With --hf: the file to read (a .gguf, .safetensors or config.json); default: "
             "chosen from the repository, --dtype picking among GGUF quantizations");
  flags.text("--url", o.url, "URL", "Model",
             "A GGUF or safetensors file on an HTTP(S) server with Range support (its "
             "config.json beside it)");
}

void add_model_source_options(Flags& flags, ModelSourceOptions& o) {
  add_remote_source_options(flags, o);
  if (CLI::Option* option =
          flags.text("--params", o.params, "COUNT", "Model",
                     "Parameter count: 7B, 0.5B, 1.5T, 350M, 7e9, 7_000_000_000 (K/M/B/T = "
                     "10^3..10^12)")) {
    option->each([&o](const std::string&) { o.params_given = true; });
  }
  flags.text("--model", o.model, "NAME", "Model",
             "A model of the built-in catalog: llama-3.1-8b, 'Qwen/Qwen2.5-7B', mixtral "
             "('vramcalc models' lists them)");
  flags.text("--config", o.config, "PATH", "Model",
             "A Hugging Face config.json, or the folder holding it");
  flags.text("--gguf", o.gguf, "PATH", "Model",
             "A GGUF file (or any shard of a split model): exact tensor bytes, header only");
  flags.text("--safetensors", o.safetensors, "PATH", "Model",
             "safetensors weights: a file, a folder of shards or model.safetensors.index.json"
             " (config.json beside them); exact bytes from the headers");
  const auto shape = [&](const char* name, std::string& target, const char* help) {
    flags.text(name, target, "N", "Model", help);
  };
  shape("--layers", o.layers, "With --params: transformer layers of the assumed shape");
  shape("--hidden", o.hidden, "With --params: hidden size");
  shape("--heads", o.heads, "With --params: attention heads");
  shape("--kv-heads", o.kv_heads, "With --params: key/value heads (divide --heads)");
  shape("--head-dim", o.head_dim, "With --params: head dimension (default hidden/heads)");
  shape("--vocab", o.vocab, "With --params: vocabulary size");
}

ModelSourceSpec model_source_spec(const ModelSourceOptions& o, bool converting) {
  const int sources = (o.params_given ? 1 : 0) + (o.model.empty() ? 0 : 1) +
                      (o.config.empty() ? 0 : 1) + (o.gguf.empty() ? 0 : 1) +
                      (o.safetensors.empty() ? 0 : 1) + (o.hf.empty() ? 0 : 1) +
                      (o.url.empty() ? 0 : 1);
  if (sources == 0) {
    throw Error(ErrorKind::usage, "no model given",
                "give one of --hf ORG/REPO, --params 7B, --model llama-3.1-8b, --config "
                "config.json, --gguf model.gguf, --safetensors DIR, --url URL");
  }
  if (sources > 1) {
    throw Error(ErrorKind::usage, "more than one model given",
                "use exactly one of --hf, --url, --params, --model, --config, --gguf, "
                "--safetensors");
  }
  if (!o.hf_file.empty() && o.hf.empty()) {
    throw Error(ErrorKind::usage, "--hf-file names a file of a --hf repository",
                "add --hf ORG/REPO, or name a local file with --gguf or --safetensors");
  }
  ModelSourceSpec spec;
  spec.converting = converting;
  spec.overrides.layers = shape_value(o.layers, "--layers");
  spec.overrides.hidden = shape_value(o.hidden, "--hidden");
  spec.overrides.heads = shape_value(o.heads, "--heads");
  spec.overrides.kv_heads = shape_value(o.kv_heads, "--kv-heads");
  spec.overrides.head_dim = shape_value(o.head_dim, "--head-dim");
  spec.overrides.vocab = shape_value(o.vocab, "--vocab");
  if (!o.hf.empty() || !o.url.empty()) {
    spec.kind = o.hf.empty() ? ModelSourceKind::url : ModelSourceKind::hub;
    spec.location = o.hf.empty() ? o.url : o.hf;
    spec.hub_file = o.hf_file;
    spec.dtype = o.dtype;
    spec.remote = remote_settings_from_environment();
  } else if (o.params_given) {
    spec.kind = ModelSourceKind::params;
    spec.params = parse_param_count(o.params, "--params");
  } else if (!o.model.empty()) {
    spec.kind = ModelSourceKind::catalog;
    spec.location = o.model;
  } else if (!o.gguf.empty()) {
    spec.kind = ModelSourceKind::gguf;
    spec.location = o.gguf;
  } else if (!o.safetensors.empty()) {
    spec.kind = ModelSourceKind::safetensors;
    spec.location = o.safetensors;
  } else {
    spec.kind = ModelSourceKind::config;
    spec.location = o.config;
  }
  return spec;
}

LoadedModel load_model_with_progress(ModelSourceSpec spec) {
  const std::unique_ptr<FetchProgress> progress = stderr_progress();
  spec.progress = progress.get();
  return load_model(spec);
}

}  // namespace vramcalc::cli
