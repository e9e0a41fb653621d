// attach_safetensors: Hugging Face names to roles and layers, parameter counts of plain and
// quantized checkpoints, MoE active parameters, and contradictions with the model.
#include <map>
#include <string>
#include <vector>

#include "catch.hpp"
#include "run_cli.hpp"
#include "safetensors_models.hpp"
#include "safetensors_writer.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/safetensors.hpp"

using namespace vramcalc;
using vramcalc::test::error_message;
using FixtureTensor = vramcalc::test::SafetensorsFixtureTensor;
using vramcalc::test::LlamaShape;
using vramcalc::test::llama_tensors;
using vramcalc::test::small_deepseek;
using vramcalc::test::small_llama;
using vramcalc::test::small_mixtral;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// An inventory as read_safetensors would return it for `tensors` in one file.
SafetensorsInventory inventory_of(const std::vector<FixtureTensor>& tensors) {
  SafetensorsInventory inventory;
  inventory.path = "test.safetensors";
  for (const FixtureTensor& fixture : tensors) {
    SafetensorsTensor tensor;
    tensor.name = fixture.name;
    tensor.dtype = fixture.dtype;
    tensor.shape = fixture.shape;
    tensor.elements = 1;
    for (const std::uint64_t dim : fixture.shape) {
      tensor.elements *= dim;
    }
    tensor.bytes = test::fixture_bytes(fixture);
    tensor.data_begin = inventory.total_bytes;
    tensor.shard = "test.safetensors";
    inventory.total_bytes += tensor.bytes;
    inventory.tensors.push_back(tensor);
  }
  return inventory;
}

// A model as a config reader would give it: `layers` blocks, those in `moe_layers` MoE.
ModelSpec model_with(std::size_t layers, const std::vector<std::size_t>& moe_layers = {}) {
  ModelSpec model;
  model.name = "test";
  model.hidden = 8;
  model.vocab = 10;
  model.layers.resize(layers);
  for (auto& layer : model.layers) {
    layer.n_head = 2;
    layer.n_kv_head = 1;
    layer.head_dim_k = 4;
    layer.head_dim_v = 4;
  }
  for (const std::size_t i : moe_layers) {
    model.layers[i].moe = true;
  }
  return model;
}

const TensorInfo& tensor_named(const ModelSpec& model, const std::string& name) {
  for (const TensorInfo& tensor : model.tensors) {
    if (tensor.name == name) {
      return tensor;
    }
  }
  FAIL("no tensor " << name);
  throw;  // not reached
}

struct Expected {
  const char* name;
  TensorRole role;
  int layer;
};

void check_roles(const ModelSpec& model, const std::vector<Expected>& expected) {
  for (const Expected& row : expected) {
    INFO(row.name);
    const TensorInfo& tensor = tensor_named(model, row.name);
    CHECK(tensor.role == row.role);
    CHECK(tensor.layer == row.layer);
  }
}


}  // namespace

TEST_CASE("attach_safetensors: llama names with exact bytes and parameter sums") {
  ModelSpec model = model_with(2);
  model.total_params = 999;  // whatever the config said is replaced
  attach_safetensors(model, inventory_of(small_llama(2)));

  check_roles(model, {
                         {"model.embed_tokens.weight", TensorRole::token_embd, -1},
                         {"model.layers.1.self_attn.q_proj.weight", TensorRole::attn_q, 1},
                         {"model.layers.1.self_attn.k_proj.weight", TensorRole::attn_k, 1},
                         {"model.layers.1.self_attn.v_proj.weight", TensorRole::attn_v, 1},
                         {"model.layers.0.self_attn.o_proj.weight", TensorRole::attn_output, 0},
                         {"model.layers.0.mlp.gate_proj.weight", TensorRole::ffn_gate, 0},
                         {"model.layers.0.mlp.up_proj.weight", TensorRole::ffn_up, 0},
                         {"model.layers.0.mlp.down_proj.weight", TensorRole::ffn_down, 0},
                         {"model.layers.0.input_layernorm.weight", TensorRole::norm, 0},
                         {"model.layers.1.post_attention_layernorm.weight", TensorRole::norm, 1},
                         {"model.layers.0.self_attn.rotary_emb.inv_freq", TensorRole::other, 0},
                         {"model.norm.weight", TensorRole::norm, -1},
                         {"lm_head.weight", TensorRole::output, -1},
                     });
  // Per layer: q 64 + k 32 + v 32 + o 64 + gate, up, down 128 each + two norms 8 = 592.
  // Embeddings 80; head: norm 8 + lm_head 80 = 88. The inv_freq buffer is no parameter.
  CHECK(model.total_params == 80 + 2 * 592 + 88);
  CHECK(model.active_params == model.total_params);
  CHECK(model.embedding_params == 80);
  CHECK(model.head_params == 88);
  CHECK(model.layers[0].params == 592);
  CHECK(model.layers[1].params == 592);
  CHECK(model.stored_bytes_exact);
  CHECK(model.stored_format == "bf16");
  CHECK(model.source == ModelSource::safetensors);
  CHECK(model.source_detail == "test.safetensors");

  const TensorInfo& k_proj = tensor_named(model, "model.layers.0.self_attn.k_proj.weight");
  CHECK(k_proj.shape == std::vector<std::uint64_t>{8, 4});  // innermost first, as TensorInfo says
  CHECK(k_proj.elements == 32);
  CHECK(k_proj.stored_type == "BF16");
  CHECK(k_proj.stored_bytes == 64);

  // The estimate charges each tensor its stored bytes: 2 x 1352 BF16 + 16 bytes of inv_freq
  // (in layer 0) = 2720.
  const WeightBreakdown parts = weight_breakdown(model, as_stored_format());
  CHECK(parts.total_bytes == 2720);
  CHECK(parts.embedding_bytes == 160);
  CHECK(parts.head_bytes == 176);
  CHECK(parts.layer_bytes == std::vector<std::uint64_t>{1200, 1184});
}

