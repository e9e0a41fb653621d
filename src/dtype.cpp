#include "vramcalc/dtype.hpp"

#include <array>

#include "text.hpp"
#include "vramcalc/bytes.hpp"

namespace vramcalc {

namespace {

struct WeightFormatEntry {
  WeightFormat format;
  std::vector<std::string> aliases;
};

// Idealised precisions of the foundation: every weight costs `bits`, as in the
// "parameters x bytes per parameter" rule (4, 2, 2, 1, 1, 0.5 bytes). Real storage formats
// with scales and per-tensor rules (q4_k_m, nf4, gptq, ...) are separate schemes.
const std::vector<WeightFormatEntry>& weight_format_table() {
  static const std::vector<WeightFormatEntry> table = {
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
  };
  return table;
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
