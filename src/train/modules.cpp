// The model as training sees it: its linear modules (what LoRA adapts, what 4-bit formats
// quantize), the shape of every trained tensor, and the LoRA target names frameworks use.
#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "train/train_internal.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc::train_detail {

namespace {

bool linear_role(TensorRole role) {
  switch (role) {
    case TensorRole::attn_q:
    case TensorRole::attn_k:
    case TensorRole::attn_v:
    case TensorRole::attn_qkv:
    case TensorRole::attn_output:
    case TensorRole::attn_q_a:
    case TensorRole::attn_q_b:
    case TensorRole::attn_kv_a:
    case TensorRole::attn_kv_b:
    case TensorRole::ffn_gate:
    case TensorRole::ffn_up:
    case TensorRole::ffn_down:
    case TensorRole::ffn_gate_exps:
    case TensorRole::ffn_up_exps:
    case TensorRole::ffn_down_exps:
    case TensorRole::ffn_gate_shexp:
    case TensorRole::ffn_up_shexp:
    case TensorRole::ffn_down_shexp:
    case TensorRole::ffn_gate_inp:
    case TensorRole::output:
      return true;
    default:
      return false;
  }
}

TensorShape shape_of(const TensorInfo& t) {
  TensorShape s;
  s.elements = t.elements;
  if (t.shape.size() >= 2) {
    // GGUF order: [in, out] or [in, out, experts]; a factored state keeps out + in per matrix.
    const std::uint64_t stack = t.shape.size() >= 3 ? t.shape[2] : 1;
    s.rows = t.shape[1] * stack;
    s.cols = t.shape[0] * stack;
  }
  return s;
}

void add_linear(TrainingPlanner::Facts& facts, TensorRole role, std::int32_t layer,
                std::uint64_t in, std::uint64_t out, std::uint64_t count = 1) {
  facts.linears.push_back({role, layer, in, out, count});
  facts.tensors.push_back({in * out * count, out * count, in * count});
}

// A bare parameter count has no tensor list: the blocks of its reference shape (a Llama-class
// dense decoder with a gated MLP), two norms per block, embeddings, head and final norm.
void synthesize(TrainingPlanner::Facts& facts, const ModelSpec& model) {
  facts.synthesized = true;
  const std::uint64_t h = model.hidden;
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const LayerSpec& l = model.layers[i];
    const auto layer = static_cast<std::int32_t>(i);
    const std::uint64_t q = std::uint64_t{l.n_head} * l.head_dim_k;
    const std::uint64_t k = std::uint64_t{l.n_kv_head} * l.head_dim_k;
    const std::uint64_t v = std::uint64_t{l.n_kv_head} * l.head_dim_v;
    const std::uint64_t o = std::uint64_t{l.n_head} * l.head_dim_v;
    if (l.attention != AttentionKind::none) {
      add_linear(facts, TensorRole::attn_q, layer, h, q);
      add_linear(facts, TensorRole::attn_k, layer, h, k);
      add_linear(facts, TensorRole::attn_v, layer, h, v);
      add_linear(facts, TensorRole::attn_output, layer, o, h);
    }
    add_linear(facts, TensorRole::ffn_gate, layer, h, l.ffn_dim);
    add_linear(facts, TensorRole::ffn_up, layer, h, l.ffn_dim);
    add_linear(facts, TensorRole::ffn_down, layer, l.ffn_dim, h);
    facts.tensors.push_back({h, 0, 0});
    facts.tensors.push_back({h, 0, 0});
  }
  facts.tensors.push_back({std::uint64_t{model.vocab} * h, model.vocab, h});
  facts.tensors.push_back({h, 0, 0});
  if (!model.tied_embeddings) {
    facts.tensors.push_back({std::uint64_t{model.vocab} * h, model.vocab, h});
  }
}

}  // namespace

