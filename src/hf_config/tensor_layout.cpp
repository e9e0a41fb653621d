// Every weight tensor of a planned model, named as llama.cpp's GGUF converter names it
// (llama.cpp src/llama-arch.cpp LLM_TENSOR_NAMES: token_embd, blk.N.attn_q, ffn_gate_exps,
// output_norm, ...), with shapes innermost-first as GGUF lists them: a PyTorch
// Linear(in, out) weight [out, in] is [in, out] here; stacked experts are [in, out, experts].
#include <string>

#include "hf_config/planning.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc::hf {

namespace {

using Shape = std::vector<std::uint64_t>;

class TensorWriter {
 public:
  TensorWriter(ModelSpec& model, const ConfigKeys& keys) : m_model(model), m_keys(keys) {}

  void add(std::string name, TensorRole role, std::int32_t layer, Shape shape) {
    std::uint64_t elements = 1;
    for (const auto dim : shape) {
      elements = checked(elements, dim);
    }
    m_total += elements;  // both below 10^15 after the checks: no overflow
    if (m_total > k_max_total_params) {
      m_keys.fail_config("the config describes more than 10^15 parameters, beyond any real model");
    }
    m_model.tensors.push_back(TensorInfo{std::move(name), role, layer, std::move(shape), elements,
                                         {}, 0});
  }

  void weight_and_bias(const std::string& prefix, TensorRole role, std::int32_t layer,
                       Shape shape, bool bias) {
    const std::uint64_t out = shape.size() >= 2 ? shape[1] : shape[0];
    Shape bias_shape = shape.size() == 3 ? Shape{out, shape[2]} : Shape{out};
    add(prefix + ".weight", role, layer, std::move(shape));
    if (bias) {
      add(prefix + ".bias", TensorRole::bias, layer, std::move(bias_shape));
    }
  }

  void norm(const std::string& prefix, std::int32_t layer, Shape shape, bool bias) {
    add(prefix + ".weight", TensorRole::norm, layer, shape);
    if (bias) {
      add(prefix + ".bias", TensorRole::norm, layer, std::move(shape));
    }
  }

 private:
  std::uint64_t checked(std::uint64_t a, std::uint64_t b) const {
    if (b != 0 && a > k_max_total_params / b) {
      m_keys.fail_config("a tensor of more than 10^15 elements; the dimensions are absurd");
    }
    return a * b;
  }

