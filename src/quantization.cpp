#include "vramcalc/quantization.hpp"

#include "vramcalc/bytes.hpp"

namespace vramcalc {

namespace {

// Checkpoints keep unquantized tensors in 16 bits (bf16/fp16).
constexpr std::uint64_t k_unquantized_bits = 16;
constexpr std::uint64_t k_index_bits = 32;       // GPTQ g_idx: int32 per input row
constexpr std::uint64_t k_second_level_bits = 32;  // double quantization: one fp32 per block

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
      return true;
    default:
      return false;
  }
}

}  // namespace

bool quantizes(const WeightFormat& format, TensorRole role) {
  if (format.scheme == WeightScheme::ggml_mix) {
    return linear_role(role) || role == TensorRole::token_embd || role == TensorRole::output;
  }
  if (format.scheme != WeightScheme::linear_quant) {
    return format.scheme == WeightScheme::uniform_bits;
  }
  if (format.head_milli_bits != 0 && role == TensorRole::output) {
    return true;
  }
  return format.experts_only ? is_routed_expert(role) : linear_role(role);
}

std::uint64_t tensor_weight_bytes(const WeightFormat& format, const TensorInfo& tensor) {
  switch (format.scheme) {
    case WeightScheme::as_stored:
      return tensor.stored_bytes;
    case WeightScheme::uniform_bits:
      return uniform_weight_bytes(format, tensor.elements);
    case WeightScheme::linear_quant:
      break;
    case WeightScheme::ggml_mix:
      // Needs the whole model (llama_quantize_types); costed by weight_breakdown.
      return uniform_weight_bytes(WeightFormat{"", "", WeightScheme::uniform_bits, format.bits},
                                  tensor.elements);
  }
  if (!quantizes(format, tensor.role) || tensor.shape.size() < 2 || tensor.elements == 0) {
    return mul_div_ceil(tensor.elements, k_unquantized_bits, 8, "weight bytes");
  }
  if (tensor.role == TensorRole::output && format.head_milli_bits != 0) {
    // EXL2/EXL3 -hb: the head at its own bits per weight, scales included.
    return mul_div_ceil(tensor.elements, format.head_milli_bits, 8000, "weight bytes");
  }
  const std::uint64_t in = tensor.shape[0];
  const std::uint64_t rows = tensor.elements / in;  // output rows (x experts)
  std::uint64_t bits = format.milli_bits != 0
                           ? mul_div_ceil(tensor.elements, format.milli_bits, 1000, "weight bits")
                           : checked_mul(tensor.elements, format.bits, "weight bits");
  const std::uint64_t groups =
      format.group_size == 0 ? 1 : checked_mul(div_ceil(in, format.group_size), rows, "quantization groups");
  bits = checked_add(bits, checked_mul(groups, format.scale_bits + format.zero_bits, "quantization scale bits"),
                     "weight bits");
  if (format.scales_per_second_level != 0) {
    bits = checked_add(bits, div_ceil(groups, format.scales_per_second_level) * k_second_level_bits,
                       "weight bits");
  }
  bits = checked_add(bits, checked_mul(rows, format.row_scale_bits, "row scale bits"), "weight bits");
  if (format.input_index) {
    bits = checked_add(bits, in * k_index_bits, "weight bits");
  }
  return div_ceil(bits, 8);
}

double linear_bits_per_weight(const WeightFormat& format, std::uint64_t in_features) {
  if (format.scheme == WeightScheme::uniform_bits) {
    return format.bits;
  }
  if (format.scheme != WeightScheme::linear_quant || in_features == 0) {
    return k_unquantized_bits;
  }
  // A square-ish layer in_features wide and in_features tall.
  TensorInfo layer;
  layer.role = TensorRole::ffn_up;
  layer.shape = {in_features, in_features};
  layer.elements = in_features * in_features;
  return static_cast<double>(tensor_weight_bytes(format, layer)) * 8.0 /
         static_cast<double>(layer.elements);
}

std::optional<WeightFormat> weight_format_for(const QuantizationConfig& config) {
  const std::string method = config.method;
  const auto named = [](const char* name) { return *find_weight_format(name); };
  if (method == "gptq" || method == "awq") {
    const std::uint32_t bits = config.bits.value_or(4);
    // group_size -1 (stored as 0) means one group per column: the whole input dimension.
    const std::uint32_t group = config.group_size.value_or(128);
    WeightFormat f = named(method == "gptq" ? "gptq-int4-g128" : "awq-int4");
    f.bits = bits;
    f.zero_bits = bits;
    f.group_size = group == 0 ? 0x4000'0000U : group;
    f.name = method + "-int" + std::to_string(bits) +
             (group == 0 ? std::string("-per-channel") : "-g" + std::to_string(group));
    return f;
  }
  if (method == "bitsandbytes" || method == "bnb") {
    if (config.bits.value_or(4) == 8) {
      return named("bnb-int8");
    }
    const bool fp4 = config.format == "fp4";
    return named(fp4 ? (config.double_quant ? "fp4-dq" : "fp4")
                     : (config.double_quant ? "nf4-dq" : "nf4"));
  }
  if (method == "fp8" || method == "fbgemm_fp8" ||
      (method == "compressed-tensors" && config.bits.value_or(0) == 8)) {
    return named(config.weight_block_size.empty() ? "fp8-e4m3" : "fp8-block");
  }
  if (method == "mxfp4") {
    // gpt-oss quantizes its routed experts only; attention, router and embeddings stay bf16.
    WeightFormat f = named("mxfp4");
    f.name = "mxfp4-experts";
    f.experts_only = true;
    return f;
  }
  if (config.format == "nvfp4" || method == "modelopt" || method == "nvfp4") {
    return named("nvfp4");
  }
  return std::nullopt;
}

}  // namespace vramcalc