TEST_CASE("attach_safetensors: the original Llama / Mistral checkpoint names") {
  ModelSpec model = model_with(1);
  attach_safetensors(model, inventory_of({
                                {"tok_embeddings.weight", "BF16", {10, 8}},
                                {"layers.0.attention.wq.weight", "BF16", {8, 8}},
                                {"layers.0.attention.wk.weight", "BF16", {4, 8}},
                                {"layers.0.attention.wv.weight", "BF16", {4, 8}},
                                {"layers.0.attention.wo.weight", "BF16", {8, 8}},
                                {"layers.0.feed_forward.w1.weight", "BF16", {16, 8}},
                                {"layers.0.feed_forward.w2.weight", "BF16", {8, 16}},
                                {"layers.0.feed_forward.w3.weight", "BF16", {16, 8}},
                                {"layers.0.attention_norm.weight", "BF16", {8}},
                                {"layers.0.ffn_norm.weight", "BF16", {8}},
                                {"norm.weight", "BF16", {8}},
                                {"output.weight", "BF16", {10, 8}},
                            }));
  check_roles(model, {
                         {"tok_embeddings.weight", TensorRole::token_embd, -1},
                         {"layers.0.attention.wq.weight", TensorRole::attn_q, 0},
                         {"layers.0.attention.wk.weight", TensorRole::attn_k, 0},
                         {"layers.0.attention.wv.weight", TensorRole::attn_v, 0},
                         {"layers.0.attention.wo.weight", TensorRole::attn_output, 0},
                         {"layers.0.feed_forward.w1.weight", TensorRole::ffn_gate, 0},
                         {"layers.0.feed_forward.w2.weight", TensorRole::ffn_down, 0},
                         {"layers.0.feed_forward.w3.weight", TensorRole::ffn_up, 0},
                         {"layers.0.attention_norm.weight", TensorRole::norm, 0},
                         {"norm.weight", TensorRole::norm, -1},
                         {"output.weight", TensorRole::output, -1},
                     });
}


TEST_CASE("attach_safetensors: mixtral experts and router and active parameters") {
  // Per layer: attention 192 + router 32 + 4 experts x 384 + norms 16 = 1776; total
  // 80 + 2 x 1776 + 88 = 3720; routed experts 2 x 1536 = 3072.
  ModelSpec model = model_with(2, {0, 1});
  model.n_experts = 4;  // 2 of 4 experts per token: half the routed parameters unused
  model.n_experts_used = 2;
  attach_safetensors(model, inventory_of(small_mixtral()));
  check_roles(model, {
                         {"model.layers.1.block_sparse_moe.gate.weight",
                          TensorRole::ffn_gate_inp, 1},
                         {"model.layers.1.block_sparse_moe.experts.3.w1.weight",
                          TensorRole::ffn_gate_exps, 1},
                         {"model.layers.0.block_sparse_moe.experts.0.w2.weight",
                          TensorRole::ffn_down_exps, 0},
                         {"model.layers.0.block_sparse_moe.experts.2.w3.weight",
                          TensorRole::ffn_up_exps, 0},
                     });
  CHECK(model.total_params == 3720);
  CHECK(model.layers[0].params == 1776);
  CHECK(model.active_params == 3720 - 3072 / 2);

  // The same experts under "mlp" (as some Mixtral conversions name them).
  ModelSpec renamed = model_with(1, {0});
  attach_safetensors(renamed, inventory_of({{"model.layers.0.mlp.gate.weight", "BF16", {2, 8}},
                                            {"model.layers.0.mlp.experts.0.w1.weight", "BF16",
                                             {16, 8}},
                                            {"model.layers.0.mlp.experts.1.w2.weight", "BF16",
                                             {8, 16}},
                                            {"model.layers.0.mlp.experts.1.w3.weight", "BF16",
                                             {16, 8}}}));
  check_roles(renamed, {
                           {"model.layers.0.mlp.gate.weight", TensorRole::ffn_gate_inp, 0},
                           {"model.layers.0.mlp.experts.0.w1.weight", TensorRole::ffn_gate_exps, 0},
                           {"model.layers.0.mlp.experts.1.w2.weight", TensorRole::ffn_down_exps, 0},
                           {"model.layers.0.mlp.experts.1.w3.weight", TensorRole::ffn_up_exps, 0},
                       });
}

TEST_CASE("attach_safetensors: active parameters from the expert counts or else the model's own") {
  // 1 of 4 experts per token: 3/4 of the file's 3072 routed parameters, 2304, unused.
  ModelSpec model = model_with(2, {0, 1});
  model.n_experts = 4;
  model.n_experts_used = 1;
  attach_safetensors(model, inventory_of(small_mixtral()));
  CHECK(model.active_params == 3720 - 2304);

  // No expert counts: the model's own unused count (its total - active) stays unused.
  ModelSpec counted = model_with(2, {0, 1});
  counted.total_params = 5000;
  counted.active_params = 5000 - 1000;
  attach_safetensors(counted, inventory_of(small_mixtral()));
  CHECK(counted.active_params == 3720 - 1000);

  // ... but never more than the routed parameters the checkpoint has.
  ModelSpec overcounted = model_with(2, {0, 1});
  overcounted.total_params = 9000;
  overcounted.active_params = 1000;
  attach_safetensors(overcounted, inventory_of(small_mixtral()));
  CHECK(overcounted.active_params == 3720 - 3072);

  // No counts at all: all active.
  ModelSpec unknown = model_with(2, {0, 1});
  attach_safetensors(unknown, inventory_of(small_mixtral()));
  CHECK(unknown.active_params == 3720);
}

