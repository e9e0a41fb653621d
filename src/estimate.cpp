#include "vramcalc/estimate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "vramcalc/bytes.hpp"

namespace vramcalc {

namespace {

// Bytes per activation element: 16-bit, the precision inference frameworks run at.
constexpr std::uint64_t k_activation_bytes = 2;
// Logits are upcast to fp32 before sampling (transformers `generate` does
// `outputs.logits[:, -1, :].float()`), one row per sequence for the last position only.
constexpr std::uint64_t k_logit_bytes = 4;

std::uint64_t tokens_in_cache(const LayerSpec& layer, const Workload& workload) {
  const std::uint64_t per_sequence = layer.attention == AttentionKind::sliding_window
                                         ? std::min<std::uint64_t>(workload.context,
                                                                   layer.sliding_window)
                                         : workload.context;
  return checked_mul(per_sequence, workload.batch, "KV cache tokens");
}

// Splits `total_params` worth of bytes over pieces so that the pieces add up to exactly
// uniform_weight_bytes(total): each piece is the difference of rounded-up prefix sums.
class UniformSplitter {
 public:
  explicit UniformSplitter(const WeightFormat& format) : m_format(format) {}
  std::uint64_t take(std::uint64_t params) {
    m_params = checked_add(m_params, params, "parameter count");
    const std::uint64_t upto = uniform_weight_bytes(m_format, m_params);
    const std::uint64_t piece = upto - m_bytes;
    m_bytes = upto;
    return piece;
  }
  [[nodiscard]] std::uint64_t bytes_so_far() const { return m_bytes; }

 private:
  const WeightFormat& m_format;
  std::uint64_t m_params = 0;
  std::uint64_t m_bytes = 0;
};

std::uint64_t activation_bytes(const ModelSpec& model, const Workload& workload) {
  // Peak of one forward pass over the prompt with memory-efficient attention (no
  // context x context score matrix): the larger of the attention phase (residual, normed
  // input, Q, K, V and attention output) and the MLP phase (residual, normed input, gate,
  // activated gate, up and their product), per token, for batch x context tokens; plus fp32
  // logits of the last position. docs/formulas.md, "Activations".
  std::uint64_t per_token = 0;
  for (const auto& layer : model.layers) {
    const std::uint64_t hidden2 = 2ULL * model.hidden;
    const std::uint64_t attention =
        hidden2 + static_cast<std::uint64_t>(layer.n_head) * (layer.head_dim_k + layer.head_dim_v) +
        static_cast<std::uint64_t>(layer.n_kv_head) * (layer.head_dim_k + layer.head_dim_v);
    const std::uint64_t mlp = hidden2 + 4ULL * layer.ffn_dim;
    per_token = std::max({per_token, attention, mlp});
  }
  const std::uint64_t tokens = checked_mul(workload.context, workload.batch, "prompt tokens");
  const std::uint64_t transient =
      checked_mul(checked_mul(tokens, per_token, "activation elements"), k_activation_bytes,
                  "activation bytes");
  const std::uint64_t logits =
      checked_mul(checked_mul(workload.batch, model.vocab, "logit elements"), k_logit_bytes,
                  "logit bytes");
  return checked_add(transient, logits, "activation bytes");
}

}  // namespace

WeightBreakdown weight_breakdown(const ModelSpec& model, const WeightFormat& format) {
  WeightBreakdown parts;
  parts.layer_bytes.assign(model.layers.size(), 0);
  if (model.tensors.empty()) {
    UniformSplitter splitter(format);
    parts.embedding_bytes = splitter.take(model.embedding_params);
    parts.head_bytes = splitter.take(model.head_params);
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
      parts.layer_bytes[i] = splitter.take(model.layers[i].params);
    }
    parts.total_bytes = uniform_weight_bytes(format, model.total_params);
    // Parameters outside the listed parts (none for a bare count) are charged to the head.
    parts.head_bytes += parts.total_bytes - std::min(parts.total_bytes, splitter.bytes_so_far());
    return parts;
  }
  for (const TensorInfo& tensor : model.tensors) {
    const std::uint64_t bytes = format.scheme == WeightScheme::as_stored
                                    ? tensor.stored_bytes
                                    : uniform_weight_bytes(format, tensor.elements);
    if (tensor.layer >= 0 && static_cast<std::size_t>(tensor.layer) < parts.layer_bytes.size()) {
      auto& slot = parts.layer_bytes[static_cast<std::size_t>(tensor.layer)];
      slot = checked_add(slot, bytes, "weight bytes");
    } else if (tensor.role == TensorRole::token_embd || tensor.role == TensorRole::pos_embd) {
      parts.embedding_bytes = checked_add(parts.embedding_bytes, bytes, "weight bytes");
    } else {
      parts.head_bytes = checked_add(parts.head_bytes, bytes, "weight bytes");
    }
    parts.total_bytes = checked_add(parts.total_bytes, bytes, "weight bytes");
  }
  return parts;
}

