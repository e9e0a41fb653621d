#include "inspect_command.hpp"

#include <map>

#include "cli11.hpp"

#include "flags.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "json_text.hpp"
#include "model_source.hpp"
#include "output.hpp"
#include "render.hpp"
#include "terminal.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/escape.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/version.hpp"

namespace vramcalc::cli {

namespace {

using Json = nlohmann::ordered_json;

struct TypeTotal {
  std::uint64_t tensors = 0;
  std::uint64_t elements = 0;
  std::uint64_t bytes = 0;
};

// What an inspection shows, computed once for both renderers.
struct Inspection {
  LoadedModel loaded;
  std::map<std::string, TypeTotal> by_type;  // stored type -> totals (sorted: deterministic)
  WeightBreakdown weights;
  std::vector<std::uint64_t> kv_per_token;   // f16 KV bytes per token, per layer
};

// What the command was given, as output names it: the path, the repository or the URL.
std::string subject(const InspectCommandOptions& options) {
  if (!options.remote.hf.empty()) {
    return options.remote.hf;
  }
  return options.remote.url.empty() ? options.path : options.remote.url;
}

LoadedModel load(const InspectCommandOptions& options) {
  const int given = (options.path.empty() ? 0 : 1) + (options.remote.hf.empty() ? 0 : 1) +
                    (options.remote.url.empty() ? 0 : 1);
  if (given != 1) {
    throw Error(ErrorKind::usage,
                given == 0 ? "inspect needs a model" : "inspect reads one model at a time",
                "give one of: a FILE, --hf ORG/REPO, --url URL");
  }
  if (!options.path.empty()) {
    if (!options.remote.hf_file.empty() || !options.remote.dtype.empty()) {
      throw Error(ErrorKind::usage, "--hf-file and --dtype pick a file of a --hf repository",
                  "add --hf ORG/REPO, or name the local file alone");
    }
    ModelSourceSpec source;
    source.kind = ModelSourceKind::file;
    source.location = options.path;
    return load_model(source);
  }
  return load_model_with_progress(model_source_spec(options.remote, false));
}

Inspection inspect(const InspectCommandOptions& options) {
  Inspection result;
  result.loaded = load(options);
  const ModelSpec& model = result.loaded.model;
  for (const auto& tensor : model.tensors) {
    TypeTotal& total = result.by_type[tensor.stored_type.empty() ? "-" : tensor.stored_type];
    ++total.tensors;
    total.elements += tensor.elements;
    total.bytes += tensor.stored_bytes;
  }
  const WeightFormat format = model.stored_bytes_exact ? as_stored_format()
                              : result.loaded.stored_format
                                  ? *result.loaded.stored_format
                                  : *find_weight_format(model.native_dtype.value_or("fp16"));
  result.weights = weight_breakdown(model, format);
  Workload one_token;
  one_token.context = 1;
  for (const auto& layer : model.layers) {
    result.kv_per_token.push_back(layer_kv_bytes(layer, one_token));
  }
  return result;
}

Json layer_json(const Inspection& in, std::size_t i) {
  const LayerSpec& layer = in.loaded.model.layers[i];
  return {{"index", i},
          {"attention", attention_kind_name(layer.attention)},
          {"heads", layer.n_head},
          {"kv_heads", layer.n_kv_head},
          {"head_dim_k", layer.head_dim_k},
          {"head_dim_v", layer.head_dim_v},
          {"sliding_window", layer.sliding_window},
          {"latent_dim", layer.latent_dim},
          {"recurrent_state_bytes", layer.recurrent_state_bytes},
          {"ffn_dim", layer.ffn_dim},
          {"moe", layer.moe},
          {"params", layer.params},
          {"weight_bytes", in.weights.layer_bytes[i]},
          {"kv_bytes_per_token_f16", in.kv_per_token[i]}};
}

Json remote_json(const ModelSpec& m, const RemoteRead& read) {
  Json remote;
  if (m.hub) {
    remote["repo"] = m.hub->repo;
    remote["revision"] = m.hub->revision;
    remote["commit"] = m.hub->commit;
    remote["gguf_file"] = m.hub->file.empty() ? Json(nullptr) : Json(m.hub->file);
    remote["quant_tag"] = m.hub->quant_tag.empty() ? Json(nullptr) : Json(m.hub->quant_tag);
  }
  remote["files"] = read.files;
  remote["bytes_downloaded"] = read.bytes_downloaded;
  remote["bytes_from_cache"] = read.bytes_from_cache;
  remote["requests"] = read.requests;
  remote["weight_file_bytes"] = read.weight_file_bytes;
  remote["offline"] = read.offline;
  return remote;
}

std::string render_json(const std::string& path, const Inspection& in) {
  const ModelSpec& m = in.loaded.model;
  Json doc;
  doc["schema_version"] = k_json_schema_version;
  doc["file"] = path;
  doc["format"] = model_source_name(m.source);
  doc["model"] = {{"name", m.name},
                  {"architecture", m.architecture},
                  {"params", m.total_params},
                  {"active_params", m.active_params},
                  {"layers", m.layers.size()},
                  {"hidden", m.hidden},
                  {"vocab", m.vocab},
                  {"max_context", m.max_context},
                  {"tied_embeddings", m.tied_embeddings},
                  {"experts", m.n_experts},
                  {"experts_used", m.n_experts_used},
                  {"stored_format", m.stored_format},
                  {"native_dtype", m.native_dtype ? Json(*m.native_dtype) : Json(nullptr)}};
  Json types = Json::array();
  for (const auto& [type, total] : in.by_type) {
    types.push_back({{"type", type},
                     {"tensors", total.tensors},
                     {"elements", total.elements},
                     {"bytes", total.bytes}});
  }
  doc["bytes"] = {{"total", in.weights.total_bytes},
                  {"exact", m.stored_bytes_exact},
                  {"embedding", in.weights.embedding_bytes},
                  {"head_and_other", in.weights.head_bytes},
                  {"by_type", types}};
  doc["tensors"] = m.tensors.size();
  Json layers = Json::array();
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    layers.push_back(layer_json(in, i));
  }
  doc["layers"] = layers;
  doc["notes"] = in.loaded.notes;
  if (in.loaded.remote) {
    doc["remote"] = remote_json(m, *in.loaded.remote);
  }
  return json_text(doc);
}

// Consecutive layers with the same shape print as one row ("0-31").
std::string layer_signature(const Inspection& in, std::size_t i) {
  const LayerSpec& l = in.loaded.model.layers[i];
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", attention_kind_name(l.attention), l.n_head,
                     l.n_kv_head, l.head_dim_k, l.sliding_window, l.latent_dim, l.ffn_dim,
                     in.weights.layer_bytes[i], in.kv_per_token[i]);
}