TEST_CASE("attach_safetensors: qwen2-moe shared expert with its gate and attention biases") {
  ModelSpec model = model_with(1, {0});
  attach_safetensors(model, inventory_of({
                                {"model.embed_tokens.weight", "BF16", {10, 8}},
                                {"model.layers.0.self_attn.q_proj.weight", "BF16", {8, 8}},
                                {"model.layers.0.self_attn.q_proj.bias", "BF16", {8}},
                                {"model.layers.0.mlp.gate.weight", "BF16", {2, 8}},
                                {"model.layers.0.mlp.experts.0.gate_proj.weight", "BF16", {4, 8}},
                                {"model.layers.0.mlp.experts.1.up_proj.weight", "BF16", {4, 8}},
                                {"model.layers.0.mlp.experts.1.down_proj.weight", "BF16", {8, 4}},
                                {"model.layers.0.mlp.shared_expert.gate_proj.weight", "BF16",
                                 {16, 8}},
                                {"model.layers.0.mlp.shared_expert.up_proj.weight", "BF16",
                                 {16, 8}},
                                {"model.layers.0.mlp.shared_expert.down_proj.weight", "BF16",
                                 {8, 16}},
                                {"model.layers.0.mlp.shared_expert_gate.weight", "BF16", {1, 8}},
                                {"model.norm.weight", "BF16", {8}},
                            }));
  check_roles(model, {
                         {"model.layers.0.self_attn.q_proj.bias", TensorRole::bias, 0},
                         {"model.layers.0.mlp.gate.weight", TensorRole::ffn_gate_inp, 0},
                         {"model.layers.0.mlp.experts.0.gate_proj.weight",
                          TensorRole::ffn_gate_exps, 0},
                         {"model.layers.0.mlp.experts.1.up_proj.weight",
                          TensorRole::ffn_up_exps, 0},
                         {"model.layers.0.mlp.experts.1.down_proj.weight",
                          TensorRole::ffn_down_exps, 0},
                         {"model.layers.0.mlp.shared_expert.gate_proj.weight",
                          TensorRole::ffn_gate_shexp, 0},
                         {"model.layers.0.mlp.shared_expert.up_proj.weight",
                          TensorRole::ffn_up_shexp, 0},
                         {"model.layers.0.mlp.shared_expert.down_proj.weight",
                          TensorRole::ffn_down_shexp, 0},
                         {"model.layers.0.mlp.shared_expert_gate.weight",
                          TensorRole::ffn_gate_inp, 0},
                     });
  // Layer: 64 + 8 + 16 + 3 x 32 + 3 x 128 + 8 = 576; embeddings 80; head 8.
  CHECK(model.layers[0].params == 576);
  CHECK(model.total_params == 664);
  // No lm_head: the head is the final norm only (tied embeddings).
  CHECK(model.head_params == 8);
}


TEST_CASE("attach_safetensors: deepseek-v3 MLA and experts and FP8 scales and the MTP layer") {
  ModelSpec model = model_with(3, {1, 2});
  SafetensorsAttachOptions options;
  options.mtp_layers = 1;
  attach_safetensors(model, inventory_of(small_deepseek()), options);
  check_roles(model, {
                         {"model.layers.0.self_attn.q_a_proj.weight", TensorRole::attn_q_a, 0},
                         {"model.layers.0.self_attn.q_a_proj.weight_scale_inv",
                          TensorRole::attn_q_a, 0},
                         {"model.layers.0.self_attn.q_a_layernorm.weight", TensorRole::norm, 0},
                         {"model.layers.0.self_attn.q_b_proj.weight", TensorRole::attn_q_b, 0},
                         {"model.layers.0.self_attn.kv_a_proj_with_mqa.weight",
                          TensorRole::attn_kv_a, 0},
                         {"model.layers.0.self_attn.kv_a_layernorm.weight", TensorRole::norm, 0},
                         {"model.layers.0.self_attn.kv_b_proj.weight", TensorRole::attn_kv_b, 0},
                         {"model.layers.0.mlp.gate_proj.weight", TensorRole::ffn_gate, 0},
                         {"model.layers.1.mlp.gate.weight", TensorRole::ffn_gate_inp, 1},
                         {"model.layers.1.mlp.gate.e_score_correction_bias",
                          TensorRole::ffn_gate_inp, 1},
                         {"model.layers.2.mlp.experts.3.down_proj.weight",
                          TensorRole::ffn_down_exps, 2},
                         {"model.layers.2.mlp.experts.3.down_proj.weight_scale_inv",
                          TensorRole::ffn_down_exps, 2},
                         {"model.layers.2.mlp.shared_experts.up_proj.weight",
                          TensorRole::ffn_up_shexp, 2},
                     });
  // Attention per layer: q_a 128 + 16 + q_b 192 + kv_a 64 + 6 + kv_b 96 + o 64 + norms 16 = 582.
  // Layer 0 MLP 384 -> 966. MoE layers: router 32 + bias 4 + 4 x 96 + shared 96 = 516 -> 1098.
  // Scales are not parameters; the MTP layer 3 is left out.
  CHECK(model.layers[0].params == 966);
  CHECK(model.layers[1].params == 1098);
  CHECK(model.layers[2].params == 1098);
  CHECK(model.total_params == 80 + 966 + 2 * 1098 + 88);
  for (const TensorInfo& tensor : model.tensors) {
    CHECK(tensor.layer != 3);
  }
  // FP8: attention 544 x 3 + dense MLP 384 + experts and shared 480 x 2 = 2976 bytes; BF16:
  // (80 + 38 x 3 + 32 x 2 + 88) x 2 = 692 bytes; F32 router biases 32 bytes (0.9%).
  CHECK(model.stored_format == "fp8-e4m3 + bf16 + fp32");

  // Without the MTP option layer 3 contradicts the 3-layer model.
  ModelSpec strict = model_with(3, {1, 2});
  const auto message =
      error_message([&] { attach_safetensors(strict, inventory_of(small_deepseek())); });
  CHECK(message == "test.safetensors: tensor 'model.layers.3.embed_tokens.weight' (in "
                   "'test.safetensors') belongs to layer 3 but the model has 3 layers (0 to 2)");
}

