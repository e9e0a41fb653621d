#include "vramcalc/params_model.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

// Shapes of real dense decoders, from the Hugging Face config.json named on each row
// (hidden_size, num_hidden_layers, num_attention_heads, num_key_value_heads, head_dim,
// intermediate_size, vocab_size, tie_word_embeddings); data/models.json holds the same
// configs with their sources. Parameter counts: Llama-3.1-8B's 8,030,261,248 is the released
// checkpoint's (tests/data/configs/README.md); every count equals PyTorch's count of the
// config (tests/data/transformers/param_counts.json).
const std::vector<ReferenceShape> k_reference_shapes = {
    {"Qwen2.5-0.5B", 494'032'768, 24, 896, 14, 2, 64, 4864, 151936, true,
     "Qwen/Qwen2.5-0.5B config.json"},
    {"Llama-3.2-1B", 1'235'814'400, 16, 2048, 32, 8, 64, 8192, 128256, true,
     "meta-llama/Llama-3.2-1B config.json"},
    {"Llama-3.2-3B", 3'212'749'824, 28, 3072, 24, 8, 128, 8192, 128256, true,
     "meta-llama/Llama-3.2-3B config.json"},
    {"Llama-3.1-8B", 8'030'261'248, 32, 4096, 32, 8, 128, 14336, 128256, false,
     "meta-llama/Llama-3.1-8B config.json"},
    {"Qwen2.5-14B", 14'770'033'664, 48, 5120, 40, 8, 128, 13824, 152064, false,
     "Qwen/Qwen2.5-14B config.json"},
    {"Qwen2.5-32B", 32'763'876'352, 64, 5120, 40, 8, 128, 27648, 152064, false,
     "Qwen/Qwen2.5-32B config.json"},
    {"Llama-3.1-70B", 70'553'706'496, 80, 8192, 64, 8, 128, 28672, 128256, false,
     "meta-llama/Llama-3.1-70B config.json"},
    {"Llama-3.1-405B", 405'853'388'800, 126, 16384, 128, 8, 128, 53248, 128256, false,
     "meta-llama/Llama-3.1-405B config.json"},
};

// Caps on user-given dimensions: far above any released model, low enough that products of
// dimensions stay inside 64 bits.
constexpr std::uint32_t k_max_layers = 10'000;
constexpr std::uint32_t k_max_dimension = 1'000'000;
constexpr std::uint32_t k_max_vocab = 100'000'000;

void check_range(const char* flag, std::uint32_t value, std::uint32_t max) {
  if (value == 0 || value > max) {
    throw Error(ErrorKind::input,
                std::string(flag) + " " + std::to_string(value) + " is out of range",
                std::string("use 1 to ") + std::to_string(max));
  }
}

std::string count_label(std::uint64_t params) {
  // 7000000000 -> "7B"; 1500000000 -> "1.5B"; keeps three significant decimals.
  const char* suffix = "";
  double value = static_cast<double>(params);
  if (params >= k_tb) {
    value /= 1e12;
    suffix = "T";
  } else if (params >= k_gb) {
    value /= 1e9;
    suffix = "B";
  } else if (params >= k_mb) {
    value /= 1e6;
    suffix = "M";
  } else if (params >= k_kb) {
    value /= 1e3;
    suffix = "K";
  }
  std::string digits = std::to_string(std::round(value * 1000.0) / 1000.0);
  digits.erase(digits.find_last_not_of('0') + 1);
  if (!digits.empty() && digits.back() == '.') {
    digits.pop_back();
  }
  return digits + suffix;
}

}  // namespace

const std::vector<ReferenceShape>& reference_shapes() {
  return k_reference_shapes;
}

const ReferenceShape& nearest_reference_shape(std::uint64_t params) {
  const ReferenceShape* best = &k_reference_shapes.front();
  double best_distance = std::numeric_limits<double>::infinity();
  const double wanted = std::log(static_cast<double>(std::max<std::uint64_t>(params, 1)));
  for (const auto& shape : k_reference_shapes) {
    const double distance = std::fabs(std::log(static_cast<double>(shape.params)) - wanted);
    if (distance < best_distance) {
      best_distance = distance;
      best = &shape;
    }
  }
  return *best;
}

