#include "vramcalc/dtype.hpp"

#include <array>

#include <cmath>

#include "text.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/ggml_types.hpp"
#include "vramcalc/llama_quant.hpp"

namespace vramcalc {

namespace {

struct WeightFormatEntry {
  WeightFormat format;
  std::vector<std::string> aliases;
};

WeightFormat linear(const char* name, const char* description, std::uint32_t bits,
                    std::uint32_t group, std::uint32_t scale_bits, std::uint32_t zero_bits,
                    std::uint32_t second_level, std::uint32_t row_scale_bits) {
  WeightFormat f;
  f.name = name;
  f.description = description;
  f.scheme = WeightScheme::linear_quant;
  f.bits = bits;
  f.group_size = group;
  f.scale_bits = scale_bits;
  f.zero_bits = zero_bits;
  f.scales_per_second_level = second_level;
  f.row_scale_bits = row_scale_bits;
  return f;
}

WeightFormat gptq(const char* name, const char* description, std::uint32_t bits,
                  std::uint32_t group) {
  WeightFormat f = linear(name, description, bits, group, 16, bits, 0, 0);
  f.input_index = true;
  return f;
}

// Idealised precisions of the foundation: every weight costs `bits`, as in the
// "parameters x bytes per parameter" rule (4, 2, 2, 1, 1, 0.5 bytes). Real storage formats
// with scales and per-tensor rules (q4_k_m, nf4, gptq, ...) are separate schemes.
std::vector<WeightFormatEntry> ggml_formats();

const std::vector<WeightFormatEntry>& weight_format_table() {
  static const std::vector<WeightFormatEntry> table = [] {
  std::vector<WeightFormatEntry> entries = {
      {{"fp32", "32-bit float, 4 bytes per weight", WeightScheme::uniform_bits, 32},
       {"float32", "f32", "float"}},
      {{"fp16", "16-bit float, 2 bytes per weight", WeightScheme::uniform_bits, 16},
       {"float16", "f16", "half"}},
      {{"bf16", "bfloat16, 2 bytes per weight", WeightScheme::uniform_bits, 16},
       {"bfloat16"}},
      {{"fp8", "8-bit float (e4m3/e5m2), 1 byte per weight, scales not counted",
        WeightScheme::uniform_bits, 8},
       {"float8", "f8", "e4m3", "e5m2", "float8_e4m3fn", "float8_e5m2"}},
      {{"int8", "8-bit integer, 1 byte per weight, scales not counted", WeightScheme::uniform_bits,
        8},
       {"i8", "8bit", "8-bit"}},
      {{"int4", "4-bit integer, 0.5 bytes per weight, scales not counted",
        WeightScheme::uniform_bits, 4},
       {"i4", "4bit", "4-bit"}},
      // Real storage formats: the linear layers' packed weights plus the scales, zeros and
      // indexes their checkpoints hold; embeddings, head, norms, routers and biases stay in 16
      // bits. Layouts: shared/reference/formats.md section 5.
      // bitsandbytes LLM.int8: int8 weights + one fp32 absmax (SCB) per output row.
      {linear("bnb-int8", "bitsandbytes int8 (LLM.int8): int8 + fp32 scale per row", 8, 0, 0, 0,
              0, 32),
       {"llm.int8", "bitsandbytes-int8", "int8-bnb", "bnb8"}},
      // bitsandbytes 4-bit: blocks of 64 with an fp32 absmax each (4 + 32/64 = 4.5 bits);
      // double quantization stores the absmax in 8 bits with an fp32 constant per 256 blocks
      // (4 + 8/64 + 32/16384 = 4.127 bits, QLoRA paper section 2).
      {linear("nf4", "bitsandbytes NF4, blocks of 64, fp32 absmax (4.5 bits)", 4, 64, 32, 0, 0, 0),
       {"bnb-nf4", "bnb4", "4bit-nf4"}},
      {linear("nf4-dq", "bitsandbytes NF4 with double quantization (4.127 bits)", 4, 64, 8, 0, 256,
              0),
       {"nf4-double-quant", "bnb-nf4-dq", "qlora"}},
      {linear("fp4", "bitsandbytes FP4, blocks of 64, fp32 absmax (4.5 bits)", 4, 64, 32, 0, 0, 0),
       {"bnb-fp4"}},
      {linear("fp4-dq", "bitsandbytes FP4 with double quantization (4.127 bits)", 4, 64, 8, 0, 256,
              0),
       {"bnb-fp4-dq"}},
      // GPTQ: 4-bit weights packed in int32, fp16 scale and 4-bit zero per group of 128 input
      // rows per output column, and g_idx: an int32 per input row (act order).
      {gptq("gptq-int4-g128", "GPTQ 4-bit, group 128, fp16 scales, packed zeros, g_idx", 4, 128),
       {"gptq", "gptq-int4", "gptq-4bit"}},
      {gptq("gptq-int4-g32", "GPTQ 4-bit, group 32", 4, 32), {}},
      {gptq("gptq-int8-g128", "GPTQ 8-bit, group 128", 8, 128), {"gptq-int8"}},
      {gptq("gptq-int3-g128", "GPTQ 3-bit, group 128", 3, 128), {"gptq-int3"}},
      // AWQ (GEMM): 4-bit packed weights, fp16 scale and 4-bit zero per group of 128.
      {linear("awq-int4", "AWQ 4-bit, group 128, fp16 scales and packed zeros (4.16 bits)", 4, 128,
              16, 4, 0, 0),
       {"awq", "awq-int4-g128", "awq-4bit"}},
      // FP8 checkpoints (compressed-tensors / fbgemm): 8-bit weights with one fp32 weight scale
      // and one input scale per tensor; DeepSeek-V3 style blocks: an fp32 scale_inv per
      // 128 x 128 block.
      {linear("fp8-e4m3", "FP8 e4m3 weights, fp32 scales per tensor", 8, 0, 64, 0, 0, 0),
       {"fp8-static", "float8-e4m3", "fp8_e4m3"}},
      {linear("fp8-e5m2", "FP8 e5m2 weights, fp32 scales per tensor", 8, 0, 64, 0, 0, 0),
       {"float8-e5m2", "fp8_e5m2"}},
      {linear("fp8-block", "FP8 e4m3 with an fp32 scale per 128x128 block (DeepSeek-V3)", 8, 16384,
              32, 0, 0, 0),
       {"fp8-128x128", "fp8-blockwise"}},
      // OCP microscaling MXFP4: blocks of 32 E2M1 values with an E8M0 scale (4.25 bits);
      // NVIDIA NVFP4: blocks of 16 with an FP8 E4M3 scale (4.5 bits) and an fp32 per tensor.
      {linear("mxfp4", "MXFP4: blocks of 32, E8M0 scale (4.25 bits)", 4, 32, 8, 0, 0, 0),
       {"mx-fp4", "ocp-mxfp4"}},
      {linear("nvfp4", "NVFP4: blocks of 16, FP8 scale (4.5 bits)", 4, 16, 8, 0, 0, 0),
       {"nv-fp4"}},
  };
  const auto ggml = ggml_formats();
  entries.insert(entries.end(), ggml.begin(), ggml.end());
  return entries;
  }();
  return table;
}

// llama.cpp's file types (q4_k_m, q8_0, iq4_xs, ...) and the ggml quantized types that are not
// file-type names (q4_k, q5_k, q3_k: every quantized tensor at that type, as
// llama-quantize --pure makes them).
std::vector<WeightFormatEntry> ggml_formats() {
  std::vector<WeightFormatEntry> entries;
  for (const LlamaFileType& ftype : llama_file_types()) {
    WeightFormat f;
    f.name = text::to_lower(ftype.name);
    f.description = "llama.cpp " + std::string(ftype.name) +
                    " as llama-quantize builds it (per-tensor types)";
    f.scheme = WeightScheme::ggml_mix;
    f.llama_ftype = ftype.id;
    const GgmlType* base = ggml_type_by_id(ftype.default_type);
    f.bits = base == nullptr ? 16
                             : static_cast<std::uint32_t>(std::ceil(ggml_bits_per_element(*base)));
    entries.push_back({f, {}});
  }
  for (const GgmlType& type : ggml_types()) {
    const std::string name = text::to_lower(type.name);
    if (type.block_elements == 1 || find_llama_file_type(name) != nullptr || name == "q8_1" ||
        name == "q8_k" || name == "mxfp4" || name == "nvfp4") {
      continue;  // plain types, file-type names, intermediates, and the safetensors formats
    }
    WeightFormat f;
    f.name = name;
    f.description = "every quantized tensor in ggml " + std::string(type.name) +
                    " (llama-quantize --pure)";
    f.scheme = WeightScheme::ggml_mix;
    f.llama_ftype = find_llama_file_type("Q8_0")->id;
    f.pure_ggml_type = static_cast<std::int32_t>(type.id);
    f.bits = static_cast<std::uint32_t>(std::ceil(ggml_bits_per_element(type)));
    entries.push_back({f, {}});
  }
  return entries;
}

// KV element storage. Block sizes and bytes from ggml's type_traits table
// (ggml/src/ggml.c; ggml-common.h static_asserts): q8_0 34 B / 32, q4_0 18 B / 32, ...
// fp8 and int8 caches (vLLM/SGLang --kv-cache-dtype fp8, TensorRT-LLM int8) hold one byte per
// element; their per-tensor scales are negligible.
struct KvTypeEntry {
  KvType type;
  std::array<std::string_view, 5> aliases;
};

constexpr std::array<KvTypeEntry, 11> k_kv_types = {{
    {{"f32", 1, 4, "32-bit float"}, {"fp32", "float32", "float"}},
    {{"f16", 1, 2, "16-bit float (default)"}, {"fp16", "float16", "half"}},
    {{"bf16", 1, 2, "bfloat16"}, {"bfloat16"}},
    {{"fp8", 1, 1, "8-bit float (e4m3/e5m2)"}, {"e4m3", "e5m2", "fp8_e4m3", "fp8_e5m2", "float8"}},
    {{"int8", 1, 1, "8-bit integer"}, {"i8"}},
    {{"q8_0", 32, 34, "ggml q8_0: 34 bytes per 32 elements"}, {"q8"}},
    {{"q4_0", 32, 18, "ggml q4_0: 18 bytes per 32 elements"}, {}},
    {{"q4_1", 32, 20, "ggml q4_1: 20 bytes per 32 elements"}, {}},
    {{"q5_0", 32, 22, "ggml q5_0: 22 bytes per 32 elements"}, {}},
    {{"q5_1", 32, 24, "ggml q5_1: 24 bytes per 32 elements"}, {}},
    {{"iq4_nl", 32, 18, "ggml iq4_nl: 18 bytes per 32 elements"}, {}},
}};

}  // namespace

const WeightFormat& as_stored_format() {
  static const WeightFormat format{"as-stored", "each tensor as the model file stores it",
                                   WeightScheme::as_stored, 0};
  return format;
}

const WeightFormat* find_weight_format(std::string_view name) {
  const std::string_view wanted = text::trim(name);
  for (const auto& entry : weight_format_table()) {
    if (text::iequals(entry.format.name, wanted)) {
      return &entry.format;
    }
    for (const auto& alias : entry.aliases) {
      if (text::iequals(alias, wanted)) {
        return &entry.format;
      }
    }
  }
  return nullptr;
}

std::vector<std::string> weight_format_names() {
  std::vector<std::string> names;
  for (const auto& entry : weight_format_table()) {
    names.push_back(entry.format.name);
  }
  return names;
}

std::vector<std::string> weight_format_spellings() {
  std::vector<std::string> names;
  for (const auto& entry : weight_format_table()) {
    names.push_back(entry.format.name);
    names.insert(names.end(), entry.aliases.begin(), entry.aliases.end());
  }
  return names;
}

std::uint64_t uniform_weight_bytes(const WeightFormat& format, std::uint64_t elements) {
  return mul_div_ceil(elements, format.bits, 8, "weight bytes");
}

const KvType* find_kv_type(std::string_view name) {
  const std::string_view wanted = text::trim(name);
  for (const auto& entry : k_kv_types) {
    if (text::iequals(entry.type.name, wanted)) {
      return &entry.type;
    }
    for (const auto alias : entry.aliases) {
      if (!alias.empty() && text::iequals(alias, wanted)) {
        return &entry.type;
      }
    }
  }
  return nullptr;
}

std::vector<std::string> kv_type_names() {
  std::vector<std::string> names;
  for (const auto& entry : k_kv_types) {
    names.emplace_back(entry.type.name);
  }
  return names;
}

std::uint64_t kv_row_bytes(const KvType& type, std::uint64_t elements) {
  return checked_mul(div_ceil(elements, type.block_elements), type.block_bytes, "KV row bytes");
}

const KvType& default_kv_type() {
  return k_kv_types[1].type;
}

}  // namespace vramcalc
