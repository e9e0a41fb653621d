// Entry points of the config reader: parse the document (bounded in size and nesting),
// find the text model (a multimodal wrapper's text_config), pick the family, and run the
// planning steps of planning.hpp.
#include "vramcalc/hf_config.hpp"

#include <filesystem>

#include "io/json_nesting.hpp"
#include "hf_config/planning.hpp"
#include "text.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/text_input.hpp"

namespace vramcalc {

namespace {

using nlohmann::json;

// Real config.json files are a few KiB (DeepSeek-V3: 1.7 KiB; long layer_types lists a few
// more); 1 MiB leaves room for anything legitimate and bounds what a hostile one costs: the
// JSON document of 1 MiB of small numbers takes ~25 MiB and well under a second
// (bench/caps_bench.cpp), where 16 MiB took 350 MB and seconds.
constexpr std::size_t k_max_config_bytes = k_max_config_json_bytes;
// Real configs nest three or four levels (rope_scaling, quantization_config.config_groups);
// nlohmann's parser recurses once per level, so deep nesting must be refused before it.
constexpr std::size_t k_max_nesting = 64;

[[noreturn]] void file_error(const std::string& origin, const std::string& what) {
  throw Error(ErrorKind::file, origin + ": " + what,
              "give the path of a Hugging Face config.json (or the folder holding one)");
}

// The text of a config.json: a regular file, a pipe (<(curl ...)) or "-" for standard input,
// at most k_max_config_bytes.
std::string read_config_text(const std::string& path) {
  TextInputLimits limits;
  limits.max_bytes = k_max_config_bytes;
  return read_text_input(path, "config", limits);
}

void check_nesting(std::string_view text, const std::string& origin) {
  if (detail::json_nesting_depth(text, k_max_nesting) > k_max_nesting) {
    file_error(origin, "JSON nested more than " + std::to_string(k_max_nesting) +
                           " levels deep; not a config.json");
  }
}

std::string model_type_of(const json& object, const std::string& origin, const char* where) {
  const auto it = object.find("model_type");
  if (it == object.end() || it->is_null()) {
    return {};
  }
  if (!it->is_string()) {
    throw Error(ErrorKind::file,
                origin + ": key '" + where + "model_type' must be a string, not " +
                    hf::describe_json(*it),
                "fix the config.json (its keys follow the model's transformers configuration class)");
  }
  return it->get<std::string>();
}

// The object describing the language model: a wrapper's text_config (Gemma 3, Llama 4,
// Mistral 3, LLaVA), language_config (DeepSeek-VL2) or llm_config (InternVL), else the top.
const json* text_object(const json& top, const std::string& origin, std::string& key_name) {
  for (const char* key : {"text_config", "language_config", "llm_config"}) {
    const auto it = top.find(key);
    if (it == top.end() || it->is_null()) {
      continue;
    }
    if (!it->is_object()) {
      throw Error(ErrorKind::file,
                  origin + ": key '" + key + "' must be an object, not " + hf::describe_json(*it),
                  "fix the config.json (its keys follow the model's transformers configuration class)");
    }
    key_name = key;
    return &*it;
  }
  return &top;
}

std::string display_name(const json& top, const std::string& origin) {
  const auto it = top.find("_name_or_path");
  if (it != top.end() && it->is_string() && !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  std::filesystem::path path(origin);
  if (path.filename() == "config.json" && path.has_parent_path()) {
    path = path.parent_path();
  }
  const std::string stem = path.filename().string();
  return stem.empty() ? origin : stem;
}

std::optional<std::string> read_dtype(const hf::ConfigKeys& keys, std::vector<std::string>& notes) {
  // transformers writes torch_dtype (newer releases: dtype), on the top level of wrappers.
  for (const char* key : {"torch_dtype", "dtype"}) {
    const json* value = keys.find_with_outer(key);
    if (value == nullptr) {
      continue;
    }
    if (!value->is_string()) {
      keys.fail(key, "must be a string such as \"bfloat16\", not " + hf::describe_json(*value));
    }
    auto name = native_dtype_name(value->get<std::string>());
    if (!name) {
      notes.push_back(std::string(key) + " \"" + value->get<std::string>().substr(0, 40) +
                      "\" is not a 16/32-bit float type; native precision unknown");
    }
    return name;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> native_dtype_name(std::string_view torch_dtype) {
  std::string name = text::to_lower(torch_dtype);
  if (name.rfind("torch.", 0) == 0) {
    name.erase(0, 6);
  }
  if (name == "bfloat16" || name == "bf16") {
    return "bf16";
  }
  if (name == "float16" || name == "fp16" || name == "half") {
    return "fp16";
  }
  if (name == "float32" || name == "fp32" || name == "float") {
    return "fp32";
  }
  return std::nullopt;
}

namespace {

// The vision encoder of a multimodal config (vision_config): its shape, when the keys that
// size it are there (hidden size, MLP width, depth, heads); nullopt otherwise.
std::optional<VisionTower> read_vision_tower(const json& object, const std::string& origin) {
  hf::ConfigKeys keys(object, origin + " vision_config", nullptr);
  constexpr std::uint64_t k_max_dim = 1U << 16;
  const auto hidden = keys.optional_positive({"hidden_size", "embed_dim", "width"}, k_max_dim);
  const auto ffn = keys.optional_positive({"intermediate_size", "mlp_dim"}, 4 * k_max_dim);
  const auto layers = keys.optional_positive({"num_hidden_layers", "depth", "layers"}, 1024);
  const auto heads = keys.optional_positive({"num_attention_heads", "num_heads", "heads"}, 1024);
  if (!hidden || !ffn || !layers || !heads) {
    return std::nullopt;
  }
  VisionTower tower;
  tower.hidden = static_cast<std::uint32_t>(*hidden);
  tower.ffn = static_cast<std::uint32_t>(*ffn);
  tower.layers = static_cast<std::uint32_t>(*layers);
  tower.heads = static_cast<std::uint32_t>(*heads);
  tower.patch_size = static_cast<std::uint32_t>(keys.optional_positive({"patch_size"}, 1024).value_or(14));
  tower.image_size = static_cast<std::uint32_t>(keys.optional_positive({"image_size"}, 1U << 15).value_or(0));
  tower.merge = static_cast<std::uint32_t>(
      keys.optional_positive({"spatial_merge_size", "merge_size"}, 16).value_or(1));
  tower.out_hidden = static_cast<std::uint32_t>(
      keys.optional_positive({"out_hidden_size", "projection_dim", "output_dim"}, k_max_dim)
          .value_or(0));
  return tower;
}

HfConfigReading read_config_object(const json& top, const std::string& origin) {
  using namespace hf;
  if (!top.is_object()) {
    file_error(origin, "a config.json holds one JSON object, not " + describe_json(top));
  }
  HfConfigReading reading;
  reading.model_type = model_type_of(top, origin, "");
  std::string wrapper_key;
  const json* text = text_object(top, origin, wrapper_key);
  const bool wrapped = text != &top;
  reading.text_model_type = wrapped ? model_type_of(*text, origin, "text_config.") : reading.model_type;
  if (wrapped && reading.text_model_type.empty()) {
    reading.text_model_type = std::string(wrapped_text_model_type(text::to_lower(reading.model_type)));
  }

  const FamilyTraits* traits = find_family(text::to_lower(reading.text_model_type));
  if (traits == nullptr) {
    traits = &llama_family();
    reading.notes.push_back(
        (reading.text_model_type.empty() ? std::string("no model_type")
                                         : "unknown model_type '" + reading.text_model_type + "'") +
        ": read as a Llama-style decoder (gated MLP, RMSNorm, biases per attention_bias); the "
        "count is exact only if the model is built that way");
  }
  const VisionTower* vision_read = nullptr;
  std::optional<VisionTower> vision;
  if (const auto it = top.find("vision_config"); it != top.end() && it->is_object()) {
    vision = read_vision_tower(*it, origin);
    vision_read = vision ? &*vision : nullptr;
  }
  if (wrapped) {
    reading.notes.push_back(
        "multimodal config: counted the text model (" + wrapper_key + ", " +
        std::string(traits->model_type) + ")" +
        (vision_read != nullptr
             ? "; the vision encoder and projector (vision_config) are placed beside it as a "
               "projector component"
             : "; vision/audio towers and projectors are not counted"));
  }

  ConfigKeys keys(*text, origin, wrapped ? &top : nullptr);
  keys.set_defaults(&traits->defaults, traits->config_class);
  ArchPlan plan = plan_architecture(keys, *traits, reading.notes);
  plan_attention(keys, plan, reading.notes);
  const std::uint64_t ffn =
      keys.optional_positive({"intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size"},
                             k_max_ffn)
          .value_or(traits->mlp == MlpKind::plain
                        // MPT: expansion_ratio x d_model (MPTConfig default 4); GPT-2 n_inner
                        // and Falcon: 4 x hidden.
                        ? keys.optional_positive({"expansion_ratio"}, 64).value_or(4) * plan.hidden
                        : 0);
  reading.excluded_mtp_layers = plan_experts(keys, plan, ffn, reading.notes);

  ModelSpec& model = reading.model;
  model.vision = vision;
  if (model.vision && model.vision->out_hidden == 0) {
    model.vision->out_hidden = static_cast<std::uint32_t>(plan.hidden);
  }
  model.name = display_name(top, origin);
  model.architecture = plan.family;
  model.source = ModelSource::hf_config;
  model.source_detail = origin;
  lay_out_tensors(plan, keys, model);
  model.native_dtype = read_dtype(keys, reading.notes);

  if (const json* quant = keys.find_with_outer("quantization_config")) {
    reading.quantization = read_quantization(*quant, keys);
  }
  for (const auto& sentence : keys.defaulted()) {
    reading.notes.push_back(sentence);
  }
  return reading;
}

}  // namespace

HfConfigReading read_hf_config(std::string_view json_text, const std::string& origin) {
  if (json_text.size() > k_max_config_bytes) {
    file_error(origin, "is " + std::to_string(json_text.size()) +
                           " bytes, far larger than any config.json (limit 1 MiB)");
  }
  check_nesting(json_text, origin);
  json top;
  try {
    top = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& e) {
    file_error(origin, std::string("not valid JSON (") + e.what() + ")");
  }
  return read_config_object(top, origin);
}

ModelSpec model_from_hf_config(std::string_view json_text, const std::string& origin) {
  return read_hf_config(json_text, origin).model;
}

HfConfigReading read_hf_config_file(const std::string& path) {
  if (path == k_stdin_path) {
    return read_hf_config(read_config_text(path), "<stdin>");
  }
  std::error_code ec;
  std::filesystem::path file(path);
  if (std::filesystem::is_directory(file, ec)) {
    file /= "config.json";
  }
  const std::string name = file.string();
  if (!std::filesystem::exists(std::filesystem::symlink_status(file, ec))) {
    throw Error(ErrorKind::file, name + ": no such config file",
                "give the path of a Hugging Face config.json (or the folder holding one)");
  }
  return read_hf_config(read_config_text(name), name);
}

ModelSpec load_hf_config(const std::string& path) {
  return read_hf_config_file(path).model;
}

}  // namespace vramcalc
