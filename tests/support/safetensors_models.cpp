#include "safetensors_models.hpp"

#include <string>

namespace vramcalc::test {

std::vector<SafetensorsFixtureTensor> small_llama(int layers) {
  std::vector<SafetensorsFixtureTensor> tensors = {{"model.embed_tokens.weight", "BF16", {10, 8}}};
  for (int i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    tensors.push_back({p + "self_attn.q_proj.weight", "BF16", {8, 8}});
    tensors.push_back({p + "self_attn.k_proj.weight", "BF16", {4, 8}});
    tensors.push_back({p + "self_attn.v_proj.weight", "BF16", {4, 8}});
    tensors.push_back({p + "self_attn.o_proj.weight", "BF16", {8, 8}});
    tensors.push_back({p + "mlp.gate_proj.weight", "BF16", {16, 8}});
    tensors.push_back({p + "mlp.up_proj.weight", "BF16", {16, 8}});
    tensors.push_back({p + "mlp.down_proj.weight", "BF16", {8, 16}});
    tensors.push_back({p + "input_layernorm.weight", "BF16", {8}});
    tensors.push_back({p + "post_attention_layernorm.weight", "BF16", {8}});
  }
  tensors.push_back({"model.layers.0.self_attn.rotary_emb.inv_freq", "F32", {4}});
  tensors.push_back({"model.norm.weight", "BF16", {8}});
  tensors.push_back({"lm_head.weight", "BF16", {10, 8}});
  return tensors;
}

std::vector<SafetensorsFixtureTensor> small_mixtral() {
  std::vector<SafetensorsFixtureTensor> tensors = {{"model.embed_tokens.weight", "BF16", {10, 8}}};
  for (int i = 0; i < 2; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    tensors.push_back({p + "self_attn.q_proj.weight", "BF16", {8, 8}});
    tensors.push_back({p + "self_attn.k_proj.weight", "BF16", {4, 8}});
    tensors.push_back({p + "self_attn.v_proj.weight", "BF16", {4, 8}});
    tensors.push_back({p + "self_attn.o_proj.weight", "BF16", {8, 8}});
    tensors.push_back({p + "block_sparse_moe.gate.weight", "BF16", {4, 8}});
    for (int e = 0; e < 4; ++e) {
      const std::string x = p + "block_sparse_moe.experts." + std::to_string(e) + ".";
      tensors.push_back({x + "w1.weight", "BF16", {16, 8}});
      tensors.push_back({x + "w2.weight", "BF16", {8, 16}});
      tensors.push_back({x + "w3.weight", "BF16", {16, 8}});
    }
    tensors.push_back({p + "input_layernorm.weight", "BF16", {8}});
    tensors.push_back({p + "post_attention_layernorm.weight", "BF16", {8}});
  }
  tensors.push_back({"model.norm.weight", "BF16", {8}});
  tensors.push_back({"lm_head.weight", "BF16", {10, 8}});
  return tensors;
}


std::vector<SafetensorsFixtureTensor> small_deepseek() {
  std::vector<SafetensorsFixtureTensor> t = {{"model.embed_tokens.weight", "BF16", {10, 8}}};
  const auto fp8 = [&](const std::string& name, std::vector<std::uint64_t> shape) {
    t.push_back({name + ".weight", "F8_E4M3", std::move(shape)});
    t.push_back({name + ".weight_scale_inv", "F32", {1, 1}});
  };
  for (int i = 0; i < 3; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    fp8(p + "self_attn.q_a_proj", {16, 8});
    t.push_back({p + "self_attn.q_a_layernorm.weight", "BF16", {16}});
    fp8(p + "self_attn.q_b_proj", {12, 16});          // 2 heads x (4 + 2)
    fp8(p + "self_attn.kv_a_proj_with_mqa", {8, 8});  // kv_lora 6 + rope 2
    t.push_back({p + "self_attn.kv_a_layernorm.weight", "BF16", {6}});
    fp8(p + "self_attn.kv_b_proj", {16, 6});          // 2 heads x (4 + 4)
    fp8(p + "self_attn.o_proj", {8, 8});
    t.push_back({p + "input_layernorm.weight", "BF16", {8}});
    t.push_back({p + "post_attention_layernorm.weight", "BF16", {8}});
    if (i == 0) {
      fp8(p + "mlp.gate_proj", {16, 8});
      fp8(p + "mlp.up_proj", {16, 8});
      fp8(p + "mlp.down_proj", {8, 16});
      continue;
    }
    t.push_back({p + "mlp.gate.weight", "BF16", {4, 8}});
    t.push_back({p + "mlp.gate.e_score_correction_bias", "F32", {4}});
    for (int e = 0; e < 4; ++e) {
      const std::string x = p + "mlp.experts." + std::to_string(e) + ".";
      fp8(x + "gate_proj", {4, 8});
      fp8(x + "up_proj", {4, 8});
      fp8(x + "down_proj", {8, 4});
    }
    fp8(p + "mlp.shared_experts.gate_proj", {4, 8});
    fp8(p + "mlp.shared_experts.up_proj", {4, 8});
    fp8(p + "mlp.shared_experts.down_proj", {8, 4});
  }
  t.push_back({"model.layers.3.embed_tokens.weight", "BF16", {10, 8}});
  t.push_back({"model.layers.3.enorm.weight", "BF16", {8}});
  t.push_back({"model.layers.3.eh_proj.weight", "F8_E4M3", {8, 16}});
  t.push_back({"model.layers.3.shared_head.head.weight", "BF16", {10, 8}});
  t.push_back({"model.norm.weight", "BF16", {8}});
  t.push_back({"lm_head.weight", "BF16", {10, 8}});
  return t;
}


}  // namespace vramcalc::test
