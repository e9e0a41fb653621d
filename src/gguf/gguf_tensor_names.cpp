// Tensor roles from llama.cpp's GGUF tensor names (src/llama-arch.cpp LLM_TENSOR_NAMES).

#include <array>
#include <cctype>
#include <limits>
#include <utility>

#include "gguf/gguf_model_parts.hpp"

namespace vramcalc::gguf {

namespace {

// Base names (without "blk.N." and ".weight"/".bias") with a role of their own.
constexpr std::array<std::pair<std::string_view, TensorRole>, 28> k_roles = {{
    {"token_embd", TensorRole::token_embd},
    {"position_embd", TensorRole::pos_embd},
    {"output", TensorRole::output},
    {"attn_q", TensorRole::attn_q},
    {"attn_k", TensorRole::attn_k},
    {"attn_v", TensorRole::attn_v},
    {"attn_qkv", TensorRole::attn_qkv},
    {"attn_output", TensorRole::attn_output},
    {"attn_q_a", TensorRole::attn_q_a},
    {"attn_q_b", TensorRole::attn_q_b},
    {"attn_kv_a_mqa", TensorRole::attn_kv_a},
    {"attn_kv_b", TensorRole::attn_kv_b},
    // MLA's kv_b split in two (key and value up-projections), newer DeepSeek conversions.
    {"attn_k_b", TensorRole::attn_kv_b},
    {"attn_v_b", TensorRole::attn_kv_b},
    {"ffn_gate", TensorRole::ffn_gate},
    {"ffn_up", TensorRole::ffn_up},
    {"ffn_down", TensorRole::ffn_down},
    {"ffn_gate_exps", TensorRole::ffn_gate_exps},
    {"ffn_up_exps", TensorRole::ffn_up_exps},
    {"ffn_down_exps", TensorRole::ffn_down_exps},
    {"ffn_gate_up_exps", TensorRole::ffn_up_exps},
    {"ffn_gate_shexp", TensorRole::ffn_gate_shexp},
    {"ffn_up_shexp", TensorRole::ffn_up_shexp},
    {"ffn_down_shexp", TensorRole::ffn_down_shexp},
    {"ffn_gate_inp", TensorRole::ffn_gate_inp},
    {"ffn_gate_inp_shexp", TensorRole::ffn_gate_inp},
    {"rope_freqs", TensorRole::other},
    {"token_types", TensorRole::other},
}};

// Legacy per-expert names of 2023 Mixtral conversions: "blk.N.ffn_gate.E.weight".
constexpr std::array<std::pair<std::string_view, TensorRole>, 3> k_legacy_experts = {{
    {"ffn_gate.", TensorRole::ffn_gate_exps},
    {"ffn_up.", TensorRole::ffn_up_exps},
    {"ffn_down.", TensorRole::ffn_down_exps},
}};

bool all_digits(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
  }
  return true;
}

// Parses "blk.N." at the front of `name`; returns N and removes the prefix, or -1.
std::int32_t take_block(std::string_view& name) {
  constexpr std::string_view k_prefix = "blk.";
  if (name.substr(0, k_prefix.size()) != k_prefix) {
    return -1;
  }
  const std::string_view rest = name.substr(k_prefix.size());
  const std::size_t dot = rest.find('.');
  const std::string_view digits = rest.substr(0, dot);
  constexpr std::size_t k_max_digits = 9;  // < 2^31
  if (dot == std::string_view::npos || !all_digits(digits) || digits.size() > k_max_digits) {
    return -1;
  }
  std::int32_t layer = 0;
  for (const char c : digits) {
    layer = layer * 10 + (c - '0');
  }
  name = rest.substr(dot + 1);
  return layer;
}

TensorRole role_of(std::string_view base) {
  for (const auto& [name, role] : k_roles) {
    if (base == name) {
      return role;
    }
  }
  // Recurrent blocks: Mamba's ssm_in/conv1d/x/dt/a/d/out/norm, LFM2's shortconv.
  if (base.substr(0, 4) == "ssm_" || base.substr(0, 9) == "shortconv") {
    return TensorRole::ssm;
  }
  // attn_norm, ffn_norm, output_norm, attn_q_norm, post_attention_norm, attn_kv_a_norm, ...
  if (base.find("norm") != std::string_view::npos) {
    return TensorRole::norm;
  }
  return TensorRole::other;
}

}  // namespace

TensorClass classify_tensor(std::string_view name) {
  TensorClass result;
  std::string_view base = name;
  result.layer = take_block(base);
  bool bias = false;
  if (base.size() > 7 && base.substr(base.size() - 7) == ".weight") {
    base.remove_suffix(7);
  } else if (base.size() > 5 && base.substr(base.size() - 5) == ".bias") {
    base.remove_suffix(5);
    bias = true;
  }
  result.role = role_of(base);
  for (const auto& [prefix, role] : k_legacy_experts) {
    if (base.substr(0, prefix.size()) == prefix && all_digits(base.substr(prefix.size()))) {
      result.role = role;
      result.expert = true;
    }
  }
  if (base.size() > 5 && base.substr(base.size() - 5) == "_exps") {
    result.expert = true;
  }
  if (bias && result.role != TensorRole::norm) {
    result.role = TensorRole::bias;
  }
  return result;
}

}  // namespace vramcalc::gguf
