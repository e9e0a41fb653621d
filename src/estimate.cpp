#include "vramcalc/estimate.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engines/profiles.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/ggml_types.hpp"
#include "vramcalc/llama_quant.hpp"
#include "vramcalc/quantization.hpp"

namespace vramcalc {

namespace {

std::uint64_t tokens_in_cache(const LayerSpec& layer, const Workload& workload) {
  const std::uint64_t per_sequence = layer.attention == AttentionKind::sliding_window
                                         ? std::min<std::uint64_t>(workload.context,
                                                                   layer.sliding_window)
                                         : workload.context;
  return checked_mul(per_sequence, workload.batch, "KV cache tokens");
}

// Splits `total_params` worth of bytes over pieces so that the pieces add up to exactly
// uniform_weight_bytes(total): each piece is the difference of rounded-up prefix sums.
class UniformSplitter {
 public:
  explicit UniformSplitter(const WeightFormat& format) : m_format(format) {}
  std::uint64_t take(std::uint64_t params) {
    m_params = checked_add(m_params, params, "parameter count");
    const std::uint64_t upto = uniform_weight_bytes(m_format, m_params);
    const std::uint64_t piece = upto - m_bytes;
    m_bytes = upto;
    return piece;
  }
  [[nodiscard]] std::uint64_t bytes_so_far() const { return m_bytes; }

 private:
  const WeightFormat& m_format;
  std::uint64_t m_params = 0;
  std::uint64_t m_bytes = 0;
};

}  // namespace

Component make_component(std::uint64_t bytes, Provenance provenance, std::string basis,
                         unsigned low_percent, unsigned high_percent) {
  Component c;
  c.bytes = bytes;
  c.provenance = provenance;
  c.basis = std::move(basis);
  c.low_bytes = bytes - std::min(bytes, mul_div_ceil(bytes, low_percent, 100, "memory band"));
  c.high_bytes = checked_add(bytes, mul_div_ceil(bytes, high_percent, 100, "memory band"),
                             "memory band");
  return c;
}

std::vector<std::uint64_t> tensor_bytes_of(const ModelSpec& model, const WeightFormat& format) {
  std::vector<std::uint32_t> ggml_types_chosen;
  if (format.scheme == WeightScheme::ggml_mix) {
    const auto type_of = [](std::int32_t id) {
      return id >= 0 ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(id)) : std::nullopt;
    };
    const QuantizeChoices choices{type_of(format.pure_ggml_type), type_of(format.output_ggml_type),
                                  type_of(format.embedding_ggml_type)};
    for (const auto& t : llama_file_types()) {
      if (t.id == format.llama_ftype) {
        ggml_types_chosen = llama_quantize_types(model, t, choices);
      }
    }
  }
  std::vector<std::uint64_t> bytes(model.tensors.size(), 0);
  for (std::size_t index = 0; index < model.tensors.size(); ++index) {
    const TensorInfo& tensor = model.tensors[index];
    bytes[index] = ggml_types_chosen.empty()
                       ? tensor_weight_bytes(format, tensor)
                       : tensor_bytes(*ggml_type_by_id(ggml_types_chosen[index]), tensor.shape);
  }
  return bytes;
}

