#include "vramcalc/ggml_types.hpp"

#include <array>
#include <string>

#include "text.hpp"
#include "vramcalc/bytes.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

// ggml's `type_traits[]` (ggml/src/ggml.c): blck_size and type_size = sizeof(block_*),
// checked against the static_asserts in ggml-common.h and gguf-py GGML_QUANT_SIZES
// (gguf-py/gguf/constants.py), all three in ggml-org/llama.cpp:
// https://github.com/ggml-org/llama.cpp/blob/00bdaa105cb03380daf899b4fc9f026555745269/ggml/src/ggml.c
// https://github.com/ggml-org/llama.cpp/blob/01243c587feceaa5d6a6c2305535ef2f549c48b8/ggml/src/ggml-common.h
// https://github.com/ggml-org/llama.cpp/blob/0024aa7417efd50a7c2a79e049dfbbbceb0beaaf/gguf-py/gguf/constants.py
// Q8_1 is 36 bytes per ggml-common.h (gguf-py says 40; the C struct is what files hold).
// Removed ids (Q4_2, Q4_3, Q4_0_4_4/4_8/8_8, IQ4_NL_4_4/4_8/8_8) are absent on purpose.
// clang-format off
constexpr std::array<GgmlType, 34> k_types = {{
    {0, "F32", 1, 4},
    {1, "F16", 1, 2},
    {2, "Q4_0", 32, 18},
    {3, "Q4_1", 32, 20},
    {6, "Q5_0", 32, 22},
    {7, "Q5_1", 32, 24},
    {8, "Q8_0", 32, 34},
    {9, "Q8_1", 32, 36},
    {10, "Q2_K", 256, 84},
    {11, "Q3_K", 256, 110},
    {12, "Q4_K", 256, 144},
    {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},
    {15, "Q8_K", 256, 292},
    {16, "IQ2_XXS", 256, 66},
    {17, "IQ2_XS", 256, 74},
    {18, "IQ3_XXS", 256, 98},
    {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},
    {21, "IQ3_S", 256, 110},
    {22, "IQ2_S", 256, 82},
    {23, "IQ4_XS", 256, 136},
    {24, "I8", 1, 1},
    {25, "I16", 1, 2},
    {26, "I32", 1, 4},
    {27, "I64", 1, 8},
    {28, "F64", 1, 8},
    {29, "IQ1_M", 256, 56},
    {30, "BF16", 1, 2},
    {34, "TQ1_0", 256, 54},
    {35, "TQ2_0", 256, 66},
    {39, "MXFP4", 32, 17},
    {40, "NVFP4", 64, 36},
    {41, "Q1_0", 128, 18},
}};
// clang-format on

[[noreturn]] void throw_partial_block(const GgmlType& type, std::uint64_t elements) {
  throw Error(ErrorKind::input,
              std::to_string(elements) + " elements are not a whole number of " +
                  std::string(type.name) + " blocks (" + std::to_string(type.block_elements) +
                  " elements each)",
              "ggml stores rows in whole blocks: the innermost dimension must be a multiple of " +
                  std::to_string(type.block_elements));
}

}  // namespace

std::span<const GgmlType> ggml_types() noexcept {
  return k_types;
}

const GgmlType* ggml_type_by_id(std::uint32_t id) noexcept {
  // Looked up by value, never used as an index: ids come from files.
  for (const GgmlType& type : k_types) {
    if (type.id == id) {
      return &type;
    }
  }
  return nullptr;
}

const GgmlType* ggml_type_by_name(std::string_view name) noexcept {
  const std::string_view wanted = text::trim(name);
  for (const GgmlType& type : k_types) {
    if (text::iequals(type.name, wanted)) {
      return &type;
    }
  }
  return nullptr;
}

double ggml_bits_per_element(const GgmlType& type) noexcept {
  return static_cast<double>(type.block_bytes) * 8.0 / static_cast<double>(type.block_elements);
}

std::uint64_t row_bytes(const GgmlType& type, std::uint64_t elements) {
  if (elements % type.block_elements != 0) {
    throw_partial_block(type, elements);
  }
  return checked_mul(elements / type.block_elements, type.block_bytes, "row bytes");
}

std::optional<std::uint64_t> element_count(std::span<const std::uint64_t> shape) noexcept {
  std::uint64_t product = 1;
  for (const std::uint64_t dim : shape) {
    const auto next = try_mul(product, dim);
    if (!next) {
      return std::nullopt;
    }
    product = *next;
  }
  return product;
}

std::uint64_t tensor_bytes(const GgmlType& type, std::span<const std::uint64_t> shape) {
  if (shape.empty()) {
    throw Error(ErrorKind::input, "a tensor needs at least one dimension");
  }
  std::uint64_t bytes = row_bytes(type, shape[0]);
  for (std::size_t i = 1; i < shape.size(); ++i) {
    bytes = checked_mul(bytes, shape[i], "tensor bytes");
  }
  return bytes;
}

}  // namespace vramcalc