TrainingPlanner::Facts model_facts(const ModelSpec& model) {
  TrainingPlanner::Facts facts;
  if (model.tensors.empty()) {
    synthesize(facts, model);
  } else {
    facts.gated_mlp = model.fused_gate_up;
    for (const TensorInfo& t : model.tensors) {
      facts.tensors.push_back(shape_of(t));
      if (t.role == TensorRole::ffn_gate || t.role == TensorRole::ffn_gate_exps ||
          t.role == TensorRole::ffn_gate_shexp) {
        facts.gated_mlp = true;
      }
      if (!linear_role(t.role) || t.shape.size() < 2) {
        continue;
      }
      const std::uint64_t count = t.shape.size() >= 3 ? t.shape[2] : 1;
      facts.linears.push_back({t.role, t.layer, t.shape[0], t.shape[1], count});
    }
  }
  // The output head is an nn.Linear even when it shares the embedding matrix (tied).
  const bool has_head = std::any_of(facts.linears.begin(), facts.linears.end(),
                                    [](const LinearModule& m) { return m.role == TensorRole::output; });
  if (!has_head) {
    facts.linears.push_back({TensorRole::output, -1, model.hidden, model.vocab, 1});
  }
  for (const LinearModule& m : facts.linears) {
    if (m.role != TensorRole::output) {
      facts.largest_linear_elements = std::max(facts.largest_linear_elements, m.in * m.out);
    }
  }
  return facts;
}

const WeightBreakdown& breakdown(const TrainingPlanner::Facts& facts, const ModelSpec& model,
                                 const WeightFormat& format) {
  auto found = facts.breakdowns.find(format.name);
  if (found == facts.breakdowns.end()) {
    found = facts.breakdowns.emplace(format.name, weight_breakdown(model, format)).first;
  }
  return found->second;
}