ModelSpec model_from_params(std::uint64_t params, const ShapeOverrides& overrides) {
  if (params == 0 || params > k_max_params) {
    throw Error(ErrorKind::input, "parameter count " + std::to_string(params) + " is out of range",
                "use 1 to 10^15 parameters, e.g. --params 7B");
  }
  const ReferenceShape& ref = nearest_reference_shape(params);

  const std::uint32_t layers = overrides.layers.value_or(ref.layers);
  const std::uint32_t hidden = overrides.hidden.value_or(ref.hidden);
  const std::uint32_t heads = overrides.heads.value_or(ref.heads);
  const std::uint32_t vocab = overrides.vocab.value_or(ref.vocab);
  check_range("--layers", layers, k_max_layers);
  check_range("--hidden", hidden, k_max_dimension);
  check_range("--heads", heads, k_max_dimension);
  check_range("--vocab", vocab, k_max_vocab);

  // kv-heads: the reference's when it still divides the heads, else the user must say.
  const std::uint32_t kv_heads = overrides.kv_heads.value_or(ref.kv_heads);
  check_range("--kv-heads", kv_heads, k_max_dimension);
  if (heads % kv_heads != 0) {
    throw Error(ErrorKind::input,
                std::to_string(heads) + " attention heads are not divisible by " +
                    std::to_string(kv_heads) + " kv-heads",
                "choose --kv-heads that divides --heads (GQA groups must be equal), e.g. --kv-heads " +
                    std::to_string(heads % 8 == 0 ? 8 : 1));
  }

  // head_dim: given, or hidden / heads once either is changed, else the reference's.
  std::uint32_t head_dim = ref.head_dim;
  if (overrides.head_dim) {
    head_dim = *overrides.head_dim;
    check_range("--head-dim", head_dim, k_max_dimension);
  } else if (overrides.hidden || overrides.heads) {
    if (hidden % heads != 0) {
      throw Error(ErrorKind::input,
                  "hidden size " + std::to_string(hidden) + " is not divisible by " +
                      std::to_string(heads) + " heads",
                  "give --head-dim explicitly, or choose --heads that divides --hidden");
    }
    head_dim = hidden / heads;
  }
  // The MLP keeps the reference's width-to-hidden ratio.
  const auto ffn_dim = static_cast<std::uint32_t>(
      mul_div_ceil(ref.intermediate, hidden, ref.hidden, "MLP width"));

  ModelSpec model;
  model.name = count_label(params) + " parameters";
  model.architecture = "dense decoder (assumed)";
  model.source = ModelSource::params;
  model.source_detail = std::string(ref.model);
  model.total_params = params;
  model.active_params = params;
  model.hidden = hidden;
  model.vocab = vocab;
  model.tied_embeddings = ref.tied_embeddings;
  model.shape.assumed = true;
  model.shape.reference_model = std::string(ref.model);
  const auto note = [&](const char* name, bool set) {
    if (set) {
      model.shape.overridden.emplace_back(name);
    }
  };
  note("layers", overrides.layers.has_value());
  note("hidden", overrides.hidden.has_value());
  note("heads", overrides.heads.has_value());
  note("kv_heads", overrides.kv_heads.has_value());
  note("head_dim", overrides.head_dim.has_value());
  note("vocab", overrides.vocab.has_value());

  // Split the count: embeddings (vocab x hidden), head (vocab x hidden + final norm, or only
  // the norm when tied), the rest evenly over the layers. A bare count says nothing more, so
  // when the shape's embeddings would take over half the count they are scaled to half.
  std::uint64_t embedding = static_cast<std::uint64_t>(vocab) * hidden;
  std::uint64_t head = (ref.tied_embeddings ? 0 : embedding) + hidden;
  const std::uint64_t non_layer = embedding + head;
  if (non_layer > params / 2) {
    embedding = static_cast<std::uint64_t>(
        static_cast<long double>(embedding) * static_cast<long double>(params / 2) /
        static_cast<long double>(non_layer));
    head = static_cast<std::uint64_t>(static_cast<long double>(head) *
                                      static_cast<long double>(params / 2) /
                                      static_cast<long double>(non_layer));
  }
  model.embedding_params = embedding;
  model.head_params = head;
  const std::uint64_t layer_total = params - embedding - head;

  model.layers.resize(layers);
  for (std::uint32_t i = 0; i < layers; ++i) {
    LayerSpec& layer = model.layers[i];
    layer.attention = AttentionKind::full;
    layer.n_head = heads;
    layer.n_kv_head = kv_heads;
    layer.head_dim_k = head_dim;
    layer.head_dim_v = head_dim;
    layer.ffn_dim = ffn_dim;
    layer.params = layer_total / layers + (i < layer_total % layers ? 1 : 0);
  }
  return model;
}

}  // namespace vramcalc