TEST_CASE("attach_safetensors: vision towers and separate MTP modules are not model layers") {
  // Gemma-3 / Llava wrappers: the language model's blocks under language_model; the vision
  // tower's own "layers.N" and the projector stay outside the blocks (role other, in the head).
  ModelSpec model = model_with(1);
  attach_safetensors(
      model, inventory_of({
                 {"language_model.model.embed_tokens.weight", "BF16", {10, 8}},
                 {"language_model.model.layers.0.self_attn.q_proj.weight", "BF16", {8, 8}},
                 {"vision_tower.vision_model.encoder.layers.3.self_attn.q_proj.weight", "BF16",
                  {4, 4}},
                 {"multi_modal_projector.mm_input_projection_weight", "BF16", {4, 8}},
                 {"mtp.layers.0.mlp.experts.0.up_proj.weight", "BF16", {2, 8}},
             }));
  check_roles(model,
              {
                  {"language_model.model.embed_tokens.weight", TensorRole::token_embd, -1},
                  {"language_model.model.layers.0.self_attn.q_proj.weight", TensorRole::attn_q, 0},
                  {"vision_tower.vision_model.encoder.layers.3.self_attn.q_proj.weight",
                   TensorRole::other, -1},
                  {"multi_modal_projector.mm_input_projection_weight", TensorRole::other, -1},
                  {"mtp.layers.0.mlp.experts.0.up_proj.weight", TensorRole::other, -1},
              });
  CHECK(model.layers[0].params == 64);
  CHECK(model.head_params == 16 + 32 + 16);
}

TEST_CASE("attach_safetensors: phi-3 fused qkv_proj and gate_up_proj") {
  ModelSpec model = model_with(1);
  attach_safetensors(model, inventory_of({
                                {"model.embed_tokens.weight", "BF16", {10, 8}},
                                {"model.layers.0.self_attn.qkv_proj.weight", "BF16", {24, 8}},
                                {"model.layers.0.self_attn.o_proj.weight", "BF16", {8, 8}},
                                {"model.layers.0.mlp.gate_up_proj.weight", "BF16", {32, 8}},
                                {"model.layers.0.mlp.down_proj.weight", "BF16", {8, 16}},
                                {"model.layers.0.input_layernorm.weight", "BF16", {8}},
                                {"model.norm.weight", "BF16", {8}},
                                {"lm_head.weight", "BF16", {10, 8}},
                            }));
  check_roles(model, {
                         {"model.layers.0.self_attn.qkv_proj.weight", TensorRole::attn_qkv, 0},
                         {"model.layers.0.self_attn.o_proj.weight", TensorRole::attn_output, 0},
                         {"model.layers.0.mlp.gate_up_proj.weight", TensorRole::ffn_up, 0},
                         {"model.layers.0.mlp.down_proj.weight", TensorRole::ffn_down, 0},
                     });
  CHECK(model.layers[0].params == 192 + 64 + 256 + 128 + 8);
}

TEST_CASE("attach_safetensors: gpt2 names and biases and the attn.bias mask buffer") {
  ModelSpec model = model_with(1);
  attach_safetensors(model, inventory_of({
                                {"wte.weight", "F32", {10, 8}},
                                {"wpe.weight", "F32", {16, 8}},
                                {"h.0.ln_1.weight", "F32", {8}},
                                {"h.0.ln_1.bias", "F32", {8}},
                                {"h.0.attn.bias", "F32", {1, 1, 16, 16}},
                                {"h.0.attn.masked_bias", "F32", {}},
                                {"h.0.attn.c_attn.weight", "F32", {8, 24}},
                                {"h.0.attn.c_attn.bias", "F32", {24}},
                                {"h.0.attn.c_proj.weight", "F32", {8, 8}},
                                {"h.0.attn.c_proj.bias", "F32", {8}},
                                {"h.0.ln_2.weight", "F32", {8}},
                                {"h.0.ln_2.bias", "F32", {8}},
                                {"h.0.mlp.c_fc.weight", "F32", {8, 32}},
                                {"h.0.mlp.c_fc.bias", "F32", {32}},
                                {"h.0.mlp.c_proj.weight", "F32", {32, 8}},
                                {"h.0.mlp.c_proj.bias", "F32", {8}},
                                {"ln_f.weight", "F32", {8}},
                                {"ln_f.bias", "F32", {8}},
                            }));
  check_roles(model, {
                         {"wte.weight", TensorRole::token_embd, -1},
                         {"wpe.weight", TensorRole::pos_embd, -1},
                         {"h.0.ln_1.weight", TensorRole::norm, 0},
                         {"h.0.ln_1.bias", TensorRole::norm, 0},
                         {"h.0.attn.bias", TensorRole::other, 0},
                         {"h.0.attn.masked_bias", TensorRole::other, 0},
                         {"h.0.attn.c_attn.weight", TensorRole::attn_qkv, 0},
                         {"h.0.attn.c_attn.bias", TensorRole::bias, 0},
                         {"h.0.attn.c_proj.weight", TensorRole::attn_output, 0},
                         {"h.0.mlp.c_fc.weight", TensorRole::ffn_up, 0},
                         {"h.0.mlp.c_fc.bias", TensorRole::bias, 0},
                         {"h.0.mlp.c_proj.weight", TensorRole::ffn_down, 0},
                         {"ln_f.bias", TensorRole::norm, -1},
                     });
  // Layer: norms 32 + c_attn 192 + 24 + c_proj 64 + 8 + c_fc 256 + 32 + c_proj 256 + 8 = 872;
  // the 256-element mask and masked_bias are buffers. Embeddings 80 + 128; head ln_f 16.
  CHECK(model.layers[0].params == 872);
  CHECK(model.embedding_params == 208);
  CHECK(model.head_params == 16);
  CHECK(model.total_params == 1096);
  CHECK(model.stored_format == "fp32");
}

