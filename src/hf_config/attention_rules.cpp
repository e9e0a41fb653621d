// How each layer attends: full, sliding window (which layers, how wide), chunked (Llama 4),
// or multi-head latent attention (DeepSeek). `layer_types` decides when present; else the
// family's rule, as its transformers configuration class derives layer_types.
#include <string>

#include "hf_config/planning.hpp"

namespace vramcalc::hf {

namespace {

constexpr std::uint64_t k_max_window = 0xFFFF'FFFFULL;  // LayerSpec::sliding_window is 32-bit

std::uint32_t narrow(std::uint64_t value) {
  return static_cast<std::uint32_t>(value);
}

void plan_latent(ConfigKeys& keys, ArchPlan& plan, std::vector<std::string>& notes) {
  MlaPlan mla;
  // DeepseekV2Config/DeepseekV3Config(q_lora_rank=1536): null means a plain q_proj
  // (DeepSeek-V2-Lite); a config that leaves the key out gets the class default.
  if (keys.has("q_lora_rank")) {
    mla.q_lora_rank = narrow(keys.optional_uint({"q_lora_rank"}, k_max_width).value_or(0));
  } else {
    constexpr std::uint32_t k_deepseek_default_q_lora_rank = 1536;
    mla.q_lora_rank = k_deepseek_default_q_lora_rank;
    notes.push_back("q_lora_rank = 1536 (not in the config: the " +
                    std::string(plan.traits->config_class) + " default)");
  }
  mla.kv_lora_rank = narrow(keys.required_positive({"kv_lora_rank"}, k_max_width));
  mla.qk_nope_head_dim = narrow(keys.required_positive({"qk_nope_head_dim"}, k_max_width));
  mla.qk_rope_head_dim = narrow(keys.required_positive({"qk_rope_head_dim"}, k_max_width));
  mla.v_head_dim = narrow(keys.required_positive({"v_head_dim"}, k_max_width));
  plan.mla = mla;
  for (auto& layer : plan.layers) {
    layer.attention = AttentionKind::latent;
  }
}

std::uint32_t window_for(ConfigKeys& keys, const char* key, std::size_t layer) {
  const auto window = keys.optional_positive({key}, k_max_window);
  if (!window) {
    keys.fail(key, "is missing, but layer " + std::to_string(layer) +
                       " uses windowed attention and needs its width");
  }
  return narrow(*window);
}

void apply_layer_types(ConfigKeys& keys, ArchPlan& plan, const std::vector<std::string>& types,
                       bool sliding_enabled) {
  if (types.size() != plan.layers.size()) {
    keys.fail("layer_types", "lists " + std::to_string(types.size()) + " layers but the model has " +
                                 std::to_string(plan.layers.size()));
  }
  for (std::size_t i = 0; i < types.size(); ++i) {
    LayerPlan& layer = plan.layers[i];
    const std::string& type = types[i];
    if (type == "full_attention") {
      layer.attention = AttentionKind::full;
    } else if (type == "sliding_attention") {
      if (sliding_enabled) {
        layer.attention = AttentionKind::sliding_window;
        layer.window = window_for(keys, "sliding_window", i);
      }
    } else if (type == "chunked_attention") {
      // Llama 4 chunked attention: a token sees only its own chunk, so a layer keeps at most
      // attention_chunk_size tokens, as a window of that width would.
      layer.attention = AttentionKind::sliding_window;
      layer.window = window_for(keys, "attention_chunk_size", i);
    } else {
      keys.fail("layer_types", "entry " + std::to_string(i) + " is \"" + type.substr(0, 40) +
                                   "\"; vramcalc reads full_attention, sliding_attention and "
                                   "chunked_attention layers only");
    }
  }
}

void slide_where(ConfigKeys& keys, ArchPlan& plan, const char* key, auto&& is_sliding) {
  for (std::size_t i = 0; i < plan.layers.size(); ++i) {
    if (is_sliding(i)) {
      plan.layers[i].attention = AttentionKind::sliding_window;
      plan.layers[i].window = window_for(keys, key, i);
    }
  }
}

void apply_family_rule(ConfigKeys& keys, ArchPlan& plan, std::vector<std::string>& notes) {
  switch (plan.traits->sliding) {
    case SlidingRule::none:
      return;
    case SlidingRule::all_layers:
      // MistralConfig/Phi3Config: one sliding_window for every layer (engine-neutral: an
      // engine may ignore it, e.g. when it exceeds the context).
      if (keys.optional_positive({"sliding_window"}, k_max_window)) {
        slide_where(keys, plan, "sliding_window", [](std::size_t) { return true; });
      }
      return;
    case SlidingRule::qwen2: {
      // Qwen2Config: sliding_window only when use_sliding_window (default false), on layers
      // from max_window_layers on.
      if (!keys.optional_bool("use_sliding_window").value_or(false)) {
        return;
      }
      const auto first = keys.optional_uint({"max_window_layers"}, k_max_layers).value_or(0);
      slide_where(keys, plan, "sliding_window", [&](std::size_t i) { return i >= first; });
      return;
    }
    case SlidingRule::alternate:
      // Gemma2Config / GptOssConfig layer_types: "sliding_attention" if (i + 1) % 2 else full.
      slide_where(keys, plan, "sliding_window", [](std::size_t i) { return (i + 1) % 2 != 0; });
      return;
    case SlidingRule::every_nth_global: {
      // Gemma3TextConfig: sliding unless (i + 1) % sliding_window_pattern == 0.
      const auto pattern = keys.required_positive({"sliding_window_pattern"}, k_max_layers);
      slide_where(keys, plan, "sliding_window",
                  [&](std::size_t i) { return (i + 1) % pattern != 0; });
      return;
    }
    case SlidingRule::chunked_rope: {
      // Llama4TextConfig: no_rope_layers[i] == 1 marks a RoPE layer (chunked); the default
      // makes every no_rope_layer_interval-th layer NoPE (global). No chunk size: all full.
      if (!keys.optional_positive({"attention_chunk_size"}, k_max_window)) {
        notes.push_back("attention_chunk_size is null: every layer attends globally");
        return;
      }
      auto rope = keys.optional_uint_list("no_rope_layers", 1);
      if (rope && !rope->empty() && rope->size() != plan.layers.size()) {
        keys.fail("no_rope_layers", "lists " + std::to_string(rope->size()) +
                                        " layers but the model has " +
                                        std::to_string(plan.layers.size()));
      }
      const auto interval = keys.required_positive({"no_rope_layer_interval"}, k_max_layers);
      slide_where(keys, plan, "attention_chunk_size", [&](std::size_t i) {
        return rope && !rope->empty() ? (*rope)[i] == 1 : (i + 1) % interval != 0;
      });
      return;
    }
  }
}

}  // namespace

void plan_attention(ConfigKeys& keys, ArchPlan& plan, std::vector<std::string>& notes) {
  if (plan.traits->encoder) {
    // Bidirectional attention over the whole input at once: nothing is cached between steps.
    for (auto& layer : plan.layers) {
      layer.attention = AttentionKind::none;
    }
    return;
  }
  if (plan.traits->mla) {
    plan_latent(keys, plan, notes);
    return;
  }
  if (const auto types = keys.optional_string_list("layer_types")) {
    // Qwen2-style configs list sliding layers even when use_sliding_window is false;
    // transformers then drops the window (sliding_window = None), and so does this.
    const bool enabled = plan.traits->sliding != SlidingRule::qwen2 ||
                         keys.optional_bool("use_sliding_window").value_or(false);
    apply_layer_types(keys, plan, *types, enabled);
    return;
  }
  apply_family_rule(keys, plan, notes);
}

}  // namespace vramcalc::hf
