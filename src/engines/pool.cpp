#include "engines/pool.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "vramcalc/bytes.hpp"

namespace vramcalc::engines {

namespace {

// cudaMemGetInfo's total is below nvidia-smi's by the driver's own reservation: vLLM logs
// total_gpu_memory 79.22 GiB on an H100 80GB (nvidia-smi 81559 MiB: 441 MiB less), 23.58 GiB
// on a 24 GB card (24576 MiB: 430 MiB less), 31.37 GiB on an RTX 5090 (32607 MiB: 485 MiB
// less) (vLLM logs: https://github.com/vllm-project/vllm/pull/10511 and
// https://github.com/vllm-project/vllm/pull/12126 for the H100,
// https://github.com/vllm-project/vllm/issues/10517 for the RTX 3090,
// https://github.com/vllm-project/vllm/issues/14452 for the RTX 5090). 450 MiB, the middle of
// those.
constexpr std::uint64_t k_driver_reserved_bytes = 450ULL * 1024 * 1024;
constexpr std::uint64_t k_activation_bytes = 2;
constexpr std::uint64_t k_logit_bytes = 4;

std::uint64_t per_card_heads(std::uint32_t kv_heads, std::uint32_t tp) {
  return std::max<std::uint64_t>(1, div_ceil(kv_heads, tp));
}

}  // namespace

std::uint64_t pool_layer_token_bytes(const LayerSpec& layer, const Workload& workload,
                                     std::uint32_t tp) {
  switch (layer.attention) {
    case AttentionKind::none:
      return 0;
    case AttentionKind::latent:
      return kv_row_bytes(workload.kv_key, layer.latent_dim);
    case AttentionKind::full:
    case AttentionKind::sliding_window:
      break;
  }
  const std::uint64_t heads = per_card_heads(layer.n_kv_head, tp);
  return kv_row_bytes(workload.kv_key, heads * layer.head_dim_k) +
         kv_row_bytes(workload.kv_value, heads * layer.head_dim_v);
}

std::uint64_t pool_layer_sequence_tokens(const LayerSpec& layer, const Workload& workload) {
  return layer.attention == AttentionKind::sliding_window
             ? std::min<std::uint64_t>(workload.context, layer.sliding_window)
             : workload.context;
}

std::uint64_t pool_bytes_per_token(const ModelSpec& model, const Workload& workload,
                                   std::uint32_t tp) {
  std::uint64_t bytes = 0;
  for (const auto& layer : model.layers) {
    bytes += pool_layer_token_bytes(layer, workload, tp);
  }
  return bytes;
}

std::uint64_t pool_bytes_per_sequence(const ModelSpec& model, const Workload& workload,
                                      std::uint32_t tp) {
  std::uint64_t bytes = 0;
  for (const auto& layer : model.layers) {
    bytes = checked_add(bytes,
                        checked_mul(pool_layer_sequence_tokens(layer, workload),
                                    pool_layer_token_bytes(layer, workload, tp), "KV cache bytes"),
                        "KV cache bytes");
  }
  return bytes;
}

std::uint64_t pool_activation_bytes(const ModelSpec& model, std::uint64_t tokens,
                                    std::uint64_t sequences, std::uint32_t tp) {
  // vLLM runs fused kernels: gate_up [T, 2 x ffn], activated [T, ffn], and the residual and
  // normed input [T, hidden] each; the MLP is sharded over tp (vllm/model_executor/models/
  // llama.py LlamaMLP with MergedColumnParallelLinear and SiluAndMul). Logits: fp32 rows for
  // the sampled positions (one per sequence) over the whole vocabulary.
  std::uint64_t ffn = 0;
  for (const auto& layer : model.layers) {
    ffn = std::max<std::uint64_t>(ffn, layer.ffn_dim);
  }
  const std::uint64_t per_token = 3 * div_ceil(ffn, tp) + 2ULL * model.hidden;
  const std::uint64_t transient =
      checked_mul(checked_mul(tokens, per_token, "activation"), k_activation_bytes, "activation");
  const std::uint64_t logits =
      checked_mul(checked_mul(sequences, model.vocab, "logits"), k_logit_bytes, "logits");
  return checked_add(transient, logits, "activation");
}

void shard_weights(MemoryEstimate& result, std::uint32_t tp) {
  if (tp > 1) {
    result.weights = make_component(div_ceil(result.weights.bytes, tp), result.weights.provenance,
                                    fmt::format("{} / {} ranks", result.weights.basis, tp));
  }
}

std::uint64_t cuda_visible_bytes(const GpuSpec& gpu) {
  if (gpu.usable_source == UsableMemorySource::user) {
    return gpu.usable_bytes;  // --vram: taken as what the process sees
  }
  return gpu.usable_bytes - std::min(gpu.usable_bytes, k_driver_reserved_bytes);
}

}  // namespace vramcalc::engines