TEST_CASE("attach_safetensors: falcon and gpt-neox names") {
  ModelSpec falcon = model_with(1);
  attach_safetensors(falcon,
                     inventory_of({
                         {"transformer.word_embeddings.weight", "BF16", {10, 8}},
                         {"transformer.h.0.self_attention.query_key_value.weight", "BF16", {16, 8}},
                         {"transformer.h.0.self_attention.dense.weight", "BF16", {8, 8}},
                         {"transformer.h.0.mlp.dense_h_to_4h.weight", "BF16", {32, 8}},
                         {"transformer.h.0.mlp.dense_4h_to_h.weight", "BF16", {8, 32}},
                         {"transformer.h.0.ln_attn.weight", "BF16", {8}},
                         {"transformer.h.0.ln_mlp.bias", "BF16", {8}},
                         {"transformer.h.0.input_layernorm.weight", "BF16", {8}},
                         {"transformer.ln_f.weight", "BF16", {8}},
                         {"lm_head.weight", "BF16", {10, 8}},
                     }));
  check_roles(falcon,
              {
                  {"transformer.word_embeddings.weight", TensorRole::token_embd, -1},
                  {"transformer.h.0.self_attention.query_key_value.weight",
                   TensorRole::attn_qkv, 0},
                  {"transformer.h.0.self_attention.dense.weight", TensorRole::attn_output, 0},
                  {"transformer.h.0.mlp.dense_h_to_4h.weight", TensorRole::ffn_up, 0},
                  {"transformer.h.0.mlp.dense_4h_to_h.weight", TensorRole::ffn_down, 0},
                  {"transformer.h.0.ln_attn.weight", TensorRole::norm, 0},
                  {"transformer.h.0.ln_mlp.bias", TensorRole::norm, 0},
                  {"transformer.ln_f.weight", TensorRole::norm, -1},
                  {"lm_head.weight", TensorRole::output, -1},
              });
  CHECK(falcon.layers[0].params == 128 + 64 + 256 + 256 + 24);

  ModelSpec neox = model_with(1);
  attach_safetensors(neox, inventory_of({
                               {"gpt_neox.embed_in.weight", "F16", {10, 8}},
                               {"gpt_neox.layers.0.attention.query_key_value.weight", "F16",
                                {24, 8}},
                               {"gpt_neox.layers.0.attention.query_key_value.bias", "F16", {24}},
                               {"gpt_neox.layers.0.attention.dense.weight", "F16", {8, 8}},
                               {"gpt_neox.layers.0.attention.bias", "BOOL", {1, 1, 16, 16}},
                               {"gpt_neox.layers.0.attention.masked_bias", "F16", {}},
                               {"gpt_neox.layers.0.attention.rotary_emb.inv_freq", "F32", {2}},
                               {"gpt_neox.layers.0.mlp.dense_h_to_4h.weight", "F16", {32, 8}},
                               {"gpt_neox.layers.0.mlp.dense_4h_to_h.weight", "F16", {8, 32}},
                               {"gpt_neox.layers.0.input_layernorm.weight", "F16", {8}},
                               {"gpt_neox.layers.0.post_attention_layernorm.weight", "F16", {8}},
                               {"gpt_neox.final_layer_norm.weight", "F16", {8}},
                               {"embed_out.weight", "F16", {10, 8}},
                           }));
  check_roles(neox, {
                        {"gpt_neox.embed_in.weight", TensorRole::token_embd, -1},
                        {"gpt_neox.layers.0.attention.query_key_value.weight",
                         TensorRole::attn_qkv, 0},
                        {"gpt_neox.layers.0.attention.query_key_value.bias", TensorRole::bias, 0},
                        {"gpt_neox.layers.0.attention.dense.weight", TensorRole::attn_output, 0},
                        {"gpt_neox.layers.0.attention.bias", TensorRole::other, 0},
                        {"gpt_neox.final_layer_norm.weight", TensorRole::norm, -1},
                        {"embed_out.weight", TensorRole::output, -1},
                    });
  // Layer: 192 + 24 + 64 + 256 + 256 + 16 = 808; the mask, masked_bias and inv_freq are buffers.
  CHECK(neox.layers[0].params == 808);
  CHECK(neox.total_params == 80 + 808 + 8 + 80);
  CHECK(neox.stored_format == "fp16");
}

// Quantized checkpoints: side tensors take their weight's role and bytes; packed tensors count
// the weights they hold.