std::string remote_text(const ModelSpec& m, const RemoteRead& read) {
  std::string out;
  if (m.hub) {
    out += fmt::format("  {:<14}{}@{} (commit {})\n", "repository",
                       escape_for_terminal(m.hub->repo), escape_for_terminal(m.hub->revision),
                       escape_for_terminal(m.hub->commit));
  }
  for (const std::string& file : read.files) {
    out += fmt::format("  {:<14}{}\n", "file", escape_for_terminal(file));
  }
  const double share = read.weight_file_bytes == 0
                           ? 0.0
                           : 100.0 * static_cast<double>(read.bytes_downloaded) /
                                 static_cast<double>(read.weight_file_bytes);
  out += fmt::format("  {:<14}{} bytes downloaded in {} requests ({:.4f}% of {} bytes of "
                     "weight files), {} bytes from the cache{}\n",
                     "read", read.bytes_downloaded, read.requests, share,
                     read.weight_file_bytes, read.bytes_from_cache,
                     read.offline ? " (offline)" : "");
  return out;
}

std::string render_text(const std::string& path, const Inspection& in, const Painter& paint) {
  const ModelSpec& m = in.loaded.model;
  // Names and types come from the file: escaped, they cannot act on the terminal.
  const auto safe = [](std::string_view text) { return escape_for_terminal(text); };
  std::string out = paint.bold(safe(path)) + "\n";
  out += fmt::format("  {:<14}{} ({})\n", "format", model_source_name(m.source),
                     safe(m.stored_format.empty() ? m.native_dtype.value_or("-") : m.stored_format));
  out += fmt::format("  {:<14}{} ({})\n", "model", safe(m.name), safe(m.architecture));
  out += fmt::format("  {:<14}{} total, {} active\n", "parameters", m.total_params,
                     m.active_params);
  out += fmt::format("  {:<14}{} layers, hidden {}, vocab {}, context {}{}\n", "shape",
                     m.layers.size(), m.hidden, m.vocab, m.max_context,
                     m.tied_embeddings ? ", tied embeddings" : "");
  if (m.n_experts > 0) {
    out += fmt::format("  {:<14}{} experts, {} per token, {} shared, width {}\n", "experts",
                       m.n_experts, m.n_experts_used, m.n_shared_experts, m.expert_ffn_dim);
  }
  out += fmt::format("  {:<14}{} bytes ({:.2f} GiB){} in {} tensors\n", "weights",
                     in.weights.total_bytes, to_gib(in.weights.total_bytes),
                     m.stored_bytes_exact ? " exact" : "", m.tensors.size());
  if (m.stored_bytes_exact) {
    out += "\n" + paint.bold("Bytes by tensor type") + "\n";
    for (const auto& [type, total] : in.by_type) {
      out += fmt::format("  {:<10}{:>6} tensors {:>16} elements {:>16} bytes\n", safe(type),
                         total.tensors, total.elements, total.bytes);
    }
  }
  out += "\n" + paint.bold("Layers") + "\n";
  out += fmt::format("  {:<9}{:<16}{:>6}{:>6}{:>6}{:>8}{:>8}{:>9}{:>16}{:>12}\n", "layers",
                     "attention", "heads", "kv", "dim", "window", "latent", "ffn", "bytes each",
                     "KV/token");
  for (std::size_t i = 0; i < m.layers.size();) {
    std::size_t j = i;
    while (j + 1 < m.layers.size() && layer_signature(in, j + 1) == layer_signature(in, i)) {
      ++j;
    }
    const LayerSpec& l = m.layers[i];
    out += fmt::format("  {:<9}{:<16}{:>6}{:>6}{:>6}{:>8}{:>8}{:>9}{:>16}{:>12}\n",
                       i == j ? std::to_string(i) : fmt::format("{}-{}", i, j),
                       attention_kind_name(l.attention), l.n_head, l.n_kv_head, l.head_dim_k,
                       l.sliding_window, l.latent_dim, l.ffn_dim, in.weights.layer_bytes[i],
                       in.kv_per_token[i]);
    i = j + 1;
  }
  for (const auto& note : in.loaded.notes) {
    out += "  note: " + safe(note) + "\n";
  }
  if (in.loaded.remote) {
    out += "\n" + paint.bold("Read over HTTP") + "\n" + remote_text(m, *in.loaded.remote);
  }
  return out;
}

}  // namespace

void setup_inspect(Flags& flags, InspectCommandOptions& options) {
  flags.positional("file", options.path, "FILE",
                   "A GGUF file, safetensors files, a config.json or a folder holding one");
  add_remote_source_options(flags, options.remote);
  flags.text("--dtype", options.remote.dtype, "TYPE", "Model",
             "With --hf: the GGUF file of this quantization (q4_k_m -> *Q4_K_M*.gguf)");
  add_output_options(flags, options.output);
}

int run_inspect(const InspectCommandOptions& options) {
  const Format format = parse_format(options.output.format);
  const bool color = use_color(parse_color_mode(options.output.color));
  const Inspection result = inspect(options);
  const std::string name = subject(options);
  const std::string out = format == Format::json ? render_json(name, result)
                                                 : render_text(name, result, Painter(color));
  write_output(out);
  return k_exit_ok;
}

}  // namespace vramcalc::cli
