#pragma once
// Shared by the pool engines (vLLM, SGLang): per-card KV bytes per token, the PyTorch
// activation peak of a prefill chunk, the memory CUDA sees.

#include <cstdint>

#include "engines/profiles.hpp"

namespace vramcalc::engines {

/// KV bytes one token costs on each of `tp` cards: KV heads are split across cards (replicated
/// when there are fewer heads than cards); an MLA latent is replicated on every card. Sliding
/// window layers are counted like full ones (a pool holds whole tokens).
[[nodiscard]] std::uint64_t pool_bytes_per_token(const ModelSpec& model, const Workload& workload,
                                                 std::uint32_t tp);

/// KV bytes one token costs in one layer on each of `tp` cards (0 for layers without
/// attention).
[[nodiscard]] std::uint64_t pool_layer_token_bytes(const LayerSpec& layer, const Workload& workload,
                                                   std::uint32_t tp);

/// Tokens of one sequence a layer keeps: the context, or its window for sliding-window layers.
[[nodiscard]] std::uint64_t pool_layer_sequence_tokens(const LayerSpec& layer,
                                                       const Workload& workload);

/// KV bytes one sequence of `context` tokens needs on each card, with sliding-window layers
/// capped at their window.
[[nodiscard]] std::uint64_t pool_bytes_per_sequence(const ModelSpec& model,
                                                    const Workload& workload, std::uint32_t tp);

/// PyTorch's activation peak of a forward pass over `tokens` tokens on one of `tp` cards
/// (vLLM's profile run): fused gate_up output, activated gate and residual/normed input per
/// token, plus fp32 logits for `sequences` sampled rows.
[[nodiscard]] std::uint64_t pool_activation_bytes(const ModelSpec& model, std::uint64_t tokens,
                                                  std::uint64_t sequences, std::uint32_t tp);

/// Sizes one of `tp` tensor-parallel ranks: the weights divided over the ranks (a pool engine
/// profiles one card). Leaves `result` as it is when tp is 1.
void shard_weights(MemoryEstimate& result, std::uint32_t tp);

/// CUDA context of a PyTorch process, outside the engines' fractions: 650,969,088 bytes
/// measured for this project on an H200 (torch 2.11.0+cu130; tests/data/gpu_truth/,
/// context_bytes), 620.8 MiB.
inline constexpr std::uint64_t k_torch_cuda_context_bytes = 650'969'088ULL;

/// The total memory CUDA reports for `gpu` (cudaMemGetInfo), which is what vLLM and SGLang
/// take fractions of: the driver total less the memory the driver keeps for itself.
[[nodiscard]] std::uint64_t cuda_visible_bytes(const GpuSpec& gpu);

}  // namespace vramcalc::engines