TEST_CASE("attach_safetensors: GPTQ qweight holds 32 / bits weights per I32") {
  // A 64-in, 32-out q_proj, 4-bit, group 32 (AutoGPTQ QuantLinear): qweight [64 x 4 / 32, 32]
  // = [8, 32] I32 -> 64 x 32 = 2048 weights; qzeros [2, 32 x 4 / 32 = 4] I32, scales [2, 32]
  // F16, g_idx [64] I32: no parameters; bias [32] F16.
  ModelSpec model = model_with(1);
  attach_safetensors(model, inventory_of({
                                {"model.embed_tokens.weight", "F16", {10, 8}},
                                {"model.layers.0.self_attn.q_proj.qweight", "I32", {8, 32}},
                                {"model.layers.0.self_attn.q_proj.qzeros", "I32", {2, 4}},
                                {"model.layers.0.self_attn.q_proj.scales", "F16", {2, 32}},
                                {"model.layers.0.self_attn.q_proj.g_idx", "I32", {64}},
                                {"model.layers.0.self_attn.q_proj.bias", "F16", {32}},
                                // 8-bit: qweight [64 x 8 / 32 = 16, 32], g_idx [64].
                                {"model.layers.0.self_attn.k_proj.qweight", "I32", {16, 32}},
                                {"model.layers.0.self_attn.k_proj.g_idx", "I32", {64}},
                            }));
  check_roles(model, {
                         {"model.layers.0.self_attn.q_proj.qweight", TensorRole::attn_q, 0},
                         {"model.layers.0.self_attn.q_proj.qzeros", TensorRole::attn_q, 0},
                         {"model.layers.0.self_attn.q_proj.scales", TensorRole::attn_q, 0},
                         {"model.layers.0.self_attn.q_proj.g_idx", TensorRole::attn_q, 0},
                         {"model.layers.0.self_attn.q_proj.bias", TensorRole::bias, 0},
                     });
  CHECK(model.layers[0].params == 2048 + 32 + 2048);
  CHECK(model.total_params == 80 + 4128);
  // Bytes of parameters: gptq-int8 2048, gptq-int4 1024, fp16 160 + 64.
  CHECK(model.stored_format == "gptq-int8 + gptq-int4 + fp16");
  // Side tensors are charged in the weights: 1024 + 32 + 128 + 256 + 64 + 2048 + 256 + 160.
  CHECK(weight_breakdown(model, as_stored_format()).total_bytes == 3968);
}

TEST_CASE("attach_safetensors: AWQ qweight packs the output dimension") {
  // AutoAWQ WQLinear_GEMM, 64 in, 32 out, 4-bit, group 32: qweight [64, 32 x 4 / 32 = 4] I32,
  // qzeros [2, 4] I32, scales [2, 32] F16 -> 64 x 32 = 2048 weights.
  ModelSpec model = model_with(1);
  attach_safetensors(model, inventory_of({
                                {"model.layers.0.mlp.down_proj.qweight", "I32", {64, 4}},
                                {"model.layers.0.mlp.down_proj.qzeros", "I32", {2, 4}},
                                {"model.layers.0.mlp.down_proj.scales", "F16", {2, 32}},
                            }));
  CHECK(model.total_params == 2048);
  CHECK(model.stored_format == "awq-int4");
}

TEST_CASE("attach_safetensors: packs of bitsandbytes 4-bit and NVFP4 and MXFP4 and CT int4") {
  ModelSpec model = model_with(1, {0});
  attach_safetensors(
      model,
      inventory_of({
          // bitsandbytes NF4: 2048 weights in 1024 bytes [1024, 1]; absmax per 64 (32 F32),
          // 16-entry quant_map, quant_state JSON blob.
          {"model.layers.0.self_attn.q_proj.weight", "U8", {1024, 1}},
          {"model.layers.0.self_attn.q_proj.weight.absmax", "F32", {32}},
          {"model.layers.0.self_attn.q_proj.weight.quant_map", "F32", {16}},
          {"model.layers.0.self_attn.q_proj.weight.quant_state.bitsandbytes__nf4", "U8", {100}},
          // ModelOpt NVFP4: [32, 16] U8 = 32 x 32 weights, E4M3 scale per 16, F32 scale_2.
          {"model.layers.0.self_attn.o_proj.weight", "U8", {32, 16}},
          {"model.layers.0.self_attn.o_proj.weight_scale", "F8_E4M3", {32, 2}},
          {"model.layers.0.self_attn.o_proj.weight_scale_2", "F32", {}},
          {"model.layers.0.self_attn.o_proj.input_scale", "F32", {}},
          // compressed-tensors W4A16: weight_packed [32, 4] I32 = 32 x 32 int4.
          {"model.layers.0.self_attn.k_proj.weight_packed", "I32", {32, 4}},
          {"model.layers.0.self_attn.k_proj.weight_scale", "BF16", {32, 1}},
          {"model.layers.0.self_attn.k_proj.weight_shape", "I64", {2}},
          // gpt-oss MXFP4 experts: 2 experts, gate_up [2, 64, 1, 16] U8 = 2 x 64 x 32 weights,
          // E8M0 scale per 32, BF16 bias; router weight and bias; attention sinks.
          {"model.layers.0.mlp.experts.gate_up_proj_blocks", "U8", {2, 64, 1, 16}},
          {"model.layers.0.mlp.experts.gate_up_proj_scales", "U8", {2, 64, 1}},
          {"model.layers.0.mlp.experts.gate_up_proj_bias", "BF16", {2, 64}},
          {"model.layers.0.mlp.experts.down_proj_blocks", "U8", {2, 32, 1, 16}},
          {"model.layers.0.mlp.experts.down_proj_scales", "U8", {2, 32, 1}},
          {"model.layers.0.mlp.router.weight", "BF16", {2, 32}},
          {"model.layers.0.mlp.router.bias", "BF16", {2}},
          {"model.layers.0.self_attn.sinks", "BF16", {2}},
      }));
  check_roles(model, {
                         {"model.layers.0.self_attn.q_proj.weight.absmax", TensorRole::attn_q, 0},
                         {"model.layers.0.self_attn.q_proj.weight.quant_state.bitsandbytes__nf4",
                          TensorRole::attn_q, 0},
                         {"model.layers.0.self_attn.o_proj.weight_scale_2",
                          TensorRole::attn_output, 0},
                         {"model.layers.0.self_attn.k_proj.weight_packed", TensorRole::attn_k, 0},
                         {"model.layers.0.mlp.experts.gate_up_proj_blocks",
                          TensorRole::ffn_up_exps, 0},
                         {"model.layers.0.mlp.experts.gate_up_proj_scales",
                          TensorRole::ffn_up_exps, 0},
                         {"model.layers.0.mlp.experts.gate_up_proj_bias", TensorRole::bias, 0},
                         {"model.layers.0.mlp.experts.down_proj_blocks",
                          TensorRole::ffn_down_exps, 0},
                         {"model.layers.0.mlp.router.weight", TensorRole::ffn_gate_inp, 0},
                         {"model.layers.0.mlp.router.bias", TensorRole::bias, 0},
                         {"model.layers.0.self_attn.sinks", TensorRole::other, 0},
                     });
  // nf4 2048 + nvfp4 1024 + int4 1024 + mxfp4 4096 + 2048 + expert bias 128 + router 66 +
  // sinks 2.
  CHECK(model.total_params == 2048 + 1024 + 1024 + 4096 + 2048 + 128 + 66 + 2);
  // Bytes: mxfp4 3072, bnb-nf4 1024, nvfp4 512, compressed-tensors-int4 512, bf16 392.
  CHECK(model.stored_format == "mxfp4 + bnb-nf4 + compressed-tensors-int4 + nvfp4 + bf16");
}

