// Activations kept for the backward pass, per layer and per token, following Korthikanti et
// al. 2022 ("Reducing Activation Recomputation in Large Transformer Models",
// arXiv:2205.05198, section 4: 34 sbh + 5 a s^2 b bytes per layer for GPT with 16-bit
// activations), counted tensor by tensor as autograd saves them, adjusted for what modern
// decoders do: no dropout, RMSNorm, grouped-query attention (K and V of n_kv_heads), gated
// MLPs (SwiGLU keeps gate, activation and up), flash attention (no s^2 scores, only the
// log-sum-exp), mixtures of experts (k experts per token), frozen weights (a frozen linear
// needs no saved input) and LoRA adapters. Checkpointing follows the paper's section 5.
// docs/formulas.md, "Training: activations".
#include <algorithm>

#include "train/train_internal.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::train_detail {

namespace {

struct Context {
  const ModelSpec& model;
  const TrainingPlanner::Facts& facts;
  const TrainingDeployment& d;
  const std::vector<TensorRole>& adapted;  ///< LoRA targets (empty for full)
  std::uint64_t a = 2;                     ///< activation bytes
  bool full = false;                       ///< every weight trained

  [[nodiscard]] bool trained(TensorRole role) const { return full || role_in(adapted, role); }
  [[nodiscard]] bool any_trained(std::initializer_list<TensorRole> roles) const {
    return std::any_of(roles.begin(), roles.end(), [&](TensorRole r) { return trained(r); });
  }
};

// Per token, and per token per token of context (the s^2 terms of eager attention).
struct LayerCost {
  std::uint64_t per_token = 0;
  std::uint64_t per_context_token = 0;
};

// RMSNorm/LayerNorm. Fused (compiled, Liger, apex): the input and the fp32 reciprocal
// deviation. Eager (transformers' LlamaRMSNorm): the fp32 copy of the input kept by pow() and
// the multiply, the fp32 rstd, and the normalised input kept by the weight multiply when the
// norm weight is trained.
std::uint64_t norm_bytes(const Context& c) {
  const std::uint64_t h = c.model.hidden;
  if (c.d.compile) {
    return c.a * h + 4;
  }
  return 4 * h + 4 + (c.full ? c.a * h : 0);
}

LayerCost attention_cost(const Context& c, const LayerSpec& l) {
  using R = TensorRole;
  LayerCost cost;
  const std::uint64_t h = c.model.hidden;
  if (l.attention == AttentionKind::none) {
    // A recurrent mixer: its input and output (approximation: no attention kept).
    cost.per_token = norm_bytes(c) + 2 * c.a * h;
    return cost;
  }
  const std::uint64_t heads = l.n_head;
  const std::uint64_t hd_k = l.head_dim_k > 0 ? l.head_dim_k : h / std::max<std::uint64_t>(heads, 1);
  const std::uint64_t hd_v = l.head_dim_v > 0 ? l.head_dim_v : hd_k;
  // MLA expands its latent into per-head keys and values before attention.
  const std::uint64_t kv_heads = l.attention == AttentionKind::latent ? heads : l.n_kv_head;
  const std::uint64_t q = heads * hd_k;
  const std::uint64_t k = kv_heads * hd_k;
  const std::uint64_t v = kv_heads * hd_v;
  const std::uint64_t o = heads * hd_v;
  cost.per_token = norm_bytes(c);
  // The normalised input, kept by the q/k/v projections when their weights (or adapters) are
  // trained; a frozen linear needs only its weight for the input gradient.
  if (c.any_trained({R::attn_q, R::attn_k, R::attn_v, R::attn_qkv, R::attn_q_a, R::attn_kv_a})) {
    cost.per_token += c.a * h;
  }
  if (c.d.flash_attention) {
    // FlashAttention keeps q, k, v (after RoPE), its output and the fp32 log-sum-exp per head;
    // the output projection's input is that same output.
    cost.per_token += c.a * (q + k + v + o) + 4 * heads;
  } else {
    // Eager attention (transformers' eager_attention_forward): keys and values repeated to
    // every query head (repeat_kv), the fp32 softmax output and its 16-bit copy for the
    // weighted sum (a s^2 terms), the contiguous output kept by a trained o_proj.
    cost.per_token += c.a * (q + heads * hd_k + heads * hd_v);
    cost.per_token += c.trained(R::attn_output) ? c.a * o : 0;
    cost.per_context_token = (4 + (c.a == 4 ? 0 : c.a)) * heads;
  }
  return cost;
}

std::uint64_t mlp_cost(const Context& c, const LayerSpec& l) {
  using R = TensorRole;
  const std::uint64_t h = c.model.hidden;
  const std::uint64_t f = l.ffn_dim;
  std::uint64_t bytes = norm_bytes(c);
  const bool up_trained = c.any_trained({R::ffn_gate, R::ffn_up, R::ffn_gate_exps, R::ffn_up_exps,
                                         R::ffn_gate_shexp, R::ffn_up_shexp, R::ffn_gate_inp});
  const bool down_trained = c.any_trained({R::ffn_down, R::ffn_down_exps, R::ffn_down_shexp});
  if (up_trained) {
    bytes += c.a * h;
  }
  if (c.facts.gated_mlp) {
    // Eager SwiGLU: act(gate) keeps gate, the product keeps act(gate) and up; fused kernels
    // keep gate and up only (Liger's SiLUMul recomputes the activation).
    bytes += (c.d.compile ? 2 : 3) * c.a * f;
  } else {
    bytes += c.a * f;  // GELU keeps its input
  }
  if (down_trained) {
    bytes += c.a * f;  // down_proj keeps its input
  }
  if (l.moe) {
    // Router probabilities in fp32, and each expert's gathered input (k per token).
    bytes += 4 * std::uint64_t{c.model.n_experts};
    if (c.any_trained({R::ffn_gate_exps, R::ffn_up_exps})) {
      bytes += c.a * h * std::max<std::uint64_t>(c.model.n_experts_used, 1);
    }
  }
  return bytes;
}

// LoRA: each adapted module keeps A's output (rank values) for B, and with dropout its own
// dropped copy of the input and the mask (PEFT's nn.Dropout per module).
std::uint64_t adapter_cost(const Context& c, std::size_t layer) {
  if (c.full) {
    return 0;
  }
  std::uint64_t bytes = 0;
  for (const LinearModule& m : c.facts.linears) {
    if (m.layer != static_cast<std::int32_t>(layer) || !role_in(c.adapted, m.role)) {
      continue;
    }
    const std::uint64_t per_token_uses =
        is_routed_expert(m.role) ? std::max<std::uint64_t>(c.model.n_experts_used, 1) : 1;
    std::uint64_t one = c.a * c.d.lora.rank;
    if (c.d.lora.dropout > 0) {
      one += (c.a + 1) * m.in;
    }
    bytes += one * per_token_uses;
  }
  return bytes;
}

}  // namespace

