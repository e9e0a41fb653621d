// Dimensions, biases and norms from a config's keys, across the families' naming schemes:
// Llama-style (hidden_size, num_hidden_layers, ...), GPT-2 (n_embd, n_layer, n_head, n_inner),
// Falcon (n_head_kv / multi_query / new_decoder_architecture), OPT (ffn_dim,
// word_embed_proj_dim).
#include <string>

#include "hf_config/planning.hpp"

namespace vramcalc::hf {

namespace {

std::uint32_t narrow(std::uint64_t value) {
  // Callers pass values already capped at k_max_* (all below 2^32).
  return static_cast<std::uint32_t>(value);
}

// Key aliases of the naming families (transformers attribute_map entries: GPT2Config maps
// hidden_size -> n_embd, num_hidden_layers -> n_layer, num_attention_heads -> n_head,
// max_position_embeddings -> n_positions; FalconConfig accepts n_embed, n_head_kv).
std::uint32_t read_kv_heads(ConfigKeys& keys, const FamilyTraits& traits, std::uint32_t heads) {
  if (traits.model_type == "falcon") {
    // modeling_falcon.py FalconAttention: new_decoder_architecture -> num_kv_heads groups;
    // else multi_query (FalconConfig default true) -> one kv head; else one per head.
    const bool new_arch = keys.optional_bool("new_decoder_architecture").value_or(false);
    if (!new_arch) {
      return keys.optional_bool("multi_query").value_or(true) ? 1 : heads;
    }
  }
  const auto kv = keys.optional_positive({"num_key_value_heads", "num_kv_heads", "n_head_kv"},
                                         k_max_heads);
  return kv ? narrow(*kv) : heads;
}

void plan_biases(ConfigKeys& keys, const FamilyTraits& traits, ArchPlan& plan) {
  switch (traits.bias) {
    case BiasRule::none:
      break;
    case BiasRule::attention_key: {
      // GptOssConfig(attention_bias=True); every other family here defaults to false.
      const bool attention = keys.optional_bool("attention_bias")
                                 .value_or(traits.model_type == "gpt_oss");
      plan.q_bias = plan.k_bias = plan.v_bias = plan.o_bias = attention;
      plan.mlp_bias = keys.optional_bool("mlp_bias").value_or(false);
      break;
    }
    case BiasRule::qkv_only:
      plan.q_bias = plan.k_bias = plan.v_bias = true;
      break;
    case BiasRule::all_linear: {
      // OPTConfig(enable_bias=True); GPTNeoXConfig(attention_bias=True) covers
      // query_key_value and dense, its MLP always has biases; GPT-2's Conv1D always do.
      bool attention = true;
      bool mlp = true;
      if (traits.model_type == "opt") {
        attention = mlp = keys.optional_bool("enable_bias").value_or(true);
      } else if (traits.model_type == "gpt_neox") {
        attention = keys.optional_bool("attention_bias").value_or(true);
      } else if (traits.encoder) {
        attention = mlp = true;  // BertSelfAttention / BertIntermediate: nn.Linear, bias
      } else if (traits.model_type == "starcoder2") {
        attention = mlp = keys.optional_bool("use_bias").value_or(true);  // Starcoder2Config
      }
      plan.q_bias = plan.k_bias = plan.v_bias = plan.o_bias = attention;
      plan.mlp_bias = mlp;
      break;
    }
    case BiasRule::falcon: {
      const bool bias = keys.optional_bool("bias").value_or(false);
      plan.q_bias = plan.k_bias = plan.v_bias = plan.o_bias = plan.mlp_bias = bias;
      break;
    }
  }
}

// FalconDecoderLayer: without parallel_attn, input_layernorm + post_attention_layernorm;
// with it, ln_attn + ln_mlp when num_ln_in_parallel_attn == 2 (the default with
// new_decoder_architecture), else one input_layernorm.
BlockNorms falcon_norms(ConfigKeys& keys) {
  if (!keys.optional_bool("parallel_attn").value_or(true)) {
    return BlockNorms::pre;
  }
  const bool new_arch = keys.optional_bool("new_decoder_architecture").value_or(false);
  const auto count = keys.optional_uint({"num_ln_in_parallel_attn"}, 2);
  const std::uint64_t norms = count.value_or(new_arch ? 2 : 1);
  return norms == 2 ? BlockNorms::parallel_two : BlockNorms::parallel_one;
}

// Encoders: positions and token types are learned embeddings; the head is a pooler
// (BertModel / XLMRobertaModel, add_pooling_layer=True: what sentence-embedding checkpoints
// save) or a sequence-classification head (BertForSequenceClassification: pooler + classifier;
// RobertaForSequenceClassification / XLM-R: classifier.dense + classifier.out_proj, no pooler).
void plan_encoder(ConfigKeys& keys, ArchPlan& plan) {
  plan.position_rows = plan.max_context;
  plan.token_type_rows = keys.optional_uint({"type_vocab_size"}, k_max_vocab).value_or(2);
  plan.final_norm = false;  // the LayerNorm sits on the embeddings instead
  plan.tied = true;         // no LM head
  const std::string architecture =
      keys.optional_string_list("architectures").value_or(std::vector<std::string>{}).empty()
          ? std::string()
          : keys.optional_string_list("architectures")->front();
  const bool classifier = architecture.find("ForSequenceClassification") != std::string::npos;
  const bool roberta = plan.family != "bert";
  if (classifier) {
    std::uint64_t labels = 2;  // PretrainedConfig(num_labels=2) unless id2label says
    if (const auto* id2label = keys.find_with_outer("id2label");
        id2label != nullptr && id2label->is_object() && !id2label->empty()) {
      labels = id2label->size();
    }
    plan.classifier_labels = narrow(labels);
    plan.classifier_dense = roberta;
    plan.pooler = roberta ? 0 : 1;
  } else {
    plan.pooler = 1;
  }
  if (roberta && plan.max_context > 2) {
    // RoBERTa positions start after padding_idx (1): two of the rows are never a position.
    plan.max_context -= 2;
  }
}

void plan_embeddings(ConfigKeys& keys, const FamilyTraits& traits, ArchPlan& plan) {
  plan.embed_dim = plan.hidden;
  if (traits.encoder) {
    plan_encoder(keys, plan);
    return;
  }
  if (traits.model_type == "gpt2") {
    // GPT2Model.wpe = nn.Embedding(n_positions, n_embd).
    plan.position_rows = keys.optional_positive({"n_positions"}, k_max_positions).value_or(1024);
  } else if (traits.model_type == "opt") {
    // OPTLearnedPositionalEmbedding: max_position_embeddings + 2 rows ("OPT is set up so
    // that if padding_idx is specified then offset the embedding ids by 2").
    constexpr std::uint64_t k_opt_position_offset = 2;
    plan.position_rows = plan.max_context + k_opt_position_offset;
    plan.embed_dim = narrow(
        keys.optional_positive({"word_embed_proj_dim"}, k_max_width).value_or(plan.hidden));
    // OPTDecoder.final_layer_norm exists only with do_layer_norm_before and without
    // _remove_final_layer_norm (OPT-350M has neither).
    plan.final_norm = keys.optional_bool("do_layer_norm_before").value_or(true) &&
                      !keys.optional_bool("_remove_final_layer_norm").value_or(false);
  }
}

std::uint32_t read_head_dim(ConfigKeys& keys, const FamilyTraits& traits, const ArchPlan& plan) {
  // GPT-2, GPT-NeoX, Falcon and OPT derive head size from hidden / heads and have no key.
  if (!traits.head_dim_from_hidden) {
    if (const auto explicit_dim = keys.optional_positive({"head_dim"}, k_max_width)) {
      return narrow(*explicit_dim);
    }
  }
  if (plan.hidden % plan.heads != 0) {
    keys.fail_config("hidden size " + std::to_string(plan.hidden) + " is not divisible by " +
                     std::to_string(plan.heads) +
                     " attention heads, and no head_dim says how wide a head is");
  }
  return plan.hidden / plan.heads;
}

}  // namespace

ArchPlan plan_architecture(ConfigKeys& keys, const FamilyTraits& traits,
                           std::vector<std::string>& notes) {
  ArchPlan plan;
  plan.traits = &traits;
  plan.family = std::string(traits.model_type);
  plan.hidden = narrow(keys.required_positive({"hidden_size", "n_embd", "n_embed", "d_model"},
                                              k_max_width));
  // MPT: n_layers, n_heads, max_seq_len.
  const auto layers = keys.required_positive(
      {"num_hidden_layers", "n_layer", "num_layers", "n_layers"}, k_max_layers);
  plan.heads = narrow(
      keys.required_positive({"num_attention_heads", "n_head", "n_heads"}, k_max_heads));
  plan.vocab = narrow(keys.required_positive({"vocab_size"}, k_max_vocab));
  plan.kv_heads = read_kv_heads(keys, traits, plan.heads);
  if (plan.kv_heads > plan.heads || plan.heads % plan.kv_heads != 0) {
    keys.fail("num_key_value_heads", "is " + std::to_string(plan.kv_heads) +
                                         ", which does not divide num_attention_heads " +
                                         std::to_string(plan.heads) +
                                         " (each kv head serves an equal group of query heads)");
  }
  if (!traits.mla) {
    plan.head_dim = read_head_dim(keys, traits, plan);
  }
  plan.max_context = keys.optional_uint({"max_position_embeddings", "n_positions",
                                         "max_sequence_length", "seq_length", "n_ctx",
                                         "max_seq_len"},
                                        k_max_positions)
                         .value_or(0);

  // Wrappers keep tie_word_embeddings at the top level (Llama4Config); a text_config's own
  // key wins (Gemma3TextConfig).
  if (const auto* tie = keys.find_with_outer("tie_word_embeddings")) {
    if (!tie->is_boolean()) {
      keys.fail("tie_word_embeddings", "must be true or false, not " + describe_json(*tie));
    }
    plan.tied = tie->get<bool>();
  } else {
    plan.tied = traits.tie_default;
    notes.push_back(std::string("tie_word_embeddings not in the config: ") +
                    (plan.tied ? "true" : "false") + " (the " +
                    std::string(traits.config_class) + " default)");
  }

  plan.norms = traits.model_type == "falcon" ? falcon_norms(keys) : traits.norms;
  plan_biases(keys, traits, plan);
  plan.qk_norm = traits.qk_norm;
  // CohereConfig(use_qk_norm=False): Command R+ sets it, adding LayerNorm((heads, head_dim)).
  plan.qk_norm_per_head = traits.model_type == "cohere" &&
                          keys.optional_bool("use_qk_norm").value_or(false);
  plan.attn_sinks = traits.model_type == "gpt_oss";
  plan_embeddings(keys, traits, plan);

  plan.layers.resize(layers);
  return plan;
}

}  // namespace vramcalc::hf