TEST_CASE("attach_safetensors: MLX affine quantization and bitsandbytes int8") {
  ModelSpec model = model_with(1);
  attach_safetensors(model, inventory_of({
                                // MLX 4-bit, group 64: [32, 64 x 4 / 32 = 8] U32 = 32 x 64.
                                {"model.layers.0.mlp.up_proj.weight", "U32", {32, 8}},
                                {"model.layers.0.mlp.up_proj.scales", "BF16", {32, 1}},
                                {"model.layers.0.mlp.up_proj.biases", "BF16", {32, 1}},
                                // bitsandbytes LLM.int8: I8 weight and its SCB row scales.
                                {"model.layers.0.mlp.down_proj.weight", "I8", {64, 32}},
                                {"model.layers.0.mlp.down_proj.SCB", "F32", {64}},
                            }));
  CHECK(model.total_params == 2048 + 2048);
  CHECK(model.stored_format == "bnb-int8 + mlx-int4");
}

TEST_CASE("attach_safetensors: packed bits from the config where the tensors cannot tell") {
  // MLX 8-bit (config.json "quantization": {"bits": 8}): [32, 64 x 8 / 32 = 16] U32 holds
  // 4 codes per element = 32 x 64 = 2048 weights. A 3-bit GPTQ qweight without g_idx or
  // scales, [128 x 3 / 32 = 12, 32] I32, holds 12 x 32 x 32 / 3 = 4096 = 128 x 32 weights.
  const auto tensors = inventory_of({
      {"model.layers.0.mlp.up_proj.weight", "U32", {32, 16}},
      {"model.layers.0.mlp.up_proj.scales", "BF16", {32, 1}},
      {"model.layers.0.mlp.up_proj.biases", "BF16", {32, 1}},
  });
  SafetensorsAttachOptions eight;
  eight.packed_bits = 8;
  ModelSpec model = model_with(1);
  attach_safetensors(model, tensors, eight);
  CHECK(model.total_params == 2048);
  CHECK(model.stored_format == "mlx-int8");

  SafetensorsAttachOptions three;
  three.packed_bits = 3;
  ModelSpec gptq = model_with(1);
  attach_safetensors(gptq, inventory_of({{"model.layers.0.mlp.up_proj.qweight", "I32", {12, 32}}}),
                     three);
  CHECK(gptq.total_params == 4096);
  CHECK(gptq.stored_format == "gptq-int3");

  SafetensorsAttachOptions absurd;  // not 2, 3, 4 or 8: the default 4 bits
  absurd.packed_bits = 5;
  ModelSpec fallback = model_with(1);
  attach_safetensors(fallback, tensors, absurd);
  CHECK(fallback.total_params == 4096);
  CHECK(fallback.stored_format == "mlx-int4");
}

// Contradictions between the checkpoint and the model.

TEST_CASE("attach_safetensors rejects: a layer past the model's layers") {
  ModelSpec model = model_with(1);
  const auto message =
      error_message([&] { attach_safetensors(model, inventory_of(small_llama(2))); });
  CHECK(message == "test.safetensors: tensor 'model.layers.1.self_attn.q_proj.weight' (in "
                   "'test.safetensors') belongs to layer 1 but the model has 1 layers (0 to 0)");
  // A block number too large for any model is no exception either.
  ModelSpec other = model_with(1);
  CHECK(has(error_message([&] {
              attach_safetensors(other,
                                 inventory_of({{"model.layers.99999999999999999999.x.weight",
                                                "BF16",
                                                {1}}}));
            }),
            "belongs to layer 2147483648 but the model has 1 layers"));
}

