// Per-layer description of a GGUF model, as llama.cpp reads the metadata. Source for every
// rule below unless another is named: llama.cpp src/llama-model.cpp `load_hparams` and
// src/llama-hparams.cpp (ggml-org/llama.cpp @ 00342301 and @ 01b77b57).

#include <algorithm>
#include <array>
#include <limits>
#include <span>

#include "gguf/gguf_model_parts.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc::gguf {

namespace {

constexpr std::uint64_t k_u32_max = std::numeric_limits<std::uint32_t>::max();
// Recurrent state elements are f32: llama-memory-recurrent's default type_r / type_s.
constexpr std::uint64_t k_state_element_bytes = 4;
// RWKV token shifts kept per layer when the file does not say: llama-hparams.h
// `token_shift_count = 2`.
constexpr std::uint64_t k_default_token_shift_count = 2;
// Gemma 3n keeps KV only in its first 20 layers; the others reuse them
// (`n_layer_kv_from_start = 20` in load_hparams).
constexpr std::uint32_t k_gemma3n_kv_layers = 20;
// Qwen3-Next: one full-attention layer every 4 (`(i + 1) % 4 != 0` are recurrent) unless
// {arch}.full_attention_interval says otherwise.
constexpr std::uint64_t k_qwen3next_interval = 4;

// When a family attends through a sliding window (llama.cpp `swa_type`, `set_swa_pattern`).
enum class SwaEnable {
  always,        // the family always has SWA layers
  key_positive,  // only when {arch}.attention.sliding_window > 0
  key_not_zero,  // unless {arch}.attention.sliding_window is present and 0
  layers_64,     // only the 64-layer model of the family (EXAONE 4.0 32B)
};

struct SwaFamily {
  std::string_view arch;
  std::uint32_t period;  // set_swa_pattern(period)
  bool dense_first;      // set_swa_pattern(period, dense_first = true)
  SwaEnable enable;
  std::uint32_t window;  // default window (tokens); 0 = the key is required
  bool window_forced;    // llama.cpp overwrites the key's value with `window`
};

// set_swa_pattern(n): layer il slides when il % n < n - 1 (the last of every n is full);
// dense_first: when il % n != 0 (the first of every n is full).
constexpr std::array<SwaFamily, 10> k_swa_families = {{
    {"gemma2", 2, false, SwaEnable::always, 4096, false},  // even layers slide
    {"gemma3", 6, false, SwaEnable::always, 0, false},     // 5 local : 1 global
    {"gemma3n", 5, false, SwaEnable::always, 0, false},
    {"gemma-embedding", 6, false, SwaEnable::always, 0, false},
    {"cohere2", 4, false, SwaEnable::always, 0, false},  // 3 local : 1 global
    {"gpt-oss", 2, false, SwaEnable::always, 0, false},
    {"olmo2", 4, false, SwaEnable::key_positive, 0, false},
    {"exaone4", 4, false, SwaEnable::layers_64, 4096, false},
    {"smallthinker", 4, true, SwaEnable::key_positive, 4096, true},
    // Llama 4: chunked attention (chunks of 8192 tokens) on 3 of every 4 layers. A chunk
    // keeps at most 8192 tokens, which the sliding-window kind bounds the same way.
    {"llama4", 4, false, SwaEnable::key_not_zero, 8192, true},
}};

// Architectures whose every layer is recurrent: llama-arch.cpp `llm_arch_is_recurrent`.
constexpr std::array<std::string_view, 6> k_recurrent_archs = {"mamba",      "mamba2", "rwkv6",
                                                               "rwkv6qwen2", "rwkv7",  "arwkv7"};

const SwaFamily* swa_family(std::string_view arch) {
  for (const SwaFamily& family : k_swa_families) {
    if (family.arch == arch) {
      return &family;
    }
  }
  return nullptr;
}

bool contains(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<bool> pattern_layers(std::size_t n_layer, std::uint32_t period, bool dense_first) {
  std::vector<bool> swa(n_layer, false);
  for (std::size_t il = 0; il < n_layer; ++il) {
    if (dense_first) {
      swa[il] = period == 0 || il % period != 0;
    } else {
      swa[il] = period == 0 || il % period < period - 1;
    }
  }
  return swa;
}

struct SlidingWindow {
  std::vector<bool> layers;  // true: this layer slides
  std::uint32_t window = 0;  // tokens
};

// Which layers slide and over how many tokens. Phi-3's sliding_window is ignored: llama.cpp
// disables Phi SWA (ggml-org/llama.cpp#13676; the Phi-3-mini rows of
// tests/data/validation/llamacpp_cpu_measured.json, llama.cpp de3ff815, confirm all layers
// full). A {arch}.attention.sliding_window_pattern key (a period, or one flag per
// layer, non-zero = sliding), read by newer llama.cpp families, takes precedence over the
// family's fixed period.
SlidingWindow sliding_window(const Metadata& meta, std::size_t n_layer) {
  SlidingWindow result{std::vector<bool>(n_layer, false), 0};
  if (meta.architecture() == "phi3") {
    return result;
  }
  const std::string window_key = meta.arch_key("attention.sliding_window");
  const std::string pattern_key = meta.arch_key("attention.sliding_window_pattern");
  const auto key_window = meta.uint(window_key, k_u32_max);
  const GgufValue* pattern = meta.find(pattern_key);
  const SwaFamily* family = swa_family(meta.architecture());
  if (family == nullptr && pattern == nullptr) {
    return result;
  }
  const SwaEnable enable = family != nullptr ? family->enable : SwaEnable::key_positive;
  const bool enabled = enable == SwaEnable::always ||
                       (enable == SwaEnable::key_positive && key_window.value_or(0) > 0) ||
                       (enable == SwaEnable::key_not_zero && key_window.value_or(1) > 0) ||
                       (enable == SwaEnable::layers_64 && n_layer == 64);
  if (!enabled) {
    return result;
  }
  if (pattern != nullptr && pattern->type == GgufValueType::array) {
    const auto flags = meta.per_layer(pattern_key, n_layer, k_u32_max);
    for (std::size_t il = 0; il < n_layer; ++il) {
      result.layers[il] = (*flags)[il] != 0;
    }
  } else if (pattern != nullptr) {
    const auto period = static_cast<std::uint32_t>(meta.require_uint(pattern_key, k_u32_max));
    result.layers = pattern_layers(n_layer, period, family != nullptr && family->dense_first);
  } else {
    result.layers = pattern_layers(n_layer, family->period, family->dense_first);
  }
  const std::uint32_t fallback = family != nullptr ? family->window : 0;
  result.window = family != nullptr && family->window_forced
                      ? fallback
                      : static_cast<std::uint32_t>(key_window.value_or(fallback));
  const bool any =
      std::find(result.layers.begin(), result.layers.end(), true) != result.layers.end();
  if (any && result.window == 0) {
    meta.fail_key(window_key, key_window ? "is 0 but layers slide" : "is missing");
  }
  return result;
}

// Multiplies and adds state sizes, failing on overflow with the keys named.
std::uint64_t state_mul(const Metadata& meta, std::uint64_t a, std::uint64_t b) {
  const auto product = try_mul(a, b);
  if (!product) {
    meta.fail_key(meta.arch_key("ssm"), "sizes overflow 64 bits");
  }
  return *product;
}

std::uint64_t state_add(const Metadata& meta, std::uint64_t a, std::uint64_t b) {
  const auto sum = try_add(a, b);
  if (!sum) {
    meta.fail_key(meta.arch_key("ssm"), "sizes overflow 64 bits");
  }
  return *sum;
}

// Bytes of recurrent state one sequence keeps in one recurrent layer: llama-hparams.cpp
// (n_embd_r() + n_embd_s()) f32 elements.
std::uint64_t recurrent_state_bytes(const Metadata& meta, std::uint32_t hidden) {
  std::uint64_t elements = 0;
  if (const auto head_size = meta.uint(meta.arch_key("wkv.head_size"), k_u32_max)) {
    // RWKV: token_shift_count x n_embd shifted tokens + n_embd x head_size wkv state.
    const std::uint64_t shifts = meta.uint(meta.arch_key("token_shift_count"), k_u32_max)
                                     .value_or(k_default_token_shift_count);
    elements =
        state_add(meta, state_mul(meta, shifts, hidden), state_mul(meta, hidden, *head_size));
  } else if (const auto cache = meta.uint(meta.arch_key("shortconv.l_cache"), k_u32_max)) {
    // LFM2: n_embd x (l_cache - 1) convolution state.
    elements = state_mul(meta, hidden, *cache > 0 ? *cache - 1 : 0);
  } else {
    // Mamba/Mamba-2: (d_conv - 1) x (d_inner + 2 n_group d_state) + d_state x d_inner.
    const std::uint64_t conv = meta.uint(meta.arch_key("ssm.conv_kernel"), k_u32_max).value_or(0);
    const std::uint64_t inner = meta.uint(meta.arch_key("ssm.inner_size"), k_u32_max).value_or(0);
    const std::uint64_t state = meta.uint(meta.arch_key("ssm.state_size"), k_u32_max).value_or(0);
    const std::uint64_t groups = meta.uint(meta.arch_key("ssm.group_count"), k_u32_max).value_or(0);
    const std::uint64_t channels = state_add(meta, inner, state_mul(meta, 2 * groups, state));
    elements = state_add(meta, state_mul(meta, conv > 0 ? conv - 1 : 0, channels),
                         state_mul(meta, state, inner));
  }
  return state_mul(meta, elements, k_state_element_bytes);
}

bool has_state_keys(const Metadata& meta) {
  return meta.find(meta.arch_key("wkv.head_size")) != nullptr ||
         meta.find(meta.arch_key("shortconv.l_cache")) != nullptr ||
         meta.find(meta.arch_key("ssm.state_size")) != nullptr ||
         meta.find(meta.arch_key("ssm.conv_kernel")) != nullptr;
}

// Which layers are recurrent (llama.cpp `recurrent_layer_arr`).
std::vector<bool> recurrent_layers(const Metadata& meta, const std::vector<std::uint32_t>& kv,
                                   const std::vector<std::uint32_t>& ff) {
  const std::string& arch = meta.architecture();
  const std::size_t n_layer = kv.size();
  std::vector<bool> recurrent(n_layer, false);
  if (contains(k_recurrent_archs, arch) || arch == "falcon-h1") {
    recurrent.assign(n_layer, true);
    return recurrent;
  }
  if (arch == "qwen3next") {
    const std::uint64_t interval = meta.uint(meta.arch_key("full_attention_interval"), k_u32_max)
                                       .value_or(k_qwen3next_interval);
    for (std::size_t il = 0; il < n_layer; ++il) {
      recurrent[il] = interval == 0 || (il + 1) % interval != 0;
    }
    return recurrent;
  }
  const bool state = has_state_keys(meta);
  for (std::size_t il = 0; il < n_layer; ++il) {
    // Nemotron-H: recurrent iff no kv heads and no MLP; other hybrids (Jamba, Granite
    // hybrid, PLaMo-2, LFM2): iff no kv heads.
    recurrent[il] = state && kv[il] == 0 && (arch != "nemotron_h" || ff[il] == 0);
  }
  return recurrent;
}

// Layers from which on the model keeps no KV (they reuse earlier layers' or are MTP heads):
// llama.cpp `n_layer_kv_from_start`.
std::size_t kv_layer_count(const Metadata& meta, std::size_t n_layer) {
  std::size_t count = n_layer;
  if (meta.architecture() == "gemma3n") {
    count = std::min<std::size_t>(count, k_gemma3n_kv_layers);
  }
  const auto shared = meta.uint(meta.arch_key("attention.shared_kv_layers"), n_layer);
  const auto nextn = meta.uint(meta.arch_key("nextn_predict_layers"), n_layer);
  count -= std::min<std::size_t>(count, static_cast<std::size_t>(shared.value_or(0)));
  count -= std::min<std::size_t>(count, static_cast<std::size_t>(nextn.value_or(0)));
  return count;
}

struct Attention {
  std::vector<std::uint32_t> heads;
  std::vector<std::uint32_t> kv_heads;
  std::uint32_t key = 0;      // head size of keys (elements)
  std::uint32_t value = 0;    // head size of values
  std::uint32_t key_swa = 0;  // on sliding layers (Gemma 4 style *_swa keys), else key
  std::uint32_t value_swa = 0;
  bool latent = false;  // multi-head latent attention
  std::uint32_t latent_dim = 0;
  std::uint32_t latent_key = 0;  // per-head sizes once the latent is expanded
  std::uint32_t latent_value = 0;
};

Attention read_attention(const Metadata& meta, std::size_t n_layer, std::uint32_t hidden) {
  Attention a;
  a.heads = meta.per_layer(meta.arch_key("attention.head_count"), n_layer, k_u32_max)
                .value_or(std::vector<std::uint32_t>(n_layer, 0));
  // n_head_kv defaults to n_head (MHA).
  a.kv_heads = meta.per_layer(meta.arch_key("attention.head_count_kv"), n_layer, k_u32_max)
                   .value_or(a.heads);
  // Head sizes default to n_embd / n_head of the first layer.
  const std::uint32_t fallback = a.heads[0] > 0 ? hidden / a.heads[0] : 0;
  a.key = static_cast<std::uint32_t>(
      meta.uint(meta.arch_key("attention.key_length"), k_u32_max).value_or(fallback));
  a.value = static_cast<std::uint32_t>(
      meta.uint(meta.arch_key("attention.value_length"), k_u32_max).value_or(fallback));
  a.key_swa = static_cast<std::uint32_t>(
      meta.uint(meta.arch_key("attention.key_length_swa"), k_u32_max).value_or(a.key));
  a.value_swa = static_cast<std::uint32_t>(
      meta.uint(meta.arch_key("attention.value_length_swa"), k_u32_max).value_or(a.value));
  // MLA when the file gives the expanded head sizes (llm_build_deepseek2: `is_mla =
  // n_embd_head_k_mla != 0 && n_embd_head_v_mla != 0`); the cache then holds one latent of
  // kv_lora_rank + rope dims per token (576 for DeepSeek-V2/V3), keys only.
  const auto lora = meta.uint(meta.arch_key("attention.kv_lora_rank"), k_u32_max);
  const auto key_mla = meta.uint(meta.arch_key("attention.key_length_mla"), k_u32_max);
  const auto value_mla = meta.uint(meta.arch_key("attention.value_length_mla"), k_u32_max);
  if (lora.value_or(0) > 0 && key_mla.value_or(0) > 0 && value_mla.value_or(0) > 0) {
    const std::uint64_t rope = meta.require_uint(meta.arch_key("rope.dimension_count"), k_u32_max);
    if (*lora + rope > k_u32_max) {
      meta.fail_key(meta.arch_key("attention.kv_lora_rank"), "plus the rope dimensions overflow");
    }
    a.latent = true;
    a.latent_dim = static_cast<std::uint32_t>(*lora + rope);
    a.latent_key = static_cast<std::uint32_t>(*key_mla);
    a.latent_value = static_cast<std::uint32_t>(*value_mla);
  }
  return a;
}

struct Experts {
  std::uint32_t count = 0;
  std::uint32_t used = 0;
  std::uint32_t shared = 0;
  std::optional<std::vector<std::uint32_t>> expert_ffn;  // {arch}.expert_feed_forward_length
  std::uint64_t shared_ffn = 0;                          // {arch}.expert_shared_feed_forward_length
};

Experts read_experts(const Metadata& meta, std::size_t n_layer) {
  Experts e;
  const std::string count_key = meta.arch_key("expert_count");
  const std::string used_key = meta.arch_key("expert_used_count");
  e.count = static_cast<std::uint32_t>(meta.uint(count_key, k_gguf_max_experts).value_or(0));
  e.used = static_cast<std::uint32_t>(meta.uint(used_key, e.count).value_or(0));
  // llama.cpp asserts n_expert_used > 0 when there are experts.
  if (e.count > 0 && e.used == 0) {
    meta.fail_key(used_key,
                  "must be at least 1 when " + count_key + " is " + std::to_string(e.count));
  }
  e.shared = static_cast<std::uint32_t>(
      meta.uint(meta.arch_key("expert_shared_count"), k_gguf_max_experts).value_or(0));
  e.expert_ffn = meta.per_layer(meta.arch_key("expert_feed_forward_length"), n_layer, k_u32_max);
  e.shared_ffn =
      meta.uint(meta.arch_key("expert_shared_feed_forward_length"), k_u32_max).value_or(0);
  return e;
}

// MLP width of a layer: the dense width, or for MoE the active experts' widths
// (expert_used_count x expert width + shared experts' width).
std::uint32_t ffn_width(const Metadata& meta, const Experts& experts, const BlockTensors& block,
                        std::uint32_t dense, std::size_t il) {
  if (!block.has_experts) {
    return dense;
  }
  std::uint64_t expert = block.expert_ffn;
  if (experts.expert_ffn && (*experts.expert_ffn)[il] > 0) {
    expert = (*experts.expert_ffn)[il];
  } else if (expert == 0) {
    expert = dense;  // Mixtral/OLMoE write the expert width as feed_forward_length
  }
  std::uint64_t shared = block.shared_expert_ffn;
  if (expert > k_u32_max || shared > k_u32_max) {  // widths read from tensor shapes
    meta.fail_key(meta.arch_key("expert_feed_forward_length"),
                  "cannot be worked out: block " + std::to_string(il) +
                      " has expert tensors wider than 2^32");
  }
  // Below: at most 1024 experts x 2^32 elements, far inside 64 bits.
  if (shared == 0 && experts.shared > 0) {
    shared = experts.shared_ffn > 0 ? experts.shared_ffn : std::uint64_t{experts.shared} * expert;
  }
  const std::uint64_t width = std::uint64_t{experts.used} * expert + shared;
  if (width > k_u32_max) {
    meta.fail_key(meta.arch_key("expert_used_count"), "times the expert width overflows 32 bits");
  }
  return static_cast<std::uint32_t>(width);
}

void check_attention_layer(const Metadata& meta, const LayerSpec& layer, std::size_t il) {
  const std::string where = "block " + std::to_string(il) + ": ";
  if (layer.n_head == 0 || layer.head_dim_k == 0 || layer.head_dim_v == 0) {
    meta.fail_key(meta.arch_key("attention.key_length"),
                  "cannot be worked out: " + where + std::to_string(layer.n_head) + " heads of " +
                      std::to_string(layer.head_dim_k) + "/" + std::to_string(layer.head_dim_v) +
                      " elements");
  }
  if (layer.n_head % layer.n_kv_head != 0) {
    meta.fail_key(meta.arch_key("attention.head_count_kv"),
                  "does not divide the heads: " + where + std::to_string(layer.n_head) +
                      " heads, " + std::to_string(layer.n_kv_head) + " kv heads");
  }
}

}  // namespace

std::vector<LayerSpec> build_layers(const Metadata& meta, std::uint32_t hidden,
                                    const std::vector<BlockTensors>& blocks) {
  const std::size_t n_layer = blocks.size();
  const Attention attention = read_attention(meta, n_layer, hidden);
  const auto ff = meta.per_layer(meta.arch_key("feed_forward_length"), n_layer, k_u32_max)
                      .value_or(std::vector<std::uint32_t>(n_layer, 0));
  const SlidingWindow swa = sliding_window(meta, n_layer);
  const std::vector<bool> recurrent = recurrent_layers(meta, attention.kv_heads, ff);
  const bool any_recurrent = std::find(recurrent.begin(), recurrent.end(), true) != recurrent.end();
  const std::uint64_t state = any_recurrent ? recurrent_state_bytes(meta, hidden) : 0;
  const std::size_t kv_layers = kv_layer_count(meta, n_layer);
  // Non-causal (encoder / embedding) models keep no KV cache.
  const bool causal = meta.boolean(meta.arch_key("attention.causal")).value_or(true);
  const Experts experts = read_experts(meta, n_layer);

  std::vector<LayerSpec> layers(n_layer);
  for (std::size_t il = 0; il < n_layer; ++il) {
    LayerSpec& layer = layers[il];
    layer.params = blocks[il].params;
    layer.moe = blocks[il].has_experts;
    layer.ffn_dim = ffn_width(meta, experts, blocks[il], ff[il], il);
    layer.n_head = attention.heads[il];
    layer.n_kv_head = attention.kv_heads[il];
    layer.head_dim_k = swa.layers[il] ? attention.key_swa : attention.key;
    layer.head_dim_v = swa.layers[il] ? attention.value_swa : attention.value;
    if (!recurrent[il] && layer.n_head == 0 && layer.n_kv_head > 0) {
      meta.fail_key(meta.arch_key("attention.head_count"),
                    "is 0 in block " + std::to_string(il) + ", which has " +
                        std::to_string(layer.n_kv_head) + " kv heads");
    }
    // Falcon-H1 runs attention and an SSM side by side in every layer: the state is recorded
    // on its (full-attention) layers.
    const bool attends = layer.n_head > 0 && layer.n_kv_head > 0 &&
                         (!recurrent[il] || meta.architecture() == "falcon-h1");
    layer.recurrent_state_bytes = recurrent[il] ? state : 0;
    if (!attends) {
      layer.attention = AttentionKind::none;
      layer.n_head = 0;
      layer.n_kv_head = 0;
      layer.head_dim_k = 0;
      layer.head_dim_v = 0;
      continue;
    }
    if (attention.latent) {
      layer.attention = AttentionKind::latent;
      layer.latent_dim = attention.latent_dim;
      // Expanded, every head has its own key and value (HF num_key_value_heads = heads).
      layer.n_kv_head = layer.n_head;
      layer.head_dim_k = attention.latent_key;
      layer.head_dim_v = attention.latent_value;
    } else {
      check_attention_layer(meta, layer, il);
      if (swa.layers[il]) {
        layer.attention = AttentionKind::sliding_window;
        layer.sliding_window = swa.window;
      }
    }
    if (il >= kv_layers || !causal) {
      layer.attention = AttentionKind::none;  // attends, but through another layer's cache
      layer.sliding_window = 0;
      layer.latent_dim = 0;
    }
  }
  return layers;
}

}  // namespace vramcalc::gguf