std::uint64_t layer_kv_bytes(const LayerSpec& layer, const Workload& workload) {
  switch (layer.attention) {
    case AttentionKind::none:
      return checked_mul(layer.recurrent_state_bytes, workload.batch, "recurrent state bytes");
    case AttentionKind::latent:
      // One latent (kv_lora_rank + rope dims) per token, stored as the key.
      return checked_mul(tokens_in_cache(layer, workload),
                         kv_row_bytes(workload.kv_key, layer.latent_dim), "latent cache bytes");
    case AttentionKind::full:
    case AttentionKind::sliding_window:
      break;
  }
  const std::uint64_t key_row =
      kv_row_bytes(workload.kv_key, static_cast<std::uint64_t>(layer.n_kv_head) * layer.head_dim_k);
  const std::uint64_t value_row = kv_row_bytes(
      workload.kv_value, static_cast<std::uint64_t>(layer.n_kv_head) * layer.head_dim_v);
  return checked_mul(tokens_in_cache(layer, workload), key_row + value_row, "KV cache bytes");
}

double bits_per_weight(const MemoryEstimate& estimate, const ModelSpec& model) {
  if (model.total_params == 0) {
    return 0;
  }
  return static_cast<double>(estimate.weights.bytes) * 8.0 /
         static_cast<double>(model.total_params);
}

MemoryEstimate estimate(const ModelSpec& model, const WeightFormat& format,
                        const Workload& workload, const EstimateOptions& options) {
  MemoryEstimate result;

  const WeightBreakdown parts = weight_breakdown(model, format);
  result.embedding_weight_bytes = parts.embedding_bytes;
  result.head_weight_bytes = parts.head_bytes;
  result.layers.resize(model.layers.size());
  std::uint64_t kv_total = 0;
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    result.layers[i].weight_bytes = parts.layer_bytes[i];
    result.layers[i].kv_bytes = layer_kv_bytes(model.layers[i], workload);
    kv_total = checked_add(kv_total, result.layers[i].kv_bytes, "KV cache bytes");
  }
  const std::uint64_t weights = parts.total_bytes;

  const bool assumed = model.shape.assumed;
  if (format.scheme == WeightScheme::as_stored) {
    result.weights = {weights, Provenance::exact,
                      fmt::format("sum of {} tensor sizes in the file ({})", model.tensors.size(),
                                  model.stored_format)};
  } else {
    result.weights = {weights, Provenance::derived,
                      fmt::format("{} parameters x {} bits ({})", model.total_params, format.bits,
                                  format.name)};
  }
  result.kv_cache = {kv_total, assumed ? Provenance::heuristic : Provenance::derived,
                     fmt::format("per layer: 2 x kv_heads x head_dim x context x batch x bytes{}",
                                 assumed ? "; shape assumed from " + model.shape.reference_model
                                         : "")};
  result.activations = {activation_bytes(model, workload),
                        assumed ? Provenance::heuristic : Provenance::derived,
                        "tokens x max(attention, MLP) live tensors x 2 bytes + fp32 last logits"};
  if (options.overhead_bytes) {
    result.overhead = {*options.overhead_bytes, Provenance::exact, "set with --overhead"};
  } else {
    result.overhead = {k_runtime_overhead_bytes, Provenance::calibrated,
                       "CUDA context + libraries, measured on H200 (torch 2.11, CUDA 13.0)"};
  }
  result.total_bytes = checked_add(
      checked_add(result.weights.bytes, result.kv_cache.bytes, "total bytes"),
      checked_add(result.activations.bytes, result.overhead.bytes, "total bytes"), "total bytes");
  return result;
}

}  // namespace vramcalc
