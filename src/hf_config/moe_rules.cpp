// Which blocks are mixtures of experts and how their experts are shaped, per family:
// Mixtral (every layer), Qwen-MoE (decoder_sparse_step, mlp_only_layers, shared expert with
// its gate), DeepSeek (first_k_dense_replace, moe_layer_freq, shared experts, router bias),
// Llama 4 (interleaved, one shared expert), gpt-oss (every layer, biased experts).
#include <algorithm>
#include <string>

#include "hf_config/planning.hpp"

namespace vramcalc::hf {

namespace {

std::uint32_t narrow(std::uint64_t value) {
  return static_cast<std::uint32_t>(value);
}

std::uint32_t required_ffn(ConfigKeys& keys, const char* key) {
  return narrow(keys.required_positive({key}, k_max_ffn));
}

void mark_moe(ArchPlan& plan, auto&& is_moe) {
  for (std::size_t i = 0; i < plan.layers.size(); ++i) {
    plan.layers[i].moe = is_moe(i);
  }
}

// Every entry of a layer-index list must name a layer.
std::vector<std::uint64_t> layer_list(ConfigKeys& keys, const char* key, const ArchPlan& plan) {
  auto list = keys.optional_uint_list(key, k_max_layers).value_or(std::vector<std::uint64_t>{});
  for (const auto index : list) {
    if (index >= plan.layers.size()) {
      keys.fail(key, "names layer " + std::to_string(index) + " but the model has " +
                         std::to_string(plan.layers.size()) + " layers");
    }
  }
  return list;
}

bool contains(const std::vector<std::uint64_t>& list, std::size_t value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void plan_qwen_moe(ConfigKeys& keys, ArchPlan& plan, MoePlan& moe) {
  // Qwen2MoeDecoderLayer / Qwen3MoeDecoderLayer: sparse when the layer is not in
  // mlp_only_layers and num_experts > 0 and (layer + 1) % decoder_sparse_step == 0.
  moe.experts = narrow(keys.optional_uint({"num_experts"}, k_max_experts).value_or(0));
  if (moe.experts == 0) {
    return;
  }
  moe.experts_per_token = narrow(keys.required_positive({"num_experts_per_tok"}, k_max_experts));
  moe.expert_ffn = required_ffn(keys, "moe_intermediate_size");
  const auto step = keys.required_positive({"decoder_sparse_step"}, k_max_layers);
  const auto dense_only = layer_list(keys, "mlp_only_layers", plan);
  mark_moe(plan, [&](std::size_t i) { return !contains(dense_only, i) && (i + 1) % step == 0; });
  // Qwen2MoeSparseMoeBlock: shared_expert (width shared_expert_intermediate_size) and
  // shared_expert_gate = Linear(hidden, 1); Qwen3-MoE has neither.
  moe.shared_ffn = narrow(keys.optional_uint({"shared_expert_intermediate_size"}, k_max_ffn).value_or(0));
  moe.shared_gate = moe.shared_ffn > 0;
}

void plan_deepseek(ConfigKeys& keys, ArchPlan& plan, MoePlan& moe) {
  // DeepseekV2/V3DecoderLayer: MoE when n_routed_experts is set and
  // layer >= first_k_dense_replace and layer % moe_layer_freq == 0.
  moe.experts = narrow(keys.optional_uint({"n_routed_experts"}, k_max_experts).value_or(0));
  if (moe.experts == 0) {
    return;
  }
  moe.experts_per_token = narrow(keys.required_positive({"num_experts_per_tok"}, k_max_experts));
  moe.expert_ffn = required_ffn(keys, "moe_intermediate_size");
  const auto first_dense = keys.optional_uint({"first_k_dense_replace"}, k_max_layers).value_or(0);
  const auto frequency = keys.required_positive({"moe_layer_freq"}, k_max_layers);
  mark_moe(plan, [&](std::size_t i) { return i >= first_dense && i % frequency == 0; });
  // Shared experts form one MLP of moe_intermediate_size x n_shared_experts.
  const auto shared = keys.optional_uint({"n_shared_experts"}, k_max_experts).value_or(0);
  if (shared > k_max_ffn / moe.expert_ffn) {
    keys.fail("n_shared_experts", "is " + std::to_string(shared) +
                                      ", making the shared MLP wider than the sane cap");
  }
  moe.shared_ffn = narrow(shared * moe.expert_ffn);
  // The "noaux_tc" router (DeepSeek-V3's topk_method, the DeepseekV3Config default) keeps a
  // per-expert e_score_correction_bias, a tensor of the released checkpoint.
  const auto method = keys.optional_string("topk_method");
  moe.score_bias = method ? *method == "noaux_tc" : plan.family == "deepseek_v3";
}

void plan_llama4(ConfigKeys& keys, ArchPlan& plan, MoePlan& moe) {
  // Llama4TextDecoderLayer: MoE on moe_layers (default: every interleave_moe_layer_step-th
  // layer, starting at step - 1); dense layers are intermediate_size_mlp wide; every MoE
  // block has one shared expert of intermediate_size.
  moe.experts = narrow(keys.required_positive({"num_local_experts"}, k_max_experts));
  moe.experts_per_token = narrow(keys.required_positive({"num_experts_per_tok"}, k_max_experts));
  moe.expert_ffn = required_ffn(keys, "intermediate_size");
  moe.shared_ffn = moe.expert_ffn;
  const std::uint32_t dense = required_ffn(keys, "intermediate_size_mlp");
  if (keys.find({"moe_layers"}) != nullptr) {
    const auto list = layer_list(keys, "moe_layers", plan);
    mark_moe(plan, [&](std::size_t i) { return contains(list, i); });
  } else {
    const auto step = keys.required_positive({"interleave_moe_layer_step"}, k_max_layers);
    mark_moe(plan, [&](std::size_t i) { return (i + 1) % step == 0; });
  }
  for (auto& layer : plan.layers) {
    layer.dense_ffn = dense;
  }
}

}  // namespace

std::uint32_t plan_experts(ConfigKeys& keys, ArchPlan& plan, std::uint64_t dense_ffn,
                           std::vector<std::string>& notes) {
  for (auto& layer : plan.layers) {
    layer.dense_ffn = narrow(dense_ffn);
  }
  MoePlan moe;
  std::uint32_t mtp_layers = 0;
  switch (plan.traits->moe) {
    case MoeRule::none:
      return 0;
    case MoeRule::mixtral:
      // MixtralSparseMoeBlock: gate = Linear(hidden, num_local_experts), experts of
      // intermediate_size.
      moe.experts = narrow(keys.required_positive({"num_local_experts"}, k_max_experts));
      moe.experts_per_token = narrow(keys.required_positive({"num_experts_per_tok"}, k_max_experts));
      moe.expert_ffn = required_ffn(keys, "intermediate_size");
      mark_moe(plan, [](std::size_t) { return true; });
      break;
    case MoeRule::qwen_moe:
      plan_qwen_moe(keys, plan, moe);
      break;
    case MoeRule::deepseek:
      plan_deepseek(keys, plan, moe);
      // num_nextn_predict_layers: multi-token-prediction blocks shipped beside the model;
      // inference engines load the main model only (DeepSeek-V3's 671B excludes them).
      mtp_layers = narrow(keys.optional_uint({"num_nextn_predict_layers"}, k_max_layers).value_or(0));
      if (mtp_layers > 0) {
        notes.push_back(std::to_string(mtp_layers) +
                        " multi-token-prediction layer(s) (num_nextn_predict_layers) not counted");
      }
      break;
    case MoeRule::llama4:
      plan_llama4(keys, plan, moe);
      break;
    case MoeRule::gpt_oss:
      // GptOssMLP: router Linear with bias; experts gate_up_proj/down_proj with biases.
      moe.experts = narrow(keys.required_positive({"num_local_experts"}, k_max_experts));
      moe.experts_per_token = narrow(
          keys.required_positive({"num_experts_per_tok", "experts_per_token"}, k_max_experts));
      moe.expert_ffn = required_ffn(keys, "intermediate_size");
      moe.router_bias = moe.expert_bias = true;
      mark_moe(plan, [](std::size_t) { return true; });
      break;
  }
  if (moe.experts == 0) {
    return mtp_layers;
  }
  if (moe.experts_per_token > moe.experts) {
    keys.fail("num_experts_per_tok", "is " + std::to_string(moe.experts_per_token) +
                                         ", more than the " + std::to_string(moe.experts) +
                                         " experts there are");
  }
  plan.moe = moe;
  return mtp_layers;
}

}  // namespace vramcalc::hf
