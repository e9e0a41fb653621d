// attach_safetensors: a checkpoint's tensors into a ModelSpec, with exact bytes and the
// parameter counts recomputed from them.
#include <algorithm>
#include <cctype>
#include <map>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "safetensors/safetensors_header.hpp"
#include "safetensors/tensor_names.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/safetensors.hpp"

namespace vramcalc {

namespace {

using safetensors::quote_name;
using safetensors::TensorKind;
using safetensors::TensorName;

// A label part appears in stored_format when it holds at least 1/1000 of the parameter bytes
// (vramcalc's choice: DeepSeek-V3's BF16 embeddings and head, ~0.5% of its bytes, show; its F32
// router biases, ~10^-7, do not).
constexpr std::uint64_t k_label_share_per_mille = 1;

// Bits of packed integer weights when neither the tensors nor the caller tell: 4, what
// AutoGPTQ/AutoAWQ examples, compressed-tensors W4A16 and mlx.nn.quantize (bits=4,
// group_size=64) default to, and nearly every published GPTQ/AWQ checkpoint uses.
constexpr std::uint32_t k_default_packed_bits = 4;

bool sane_bits(std::uint64_t bits) {
  return bits == 2 || bits == 3 || bits == 4 || bits == 8;
}

std::string lower_dtype(const std::string& dtype) {
  static const std::map<std::string, std::string> k_labels = {
      {"BF16", "bf16"},    {"F16", "fp16"},         {"F32", "fp32"},
      {"F64", "fp64"},     {"F8_E4M3", "fp8-e4m3"}, {"F8_E5M2", "fp8-e5m2"},
      {"F4", "fp4"},       {"I8", "int8"},          {"U8", "uint8"},
  };
  const auto it = k_labels.find(dtype);
  if (it != k_labels.end()) {
    return it->second;
  }
  std::string out = dtype;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// What one tensor holds: parameters and the label of its storage.
struct Holding {
  std::uint64_t params = 0;
  std::string label;  // empty for tensors that are not parameters
};

class Attacher {
 public:
  Attacher(const SafetensorsInventory& inventory, std::uint32_t packed_bits)
      : m_inventory(inventory), m_packed_bits(packed_bits) {
    m_names.reserve(inventory.tensors.size());  // never reallocated: see index_modules
    for (const SafetensorsTensor& tensor : inventory.tensors) {
      m_names.push_back(safetensors::classify_tensor_name(tensor.name));
    }
  }
  Attacher(const Attacher&) = delete;
  Attacher& operator=(const Attacher&) = delete;

  [[nodiscard]] const TensorName& name(std::size_t i) const { return m_names[i]; }
  [[nodiscard]] Holding holding(std::size_t i) const;

 private:
  // The tensor of the same module whose last part is `leaf`, or nullptr.
  [[nodiscard]] const SafetensorsTensor* sibling(std::size_t i, std::string_view leaf) const;
  [[nodiscard]] bool has_sibling_starting(std::size_t i, std::string_view prefix) const;
  [[nodiscard]] Holding packed_int32(std::size_t i) const;
  // Weights `tensor` holds when each 32-bit element packs 32 / m_packed_bits of them.
  [[nodiscard]] std::uint64_t unpacked(const SafetensorsTensor& tensor) const {
    return mul_div_ceil(tensor.elements, 32, m_packed_bits, "parameters");
  }

  const SafetensorsInventory& m_inventory;
  std::uint32_t m_packed_bits;
  // The tensors of the module of tensor i, in inventory order.
  [[nodiscard]] std::span<const std::size_t> module_of(std::size_t i) const {
    if (m_by_module.size() != m_names.size()) {
      index_modules();
    }
    const auto [begin, end] = m_modules.at(m_names[i].module);
    return std::span<const std::size_t>(m_by_module).subspan(begin, end - begin);
  }
  // Groups the tensors by module (a counting sort into one array, no list per module), on the
  // first sibling lookup: only packed and quantized tensors look for siblings.
  void index_modules() const;

  std::vector<TensorName> m_names;
  mutable std::vector<std::size_t> m_by_module;  // tensor indices grouped by module
  // Module name (a view into m_names) -> [begin, end) in m_by_module.
  mutable std::unordered_map<std::string_view, std::pair<std::size_t, std::size_t>> m_modules;
};

void Attacher::index_modules() const {
  const std::size_t n = m_names.size();
  m_modules.reserve(n);
  for (const TensorName& name : m_names) {
    ++m_modules[name.module].second;
  }
  std::size_t offset = 0;
  for (auto& [module, range] : m_modules) {
    const std::size_t count = range.second;
    range = {offset, offset};
    offset += count;
  }
  m_by_module.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    m_by_module[m_modules[m_names[i].module].second++] = i;
  }
}

const SafetensorsTensor* Attacher::sibling(std::size_t i, std::string_view leaf) const {
  for (const std::size_t j : module_of(i)) {
    if (m_names[j].leaf == leaf) {
      return &m_inventory.tensors[j];
    }
  }
  return nullptr;
}

bool Attacher::has_sibling_starting(std::size_t i, std::string_view prefix) const {
  for (const std::size_t j : module_of(i)) {
    if (m_names[j].leaf.compare(0, prefix.size(), prefix) == 0) {
      return true;
    }
  }
  return false;
}

// GPTQ / AWQ `qweight`, I32 holding 32 / bits weights each (AutoGPTQ/AutoGPTQ QuantLinear and
// casper-hansen/AutoAWQ WQLinear_GEMM buffers). GPTQ packs the input dimension: qweight
// [in x bits / 32, out] beside g_idx [in], so bits = 32 x rows / in. AWQ packs the output
// dimension: qweight [in, out x bits / 32] beside scales [in / group, out], so
// bits = 32 x columns / out.
Holding Attacher::packed_int32(std::size_t i) const {
  const SafetensorsTensor& tensor = m_inventory.tensors[i];
  const SafetensorsTensor* g_idx = sibling(i, "g_idx");
  const SafetensorsTensor* scales = sibling(i, "scales");
  if (tensor.shape.size() == 2) {
    const std::uint64_t rows = tensor.shape[0];
    const std::uint64_t columns = tensor.shape[1];
    if (g_idx != nullptr && g_idx->shape.size() == 1 && g_idx->shape[0] > 0) {
      const std::uint64_t in = g_idx->shape[0];
      const auto packed_bits = try_mul(rows, 32);
      if (packed_bits && *packed_bits % in == 0 && sane_bits(*packed_bits / in)) {
        return {checked_mul(in, columns, "parameters"),
                "gptq-int" + std::to_string(*packed_bits / in)};
      }
    }
    if (scales != nullptr && scales->shape.size() == 2 && scales->shape[1] != columns &&
        columns > 0) {
      const std::uint64_t out = scales->shape[1];
      const auto packed_bits = try_mul(columns, 32);
      if (out > 0 && packed_bits && *packed_bits % out == 0 && sane_bits(*packed_bits / out)) {
        return {checked_mul(rows, out, "parameters"),
                "awq-int" + std::to_string(*packed_bits / out)};
      }
    }
  }
  const std::string scheme = g_idx != nullptr || scales == nullptr ? "gptq" : "awq";
  return {unpacked(tensor), scheme + "-int" + std::to_string(m_packed_bits)};
}

Holding Attacher::holding(std::size_t i) const {
  const SafetensorsTensor& tensor = m_inventory.tensors[i];
  const TensorName& name = m_names[i];
  if (name.kind != TensorKind::parameter) {
    return {};  // scales, zeros, indices, buffers: bytes without parameters
  }
  const auto times = [&](std::uint64_t per_element, std::string label) {
    return Holding{checked_mul(tensor.elements, per_element, "parameters"), std::move(label)};
  };
  if (name.leaf == "qweight" && tensor.dtype == "I32") {
    return packed_int32(i);
  }
  if (name.leaf == "weight_packed") {
    // compressed-tensors pack-quantized: I32 holds 32 / bits ints (vLLM
    // compressed_tensors_wNa16.py, W4A16 the common scheme); U8 holds 2 FP4 E2M1
    // (compressed_tensors_w4a4_nvfp4.py).
    if (tensor.dtype == "U8") {
      return times(2, "nvfp4");
    }
    return {unpacked(tensor), "compressed-tensors-int" + std::to_string(m_packed_bits)};
  }
  if (name.leaf == "blocks" && tensor.dtype == "U8") {
    return times(2, "mxfp4");  // gpt-oss *_blocks: two E2M1 per byte
  }
  if (name.leaf == "weight" && tensor.dtype == "U8") {
    if (has_sibling_starting(i, "weight.quant_state.bitsandbytes__nf4")) {
      return times(2, "bnb-nf4");  // bitsandbytes 4-bit: two codes per byte
    }
    if (has_sibling_starting(i, "weight.quant_state.bitsandbytes__fp4")) {
      return times(2, "bnb-fp4");
    }
    if (sibling(i, "weight.absmax") != nullptr) {
      return times(2, "bnb-4bit");
    }
    const SafetensorsTensor* scale = sibling(i, "weight_scale");
    if (scale != nullptr && scale->dtype == "F8_E4M3") {
      return times(2, "nvfp4");  // NVIDIA ModelOpt NVFP4: E2M1 pairs, E4M3 scale per 16
    }
  }
  if (name.leaf == "weight" && tensor.dtype == "U32" && sibling(i, "scales") != nullptr &&
      sibling(i, "biases") != nullptr) {
    // MLX affine quantization: U32 holds 32 / bits codes; bits live in config.json
    // ("quantization": {"bits": 4, "group_size": 64} is mlx.nn.quantize's default).
    return {unpacked(tensor), "mlx-int" + std::to_string(m_packed_bits)};
  }
  if (name.leaf == "weight" && tensor.dtype == "I8" && sibling(i, "SCB") != nullptr) {
    return times(1, "bnb-int8");
  }
  return times(1, lower_dtype(tensor.dtype));
}

[[noreturn]] void contradiction(const std::string& source, const std::string& what) {
  throw Error(ErrorKind::file, source + ": " + what,
              "the checkpoint and its config.json do not describe the same model; check that "
              "both come from the same repository and revision");
}

std::string storage_label(const std::map<std::string, std::uint64_t>& bytes_by_label) {
  std::uint64_t total = 0;
  for (const auto& entry : bytes_by_label) {
    total += entry.second;
  }
  std::vector<std::pair<std::string, std::uint64_t>> parts(bytes_by_label.begin(),
                                                            bytes_by_label.end());
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string label;
  for (const auto& [name, bytes] : parts) {
    const bool shown = label.empty() ||
                       mul_div_ceil(total, k_label_share_per_mille, 1000, "label") <= bytes;
    if (shown) {
      label += (label.empty() ? "" : " + ") + name;
    }
  }
  return label;
}

// MoE active parameters: a token goes through n_experts_used of the n_experts routed experts
// of each MoE layer, so (n_experts - n_experts_used) / n_experts of the checkpoint's
// routed-expert parameters (roles ffn_*_exps) are not active (the rule of the config reader and
// of the released counts: Mixtral-8x7B 2 of 8, DeepSeek-V3 8 of 256). A model that does not
// give the expert counts keeps its own count of unused parameters (total - active, at most the
// routed ones); one without an active count is all active.
std::uint64_t active_parameters(const ModelSpec& before, std::uint64_t total,
                                std::uint64_t routed) {
  const bool moe = std::any_of(before.layers.begin(), before.layers.end(),
                               [](const LayerSpec& layer) { return layer.moe; });
  if (!moe) {
    return total;
  }
  std::uint64_t unused = 0;
  if (before.n_experts > 0 && before.n_experts_used > 0 &&
      before.n_experts_used <= before.n_experts) {
    unused = mul_div_ceil(routed, before.n_experts - before.n_experts_used, before.n_experts,
                          "parameters");
  } else if (before.active_params > 0 && before.active_params < before.total_params) {
    unused = std::min(before.total_params - before.active_params, routed);
  }
  return total - std::min(unused, total);
}

// What the checkpoint's tensors add up to.
struct Counts {
  std::vector<TensorInfo> tensors;
  std::vector<std::uint64_t> layer_params;
  std::vector<bool> layer_has_experts;
  std::vector<bool> layer_has_tensors;
  std::map<std::string, std::uint64_t> bytes_by_label;  // parameter tensors' bytes by label
  std::uint64_t total = 0;
  std::uint64_t embedding = 0;
  std::uint64_t head = 0;    // everything outside the blocks but the embeddings
  std::uint64_t routed = 0;  // routed-expert parameters

