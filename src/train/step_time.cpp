// Step time from FLOPs: a forward pass costs 2 FLOPs per parameter per token, the backward
// pass 4 (2 for the input gradients, 2 for the weight gradients; Kaplan et al. 2020,
// arXiv:2001.08361, section 2.1: C = 6 N per token), attention 2 x 2 x s x d_attn per layer
// per token forward (causal: half), recomputation one more forward (full checkpointing) or
// the attention core (selective; Korthikanti et al. 2022, section 5). Frozen weights need no
// weight gradients (LoRA, QLoRA: 4 N). docs/formulas.md, "Training: step time".
#include <algorithm>

#include "train/train_internal.hpp"

namespace vramcalc::train_detail {

namespace {

// Model FLOPs utilisation assumed for the expected time: 38-43% BF16 MFU for Llama 3 405B
// pre-training on H100s (Llama Team, "The Llama 3 Herd of Models", arXiv:2407.21783,
// Table 4); 40%.
constexpr double k_training_mfu = 0.40;

}  // namespace

std::optional<StepTime> step_time(const ModelSpec& model, const TrainingDeployment& d,
                                  std::uint64_t trainable_params) {
  if (d.gpus.empty() || !d.gpus.front().gpu.fp16_tflops || *d.gpus.front().gpu.fp16_tflops <= 0) {
    return std::nullopt;
  }
  const auto as_double = [](std::uint64_t v) { return static_cast<double>(v); };
  // Parameters a token passes through: the active ones, less the embedding lookup (no FLOPs),
  // plus the head when it shares the embedding matrix.
  const double embedding = as_double(model.embedding_params);
  const double head = model.tied_embeddings ? as_double(model.vocab) * model.hidden : 0.0;
  const double n = std::max(1.0, as_double(model.active_params) - embedding + head);
  double attention = 0;  // forward FLOPs per token over all layers
  for (const LayerSpec& l : model.layers) {
    if (l.attention == AttentionKind::none) {
      continue;
    }
    const double span = l.attention == AttentionKind::sliding_window
                            ? std::min<double>(as_double(l.sliding_window), as_double(d.seq_len))
                            : as_double(d.seq_len);
    // QK^T and PV, 2 FLOPs per multiply-add each, half the positions under the causal mask.
    attention += 2.0 * span * (as_double(l.n_head) * (l.head_dim_k + l.head_dim_v)) / 2.0;
  }
  const double forward = 2.0 * n + attention;
  const bool full = d.method == TrainMethod::full;
  // Backward: input gradients (2N + 2 x attention) always; weight gradients (2N) when trained.
  double per_token = forward + (2.0 * n + 2.0 * attention) +
                     (full ? 2.0 * n : 2.0 * as_double(trainable_params));
  if (d.checkpointing == Checkpointing::full) {
    per_token += forward;
  } else if (d.checkpointing == Checkpointing::selective) {
    per_token += attention;
  }
  StepTime t;
  const double tokens = as_double(d.micro_batch) * as_double(d.seq_len) * as_double(d.grad_accum);
  t.flops_per_gpu = per_token * tokens;
  t.ceiling_seconds = t.flops_per_gpu / (*d.gpus.front().gpu.fp16_tflops * 1e12);
  t.efficiency = k_training_mfu;
  t.expected_seconds = t.ceiling_seconds / k_training_mfu;
  t.tokens_per_second = tokens * training_gpus(d) / t.expected_seconds;
  return t;
}

}  // namespace vramcalc::train_detail
