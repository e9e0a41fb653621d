#include "vramcalc/model.hpp"

#include <algorithm>
#include <string>

#include "vramcalc/error.hpp"

namespace vramcalc {

bool is_routed_expert(TensorRole role) {
  return role == TensorRole::ffn_gate_exps || role == TensorRole::ffn_up_exps ||
         role == TensorRole::ffn_down_exps;
}

std::uint32_t attention_heads(const ModelSpec& model) {
  std::uint32_t heads = 0;
  for (const auto& layer : model.layers) {
    heads = std::max(heads, layer.n_head);
  }
  return heads;
}

void validate_model(const ModelSpec& model) {
  const auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::input, "invalid model '" + model.name + "': " + what,
                "check the model's shape (layers, heads, kv-heads, head-dim)");
  };
  if (model.layers.empty()) {
    fail("it has no layers");
  }
  if (model.hidden == 0) {
    fail("hidden size is 0");
  }
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const LayerSpec& layer = model.layers[i];
    const std::string where = "layer " + std::to_string(i) + ": ";
    if (layer.attention == AttentionKind::none) {
      continue;
    }
    if (layer.n_head == 0) {
      fail(where + "attention heads are 0");
    }
    if (layer.attention == AttentionKind::latent) {
      if (layer.latent_dim == 0) {
        fail(where + "latent attention without a latent dimension");
      }
      continue;
    }
    if (layer.n_kv_head == 0 || layer.head_dim_k == 0 || layer.head_dim_v == 0) {
      fail(where + "kv heads and head dims must be positive");
    }
    if (layer.n_head % layer.n_kv_head != 0) {
      fail(where + std::to_string(layer.n_head) + " heads are not divisible by " +
           std::to_string(layer.n_kv_head) + " kv heads");
    }
    if (layer.attention == AttentionKind::sliding_window && layer.sliding_window == 0) {
      fail(where + "sliding window of 0 tokens");
    }
  }
}

}  // namespace vramcalc