TEST_CASE("attach_safetensors rejects: experts in a dense layer and a MoE layer without experts") {
  ModelSpec dense = model_with(2);
  CHECK(error_message([&] { attach_safetensors(dense, inventory_of(small_mixtral())); }) ==
        "test.safetensors: tensor 'model.layers.0.block_sparse_moe.experts.0.w1.weight' holds "
        "routed experts but the model says layer 0 is dense");
  ModelSpec moe = model_with(2, {1});
  CHECK(has(error_message([&] { attach_safetensors(moe, inventory_of(small_llama(2))); }),
            "the model says layer 1 is a mixture of experts but the checkpoint has no "
            "routed-expert tensors for it"));
}

TEST_CASE("attach_safetensors rejects: an expert number past the model's experts") {
  ModelSpec model = model_with(2, {0, 1});
  model.n_experts = 3;  // the checkpoint has experts 0 to 3
  CHECK(error_message([&] { attach_safetensors(model, inventory_of(small_mixtral())); }) ==
        "test.safetensors: tensor 'model.layers.0.block_sparse_moe.experts.3.w1.weight' is "
        "routed expert 3 but the model has 3 (0 to 2)");
}

TEST_CASE("attach_safetensors rejects: a checkpoint without tensors") {
  ModelSpec model = model_with(1);
  CHECK(error_message([&] { attach_safetensors(model, inventory_of({})); }) ==
        "test.safetensors: the checkpoint holds no tensors");
}

// Released models at full size, as sparse files read back: the parameter counts must equal
// the released ones (the Hugging Face checkpoints' safetensors totals,
// tests/data/configs/README.md).

namespace {

// Writes `tensors` into `shards` files of a fresh folder with an index and reads it back.
SafetensorsInventory written(const std::vector<FixtureTensor>& tensors, std::size_t shards) {
  const std::string dir = test::temp_dir();
  test::write_sharded(dir, tensors, shards);
  return read_safetensors(dir);
}

}  // namespace

TEST_CASE("attach_safetensors: Llama-3.1-8B has 8030261248 parameters") {
  // config.json: 32 layers, hidden 4096, 32 heads, 8 kv heads, head_dim 128, MLP 14336, vocab
  // 128256, untied. Per layer 218,112,000; embeddings and head 525,336,576 each; norm 4096.
  const auto inventory = written(llama_tensors({32, 4096, 32, 8, 128, 14336, 128256, false},
                                               "BF16"),
                                 4);
  ModelSpec model = model_with(32);
  attach_safetensors(model, inventory);
  CHECK(model.total_params == 8'030'261'248ULL);
  CHECK(model.active_params == 8'030'261'248ULL);
  CHECK(model.embedding_params == 525'336'576ULL);
  CHECK(model.head_params == 525'336'576ULL + 4096);
  CHECK(model.layers[31].params == 218'112'000ULL);
  CHECK(inventory.total_bytes == 2 * 8'030'261'248ULL);
  CHECK(model.stored_format == "bf16");
  CHECK(weight_breakdown(model, as_stored_format()).total_bytes == 16'060'522'496ULL);
}

TEST_CASE("attach_safetensors: GPT-2 has 124439808 parameters") {
  // 12 layers, hidden 768, MLP 3072, vocab 50257, 1024 positions, tied head; per layer
  // 7,087,872 with biases; the 12 attn.bias masks are buffers.
  std::vector<FixtureTensor> t = {{"wte.weight", "F32", {50257, 768}},
                                  {"wpe.weight", "F32", {1024, 768}}};
  for (int i = 0; i < 12; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    t.push_back({p + "ln_1.weight", "F32", {768}});
    t.push_back({p + "ln_1.bias", "F32", {768}});
    t.push_back({p + "attn.bias", "F32", {1, 1, 1024, 1024}});
    t.push_back({p + "attn.c_attn.weight", "F32", {768, 2304}});
    t.push_back({p + "attn.c_attn.bias", "F32", {2304}});
    t.push_back({p + "attn.c_proj.weight", "F32", {768, 768}});
    t.push_back({p + "attn.c_proj.bias", "F32", {768}});
    t.push_back({p + "ln_2.weight", "F32", {768}});
    t.push_back({p + "ln_2.bias", "F32", {768}});
    t.push_back({p + "mlp.c_fc.weight", "F32", {768, 3072}});
    t.push_back({p + "mlp.c_fc.bias", "F32", {3072}});
    t.push_back({p + "mlp.c_proj.weight", "F32", {3072, 768}});
    t.push_back({p + "mlp.c_proj.bias", "F32", {768}});
  }
  t.push_back({"ln_f.weight", "F32", {768}});
  t.push_back({"ln_f.bias", "F32", {768}});
  ModelSpec model = model_with(12);
  attach_safetensors(model, written(t, 1));
  CHECK(model.total_params == 124'439'808ULL);
  CHECK(model.layers[0].params == 7'087'872ULL);
  CHECK(model.embedding_params == 38'597'376ULL + 786'432ULL);
}

TEST_CASE("attach_safetensors: Mixtral-8x7B has 46702792704 parameters and 12.9B active") {
  // 32 layers, hidden 4096, 32 heads, 8 kv heads, 8 experts of width 14336, 2 per token,
  // vocab 32000. Routed experts: 32 x 8 x 3 x 4096 x 14336 = 45,097,156,608; a token uses 2 of
  // 8, so 3/4 of them, 33,822,867,456, are unused: 12,879,925,248 active.
  const auto t = test::mixtral_8x7b_tensors();

  std::vector<std::size_t> all(32);
  for (std::size_t i = 0; i < 32; ++i) {
    all[i] = i;
  }
  ModelSpec model = model_with(32, all);
  model.n_experts = 8;
  model.n_experts_used = 2;
  attach_safetensors(model, written(t, 8));
  CHECK(model.total_params == 46'702'792'704ULL);
  CHECK(model.active_params == 12'879'925'248ULL);
}
