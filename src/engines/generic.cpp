// The engine-neutral profile: first principles, no engine's padding, pools or reserves.
#include <algorithm>

#include <fmt/format.h>

#include "engines/profiles.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/calibrated.hpp"

namespace vramcalc {

// Defined here, beside the profile that uses it first: calibrated.hpp is included by the few
// files whose figures it sets, so re-deriving it rebuilds only those.
const std::uint64_t k_runtime_overhead_bytes = calibrated::k_runtime_overhead_mib * k_mib;

}  // namespace vramcalc

namespace vramcalc::engines {

namespace {

// Bytes per activation element: 16-bit, the precision inference frameworks run at.
constexpr std::uint64_t k_activation_bytes = 2;
// Logits are upcast to fp32 before sampling (transformers `generate` does
// `outputs.logits[:, -1, :].float()`), one row per sequence for the last position only.
constexpr std::uint64_t k_logit_bytes = 4;

// Bands (percent below / above). The activation formula was within -17%..+15% of the
// transformers peaks measured on an H200 (tests/data/gpu_truth/), hence +-25%. An assumed
// shape can be off by the KV-head count: a 7B model may be MHA (Llama-2-7B, 32 kv heads) where
// the reference is GQA (8), four times the cache, hence -50%/+300%. The overhead constant is
// about 1.3 GiB on H200/CUDA 13 but ~300 MiB on older lazy-loading stacks (CUDA context with
// lazy loading: pytorch/pytorch#107667), hence -75%/+10%.
constexpr unsigned k_activation_band = 25;
constexpr unsigned k_assumed_low = 50;
constexpr unsigned k_assumed_high = 300;
constexpr unsigned k_overhead_low = 75;
constexpr unsigned k_overhead_high = 10;

}  // namespace

std::uint64_t generic_activation_bytes(const ModelSpec& model, const Workload& workload) {
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

Component runtime_overhead(const EstimateOptions& options) {
  if (options.overhead_bytes) {
    return make_component(*options.overhead_bytes, Provenance::exact, "set with --overhead");
  }
  return make_component(k_runtime_overhead_bytes, Provenance::calibrated,
                        "CUDA context + libraries, measured on H200 (torch 2.11, CUDA 13.0)",
                        k_overhead_low, k_overhead_high);
}

MemoryEstimate estimate_generic(const EngineInput& input) {
  const ModelSpec& model = input.model;
  MemoryEstimate result;
  fill_weights(result, input);

  std::uint64_t kv_total = 0;
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    result.layers[i].kv_bytes = layer_kv_bytes(model.layers[i], input.workload);
    kv_total = checked_add(kv_total, result.layers[i].kv_bytes, "KV cache bytes");
  }
  const bool assumed = model.shape.assumed;
  result.kv_cache =
      assumed ? make_component(kv_total, Provenance::heuristic,
                               "per layer: 2 x kv_heads x head_dim x context x batch x bytes; "
                               "shape assumed from " + model.shape.reference_model,
                               k_assumed_low, k_assumed_high)
              : make_component(kv_total, Provenance::derived,
                               "per layer: tokens kept x (K + V row bytes), by attention kind");
  result.activations = make_component(
      generic_activation_bytes(model, input.workload),
      assumed ? Provenance::heuristic : Provenance::derived,
      "tokens x max(attention, MLP) live tensors x 2 bytes + fp32 last logits",
      assumed ? k_assumed_low : k_activation_band, assumed ? k_assumed_high : k_activation_band);
  result.overhead = runtime_overhead(input.options);
  finish_totals(result);
  return result;
}

}  // namespace vramcalc::engines