ActivationBytes activation_bytes_of(const ModelSpec& model, const TrainingPlanner::Facts& facts,
                                    const TrainingDeployment& d,
                                    const std::vector<TensorRole>& adapted) {
  Context c{model, facts, d, adapted, activation_bytes(d.precision), d.method == TrainMethod::full};
  const std::uint64_t tokens = checked_mul(d.micro_batch, d.seq_len, "tokens per micro-batch");
  const std::uint64_t h = model.hidden;
  ActivationBytes out;
  std::uint64_t all_layers = 0;
  std::uint64_t widest = 0;
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const LayerSpec& l = model.layers[i];
    const LayerCost attn = attention_cost(c, l);
    const std::uint64_t per_token = attn.per_token + mlp_cost(c, l) + adapter_cost(c, i);
    const std::uint64_t context_terms =
        d.checkpointing == Checkpointing::selective ? 0 : attn.per_context_token;
    const std::uint64_t layer_bytes = checked_mul(
        tokens, checked_add(per_token, checked_mul(context_terms, d.seq_len, "attention scores"),
                            "layer activations"),
        "layer activations");
    all_layers = checked_add(all_layers, layer_bytes, "activations");
    widest = std::max(widest, layer_bytes);
    out.per_layer_token = std::max(out.per_layer_token, per_token);
  }
  // The final norm, and the head's input when the head is trained.
  const std::uint64_t final_norm = checked_mul(
      tokens, norm_bytes(c) + (c.trained(TensorRole::output) ? c.a * h : 0), "activations");
  if (d.checkpointing == Checkpointing::full) {
    // Each block keeps only its input (2sbh per layer at 16 bits); backward recomputes one
    // block at a time.
    out.stored = checked_add(
        checked_mul(checked_mul(tokens, c.a * h, "checkpoints"), model.layers.size(), "checkpoints"),
        final_norm, "activations");
    out.recompute = widest;
  } else {
    out.stored = checked_add(all_layers, final_norm, "activations");
  }
  // Logits and loss buffers, in eighths of a byte per logit (tokens x vocab).
  const std::uint64_t logits = checked_mul(tokens, model.vocab, "logits");
  switch (d.loss) {
    case LossKind::standard:
      // 16-bit logits, their fp32 upcast and the fp32 log-softmax cross_entropy keeps
      // (transformers' ForCausalLMLoss); in fp32 the upcast is the logits themselves.
      out.logits = mul_div_ceil(logits, 8 * c.a + 32 + (c.a == 2 ? 32 : 0), 8, "logits");
      break;
    case LossKind::chunked:
      // Every chunk's 16-bit logits and fp32 log-softmax, one chunk's fp32 upcast (of 8:
      // torchtune CEWithChunkedOutputLoss); compiled, the loss keeps the 16-bit chunk and the
      // log-sum-exp and one chunk's fp32 temporaries.
      out.logits = d.compile ? mul_div_ceil(logits, 8 * c.a + 8, 8, "logits")
                             : mul_div_ceil(logits, 8 * c.a + 32 + (c.a == 2 ? 4 : 0), 8, "logits");
      break;
    case LossKind::fused:
      // Fused linear cross-entropy computes logits in chunks of about tokens x hidden values
      // and the input gradient in the forward pass (Liger FusedLinearCrossEntropy).
      out.logits = checked_mul(checked_mul(tokens, h, "logits"), 2 * c.a + 8, "logits");
      break;
  }
  return out;
}

}  // namespace vramcalc::train_detail
