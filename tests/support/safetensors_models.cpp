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


std::vector<SafetensorsFixtureTensor> llama_tensors(const LlamaShape& s,
                                                    const std::string& dtype) {
  std::vector<SafetensorsFixtureTensor> t = {
      {"model.embed_tokens.weight", dtype, {s.vocab, s.hidden}}};
  for (std::uint64_t i = 0; i < s.layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    t.push_back({p + "self_attn.q_proj.weight", dtype, {s.heads * s.head_dim, s.hidden}});
    t.push_back({p + "self_attn.k_proj.weight", dtype, {s.kv_heads * s.head_dim, s.hidden}});
    t.push_back({p + "self_attn.v_proj.weight", dtype, {s.kv_heads * s.head_dim, s.hidden}});
    t.push_back({p + "self_attn.o_proj.weight", dtype, {s.hidden, s.heads * s.head_dim}});
    t.push_back({p + "mlp.gate_proj.weight", dtype, {s.ffn, s.hidden}});
    t.push_back({p + "mlp.up_proj.weight", dtype, {s.ffn, s.hidden}});
    t.push_back({p + "mlp.down_proj.weight", dtype, {s.hidden, s.ffn}});
    t.push_back({p + "input_layernorm.weight", dtype, {s.hidden}});
    t.push_back({p + "post_attention_layernorm.weight", dtype, {s.hidden}});
  }
  t.push_back({"model.norm.weight", dtype, {s.hidden}});
  if (!s.tied) {
    t.push_back({"lm_head.weight", dtype, {s.vocab, s.hidden}});
  }
  return t;
}

std::vector<SafetensorsFixtureTensor> mixtral_8x7b_tensors() {
  std::vector<SafetensorsFixtureTensor> t = {{"model.embed_tokens.weight", "BF16", {32000, 4096}}};
  for (int i = 0; i < 32; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    t.push_back({p + "self_attn.q_proj.weight", "BF16", {4096, 4096}});
    t.push_back({p + "self_attn.k_proj.weight", "BF16", {1024, 4096}});
    t.push_back({p + "self_attn.v_proj.weight", "BF16", {1024, 4096}});
    t.push_back({p + "self_attn.o_proj.weight", "BF16", {4096, 4096}});
    t.push_back({p + "block_sparse_moe.gate.weight", "BF16", {8, 4096}});
    for (int e = 0; e < 8; ++e) {
      const std::string x = p + "block_sparse_moe.experts." + std::to_string(e) + ".";
      t.push_back({x + "w1.weight", "BF16", {14336, 4096}});
      t.push_back({x + "w2.weight", "BF16", {4096, 14336}});
      t.push_back({x + "w3.weight", "BF16", {14336, 4096}});
    }
    t.push_back({p + "input_layernorm.weight", "BF16", {4096}});
    t.push_back({p + "post_attention_layernorm.weight", "BF16", {4096}});
  }
  t.push_back({"model.norm.weight", "BF16", {4096}});
  t.push_back({"lm_head.weight", "BF16", {32000, 4096}});
  return t;
}

namespace {

// The ceiling of n / 128: FP8 weight_scale_inv blocks per dimension.
std::uint64_t blocks(std::uint64_t n) {
  return (n + 127) / 128;
}

}  // namespace

std::vector<SafetensorsFixtureTensor> deepseek_v3_fp8_tensors() {
  constexpr std::uint64_t h = 7168;
  std::vector<SafetensorsFixtureTensor> t = {{"model.embed_tokens.weight", "BF16", {129280, h}}};
  const auto fp8 = [&](const std::string& name, std::uint64_t out, std::uint64_t in) {
    t.push_back({name + ".weight", "F8_E4M3", {out, in}});
    t.push_back({name + ".weight_scale_inv", "F32", {blocks(out), blocks(in)}});
  };
  for (int i = 0; i < 62; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    fp8(p + "self_attn.q_a_proj", 1536, h);
    t.push_back({p + "self_attn.q_a_layernorm.weight", "BF16", {1536}});
    fp8(p + "self_attn.q_b_proj", 128ULL * 192, 1536);
    fp8(p + "self_attn.kv_a_proj_with_mqa", 576, h);
    t.push_back({p + "self_attn.kv_a_layernorm.weight", "BF16", {512}});
    fp8(p + "self_attn.kv_b_proj", 128ULL * 256, 512);
    fp8(p + "self_attn.o_proj", h, 128ULL * 128);
    t.push_back({p + "input_layernorm.weight", "BF16", {h}});
    t.push_back({p + "post_attention_layernorm.weight", "BF16", {h}});
    if (i < 3) {
      fp8(p + "mlp.gate_proj", 18432, h);
      fp8(p + "mlp.up_proj", 18432, h);
      fp8(p + "mlp.down_proj", h, 18432);
      continue;
    }
    t.push_back({p + "mlp.gate.weight", "BF16", {256, h}});
    t.push_back({p + "mlp.gate.e_score_correction_bias", "F32", {256}});
    for (int e = 0; e < 256; ++e) {
      const std::string x = p + "mlp.experts." + std::to_string(e) + ".";
      fp8(x + "gate_proj", 2048, h);
      fp8(x + "up_proj", 2048, h);
      fp8(x + "down_proj", h, 2048);
    }
    fp8(p + "mlp.shared_experts.gate_proj", 2048, h);
    fp8(p + "mlp.shared_experts.up_proj", 2048, h);
    fp8(p + "mlp.shared_experts.down_proj", h, 2048);
    if (i == 61) {
      t.push_back({p + "embed_tokens.weight", "BF16", {129280, h}});
      t.push_back({p + "enorm.weight", "BF16", {h}});
      t.push_back({p + "hnorm.weight", "BF16", {h}});
      t.push_back({p + "eh_proj.weight", "BF16", {h, 2 * h}});
      t.push_back({p + "shared_head.norm.weight", "BF16", {h}});
      t.push_back({p + "shared_head.head.weight", "BF16", {129280, h}});
    }
  }
  t.push_back({"model.norm.weight", "BF16", {h}});
  t.push_back({"lm_head.weight", "BF16", {129280, h}});
  return t;
}

void write_sharded(const std::string& folder,
                   const std::vector<SafetensorsFixtureTensor>& tensors, std::size_t shards) {
  ShardFixtures files(shards);
  for (std::size_t s = 0; s < shards; ++s) {
    files[s].first = "model-" + std::to_string(s + 1) + "-of-" + std::to_string(shards) +
                     ".safetensors";
  }
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    files[i * shards / tensors.size()].second.push_back(tensors[i]);
  }
  write_checkpoint(folder, files);
}

}  // namespace vramcalc::test