  explicit Counts(std::size_t layers)
      : layer_params(layers, 0), layer_has_experts(layers, false),
        layer_has_tensors(layers, false) {}

  void add(const SafetensorsTensor& file, const TensorName& name, const Holding& holding) {
    if (!holding.label.empty()) {
      auto& bytes = bytes_by_label[holding.label];
      bytes = checked_add(bytes, file.bytes, "weight bytes");
    }
    total = checked_add(total, holding.params, "parameters");
    if (is_routed_expert(name.role)) {
      routed = checked_add(routed, holding.params, "parameters");
    }
    std::uint64_t* slot = &head;
    if (name.layer >= 0) {
      slot = &layer_params[static_cast<std::size_t>(name.layer)];
      layer_has_tensors[static_cast<std::size_t>(name.layer)] = true;
    } else if (name.role == TensorRole::token_embd || name.role == TensorRole::pos_embd) {
      slot = &embedding;
    }
    *slot = checked_add(*slot, holding.params, "parameters");

    TensorInfo info;
    info.name = file.name;
    info.role = name.role;
    info.layer = static_cast<std::int32_t>(name.layer);
    info.shape.assign(file.shape.rbegin(), file.shape.rend());  // innermost first
    info.elements = file.elements;
    info.stored_type = file.dtype;
    info.stored_bytes = file.bytes;
    tensors.push_back(std::move(info));
  }
};

// Whether the tensor belongs to the main model: false for a multi-token-prediction layer;
// throws when its layer contradicts the model's.
bool in_model(const ModelSpec& model, const SafetensorsInventory& inventory,
              const SafetensorsTensor& file, const TensorName& name,
              const SafetensorsAttachOptions& options, Counts& counts) {
  const auto layer_count = static_cast<std::int64_t>(model.layers.size());
  if (name.layer >= layer_count) {
    if (name.layer < layer_count + options.mtp_layers) {
      return false;
    }
    contradiction(inventory.path,
                  "tensor " + quote_name(file.name) + " (in " + quote_name(file.shard) +
                      ") belongs to layer " + std::to_string(name.layer) + " but the model has " +
                      std::to_string(layer_count) + " layers (0 to " +
                      std::to_string(layer_count - 1) + ")" +
                      (options.mtp_layers > 0 ? " and " + std::to_string(options.mtp_layers) +
                                                    " multi-token-prediction layers"
                                              : std::string()));
  }
  if (name.routed_expert && name.layer >= 0) {
    const auto layer = static_cast<std::size_t>(name.layer);
    if (!model.layers[layer].moe) {
      contradiction(inventory.path, "tensor " + quote_name(file.name) +
                                        " holds routed experts but the model says layer " +
                                        std::to_string(layer) + " is dense");
    }
    if (model.n_experts > 0 && name.expert >= static_cast<std::int64_t>(model.n_experts)) {
      contradiction(inventory.path, "tensor " + quote_name(file.name) + " is routed expert " +
                                        std::to_string(name.expert) + " but the model has " +
                                        std::to_string(model.n_experts) + " (0 to " +
                                        std::to_string(model.n_experts - 1) + ")");
    }
    counts.layer_has_experts[layer] = true;
  }
  return true;
}

// Every layer of the model must have tensors in the checkpoint: one without any means the
// checkpoint is a part (a single shard) or another model.
void check_layers_covered(const ModelSpec& model, const SafetensorsInventory& inventory,
                          const Counts& counts) {
  const auto covered = static_cast<std::size_t>(
      std::count(counts.layer_has_tensors.begin(), counts.layer_has_tensors.end(), true));
  for (std::size_t layer = 0; layer < model.layers.size(); ++layer) {
    if (!counts.layer_has_tensors[layer]) {
      throw Error(ErrorKind::file,
                  inventory.path + ": the checkpoint has no tensors for layer " +
                      std::to_string(layer) + " of the model's " +
                      std::to_string(model.layers.size()) + " (it has tensors for " +
                      std::to_string(covered) + " layers)",
                  "name the whole checkpoint (its folder or model.safetensors.index.json), not "
                  "one shard, and check that config.json belongs to these weights");
    }
  }
}

}  // namespace

void attach_safetensors(ModelSpec& model, const SafetensorsInventory& inventory,
                        const SafetensorsAttachOptions& options) {
  if (inventory.tensors.empty()) {
    throw Error(ErrorKind::file, inventory.path + ": the checkpoint holds no tensors",
                "name the model's weights (the .safetensors files, their folder or index)");
  }
  const std::uint32_t packed_bits =
      options.packed_bits && sane_bits(*options.packed_bits) ? *options.packed_bits
                                                             : k_default_packed_bits;
  const Attacher attacher(inventory, packed_bits);
  Counts counts(model.layers.size());
  counts.tensors.reserve(inventory.tensors.size());
  for (std::size_t i = 0; i < inventory.tensors.size(); ++i) {
    const SafetensorsTensor& file = inventory.tensors[i];
    if (in_model(model, inventory, file, attacher.name(i), options, counts)) {
      counts.add(file, attacher.name(i), attacher.holding(i));
    }
  }
  check_layers_covered(model, inventory, counts);
  for (std::size_t layer = 0; layer < model.layers.size(); ++layer) {
    if (model.layers[layer].moe && !counts.layer_has_experts[layer]) {
      contradiction(inventory.path,
                    "the model says layer " + std::to_string(layer) +
                        " is a mixture of experts but the checkpoint has no routed-expert "
                        "tensors for it (such as model.layers." +
                        std::to_string(layer) + ".mlp.experts.0.down_proj.weight)");
    }
  }

  model.active_params = active_parameters(model, counts.total, counts.routed);
  model.total_params = counts.total;
  model.embedding_params = counts.embedding;
  model.head_params = counts.head;
  for (std::size_t layer = 0; layer < model.layers.size(); ++layer) {
    model.layers[layer].params = counts.layer_params[layer];
  }
  model.tensors = std::move(counts.tensors);
  model.stored_bytes_exact = true;
  model.stored_format = storage_label(counts.bytes_by_label);
  model.source = ModelSource::safetensors;
  model.source_detail = inventory.path;
}

}  // namespace vramcalc
