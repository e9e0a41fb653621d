// Hugging Face transformers profile: model.generate() with the default DynamicCache and SDPA
// attention, as measured for this project on an H200 with transformers 5.17 and torch 2.11
// (tests/data/gpu_truth/transformers_h200.json). What the card loses at the prefill peak:
//   weights + cache (prompt + generated tokens; sliding layers of layer-typed families keep
//   their window) + activations of the prefill + CUDA context and libraries + the caching
//   allocator's slack.
#include <algorithm>

#include <fmt/format.h>

#include "engines/llama_cpp.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/calibrated.hpp"

namespace vramcalc::engines {

namespace {

constexpr std::uint64_t k_bf16 = 2;
constexpr std::uint64_t k_f32 = 4;
// PyTorch's caching allocator keeps freed blocks: peak reserved exceeds peak allocated by a
// share of the memory allocated beyond the weights, derived from the calibration rows of
// tests/data/gpu_truth/transformers_h200.json (vramcalc/calibrated.hpp).
constexpr unsigned k_allocator_slack_percent = calibrated::k_allocator_slack_percent;

bool gemma_family(const std::string& architecture) {
  std::string arch;
  for (const char c : architecture) {
    arch.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return arch.rfind("gemma", 0) == 0;
}

// Live elements per prompt token at the MLP peak of one decoder layer, from the modules'
// forward code:
//  - dense MLP `down_proj(act_fn(gate_proj(x)) * up_proj(x))`: the activated gate, the up
//    projection and their product live together (3 x ffn); a fused gate_up projection (Phi-3)
//    keeps its [2 x ffn] output alive through the product (4 x ffn);
//  - residual stream and normed input in bf16, and the fp32 copy RMSNorm makes (4 x hidden);
//    Gemma's norms compute in fp32 throughout (4 more);
//  - MoE (experts gathered per routed copy): each of the top-k copies holds its input row, its
//    output and its weighted output (3 x hidden) and the three expert intermediates.
// Checked against the measurements: Llama-3.1-8B 118,784 bytes/token predicted, 119,072
// measured; Qwen2.5-0.5B -1%; Llama-3.2-1B -0.3%; Phi-3-mini -4%; Gemma-2-2B +6%.
std::uint64_t elements_per_token(const ModelSpec& model) {
  std::uint64_t norm = 4ULL * model.hidden;
  if (gemma_family(model.architecture)) {
    norm += 4ULL * model.hidden;
  }
  if (model.n_experts > 0 && model.n_experts_used > 0) {
    const std::uint64_t shared =
        static_cast<std::uint64_t>(model.n_shared_experts) * model.expert_ffn_dim * 3;
    return static_cast<std::uint64_t>(model.n_experts_used) *
               (3ULL * model.hidden + 3ULL * model.expert_ffn_dim) +
           shared + norm;
  }
  std::uint64_t ffn = 0;
  for (const auto& layer : model.layers) {
    ffn = std::max<std::uint64_t>(ffn, layer.ffn_dim);
  }
  return (model.fused_gate_up ? 4 : 3) * ffn + norm;
}

// SDPA runs with is_causal (no mask tensor) unless a layer has a sliding window; then
// transformers builds a boolean [batch, 1, T, T] mask per kind of layer (sliding, and full
// when some layers are full). Phi-3 at 32k: 1 GiB of mask, as measured.
std::uint64_t mask_bytes(const ModelSpec& model, std::uint64_t tokens, std::uint64_t batch) {
  bool sliding = false;
  bool full = false;
  for (const auto& layer : model.layers) {
    sliding = sliding || layer.attention == AttentionKind::sliding_window;
    full = full || layer.attention != AttentionKind::sliding_window;
  }
  if (!sliding) {
    return 0;
  }
  const std::uint64_t kinds = full ? 2 : 1;
  const char* const what = "attention mask bytes";
  return checked_mul(checked_mul(checked_mul(tokens, tokens, what), batch, what), kinds, what);
}

std::uint64_t cache_bytes(const ModelSpec& model, const Workload& workload,
                          std::uint64_t tokens) {
  // DynamicCache keeps every token, except that layers typed "sliding_attention" (Gemma-2/3,
  // gpt-oss, Cohere2: the families llama.cpp also windows) keep their window.
  const bool windows = llama_cpp_honours_sliding_window(model.architecture);
  std::uint64_t total = 0;
  for (const auto& layer : model.layers) {
    LayerSpec copy = layer;
    if (!windows && copy.attention == AttentionKind::sliding_window) {
      copy.attention = AttentionKind::full;
    }
    Workload w = workload;
    w.context = tokens;
    total = checked_add(total, layer_kv_bytes(copy, w), "KV cache bytes");
  }
  return total;
}

}  // namespace

MemoryEstimate estimate_transformers(const EngineInput& input) {
  const ModelSpec& model = input.model;
  const Workload& workload = input.workload;
  const std::uint64_t new_tokens = input.options.engine.max_new_tokens.value_or(0);
  const std::uint64_t prompt = workload.context;
  const std::uint64_t final_length = checked_add(prompt, new_tokens, "sequence length");

  MemoryEstimate result;
  fill_weights(result, input);

  const std::uint64_t prompt_tokens = checked_mul(prompt, workload.batch, "tokens");
  const char* const prefill_what = "prefill activation bytes";
  const std::uint64_t prefill = checked_add(
      checked_mul(checked_mul(prompt_tokens, elements_per_token(model), prefill_what), k_bf16,
                  prefill_what),
      mask_bytes(model, prompt, workload.batch), prefill_what);
  // Logits of the last position, bf16 then fp32 (generate keeps logits_to_keep = 1).
  const std::uint64_t logits =
      checked_mul(checked_mul(workload.batch, model.vocab, "logits"), k_bf16 + k_f32, "logits");
  const std::uint64_t kv_prefill = cache_bytes(model, workload, prompt);
  const std::uint64_t kv_final = cache_bytes(model, workload, final_length);
  // The peak is the prefill (cache of the prompt + its activations) or the end of generation
  // (the full cache + one token's activations), whichever is larger.
  const std::uint64_t activations = checked_add(prefill, logits, prefill_what);
  const bool prefill_peak = checked_add(kv_prefill, activations, "KV cache bytes") >=
                            checked_add(kv_final, logits, "KV cache bytes");
  const std::uint64_t kv = prefill_peak ? kv_prefill : kv_final;
  const std::uint64_t act = prefill_peak ? activations : logits;

  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    result.layers[i].kv_bytes = layer_kv_bytes(model.layers[i], workload);
  }
  const bool assumed = model.shape.assumed;
  result.kv_cache = make_component(
      kv, assumed ? Provenance::heuristic : Provenance::derived,
      fmt::format("DynamicCache of {} tokens x {} sequences{}", prefill_peak ? prompt : final_length,
                  workload.batch, assumed ? "; shape assumed" : ""),
      assumed ? 50 : 0, assumed ? 300 : 0);
  result.activations = make_component(
      act, assumed ? Provenance::heuristic : Provenance::derived,
      prefill_peak ? "prefill: live MLP tensors per token x 2 bytes + SDPA masks + last logits"
                   : "end of generation: last-position logits",
      assumed ? 50 : 10, assumed ? 100 : 10);
  const std::uint64_t slack =
      mul_div_ceil(kv + act, k_allocator_slack_percent, 100, "allocator slack");
  if (input.options.overhead_bytes) {
    result.overhead = runtime_overhead(input.options);
  } else {
    result.overhead = make_component(
        k_runtime_overhead_bytes + slack, Provenance::calibrated,
        fmt::format("CUDA context + libraries {} MiB + allocator slack {} MiB ({}% of cache "
                    "and activations), measured on H200",
                    k_runtime_overhead_bytes / k_mib, slack / k_mib, k_allocator_slack_percent),
        30, 30);
  }
  finish_totals(result);
  add_setting(result, "max_new_tokens", new_tokens);
  add_setting(result, "attn_implementation", std::string("sdpa"));
  add_setting(result, "cache_implementation", std::string("dynamic"));
  add_setting(result, "framework_peak_bytes",
              result.weights.bytes + result.kv_cache.bytes + result.activations.bytes);
  result.engine.equivalent_flags =
      fmt::format("model.generate(input_ids, max_new_tokens={})", new_tokens);
  return result;
}

}  // namespace vramcalc::engines