WeightBreakdown weight_breakdown(const ModelSpec& model, const WeightFormat& format) {
  WeightBreakdown parts;
  parts.layer_bytes.assign(model.layers.size(), 0);
  if (model.tensors.empty() && format.scheme == WeightScheme::linear_quant) {
    // No tensor list (a bare count): the layers are linear weights at the format's bits per
    // weight for hidden-wide inputs; embeddings and head stay in 16 bits.
    const double layer_bits = linear_bits_per_weight(format, model.hidden);
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
      parts.layer_bytes[i] = static_cast<std::uint64_t>(
          std::ceil(static_cast<double>(model.layers[i].params) * layer_bits / 8.0));
      parts.total_bytes = checked_add(parts.total_bytes, parts.layer_bytes[i], "weight bytes");
    }
    parts.embedding_bytes = checked_mul(model.embedding_params, 2, "weight bytes");
    parts.head_bytes = format.head_milli_bits != 0
                           ? mul_div_ceil(model.head_params, format.head_milli_bits, 8000,
                                          "weight bytes")
                           : checked_mul(model.head_params, 2, "weight bytes");
    parts.total_bytes = checked_add(
        parts.total_bytes, checked_add(parts.embedding_bytes, parts.head_bytes, "weight bytes"),
        "weight bytes");
    return parts;
  }
  if (model.tensors.empty() && format.scheme == WeightScheme::ggml_mix) {
    // No tensor list: the layers at the file type's base type, embeddings too, the head at
    // Q6_K as k-quant mixes give it (a heuristic; a config or file gives the exact mix).
    const LlamaFileType* ftype = nullptr;
    for (const auto& t : llama_file_types()) {
      if (t.id == format.llama_ftype) {
        ftype = &t;
      }
    }
    const GgmlType* base = ggml_type_by_id(format.pure_ggml_type >= 0
                                               ? static_cast<std::uint32_t>(format.pure_ggml_type)
                                               : (ftype != nullptr ? ftype->default_type : 1));
    const double bits = base == nullptr ? 16.0 : ggml_bits_per_element(*base);
    const auto at = [](std::uint64_t params, double b) {
      return static_cast<std::uint64_t>(std::ceil(static_cast<double>(params) * b / 8.0));
    };
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
      parts.layer_bytes[i] = at(model.layers[i].params, bits);
      parts.total_bytes += parts.layer_bytes[i];
    }
    const auto override_bits = [](std::int32_t id, double otherwise) {
      const GgmlType* type = id >= 0 ? ggml_type_by_id(static_cast<std::uint32_t>(id)) : nullptr;
      return type == nullptr ? otherwise : ggml_bits_per_element(*type);
    };
    parts.embedding_bytes = at(model.embedding_params, override_bits(format.embedding_ggml_type, bits));
    parts.head_bytes =
        at(model.head_params, override_bits(format.output_ggml_type, std::max(bits, 6.5625)));
    parts.total_bytes += parts.embedding_bytes + parts.head_bytes;
    return parts;
  }
  if (model.tensors.empty()) {
    UniformSplitter splitter(format);
    parts.embedding_bytes = splitter.take(model.embedding_params);
    parts.head_bytes = splitter.take(model.head_params);
    for (std::size_t i = 0; i < model.layers.size(); ++i) {
      parts.layer_bytes[i] = splitter.take(model.layers[i].params);
    }
    parts.total_bytes = uniform_weight_bytes(format, model.total_params);
    // Parameters outside the listed parts (none for a bare count) are charged to the head.
    parts.head_bytes += parts.total_bytes - std::min(parts.total_bytes, splitter.bytes_so_far());
    return parts;
  }
  const std::vector<std::uint64_t> bytes_of = tensor_bytes_of(model, format);
  for (std::size_t index = 0; index < model.tensors.size(); ++index) {
    const TensorInfo& tensor = model.tensors[index];
    const std::uint64_t bytes = bytes_of[index];
    if (tensor.layer >= 0 && static_cast<std::size_t>(tensor.layer) < parts.layer_bytes.size()) {
      auto& slot = parts.layer_bytes[static_cast<std::size_t>(tensor.layer)];
      slot = checked_add(slot, bytes, "weight bytes");
    } else if (tensor.role == TensorRole::token_embd || tensor.role == TensorRole::pos_embd) {
      parts.embedding_bytes = checked_add(parts.embedding_bytes, bytes, "weight bytes");
    } else {
      parts.head_bytes = checked_add(parts.head_bytes, bytes, "weight bytes");
    }
    parts.total_bytes = checked_add(parts.total_bytes, bytes, "weight bytes");
  }
  return parts;
}

std::uint64_t layer_kv_bytes(const LayerSpec& layer, const Workload& workload) {
  switch (layer.attention) {
    case AttentionKind::none:
      return checked_mul(layer.recurrent_state_bytes, workload.batch, "recurrent state bytes");
    case AttentionKind::latent:
      // One latent (kv_lora_rank + rope dims) per token, stored as the key.
      return checked_mul(tokens_in_cache(layer, workload),
                         kv_row_bytes(workload.kv_key, layer.latent_dim), "latent cache bytes");
    case AttentionKind::full:
    case AttentionKind::sliding_window:
      break;
  }
  const std::uint64_t key_row =
      kv_row_bytes(workload.kv_key, static_cast<std::uint64_t>(layer.n_kv_head) * layer.head_dim_k);
  const std::uint64_t value_row = kv_row_bytes(
      workload.kv_value, static_cast<std::uint64_t>(layer.n_kv_head) * layer.head_dim_v);
  return checked_mul(tokens_in_cache(layer, workload), key_row + value_row, "KV cache bytes");
}

double bits_per_weight(const MemoryEstimate& estimate, const ModelSpec& model) {
  if (model.total_params == 0) {
    return 0;
  }
  return static_cast<double>(estimate.weights.bytes) * 8.0 /
         static_cast<double>(model.total_params);
}