  ModelSpec& m_model;
  const ConfigKeys& m_keys;
  std::uint64_t m_total = 0;
};

std::string block(std::size_t index, const char* name) {
  return "blk." + std::to_string(index) + "." + name;
}

void block_norms(TensorWriter& out, const ArchPlan& plan, std::size_t i, std::int32_t layer) {
  const Shape hidden{plan.hidden};
  const bool bias = plan.traits->norm_bias;
  out.norm(block(i, "attn_norm"), layer, hidden, bias);
  switch (plan.norms) {
    case BlockNorms::pre:
      out.norm(block(i, "ffn_norm"), layer, hidden, bias);
      break;
    case BlockNorms::sandwich:
      out.norm(block(i, "post_attention_norm"), layer, hidden, bias);
      out.norm(block(i, "ffn_norm"), layer, hidden, bias);
      out.norm(block(i, "post_ffw_norm"), layer, hidden, bias);
      break;
    case BlockNorms::parallel_one:
      break;
    case BlockNorms::parallel_two:
      out.norm(block(i, "attn_norm_2"), layer, hidden, bias);
      break;
  }
}

// DeepseekV2/V3Attention: q_a_proj -> q_a_layernorm -> q_b_proj (or q_proj),
// kv_a_proj_with_mqa -> kv_a_layernorm -> kv_b_proj, o_proj.
void latent_attention(TensorWriter& out, const ArchPlan& plan, std::size_t i, std::int32_t layer) {
  const MlaPlan& mla = *plan.mla;
  const std::uint64_t hidden = plan.hidden;
  const std::uint64_t heads = plan.heads;
  const std::uint64_t q_width = heads * (mla.qk_nope_head_dim + mla.qk_rope_head_dim);
  if (mla.q_lora_rank > 0) {
    out.weight_and_bias(block(i, "attn_q_a"), TensorRole::attn_q_a, layer,
                        {hidden, mla.q_lora_rank}, plan.q_bias);
    out.norm(block(i, "attn_q_a_norm"), layer, {mla.q_lora_rank}, false);
    out.weight_and_bias(block(i, "attn_q_b"), TensorRole::attn_q_b, layer,
                        {mla.q_lora_rank, q_width}, false);
  } else {
    out.weight_and_bias(block(i, "attn_q"), TensorRole::attn_q, layer, {hidden, q_width},
                        plan.q_bias);
  }
  out.weight_and_bias(block(i, "attn_kv_a_mqa"), TensorRole::attn_kv_a, layer,
                      {hidden, std::uint64_t{mla.kv_lora_rank} + mla.qk_rope_head_dim},
                      plan.k_bias);
  out.norm(block(i, "attn_kv_a_norm"), layer, {mla.kv_lora_rank}, false);
  out.weight_and_bias(block(i, "attn_kv_b"), TensorRole::attn_kv_b, layer,
                      {mla.kv_lora_rank, heads * (mla.qk_nope_head_dim + mla.v_head_dim)}, false);
  out.weight_and_bias(block(i, "attn_output"), TensorRole::attn_output, layer,
                      {heads * mla.v_head_dim, hidden}, plan.o_bias);
}

void attention(TensorWriter& out, const ArchPlan& plan, std::size_t i, std::int32_t layer) {
  if (plan.mla) {
    latent_attention(out, plan, i, layer);
    return;
  }
  const std::uint64_t hidden = plan.hidden;
  const std::uint64_t q_width = std::uint64_t{plan.heads} * plan.head_dim;
  const std::uint64_t kv_width = std::uint64_t{plan.kv_heads} * plan.head_dim;
  if (plan.traits->fused_qkv) {
    out.weight_and_bias(block(i, "attn_qkv"), TensorRole::attn_qkv, layer,
                        {hidden, q_width + 2 * kv_width}, plan.q_bias);
  } else {
    out.weight_and_bias(block(i, "attn_q"), TensorRole::attn_q, layer, {hidden, q_width},
                        plan.q_bias);
    out.weight_and_bias(block(i, "attn_k"), TensorRole::attn_k, layer, {hidden, kv_width},
                        plan.k_bias);
    out.weight_and_bias(block(i, "attn_v"), TensorRole::attn_v, layer, {hidden, kv_width},
                        plan.v_bias);
  }
  if (plan.qk_norm) {
    out.norm(block(i, "attn_q_norm"), layer, {plan.head_dim}, false);
    out.norm(block(i, "attn_k_norm"), layer, {plan.head_dim}, false);
  } else if (plan.qk_norm_per_head) {
    out.norm(block(i, "attn_q_norm"), layer, {plan.head_dim, plan.heads}, false);
    out.norm(block(i, "attn_k_norm"), layer, {plan.head_dim, plan.kv_heads}, false);
  }
  out.weight_and_bias(block(i, "attn_output"), TensorRole::attn_output, layer, {q_width, hidden},
                      plan.o_bias);
  if (plan.attn_sinks) {
    out.add(block(i, "attn_sinks.weight"), TensorRole::other, layer, {plan.heads});
  }
}

void dense_mlp(TensorWriter& out, const ArchPlan& plan, std::size_t i, std::int32_t layer,
               std::uint64_t ffn) {
  const std::uint64_t hidden = plan.hidden;
  if (plan.traits->mlp == MlpKind::plain) {
    out.weight_and_bias(block(i, "ffn_up"), TensorRole::ffn_up, layer, {hidden, ffn}, plan.mlp_bias);
  } else if (plan.traits->fused_gate_up) {
    out.weight_and_bias(block(i, "ffn_up"), TensorRole::ffn_up, layer, {hidden, 2 * ffn},
                        plan.mlp_bias);
  } else {
    out.weight_and_bias(block(i, "ffn_gate"), TensorRole::ffn_gate, layer, {hidden, ffn},
                        plan.mlp_bias);
    out.weight_and_bias(block(i, "ffn_up"), TensorRole::ffn_up, layer, {hidden, ffn}, plan.mlp_bias);
  }
  out.weight_and_bias(block(i, "ffn_down"), TensorRole::ffn_down, layer, {ffn, hidden},
                      plan.mlp_bias);
}

void moe_mlp(TensorWriter& out, const ArchPlan& plan, std::size_t i, std::int32_t layer) {
  const MoePlan& moe = *plan.moe;
  const std::uint64_t hidden = plan.hidden;
  const std::uint64_t ffn = moe.expert_ffn;
  const std::uint64_t experts = moe.experts;
  out.weight_and_bias(block(i, "ffn_gate_inp"), TensorRole::ffn_gate_inp, layer, {hidden, experts},
                      moe.router_bias);
  if (moe.score_bias) {
    out.add(block(i, "exp_probs_b.bias"), TensorRole::bias, layer, {experts});
  }
  out.weight_and_bias(block(i, "ffn_gate_exps"), TensorRole::ffn_gate_exps, layer,
                      {hidden, ffn, experts}, moe.expert_bias);
  out.weight_and_bias(block(i, "ffn_up_exps"), TensorRole::ffn_up_exps, layer,
                      {hidden, ffn, experts}, moe.expert_bias);
  out.weight_and_bias(block(i, "ffn_down_exps"), TensorRole::ffn_down_exps, layer,
                      {ffn, hidden, experts}, moe.expert_bias);
  if (moe.shared_ffn > 0) {
    const std::uint64_t shared = moe.shared_ffn;
    if (moe.shared_gate) {
      out.add(block(i, "ffn_gate_inp_shexp.weight"), TensorRole::ffn_gate_inp, layer, {hidden});
    }
    out.add(block(i, "ffn_gate_shexp.weight"), TensorRole::ffn_gate_shexp, layer, {hidden, shared});
    out.add(block(i, "ffn_up_shexp.weight"), TensorRole::ffn_up_shexp, layer, {hidden, shared});
    out.add(block(i, "ffn_down_shexp.weight"), TensorRole::ffn_down_shexp, layer, {shared, hidden});
  }
}

// Parameters of one routed expert: gate, up and down (and their biases).
std::uint64_t expert_params(const ArchPlan& plan) {
  const MoePlan& moe = *plan.moe;
  const std::uint64_t weights = 3ULL * plan.hidden * moe.expert_ffn;
  return weights + (moe.expert_bias ? 2ULL * moe.expert_ffn + plan.hidden : 0);
}

LayerSpec layer_spec(const ArchPlan& plan, const LayerPlan& layer) {
  LayerSpec spec;
  spec.attention = layer.attention;
  spec.sliding_window = layer.attention == AttentionKind::sliding_window ? layer.window : 0;
  spec.n_head = plan.heads;
  if (plan.mla) {
    spec.n_kv_head = plan.heads;
    spec.head_dim_k = plan.mla->qk_nope_head_dim + plan.mla->qk_rope_head_dim;
    spec.head_dim_v = plan.mla->v_head_dim;
    spec.latent_dim = plan.mla->kv_lora_rank + plan.mla->qk_rope_head_dim;
  } else {
    spec.n_kv_head = plan.kv_heads;
    spec.head_dim_k = spec.head_dim_v = plan.head_dim;
  }
  spec.moe = layer.moe;
  if (layer.moe) {
    const std::uint64_t active = std::uint64_t{plan.moe->experts_per_token} * plan.moe->expert_ffn +
                                 plan.moe->shared_ffn;
    spec.ffn_dim = static_cast<std::uint32_t>(std::min<std::uint64_t>(active, 0xFFFF'FFFFULL));
  } else {
    spec.ffn_dim = layer.dense_ffn;
  }
  return spec;
}

}  // namespace

void lay_out_tensors(const ArchPlan& plan, const ConfigKeys& keys, ModelSpec& model) {
  model.tensors.clear();
  TensorWriter out(model, keys);
  const std::uint64_t hidden = plan.hidden;
  out.add("token_embd.weight", TensorRole::token_embd, -1, {plan.embed_dim, plan.vocab});
  if (plan.position_rows > 0) {
    out.add("position_embd.weight", TensorRole::pos_embd, -1, {hidden, plan.position_rows});
  }
  if (plan.traits->encoder) {
    // BertEmbeddings: token_type_embeddings and the LayerNorm over the summed embeddings
    // (llama.cpp's token_types / token_embd_norm).
    out.add("token_types.weight", TensorRole::pos_embd, -1, {hidden, plan.token_type_rows});
    out.norm("token_embd_norm", -1, {hidden}, true);
  }
  if (plan.embed_dim != plan.hidden) {
    // OPTDecoder.project_in / project_out (no llama.cpp name; OPT-350M).
    out.add("proj_in.weight", TensorRole::other, -1, {plan.embed_dim, hidden});
  }
  for (std::size_t i = 0; i < plan.layers.size(); ++i) {
    const auto layer = static_cast<std::int32_t>(i);
    block_norms(out, plan, i, layer);
    attention(out, plan, i, layer);
    if (plan.layers[i].moe) {
      moe_mlp(out, plan, i, layer);
    } else {
      if (plan.layers[i].dense_ffn == 0) {
        keys.fail("intermediate_size", "is missing, but layer " + std::to_string(i) +
                                           " has a dense MLP and needs its width");
      }
      dense_mlp(out, plan, i, layer, plan.layers[i].dense_ffn);
    }
  }
  if (plan.final_norm) {
    out.norm("output_norm", -1, {hidden}, plan.traits->norm_bias);
  }
  if (plan.embed_dim != plan.hidden) {
    out.add("proj_out.weight", TensorRole::other, -1, {hidden, plan.embed_dim});
  }
  if (!plan.tied) {
    out.add("output.weight", TensorRole::output, -1, {plan.embed_dim, plan.vocab});
  }
  if (plan.pooler != 0 || plan.classifier_dense) {
    // BertPooler.dense, or RobertaClassificationHead.dense: hidden -> hidden with a bias.
    out.weight_and_bias("cls", TensorRole::other, -1, {hidden, hidden}, true);
  }
  if (plan.classifier_labels != 0) {
    out.weight_and_bias("cls.output", TensorRole::other, -1, {hidden, plan.classifier_labels},
                        true);
  }

  // Totals: per layer, embeddings, and everything else outside the blocks as the head.
  model.layers.clear();
  for (const auto& layer : plan.layers) {
    model.layers.push_back(layer_spec(plan, layer));
  }
  model.total_params = model.embedding_params = model.head_params = 0;
  for (const auto& tensor : model.tensors) {
    model.total_params += tensor.elements;
    if (tensor.layer >= 0) {
      model.layers[static_cast<std::size_t>(tensor.layer)].params += tensor.elements;
    } else if (tensor.role == TensorRole::token_embd || tensor.role == TensorRole::pos_embd) {
      model.embedding_params += tensor.elements;
    } else {
      model.head_params += tensor.elements;
    }
  }
  // Active parameters: every tensor but the routed experts a token does not use.
  model.active_params = model.total_params;
  if (plan.moe) {
    const std::uint64_t idle = (plan.moe->experts - plan.moe->experts_per_token) * expert_params(plan);
    for (const auto& layer : plan.layers) {
      if (layer.moe) {
        model.active_params -= idle;
      }
    }
  }
  model.hidden = plan.hidden;
  model.vocab = plan.vocab;
  model.max_context = plan.max_context;
  model.tied_embeddings = plan.tied;
  model.stored_bytes_exact = false;
  model.fused_gate_up = plan.traits->fused_gate_up;
  if (plan.moe) {
    model.n_experts = plan.moe->experts;
    model.n_experts_used = plan.moe->experts_per_token;
    model.expert_ffn_dim = plan.moe->expert_ffn;
    // Shared experts as one expert-width unit each (DeepSeek: n_shared x moe_intermediate;
    // Qwen2-MoE: one shared expert of its own width).
    model.n_shared_experts = plan.moe->expert_ffn == 0
                                 ? 0
                                 : static_cast<std::uint32_t>(div_ceil(plan.moe->shared_ffn,
                                                                       plan.moe->expert_ffn));
  }
}

}  // namespace vramcalc::hf