namespace {

// LoRA target names as PEFT (Hugging Face module names), torchtune and LitGPT spell them.
struct TargetName {
  std::string_view name;
  std::vector<TensorRole> roles;
};

const std::vector<TargetName>& target_names() {
  using R = TensorRole;
  static const std::vector<TargetName> table = {
      {"q_proj", {R::attn_q}},          {"query", {R::attn_q}},
      {"wq", {R::attn_q}},              {"k_proj", {R::attn_k}},
      {"key", {R::attn_k}},             {"wk", {R::attn_k}},
      {"v_proj", {R::attn_v}},          {"value", {R::attn_v}},
      {"wv", {R::attn_v}},              {"qkv_proj", {R::attn_qkv}},
      {"query_key_value", {R::attn_qkv}}, {"c_attn", {R::attn_qkv}},
      {"wqkv", {R::attn_qkv}},          {"o_proj", {R::attn_output}},
      {"output_proj", {R::attn_output}}, {"out_proj", {R::attn_output}},
      {"wo", {R::attn_output}},         {"dense", {R::attn_output}},
      {"proj", {R::attn_output}},       {"projection", {R::attn_output}},
      {"q_a_proj", {R::attn_q_a}},      {"q_b_proj", {R::attn_q_b}},
      {"kv_a_proj_with_mqa", {R::attn_kv_a}}, {"kv_b_proj", {R::attn_kv_b}},
      {"gate_proj", {R::ffn_gate, R::ffn_gate_exps, R::ffn_gate_shexp}},
      {"w1", {R::ffn_gate, R::ffn_gate_exps, R::ffn_gate_shexp}},
      {"up_proj", {R::ffn_up, R::ffn_up_exps, R::ffn_up_shexp}},
      {"w3", {R::ffn_up, R::ffn_up_exps, R::ffn_up_shexp}},
      {"fc1", {R::ffn_up}},             {"dense_h_to_4h", {R::ffn_up}},
      {"c_fc", {R::ffn_up}},
      {"down_proj", {R::ffn_down, R::ffn_down_exps, R::ffn_down_shexp}},
      {"w2", {R::ffn_down, R::ffn_down_exps, R::ffn_down_shexp}},
      {"fc2", {R::ffn_down}},           {"dense_4h_to_h", {R::ffn_down}},
      {"router", {R::ffn_gate_inp}},
      {"lm_head", {R::output}},         {"output", {R::output}},
      {"mlp",
       {R::ffn_gate, R::ffn_up, R::ffn_down, R::ffn_gate_exps, R::ffn_up_exps, R::ffn_down_exps,
        R::ffn_gate_shexp, R::ffn_up_shexp, R::ffn_down_shexp}},
      {"attention",
       {R::attn_q, R::attn_k, R::attn_v, R::attn_qkv, R::attn_output, R::attn_q_a, R::attn_q_b,
        R::attn_kv_a, R::attn_kv_b}},
      {"self_attn",
       {R::attn_q, R::attn_k, R::attn_v, R::attn_qkv, R::attn_output, R::attn_q_a, R::attn_q_b,
        R::attn_kv_a, R::attn_kv_b}},
  };
  return table;
}

// The Hugging Face name of a module role, for messages.
const char* module_name(TensorRole role) {
  switch (role) {
    case TensorRole::attn_q: return "q_proj";
    case TensorRole::attn_k: return "k_proj";
    case TensorRole::attn_v: return "v_proj";
    case TensorRole::attn_qkv: return "qkv_proj";
    case TensorRole::attn_output: return "o_proj";
    case TensorRole::attn_q_a: return "q_a_proj";
    case TensorRole::attn_q_b: return "q_b_proj";
    case TensorRole::attn_kv_a: return "kv_a_proj_with_mqa";
    case TensorRole::attn_kv_b: return "kv_b_proj";
    case TensorRole::ffn_gate:
    case TensorRole::ffn_gate_exps:
    case TensorRole::ffn_gate_shexp: return "gate_proj";
    case TensorRole::ffn_up:
    case TensorRole::ffn_up_exps:
    case TensorRole::ffn_up_shexp: return "up_proj";
    case TensorRole::ffn_down:
    case TensorRole::ffn_down_exps:
    case TensorRole::ffn_down_shexp: return "down_proj";
    case TensorRole::ffn_gate_inp: return "router";
    case TensorRole::output: return "lm_head";
    default: return "?";
  }
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string modules_of(const TrainingPlanner::Facts& facts) {
  std::vector<std::string> names;
  for (const LinearModule& m : facts.linears) {
    const std::string name = module_name(m.role);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  }
  std::string out;
  for (const auto& name : names) {
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

}  // namespace

bool role_in(const std::vector<TensorRole>& roles, TensorRole role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::vector<TensorRole> lora_roles(const TrainingPlanner::Facts& facts,
                                   const std::vector<std::string>& targets) {
  std::vector<TensorRole> roles;
  const auto has = [&](TensorRole role) {
    return std::any_of(facts.linears.begin(), facts.linears.end(),
                       [role](const LinearModule& m) { return m.role == role; });
  };
  for (const std::string& raw : targets) {
    const std::string name = lowercase(raw);
    if (name == "all-linear" || name == "all_linear") {
      // PEFT's all-linear: every nn.Linear except the output head.
      for (const LinearModule& m : facts.linears) {
        if (m.role != TensorRole::output && !role_in(roles, m.role)) {
          roles.push_back(m.role);
        }
      }
      continue;
    }
    const auto& table = target_names();
    const auto entry = std::find_if(table.begin(), table.end(),
                                    [&](const TargetName& t) { return t.name == name; });
    if (entry == table.end()) {
      std::vector<std::string> known = {"all-linear"};
      for (const auto& t : table) {
        known.emplace_back(t.name);
      }
      const auto suggestion = closest_name(name, known);
      throw Error(ErrorKind::input, "unknown LoRA target '" + raw + "'",
                  (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                      "the model's linear modules: " + modules_of(facts) + "; or all-linear");
    }
    bool found = false;
    for (const TensorRole role : entry->roles) {
      if (has(role)) {
        found = true;
        if (!role_in(roles, role)) {
          roles.push_back(role);
        }
      }
    }
    if (!found) {
      throw Error(ErrorKind::input,
                  "LoRA target '" + raw + "' is not a module of this model",
                  "its linear modules: " + modules_of(facts) + "; or --lora-targets all-linear");
    }
  }
  return roles;
}

}  // namespace vramcalc::train_detail
