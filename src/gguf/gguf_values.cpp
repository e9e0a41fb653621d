// Metadata value helpers and llama.cpp file-type names.

#include <array>
#include <string>

#include "vramcalc/gguf.hpp"

namespace vramcalc {

namespace {

// `enum llama_ftype` (llama.h; gguf-py LlamaFileType @ 0024aa74), names without the
// LLAMA_FTYPE_MOSTLY_ / ALL_ prefixes. Removed values (4-6, 33-35) are absent.
constexpr std::array<std::pair<std::uint64_t, std::string_view>, 36> k_ftypes = {{
    {0, "F32"},        {1, "F16"},      {2, "Q4_0"},       {3, "Q4_1"},    {7, "Q8_0"},
    {8, "Q5_0"},       {9, "Q5_1"},     {10, "Q2_K"},      {11, "Q3_K_S"}, {12, "Q3_K_M"},
    {13, "Q3_K_L"},    {14, "Q4_K_S"},  {15, "Q4_K_M"},    {16, "Q5_K_S"}, {17, "Q5_K_M"},
    {18, "Q6_K"},      {19, "IQ2_XXS"}, {20, "IQ2_XS"},    {21, "Q2_K_S"}, {22, "IQ3_XS"},
    {23, "IQ3_XXS"},   {24, "IQ1_S"},   {25, "IQ4_NL"},    {26, "IQ3_S"},  {27, "IQ3_M"},
    {28, "IQ2_S"},     {29, "IQ2_M"},   {30, "IQ4_XS"},    {31, "IQ1_M"},  {32, "BF16"},
    {36, "TQ1_0"},     {37, "TQ2_0"},   {38, "MXFP4_MOE"}, {39, "NVFP4"},  {40, "Q1_0"},
    {1024, "GUESSED"},
}};

}  // namespace

std::string_view gguf_value_type_name(GgufValueType type) noexcept {
  switch (type) {
    case GgufValueType::uint8:
      return "UINT8";
    case GgufValueType::int8:
      return "INT8";
    case GgufValueType::uint16:
      return "UINT16";
    case GgufValueType::int16:
      return "INT16";
    case GgufValueType::uint32:
      return "UINT32";
    case GgufValueType::int32:
      return "INT32";
    case GgufValueType::float32:
      return "FLOAT32";
    case GgufValueType::boolean:
      return "BOOL";
    case GgufValueType::string:
      return "STRING";
    case GgufValueType::array:
      return "ARRAY";
    case GgufValueType::uint64:
      return "UINT64";
    case GgufValueType::int64:
      return "INT64";
    case GgufValueType::float64:
      return "FLOAT64";
  }
  return "UNKNOWN";
}

const GgufValue* find_metadata(const GgufHeader& header, std::string_view key) {
  for (const GgufKv& kv : header.metadata) {
    if (kv.key == key) {
      return &kv.value;
    }
  }
  return nullptr;
}

std::optional<std::uint64_t> gguf_uint(const GgufValue& value, std::size_t index) noexcept {
  if (index < value.unsigned_values.size()) {
    return value.unsigned_values[index];
  }
  if (index < value.signed_values.size() && value.signed_values[index] >= 0) {
    return static_cast<std::uint64_t>(value.signed_values[index]);
  }
  return std::nullopt;
}

std::optional<std::string> gguf_string(const GgufValue& value) {
  if (value.type != GgufValueType::string || value.string_values.empty()) {
    return std::nullopt;
  }
  return value.string_values.front();
}

std::string llama_ftype_name(std::uint64_t file_type) {
  for (const auto& [id, name] : k_ftypes) {
    if (id == file_type) {
      return std::string(name);
    }
  }
  return "file type " + std::to_string(file_type);
}

}  // namespace vramcalc
