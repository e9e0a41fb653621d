// The facts of a `quantization_config` in a Hugging Face config.json (quant_method gptq, awq,
// bitsandbytes, fp8, compressed-tensors, mxfp4, ...; skip lists modules_to_not_convert,
// ignored_layers, ignore; as huggingface/transformers' quantizers and vllm-project/vllm read
// them): method, bits, group size, fp8 block size, and the modules left unquantized. Values of
// the wrong type are errors like any other key's.
#include <string>

#include "hf_config/planning.hpp"

namespace vramcalc::hf {

namespace {

using nlohmann::json;

// The value of `key`, or nullptr when absent or null. (Through contains/at rather than an
// iterator: GCC 12 reports false null dereferences inside nlohmann's iterators here.)
const json* member(const json& object, const char* key) {
  if (!object.contains(key)) {
    return nullptr;
  }
  const json& value = object.at(key);
  return value.is_null() ? nullptr : &value;
}

constexpr std::uint64_t k_max_bits = 64;
constexpr std::uint64_t k_max_group = 1ULL << 24;

std::optional<std::uint32_t> small_uint(const json& object, const char* key, std::uint64_t max,
                                        const ConfigKeys& keys) {
  const json* it = member(object, key);
  if (it == nullptr) {
    return std::nullopt;
  }
  const std::string where = std::string("quantization_config.") + key;
  if (!it->is_number_integer() && !it->is_number_unsigned()) {
    keys.fail(where, "must be a whole number, not " + describe_json(*it));
  }
  if (it->is_number_integer() && it->get<std::int64_t>() < 0) {
    // GPTQ writes group_size -1 for per-channel scales.
    return std::uint32_t{0};
  }
  const auto value = it->get<std::uint64_t>();
  if (value > max) {
    keys.fail(where, "is " + it->dump() + ", beyond the sane range 0 to " + std::to_string(max));
  }
  return static_cast<std::uint32_t>(value);
}

std::string text(const json& object, const char* key, const ConfigKeys& keys) {
  const json* it = member(object, key);
  if (it == nullptr) {
    return {};
  }
  if (!it->is_string()) {
    keys.fail(std::string("quantization_config.") + key, "must be a string, not " + describe_json(*it));
  }
  return it->get<std::string>();
}

bool flag(const json& object, const char* key, const ConfigKeys& keys) {
  const json* it = member(object, key);
  if (it == nullptr) {
    return false;
  }
  if (!it->is_boolean()) {
    keys.fail(std::string("quantization_config.") + key,
              "must be true or false, not " + describe_json(*it));
  }
  return it->get<bool>();
}

void skip_list(const json& object, const char* key, const ConfigKeys& keys,
               std::vector<std::string>& out) {
  const json* it = member(object, key);
  if (it == nullptr) {
    return;
  }
  const std::string where = std::string("quantization_config.") + key;
  if (!it->is_array()) {
    keys.fail(where, "must be a list of module names, not " + describe_json(*it));
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      keys.fail(where, "must list module names (strings), not " + describe_json(item));
    }
    out.push_back(item.get<std::string>());
  }
}

}  // namespace

QuantizationConfig read_quantization(const json& object, const ConfigKeys& keys) {
  if (!object.is_object()) {
    keys.fail("quantization_config", "must be an object, not " + describe_json(object));
  }
  QuantizationConfig q;
  q.method = text(object, "quant_method", keys);
  q.bits = small_uint(object, "bits", k_max_bits, keys);
  q.group_size = small_uint(object, "group_size", k_max_group, keys);
  q.format = text(object, "fmt", keys);
  if (q.method == "bitsandbytes") {
    // BitsAndBytesConfig: load_in_4bit / load_in_8bit, bnb_4bit_quant_type ("nf4", "fp4").
    if (flag(object, "load_in_4bit", keys)) {
      q.bits = 4;
      q.format = text(object, "bnb_4bit_quant_type", keys);
      q.double_quant = flag(object, "bnb_4bit_use_double_quant", keys);
    } else if (flag(object, "load_in_8bit", keys)) {
      q.bits = 8;
    }
  } else if (q.method == "fp8" && !q.bits) {
    q.bits = 8;  // FP8 E4M3/E5M2: one byte per weight, plus scales
  } else if (q.method == "mxfp4" && !q.bits) {
    q.bits = 4;  // OCP MXFP4: E2M1 elements, E8M0 scale per 32
  }
  if (q.format.empty()) {
    q.format = text(object, "version", keys);  // AWQ "gemm"/"gemv"
  }
  if (const json* it = member(object, "weight_block_size")) {
    if (!it->is_array() || it->size() > 4) {
      keys.fail("quantization_config.weight_block_size",
                "must be a short list of block sizes, not " + describe_json(*it));
    }
    for (const auto& item : *it) {
      if (!item.is_number_unsigned() || item.get<std::uint64_t>() == 0 ||
          item.get<std::uint64_t>() > k_max_group) {
        keys.fail("quantization_config.weight_block_size",
                  "must hold positive whole numbers, not " + describe_json(item));
      }
      q.weight_block_size.push_back(static_cast<std::uint32_t>(item.get<std::uint64_t>()));
    }
  }
  for (const char* key : {"modules_to_not_convert", "ignored_layers", "ignore",
                          "llm_int8_skip_modules"}) {
    skip_list(object, key, keys, q.unquantized_modules);
  }
  q.raw_json = object.dump();
  return q;
}

}  // namespace vramcalc::hf