MemoryEstimate estimate(const ModelSpec& model, const WeightFormat& format,
                        const Workload& workload, const EstimateOptions& options) {
  const engines::EngineInput input{model, format, workload, options};
  MemoryEstimate result;
  switch (options.engine.kind) {
    case EngineKind::generic: result = engines::estimate_generic(input); break;
    case EngineKind::llama_cpp: result = engines::estimate_llama_cpp(input); break;
    case EngineKind::ollama: result = engines::estimate_ollama(input); break;
    case EngineKind::vllm: result = engines::estimate_vllm(input); break;
    case EngineKind::sglang: result = engines::estimate_sglang(input); break;
    case EngineKind::transformers: result = engines::estimate_transformers(input); break;
  }
  result.engine.kind = options.engine.kind;
  result.engine.version = std::string(engine_version(options.engine.kind));
  return result;
}

namespace engines {

void fill_weights(MemoryEstimate& result, const EngineInput& input) {
  const ModelSpec& model = input.model;
  // The caller's breakdown when it has one of this model's shape (a planner shares one between
  // its plans), else worked out here.
  const WeightBreakdown* given = input.options.weights;
  const bool usable = given != nullptr && given->layer_bytes.size() == model.layers.size();
  const WeightBreakdown worked_out =
      usable ? WeightBreakdown{} : weight_breakdown(model, input.format);
  const WeightBreakdown& parts = usable ? *given : worked_out;
  result.embedding_weight_bytes = parts.embedding_bytes;
  result.head_weight_bytes = parts.head_bytes;
  result.layers.resize(model.layers.size());
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    result.layers[i].weight_bytes = parts.layer_bytes[i];
  }
  // How the bytes were obtained, and the band around them (percent below, above).
  const WeightFormat& f = input.format;
  const bool listed = !model.tensors.empty();
  Provenance provenance = Provenance::derived;
  unsigned band = 0;
  if (f.scheme == WeightScheme::as_stored) {
    provenance = Provenance::exact;
  } else if (f.scheme == WeightScheme::ggml_mix && f.approximate) {
    provenance = Provenance::heuristic;
    band = 10;
  } else if (f.scheme == WeightScheme::ggml_mix) {
    provenance = listed ? Provenance::derived : Provenance::heuristic;
    band = listed ? 1 : 10;
  } else if (f.scheme == WeightScheme::linear_quant) {
    band = listed ? 1 : 5;
  }
  const auto basis = [&]() -> std::string {
    if (!input.options.write_basis) {
      return {};
    }
    if (f.scheme == WeightScheme::as_stored) {
      return fmt::format("sum of {} tensor sizes in the file ({})", model.tensors.size(),
                         model.stored_format);
    }
    if (f.scheme == WeightScheme::ggml_mix && f.approximate) {
      return fmt::format("{}: {} (unsloth's per-layer choices are not published)", f.name,
                         f.description);
    }
    if (f.scheme == WeightScheme::ggml_mix) {
      return listed ? fmt::format("{}: per-tensor ggml types as llama-quantize chooses them",
                                  f.name)
                    : fmt::format("{}: base type for layers and embeddings, Q6_K head (no "
                                  "tensor list)",
                                  f.name);
    }
    if (f.scheme == WeightScheme::linear_quant) {
      return fmt::format("{}: linear layers {}-bit with scales, the rest 16-bit{}", f.name,
                         f.milli_bits != 0 ? fmt::format("{:.3g}", f.milli_bits / 1000.0)
                                           : std::to_string(f.bits),
                         listed ? "" : " (layer/embedding split of a bare count)");
    }
    return fmt::format("{} parameters x {} bits ({})", model.total_params, f.bits, f.name);
  };
  result.weights = make_component(parts.total_bytes, provenance, basis(), band, band);
}

void finish_totals(MemoryEstimate& result) {
  const Component* parts[] = {&result.weights, &result.kv_cache, &result.activations,
                              &result.overhead};
  result.total_bytes = 0;
  result.total_low_bytes = 0;
  result.total_high_bytes = 0;
  for (const Component* part : parts) {
    result.total_bytes = checked_add(result.total_bytes, part->bytes, "total bytes");
    result.total_low_bytes = checked_add(result.total_low_bytes, part->low_bytes, "total bytes");
    result.total_high_bytes =
        checked_add(result.total_high_bytes, part->high_bytes, "total bytes");
  }
  const std::uint64_t host = result.host_weight_bytes;
  result.total_bytes -= std::min(result.total_bytes, host);
  result.total_low_bytes -= std::min(result.total_low_bytes, host);
  result.total_high_bytes -= std::min(result.total_high_bytes, host);
}

void add_setting(MemoryEstimate& result, std::string name, std::uint64_t value) {
  result.engine.settings.push_back({std::move(name), std::to_string(value), true});
}

void add_setting(MemoryEstimate& result, std::string name, double value) {
  result.engine.settings.push_back({std::move(name), fmt::format("{}", value), true});
}

void add_setting(MemoryEstimate& result, std::string name, std::string value) {
  result.engine.settings.push_back({std::move(name), std::move(value), false});
}

}  // namespace engines

}  // namespace vramcalc
